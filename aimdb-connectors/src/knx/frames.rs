//! KNXnet/IP tunnelling frames and the cEMI messages they carry: decoding and encoding in
//! caller-provided buffers, `no_std`, no heap, shared by both runtimes.
//!
//! A KNXnet/IP frame (one UDP datagram) is a 6-byte header, `06 10 SERVICE(2) LENGTH(2)`,
//! and a body. [`Frame`] covers the services a tunnelling client exchanges with its server:
//!
//! | service | body |
//! | --- | --- |
//! | `CONNECT_REQUEST` 0x0205 | control HPAI, data HPAI, CRI `04 04 02 00` (tunnel, link layer) |
//! | `CONNECT_RESPONSE` 0x0206 | channel, status; on success data HPAI and CRD `04 04 ADDR(2)` |
//! | `CONNECTIONSTATE_REQUEST` 0x0207 | channel, 0, control HPAI |
//! | `CONNECTIONSTATE_RESPONSE` 0x0208 | channel, status |
//! | `DISCONNECT_REQUEST` 0x0209 | channel, 0, control HPAI |
//! | `DISCONNECT_RESPONSE` 0x020A | channel, status |
//! | `TUNNELLING_REQUEST` 0x0420 | connection header `04 CHANNEL SEQ 00`, cEMI |
//! | `TUNNELLING_ACK` 0x0421 | connection header `04 CHANNEL SEQ STATUS` |
//!
//! An HPAI is `08 01 IP(4) PORT(2)` (IPv4, UDP); [`Hpai::NAT`] (`0.0.0.0:0`) asks the server
//! to answer to the address the datagram came from. A [`Cemi`] message is `CODE ADDLEN
//! ADDINFO.. CTRL1 CTRL2 SRC(2) DST(2) LEN TPDU(LEN+1)`; [`GroupTelegram`] reads a group
//! value read, response or write from it, and [`group_request`] writes an `L_Data.req`.
//!
//! Decoding checks every length field against the bytes it has and never panics; a frame
//! that decodes encodes to a frame that decodes to the same value (the fuzz target
//! `knx_frames` holds both).

/// The KNXnet/IP UDP port.
pub const PORT: u16 = 3671;
/// Bytes of the KNXnet/IP header.
pub const HEADER_LEN: usize = 6;
/// KNXnet/IP version 1.0.
pub const PROTOCOL_VERSION: u8 = 0x10;
/// The largest frame this module writes (a `TUNNELLING_REQUEST` with the largest group
/// telegram [`group_request`] writes is 31 bytes).
pub const MAX_FRAME: usize = 64;

/// `CONNECT_REQUEST`.
pub const CONNECT_REQUEST: u16 = 0x0205;
/// `CONNECT_RESPONSE`.
pub const CONNECT_RESPONSE: u16 = 0x0206;
/// `CONNECTIONSTATE_REQUEST` (the heartbeat).
pub const CONNECTIONSTATE_REQUEST: u16 = 0x0207;
/// `CONNECTIONSTATE_RESPONSE`.
pub const CONNECTIONSTATE_RESPONSE: u16 = 0x0208;
/// `DISCONNECT_REQUEST`.
pub const DISCONNECT_REQUEST: u16 = 0x0209;
/// `DISCONNECT_RESPONSE`.
pub const DISCONNECT_RESPONSE: u16 = 0x020A;
/// `TUNNELLING_REQUEST`.
pub const TUNNELLING_REQUEST: u16 = 0x0420;
/// `TUNNELLING_ACK`.
pub const TUNNELLING_ACK: u16 = 0x0421;

/// Status `E_NO_ERROR`.
pub const E_NO_ERROR: u8 = 0x00;
/// Status `E_SEQUENCE_NUMBER`: a tunnelling request out of sequence.
pub const E_SEQUENCE_NUMBER: u8 = 0x04;
/// Status `E_CONNECTION_ID`: the server knows no such channel.
pub const E_CONNECTION_ID: u8 = 0x21;
/// Status `E_CONNECTION_TYPE`: the server does not support the requested connection type.
pub const E_CONNECTION_TYPE: u8 = 0x22;
/// Status `E_NO_MORE_CONNECTIONS`: every tunnel of the server is in use.
pub const E_NO_MORE_CONNECTIONS: u8 = 0x24;
/// Status `E_KNX_CONNECTION`: the server lost its KNX bus.
pub const E_KNX_CONNECTION: u8 = 0x27;

