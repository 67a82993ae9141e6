//! The setpoint system's records, the arbitration rule and the end-to-end script.
//!
//! Three writers each own a request record (`setpoint/request/operator-a`,
//! `.../operator-b`, `.../autotuner`); the controller joins them into `setpoint/applied`.
//! Who asked is known from which input of the join a request arrived on, so a request
//! carries only the setpoint.
//!
//! On KNX (`docs/knx.md`): the controller writes each applied setpoint to the heating-valve
//! actuator's group address as DPT 9.001 ([`SetpointApplied::to_dpt9_001`]) and reads the
//! wall sensor's room temperature from another ([`RoomTemperature::from_dpt9_001`]).

use aimdb_connectors::knx::dpt::dpt9_001;
use aimdb_core::connector::CodecError;

/// A writer's request: the setpoint it asks for, in tenths of a degree Celsius.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, postcard_schema::Schema,
)]
pub struct SetpointRequest {
    /// Tenths of a degree Celsius (215 = 21.5 °C).
    pub tenths: i32,
}

impl SetpointRequest {
    /// Serializer: four little-endian bytes.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        out.get_mut(..4)
            .ok_or(CodecError::Oversize)?
            .copy_from_slice(&self.tenths.to_le_bytes());
        Ok(4)
    }

    /// Deserializer: exactly four bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let bytes: [u8; 4] = bytes.try_into().map_err(|_| CodecError::Malformed)?;
        Ok(SetpointRequest {
            tenths: i32::from_le_bytes(bytes),
        })
    }
}

/// Who asked: the join input a request arrived on.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, postcard_schema::Schema,
)]
pub enum Origin {
    /// Operator console A (`setpoint/request/operator-a`, the join's input 0).
    OperatorA,
    /// Operator console B (input 1).
    OperatorB,
    /// The autotuner (input 2).
    Autotuner,
}

impl Origin {
    /// The origin of the join input `index`, in `topologies/setpoint.toml`'s order.
    pub fn of_input(index: usize) -> Option<Origin> {
        [Origin::OperatorA, Origin::OperatorB, Origin::Autotuner]
            .get(index)
            .copied()
    }
}

/// The setpoint the arbiter applied, and whose request it came from. The controller also
/// publishes it over MQTT (postcard) for the operator consoles in browsers to show.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, postcard_schema::Schema,
)]
pub struct SetpointApplied {
    /// Tenths of a degree Celsius.
    pub tenths: i32,
    /// Whose request it was.
    pub origin: Origin,
}

impl SetpointApplied {
    /// The applied setpoint in degrees Celsius (`tenths / 10`).
    pub fn celsius(&self) -> f32 {
        self.tenths as f32 / 10.0
    }

    /// Serializer for a KNX valve actuator: the applied °C as DPT 9.001 (`00 HH LL`, the
    /// connector's encoding). Every clamped setpoint ([`LIMITS`]) is exact in DPT 9
    /// (0.02 °C resolution from 20.48 to 40.96 °C, 0.01 °C below); who asked is not sent.
    pub fn to_dpt9_001(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        dpt9_001::to_bytes(&self.celsius(), out)
    }
}

/// The room temperature a KNX wall sensor reports, in degrees Celsius.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoomTemperature {
    /// Degrees Celsius, as decoded from DPT 9.001 (0.01 °C steps at room temperatures
    /// below 20.48 °C, 0.02 °C up to 40.96 °C).
    pub celsius: f32,
}

impl RoomTemperature {
    /// Deserializer: DPT 9.001 (`00 HH LL`); DPT 9's invalid-data code, a value out of
    /// the DPT's range or another length is malformed.
    pub fn from_dpt9_001(bytes: &[u8]) -> Result<Self, CodecError> {
        dpt9_001::from_bytes(bytes).map(|celsius| RoomTemperature { celsius })
    }

    /// Serializer: DPT 9.001, as the wall sensor sends it.
    pub fn to_dpt9_001(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        dpt9_001::to_bytes(&self.celsius, out)
    }
}

/// The limits every applied setpoint is clamped to (15.0 to 30.0 °C).
pub const LIMITS: (i32, i32) = (150, 300);

/// The arbitration rule, as plain state (no lock, no allocation):
/// operators override the autotuner (once an operator has asked, autotuner requests are
/// ignored); among operators the latest request wins; every setpoint is clamped to
/// [`LIMITS`]; a request that would not change the applied setpoint applies nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Arbiter {
    applied: Option<SetpointApplied>,
    operator_spoke: bool,
}

impl Arbiter {
    /// An arbiter that has applied nothing yet.
    pub const fn new() -> Self {
        Arbiter {
            applied: None,
            operator_spoke: false,
        }
    }

    /// Decide one request: the setpoint to apply, if it changes anything.
    pub fn decide(&mut self, origin: Origin, request: SetpointRequest) -> Option<SetpointApplied> {
        let operator = origin != Origin::Autotuner;
        if !operator && self.operator_spoke {
            return None;
        }
        self.operator_spoke |= operator;
        let tenths = request.tenths.clamp(LIMITS.0, LIMITS.1);
        if self.applied.is_some_and(|current| current.tenths == tenths) {
            return None;
        }
        let applied = SetpointApplied { tenths, origin };
        self.applied = Some(applied);
        Some(applied)
    }
}

