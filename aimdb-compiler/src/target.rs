//! What the compiler can know of a node's target when the node does not say: the RAM of an
//! embassy node's board, from the crate's `memory.x`.
//!
//! A target triple (`thumbv7em-none-eabihf`) does not say how much RAM a board has; the
//! linker script fragment cortex-m-rt reads does. A crate that builds firmware for one board
//! keeps it at its root (`memory.x`, next to `Cargo.toml`), with a line such as
//! `RAM : ORIGIN = 0x20000000, LENGTH = 64K`. When an embassy node declares no `ram`, that
//! `LENGTH` is its budget. A crate whose `memory.x` comes from a board-support crate's build
//! script (written into that crate's `OUT_DIR`) has none at its root: it declares `ram`.

use std::path::Path;

use crate::model::{BudgetSource, RamBudget, Runtime, Topology};

/// The file cortex-m-rt's `link.x` includes for the memory map.
pub const MEMORY_X: &str = "memory.x";

/// Give an embassy node without a declared budget the RAM of its board: `LENGTH` of `RAM`
/// in `manifest_dir/memory.x`, if the file is there and says it. Returns the file read.
pub fn default_ram(topology: &mut Topology, manifest_dir: Option<&Path>) -> Option<String> {
    let node = &mut topology.node;
    if node.ram.is_some() || node.runtime != Runtime::Embassy {
        return None;
    }
    let path = manifest_dir?.join(MEMORY_X);
    let bytes = ram_length(&std::fs::read_to_string(&path).ok()?)?;
    node.ram = Some(RamBudget {
        bytes,
        span: node.runtime_span,
        from: BudgetSource::MemoryX,
    });
    Some(path.to_string_lossy().into_owned())
}

