//! The run-time ownership registry: the fallback for what the compiler cannot see.
//!
//! A compiled topology proves one producer per key for the records it declares. Two
//! separately compiled topologies linked into one binary, or keys chosen at run time, escape
//! that proof. Each node therefore registers its claims here ([`ClaimSet`], a `static`), and
//! [`Registry::validate`] runs before any task starts. It panics with a message that names
//! the key, both parties and where each was declared. No allocation: claim sets form an
//! intrusive list of `static`s.
//!
//! The rule: on one node a key has exactly one producer (`.source()`, `.link_from()` or a
//! transform). Across the nodes of a process a key has one owner (a `.source()` or a
//! transform); other nodes observe it, and their `.link_from()` is not a second owner.

use core::any::TypeId;
use core::fmt;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::key::RecordKey;

/// Where a declaration stands in the user's source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Source file, as `file!()` gives it.
    pub file: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What a claim says about its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A local `.source(function)`.
    Source {
        /// The source function's path, as written.
        function: &'static str,
    },
    /// A `.link_from(url)`: a connector brings the record in from elsewhere.
    LinkFrom {
        /// The link URL.
        url: &'static str,
    },
    /// A `.transform(..)` or `.transform_join(..)` producing the record.
    Transform,
    /// A `.source_handle()`: code outside the node's tasks produces the record through the
    /// one `Producer` its `SourceHandle` gives out.
    SourceHandle,
    /// A reader (`.tap()`, `.link_to()`, a transform input): it only fixes the value type.
    Reader,
}

impl Role {
    /// Whether this role writes the record.
    pub const fn is_producer(&self) -> bool {
        !matches!(self, Role::Reader)
    }

    /// Whether this role makes its node the record's owner. A `.link_from()` only brings in,
    /// on one node, what another node owns.
    pub const fn is_authoritative(&self) -> bool {
        matches!(
            self,
            Role::Source { .. } | Role::Transform | Role::SourceHandle
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Source { function } => write!(f, ".source({function})"),
            Role::LinkFrom { url } => write!(f, ".link_from(\"{url}\")"),
            Role::Transform => f.write_str(".transform()"),
            Role::SourceHandle => f.write_str(".source_handle()"),
            Role::Reader => f.write_str("a reader"),
        }
    }
}

/// One declaration about one key, made by one node.
pub struct Claim {
    /// The record's key.
    pub key: &'static dyn RecordKey,
    /// The value type's name, for messages.
    pub type_name: &'static str,
    /// The value type's identity.
    pub type_id: fn() -> TypeId,
    /// What the declaration does with the key.
    pub role: Role,
    /// The node (topology) that made it.
    pub node: &'static str,
    /// Where it was declared.
    pub location: Location,
}

impl Claim {
    /// A claim on `key` for values of type `T`, whose name is given as written at the
    /// declaration (`core::any::type_name` is not usable in a `static`).
    pub const fn new<T: 'static>(
        key: &'static dyn RecordKey,
        type_name: &'static str,
        role: Role,
        node: &'static str,
        location: Location,
    ) -> Self {
        Claim {
            key,
            type_name,
            type_id: TypeId::of::<T>,
            role,
            node,
            location,
        }
    }
}

impl fmt::Debug for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("key", &self.key.as_str())
            .field("type_name", &self.type_name)
            .field("role", &self.role)
            .field("node", &self.node)
            .field("location", &self.location)
            .finish()
    }
}

/// The claims of one node, registered as a unit. Lives in a `static`.
pub struct ClaimSet {
    claims: &'static [Claim],
    next: AtomicPtr<ClaimSet>,
    /// The registry this set is linked into (null until registered). A set has one `next`
    /// link, so it can belong to one registry only.
    owner: AtomicPtr<Registry>,
}

impl ClaimSet {
    /// A claim set over `claims`.
    pub const fn new(claims: &'static [Claim]) -> Self {
        ClaimSet {
            claims,
            next: AtomicPtr::new(ptr::null_mut()),
            owner: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The claims in this set.
    pub fn claims(&self) -> &'static [Claim] {
        self.claims
    }
}

/// Two claims that cannot both stand.
#[derive(Debug)]
pub enum Conflict {
    /// Two producers for one key.
    TwoProducers {
        /// The claim registered first.
        first: &'static Claim,
        /// The claim registered second.
        second: &'static Claim,
    },
    /// One key with two value types.
    TwoTypes {
        /// The claim registered first.
        first: &'static Claim,
        /// The claim registered second.
        second: &'static Claim,
    },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Laid out like a rustc diagnostic: headline, one line per party, then note and help.
        match self {
            Conflict::TwoProducers { first, second } => {
                writeln!(
                    f,
                    "aimdb: record \"{}\" has two producers: {} and {}",
                    first.key.as_str(),
                    first.role.verb(),
                    second.role.verb()
                )?;
                writeln!(
                    f,
                    "  first:  {} in node `{}` at {}",
                    first.role, first.node, first.location
                )?;
                writeln!(
                    f,
                    "  second: {} in node `{}` at {}",
                    second.role, second.node, second.location
                )?;
                writeln!(
                    f,
                    "  = note: every key has exactly one authoritative producer; everyone else is a subscriber"
                )?;
                write!(f, "  = help: {}", producer_help(first.role, second.role))
            }
            Conflict::TwoTypes { first, second } => {
                writeln!(
                    f,
                    "aimdb: record \"{}\" is declared with two value types: `{}` and `{}`",
                    first.key.as_str(),
                    first.type_name,
                    second.type_name
                )?;
                writeln!(
                    f,
                    "  first:  `{}` by {} in node `{}` at {}",
                    first.type_name, first.role, first.node, first.location
                )?;
                writeln!(
                    f,
                    "  second: `{}` by {} in node `{}` at {}",
                    second.type_name, second.role, second.node, second.location
                )?;
                write!(
                    f,
                    "  = help: a key names one record with one value type on every node; use the same type or another key"
                )
            }
        }
    }
}

