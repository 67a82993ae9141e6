//! A mosquitto access control list (`acl_file`) from a topology file: on the wire, the
//! broker enforces what the file declares.
//!
//! Every node is a broker user named after it. Its block grants `topic write TOPIC` for each
//! `mqtt://` address the node writes (`link_to`: the addresses it owns) and `topic read
//! TOPIC` for each one it observes (`link_from`; a wildcard filter stays a filter), and
//! nothing else. There are no lines before the first `user`, so an anonymous client may do
//! nothing. The topic is the address without its `?options` (`mqtt://a/b?qos=0` → `a/b`),
//! parsed with the connectors' own grammar ([`MqttAddress::parse`]). Other schemes are not
//! the broker's business and are left out.
//!
//! ```text
//! user sensor
//! topic write climate/zone-a/reading
//!
//! user dashboard
//! topic read climate/zone-a/reading
//! ```
//!
//! The ACL only means something with the broker settings the header lists:
//! `allow_anonymous false`, a `password_file` with one entry per node
//! (`scripts/broker-credentials.sh` writes it), and `use_username_as_clientid true`, so a
//! client's id is its user name and no client can take over another node's id.

use std::fmt::{self, Write as _};

use aimdb_core::address::Direction as AddressDirection;
use aimdb_core::address::mqtt::MqttAddress;

use crate::diagnostic::Span;
use crate::model::{Direction, LinkEnd, System};

/// What a user may do with a topic: the access word of an ACL `topic` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `topic write`: publish (the node's `link_to`).
    Write,
    /// `topic read`: subscribe and receive (the node's `link_from`).
    Read,
}

impl Access {
    /// The word mosquitto reads: `write` or `read`.
    pub fn word(self) -> &'static str {
        match self {
            Access::Write => "write",
            Access::Read => "read",
        }
    }
}

/// One `topic` line of a user's block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// `write` or `read`.
    pub access: Access,
    /// The MQTT topic, or (read) topic filter: the address without its options.
    pub topic: String,
}

/// One `user` block: a node and what it may do on the broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The user name: the node's name.
    pub name: String,
    /// Its grants, in file order, each once.
    pub grants: Vec<Grant>,
}

/// An `mqtt://` address that cannot be written as an ACL line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclError {
    /// The node whose link it is.
    pub node: String,
    /// The URL as written.
    pub url: String,
    /// Why, in a sentence.
    pub reason: String,
}

impl fmt::Display for AclError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "node `{}`: \"{}\" cannot go into a mosquitto ACL: {}",
            self.node, self.url, self.reason
        )
    }
}

impl std::error::Error for AclError {}

/// Every node of `system` as a broker user, in file order. A node that speaks MQTT also
/// writes its own liveness topic, and reads those of the nodes it observes.
///
/// An instanced node is one user per instance (`sensor-zone-a`, its client id), each
/// allowed its own instance's addresses and liveness only.
pub fn users(system: &System) -> Result<Vec<User>, AclError> {
    let mut users = Vec::new();
    for node in &system.nodes {
        let instances = &node.topology.node.instances;
        let each: Vec<(String, Vec<LinkEnd>)> = if instances.is_empty() {
            vec![(node.name().to_owned(), node.links())]
        } else {
            (0..instances.len())
                .map(|at| {
                    let links = node
                        .links()
                        .iter()
                        .map(|l| match l.url.template {
                            Some(_) => l.expand(node.name()).swap_remove(at).1,
                            None => l.clone(),
                        })
                        .collect();
                    (format!("{}-{}", node.name(), instances[at]), links)
                })
                .collect()
        };
        for (name, links) in each {
            let mut user = user(&name, &links)?;
            if crate::model::liveness::speaks_mqtt(node) {
                user.grants.push(Grant {
                    access: Access::Write,
                    topic: crate::model::liveness::liveness_topic(&name),
                });
                for observed in crate::model::liveness::observed_nodes(system, node) {
                    for who in instance_names(system, observed) {
                        user.grants.push(Grant {
                            access: Access::Read,
                            topic: crate::model::liveness::liveness_topic(&who),
                        });
                    }
                }
            }
            users.push(user);
        }
    }
    Ok(users)
}

/// A node as the nodes of the system it is: itself, or each of its instances.
fn instance_names(system: &System, node: &str) -> Vec<String> {
    match system.nodes.iter().find(|n| n.name() == node) {
        Some(n) if !n.topology.node.instances.is_empty() => n
            .topology
            .node
            .instances
            .iter()
            .map(|i| format!("{node}-{i}"))
            .collect(),
        _ => vec![node.to_owned()],
    }
}