/// Connection type `TUNNEL_CONNECTION`.
pub const TUNNEL_CONNECTION: u8 = 0x04;
/// Tunnelling layer `TUNNEL_LINKLAYER`.
pub const TUNNEL_LINKLAYER: u8 = 0x02;

/// cEMI `L_Data.req`: a telegram for the bus.
pub const L_DATA_REQ: u8 = 0x11;
/// cEMI `L_Data.con`: the server's confirmation of an `L_Data.req`.
pub const L_DATA_CON: u8 = 0x2E;
/// cEMI `L_Data.ind`: a telegram from the bus.
pub const L_DATA_IND: u8 = 0x29;

/// Control field 1 of the telegrams [`group_request`] writes: standard frame, do not
/// repeat, broadcast, low priority, no ack request, no error.
pub const CTRL1_STANDARD: u8 = 0xBC;
/// Control field 2 of group telegrams: group destination, hop count 6.
pub const CTRL2_GROUP: u8 = 0xE0;
/// Bit of control field 1 that an `L_Data.con` sets when the telegram was not sent.
pub const CTRL1_CONFIRM_ERROR: u8 = 0x01;
/// Bit of control field 2 that marks a group destination.
pub const CTRL2_GROUP_DESTINATION: u8 = 0x80;

/// The largest payload a standard-frame group telegram carries (see [`GroupTelegram`] for
/// how a payload maps onto the telegram).
pub const MAX_PAYLOAD: usize = 15;

/// Why bytes did not decode, or a frame did not encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the frame's fields need.
    Truncated,
    /// Not a KNXnet/IP 1.0 header, or a total length that is not the datagram's.
    BadHeader,
    /// A service, connection type, host protocol or cEMI message code this client does not
    /// handle.
    Unsupported(u16),
    /// A length field or a structure that contradicts the bytes around it.
    Malformed,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::Truncated => f.write_str("truncated frame"),
            FrameError::BadHeader => f.write_str("not a KNXnet/IP 1.0 frame"),
            FrameError::Unsupported(code) => write!(f, "unsupported service or type {code:#06x}"),
            FrameError::Malformed => f.write_str("malformed frame"),
            FrameError::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl core::error::Error for FrameError {}

/// A host protocol address information block: an IPv4 UDP endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hpai {
    /// IPv4 address.
    pub ip: [u8; 4],
    /// UDP port.
    pub port: u16,
}

impl Hpai {
    /// `0.0.0.0:0`: "answer to where this came from" (NAT mode), what a client behind an
    /// address it does not know sends.
    pub const NAT: Hpai = Hpai {
        ip: [0; 4],
        port: 0,
    };
    const LEN: usize = 8;
    const IPV4_UDP: u8 = 0x01;

    fn decode(bytes: &[u8]) -> Result<Hpai, FrameError> {
        let [len, protocol, a, b, c, d, p0, p1] = *take::<8>(bytes)?;
        if usize::from(len) != Self::LEN {
            return Err(FrameError::Malformed);
        }
        if protocol != Self::IPV4_UDP {
            return Err(FrameError::Unsupported(u16::from(protocol)));
        }
        Ok(Hpai {
            ip: [a, b, c, d],
            port: u16::from_be_bytes([p0, p1]),
        })
    }

    fn encode(&self, out: &mut Writer<'_>) -> Result<(), FrameError> {
        out.bytes(&[Self::LEN as u8, Self::IPV4_UDP])?;
        out.bytes(&self.ip)?;
        out.bytes(&self.port.to_be_bytes())
    }
}

