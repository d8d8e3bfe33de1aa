//! The root component: owns the [`State`] reducer and the worker [`Bridge`], accepts files dropped
//! anywhere on the window, and lays out toolbar, list, reader and ingest log.

use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, KeyboardEvent};
use yew::prelude::*;

use crate::bridge::Bridge;
use crate::components::forensics::{ForensicsPanel, ReportSaver};
use crate::components::ingest_log::IngestLog;
use crate::components::message_list::MessageList;
use crate::components::case_panel::CasePanel;
use crate::components::demo_guide::DemoGuide;
use crate::components::details::DetailsPane;
use crate::components::message_list::focus_testid;
use crate::components::reader::ReaderPane;
use crate::components::splitter::{Resizes, Splitter};
use crate::components::toolbar::Toolbar;
use crate::protocol::{AnnotationChange, Event, ExportFormat, MessageId, Request};
use crate::store;
use crate::state::{Action, State};

/// How long the page holds back rows and progress before applying them with one render (see
/// `state::is_bulk`): ten renders a second at most while a file is read, fewer as the list grows (merging
/// rows into a list of millions takes a while): 1 ms more per 10,000 rows listed, up to half a second.
fn bulk_delay_ms(rows_listed: u64) -> u32 {
    u32::try_from(100 + rows_listed / 10_000).unwrap_or(u32::MAX).min(500)
}

/// Files from a `FileList` (picker), in order, each with its path: `webkitRelativePath` when a
/// folder was picked, else its name.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<(File, String)> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|f| {
            let rel = js_sys::Reflect::get(&f, &"webkitRelativePath".into()).ok().and_then(|v| v.as_string());
            let path = rel.filter(|p| !p.is_empty()).unwrap_or_else(|| f.name());
            (f, path)
        })
        .collect()
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// static/boot.js: everything dropped, folders walked, as `[[File, path], ...]`.
    #[wasm_bindgen(js_name = leakloupeCollectDrop)]
    fn collect_drop(data_transfer: &web_sys::DataTransfer) -> js_sys::Promise;
}

/// Everything a drop holds, folders included.
async fn dropped_files(dt: web_sys::DataTransfer) -> Vec<(File, String)> {
    let Ok(list) = wasm_bindgen_futures::JsFuture::from(collect_drop(&dt)).await else {
        return files_of(dt.files());
    };
    js_sys::Array::from(&list)
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            let file = pair.get(0).dyn_into::<File>().ok()?;
            let path = pair.get(1).as_string().unwrap_or_else(|| file.name());
            Some((file, path))
        })
        .collect()
}

/// List what the browser has stored, into the state.
fn refresh_stored(dispatcher: yew::UseReducerDispatcher<State>) {
    wasm_bindgen_futures::spawn_local(async move {
        let ok = store::available().await;
        let list = if ok { Some(store::list().await) } else { None };
        dispatcher.dispatch(Action::Stored(list, ok));
    });
}

/// What the page does with the case besides showing it: store what the worker hands over, and when a
/// file was read, give back the case kept for it (same SHA-256) from an earlier visit.
fn case_side_effects(ev: &Event, bridge: &Rc<std::cell::RefCell<Option<Bridge>>>, dispatcher: &yew::UseReducerDispatcher<State>) {
    match ev {
        Event::CaseStore(records) => {
            let records = records.clone();
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                for (key, value) in &records {
                    store::put(key, value).await;
                }
                refresh_stored(dispatcher);
            });
        }
        Event::SourceDone { sha256, .. } if !sha256.is_empty() => {
            let sha = sha256.clone();
            let bridge = bridge.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(json) = store::get(&format!("case:{sha}")).await {
                    if let Some(b) = bridge.borrow().as_ref() {
                        b.request(Request::LoadCase { json, origin: sha });
                    }
                }
            });
        }
        _ => {}
    }
}