/// The end-to-end script: every request in the order it must reach the controller.
///
/// The autotuner (on the MCU) sends its lines on its own clock ([`AUTOTUNER_SCHEDULE`]);
/// the operator consoles (on the host) start once the controller has applied the
/// autotuner's second request and go one line at a time, each after the previous one was
/// decided. The autotuner's late requests come seconds after the operators are done.
pub const SCRIPT: [(Origin, i32); 10] = [
    (Origin::Autotuner, 210), // nobody else yet: applied
    (Origin::Autotuner, 220), // applied
    (Origin::OperatorA, 250), // an operator overrides the autotuner
    (Origin::OperatorB, 400), // latest operator wins, clamped to 300
    (Origin::OperatorA, 100), // clamped to 150
    (Origin::OperatorB, 150), // same as applied: nothing new
    (Origin::OperatorB, 260), // applied
    (Origin::OperatorA, 260), // same value: nothing new
    (Origin::Autotuner, 230), // ignored: an operator has spoken
    (Origin::Autotuner, 240), // ignored
];

/// When the autotuner sends its requests: milliseconds after it booted, and the setpoint.
/// The gap before the third leaves the host ~4 s for the operators' six lines.
pub const AUTOTUNER_SCHEDULE: [(u64, i32); 4] =
    [(800, 210), (1_100, 220), (5_000, 230), (5_500, 240)];

/// What the controller must apply for [`SCRIPT`], in order, by the rule of [`Arbiter`].
pub fn expected_applied(out: &mut [Option<SetpointApplied>; SCRIPT.len()]) -> usize {
    let mut arbiter = Arbiter::new();
    let mut count = 0;
    for (origin, tenths) in SCRIPT {
        if let Some(applied) = arbiter.decide(origin, SetpointRequest { tenths }) {
            out[count] = Some(applied);
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_applies_six_setpoints() {
        let mut out = [None; SCRIPT.len()];
        let n = expected_applied(&mut out);
        let tenths: [(i32, Origin); 6] = core::array::from_fn(|i| {
            let a = out[i].unwrap();
            (a.tenths, a.origin)
        });
        assert_eq!(n, 6);
        assert_eq!(
            tenths,
            [
                (210, Origin::Autotuner),
                (220, Origin::Autotuner),
                (250, Origin::OperatorA),
                (300, Origin::OperatorB),
                (150, Origin::OperatorA),
                (260, Origin::OperatorB),
            ]
        );
    }

    #[test]
    fn applied_setpoints_go_to_knx_as_exact_dpt9_001() {
        let applied = |tenths| SetpointApplied {
            tenths,
            origin: Origin::OperatorA,
        };
        let mut out = [0u8; 3];
        // 21.5 °C: E = 1, M = 1075 (the spec's example).
        assert_eq!(applied(215).to_dpt9_001(&mut out), Ok(3));
        assert_eq!(out, [0x00, 0x0C, 0x33]);
        // Every setpoint the rule can apply decodes to exactly its °C.
        for tenths in LIMITS.0..=LIMITS.1 {
            let n = applied(tenths).to_dpt9_001(&mut out).unwrap();
            let decoded = dpt9_001::from_bytes(&out[..n]).unwrap();
            assert_eq!(decoded, tenths as f32 / 10.0, "{tenths}");
        }
        assert_eq!(
            applied(215).to_dpt9_001(&mut [0u8; 2]),
            Err(CodecError::Oversize)
        );
    }

    #[test]
    fn room_temperature_decodes_dpt9_001() {
        // knxtool's `0c 1a` = 21.0 °C; -1 °C = `87 9c`.
        assert_eq!(
            RoomTemperature::from_dpt9_001(&[0x00, 0x0C, 0x1A]),
            Ok(RoomTemperature { celsius: 21.0 })
        );
        assert_eq!(
            RoomTemperature::from_dpt9_001(&[0x00, 0x87, 0x9C]),
            Ok(RoomTemperature { celsius: -1.0 })
        );
        assert_eq!(
            RoomTemperature::from_dpt9_001(&[0x00, 0x7F, 0xFF]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            RoomTemperature::from_dpt9_001(&[0x0C, 0x1A]),
            Err(CodecError::Malformed)
        );
        let mut out = [0u8; 3];
        let room = RoomTemperature { celsius: 19.5 };
        let n = room.to_dpt9_001(&mut out).unwrap();
        assert_eq!(RoomTemperature::from_dpt9_001(&out[..n]), Ok(room));
    }

    #[test]
    fn the_autotuner_schedule_matches_the_script() {
        let autotuner: [i32; 4] = {
            let mut it = SCRIPT.iter().filter(|(o, _)| *o == Origin::Autotuner);
            core::array::from_fn(|_| it.next().unwrap().1)
        };
        assert_eq!(autotuner, AUTOTUNER_SCHEDULE.map(|(_, t)| t));
    }
}
