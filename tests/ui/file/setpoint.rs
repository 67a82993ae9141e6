// The setpoint system's record types and the writer nodes' functions, shared by the file
// cases (`include!`d at a crate root, so the generated modules' `use super::*` sees them).

/// A request from one writer: the setpoint it asks for (on named-codec links: serde and
/// its contract's schema).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize, aimdb::contract::Schema)]
#[postcard(crate = aimdb::contract::postcard_schema)]
pub struct SetpointRequest {
    pub celsius: f32,
}

/// The setpoint the arbiter applied (to the consoles over a named-codec link too).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize, aimdb::contract::Schema)]
#[postcard(crate = aimdb::contract::postcard_schema)]
#[allow(dead_code)]
pub struct SetpointApplied {
    pub celsius: f32,
}

/// The room temperature the controller reads from a KNX wall sensor.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(dead_code)]
pub struct RoomTemperature {
    pub celsius: f32,
}

#[allow(dead_code)]
impl SetpointApplied {
    /// To the KNX valve actuator: DPT 9.001.
    pub fn to_dpt9_001(&self, out: &mut [u8]) -> Result<usize, aimdb::connector::CodecError> {
        aimdb_connectors::knx::dpt::dpt9_001::to_bytes(&self.celsius, out)
    }
}

#[allow(dead_code)]
impl RoomTemperature {
    /// From the KNX wall sensor: DPT 9.001.
    pub fn from_dpt9_001(bytes: &[u8]) -> Result<Self, aimdb::connector::CodecError> {
        aimdb_connectors::knx::dpt::dpt9_001::from_bytes(bytes).map(|celsius| RoomTemperature { celsius })
    }
}

#[allow(dead_code)]
impl SetpointRequest {
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, aimdb::connector::CodecError> {
        let bytes = self.celsius.to_le_bytes();
        out.get_mut(..4).ok_or(aimdb::connector::CodecError::Oversize)?.copy_from_slice(&bytes);
        Ok(4)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, aimdb::connector::CodecError> {
        let bytes: [u8; 4] = bytes.try_into().map_err(|_| aimdb::connector::CodecError::Malformed)?;
        Ok(SetpointRequest { celsius: f32::from_le_bytes(bytes) })
    }
}

#[allow(dead_code)]
async fn operator_a_requests(_producer: aimdb::Producer<'static, SetpointRequest>) {}

#[allow(dead_code)]
async fn show_applied(_consumer: aimdb::Consumer<'static, SetpointApplied>) {}

#[allow(dead_code)]
async fn autotune(_producer: aimdb::Producer<'static, SetpointRequest>) {}
