//! KNXnet/IP frames and cEMI messages on arbitrary bytes (`aimdb_connectors::knx`):
//! - `Frame::decode` and `Cemi::decode` never panic; what decodes encodes to the same
//!   number of bytes and decodes to the same value (a cEMI message to the same bytes);
//! - a group telegram read from a cEMI message, written again with `group_request`, reads
//!   back as the same service, group address and payload;
//! - the tunnel state machine, connected and then fed the input as a script of
//!   datagrams, clock ticks, sends and socket errors, never panics, and every frame it
//!   asks to send decodes.
#![no_main]

use aimdb_connectors::knx::frames::{
    self, Cemi, Frame, GroupService, Hpai, MAX_FRAME, MAX_PAYLOAD, group_request,
};
use aimdb_connectors::knx::tunnel::{Event, Timing, Tunnel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    frame(data);
    cemi(data);
    tunnel(data);
});

fn frame(data: &[u8]) {
    let Ok(frame) = Frame::decode(data) else {
        return;
    };
    let mut out = vec![0u8; data.len() + 16];
    let len = frame.encode(&mut out).expect("a decoded frame encodes");
    assert_eq!(len, data.len(), "{frame:?}");
    assert_eq!(Frame::decode(&out[..len]), Ok(frame));
    if let Frame::TunnellingRequest { cemi: bytes, .. } = frame {
        cemi(bytes);
    }
}

fn cemi(data: &[u8]) {
    let Ok(message) = Cemi::decode(data) else {
        return;
    };
    let mut out = vec![0u8; data.len() + 16];
    let len = message.encode(&mut out).expect("a decoded message encodes");
    assert_eq!(&out[..len], data, "cEMI keeps every field");
    let Some(telegram) = message.group() else {
        return;
    };
    let mut payload = [0u8; MAX_PAYLOAD];
    let payload: &[u8] = match telegram.service {
        GroupService::Read => &[],
        _ => match telegram.copy_payload(&mut payload) {
            Some(payload) => payload,
            None => return, // longer than a standard frame carries
        },
    };
    let mut request = [0u8; MAX_FRAME];
    let len = group_request(
        telegram.destination,
        telegram.service,
        payload,
        &mut request,
    )
    .expect("a group telegram's payload fits a request");
    let again = Cemi::decode(&request[..len]).unwrap().group().unwrap();
    assert_eq!(again.service, telegram.service);
    assert_eq!(again.destination, telegram.destination);
    if telegram.service != GroupService::Read {
        assert_eq!(again.first, telegram.first);
        assert_eq!(again.rest, telegram.rest);
    }
}

const TIMING: Timing = Timing {
    connect_timeout: 1_000,
    heartbeat_interval: 5_000,
    heartbeat_timeout: 1_000,
    heartbeat_attempts: 3,
    ack_timeout: 1_000,
    confirm_timeout: 3_000,
    disconnect_timeout: 1_000,
    backoff_min: 100,
    backoff_max: 800,
};

/// Drain what the tunnel wants to send; each frame must decode.
fn drain(tunnel: &mut Tunnel, now: u64) {
    let mut out = [0u8; MAX_FRAME];
    for _ in 0..16 {
        let Some(len) = tunnel.poll_transmit(now, &mut out) else {
            return;
        };
        Frame::decode(&out[..len]).expect("the tunnel sends frames that decode");
    }
    panic!("the tunnel asked to send more than 16 frames at once");
}

fn tunnel(mut script: &[u8]) {
    let mut tunnel = Tunnel::new(TIMING);
    let mut now = 0u64;
    let on = &mut |event: Event<'_>| {
        if let Event::Telegram(telegram) = event {
            let mut payload = [0u8; 256];
            assert!(telegram.copy_payload(&mut payload).is_some());
        }
    };
    tunnel.handle_timeout(now, on);
    drain(&mut tunnel, now);
    let mut response = [0u8; MAX_FRAME];
    let len = Frame::ConnectResponse {
        channel: 1,
        status: frames::E_NO_ERROR,
        data: Some((Hpai::NAT, 0x1101)),
    }
    .encode(&mut response)
    .unwrap();
    tunnel.handle_datagram(now, &response[..len], on);
    assert!(tunnel.is_connected());
    while let [op, rest @ ..] = script {
        script = rest;
        match op % 5 {
            // A datagram: a length byte, then that many bytes.
            0 | 1 => {
                let Some((&n, rest)) = script.split_first() else {
                    break;
                };
                let n = usize::from(n).min(rest.len());
                let (datagram, rest) = rest.split_at(n);
                script = rest;
                tunnel.handle_datagram(now, datagram, on);
            }
            2 => {
                now += u64::from(op / 5) * 50;
                tunnel.handle_timeout(now, on);
            }
            3 => {
                let destination = u16::from(op / 5) << 4;
                let payload = &script[..script.len().min(usize::from(op / 16))];
                let _ = tunnel.send(op / 5, destination, GroupService::Write, payload);
            }
            _ => tunnel.handle_transport_error(now, on),
        }
        drain(&mut tunnel, now);
    }
    tunnel.close(now, on);
    drain(&mut tunnel, now);
}
