//! KNX datapoint types as link codecs: `no_std`, no heap, a few bytes each.
//!
//! Each module is one codec with the signatures a link takes, so a topology names it
//! directly:
//!
//! ```toml
//! link_to = { url = "knx://1/2/3", serializer = "aimdb_connectors::knx::dpt::dpt9_001::to_bytes" }
//! link_from = { url = "knx://1/2/3", deserializer = "aimdb_connectors::knx::dpt::dpt9_001::from_bytes" }
//! ```
//!
//! | module | DPT | value | payload |
//! | --- | --- | --- | --- |
//! | [`dpt1_001`] | 1.001 switch | `bool` | `0x00` / `0x01` (short form) |
//! | [`dpt5_001`] | 5.001 percentage | `f32`, 0 to 100 % | `00 NN`, NN = round(% × 255 / 100) |
//! | [`dpt9_001`] | 9.001 temperature | `f32`, −273 to 670 760 °C | `00 HH LL`, 2-byte float |
//! | [`dpt9_007`] | 9.007 humidity | `f32`, 0 to 670 760 % | `00 HH LL`, 2-byte float |
//! | [`dpt14`] | 14.xxx (any) | `f32`, finite | `00 B3 B2 B1 B0`, IEEE 754 big-endian |
//!
//! The payload is the telegram's data in the form the KNX connector carries (see
//! [`GroupTelegram`](super::frames::GroupTelegram)): one byte for a DPT of at most 6 bits,
//! otherwise a zero byte and the DPT's octets. A value outside the DPT's range (or NaN)
//! is refused with [`CodecError::Malformed`], which the link task counts as an encode
//! error and skips; a payload of the wrong length or an out-of-range value arriving is a
//! counted decode error. Nothing here panics.

use aimdb_core::connector::CodecError;

/// Copy `payload` into `out`, or `Oversize`.
fn put(payload: &[u8], out: &mut [u8]) -> Result<usize, CodecError> {
    out.get_mut(..payload.len())
        .ok_or(CodecError::Oversize)?
        .copy_from_slice(payload);
    Ok(payload.len())
}

/// Round half away from zero (`f32::round` is not in `core`). All arithmetic here is
/// `f32`: Cortex-M4F and M7 have a single-precision FPU, and `f64` would pull in ~3 KB of
/// soft-float routines.
fn round(x: f32) -> f32 {
    // The casts saturate, and callers range-check first, so this is exact for |x| < 2^23.
    if x >= 0.0 {
        (x + 0.5) as i32 as f32
    } else {
        (x - 0.5) as i32 as f32
    }
}

/// DPT 1.001 (switch): `false` = off, `true` = on; one bit, sent in the APCI octet.
pub mod dpt1_001 {
    use super::*;

    /// Encode: one byte, `0x00` or `0x01`.
    pub fn to_bytes(value: &bool, out: &mut [u8]) -> Result<usize, CodecError> {
        put(&[u8::from(*value)], out)
    }

    /// Decode one byte `0x00` or `0x01`; anything else is malformed.
    pub fn from_bytes(bytes: &[u8]) -> Result<bool, CodecError> {
        match bytes {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(CodecError::Malformed),
        }
    }
}

/// DPT 5.001 (percentage, 0 to 100 %), one octet scaled to 0 to 255.
pub mod dpt5_001 {
    use super::*;

    /// Encode a percentage in 0 to 100 (rounded to the nearest of the 256 steps).
    pub fn to_bytes(value: &f32, out: &mut [u8]) -> Result<usize, CodecError> {
        let value = *value;
        if !(0.0..=100.0).contains(&value) {
            return Err(CodecError::Malformed);
        }
        let raw = round(value * 255.0 / 100.0) as u8;
        put(&[0, raw], out)
    }

    /// Decode `00 NN` to NN × 100 / 255 %.
    pub fn from_bytes(bytes: &[u8]) -> Result<f32, CodecError> {
        match bytes {
            [0, raw] => Ok(f32::from(*raw) * 100.0 / 255.0),
            _ => Err(CodecError::Malformed),
        }
    }
}

/// DPT 9.xxx, the 2-byte float: `MEEEEMMM MMMMMMMM`, value = 0.01 × M × 2^E with M a
/// 12-bit two's complement mantissa (its sign bit first) and E a 4-bit exponent. `0x7FFF`
/// means "invalid data".
pub mod dpt9 {
    use super::round;

