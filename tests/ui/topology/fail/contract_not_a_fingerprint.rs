// `.contract(..)` pins the record type's fingerprint: 16 hex digits, as a node prints it.
include!("../climate.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .contract("d2660728cb3575")
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

fn main() {}
