extern crate std;
use std::string::ToString;

use super::mqtt::MqttAddress;
use super::ws::WsAddress;
use super::*;

fn kind(scheme: &str, address: &str, direction: Direction) -> Option<AddressErrorKind> {
    (super::scheme(scheme).unwrap().parse)(address, direction)
        .err()
        .map(|e| e.kind)
}

#[test]
fn the_identity_leaves_options_out() {
    let mqtt = super::scheme("mqtt").unwrap();
    for address in ["a/b", "a/b?qos=0", "a/b?retain=true&qos=1"] {
        assert_eq!(
            (mqtt.parse)(address, Direction::Outbound).unwrap().identity,
            "a/b"
        );
    }
    let ws = super::scheme("ws").unwrap();
    assert_eq!(
        (ws.parse)("x/y?latest=false", Direction::Outbound)
            .unwrap()
            .identity,
        "x/y"
    );
}

#[test]
fn mqtt_options_and_topics() {
    let a = MqttAddress::parse("t?qos=2&retain=false", Direction::Outbound).unwrap();
    assert_eq!((a.topic, a.qos, a.retain), ("t", Some(2), Some(false)));
    let bad_qos = MqttAddress::parse("t?qos=7", Direction::Outbound).unwrap_err();
    assert_eq!(bad_qos.part, "7");
    assert_eq!(bad_qos.to_string(), "`qos=7`: `qos` takes 0, 1 or 2");
    use AddressErrorKind::*;
    let out = Direction::Outbound;
    let inb = Direction::Inbound;
    assert_eq!(
        kind("mqtt", "t?retain=maybe", out),
        Some(BadValue {
            option: "retain",
            expected: "`true` or `false`"
        })
    );
    assert_eq!(kind("mqtt", "t?speed=9", out), Some(UnknownOption));
    assert_eq!(kind("mqtt", "t?qos=1&qos=0", out), Some(RepeatedOption));
    assert_eq!(kind("mqtt", "?qos=1", out), Some(Empty));
    assert_eq!(kind("mqtt", "a/+/c", out), Some(WildcardOutbound));
    assert_eq!(kind("mqtt", "a/#", out), Some(WildcardOutbound));
    assert_eq!(kind("mqtt", "a/+/c", inb), None);
    assert_eq!(kind("mqtt", "a/#", inb), None);
    assert_eq!(kind("mqtt", "a/#/c", inb), Some(BadFilter));
    assert_eq!(kind("mqtt", "a/b+", inb), Some(BadFilter));
    assert_eq!(kind("mqtt", "a\0b", inb), Some(BadCharacter));
    // `aimdb/nodes/` is the nodes' own (liveness), either way.
    assert_eq!(
        kind("mqtt", "aimdb/nodes/sensor/online", out),
        Some(Reserved)
    );
    assert_eq!(kind("mqtt", "aimdb/nodes/+/online", inb), Some(Reserved));
    assert_eq!(kind("mqtt", "aimdb/test/t", out), None);
}

#[test]
fn liveness_topics_name_their_node() {
    use super::mqtt::{liveness_node, liveness_topic};
    let mut out = [0u8; 64];
    assert_eq!(
        liveness_topic("sensor", &mut out),
        Some("aimdb/nodes/sensor/online")
    );
    assert_eq!(liveness_topic("sensor", &mut [0u8; 8]), None);
    assert_eq!(liveness_node("aimdb/nodes/sensor/online"), Some("sensor"));
    assert_eq!(liveness_node("aimdb/nodes//online"), None);
    assert_eq!(liveness_node("aimdb/nodes/a/b/online"), None);
    assert_eq!(liveness_node("climate/zone-a/reading"), None);
}

#[test]
fn mqtt_qos_conflict_only_when_the_reader_asks_for_more() {
    let mqtt = super::scheme("mqtt").unwrap();
    assert!((mqtt.conflict)("t?qos=0", "t?qos=1").is_some());
    assert!((mqtt.conflict)("t?qos=1", "t?qos=0").is_none());
    assert!(
        (mqtt.conflict)("t", "t?qos=2").is_none(),
        "the writer's default is not known at compile time"
    );
    assert!((mqtt.conflict)("t?retain=true", "t").is_none());
}