/// One KNXnet/IP tunnelling frame; see the [module docs](self) for the wire formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// Open a tunnel.
    ConnectRequest {
        /// Where the server sends control frames.
        control: Hpai,
        /// Where the server sends tunnelling frames.
        data: Hpai,
        /// The tunnelling layer asked for ([`TUNNEL_LINKLAYER`]).
        layer: u8,
    },
    /// The server's answer to a [`Frame::ConnectRequest`].
    ConnectResponse {
        /// The channel the server opened (meaningful when `status` is [`E_NO_ERROR`]).
        channel: u8,
        /// [`E_NO_ERROR`] or why the server refused.
        status: u8,
        /// On success: the server's data endpoint and the individual address the tunnel
        /// sends with.
        data: Option<(Hpai, u16)>,
    },
    /// The heartbeat: is `channel` still open?
    ConnectionStateRequest {
        /// The channel.
        channel: u8,
        /// Where to answer.
        control: Hpai,
    },
    /// The answer to a heartbeat.
    ConnectionStateResponse {
        /// The channel.
        channel: u8,
        /// [`E_NO_ERROR`], or [`E_CONNECTION_ID`] for a channel the server does not know.
        status: u8,
    },
    /// Close `channel` (from either side).
    DisconnectRequest {
        /// The channel.
        channel: u8,
        /// Where to answer.
        control: Hpai,
    },
    /// The answer to a [`Frame::DisconnectRequest`].
    DisconnectResponse {
        /// The channel.
        channel: u8,
        /// [`E_NO_ERROR`] or an error status.
        status: u8,
    },
    /// A cEMI message through the tunnel (either direction); answered by a
    /// [`Frame::TunnellingAck`] with the same sequence number.
    TunnellingRequest {
        /// The channel.
        channel: u8,
        /// The sender's sequence counter.
        sequence: u8,
        /// The cEMI message ([`Cemi::decode`]).
        cemi: &'a [u8],
    },
    /// The acknowledgement of a [`Frame::TunnellingRequest`].
    TunnellingAck {
        /// The channel.
        channel: u8,
        /// The acknowledged request's sequence counter.
        sequence: u8,
        /// [`E_NO_ERROR`] or an error status.
        status: u8,
    },
}