/// `const _: &[u8] = include_bytes!("/path/memory.x");` for a budget read from it, so cargo
/// rebuilds the crate when the board's memory map changes.
pub fn track(memory_x: Option<&str>) -> proc_macro2::TokenStream {
    match memory_x {
        Some(path) => quote::quote!(
            const _: &[u8] = include_bytes!(#path);
        ),
        None => proc_macro2::TokenStream::new(),
    }
}

/// `LENGTH` of the `RAM` region of a `memory.x` (`MEMORY { RAM : ORIGIN = .., LENGTH = 64K }`),
/// in bytes. Lengths are numbers (decimal or `0x` hex) with an optional `K` or `M` suffix,
/// or products of those (`64 * 1024`); anything else is not understood (`None`).
pub fn ram_length(memory_x: &str) -> Option<usize> {
    let text = without_comments(memory_x);
    let block = text.split_once("MEMORY")?.1;
    let block = block.split_once('{')?.1.split_once('}')?.0;
    block.lines().find_map(|line| {
        let (name, rest) = line.split_once(':')?;
        // `RAM (rwx) : ...`: the region's name is the first word.
        let name = name.split_whitespace().next()?;
        if !name.eq_ignore_ascii_case("RAM") {
            return None;
        }
        let length = rest
            .split(',')
            .find_map(|part| part.trim().strip_prefix("LENGTH"))?;
        let value = length.trim_start().strip_prefix('=')?;
        product(value)
    })
}

/// `64K`, `0x10000`, `4M`, `64 * 1024`.
fn product(text: &str) -> Option<usize> {
    text.split('*')
        .map(|factor| number(factor.trim()))
        .try_fold(1usize, |total, factor| total.checked_mul(factor?))
}

fn number(text: &str) -> Option<usize> {
    let (digits, factor) = match text.as_bytes().last()? {
        b'K' | b'k' => (&text[..text.len() - 1], 1024),
        b'M' | b'm' => (&text[..text.len() - 1], 1024 * 1024),
        _ => (text, 1),
    };
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => usize::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    value.checked_mul(factor)
}

/// The text with `/* .. */` and `// ..` comments blanked out.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ram_length_of_common_memory_maps() {
        // This repository's board (QEMU mps2-an386).
        let mps2 = include_str!("../../firmware/board-mps2/memory.x");
        assert_eq!(ram_length(mps2), Some(4 * 1024 * 1024));
        // nRF52840, RP2040 and STM32 styles: attributes, hex, products, comments.
        let nrf = "MEMORY\n{\n  FLASH : ORIGIN = 0x00000000, LENGTH = 1024K\n  RAM : ORIGIN = 0x20000000, LENGTH = 256K\n}\n";
        assert_eq!(ram_length(nrf), Some(256 * 1024));
        let rp = "MEMORY {\n    BOOT2 : ORIGIN = 0x10000000, LENGTH = 0x100\n    FLASH : ORIGIN = 0x10000100, LENGTH = 2048K - 0x100\n    RAM   : ORIGIN = 0x20000000, LENGTH = 256K\n}";
        assert_eq!(ram_length(rp), Some(256 * 1024));
        let stm = "/* STM32F401 */\nMEMORY\n{\n  FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 0x40000\n  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 64 * 1024 // SRAM1\n}";
        assert_eq!(ram_length(stm), Some(64 * 1024));
        let hex = "MEMORY { RAM : ORIGIN = 0x20000000, LENGTH = 0x10000 }";
        assert_eq!(ram_length(hex), Some(0x10000));
        // No RAM region, or a length this reader does not understand: no budget.
        assert_eq!(
            ram_length("MEMORY\n{\n  FLASH : ORIGIN = 0, LENGTH = 1M\n}"),
            None
        );
        assert_eq!(
            ram_length("MEMORY\n{\n  RAM : ORIGIN = 0x20000000, LENGTH = _ram_size\n}"),
            None
        );
        // A commented-out region is not read.
        assert_eq!(
            ram_length(
                "MEMORY\n{\n  /* RAM : ORIGIN = 0, LENGTH = 1K */\n  RAM : ORIGIN = 0x20000000, LENGTH = 8K\n}"
            ),
            Some(8 * 1024)
        );
    }

    fn embassy_node(header: &str, capacity: usize) -> Topology {
        let text = format!(
            "{header} builder.configure::<u8>(\"k\", |reg| {{ reg.buffer(BufferCfg::SpmcRing {{ capacity: {capacity} }}).source(s).finish(); }});"
        );
        crate::syntax::parse(text.parse().unwrap())
            .topology
            .expect("a topology")
    }

    #[test]
    fn an_embassy_node_without_a_budget_gets_the_ram_of_memory_x() {
        let dir = std::env::temp_dir().join(format!("aimdb-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(MEMORY_X),
            "MEMORY\n{\n  FLASH : ORIGIN = 0, LENGTH = 64K\n  RAM : ORIGIN = 0x20000000, LENGTH = 1K\n}\n",
        )
        .unwrap();
        // Embassy, no `ram`: the budget is memory.x's RAM, and a ring beyond it is refused.
        let mut node = embassy_node("node sensor: embassy;", 4096);
        let read = default_ram(&mut node, Some(&dir)).expect("memory.x read");
        assert!(read.ends_with("memory.x"), "{read}");
        let budget = node.node.ram.expect("a budget");
        assert_eq!((budget.bytes, budget.from), (1024, BudgetSource::MemoryX));
        let found = crate::check::check(&node);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .message
                .ends_with("more than node `sensor`'s RAM budget of 1024 bytes"),
            "{}",
            found[0].message
        );
        assert_eq!(
            found[0].notes[0].message,
            "the budget is the `LENGTH` of `RAM` in this crate's memory.x (the node declares no `ram`)"
        );
        // A declared budget stands; a tokio node has no board; no memory.x, no budget.
        let mut declared = embassy_node("node sensor: embassy, ram = \"64K\";", 4096);
        assert_eq!(default_ram(&mut declared, Some(&dir)), None);
        assert_eq!(declared.node.ram.map(|b| b.bytes), Some(64 * 1024));
        let mut host = embassy_node("node sensor: tokio;", 4096);
        assert_eq!(default_ram(&mut host, Some(&dir)), None);
        assert!(host.node.ram.is_none());
        let mut elsewhere = embassy_node("node sensor: embassy;", 4096);
        assert_eq!(
            default_ram(&mut elsewhere, Some(&dir.join("no-such-crate"))),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
