//! The WebSocket connector against a real client (written next).