#[test]
fn plain_schemes_take_no_options() {
    assert_eq!(
        kind("serial", "a/b?x=1", Direction::Outbound),
        Some(AddressErrorKind::NoOptions)
    );
    assert_eq!(
        kind("loopback", "", Direction::Inbound),
        Some(AddressErrorKind::Empty)
    );
    assert_eq!(kind("serial", "climate/reading", Direction::Inbound), None);
}

#[test]
fn ws_latest() {
    assert_eq!(
        WsAddress::parse("p?latest=true").unwrap().latest,
        Some(true)
    );
    assert_eq!(
        kind("ws", "p?latest=1", Direction::Outbound),
        Some(AddressErrorKind::BadValue {
            option: "latest",
            expected: "`true` or `false`"
        })
    );
    assert_eq!(
        kind("ws", "p\u{7}", Direction::Outbound),
        Some(AddressErrorKind::BadCharacter)
    );
}

#[test]
fn the_embassy_mqtt_connector_takes_short_exact_topics() {
    let mqtt = super::scheme("mqtt").unwrap();
    let long = "a/".repeat(60);
    assert!((mqtt.limits)(&long, Direction::Outbound, "tokio").is_ok());
    let refused = (mqtt.limits)(&long, Direction::Outbound, "embassy").unwrap_err();
    assert!(matches!(
        refused.kind,
        AddressErrorKind::NotOnRuntime { .. }
    ));
    assert!((mqtt.limits)("a/+/c", Direction::Inbound, "tokio").is_ok());
    assert!((mqtt.limits)("a/+/c", Direction::Inbound, "embassy").is_err());
    assert!((mqtt.limits)("a/b/c", Direction::Inbound, "embassy").is_ok());
}

#[test]
fn tcp_endpoints_and_links() {
    use super::tcp::TcpAddress;
    let a = TcpAddress::parse("127.0.0.1:7000/climate/reading").unwrap();
    assert_eq!(
        (a.endpoint, a.host, a.port, a.link),
        ("127.0.0.1:7000", "127.0.0.1", 7000, "climate/reading")
    );
    let v6 = TcpAddress::parse("[::1]:80/x").unwrap();
    assert_eq!((v6.endpoint, v6.host, v6.port), ("[::1]:80", "::1", 80));
    assert_eq!(
        TcpAddress::parse("plant-a.local:1/x").unwrap().host,
        "plant-a.local"
    );
    let out = Direction::Outbound;
    use AddressErrorKind::*;
    for (address, expected) in [
        ("127.0.0.1/x", "Form"),
        ("127.0.0.1:7000", "Form"),
        ("127.0.0.1:7000/", "Form"),
        ("127.0.0.1:0/x", "port"),
        ("127.0.0.1:07000/x", "port"),
        ("127.0.0.1:65536/x", "port"),
        ("127.0.0.1:/x", "port"),
        (":7000/x", "host"),
        ("Plant:7000/x", "host"),
        ("[zz]:1/x", "host"),
    ] {
        let kind = kind("tcp", address, out).unwrap();
        let name = match kind {
            Form { .. } => "Form",
            BadValue { option, .. } => option,
            other => panic!("{address}: {other:?}"),
        };
        assert_eq!(name, expected, "{address}");
    }
    assert_eq!(kind("tcp", "127.0.0.1:1/x?a=b", out), Some(NoOptions));
    let error = TcpAddress::parse("127.0.0.1:07000/x").unwrap_err();
    assert_eq!(
        error.to_string(),
        "`port=07000`: `port` takes a decimal number from 1 to 65535, without leading zeros"
    );
}

#[test]
fn uds_sockets_and_links() {
    use super::uds::{SOCKET_PATH_MAX, UdsAddress};
    let a = UdsAddress::parse("/run/aimdb/plant.sock#climate/reading").unwrap();
    assert_eq!(
        (a.socket, a.link),
        ("/run/aimdb/plant.sock", "climate/reading")
    );
    assert_eq!(UdsAddress::parse("rel.sock#a#b").unwrap().link, "a#b");
    let out = Direction::Outbound;
    for address in ["/run/a.sock", "#link", "/run/a.sock#"] {
        assert!(
            matches!(
                kind("uds", address, out),
                Some(AddressErrorKind::Form { .. })
            ),
            "{address}"
        );
    }
    let long = std::format!("/{}#x", "s".repeat(SOCKET_PATH_MAX));
    assert_eq!(kind("uds", &long, out), Some(AddressErrorKind::TooLong));
    assert_eq!(
        kind("uds", "/a.sock#x?y=1", out),
        Some(AddressErrorKind::NoOptions)
    );
    assert_eq!(
        UdsAddress::parse("/a.sock").unwrap_err().to_string(),
        "`/a.sock` is not of the form `SOCKET#LINK`, as in `/run/aimdb/plant.sock#climate/reading`"
    );
}

