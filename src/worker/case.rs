//! The worker's half of case work: the case (tags, stars, notes, saved searches, DKIM key records; see
//! `leakloupe_core::case`) lives here, next to the index that `tag:` searches and the files that exports
//! read. The page stores what [`Event::CaseStore`] hands it (IndexedDB, keyed by each source file's
//! SHA-256) and gives it back with [`Request::LoadCase`] when the same file is dropped again.

use std::cell::RefCell;

use leakloupe_core::case::Case;
use leakloupe_core::export::{CsvWriter, EmlZipWriter, EntryCompression, ExportRow, JsonlWriter, MboxWriter};
use leakloupe_core::message;

use super::{location_text, raw_for_index, send, yield_now, STATE};
use crate::protocol::{AnnotationChange, AnnotationView, Event, ExportFormat, MessageId};

/// Key prefix of a source's stored case.
pub const STORE_PREFIX: &str = "case:";

#[derive(Default)]
struct CaseState {
    case: Case,
    /// SHA-256 (and name, size) of each source file by id, once read.
    sources: Vec<Option<(String, String, u64)>>,
}

thread_local! {
    static CASE: RefCell<CaseState> = RefCell::new(CaseState::default());
}

/// A source file was hashed: remember it (sent through `send`, so every path that finishes a file counts).
pub fn source_hashed(source: u32, sha256: &str, name: &str, size: u64) {
    if sha256.is_empty() {
        return;
    }
    CASE.with(|c| {
        let mut c = c.borrow_mut();
        let i = source as usize;
        if c.sources.len() <= i {
            c.sources.resize(i + 1, None);
        }
        c.sources[i] = Some((sha256.to_string(), name.to_string(), size));
    });
    // DKIM keys and saved searches belong to the whole case: a file read now carries them too, so that
    // dropping it again (alone) after a reload brings them back.
    let global = CASE.with(|c| {
        let c = c.borrow();
        !c.case.dkim_keys().is_empty() || !c.case.saved_searches().is_empty()
    });
    if global {
        send(&Event::CaseStore(records(&[sha256.to_string()])));
    }
}

/// SHA-256 of the source files message `id` was found in.
fn sources_of(id: MessageId) -> Vec<String> {
    let ids: Vec<u32> = STATE.with(|st| {
        st.borrow().messages.get(id as usize).map(|m| m.locations().map(|l| l.source).collect()).unwrap_or_default()
    });
    CASE.with(|c| {
        let c = c.borrow();
        let mut out: Vec<String> = ids.iter().filter_map(|s| c.sources.get(*s as usize).cloned().flatten().map(|x| x.0)).collect();
        out.dedup();
        out
    })
}

fn view_of(case: &Case, sha256: &str) -> AnnotationView {
    case.annotation(sha256)
        .map(|a| AnnotationView { tags: a.tags.clone(), starred: a.starred, note: a.note.clone() })
        .unwrap_or_default()
}

/// The annotation of a message by its SHA-256 (for the reader and the index).
pub fn annotation(sha256: &str) -> AnnotationView {
    CASE.with(|c| view_of(&c.borrow().case, sha256))
}

/// The tags to index for a message (`tag:` and the starred pseudo-tag `tag:starred`).
pub fn index_tags(sha256: &str) -> Vec<String> {
    let a = annotation(sha256);
    let mut tags = a.tags;
    if a.starred {
        tags.push("starred".into());
    }
    if !a.note.is_empty() {
        tags.push("noted".into());
    }
    tags
}

fn set_index_tags(id: MessageId, sha256: &str) {
    let tags = index_tags(sha256);
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        if id < st.indexed {
            let _ = st.index.set_tags(id, &tags);
        }
    });
}

/// The records to store for these sources (each source's part of the case).
fn records(sources: &[String]) -> Vec<(String, String)> {
    CASE.with(|c| {
        let c = c.borrow();
        sources.iter().map(|s| (format!("{STORE_PREFIX}{s}"), c.case.for_source(s).to_json())).collect()
    })
}

/// Every loaded source's SHA-256.
fn loaded_sources() -> Vec<String> {
    CASE.with(|c| c.borrow().sources.iter().flatten().map(|s| s.0.clone()).collect())
}

