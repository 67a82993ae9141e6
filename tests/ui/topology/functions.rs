// Stub user functions with the documented signatures, for compile-only topology cases.

#[allow(dead_code)]
async fn read_temperature_loop(_producer: aimdb::Producer<'static, Temperature>) {}

#[allow(dead_code)]
async fn render_chart(_consumer: aimdb::Consumer<'static, Temperature>) {}