#[test]
fn dds_topics_and_options() {
    use super::dds::DdsAddress;
    let parsed = DdsAddress::parse(
        "rt/chatter?domain=232&partition=plant_a&strength=7&type=test::Sample",
        Direction::Outbound,
    )
    .unwrap();
    assert_eq!(
        (
            parsed.topic,
            parsed.domain,
            parsed.partition,
            parsed.strength,
            parsed.type_name
        ),
        (
            "rt/chatter",
            Some(232),
            Some("plant_a"),
            Some(7),
            Some("test::Sample")
        )
    );
    let out = Direction::Outbound;
    assert_eq!(
        kind("dds", "a-b", out),
        Some(AddressErrorKind::BadCharacter)
    );
    assert_eq!(
        kind("dds", "9lives", out),
        Some(AddressErrorKind::BadCharacter)
    );
    assert_eq!(kind("dds", "", out), Some(AddressErrorKind::Empty));
    assert!(matches!(
        kind("dds", "t?domain=233", out),
        Some(AddressErrorKind::BadValue {
            option: "domain",
            ..
        })
    ));
    assert!(matches!(
        kind("dds", "t?domain=+1", out),
        Some(AddressErrorKind::BadValue {
            option: "domain",
            ..
        })
    ));
    assert!(matches!(
        kind("dds", "t?strength=-1", out),
        Some(AddressErrorKind::BadValue {
            option: "strength",
            ..
        })
    ));
    assert!(matches!(
        kind("dds", "t?partition=a*", out),
        Some(AddressErrorKind::BadValue {
            option: "partition",
            ..
        })
    ));
    assert!(matches!(
        kind("dds", "t?type=a::", out),
        Some(AddressErrorKind::BadValue { option: "type", .. })
    ));
    assert_eq!(
        kind("dds", "t?domain=1&domain=1", out),
        Some(AddressErrorKind::RepeatedOption)
    );
    assert_eq!(
        kind("dds", "t?qos=1", out),
        Some(AddressErrorKind::UnknownOption)
    );
    assert!(matches!(
        kind("dds", "t?strength=3", Direction::Inbound),
        Some(AddressErrorKind::WriterOnly {
            option: "strength",
            ..
        })
    ));
    let long = "t".repeat(257);
    assert_eq!(kind("dds", &long, out), Some(AddressErrorKind::TooLong));
}

#[test]
fn the_tokio_dds_connector_takes_a_partition() {
    let dds = super::scheme("dds").unwrap();
    assert_eq!(
        (dds.limits)("t?domain=3", Direction::Outbound, "tokio"),
        Ok(())
    );
    assert_eq!(
        (dds.limits)("t?partition=p", Direction::Inbound, "tokio"),
        Ok(())
    );
    assert_eq!(
        (dds.limits)("t?partition=p", Direction::Outbound, "tokio"),
        Ok(())
    );
    // one name, no wildcards: the grammar refuses them on every runtime
    assert!(matches!(
        kind("dds", "t?partition=p*", Direction::Outbound),
        Some(AddressErrorKind::BadValue {
            option: "partition",
            ..
        })
    ));
}

#[test]
fn dds_ends_that_would_never_meet_conflict() {
    let conflict = super::scheme("dds").unwrap().conflict;
    assert_eq!(conflict("t?strength=5", "t"), None);
    assert_eq!(conflict("t?domain=0", "t"), None, "0 is the default domain");
    assert_eq!(conflict("t?domain=1", "t").unwrap().option, "domain");
    assert_eq!(
        conflict("t?partition=a", "t?partition=b").unwrap().option,
        "partition"
    );
    assert_eq!(conflict("t?type=a::B", "t").unwrap().option, "type");
}
