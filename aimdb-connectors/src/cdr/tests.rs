use serde::{Deserialize, Serialize};

use super::*;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Mode {
    Off,
    Heat,
    Cool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Reading<'a> {
    flag: bool,
    seq: u32,
    celsius: f64,
    small: i16,
    name: &'a str,
    mode: Mode,
    extra: Option<u8>,
    raw: [u8; 3],
}

const READING: Reading<'static> = Reading {
    flag: true,
    seq: 7,
    celsius: -1.5,
    small: -2,
    name: "ab",
    mode: Mode::Cool,
    extra: Some(9),
    raw: [1, 2, 3],
};

/// The bytes worked out by hand from the XCDR1 rules (offsets are into the body).
fn expected() -> [u8; 44] {
    let mut out = [0u8; 44];
    let mut body = [0u8; 40];
    body[0] = 1; // flag @0, then 3 bytes padding
    body[4..8].copy_from_slice(&7u32.to_le_bytes()); // seq @4
    body[8..16].copy_from_slice(&(-1.5f64).to_le_bytes()); // celsius @8 (aligned 8)
    body[16..18].copy_from_slice(&(-2i16).to_le_bytes()); // small @16, then 2 padding
    body[20..24].copy_from_slice(&3u32.to_le_bytes()); // name length with NUL @20
    body[24..27].copy_from_slice(b"ab\0"); // then 1 padding
    body[28..32].copy_from_slice(&2u32.to_le_bytes()); // mode @28
    body[32..36].copy_from_slice(&1u32.to_le_bytes()); // Some: count 1 @32
    body[36] = 9; // extra @36
    body[37..40].copy_from_slice(&[1, 2, 3]); // raw, no count
    out[..4].copy_from_slice(&ENCAPSULATION);
    out[4..].copy_from_slice(&body);
    out
}

#[test]
fn a_struct_is_laid_out_with_xcdr1_alignment_and_reads_back() {
    let mut out = [0xAAu8; 64];
    let n = to_slice(&READING, &mut out).unwrap();
    assert_eq!(&out[..n], &expected()[..]);
    assert_eq!(from_bytes::<Reading<'_>>(&out[..n]).unwrap(), READING);
}

#[test]
fn sequences_carry_a_count_and_variants_a_discriminator() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Cmd {
        Stop,
        Go(u16),
    }
    let value: (u8, &[u8], Cmd) = (1, &[5, 6], Cmd::Go(3));
    let mut out = [0u8; 32];
    let n = to_slice(&value, &mut out).unwrap();
    // u8 @0, pad 3, bytes count @4, 5 6 @8, pad 2, discriminator @12, u16 @16
    assert_eq!(
        &out[4..n],
        &[1, 0, 0, 0, 2, 0, 0, 0, 5, 6, 0, 0, 1, 0, 0, 0, 3, 0]
    );
    assert_eq!(from_bytes::<(u8, &[u8], Cmd)>(&out[..n]).unwrap(), value);
}

#[test]
fn a_small_buffer_is_buffer_full_not_a_panic() {
    for len in 0..44 {
        let mut out = [0u8; 44];
        assert_eq!(
            to_slice(&READING, &mut out[..len]),
            Err(Error::BufferFull),
            "{len}"
        );
    }
}

#[test]
fn bad_payloads_are_errors_never_panics() {
    let good = expected();
    // Every truncation, and every single-byte corruption, decodes or errors.
    for len in 0..good.len() {
        assert!(from_bytes::<Reading<'_>>(&good[..len]).is_err(), "{len}");
    }
    for at in 0..good.len() {
        for byte in [0x00, 0x02, 0x7F, 0xFF] {
            let mut bad = good;
            bad[at] = byte;
            let _ = from_bytes::<Reading<'_>>(&bad);
        }
    }
    let mut big_endian = good;
    big_endian[1] = 0x00;
    assert_eq!(
        from_bytes::<Reading<'_>>(&big_endian),
        Err(Error::Encapsulation)
    );
    let mut no_nul = good;
    no_nul[4 + 26] = b'c';
    assert_eq!(from_bytes::<Reading<'_>>(&no_nul), Err(Error::Invalid));
    let mut bad_bool = good;
    bad_bool[4] = 2;
    assert_eq!(from_bytes::<Reading<'_>>(&bad_bool), Err(Error::Invalid));
    // A count far beyond the payload is refused before anything loops over it.
    let huge = [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
    assert_eq!(from_bytes::<&[u8]>(&huge), Err(Error::Eof));
}

#[test]
fn trailing_bytes_other_than_padding_are_refused() {
    let mut payload = [0u8; 12];
    let n = to_slice(&7u32, &mut payload).unwrap();
    assert_eq!(n, 8);
    assert_eq!(from_bytes::<u32>(&payload[..8]), Ok(7));
    assert_eq!(from_bytes::<u32>(&payload[..11]), Ok(7), "padding to 4");
    payload[9] = 1;
    assert_eq!(from_bytes::<u32>(&payload[..10]), Err(Error::TrailingBytes));
}

/// The same bytes rustdds's own CDR serializer (the `cdr-encoding` crate) writes.
#[cfg(feature = "dds")]
#[test]
fn bodies_match_rustdds_own_cdr_serializer() {
    use rustdds::no_key::SerializerAdapter;
    #[derive(Serialize)]
    struct NoOption<'a> {
        flag: bool,
        seq: u32,
        celsius: f64,
        small: i16,
        name: &'a str,
        mode: Mode,
        raw: [u8; 3],
        list: &'a [u16],
        last: u8,
    }
    let value = NoOption {
        flag: true,
        seq: 7,
        celsius: -1.5,
        small: -2,
        name: "ab",
        mode: Mode::Heat,
        raw: [1, 2, 3],
        list: &[9, 8, 7],
        last: 4,
    };
    let theirs = rustdds::CDRSerializerAdapter::<NoOption<'_>>::to_bytes(&value).unwrap();
    let mut ours = [0u8; 96];
    let n = to_slice(&value, &mut ours).unwrap();
    assert_eq!(&ours[4..n], &theirs[..]);
}
