//! The page's side of the case store: thin async wrappers over `window.leakloupeStore` (static/boot.js),
//! an IndexedDB store of this origin holding one record per source file ("case:<SHA-256>"). Only what the
//! worker hands over in `Event::CaseStore` is stored; "Forget everything" deletes the whole database.
//! IndexedDB is driven from JavaScript because its request/callback API is far shorter there than through
//! web-sys closures, and every call here resolves even when storage is refused.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = leakloupeStore, js_name = get)]
    fn store_get(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = leakloupeStore, js_name = put)]
    fn store_put(key: &str, value: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = leakloupeStore, js_name = list)]
    fn store_list() -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = leakloupeStore, js_name = forget)]
    fn store_forget() -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = leakloupeStore, js_name = available)]
    fn store_available() -> js_sys::Promise;
}

/// The stored value under `key`, if any.
pub async fn get(key: &str) -> Option<String> {
    JsFuture::from(store_get(key)).await.ok().and_then(|v| v.as_string())
}

/// Store `value` under `key`; false when storage is refused.
pub async fn put(key: &str, value: &str) -> bool {
    JsFuture::from(store_put(key, value)).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Every stored record: (key, size in bytes).
pub async fn list() -> Vec<(String, u64)> {
    let Ok(v) = JsFuture::from(store_list()).await else { return Vec::new() };
    js_sys::Array::from(&v)
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1).as_f64().unwrap_or(0.0) as u64))
        })
        .collect()
}

/// Delete everything stored; false when the browser refused.
pub async fn forget() -> bool {
    JsFuture::from(store_forget()).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Whether this browser lets the page store anything.
pub async fn available() -> bool {
    JsFuture::from(store_available()).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}
