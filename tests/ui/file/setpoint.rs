// The setpoint system's record types and the writer nodes' functions, shared by the file
// cases (`include!`d at a crate root, so the generated modules' `use super::*` sees them).

/// A request from one writer: the setpoint it asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetpointRequest {
    pub celsius: f32,
}

/// The setpoint the arbiter applied.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(dead_code)]
pub struct SetpointApplied {
    pub celsius: f32,
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
async fn autotune(_producer: aimdb::Producer<'static, SetpointRequest>) {}
