//! [`BufferCfg`]: the buffer kinds a record's `.buffer(..)` names.

/// A record's buffer, as `topology!{}` reads it from `.buffer(BufferCfg::…)`.
///
/// `topology!{}` reads the tokens at compile time (and sizes the static from them), so the
/// call needs no import; the type exists so that `use aimdb::BufferCfg;` works, the name
/// resolves in an editor, and code can talk about a buffer kind:
///
/// ```
/// use aimdb::BufferCfg;
///
/// let ring = BufferCfg::SpmcRing { capacity: 256 };
/// assert_eq!(ring.capacity(), Some(256));
/// assert_eq!(BufferCfg::SingleLatest.capacity(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferCfg {
    /// A bounded history of `capacity` values; every reader gets each value in order, and a
    /// reader that falls behind is told how many it lost.
    SpmcRing {
        /// The values the ring holds.
        capacity: usize,
    },
    /// The current value only: a reader gets the newest.
    SingleLatest,
    /// One pending instruction, taken once by its reader.
    Mailbox,
}

impl BufferCfg {
    /// The ring's capacity; `None` for the other kinds.
    pub const fn capacity(&self) -> Option<usize> {
        match self {
            BufferCfg::SpmcRing { capacity } => Some(*capacity),
            BufferCfg::SingleLatest | BufferCfg::Mailbox => None,
        }
    }
}
