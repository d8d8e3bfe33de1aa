// Leakloupe worker bootstrap for the served build: load the worker's wasm-bindgen glue and start it.
// (The single-file build builds the same thing from a Blob URL in static/boot.js.)
importScripts("worker.js");
wasm_bindgen({ module_or_path: "worker_bg.wasm" });
