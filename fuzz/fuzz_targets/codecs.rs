//! The payload codecs shipped with the climate and setpoint systems (`climate-model`; the
//! connectors themselves ship none): decoding arbitrary bytes never panics, accepts only
//! the exact length, and whatever decodes re-encodes to the same bytes.
#![no_main]

use climate_model::{SetpointRequest, Temperature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reading) = Temperature::from_bytes(data) {
        assert_eq!(data.len(), climate_model::reading::ENCODED_LEN);
        let mut out = [0u8; 32];
        let len = reading.to_bytes(&mut out).unwrap();
        assert_eq!(&out[..len], data);
        let _ = reading.centi_celsius();
        // Too small an output buffer is an error, not a panic.
        assert!(reading.to_bytes(&mut out[..len - 1]).is_err());
    }
    if let Ok(request) = SetpointRequest::from_bytes(data) {
        assert_eq!(data.len(), 4);
        let mut out = [0u8; 4];
        assert_eq!(request.to_bytes(&mut out), Ok(4));
        assert_eq!(&out[..], data);
        assert!(request.to_bytes(&mut out[..3]).is_err());
    }
});
