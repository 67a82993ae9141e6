// A serde type on a named-codec link also needs its contract: without `Schema` there is no
// fingerprint to write, and the error says what to derive, on the record's type.
include!("../climate.rs");

#[derive(serde::Serialize, serde::Deserialize, Clone)]
pub struct Pressure {
    hectopascal: f32,
}

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Pressure>("climate/zone-a/pressure", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .link_from("mqtt://climate/zone-a/pressure")
            .with_codec(aimdb::codec::Postcard)
            .finish();
    });
}

fn main() {}
