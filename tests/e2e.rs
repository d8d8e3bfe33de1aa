//! Browser end-to-end tests of Leakloupe: headless Chromium driven through chromedriver
//! (fantoccini), against `dist/` as `make dist` builds it.
//!
//! * Served build (`dist/index.html` + files) from a recording proxy that is also the app server:
//!   every http(s) request Chromium makes goes through it, and anything that is not the app's own
//!   origin is refused and fails the test.
//! * Single-file build (`dist/leakloupe.html`) opened from file://.
//!
//! Inputs are real files of the shared mail corpus (`$LEAKLOUPE_CORPUS`, default
//! `<workspace>/../shared/corpus`), or `tests/fixtures` when it is absent.
//! Screenshots land in `tests/artifacts/` (gitignored).
//!
//! Run one: `cargo test --test e2e -- served_drop_mixed_files`.
//! Environment: `LEAKLOUPE_DIST`, `LEAKLOUPE_CORPUS`, `LEAKLOUPE_ARTIFACTS`, `CHROMEDRIVER`, `CHROME`.
#![allow(missing_docs)]

#[path = "e2e/casework.rs"]
mod casework;
#[path = "e2e/demo.rs"]
mod demo;
#[path = "e2e/forensics.rs"]
mod forensics;
#[path = "e2e/harness.rs"]
mod harness;
#[path = "e2e/ingest_more.rs"]
mod ingest_more;
#[path = "e2e/inputs.rs"]
mod inputs;
#[path = "e2e/reading.rs"]
mod reading;
#[path = "e2e/scenarios.rs"]
mod scenarios;

use std::sync::Arc;

use harness::{require_dist, with_browser, Expect};
use scenarios::Target;

/// The recorder can fail: a navigation to a remote host (not subject to any page CSP) and an
/// https tunnel must both show up as proxy violations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_proxy_records_remote_requests() {
    with_browser(
        "canary",
        None,
        Expect::ProxyViolations(vec!["GET http://leakloupe-canary.invalid/", "CONNECT leakloupe-canary.invalid:443"]),
        |ctx| async move {
            let _ = ctx.client.goto("http://leakloupe-canary.invalid/").await;
            let _ = ctx.client.goto("https://leakloupe-canary.invalid/").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_csp_blocks_remote_requests() {
    let dist = require_dist();
    with_browser("served_csp", Some(dist), Expect::Clean, |ctx| scenarios::csp_blocks_remote(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_pick_files_via_input() {
    let dist = require_dist();
    let inp = Arc::new(inputs::load());
    with_browser("served_pick", Some(dist), Expect::Clean, |ctx| scenarios::pick_files(ctx, Target::Served, inp)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_drop_mixed_files() {
    let dist = require_dist();
    let inp = Arc::new(inputs::load());
    with_browser("served_drop", Some(dist), Expect::Clean, |ctx| scenarios::drop_files(ctx, Target::Served, inp)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_csp_blocks_remote_requests() {
    let dist = require_dist();
    with_browser("file_url_csp", Some(dist), Expect::Clean, |ctx| scenarios::csp_blocks_remote(ctx, Target::FileUrl)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_pick_files_via_input() {
    let dist = require_dist();
    let inp = Arc::new(inputs::load());
    with_browser("file_url_pick", Some(dist), Expect::Clean, |ctx| scenarios::pick_files(ctx, Target::FileUrl, inp)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_drop_mixed_files() {
    let dist = require_dist();
    let inp = Arc::new(inputs::load());
    with_browser("file_url_drop", Some(dist), Expect::Clean, |ctx| scenarios::drop_files(ctx, Target::FileUrl, inp)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_dkim_key_import_and_tamper() {
    let dist = require_dist();
    with_browser("served_dkim", Some(dist), Expect::Clean, |ctx| scenarios::dkim_keys(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_dkim_key_import_and_tamper() {
    let dist = require_dist();
    with_browser("file_url_dkim", Some(dist), Expect::Clean, |ctx| scenarios::dkim_keys(ctx, Target::FileUrl)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_pick_maildir_folder() {
    let dist = require_dist();
    with_browser("served_maildir", Some(dist), Expect::Clean, |ctx| scenarios::pick_folder(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_zip_msg_and_folder() {
    let dist = require_dist();
    with_browser("served_archive", Some(dist), Expect::Clean, |ctx| scenarios::archive_msg_and_folder(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_hostile_html_is_inert() {
    let dist = require_dist();
    with_browser("served_hostile", Some(dist), Expect::Clean, |ctx| scenarios::hostile_html(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_hostile_html_is_inert() {
    let dist = require_dist();
    with_browser("file_url_hostile", Some(dist), Expect::Clean, |ctx| scenarios::hostile_html(ctx, Target::FileUrl)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_panes_enter_and_charset() {
    let dist = require_dist();
    with_browser("served_reading", Some(dist), Expect::Clean, |ctx| reading::panes_enter_charset(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_case_work_survives_reload_and_exports() {
    let dist = require_dist();
    with_browser("served_case", Some(dist), Expect::Clean, |ctx| casework::case_work(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_forensics_view_and_reports() {
    let dist = require_dist();
    with_browser("served_forensics", Some(dist), Expect::Clean, |ctx| forensics::forensics_view(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_partial_emlx_folder_is_rebuilt() {
    let dist = require_dist();
    with_browser("served_partial_emlx", Some(dist), Expect::Clean, |ctx| ingest_more::partial_emlx_folder(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_forwarded_mail_is_its_own_message() {
    let dist = require_dist();
    with_browser("served_forwarded", Some(dist), Expect::Clean, |ctx| ingest_more::forwarded_mail(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_ingest_msg_in_msg_as_messages_of_their_own() {
    let dist = require_dist();
    with_browser("served_msg_in_msg", Some(dist), Expect::Clean, |ctx| ingest_more::msg_in_msg(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_cancel_inside_a_zip() {
    let dist = require_dist();
    with_browser("served_cancel_zip", Some(dist), Expect::Clean, |ctx| ingest_more::cancel_inside_zip(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_cancel_inside_a_nested_zip() {
    let dist = require_dist();
    with_browser("served_cancel_nested", Some(dist), Expect::Clean, |ctx| ingest_more::cancel_inside_nested(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_cancel_inside_a_gz() {
    let dist = require_dist();
    with_browser("served_cancel_gz", Some(dist), Expect::Clean, |ctx| ingest_more::cancel_inside_gz(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_gz_and_tar_gz_load_with_their_paths() {
    let dist = require_dist();
    with_browser("served_gz", Some(dist), Expect::Clean, |ctx| ingest_more::gz_and_tar_gz(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_hostile_containers_are_named_and_the_rest_loads() {
    let dist = require_dist();
    with_browser("served_hostile_containers", Some(dist), Expect::Clean, |ctx| ingest_more::hostile_containers(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_legacy_charsets_read_in_list_and_reader() {
    let dist = require_dist();
    with_browser("served_charsets", Some(dist), Expect::Clean, |ctx| reading::legacy_charsets(ctx, Target::Served)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_demo_leak_and_its_guide() {
    let dist = require_dist();
    with_browser("served_demo", Some(dist), Expect::Clean, |ctx| demo::demo_leak(ctx, Target::Served)).await;
}

/// The single file a trainer carries on a USB stick builds the demo too (its worker is a Blob URL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_url_demo_leak_and_its_guide() {
    let dist = require_dist();
    with_browser("file_url_demo", Some(dist), Expect::Clean, |ctx| demo::demo_leak(ctx, Target::FileUrl)).await;
}