impl<'a> Frame<'a> {
    /// Decode one datagram. Its header's total length must be the datagram's length.
    pub fn decode(bytes: &'a [u8]) -> Result<Frame<'a>, FrameError> {
        let [header_len, version, s0, s1, l0, l1] = *take::<6>(bytes)?;
        if usize::from(header_len) != HEADER_LEN || version != PROTOCOL_VERSION {
            return Err(FrameError::BadHeader);
        }
        if usize::from(u16::from_be_bytes([l0, l1])) != bytes.len() {
            return Err(FrameError::BadHeader);
        }
        let service = u16::from_be_bytes([s0, s1]);
        let body = &bytes[HEADER_LEN..];
        match service {
            CONNECT_REQUEST => {
                let (control, data, cri) = (
                    Hpai::decode(body)?,
                    Hpai::decode(body.get(8..).unwrap_or(&[]))?,
                    body.get(16..).unwrap_or(&[]),
                );
                let [4, kind, layer, _reserved] = *cri else {
                    return Err(if cri.len() < 4 {
                        FrameError::Truncated
                    } else {
                        FrameError::Malformed
                    });
                };
                if kind != TUNNEL_CONNECTION {
                    return Err(FrameError::Unsupported(u16::from(kind)));
                }
                Ok(Frame::ConnectRequest {
                    control,
                    data,
                    layer,
                })
            }
            CONNECT_RESPONSE => {
                let [channel, status] = *take::<2>(body)?;
                let rest = &body[2..];
                let data = match rest.len() {
                    0 => None,
                    12 => {
                        let hpai = Hpai::decode(rest)?;
                        let [4, kind, a0, a1] = rest[8..] else {
                            return Err(FrameError::Malformed);
                        };
                        if kind != TUNNEL_CONNECTION {
                            return Err(FrameError::Unsupported(u16::from(kind)));
                        }
                        Some((hpai, u16::from_be_bytes([a0, a1])))
                    }
                    _ => return Err(FrameError::Malformed),
                };
                if status == E_NO_ERROR && data.is_none() {
                    return Err(FrameError::Malformed);
                }
                Ok(Frame::ConnectResponse {
                    channel,
                    status,
                    data,
                })
            }
            CONNECTIONSTATE_REQUEST | DISCONNECT_REQUEST => {
                let [channel, _reserved] = *take::<2>(body)?;
                let control = Hpai::decode(&body[2..])?;
                if body.len() != 10 {
                    return Err(FrameError::Malformed);
                }
                Ok(if service == CONNECTIONSTATE_REQUEST {
                    Frame::ConnectionStateRequest { channel, control }
                } else {
                    Frame::DisconnectRequest { channel, control }
                })
            }
            CONNECTIONSTATE_RESPONSE | DISCONNECT_RESPONSE => {
                let [channel, status] = *body else {
                    return Err(if body.len() < 2 {
                        FrameError::Truncated
                    } else {
                        FrameError::Malformed
                    });
                };
                Ok(if service == CONNECTIONSTATE_RESPONSE {
                    Frame::ConnectionStateResponse { channel, status }
                } else {
                    Frame::DisconnectResponse { channel, status }
                })
            }
            TUNNELLING_REQUEST | TUNNELLING_ACK => {
                let [len, channel, sequence, last] = *take::<4>(body)?;
                if len != 4 {
                    return Err(FrameError::Malformed);
                }
                let rest = &body[4..];
                if service == TUNNELLING_ACK {
                    if !rest.is_empty() {
                        return Err(FrameError::Malformed);
                    }
                    return Ok(Frame::TunnellingAck {
                        channel,
                        sequence,
                        status: last,
                    });
                }
                if rest.len() < 2 {
                    return Err(FrameError::Truncated);
                }
                Ok(Frame::TunnellingRequest {
                    channel,
                    sequence,
                    cemi: rest,
                })
            }
            other => Err(FrameError::Unsupported(other)),
        }
    }

    /// The service type of this frame.
    pub fn service(&self) -> u16 {
        match self {
            Frame::ConnectRequest { .. } => CONNECT_REQUEST,
            Frame::ConnectResponse { .. } => CONNECT_RESPONSE,
            Frame::ConnectionStateRequest { .. } => CONNECTIONSTATE_REQUEST,
            Frame::ConnectionStateResponse { .. } => CONNECTIONSTATE_RESPONSE,
            Frame::DisconnectRequest { .. } => DISCONNECT_REQUEST,
            Frame::DisconnectResponse { .. } => DISCONNECT_RESPONSE,
            Frame::TunnellingRequest { .. } => TUNNELLING_REQUEST,
            Frame::TunnellingAck { .. } => TUNNELLING_ACK,
        }
    }

    /// Write the frame into `out`; returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, FrameError> {
        let mut w = Writer { out, len: 0 };
        w.bytes(&[HEADER_LEN as u8, PROTOCOL_VERSION])?;
        w.bytes(&self.service().to_be_bytes())?;
        w.bytes(&[0, 0])?; // total length, written last
        match *self {
            Frame::ConnectRequest {
                control,
                data,
                layer,
            } => {
                control.encode(&mut w)?;
                data.encode(&mut w)?;
                w.bytes(&[4, TUNNEL_CONNECTION, layer, 0])?;
            }
            Frame::ConnectResponse {
                channel,
                status,
                data,
            } => {
                w.bytes(&[channel, status])?;
                if let Some((hpai, address)) = data {
                    hpai.encode(&mut w)?;
                    w.bytes(&[4, TUNNEL_CONNECTION])?;
                    w.bytes(&address.to_be_bytes())?;
                }
            }
            Frame::ConnectionStateRequest { channel, control }
            | Frame::DisconnectRequest { channel, control } => {
                w.bytes(&[channel, 0])?;
                control.encode(&mut w)?;
            }
            Frame::ConnectionStateResponse { channel, status }
            | Frame::DisconnectResponse { channel, status } => w.bytes(&[channel, status])?,
            Frame::TunnellingRequest {
                channel,
                sequence,
                cemi,
            } => {
                w.bytes(&[4, channel, sequence, 0])?;
                w.bytes(cemi)?;
            }
            Frame::TunnellingAck {
                channel,
                sequence,
                status,
            } => w.bytes(&[4, channel, sequence, status])?,
        }
        let len = w.len;
        let total = u16::try_from(len).map_err(|_| FrameError::Malformed)?;
        w.out[4..6].copy_from_slice(&total.to_be_bytes());
        Ok(len)
    }
}

