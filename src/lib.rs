//! Leakloupe's browser app: the Yew UI (main thread) and the Web Worker that owns the files.
//!
//! Dependencies point inward: the binaries in `src/bin/` call [`start_app`] or [`start_worker`];
//! the UI ([`components`], [`state`], [`bridge`]) sees only [`protocol`] types (and [`report`], which
//! turns them into printable HTML); only [`worker`] and its dump-wide collector [`forensics`] use
//! `leakloupe_core`, and only [`worker`] touches `File` objects. See ARCHITECTURE.md for the map.

pub mod bridge;
pub mod components;
pub mod forensics;
pub mod format;
pub mod protocol;
pub mod report;
pub mod state;
pub mod store;
pub mod worker;

/// Mount the UI on the page's `<body>`.
pub fn start_app() {
    yew::Renderer::<components::app::App>::new().render();
}

/// Run the worker's message loop (called in the worker's global scope).
pub fn start_worker() {
    worker::run();
}
