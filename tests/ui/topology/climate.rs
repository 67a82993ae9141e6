// The seed's record type, key and user functions, shared by the topology tests
// (`include!`d at a crate root, so `topology!`'s `use super::*` sees them).

/// The seed's keys.
#[derive(aimdb::RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[allow(dead_code)]
pub enum ClimateKey {
    #[key = "climate/zone-a/reading"]
    #[doc = "The temperature reading."] Reading,
    #[key = "climate/zone-a/setpoint"]
    #[doc = "The setpoint."] Setpoint,
    #[key = "climate/zone-a/humidity"]
    #[doc = "The humidity reading."] Humidity,
}

/// The seed's record type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Temperature {
    #[doc = "Degrees Celsius."] pub celsius: f32,
}

/// Another record type, for type-mismatch cases.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(dead_code)]
pub struct Humidity {
    #[doc = "Relative humidity, percent."] pub percent: f32,
}

#[allow(dead_code)]
impl Temperature {
    /// Serializer: four little-endian bytes.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, aimdb::connector::CodecError> {
        let bytes = self.celsius.to_le_bytes();
        out.get_mut(..4)
            .ok_or(aimdb::connector::CodecError::Oversize)?
            .copy_from_slice(&bytes);
        Ok(4)
    }

    /// Serializer for browsers (`ws://` links): `{"celsius":21.5}`.
    pub fn to_json(&self, out: &mut [u8]) -> Result<usize, aimdb::connector::CodecError> {
        use std::io::Write as _;
        let mut cursor = std::io::Cursor::new(out);
        write!(cursor, "{{\"celsius\":{}}}", self.celsius)
            .map_err(|_| aimdb::connector::CodecError::Oversize)?;
        Ok(cursor.position() as usize)
    }

    /// Deserializer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, aimdb::connector::CodecError> {
        let bytes: [u8; 4] = bytes
            .try_into()
            .map_err(|_| aimdb::connector::CodecError::Malformed)?;
        Ok(Temperature {
            celsius: f32::from_le_bytes(bytes),
        })
    }
}