fn user(name: &str, links: &[LinkEnd]) -> Result<User, AclError> {
    let mut links: Vec<_> = links
        .iter()
        .filter(|l| l.url.scheme.as_deref() == Some("mqtt"))
        .collect();
    // File order, whatever order the front end collected a record's links in.
    links.sort_by_key(|l| match l.url.span {
        Span::Text { start, .. } => start,
        Span::Tokens(_) => 0,
    });
    let mut grants: Vec<Grant> = Vec::new();
    for link in links {
        let error = |reason: String| AclError {
            node: name.to_owned(),
            url: link.url.text.clone(),
            reason,
        };
        let (access, direction) = match link.direction {
            Direction::To => (Access::Write, AddressDirection::Outbound),
            Direction::From => (Access::Read, AddressDirection::Inbound),
        };
        let address =
            MqttAddress::parse(&link.url.address, direction).map_err(|e| error(e.to_string()))?;
        let topic = address.topic;
        // One ACL line per grant: a line break would start another line (another user, or
        // a grant nobody declared), and mosquitto trims blanks at the ends of a line.
        if topic.chars().any(char::is_control) {
            return Err(error(
                "the topic holds a control character (a line break would start another ACL line)"
                    .to_owned(),
            ));
        }
        if topic.trim() != topic {
            return Err(error(
                "the topic starts or ends with whitespace, which mosquitto would trim".to_owned(),
            ));
        }
        let grant = Grant {
            access,
            topic: topic.to_owned(),
        };
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    Ok(User {
        name: name.to_owned(),
        grants,
    })
}

/// What follows the first line of the header comment: how the file is used.
const HEADER_TAIL: &str = ".\n\
    # Do not edit: run `aimdb acl` again when the topology changes.\n\
    #\n\
    # Each node is a user named after it, with `topic write` for every mqtt:// address it\n\
    # owns (link_to) and `topic read` for every one it observes (link_from), plus its own\n\
    # liveness (aimdb/nodes/NODE/online) to write and that of the nodes it observes to read;\n\
    # nothing else.\n\
    # Anonymous clients get nothing. Use it with these mosquitto.conf lines, the\n\
    # password_file holding one entry per node (scripts/broker-credentials.sh writes it)\n\
    # and use_username_as_clientid making a client's id its user name, so that no client\n\
    # can take over a node's id:\n\
    #   listener PORT 127.0.0.1\n\
    #   use_username_as_clientid true\n\
    #   allow_anonymous false\n\
    #   password_file PASSWORD_FILE\n\
    #   acl_file THIS_FILE\n";

/// The ACL of `system` in mosquitto's `acl_file` syntax; `source` names the topology file
/// in the header comment (as the user gave it).
pub fn render(system: &System, source: &str) -> Result<String, AclError> {
    let users = users(system)?;
    let mut out = String::new();
    let _ = write!(
        out,
        "# mosquitto acl_file generated by `aimdb acl` from {source}{HEADER_TAIL}"
    );
    for user in &users {
        let _ = write!(out, "\nuser {}\n", user.name);
        if user.grants.is_empty() {
            out.push_str("# (no mqtt:// links: it may connect, but neither read nor write)\n");
        }
        for grant in &user.grants {
            let _ = writeln!(out, "topic {} {}", grant.access.word(), grant.topic);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file;

    fn system(source: &str) -> System {
        let (system, diagnostics) = crate::check_file(source);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        system.expect("a readable file")
    }

    #[test]
    fn climate_acl_is_exactly_the_owned_and_observed_topics() {
        let climate = system(include_str!("../../../topologies/climate.toml"));
        let acl = render(&climate, "topologies/climate.toml").unwrap();
        let expected = format!(
            "# mosquitto acl_file generated by `aimdb acl` from topologies/climate.toml{HEADER_TAIL}\
             \n\
             user sensor\n\
             topic write climate/zone-a/reading\n\
             topic write aimdb/nodes/sensor/online\n\
             \n\
             user dashboard\n\
             topic read climate/zone-a/reading\n\
             topic write aimdb/nodes/dashboard/online\n\
             topic read aimdb/nodes/sensor/online\n\
             \n\
             user browser\n\
             topic read climate/zone-a/reading\n\
             topic write aimdb/nodes/browser/online\n\
             topic read aimdb/nodes/sensor/online\n"
        );
        assert_eq!(acl, expected);
    }

    #[test]
    fn setpoint_acl_has_one_writer_per_request_and_the_controller_reads_all() {
        let setpoint = system(include_str!("../../../topologies/setpoint.toml"));
        let users = users(&setpoint).unwrap();
        let lines: Vec<(String, Vec<(Access, String)>)> = users
            .into_iter()
            .map(|u| {
                let grants = u.grants.into_iter().map(|g| (g.access, g.topic)).collect();
                (u.name, grants)
            })
            .collect();
        let w = |t: &str| (Access::Write, t.to_owned());
        let r = |t: &str| (Access::Read, t.to_owned());
        assert_eq!(
            lines,
            vec![
                (
                    "console_a".to_owned(),
                    vec![
                        w("setpoint/request/operator-a"),
                        r("setpoint/applied"),
                        w("aimdb/nodes/console_a/online"),
                        r("aimdb/nodes/controller/online"),
                    ]
                ),
                (
                    "console_b".to_owned(),
                    vec![
                        w("setpoint/request/operator-b"),
                        w("aimdb/nodes/console_b/online")
                    ]
                ),
                (
                    "autotuner".to_owned(),
                    vec![
                        w("setpoint/request/autotuner"),
                        w("aimdb/nodes/autotuner/online")
                    ]
                ),
                (
                    "controller".to_owned(),
                    vec![
                        r("setpoint/request/operator-a"),
                        r("setpoint/request/operator-b"),
                        r("setpoint/request/autotuner"),
                        w("setpoint/applied"),
                        w("aimdb/nodes/controller/online"),
                        r("aimdb/nodes/console_a/online"),
                        r("aimdb/nodes/console_b/online"),
                        r("aimdb/nodes/autotuner/online"),
                    ]
                ),
            ]
        );
    }

    /// Options are dropped, a filter stays a filter, other schemes are left out, a grant
    /// given twice (with different options) is one line, and a node without MQTT is a user
    /// with nothing.
    #[test]
    fn options_filters_other_schemes_and_empty_nodes() {
        let source = r#"
[records.reading]
key = "climate/zone-a/reading"
type = "Temperature"

[nodes.sensor]
runtime = "tokio"
[nodes.sensor.records.reading]
buffer = "SingleLatest"
source = "read"
link_to = [
    { url = "mqtt://climate/zone-a/reading?qos=0&retain=true", serializer = "Temperature::to_bytes" },
    { url = "serial://uart0", serializer = "Temperature::to_bytes" },
]

[nodes.logger]
runtime = "tokio"
[nodes.logger.records.reading]
buffer = "SingleLatest"
taps = ["log"]
link_from = [
    { url = "mqtt://climate/+/reading?qos=0", deserializer = "Temperature::from_bytes", external = true },
    { url = "mqtt://climate/+/reading?qos=1", deserializer = "Temperature::from_bytes", external = true },
    { url = "mqtt://climate/zone-a/reading", deserializer = "Temperature::from_bytes" },
]

[nodes.idle]
runtime = "tokio"
[nodes.idle.records.reading]
buffer = "SingleLatest"
taps = ["log"]
link_from = { url = "loopback://reading", deserializer = "Temperature::from_bytes", external = true }
"#;
        let parsed = file::parse(source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let acl = render(&parsed.system.unwrap(), "x.toml").unwrap();
        let body = acl.split_once("THIS_FILE\n").unwrap().1;
        assert_eq!(
            body,
            "\nuser sensor\n\
             topic write climate/zone-a/reading\n\
             topic write aimdb/nodes/sensor/online\n\
             \n\
             user logger\n\
             topic read climate/+/reading\n\
             topic read climate/zone-a/reading\n\
             topic write aimdb/nodes/logger/online\n\
             topic read aimdb/nodes/sensor/online\n\
             \n\
             user idle\n\
             # (no mqtt:// links: it may connect, but neither read nor write)\n"
        );
    }

    /// A topic that would break the line structure is refused, not written.
    #[test]
    fn a_topic_with_a_line_break_is_refused() {
        let source = "[records.reading]\nkey = \"r\"\ntype = \"T\"\n\
            [nodes.sensor]\nruntime = \"tokio\"\n\
            [nodes.sensor.records.reading]\nbuffer = \"SingleLatest\"\nsource = \"read\"\n\
            link_to = { url = \"mqtt://a\\nuser dashboard\", serializer = \"T::to_bytes\" }\n";
        let parsed = file::parse(source);
        let error = render(&parsed.system.unwrap(), "x.toml").unwrap_err();
        assert_eq!(error.node, "sensor");
        assert!(error.reason.contains("control character"), "{error}");
    }
}
