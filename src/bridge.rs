//! The UI's handle on the worker: spawns it, queues requests until it says it is ready, and turns
//! its messages into [`Event`]s for a callback.
//!
//! The page's bootstrap script (static/boot.js) provides `window.leakloupeSpawnWorker()`, which
//! knows whether the worker is a file next to the page (served build) or a Blob URL (single-file
//! build). Everything sent goes through [`crate::protocol`].

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, MessageEvent, Worker};

use crate::protocol::{self, Event, Request, SourceId};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = leakloupeSpawnWorker, catch)]
    fn spawn_worker() -> Result<Worker, JsValue>;
}

enum Pending {
    Files(SourceId, Vec<(File, String)>),
    Request(Request),
}

struct Inner {
    worker: Worker,
    ready: bool,
    pending: Vec<Pending>,
    next_source: SourceId,
}

/// The worker's `onmessage` and `onerror` closures.
type Handlers = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(web_sys::Event)>);

/// A cheap-to-clone handle on the worker.
#[derive(Clone)]
pub struct Bridge {
    inner: Rc<RefCell<Inner>>,
    // Kept alive as long as the bridge: the worker's message and error handlers.
    _handlers: Rc<Handlers>,
}

impl PartialEq for Bridge {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Bridge {
    /// Start the worker; `on_event` receives everything it says.
    pub fn spawn(on_event: impl Fn(Event) + 'static) -> Result<Bridge, String> {
        let worker = spawn_worker().map_err(|e| format!("the worker could not start: {e:?}"))?;
        let on_event = Rc::new(on_event);
        let inner = Rc::new(RefCell::new(Inner { worker: worker.clone(), ready: false, pending: Vec::new(), next_source: 0 }));

        let weak = Rc::downgrade(&inner);
        let ev_cb = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let event = protocol::decode_event(&ev.data()).unwrap_or_else(|text| Event::Failed { text });
            if matches!(event, Event::Ready) {
                if let Some(inner) = weak.upgrade() {
                    let pending = {
                        let mut i = inner.borrow_mut();
                        i.ready = true;
                        std::mem::take(&mut i.pending)
                    };
                    let worker = inner.borrow().worker.clone();
                    for p in pending {
                        let _ = match p {
                            Pending::Files(first, files) => protocol::post_files(&worker, first, &files),
                            Pending::Request(r) => protocol::post_request(&worker, &r),
                        };
                    }
                }
            }
            ev_cb(event);
        });
        let err_cb = on_event;
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let message = js_sys::Reflect::get(&ev, &"message".into()).ok().and_then(|m| m.as_string());
            err_cb(Event::Failed {
                text: format!("the worker stopped: {}", message.unwrap_or_else(|| "unknown error".into())),
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Bridge { inner, _handlers: Rc::new((on_message, on_error)) })
    }

    /// Hand files (each with its path relative to the drop) to the worker; returns the id given to
    /// the first one.
    pub fn add_files(&self, files: Vec<(File, String)>) -> SourceId {
        let mut i = self.inner.borrow_mut();
        let first = i.next_source;
        i.next_source += files.len() as SourceId;
        if i.ready {
            if let Err(e) = protocol::post_files(&i.worker, first, &files) {
                gloo::console::error!(format!("could not send files to the worker: {e:?}"));
            }
        } else {
            i.pending.push(Pending::Files(first, files));
        }
        first
    }

    /// Have the worker build the demo leak and read it like a drop; returns the id of its first file.
    pub fn load_demo(&self) -> SourceId {
        let first = {
            let mut i = self.inner.borrow_mut();
            let first = i.next_source;
            i.next_source += protocol::DEMO_FILES;
            first
        };
        self.request(Request::LoadDemo { first });
        first
    }

    /// Send a request to the worker.
    pub fn request(&self, request: Request) {
        let mut i = self.inner.borrow_mut();
        if i.ready {
            if let Err(e) = protocol::post_request(&i.worker, &request) {
                gloo::console::error!(format!("could not send a request to the worker: {e:?}"));
            }
        } else {
            i.pending.push(Pending::Request(request));
        }
    }
}