/// A cEMI link-layer message (`L_Data.req`, `.con` or `.ind`), as it sits in a
/// [`Frame::TunnellingRequest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cemi<'a> {
    /// [`L_DATA_REQ`], [`L_DATA_CON`] or [`L_DATA_IND`].
    pub code: u8,
    /// Additional information (usually empty), passed through.
    pub add_info: &'a [u8],
    /// Control field 1 ([`CTRL1_CONFIRM_ERROR`] in an `L_Data.con` means not sent).
    pub ctrl1: u8,
    /// Control field 2 ([`CTRL2_GROUP_DESTINATION`] for a group address).
    pub ctrl2: u8,
    /// The sender's individual address.
    pub source: u16,
    /// The destination: a group address when `ctrl2` says so.
    pub destination: u16,
    /// The transport PDU: TPCI/APCI octets and data (the length field plus one bytes).
    pub tpdu: &'a [u8],
}

impl<'a> Cemi<'a> {
    /// Decode an `L_Data` message; other message codes are [`FrameError::Unsupported`].
    pub fn decode(bytes: &'a [u8]) -> Result<Cemi<'a>, FrameError> {
        let [code, add_len] = *take::<2>(bytes)?;
        if !matches!(code, L_DATA_REQ | L_DATA_CON | L_DATA_IND) {
            return Err(FrameError::Unsupported(u16::from(code)));
        }
        let rest = &bytes[2..];
        let add_len = usize::from(add_len);
        let add_info = rest.get(..add_len).ok_or(FrameError::Truncated)?;
        let rest = &rest[add_len..];
        let [ctrl1, ctrl2, s0, s1, d0, d1, len] = *take::<7>(rest)?;
        let tpdu = &rest[7..];
        if tpdu.len() != usize::from(len) + 1 {
            return Err(if tpdu.len() < usize::from(len) + 1 {
                FrameError::Truncated
            } else {
                FrameError::Malformed
            });
        }
        Ok(Cemi {
            code,
            add_info,
            ctrl1,
            ctrl2,
            source: u16::from_be_bytes([s0, s1]),
            destination: u16::from_be_bytes([d0, d1]),
            tpdu,
        })
    }

    /// Write the message into `out`; returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, FrameError> {
        let mut w = Writer { out, len: 0 };
        let add_len = u8::try_from(self.add_info.len()).map_err(|_| FrameError::Malformed)?;
        let tpdu_len = self
            .tpdu
            .len()
            .checked_sub(1)
            .and_then(|n| u8::try_from(n).ok())
            .ok_or(FrameError::Malformed)?;
        w.bytes(&[self.code, add_len])?;
        w.bytes(self.add_info)?;
        w.bytes(&[self.ctrl1, self.ctrl2])?;
        w.bytes(&self.source.to_be_bytes())?;
        w.bytes(&self.destination.to_be_bytes())?;
        w.bytes(&[tpdu_len])?;
        w.bytes(self.tpdu)?;
        Ok(w.len)
    }

    /// The group value service this message carries, if it is one: a group destination and
    /// an `A_GroupValue_Read`, `_Response` or `_Write` in a data-group TPDU.
    pub fn group(&self) -> Option<GroupTelegram<'a>> {
        if self.ctrl2 & CTRL2_GROUP_DESTINATION == 0 {
            return None;
        }
        let [tpci, apci, rest @ ..] = self.tpdu else {
            return None;
        };
        // T_Data_Group: TPCI bits 7..2 are zero; the APCI's top two bits follow.
        if tpci & 0xFC != 0 {
            return None;
        }
        let service = match ((tpci & 0x03) << 2) | (apci >> 6) {
            0 => GroupService::Read,
            1 => GroupService::Response,
            2 => GroupService::Write,
            _ => return None,
        };
        Some(GroupTelegram {
            service,
            source: self.source,
            destination: self.destination,
            first: apci & 0x3F,
            rest,
        })
    }
}

