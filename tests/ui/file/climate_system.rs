// The shipped climate system's record type, for cases built from topologies/climate.toml:
// the file pins `Temperature`'s contract, so a stand-in of another shape would not build.
// (`include!`d at a crate root, so `topology!`'s `use super::*` sees it.)

pub use climate_model::Temperature;