    /// The largest value the format holds: 0.01 × 2047 × 2^15 = 670 760.96 (as the
    /// nearest `f32`).
    pub const MAX: f32 = 670_760.94;
    /// The smallest value the format holds: 0.01 × −2048 × 2^15 = −671 088.64 (as the
    /// nearest `f32`).
    pub const MIN: f32 = -671_088.6;
    /// The "invalid data" encoding.
    pub const INVALID: [u8; 2] = [0x7F, 0xFF];

    /// Encode with the smallest exponent that holds the value (the finest resolution);
    /// `None` for NaN, infinities, values outside [`MIN`]..=[`MAX`] and those that round
    /// to [`INVALID`] (above 670 597.12).
    pub fn encode(value: f32) -> Option<[u8; 2]> {
        if !value.is_finite() {
            return None;
        }
        let hundredths = value * 100.0;
        let mut scale = 1.0f32;
        for exponent in 0u8..16 {
            let mantissa = round(hundredths / scale);
            if (-2048.0..=2047.0).contains(&mantissa) {
                let m = mantissa as i16;
                let sign = if m < 0 { 0x80 } else { 0 };
                let bits = (m as u16) & 0x07FF;
                let high = sign | (exponent << 3) | (bits >> 8) as u8;
                let encoded = [high, bits as u8];
                // 0x7FFF is "invalid data", never a value (it would be 0x7FF × 2^15).
                return (encoded != INVALID).then_some(encoded);
            }
            scale *= 2.0;
        }
        None
    }

    /// Decode; `None` for the invalid-data encoding.
    pub fn decode(bytes: [u8; 2]) -> Option<f32> {
        if bytes == INVALID {
            return None;
        }
        let [high, low] = bytes;
        let exponent = (high >> 3) & 0x0F;
        let mut mantissa = (i32::from(high & 0x07) << 8) | i32::from(low);
        if high & 0x80 != 0 {
            mantissa -= 2048;
        }
        // M × 2^E (at most 2^26 in magnitude, 12 significant bits) is exact as an i32 and
        // an f32; one correctly rounded division gives the f32 nearest to the value.
        Some((mantissa << exponent) as f32 / 100.0)
    }

    /// A DPT 9 codec over `min..=max`.
    pub(super) fn to_bytes(
        value: f32,
        min: f32,
        max: f32,
        out: &mut [u8],
    ) -> Result<usize, aimdb_core::connector::CodecError> {
        if !(min..=max).contains(&value) {
            return Err(aimdb_core::connector::CodecError::Malformed);
        }
        let [high, low] = encode(value).ok_or(aimdb_core::connector::CodecError::Malformed)?;
        super::put(&[0, high, low], out)
    }

    /// A DPT 9 decoder over `min..=max`.
    pub(super) fn from_bytes(
        bytes: &[u8],
        min: f32,
        max: f32,
    ) -> Result<f32, aimdb_core::connector::CodecError> {
        let malformed = aimdb_core::connector::CodecError::Malformed;
        let [0, high, low] = *bytes else {
            return Err(malformed);
        };
        decode([high, low])
            .filter(|value| (min..=max).contains(value))
            .ok_or(malformed)
    }
}

/// DPT 9.001 (temperature, °C), −273 to 670 760 °C, 2-byte float (resolution 0.01 °C
/// below 20.48 °C, 0.02 °C below 40.96 °C, ...). Values above 670 597.12 round to the
/// invalid-data code and are refused like any other out-of-range value.
pub mod dpt9_001 {
    use super::*;

    /// The lowest temperature the DPT allows.
    pub const MIN: f32 = -273.0;
    /// The highest temperature the DPT allows.
    pub const MAX: f32 = 670_760.0;

    /// Encode `00 HH LL`; a value below −273 °C, above 670 760 °C or NaN is refused.
    pub fn to_bytes(value: &f32, out: &mut [u8]) -> Result<usize, CodecError> {
        dpt9::to_bytes(*value, MIN, MAX, out)
    }

    /// Decode `00 HH LL`; invalid data or a value outside the range is malformed.
    pub fn from_bytes(bytes: &[u8]) -> Result<f32, CodecError> {
        dpt9::from_bytes(bytes, MIN, MAX)
    }
}

/// DPT 9.007 (humidity, %), 0 to 670 760 %, 2-byte float.
pub mod dpt9_007 {
    use super::*;

    /// The lowest humidity the DPT allows.
    pub const MIN: f32 = 0.0;
    /// The highest humidity the DPT allows.
    pub const MAX: f32 = 670_760.0;

    /// Encode `00 HH LL`; a negative value, one above 670 760 % or NaN is refused.
    pub fn to_bytes(value: &f32, out: &mut [u8]) -> Result<usize, CodecError> {
        dpt9::to_bytes(*value, MIN, MAX, out)
    }