impl Role {
    /// The declaration's method, for headlines (`.source()`), without its argument.
    const fn verb(&self) -> &'static str {
        match self {
            Role::Source { .. } => ".source()",
            Role::LinkFrom { .. } => ".link_from()",
            Role::SourceHandle => ".source_handle()",
            Role::Transform => ".transform()",
            Role::Reader => "a reader",
        }
    }
}

/// What to do about two producers, by the pair of declarations.
fn producer_help(first: Role, second: Role) -> &'static str {
    use Role::{LinkFrom, Source, Transform};
    match (first, second) {
        (Source { .. }, Source { .. }) => {
            "keep one .source(); give every other writer a record of its own and join them in an arbiter (.transform_join())"
        }
        (Source { .. }, LinkFrom { .. }) | (LinkFrom { .. }, Source { .. }) => {
            ".source() says this node produces the record, .link_from() that another node does: \
             the owner keeps .source() (and .link_to() to publish it), an observer keeps .link_from() alone"
        }
        (LinkFrom { .. }, LinkFrom { .. }) => {
            "bring the record in once: keep one .link_from() for this key and let other readers .tap() it"
        }
        (Transform, _) | (_, Transform) => {
            "a transform owns its output record: give the transform's output a key of its own, or remove the other producer"
        }
        // `check` only reports pairs of producers.
        _ => "keep one producer for this key",
    }
}

/// A set of nodes' claims, checked together.
pub struct Registry {
    head: AtomicPtr<ClaimSet>,
}

impl Registry {
    /// An empty registry.
    pub const fn new() -> Self {
        Registry {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Add `set` at the end of the registry. Registering the same set twice is a no-op.
    ///
    /// # Panics
    ///
    /// If `set` is already registered with another registry: a claim set is linked into one
    /// list, so it cannot be checked against two registries.
    pub fn register(&self, set: &'static ClaimSet) {
        let this = self as *const Registry as *mut Registry;
        match set
            .owner
            .compare_exchange(ptr::null_mut(), this, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {}
            Err(owner) if owner == this => return,
            Err(_) => panic!(
                "aimdb: the claims of node `{}` are already registered with another registry",
                set.claims.first().map_or("?", |claim| claim.node)
            ),
        }
        let new = set as *const ClaimSet as *mut ClaimSet;
        let mut link = &self.head;
        loop {
            match link.compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(current) => link = &claim_set_at(current).next,
            }
        }
    }

    /// Every registered claim, in registration order.
    pub fn claims(&self) -> impl Iterator<Item = &'static Claim> + '_ {
        let mut set = self.head.load(Ordering::Acquire);
        core::iter::from_fn(move || {
            if set.is_null() {
                return None;
            }
            let current = claim_set_at(set);
            set = current.next.load(Ordering::Acquire);
            Some(current.claims.iter())
        })
        .flatten()
    }

    /// The first conflict among the registered claims, if any.
    pub fn check(&self) -> Result<(), Conflict> {
        for (index, second) in self.claims().enumerate() {
            for first in self.claims().take(index) {
                if first.key.as_str() != second.key.as_str() {
                    continue;
                }
                if (first.type_id)() != (second.type_id)() {
                    return Err(Conflict::TwoTypes { first, second });
                }
                if conflicting_producers(first, second) {
                    return Err(Conflict::TwoProducers { first, second });
                }
            }
        }
        Ok(())
    }

    /// Check the registry and panic with the conflict's message if there is one.
    /// Generated nodes call this before spawning any task.
    #[track_caller]
    pub fn validate(&self) {
        if let Err(conflict) = self.check() {
            panic!("{conflict}");
        }
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// The ownership rule. On one node a key has one producer of any kind. Across nodes a key
/// has one owner (a `.source()` or a transform); every other node observes it, and a
/// `.link_from()` on an observer is how it does so, so it never conflicts with another node.
fn conflicting_producers(first: &Claim, second: &Claim) -> bool {
    let (a, b) = (first.role, second.role);
    if !(a.is_producer() && b.is_producer()) {
        return false;
    }
    first.node == second.node || (a.is_authoritative() && b.is_authoritative())
}

/// The process-wide registry generated nodes register with.
pub static GLOBAL: Registry = Registry::new();

/// Turn a pointer stored in the list back into the `&'static ClaimSet` it came from.
fn claim_set_at(pointer: *mut ClaimSet) -> &'static ClaimSet {
    // SAFETY: only `register` stores pointers in the list, and it stores `&'static ClaimSet`s,
    // which are never freed and only accessed through shared references.
    unsafe { &*pointer }
}

#[cfg(test)]
mod tests;