/// [`crate::protocol::Request::Annotate`].
pub fn annotate(id: MessageId, sha256: &str, change: AnnotationChange) {
    let sources = sources_of(id);
    let refs: Vec<&str> = sources.iter().map(String::as_str).collect();
    CASE.with(|c| {
        let mut c = c.borrow_mut();
        for s in &sources {
            // Record the source itself (name, size) so a case file says what it annotates.
            let known = c.sources.iter().flatten().find(|x| &x.0 == s).cloned();
            if let Some((sha, name, size)) = known {
                c.case.add_source(&sha, &name, size);
            }
        }
        match change {
            AnnotationChange::AddTag(t) => {
                c.case.add_tag(sha256, &refs, &t);
            }
            AnnotationChange::RemoveTag(t) => {
                c.case.remove_tag(sha256, &t);
            }
            AnnotationChange::Star(on) => c.case.set_starred(sha256, &refs, on),
            AnnotationChange::Note(n) => c.case.set_note(sha256, &refs, &n),
        }
    });
    set_index_tags(id, sha256);
    send(&Event::Annotations(vec![(id, annotation(sha256))]));
    send(&Event::CaseStore(records(&sources)));
}

/// [`crate::protocol::Request::LoadCase`]: merge, apply to the messages loaded, say what came.
pub fn load(json: &str, origin: String) {
    // The page names a stored case by its file's SHA-256: say which file that is.
    let origin = CASE.with(|c| {
        c.borrow().sources.iter().flatten().find(|x| x.0 == origin).map(|x| format!("saved case of {}", x.1))
    })
    .unwrap_or(origin);
    let other = match Case::from_json(json) {
        Ok(c) => c,
        Err(e) => {
            send(&Event::CaseLoaded { origin, text: format!("not loaded: {e}") });
            return;
        }
    };
    let keys: Vec<(String, String)> = other.dkim_keys().iter().map(|k| (k.records.clone(), k.source.clone())).collect();
    let report = CASE.with(|c| c.borrow_mut().case.merge(other));
    // Keys persist with the case: put them back into the key store.
    STATE.with(|st| {
        let mut st = st.borrow_mut();
        for (records, source) in &keys {
            let _ = st.keys.add_records(records, source);
        }
    });
    // Apply to every loaded message that has an annotation now.
    let (shas, missing) = CASE.with(|c| {
        let c = c.borrow();
        let present: Vec<(String, u32)> = STATE.with(|st| {
            let st = st.borrow();
            c.case.annotations().keys().filter_map(|k| st.dedup.id_of(k).map(|id| (k.clone(), id))).collect()
        });
        let missing = STATE.with(|st| {
            let st = st.borrow();
            c.case.missing(|sha| st.dedup.id_of(sha).is_some())
        });
        (present, missing)
    });
    let mut updates = Vec::with_capacity(shas.len());
    for (sha, id) in &shas {
        set_index_tags(*id, sha);
        updates.push((*id, annotation(sha)));
    }
    let n = updates.len();
    if !updates.is_empty() {
        send(&Event::Annotations(updates));
    }
    send_saved_searches();
    let mut text = format!(
        "{} on loaded messages",
        crate::format::plural(n as u64, "annotation", "annotations")
    );
    if report.searches_added > 0 {
        text.push_str(&format!(", {}", crate::format::plural(report.searches_added as u64, "saved search", "saved searches")));
    }
    if report.keys_added > 0 {
        text.push_str(&format!(", {}", crate::format::plural(report.keys_added as u64, "DKIM key import", "DKIM key imports")));
    }
    if let Some(m) = missing.sentence() {
        text.push_str(&format!("; {m}"));
    }
    send(&Event::CaseLoaded { origin, text });
    // An imported case is stored too (under every loaded source it touches).
    send(&Event::CaseStore(records(&loaded_sources())));
}

/// DKIM key records were imported from a dropped file: they belong to the case.
pub fn keys_imported(source_label: &str, records: &str) {
    let changed = CASE.with(|c| c.borrow_mut().case.add_dkim_keys(source_label, records));
    if changed {
        send(&Event::CaseStore(records_all()));
    }
}

fn records_all() -> Vec<(String, String)> {
    records(&loaded_sources())
}

/// [`crate::protocol::Request::SaveSearch`].
pub fn save_search(name: &str, query: Option<&str>) {
    CASE.with(|c| {
        let mut c = c.borrow_mut();
        match query {
            Some(q) => {
                c.case.remove_search(name);
                c.case.save_search(name, q);
            }
            None => {
                c.case.remove_search(name);
            }
        }
    });
    send_saved_searches();
    send(&Event::CaseStore(records_all()));
}

fn send_saved_searches() {
    let list = CASE.with(|c| c.borrow().case.saved_searches().iter().map(|s| (s.name.clone(), s.query.clone())).collect());
    send(&Event::SavedSearches(list));
}

/// [`crate::protocol::Request::ForgetCase`]: empty the case and every tag in the index.
pub fn forget() {
    let shas: Vec<String> = CASE.with(|c| c.borrow().case.annotations().keys().cloned().collect());
    CASE.with(|c| c.borrow_mut().case = Case::new());
    let mut updates = Vec::new();
    for sha in shas {
        if let Some(id) = STATE.with(|st| st.borrow().dedup.id_of(&sha)) {
            set_index_tags(id, &sha);
            updates.push((id, AnnotationView::default()));
        }
    }
    if !updates.is_empty() {
        send(&Event::Annotations(updates));
    }
    send_saved_searches();
}

