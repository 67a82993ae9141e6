//! The climate system's one record: a temperature reading, and the simulated sensor that
//! produces it.

use aimdb_core::Producer;
use aimdb_core::connector::CodecError;
use embassy_time::{Duration, Instant, Ticker};
use postcard_schema::Schema;
use serde::{Deserialize, Serialize};

/// One reading of zone A's air temperature (`climate/zone-a/reading`).
///
/// Besides the temperature it carries its sequence number and the time it was taken on the
/// sensor's own clock, so an observer can tell a lost reading from a late one and measure
/// how long readings take to arrive.
///
/// The climate system's links carry it with the postcard codec (`codec = "postcard"`), so
/// its serde shape is its contract: [`Schema`] gives the fingerprint every payload carries.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Schema)]
pub struct Temperature {
    /// 0 for the sensor's first reading after boot, then +1 per reading.
    pub seq: u32,
    /// Degrees Celsius.
    pub celsius: f32,
    /// When the reading was taken, in microseconds since the sensor booted.
    pub taken_us: u64,
}

/// `Temperature`'s contract fingerprint as `aimdb::contract` computes it (postcard-schema's
/// hash seeded with `aimdb/record`), pinned: this crate is built for x86_64, thumbv7em and
/// wasm32 (`scripts/test.sh`), and each build evaluates the hash in a `const` and stops here
/// if it differs, so the same type has the same contract on every target. A deliberate
/// change of the type changes it: readers built before will refuse the new payloads.
pub const FINGERPRINT: u64 = 0xd266_0728_cb35_7589;

const _: () = assert!(
    u64::from_le_bytes(postcard_schema::key::hash::fnv1a64::hash_ty_path::<
        Temperature,
    >("aimdb/record"))
        == FINGERPRINT,
    "Temperature's contract fingerprint changed: update reading::FINGERPRINT if that is meant"
);

/// A later version of [`Temperature`] with a humidity field: what `firmware/climate-sensor`
/// publishes when built with its `schema-v2` feature (another contract fingerprint, which
/// today's readers refuse), and the type a reader names to accept that version:
/// `accepts = ["TemperatureWithHumidity"]`. Converting drops the humidity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Schema)]
pub struct TemperatureWithHumidity {
    /// As [`Temperature::seq`].
    pub seq: u32,
    /// As [`Temperature::celsius`].
    pub celsius: f32,
    /// As [`Temperature::taken_us`].
    pub taken_us: u64,
    /// Relative humidity in percent.
    pub humidity: f32,
}

/// The `schema-v2` sensor's reading: the same values, at a fixed 45 % humidity.
impl From<Temperature> for TemperatureWithHumidity {
    fn from(reading: Temperature) -> Self {
        TemperatureWithHumidity {
            seq: reading.seq,
            celsius: reading.celsius,
            taken_us: reading.taken_us,
            humidity: 45.0,
        }
    }
}

impl From<TemperatureWithHumidity> for Temperature {
    fn from(v2: TemperatureWithHumidity) -> Self {
        Temperature {
            seq: v2.seq,
            celsius: v2.celsius,
            taken_us: v2.taken_us,
        }
    }
}

/// Bytes of an encoded [`Temperature`]: seq (u32), celsius (f32), taken_us (u64), all
/// little-endian.
pub const ENCODED_LEN: usize = 16;

