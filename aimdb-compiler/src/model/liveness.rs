//! Liveness over MQTT: where a node publishes it, and whose a node follows. Queries over
//! the system that codegen (a node's `LIVENESS`, `OBSERVED_LIVENESS`), the ACL and the
//! file form's pipeline share.

use super::{Direction, NodeDecl, System};

/// `aimdb/nodes/NODE/online`: where `node` publishes its liveness
/// (`aimdb_core::address::mqtt::LIVENESS_TOPIC`).
pub fn liveness_topic(node: &str) -> String {
    let [prefix, suffix] = aimdb_core::address::mqtt::LIVENESS_TOPIC;
    format!("{prefix}{node}{suffix}")
}

/// Whether a node links over MQTT: then it publishes its own liveness
/// (`aimdb/nodes/NODE/online`), which the ACL lets it write.
pub fn speaks_mqtt(node: &NodeDecl) -> bool {
    node.links()
        .iter()
        .any(|l| l.url.scheme.as_deref() == Some("mqtt"))
}

/// The nodes of the file that write an `mqtt://` address `node` reads, in file order, each
/// once: whose liveness `node` follows (and the ACL lets it read).
pub fn observed_nodes<'s>(system: &'s System, node: &NodeDecl) -> Vec<&'s str> {
    let read: Vec<String> = node
        .links()
        .iter()
        .filter(|l| l.direction == Direction::From)
        .filter(|l| l.url.scheme.as_deref() == Some("mqtt"))
        .flat_map(|l| l.expand(node.name()))
        .map(|(_, l)| l.identity())
        .collect();
    system
        .nodes
        .iter()
        .filter(|writer| writer.name() != node.name())
        .filter(|writer| {
            writer
                .links()
                .iter()
                .filter(|l| l.direction == Direction::To)
                .flat_map(|l| l.expand(writer.name()))
                .any(|(_, l)| read.contains(&l.identity()))
        })
        .map(NodeDecl::name)
        .collect()
}

/// [`observed_nodes`] as the node's liveness follows them: an instanced writer as each of
/// its instances (`sensor-zone-a`).
pub fn observed_instances(system: &System, node: &NodeDecl) -> Vec<String> {
    observed_nodes(system, node)
        .into_iter()
        .flat_map(|name| {
            let writer = system.nodes.iter().find(|n| n.name() == name);
            match writer.map(|w| &w.topology.node.instances) {
                Some(instances) if !instances.is_empty() => {
                    instances.iter().map(|i| format!("{name}-{i}")).collect()
                }
                _ => vec![name.to_owned()],
            }
        })
        .collect()
}
