//! Per-runtime entry points over the runtime-neutral [tasks](super::tasks).

pub(super) mod embassy;
pub(super) mod tokio;
