//! The fleet's summary (`topologies/fleet.toml`, record `summary`): derived by the
//! `overview` node's join over the reading family, from every zone's latest reading.

use postcard_schema::Schema;
use serde::{Deserialize, Serialize};

/// The warmest zone and how many zones have reported, after the latest reading of any zone.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Schema)]
pub struct FleetSummary {
    /// The warmest zone's latest temperature, degrees Celsius.
    pub celsius: f32,
    /// The warmest zone: its instance's index in the file (with `count = N`, also its name).
    pub warmest: u32,
    /// Zones heard from at least once.
    pub zones: u32,
}

/// `FleetSummary`'s contract fingerprint (`contract = "6391edbac10ee194"` in
/// `topologies/fleet.toml`), pinned as [`crate::reading::FINGERPRINT`] is: every build of this
/// crate checks it in a `const`.
pub const FINGERPRINT: u64 = 0x6391_edba_c10e_e194;

const _: () = assert!(
    u64::from_le_bytes(postcard_schema::key::hash::fnv1a64::hash_ty_path::<
        FleetSummary,
    >("aimdb/record"))
        == FINGERPRINT,
    "FleetSummary's contract fingerprint changed: update fleet::FINGERPRINT (and fleet.toml) if that is meant"
);

/// Each of `N` zones' latest temperature, kept by the join's handler (no heap: `N` from the
/// file, e.g. `Zones::<{ overview::READING_INSTANCES.len() }>`).
#[derive(Clone, Debug)]
pub struct Zones<const N: usize> {
    latest: [Option<f32>; N],
}

impl<const N: usize> Default for Zones<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Zones<N> {
    /// No zone heard yet.
    pub const fn new() -> Self {
        Zones { latest: [None; N] }
    }

    /// Zone `index` read `celsius`: the summary after it, or `None` for an index outside
    /// `0..N`. The warmest of equals is the one with the lowest index.
    pub fn update(&mut self, index: usize, celsius: f32) -> Option<FleetSummary> {
        *self.latest.get_mut(index)? = Some(celsius);
        let mut summary = FleetSummary {
            celsius,
            warmest: index as u32,
            zones: 0,
        };
        for (at, value) in self.latest.iter().enumerate() {
            let Some(value) = *value else { continue };
            summary.zones += 1;
            if value > summary.celsius
                || (value == summary.celsius && (at as u32) < summary.warmest)
            {
                summary.celsius = value;
                summary.warmest = at as u32;
            }
        }
        Some(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warmest_zone_and_the_count() {
        let mut zones = Zones::<4>::new();
        assert_eq!(
            zones.update(2, 20.0).map(|s| (s.warmest, s.zones)),
            Some((2, 1))
        );
        assert_eq!(
            zones.update(0, 21.5).map(|s| (s.warmest, s.zones)),
            Some((0, 2))
        );
        // Zone 0 cools: zone 2 is the warmest again.
        let summary = zones.update(0, 19.0).unwrap();
        assert_eq!(
            (summary.warmest, summary.zones, summary.celsius),
            (2, 2, 20.0)
        );
        assert_eq!(zones.update(4, 30.0), None);
    }
}