/// The three group value services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupService {
    /// `A_GroupValue_Read` (APCI 0x000): asks the group's owner to answer with a response.
    Read,
    /// `A_GroupValue_Response` (APCI 0x040).
    Response,
    /// `A_GroupValue_Write` (APCI 0x080).
    Write,
}

impl GroupService {
    /// The APCI's four service bits.
    const fn bits(self) -> u8 {
        match self {
            GroupService::Read => 0,
            GroupService::Response => 1,
            GroupService::Write => 2,
        }
    }
}

/// A group value telegram read from a [`Cemi`] message.
///
/// **Payload.** A telegram's value is its APDU's data as KNX puts it on the wire: the low
/// 6 bits of the APCI octet, then the octets after it. A link's payload is exactly that,
/// first byte first: a DPT of at most 6 bits (DPT 1, 2, 3) is one byte `0..=0x3F` (the
/// short form); any longer DPT is a zero byte followed by its octets (DPT 9: `00 0C 33`).
/// So a codec, not the connector, decides the form, and `payload.len()` is the telegram's
/// length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupTelegram<'a> {
    /// Read, response or write.
    pub service: GroupService,
    /// The sender's individual address.
    pub source: u16,
    /// The group address.
    pub destination: u16,
    /// The low 6 bits of the APCI octet: the first payload byte.
    pub first: u8,
    /// The octets after the APCI: the rest of the payload.
    pub rest: &'a [u8],
}

impl GroupTelegram<'_> {
    /// The payload's length (see the [type docs](Self)).
    pub fn payload_len(&self) -> usize {
        1 + self.rest.len()
    }

    /// Copy the payload into `out`; `None` if it does not fit.
    pub fn copy_payload<'o>(&self, out: &'o mut [u8]) -> Option<&'o [u8]> {
        let payload = out.get_mut(..self.payload_len())?;
        payload[0] = self.first;
        payload[1..].copy_from_slice(self.rest);
        Some(payload)
    }
}

