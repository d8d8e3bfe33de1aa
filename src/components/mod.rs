//! The Yew components. They see [`crate::protocol`] and [`crate::state`] types only.
//!
//! - [`app`]: the root; owns the state reducer and the worker bridge, handles drops anywhere.
//! - [`toolbar`]: file picker, ingest status, progress, message count.
//! - [`message_list`]: the windowed, keyboard-driven list of messages.
//! - [`reader`]: one message: headers, body text, attachments.
//! - [`case_panel`]: saved searches, exports, what is stored and "Forget everything".
//! - [`details`]: beside the reader: variants, DKIM/ARC, relays, findings, sender fingerprint.
//! - [`splitter`]: the draggable, keyboard-operable dividers between the three panes.
//! - [`ingest_log`]: per-file formats, counts and problems.
//! - [`forensics`]: the dump-wide Forensics view (findings, senders, authors, edit bursts) and reports.

pub mod app;
pub mod case_panel;
pub mod demo_guide;
pub mod details;
pub mod dkim_experiment;
pub mod forensics;
pub mod ingest_log;
pub mod message_list;
pub mod reader;
pub mod splitter;
pub mod toolbar;
