//! Leakloupe's engine: mail ingest, parsing and analysis, with no UI, no I/O and no clock.
//!
//! - [`ingest`] decides what a source is ([`ingest::sniff`]), splits it into messages while bytes stream in
//!   ([`ingest::Ingester`], results pushed to an [`ingest::IngestSink`]) and gives back a message's bytes from
//!   its [`ingest::MessageSpan`] ([`ingest::message_bytes`]).
//! - [`message`] reads one message (RFC 822, or Outlook .msg via [`ingest::msg`]): a cheap [`message::summarize`] for the list and a full
//!   [`message::read_message`] (headers, body text, attachments) for the detail view.
//! - [`dedup`] tells byte-identical duplicates (one message, several locations) from variants (same
//!   Message-ID, different bytes: a forensic signal).
//! - [`auth`] verifies DKIM signatures and ARC chains offline, against a local key store (never DNS).
//! - [`container`] opens zip, tar and gzip archives through a caller-supplied reader, streaming entries
//!   under limits (no archive is held in memory).
//! - [`diagnostic`] is the damage report every stage returns alongside its best-effort result.
//!
//! ```
//! use leakloupe_core::ingest::{ingest_all, Sniffed, SourceFormat};
//! let r = ingest_all(b"From a@b Sat Jan  3 01:05:34 1996\nSubject: hi\n\nbody\n", "x.mbox");
//! assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Mbox));
//! assert_eq!(r.messages[0].1.subject, "hi");
//! ```

pub mod analysis;
pub mod auth;
pub mod case;
pub mod container;
pub mod dedup;
pub mod demo;
pub mod diagnostic;
pub mod export;
pub mod html;
pub mod ingest;
pub mod message;
pub mod metadata;
pub mod search;
pub mod thread;
