//! The aimdb topology compiler.