/// The app.
#[component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let dragging = use_state(|| false);
    let help = use_state(|| false);

    // Keyboard: `/` focuses the search box, `?` shows the shortcut sheet, Escape closes it.
    {
        let help = help.clone();
        use_effect_with((), move |_| {
            let listener = EventListener::new(&gloo::utils::document(), "keydown", move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
                let typing = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
                match e.key().as_str() {
                    "Escape" => help.set(false),
                    _ if typing || e.ctrl_key() || e.meta_key() || e.alt_key() => {}
                    "/" => {
                        e.prevent_default();
                        if let Some(input) = gloo::utils::document()
                            .query_selector("[data-testid=search-input]")
                            .ok()
                            .flatten()
                            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = input.focus();
                        }
                    }
                    "?" => help.set(!*help),
                    _ => {}
                }
            });
            move || drop(listener)
        });
    }

    // The worker lives as long as the page.
    let bridge: Rc<Option<Bridge>> = {
        let dispatcher = state.dispatcher();
        let slot: Rc<std::cell::RefCell<Option<Bridge>>> = Rc::new(std::cell::RefCell::new(None));
        let spawned = use_memo((), move |_| {
            let inner = slot.clone();
            // Bulk events wait up to `bulk_delay_ms` and are applied together; any other event first
            // applies what waits, so the order is kept (see `state::is_bulk`).
            type Held = (Vec<crate::protocol::Event>, Option<gloo::timers::callback::Timeout>, u64);
            let held: Rc<std::cell::RefCell<Held>> = Rc::default();
            let spawned = Bridge::spawn(move |ev| {
                case_side_effects(&ev, &inner, &dispatcher);
                if crate::state::is_bulk(&ev) {
                    let mut h = held.borrow_mut();
                    if let crate::protocol::Event::Rows(r) = &ev {
                        h.2 += r.len() as u64;
                    }
                    h.0.push(ev);
                    if h.1.is_none() {
                        let delay = bulk_delay_ms(h.2);
                        let (held, dispatcher) = (held.clone(), dispatcher.clone());
                        h.1 = Some(gloo::timers::callback::Timeout::new(delay, move || {
                            let events = {
                                let mut h = held.borrow_mut();
                                h.1 = None;
                                std::mem::take(&mut h.0)
                            };
                            dispatcher.dispatch(Action::WorkerBatch(events, js_sys::Date::now()));
                        }));
                    }
                    return;
                }
                let waiting = {
                    let mut h = held.borrow_mut();
                    // Dropping the timeout cancels it.
                    h.1 = None;
                    std::mem::take(&mut h.0)
                };
                if !waiting.is_empty() {
                    dispatcher.dispatch(Action::WorkerBatch(waiting, js_sys::Date::now()));
                }
                dispatcher.dispatch(Action::Worker(ev, js_sys::Date::now()))
            });
            if let Ok(b) = &spawned {
                *slot.borrow_mut() = Some(b.clone());
            }
            spawned
        });
        let failure = spawned.as_ref().as_ref().err().cloned();
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            if let Some(text) = failure {
                dispatcher.dispatch(Action::Worker(crate::protocol::Event::Failed { text }, js_sys::Date::now()));
            }
        });
        Rc::new(spawned.as_ref().as_ref().ok().cloned())
    };

    let on_files = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |files: Vec<(File, String)>| {
            if files.is_empty() {
                return;
            }
            dispatcher.dispatch(Action::FilesGiven(files.len()));
            if let Some(b) = &*bridge {
                b.add_files(files);
            }
        })
    };

    let on_demo = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            if let Some(b) = &*bridge {
                dispatcher.dispatch(Action::DemoGiven);
                b.load_demo();
            }
        })
    };

    let on_select = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |id: MessageId| {
            dispatcher.dispatch(Action::Select(id));
            if let Some(b) = &*bridge {
                b.request(Request::Open { id });
            }
        })
    };

    // Drop anywhere on the window.
    {
        let on_files = on_files.clone();
        let dragging = dragging.clone();
        use_effect_with((), move |_| {
            let window = gloo::utils::window();
            let opts = EventListenerOptions::enable_prevent_default();
            let d1 = dragging.clone();
            let over = EventListener::new_with_options(&window, "dragover", opts, move |e| {
                e.prevent_default();
                if let Some(de) = e.dyn_ref::<DragEvent>() {
                    if let Some(dt) = de.data_transfer() {
                        dt.set_drop_effect("copy");
                    }
                }
                d1.set(true);
            });
            let d2 = dragging.clone();
            let leave = EventListener::new(&window, "dragleave", move |e| {
                // Leaving the window (no related target) ends the drag highlight.
                let related = js_sys::Reflect::get(e, &"relatedTarget".into()).ok();
                if related.map(|r| r.is_null() || r.is_undefined()).unwrap_or(true) {
                    d2.set(false);
                }
            });
            let d3 = dragging;
            let drop = EventListener::new_with_options(&window, "drop", opts, move |e| {
                e.prevent_default();
                d3.set(false);
                if let Some(dt) = e.dyn_ref::<DragEvent>().and_then(|de| de.data_transfer()) {
                    let on_files = on_files.clone();
                    // Folder entries are taken now, during the event; reading them is asynchronous.
                    let pending = dropped_files(dt);
                    wasm_bindgen_futures::spawn_local(async move { on_files.emit(pending.await) });
                }
            });
            move || drop_all((over, leave, drop))
        });
    }

    let on_cancel = {
        let bridge = bridge.clone();
        Callback::from(move |_| {
            if let Some(b) = &*bridge {
                b.request(Request::Cancel);
            }
        })
    };

    let on_search = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |query: String| {
            if query.trim().is_empty() {
                dispatcher.dispatch(Action::ClearSearch);
            }
            if let Some(b) = &*bridge {
                b.request(Request::Search { query });
            }
        })
    };

    // Once the index is complete, an empty query fetches the overview facets of everything.
    {
        let bridge = bridge.clone();
        let (indexed, total) = state.index_progress;
        let searching = state.search.is_some();
        use_effect_with((indexed, total), move |_| {
            if total > 0 && indexed == total && !searching {
                if let Some(b) = &*bridge {
                    b.request(Request::Search { query: String::new() });
                }
            }
        });
    }

    // A facet click narrows the current query by one field.
    let on_facet = {
        let on_search = on_search.clone();
        let current = state.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
        Callback::from(move |(field, value): (String, String)| {
            let value = if value.contains(char::is_whitespace) { format!("\"{value}\"") } else { value };
            let query = format!("{} {field}:{value}", current.trim()).trim().to_string();
            set_search_box(&query);
            on_search.emit(query);
        })
    };

    // Forensics: the dump-wide view, its searches, edit bursts and the selection report.
    let on_toggle_forensics = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::ToggleForensics))
    };
    let on_forensics_tab = {
        let dispatcher = state.dispatcher();
        Callback::from(move |tab| dispatcher.dispatch(Action::ForensicsTab(tab)))
    };
    // Run a query the page chose (a finding, an exercise), showing it in the search box.
    let on_forensic_search = {
        let on_search = on_search.clone();
        Callback::from(move |query: String| {
            set_search_box(&query);
            on_search.emit(query);
        })
    };
    let on_bursts = {
        let bridge = bridge.clone();
        Callback::from(move |(min_docs, window_minutes): (u32, u32)| {
            if let Some(b) = &*bridge {
                b.request(Request::EditBursts { min_docs, window_minutes });
            }
        })
    };
    let hits = state.search.as_ref().and_then(|s| s.hits.clone());
    let listed = hits.as_ref().map_or(state.rows.len(), |h| h.len());
    let on_report = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        let title = state.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
        let rows = state.rows.clone();
        Callback::from(move |_| {
            if let Some(b) = &*bridge {
                // The listed messages in list (date) order.
                let listed: Vec<MessageId> =
                    rows.borrow().iter().filter(|r| hits.as_ref().is_none_or(|h| h.contains(&r.id))).map(|r| r.id).collect();
                dispatcher.dispatch(Action::ReportRequested);
                let ids = listed.iter().copied().take(crate::report::REPORT_LIMIT).collect();
                b.request(Request::Report { ids, total: u32::try_from(listed.len()).unwrap_or(u32::MAX), title: title.clone() });
            }
        })
    };
    let on_report_saved = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::ReportSaved))
    };

    let on_toggle_threads = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::ToggleThreads))
    };

    let on_toggle_raw = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::ToggleRaw))
    };
    let on_dismiss = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::DismissAlert))
    };

    // Pane widths (list, details) in CSS px once the user drags a splitter; `None` = the default proportions.
    let widths = use_state(|| (None::<f64>, None::<f64>));
    let workspace = use_node_ref();
    {
        let workspace = workspace.clone();
        use_effect_with((*widths, state.files.is_empty()), move |((list, details), _)| {
            if let Some(el) = workspace.cast::<web_sys::HtmlElement>() {
                // The defaults are shares of the workspace (what static/style.css also says), so a reset is exact.
                let col = |w: &Option<f64>, share: f64| {
                    w.map_or_else(|| format!("calc((100% - 12px) * {share})"), |w| format!("{w}px"))
                };
                let columns = format!("{} 6px minmax(200px, 1fr) 6px {}", col(list, 0.45), col(details, 0.22));
                let _ = el.style().set_property("grid-template-columns", &columns);
            }
        });
    }
    let on_resize_list = {
        let widths = widths.clone();
        Callback::from(move |w: Option<f64>| widths.set((w, widths.1)))
    };
    let on_resize_details = {
        let widths = widths.clone();
        Callback::from(move |w: Option<f64>| widths.set((widths.0, w)))
    };
    let on_reader_key = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Escape" {
            focus_testid("message-list");
        }
    });

    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| refresh_stored(dispatcher));
    }
    let on_annotate = {
        let bridge = bridge.clone();
        Callback::from(move |(id, sha256, change): (MessageId, String, AnnotationChange)| {
            if let Some(b) = &*bridge {
                b.request(Request::Annotate { id, sha256, change });
            }
        })
    };
    // The messages an export or a report covers: the list as it stands (the search's hits, in list order).
    let current_ids = {
        let rows = state.rows.clone();
        let search = state.search.clone();
        move || -> Vec<MessageId> {
            let hits = search.as_ref().and_then(|s| s.hits.clone());
            rows.borrow().iter().map(|r| r.id).filter(|id| hits.as_ref().is_none_or(|h| h.contains(id))).collect()
        }
    };
    let on_export = {
        let bridge = bridge.clone();
        Callback::from(move |format: ExportFormat| {
            if let Some(b) = &*bridge {
                let ids = if format == ExportFormat::Case { Vec::new() } else { current_ids() };
                b.request(Request::Export { format, ids });
            }
        })
    };
    let on_save_search = {
        let bridge = bridge.clone();
        Callback::from(move |(name, query): (String, Option<String>)| {
            if let Some(b) = &*bridge {
                b.request(Request::SaveSearch { name, query });
            }
        })
    };
    let on_forget = {
        let bridge = bridge.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |_: ()| {
            let bridge = bridge.clone();
            let dispatcher = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                store::forget().await;
                if let Some(b) = &*bridge {
                    b.request(Request::ForgetCase);
                }
                refresh_stored(dispatcher);
            });
        })
    };
    let on_toggle_case = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: ()| dispatcher.dispatch(Action::ToggleCase))
    };

    let on_verify_edit = {
        let bridge = bridge.clone();
        Callback::from(move |(id, raw, at): (MessageId, String, Option<i64>)| {
            if let Some(b) = &*bridge {
                b.request(Request::VerifyEdited { id, raw, at });
            }
        })
    };
    let on_toggle_guide = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: ()| dispatcher.dispatch(Action::ToggleGuide))
    };
    let lessons = use_memo((), |_| crate::protocol::demo_lessons());
    // The query of the exercise just shown, until its answer arrives: then its first message opens, so the
    // evidence is on screen at once.
    let lesson_pending = use_mut_ref(|| None::<String>);
    let on_lesson = {
        let dispatcher = state.dispatcher();
        let run = on_forensic_search.clone();
        let lessons = lessons.clone();
        let pending = lesson_pending.clone();
        Callback::from(move |i: usize| {
            if let Some(l) = lessons.get(i) {
                *pending.borrow_mut() = Some(l.query.to_string());
                run.emit(l.query.to_string());
                dispatcher.dispatch(Action::LessonShown(i));
            }
        })
    };
    {
        let pending = lesson_pending.clone();
        let on_select = on_select.clone();
        let rows = state.rows.clone();
        let search = state.search.clone();
        let serial = search.as_ref().map_or(0, |s| s.serial);
        use_effect_with(serial, move |_| {
            let answered = search.as_ref().filter(|s| pending.borrow().as_deref() == Some(s.query.as_str()));
            if let Some(hits) = answered.and_then(|s| s.hits.clone()) {
                *pending.borrow_mut() = None;
                let first = rows.borrow().iter().map(|r| r.id).find(|id| hits.contains(id));
                if let Some(id) = first {
                    on_select.emit(id);
                }
            }
        });
    }

    let empty = state.files.is_empty();
    html! {
        <div class={classes!("app", dragging.then_some("dragging"))}>
            <Toolbar phase={state.phase} bytes_done={state.bytes_done} bytes_total={state.bytes_total}
                messages={state.message_count()} files={state.files.len()} rate={state.rate()} eta={state.eta_seconds()}
                copies={state.copies} worker_memory={state.worker_memory} index_memory={state.index_memory} index_stopped={state.index_stopped.clone()} search={state.search.clone()} on_search={on_search.clone()}
                index_progress={state.index_progress} on_case={on_toggle_case.clone()} case_open={state.case.open}
                forensics_open={state.forensics.open} forensics_count={state.forensics.view.as_ref().map(|v| v.findings.len())}
                on_forensics={on_toggle_forensics.clone()}
                guide_available={state.guide.available} guide_open={state.guide.open} on_guide={on_toggle_guide.clone()}
                on_files={on_files.clone()} on_cancel={on_cancel} />
            <ReportSaver report={state.forensics.report.clone()} on_saved={on_report_saved} />
            if let Some(alert) = &state.alert {
                <div class="alert" role="alert">
                    <span>{ alert.clone() }</span>
                    <button class="link" onclick={on_dismiss}>{ "Dismiss" }</button>
                </div>
            }
            if empty {
                <main class="welcome">
                    <div class="welcome-card">
                        <h1>{ "Drop a leak here" }</h1>
                        <p>{ "Drop mail anywhere on this window: .eml, mbox, Apple Mail .emlx, Outlook .msg, Maildir and MH folders, and zip, tar or .gz archives of them. Or use " }<strong>{ "Open files…" }</strong>{ " or " }<strong>{ "Open folder…" }</strong>{ " above." }</p>
                        <p class="hint">{ "To verify DKIM signatures offline, drop a text file of the signers' DNS key records with the mail." }</p>
                        <p class="privacy">{ "Everything happens inside this browser tab. No file, message or search ever leaves this machine: the page is not allowed to contact any server." }</p>
                        <p class="hint">{ "Select a message, then use ↑ and ↓ to move through the list." }</p>
                        <div class="demo-offer">
                            <p>{ "Learning or teaching leak analysis? The demo leak is an invented port authority's mail, built inside this browser, with a guide of exercises: signatures that hold and one that breaks, a planted message, a spreadsheet edited under another name." }</p>
                            <button class="button primary" data-testid="load-demo" onclick={on_demo}>{ "Open the demo leak" }</button>
                        </div>
                    </div>
                </main>
            } else {
                if !state.facets.is_empty() {
                    <div class="facets-bar" aria-label="Facets">
                    { for state.facets.iter().map(|f| html! {
                        <div class="facet-group">
                            <span class="facet-name">{ f.name.clone() }</span>
                            { for f.values.iter().map(|(value, count)| {
                                let pick = { let on_facet = on_facet.clone(); let (field, value) = (f.field.clone(), value.clone()); Callback::from(move |_| on_facet.emit((field.clone(), value.clone()))) };
                                html! {
                                    <button class="chip" data-testid="facet" data-facet={f.field.clone()} data-value={value.clone()} onclick={pick}
                                        title={format!("Narrow to {}:{}", f.field, value)}>
                                        { value.clone() }<span class="chip-count">{ count }</span>
                                    </button>
                                }
                            }) }
                        </div>
                    }) }
                    </div>
                }
                <main class="workspace" ref={workspace}>
                    <section class="list-pane" aria-label="Messages">
                        <MessageList rows={state.rows.clone()} selected={state.selected} on_select={on_select.clone()}
                            threads={state.threads.clone()} thread_view={state.thread_view} on_toggle_threads={on_toggle_threads}
                            filter={state.search.as_ref().and_then(|s| s.hits.clone())}
                            filter_serial={state.search.as_ref().map_or(0, |s| s.serial)} annotations={state.case.annotations.clone()}
                            terms={state.search.as_ref().map(|s| s.terms.clone()).unwrap_or_default()} />
                    </section>
                    <Splitter testid="splitter-list" label="Resize the message list" resizes={Resizes::Before} on_resize={on_resize_list} />
                    if state.forensics.open {
                        // Over the reader and details; the list and its divider stay.
                        <section class="forensics-pane" aria-label="Forensics" data-testid="forensics-pane">
                            <ForensicsPanel state={state.forensics.clone()} rows={state.rows.clone()} index_progress={state.index_progress}
                                query={state.search.as_ref().map(|s| s.query.clone())} listed={listed}
                                on_search={on_forensic_search} on_select={on_select.clone()} on_tab={on_forensics_tab}
                                on_close={on_toggle_forensics} on_bursts={on_bursts} on_report={on_report} />
                        </section>
                    } else {
                    <section class="reader-pane" aria-label="Reader" tabindex="-1" data-testid="reader-pane" onkeydown={on_reader_key}>
                        <ReaderPane reader={state.reader.clone()} show_raw={state.show_raw} on_toggle_raw={on_toggle_raw} on_select={on_select.clone()} />
                    </section>
                    <Splitter testid="splitter-details" label="Resize the details pane" resizes={Resizes::After} on_resize={on_resize_details} />
                    <section class="details-pane" aria-label="Details" data-testid="details-pane">
                        <DetailsPane reader={state.reader.clone()} on_select={on_select.clone()}
                            annotation={state.selected.and_then(|id| state.case.annotations.get(&id).cloned()).unwrap_or_default()}
                            on_annotate={on_annotate} forensics={state.forensics.view.clone()}
                            experiment={state.experiment.as_ref().filter(|(id, _)| state.selected == Some(*id)).map(|(_, d)| d.clone())}
                            on_verify_edit={on_verify_edit} />
                    </section>
                    }
                </main>
                if state.case.open {
                    <CasePanel case={state.case.clone()} query={state.search.as_ref().map(|s| s.query.clone()).unwrap_or_default()}
                        result_count={state.search.as_ref().and_then(|s| s.hits.as_ref().map(|h| h.len())).unwrap_or(state.rows.len())}
                        on_export={on_export} on_save_search={on_save_search} on_search={on_search.clone()} on_forget={on_forget}
                        on_close={on_toggle_case.clone()} />
                }
                if state.guide.open {
                    <DemoGuide lessons={(*lessons).clone()} current={state.guide.current} on_show={on_lesson}
                        on_close={on_toggle_guide.clone()} />
                }
                <IngestLog files={state.files.clone()} rows={state.rows.clone()} />
            }
            <div class="drop-overlay" aria-hidden="true"><div>{ "Drop to open — nothing is uploaded" }</div></div>
            if *help {
                <div class="help-sheet" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcut-sheet"
                    onclick={{ let help = help.clone(); Callback::from(move |_| help.set(false)) }}>
                    <div class="help-card">
                        <h2>{ "Keyboard" }</h2>
                        <dl>
                            <dt>{ "↓ / j, ↑ / k" }</dt><dd>{ "next / previous message" }</dd>
                            <dt>{ "Page Down / Page Up" }</dt><dd>{ "a screen further / back" }</dd>
                            <dt>{ "Home / End" }</dt><dd>{ "first / last message" }</dd>
                            <dt>{ "Enter" }</dt><dd>{ "read the selected message (keyboard focus moves to the reader; Esc comes back)" }</dd>
                            <dt>{ "← / → on a divider" }</dt><dd>{ "resize the panes (Shift: faster; double-click resets)" }</dd>
                            <dt>{ "/" }</dt><dd>{ "search (Enter runs the query)" }</dd>
                            <dt>{ "?" }</dt><dd>{ "this sheet" }</dd>
                            <dt>{ "Esc" }</dt><dd>{ "close it" }</dd>
                        </dl>
                        <h2>{ "Search" }</h2>
                        <p>{ "words  \"exact phrase\"  -word  a OR b  (…)  from:  to:  cc:  subject:  filename:  domain:  has:attachment  has:html  before:2017-05-01  after:  on:  larger:1M  smaller:" }</p>
                    </div>
                </div>
            }
        </div>
    }
}

fn drop_all<T>(_listeners: T) {}

/// Put a query in the search box (a facet or a finding was clicked).
fn set_search_box(query: &str) {
    if let Some(input) = gloo::utils::document()
        .query_selector("[data-testid=search-input]")
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value(query);
    }
}