/// [`crate::protocol::Request::Export`]: read each message again from its file, build the file, post it.
pub async fn export(format: ExportFormat, ids: Vec<MessageId>) {
    let (suffix, mime) = format.file();
    let parts = js_sys::Array::new();
    let push = |bytes: &[u8]| {
        if !bytes.is_empty() {
            parts.push(&js_sys::Uint8Array::from(bytes));
        }
    };
    let total = ids.len() as u32;
    let mut summary: String;
    let mut size = 0u64;
    let count = |b: &[u8], size: &mut u64| *size += b.len() as u64;
    if format == ExportFormat::Case {
        let json = CASE.with(|c| c.borrow().case.to_json());
        count(json.as_bytes(), &mut size);
        push(json.as_bytes());
        summary = CASE.with(|c| {
            let c = c.borrow();
            format!(
                "{}, {}",
                crate::format::plural(c.case.annotations().len() as u64, "annotated message", "annotated messages"),
                crate::format::plural(c.case.saved_searches().len() as u64, "saved search", "saved searches")
            )
        });
    } else {
        let mut cache = super::IndexReads::default();
        let mut csv = CsvWriter::new();
        let mut jsonl = JsonlWriter::new();
        let mut mbox = MboxWriter::new();
        let mut zip = EmlZipWriter::new(EntryCompression::Deflated);
        let mut unreadable = 0u32;
        for (n, &id) in ids.iter().enumerate() {
            let Some(raw) = raw_for_index(id, &mut cache) else {
                unreadable += 1;
                continue;
            };
            let s = message::summarize(&raw);
            let date = s.date.as_ref().map(|d| d.utc_unix);
            let chunk: Vec<u8> = match format {
                ExportFormat::Mbox => {
                    let sender = s.from.rsplit('<').next().map(|x| x.trim_end_matches('>').trim().to_string());
                    mbox.push(&raw, sender.as_deref(), date)
                }
                ExportFormat::EmlZip => match zip.push(&raw, &s.subject, date) {
                    Ok(b) => b,
                    Err(e) => {
                        send(&Event::Failed { text: format!("export stopped: {}", e.message) });
                        return;
                    }
                },
                _ => {
                    let a = annotation(&s.sha256);
                    let locations: Vec<String> = STATE.with(|st| {
                        st.borrow().messages.get(id as usize).map(|m| m.locations().map(location_text).collect()).unwrap_or_default()
                    });
                    let row = ExportRow {
                        sha256: s.sha256.clone(),
                        date_unix: date,
                        from: s.from.clone(),
                        to: s.to.clone(),
                        subject: s.subject.clone(),
                        message_id: s.message_id.clone().unwrap_or_default(),
                        size: s.size,
                        attachment_count: s.attachment_count,
                        locations,
                        source_sha256: sources_of(id),
                        tags: a.tags,
                        starred: a.starred,
                        note: a.note,
                        ..ExportRow::default()
                    };
                    if format == ExportFormat::Csv { csv.push(&row).into_bytes() } else { jsonl.push(&row).into_bytes() }
                }
            };
            count(&chunk, &mut size);
            push(&chunk);
            if n % 200 == 199 {
                send(&Event::ExportProgress { done: n as u32 + 1, total });
                yield_now().await;
            }
        }
        match format {
            ExportFormat::Csv => {
                let tail = csv.finish();
                count(tail.as_bytes(), &mut size);
                push(tail.as_bytes());
            }
            ExportFormat::EmlZip => match zip.finish() {
                Ok(tail) => {
                    count(&tail, &mut size);
                    push(&tail);
                }
                Err(e) => {
                    send(&Event::Failed { text: format!("export stopped: {}", e.message) });
                    return;
                }
            },
            _ => {}
        }
        let written = total - unreadable;
        summary = crate::format::plural(written as u64, "message", "messages");
        if unreadable > 0 {
            summary.push_str(&format!("; {unreadable} could not be read again from their files"));
        }
        if format == ExportFormat::Mbox && mbox.altered() > 0 {
            summary.push_str(&format!(
                "; {} had no final line end and gained one (mbox needs it before the next From line)",
                mbox.altered()
            ));
        }
    }
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else {
        send(&Event::Failed { text: "the export could not be assembled".into() });
        return;
    };
    send(&Event::ExportProgress { done: total, total });
    let event = Event::ExportReady { name: format!("leakloupe-{suffix}"), url: String::new(), size, summary };
    let _ = crate::protocol::post_export(&super::scope(), &blob, &event);
}
