include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .source(read_backup_probe)
            .finish();
    });
}

fn main() {}

async fn read_backup_probe(_producer: aimdb::Producer<'static, Temperature>) {}