    /// Decode `00 HH LL`; invalid data or a value outside the range is malformed.
    pub fn from_bytes(bytes: &[u8]) -> Result<f32, CodecError> {
        dpt9::from_bytes(bytes, MIN, MAX)
    }
}

/// DPT 14.xxx (any of the 4-byte float quantities: 14.056 power in W, 14.068 temperature
/// in °C, ...): IEEE 754 single precision, big-endian.
pub mod dpt14 {
    use super::*;

    /// Encode `00 B3 B2 B1 B0`; NaN and infinities are refused.
    pub fn to_bytes(value: &f32, out: &mut [u8]) -> Result<usize, CodecError> {
        if !value.is_finite() {
            return Err(CodecError::Malformed);
        }
        let [a, b, c, d] = value.to_be_bytes();
        put(&[0, a, b, c, d], out)
    }

    /// Decode `00 B3 B2 B1 B0`; NaN and infinities are malformed.
    pub fn from_bytes(bytes: &[u8]) -> Result<f32, CodecError> {
        let [0, a, b, c, d] = *bytes else {
            return Err(CodecError::Malformed);
        };
        let value = f32::from_be_bytes([a, b, c, d]);
        if value.is_finite() {
            Ok(value)
        } else {
            Err(CodecError::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(f: fn(&f32, &mut [u8]) -> Result<usize, CodecError>, value: f32) -> [u8; 3] {
        let mut out = [0u8; 3];
        assert_eq!(f(&value, &mut out), Ok(3), "{value}");
        out
    }

    #[test]
    fn dpt9_known_encodings() {
        // value = 0.01 × M × 2^E (KNX 03.07.02 DPT 9).
        for (value, bytes) in [
            (0.0, [0x00, 0x00]),
            (21.5, [0x0C, 0x33]),  // E=1, M=1075
            (21.0, [0x0C, 0x1A]),  // E=1, M=1050: knxtool's `0c 1a`
            (20.47, [0x07, 0xFF]), // E=0, M=2047: the largest at full resolution
            (-1.0, [0x87, 0x9C]),  // E=0, M=-100
            (-0.01, [0x87, 0xFF]), // E=0, M=-1
            (-20.48, [0x80, 0x00]),
            (-273.0, [0xA1, 0x56]),    // E=4, M=-1706.25 → -1706 (−272.96)
            (670_000.0, [0x7F, 0xFD]), // E=15, M=2044.68 → 2045
        ] {
            assert_eq!(dpt9::encode(value), Some(bytes), "{value}");
        }
        assert_eq!(dpt9::decode([0x0C, 0x33]), Some(21.5));
        assert_eq!(dpt9::decode([0x87, 0x9C]), Some(-1.0));
        assert_eq!(dpt9::decode([0x80, 0x00]), Some(-20.48));
        assert_eq!(dpt9::decode([0x7F, 0xFF]), None);
        // 670 760 rounds to M=2047, E=15: the invalid-data code, so it is refused.
        assert_eq!(dpt9::encode(670_760.0), None);
        assert_eq!(dpt9::decode([0xF8, 0x00]), Some(dpt9::MIN));
        assert_eq!(encoded(dpt9_001::to_bytes, 21.5), [0x00, 0x0C, 0x33]);
        assert_eq!(dpt9_001::from_bytes(&[0x00, 0x0C, 0x33]), Ok(21.5));
    }

    #[test]
    fn dpt9_encodes_the_exact_spec_formula_to_within_half_a_step() {
        let mut value = -273.0f32;
        while value < 1000.0 {
            let bytes = dpt9::encode(value).unwrap();
            let decoded = dpt9::decode(bytes).unwrap();
            let exponent = (bytes[0] >> 3) & 0x0F;
            let step = 0.01 * f32::from(1u16 << exponent);
            assert!(
                (decoded - value).abs() <= step / 2.0 + 1e-4,
                "{value} -> {bytes:02x?} -> {decoded}"
            );
            value += 0.37;
        }
    }

    #[test]
    fn dpt9_every_encoding_decodes_and_re_encodes_to_the_same_value() {
        for raw in 0..=u16::MAX {
            let bytes = raw.to_be_bytes();
            let Some(value) = dpt9::decode(bytes) else {
                assert_eq!(bytes, dpt9::INVALID);
                continue;
            };
            let again = dpt9::encode(value);
            // 0x7FFE-ish neighbours of the invalid code and the format's extremes still
            // re-encode; only the value matters (several encodings share one value).
            let again = again.unwrap_or_else(|| panic!("{raw:#06x} = {value}"));
            assert_eq!(dpt9::decode(again), Some(value), "{raw:#06x}");
        }
    }

    #[test]
    fn dpt9_refuses_what_the_dpt_does_not_hold() {
        let mut out = [0u8; 3];
        for value in [f32::NAN, f32::INFINITY, -273.5, 670_761.0] {
            assert_eq!(
                dpt9_001::to_bytes(&value, &mut out),
                Err(CodecError::Malformed),
                "{value}"
            );
        }
        assert_eq!(dpt9::encode(671_000.0), None);
        assert_eq!(dpt9::encode(-671_300.0), None);
        assert_eq!(
            dpt9_007::to_bytes(&-0.5, &mut out),
            Err(CodecError::Malformed)
        );
        assert_eq!(encoded(dpt9_007::to_bytes, 45.0), [0x00, 0x14, 0x65]); // E=2, M=1125
        assert_eq!(dpt9_007::from_bytes(&[0x00, 0x14, 0x65]), Ok(45.0));
        assert_eq!(
            dpt9_001::to_bytes(&21.5, &mut out[..2]),
            Err(CodecError::Oversize)
        );
        assert_eq!(
            dpt9_001::from_bytes(&[0x0C, 0x33]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            dpt9_001::from_bytes(&[0x00, 0x7F, 0xFF]),
            Err(CodecError::Malformed)
        );
        // -300 °C is a valid 2-byte float but not a DPT 9.001 temperature.
        let cold = dpt9::encode(-300.0).unwrap();
        assert_eq!(
            dpt9_001::from_bytes(&[0, cold[0], cold[1]]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            dpt9_007::from_bytes(&[0x00, 0x87, 0x9C]),
            Err(CodecError::Malformed)
        );
    }

    #[test]
    fn dpt1_switch() {
        let mut out = [0u8; 1];
        assert_eq!(dpt1_001::to_bytes(&true, &mut out), Ok(1));
        assert_eq!(out, [1]);
        assert_eq!(dpt1_001::to_bytes(&false, &mut out), Ok(1));
        assert_eq!(out, [0]);
        assert_eq!(dpt1_001::from_bytes(&[1]), Ok(true));
        assert_eq!(dpt1_001::from_bytes(&[0]), Ok(false));
        for bad in [&[2u8][..], &[], &[0, 1], &[0x3F]] {
            assert_eq!(
                dpt1_001::from_bytes(bad),
                Err(CodecError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            dpt1_001::to_bytes(&true, &mut []),
            Err(CodecError::Oversize)
        );
    }

    #[test]
    fn dpt5_percentage() {
        let mut out = [0u8; 2];
        for (value, raw) in [(0.0, 0), (100.0, 255), (50.0, 128), (1.0, 3), (49.9, 127)] {
            assert_eq!(dpt5_001::to_bytes(&value, &mut out), Ok(2));
            assert_eq!(out, [0, raw], "{value}");
        }
        for raw in 0..=255u8 {
            let value = dpt5_001::from_bytes(&[0, raw]).unwrap();
            assert!((0.0..=100.0).contains(&value));
            assert_eq!(dpt5_001::to_bytes(&value, &mut out), Ok(2));
            assert_eq!(out[1], raw, "{value}");
        }
        assert_eq!(dpt5_001::from_bytes(&[0, 255]), Ok(100.0));
        for bad in [-0.1, 100.1, f32::NAN] {
            assert_eq!(
                dpt5_001::to_bytes(&bad, &mut out),
                Err(CodecError::Malformed)
            );
        }
        assert_eq!(dpt5_001::from_bytes(&[128]), Err(CodecError::Malformed));
    }

    #[test]
    fn dpt14_ieee_float() {
        let mut out = [0u8; 5];
        assert_eq!(dpt14::to_bytes(&1234.5, &mut out), Ok(5));
        assert_eq!(out, [0x00, 0x44, 0x9A, 0x50, 0x00]);
        assert_eq!(dpt14::from_bytes(&out), Ok(1234.5));
        for value in [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            -273.15,
            1e-30,
        ] {
            dpt14::to_bytes(&value, &mut out).unwrap();
            assert_eq!(
                dpt14::from_bytes(&out).map(f32::to_bits),
                Ok(value.to_bits())
            );
        }
        assert_eq!(
            dpt14::to_bytes(&f32::NAN, &mut out),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            dpt14::from_bytes(&[0, 0x7F, 0x80, 0, 0]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            dpt14::from_bytes(&[0x44, 0x9A, 0x50, 0x00]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            dpt14::to_bytes(&1.0, &mut out[..4]),
            Err(CodecError::Oversize)
        );
    }
}