impl Temperature {
    /// A raw serializer (`.with_serializer_raw(Temperature::to_bytes)`): seq, celsius and
    /// taken_us little-endian, no contract header. The climate system's links use postcard
    /// (`codec = "postcard"`) instead; this stays for the raw-codec examples and tests, and
    /// as the baseline the benchmarks compare postcard with.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        let out = out.get_mut(..ENCODED_LEN).ok_or(CodecError::Oversize)?;
        out[..4].copy_from_slice(&self.seq.to_le_bytes());
        out[4..8].copy_from_slice(&self.celsius.to_le_bytes());
        out[8..].copy_from_slice(&self.taken_us.to_le_bytes());
        Ok(ENCODED_LEN)
    }

    /// Deserializer (`Temperature::from_bytes`): exactly [`ENCODED_LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let bytes: &[u8; ENCODED_LEN] = bytes.try_into().map_err(|_| CodecError::Malformed)?;
        let (seq, rest) = bytes.split_at(4);
        let (celsius, taken_us) = rest.split_at(4);
        // The splits are 4, 4 and 8 bytes long by construction.
        let word = |b: &[u8]| <[u8; 4]>::try_from(b).map_err(|_| CodecError::Malformed);
        Ok(Temperature {
            seq: u32::from_le_bytes(word(seq)?),
            celsius: f32::from_le_bytes(word(celsius)?),
            taken_us: u64::from_le_bytes(
                <[u8; 8]>::try_from(taken_us).map_err(|_| CodecError::Malformed)?,
            ),
        })
    }

    /// The temperature in hundredths of a degree (exact: every [`sample`] is a multiple of
    /// 0.25 °C), for printing without float formatting.
    pub fn centi_celsius(&self) -> i32 {
        (self.celsius * 100.0) as i32
    }
}

/// The simulated sensor: a triangle wave from 20.00 °C up to 25.00 °C and back, in steps of
/// 0.25 °C, one step per reading (period 40 readings). Every value is exact in `f32`, so an
/// observer recomputes it bit for bit.
pub fn sample(seq: u32) -> f32 {
    let phase = seq % 40;
    let step = if phase <= 20 { phase } else { 40 - phase };
    20.0 + step as f32 * 0.25
}

/// Time between two readings of the sensor node (on the MCU and on the host).
pub const PERIOD: Duration = Duration::from_millis(10);

/// The sensor node's source body, shared by the firmware and the host build: produce
/// reading 0, 1, 2, .. every [`PERIOD`] (a ticker, so the schedule does not drift), calling
/// `report` after each. Never returns.
///
/// The record may be any version built from a [`Temperature`] (`T: From<Temperature>`):
/// `Temperature` itself, or [`TemperatureWithHumidity`] in the firmware's `schema-v2` build.
/// `report` sees the reading as a `Temperature` either way.
pub async fn produce_readings<T: From<Temperature> + Clone>(
    producer: &Producer<'static, T>,
    mut report: impl FnMut(&Temperature),
) -> ! {
    let mut ticker = Ticker::every(PERIOD);
    let mut seq: u32 = 0;
    loop {
        ticker.next().await;
        let reading = Temperature {
            seq,
            celsius: sample(seq),
            taken_us: Instant::now().as_micros(),
        };
        producer.produce(T::from(reading)).await;
        report(&reading);
        seq = seq.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_round_trips_and_rejects_wrong_lengths() {
        let reading = Temperature {
            seq: 7,
            celsius: sample(7),
            taken_us: 1 << 40,
        };
        let mut out = [0u8; 32];
        let len = reading.to_bytes(&mut out).unwrap();
        assert_eq!(len, ENCODED_LEN);
        assert_eq!(Temperature::from_bytes(&out[..len]), Ok(reading));
        assert_eq!(
            Temperature::from_bytes(&out[..len - 1]),
            Err(CodecError::Malformed)
        );
        assert_eq!(reading.to_bytes(&mut out[..8]), Err(CodecError::Oversize));
    }

    #[test]
    fn the_wave_rises_and_falls_in_quarter_degrees() {
        assert_eq!(sample(0), 20.0);
        assert_eq!(sample(1), 20.25);
        assert_eq!(sample(20), 25.0);
        assert_eq!(sample(21), 24.75);
        assert_eq!(sample(40), 20.0);
        assert_eq!(
            Temperature {
                seq: 3,
                celsius: sample(3),
                taken_us: 0
            }
            .centi_celsius(),
            2075
        );
    }
}
