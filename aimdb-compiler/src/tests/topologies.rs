//! Random topologies (up to 30 records with random sources, link_froms, transforms and
//! joins) through the whole pipeline, against a brute-force reference of the two rules:
//! a topology compiles exactly when every key has one producer and no record reaches
//! itself through transforms. A rejected cycle must be listed as a real cycle of the graph.

use proptest::prelude::*;

/// One record: how many of each producer it has, and its transforms' inputs.
#[derive(Clone, Debug)]
struct Spec {
    sources: usize,
    link_froms: usize,
    /// Each transform: join or not, and its raw input picks.
    transforms: Vec<(bool, Vec<(usize, bool)>)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    // Mostly one producer, so that many generated topologies are accepted.
    let producers = prop_oneof![
        24 => (0..3usize).prop_map(|kind| match kind {
            0 => (1, 0, 0),
            1 => (0, 1, 0),
            _ => (0, 0, 1),
        }),
        1 => Just((0, 0, 0)),
        1 => (0..3usize, 0..2usize, 0..3usize),
    ];
    // An input pick: an index, and whether it may point forward (possibly a cycle).
    let input = (any::<usize>(), prop::bool::weighted(0.04));
    let transform = (any::<bool>(), prop::collection::vec(input, 1..4));
    (producers, prop::collection::vec(transform, 3)).prop_map(
        |((sources, link_froms, transforms), mut pool)| {
            pool.truncate(transforms);
            Spec {
                sources,
                link_froms,
                transforms: pool,
            }
        },
    )
}

/// Record `i`'s transforms as input indices (deduplicated: "an input twice" is another check).
fn inputs(specs: &[Spec], i: usize) -> Vec<(bool, Vec<usize>)> {
    let n = specs.len();
    specs[i]
        .transforms
        .iter()
        .map(|(join, picks)| {
            let mut chosen: Vec<usize> = Vec::new();
            for &(raw, forward) in picks {
                let index = if forward || i == 0 { raw % n } else { raw % i };
                if !chosen.contains(&index) {
                    chosen.push(index);
                }
            }
            // A single `.transform` reads one record.
            if !join {
                chosen.truncate(1);
            }
            (*join, chosen)
        })
        .collect()
}

/// The topology as `topology!{}` text. Every record has a tap, so a record with no producer
/// is an error too ("read but nothing produces").
fn text(specs: &[Spec]) -> String {
    let mut out = String::from("node random: tokio;\n");
    for (i, spec) in specs.iter().enumerate() {
        let mut chain = String::from("reg.buffer(BufferCfg::SingleLatest).tap(show)");
        for _ in 0..spec.sources {
            chain.push_str(".source(produce)");
        }
        for l in 0..spec.link_froms {
            chain.push_str(&format!(
                ".link_from(\"loopback://k{i}/{l}\").with_deserializer_raw(decode)"
            ));
        }
        for (join, inputs) in inputs(specs, i) {
            if join {
                chain.push_str(".transform_join(|b| b");
                for input in inputs {
                    chain.push_str(&format!(".input::<u32>(\"k{input}\")"));
                }
                chain.push_str(".on_triggers(handle))");
            } else {
                chain.push_str(&format!(".transform(\"k{}\", |b| b.map(step))", inputs[0]));
            }
        }
        out.push_str(&format!(
            "builder.configure::<u32>(\"k{i}\", |reg| {{ {chain}.finish(); }});\n"
        ));
    }
    out
}

/// The brute-force reference: transform edges input -> record.
#[allow(clippy::needless_range_loop)]
fn edges(specs: &[Spec]) -> Vec<Vec<bool>> {
    let n = specs.len();
    let mut edge = vec![vec![false; n]; n];
    for i in 0..n {
        for (_, inputs) in inputs(specs, i) {
            for input in inputs {
                edge[input][i] = true;
            }
        }
    }
    edge
}

/// Whether any record reaches itself (transitive closure, Floyd–Warshall style).
#[allow(clippy::needless_range_loop)] // the textbook index form is the point of a reference
fn has_cycle(specs: &[Spec]) -> bool {
    let mut reach = edges(specs);
    let n = specs.len();
    for k in 0..n {
        for i in 0..n {
            if reach[i][k] {
                for j in 0..n {
                    if reach[k][j] {
                        reach[i][j] = true;
                    }
                }
            }
        }
    }
    (0..n).any(|i| reach[i][i])
}

fn one_producer_each(specs: &[Spec]) -> bool {
    specs
        .iter()
        .all(|s| s.sources + s.link_froms + s.transforms.len() == 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn accepts_exactly_one_producer_per_key_and_no_cycle(specs in prop::collection::vec(spec(), 1..=30)) {
        let text = text(&specs);
        let result = crate::compile(text.parse().expect("tokens"));
        let expected = one_producer_each(&specs) && !has_cycle(&specs);
        let messages: Vec<String> = match &result {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics.iter().map(|d| d.message.clone()).collect(),
        };
        prop_assert_eq!(result.is_ok(), expected, "{}\n{:#?}", text, messages);
        // Every reported cycle is a real cycle of the graph, listed key by key.
        let edge = edges(&specs);
        let cycles: Vec<&String> = messages.iter().filter(|m| m.starts_with("transforms form a cycle: ")).collect();
        prop_assert_eq!(!cycles.is_empty(), has_cycle(&specs), "{:#?}", messages);
        for message in cycles {
            let path: Vec<usize> = message
                .trim_start_matches("transforms form a cycle: ")
                .split(" -> ")
                .map(|k| k.trim_matches('"').trim_start_matches('k').parse().expect("a key"))
                .collect();
            prop_assert!(path.len() >= 2 && path.first() == path.last(), "{}", message);
            for pair in path.windows(2) {
                prop_assert!(edge[pair[0]][pair[1]], "{} lists a missing edge", message);
            }
        }
    }
}

/// The generator is useful only if it yields both outcomes often, and large topologies.
#[test]
fn the_generator_covers_accepted_rejected_and_cyclic_topologies() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(spec(), 1..=30);
    let (mut accepted, mut cyclic, mut large_accepted, samples) = (0, 0, 0, 1000);
    for _ in 0..samples {
        let specs = strategy.new_tree(&mut runner).expect("a tree").current();
        let ok = one_producer_each(&specs) && !has_cycle(&specs);
        accepted += usize::from(ok);
        large_accepted += usize::from(ok && specs.len() >= 10);
        cyclic += usize::from(has_cycle(&specs));
    }
    eprintln!(
        "{accepted} accepted ({large_accepted} with 10+ records), {cyclic} with a cycle, of {samples}"
    );
    assert!(accepted >= samples / 20, "{accepted} accepted");
    assert!(accepted <= samples * 9 / 10, "{accepted} accepted");
    assert!(cyclic >= samples / 20, "{cyclic} cyclic");
    assert!(large_accepted >= 5, "{large_accepted} large accepted");
}
