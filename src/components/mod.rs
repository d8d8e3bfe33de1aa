//! The Yew components. They see [`crate::protocol`] and [`crate::state`] types only.
//!
//! - [`app`]: the root; owns the state reducer and the worker bridge, handles drops anywhere.
//! - [`toolbar`]: file picker, ingest status, progress, message count.
//! - [`message_list`]: the windowed, keyboard-driven list of messages.
//! - [`reader`]: one message: headers, body text, attachments.
//! - [`ingest_log`]: per-file formats, counts and problems.
//! - [`forensics`]: the dump-wide Forensics view (findings, senders, authors, edit bursts) and reports.

pub mod app;
pub mod forensics;
pub mod ingest_log;
pub mod message_list;
pub mod reader;
pub mod toolbar;