/// Write the cEMI `L_Data.req` of a group value telegram to `destination` into `out`;
/// returns its length. `payload` follows [`GroupTelegram`]'s convention: 1 to
/// [`MAX_PAYLOAD`] bytes, the first at most `0x3F` (a read takes an empty payload).
/// Source address 0.0.0: the server fills in the tunnel's address.
pub fn group_request(
    destination: u16,
    service: GroupService,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, FrameError> {
    let (first, rest) = match (service, payload) {
        (GroupService::Read, []) => (0, &[][..]),
        (GroupService::Read, _) => return Err(FrameError::Malformed),
        (_, [first, rest @ ..]) if *first <= 0x3F && payload.len() <= MAX_PAYLOAD => (*first, rest),
        _ => return Err(FrameError::Malformed),
    };
    let bits = service.bits();
    let mut w = Writer { out, len: 0 };
    w.bytes(&[L_DATA_REQ, 0, CTRL1_STANDARD, CTRL2_GROUP, 0, 0])?;
    w.bytes(&destination.to_be_bytes())?;
    w.bytes(&[
        rest.len() as u8 + 1,
        bits >> 2,
        ((bits & 0x03) << 6) | first,
    ])?;
    w.bytes(rest)?;
    Ok(w.len)
}

/// The first `N` bytes of `bytes`, or `Truncated`.
fn take<const N: usize>(bytes: &[u8]) -> Result<&[u8; N], FrameError> {
    bytes
        .get(..N)
        .and_then(|b| b.try_into().ok())
        .ok_or(FrameError::Truncated)
}

/// Appends to an output buffer, refusing to overrun it.
struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        let end = self.len + bytes.len();
        self.out
            .get_mut(self.len..end)
            .ok_or(FrameError::BufferTooSmall)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(frame: Frame<'_>) {
        let mut out = [0u8; 128];
        let len = frame.encode(&mut out).unwrap();
        assert_eq!(Frame::decode(&out[..len]), Ok(frame));
    }

    #[test]
    fn connect_request_matches_the_spec_layout() {
        let frame = Frame::ConnectRequest {
            control: Hpai::NAT,
            data: Hpai::NAT,
            layer: TUNNEL_LINKLAYER,
        };
        let mut out = [0u8; 32];
        let len = frame.encode(&mut out).unwrap();
        assert_eq!(
            &out[..len],
            &[
                0x06, 0x10, 0x02, 0x05, 0x00, 0x1A, // header, 26 bytes
                0x08, 0x01, 0, 0, 0, 0, 0, 0, // control HPAI
                0x08, 0x01, 0, 0, 0, 0, 0, 0, // data HPAI
                0x04, 0x04, 0x02, 0x00, // CRI: tunnel, link layer
            ]
        );
        round_trip(frame);
    }

    #[test]
    fn connect_response_from_a_server() {
        // As knxd answers: channel 1, ok, data endpoint 127.0.0.1:3671, address 0.0.2.
        let bytes = [
            0x06, 0x10, 0x02, 0x06, 0x00, 0x14, 0x01, 0x00, 0x08, 0x01, 127, 0, 0, 1, 0x0E, 0x57,
            0x04, 0x04, 0x00, 0x02,
        ];
        assert_eq!(
            Frame::decode(&bytes),
            Ok(Frame::ConnectResponse {
                channel: 1,
                status: 0,
                data: Some((
                    Hpai {
                        ip: [127, 0, 0, 1],
                        port: 3671
                    },
                    0x0002
                )),
            })
        );
        let refused = [
            0x06,
            0x10,
            0x02,
            0x06,
            0x00,
            0x08,
            0x00,
            E_NO_MORE_CONNECTIONS,
        ];
        assert_eq!(
            Frame::decode(&refused),
            Ok(Frame::ConnectResponse {
                channel: 0,
                status: E_NO_MORE_CONNECTIONS,
                data: None
            })
        );
        let ok_without_crd = [0x06, 0x10, 0x02, 0x06, 0x00, 0x08, 0x01, 0x00];
        assert_eq!(Frame::decode(&ok_without_crd), Err(FrameError::Malformed));
    }

    #[test]
    fn every_service_round_trips() {
        let hpai = Hpai {
            ip: [10, 0, 0, 7],
            port: 50_000,
        };
        for frame in [
            Frame::ConnectionStateRequest {
                channel: 9,
                control: hpai,
            },
            Frame::ConnectionStateResponse {
                channel: 9,
                status: E_CONNECTION_ID,
            },
            Frame::DisconnectRequest {
                channel: 9,
                control: Hpai::NAT,
            },
            Frame::DisconnectResponse {
                channel: 9,
                status: 0,
            },
            Frame::TunnellingAck {
                channel: 9,
                sequence: 255,
                status: 0,
            },
            Frame::TunnellingRequest {
                channel: 9,
                sequence: 3,
                cemi: &[L_DATA_IND, 0, 0xBC, 0xE0, 0, 1, 0x0A, 0x03, 1, 0, 0x81],
            },
            Frame::ConnectResponse {
                channel: 0,
                status: E_CONNECTION_TYPE,
                data: None,
            },
        ] {
            round_trip(frame);
        }
    }

    #[test]
    fn group_write_of_a_dpt9_temperature() {
        // 21.5 °C (DPT 9.001: 0x0C33) to 1/2/3, as in an L_Data.req.
        let mut cemi = [0u8; 32];
        let len =
            group_request(0x0A03, GroupService::Write, &[0x00, 0x0C, 0x33], &mut cemi).unwrap();
        assert_eq!(
            &cemi[..len],
            &[
                0x11, 0x00, 0xBC, 0xE0, 0x00, 0x00, 0x0A, 0x03, 0x03, 0x00, 0x80, 0x0C, 0x33
            ]
        );
        let decoded = Cemi::decode(&cemi[..len]).unwrap();
        let group = decoded.group().unwrap();
        assert_eq!(group.service, GroupService::Write);
        assert_eq!(group.destination, 0x0A03);
        let mut payload = [0u8; MAX_PAYLOAD];
        assert_eq!(
            group.copy_payload(&mut payload),
            Some(&[0x00, 0x0C, 0x33][..])
        );
        let mut again = [0u8; 32];
        assert_eq!(decoded.encode(&mut again), Ok(len));
        assert_eq!(again[..len], cemi[..len]);
    }

    #[test]
    fn short_values_live_in_the_apci_octet() {
        let mut cemi = [0u8; 32];
        let len = group_request(0x0A04, GroupService::Write, &[0x01], &mut cemi).unwrap();
        assert_eq!(&cemi[8..len], &[0x01, 0x00, 0x81]);
        let len = group_request(0x0A04, GroupService::Response, &[0x00], &mut cemi).unwrap();
        assert_eq!(&cemi[8..len], &[0x01, 0x00, 0x40]);
        let len = group_request(0x0A04, GroupService::Read, &[], &mut cemi).unwrap();
        assert_eq!(&cemi[8..len], &[0x01, 0x00, 0x00]);
        let read = Cemi::decode(&cemi[..len]).unwrap().group().unwrap();
        assert_eq!(read.service, GroupService::Read);
        assert_eq!(
            group_request(1, GroupService::Write, &[0x40], &mut cemi),
            Err(FrameError::Malformed)
        );
        assert_eq!(
            group_request(1, GroupService::Write, &[], &mut cemi),
            Err(FrameError::Malformed)
        );
        assert_eq!(
            group_request(1, GroupService::Write, &[0; MAX_PAYLOAD + 1], &mut cemi),
            Err(FrameError::Malformed)
        );
        assert_eq!(
            group_request(1, GroupService::Write, &[0; 3], &mut cemi[..10]),
            Err(FrameError::BufferTooSmall)
        );
    }

    #[test]
    fn an_l_data_con_with_the_error_bit() {
        let cemi = [
            L_DATA_CON, 0, 0xBD, 0xE0, 0x00, 0x02, 0x0A, 0x03, 0x01, 0x00, 0x81,
        ];
        let decoded = Cemi::decode(&cemi).unwrap();
        assert_eq!(decoded.code, L_DATA_CON);
        assert_eq!(decoded.ctrl1 & CTRL1_CONFIRM_ERROR, 1);
        assert_eq!(decoded.source, 2);
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        assert_eq!(Frame::decode(&[]), Err(FrameError::Truncated));
        assert_eq!(
            Frame::decode(&[0x06, 0x10, 0x04, 0x20, 0x00, 0x07, 0x04]),
            Err(FrameError::Truncated)
        );
        // Total length disagrees with the datagram.
        assert_eq!(
            Frame::decode(&[0x06, 0x10, 0x02, 0x08, 0x00, 0x09, 0x01, 0x00]),
            Err(FrameError::BadHeader)
        );
        assert_eq!(
            Frame::decode(&[0x06, 0x20, 0x02, 0x08, 0x00, 0x08, 0x01, 0x00]),
            Err(FrameError::BadHeader)
        );
        assert_eq!(
            Frame::decode(&[0x06, 0x10, 0x05, 0x30, 0x00, 0x08, 0x01, 0x00]),
            Err(FrameError::Unsupported(0x0530))
        );
        // cEMI length field longer than the bytes.
        assert_eq!(
            Cemi::decode(&[L_DATA_IND, 0, 0xBC, 0xE0, 0, 1, 0x0A, 0x03, 5, 0, 0x80]),
            Err(FrameError::Truncated)
        );
        // Additional info longer than the message.
        assert_eq!(
            Cemi::decode(&[L_DATA_IND, 200, 0xBC]),
            Err(FrameError::Truncated)
        );
        assert_eq!(
            Cemi::decode(&[0xFC, 0, 0]),
            Err(FrameError::Unsupported(0xFC))
        );
        // An individual destination or another APCI is no group telegram.
        let individual = [L_DATA_IND, 0, 0xBC, 0x60, 0, 1, 0x0A, 0x03, 1, 0, 0x81];
        assert_eq!(Cemi::decode(&individual).unwrap().group(), None);
        let memory_read = [L_DATA_IND, 0, 0xBC, 0xE0, 0, 1, 0x0A, 0x03, 1, 0x02, 0x01];
        assert_eq!(Cemi::decode(&memory_read).unwrap().group(), None);
    }
}
