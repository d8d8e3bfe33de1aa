// Leakloupe bootstrap: starts the app's wasm and knows how to spawn the worker.
// Two builds share this file (see crates/xtask):
//  - served build: app.js / app_bg.wasm / worker-boot.js are files next to index.html;
//  - single-file build (dist/leakloupe.html): window.LEAKLOUPE_EMBEDDED holds both wasm modules as base64
//    and the worker's glue sits in <script type="text/plain" id="ll-worker-glue">; the worker starts
//    from a Blob URL as a classic worker (module workers from blob: fail on file://).
// Nothing here fetches anything but the app's own files.
(function () {
  "use strict";
  var embedded = window.LEAKLOUPE_EMBEDDED || null;
  // Read the worker's glue now: Yew empties <body> when it mounts, and the glue element with it.
  var workerGlue = embedded ? document.getElementById("ll-worker-glue").textContent : null;

  function base64ToBytes(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // Called from Rust (src/bridge.rs) to start the one worker that owns the dropped files.
  window.leakloupeSpawnWorker = function () {
    if (embedded) {
      var src = workerGlue + "\n;(function(){var b=atob(" + JSON.stringify(embedded.workerWasm) + ");" +
        "var u=new Uint8Array(b.length);for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);" +
        "wasm_bindgen({module_or_path:u});})();\n";
      var url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
      return new Worker(url, { name: "leakloupe-worker" });
    }
    return new Worker("worker-boot.js", { name: "leakloupe-worker" });
  };

  // Called from Rust (src/components/app.rs) during a drop event: resolves to [[File, path], ...] for
  // everything dropped, walking dropped folders (Maildir, MH, exports) recursively. Directory entries
  // must be taken while the event is being dispatched, so this runs synchronously up to the first await.
  window.leakloupeCollectDrop = function (dataTransfer) {
    var roots = [];
    var loose = [];
    var items = dataTransfer && dataTransfer.items;
    if (items && items.length && typeof items[0].webkitGetAsEntry === "function") {
      for (var i = 0; i < items.length; i++) {
        var entry = items[i].kind === "file" ? items[i].webkitGetAsEntry() : null;
        if (entry) roots.push(entry);
        else if (items[i].kind === "file") { var f = items[i].getAsFile(); if (f) loose.push([f, f.name]); }
      }
    } else if (dataTransfer && dataTransfer.files) {
      for (var j = 0; j < dataTransfer.files.length; j++) loose.push([dataTransfer.files[j], dataTransfer.files[j].name]);
    }
    function fileOf(entry) {
      return new Promise(function (resolve) {
        entry.file(function (f) { resolve([[f, entry.fullPath.replace(/^\//, "")]]); }, function () { resolve([]); });
      });
    }
    function readAll(reader) {
      // readEntries returns at most ~100 entries per call: keep asking until it returns none.
      return new Promise(function (resolve) {
        var all = [];
        (function next() {
          reader.readEntries(function (batch) {
            if (!batch.length) return resolve(all);
            all = all.concat(Array.prototype.slice.call(batch));
            next();
          }, function () { resolve(all); });
        })();
      });
    }
    function walk(entry) {
      if (entry.isFile) return fileOf(entry);
      if (!entry.isDirectory) return Promise.resolve([]);
      return readAll(entry.createReader()).then(function (children) {
        children.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
        return Promise.all(children.map(walk)).then(function (lists) { return [].concat.apply([], lists); });
      });
    }
    return Promise.all(roots.map(walk)).then(function (lists) { return loose.concat([].concat.apply([], lists)); });
  };

  // The case store (tags, stars, notes, saved searches, DKIM keys): IndexedDB of this origin, one record per
  // source file keyed "case:<SHA-256 of the file>". Used by src/store.rs; nothing else is ever stored.
  // Every call resolves (never rejects): with no storage (a private window, file:// where the browser
  // refuses it) the app works and says the case is not kept.
  var DB = "leakloupe", STORE = "case";
  function openDb() {
    return new Promise(function (resolve) {
      var req;
      try { req = indexedDB.open(DB, 1); } catch (e) { resolve(null); return; }
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { resolve(null); };
      req.onblocked = function () { resolve(null); };
    });
  }
  function run(mode, fn) {
    return openDb().then(function (db) {
      if (!db) return null;
      return new Promise(function (resolve) {
        var tx = db.transaction(STORE, mode), out = { value: null };
        fn(tx.objectStore(STORE), out);
        tx.oncomplete = function () { db.close(); resolve(out.value); };
        tx.onerror = tx.onabort = function () { db.close(); resolve(null); };
      });
    });
  }
  window.leakloupeStore = {
    available: function () { return openDb().then(function (db) { if (db) db.close(); return !!db; }); },
    get: function (key) {
      return run("readonly", function (st, out) { var r = st.get(key); r.onsuccess = function () { out.value = r.result === undefined ? null : r.result; }; });
    },
    put: function (key, value) {
      return run("readwrite", function (st, out) { st.put(value, key); out.value = true; });
    },
    // [[key, size in bytes], ...]
    list: function () {
      return run("readonly", function (st, out) {
        out.value = [];
        var r = st.openCursor();
        r.onsuccess = function () {
          var c = r.result;
          if (!c) return;
          out.value.push([String(c.key), new Blob([c.value]).size]);
          c.continue();
        };
      }).then(function (v) { return v || []; });
    },
    forget: function () {
      return new Promise(function (resolve) {
        var req;
        try { req = indexedDB.deleteDatabase(DB); } catch (e) { resolve(false); return; }
        req.onsuccess = function () { resolve(true); };
        req.onerror = req.onblocked = function () { resolve(false); };
      });
    }
  };

  function fail(err) {
    var el = document.getElementById("boot-message");
    if (el) {
      el.textContent = "Leakloupe could not start: " + err + ". It needs a browser with WebAssembly.";
      el.className = "boot boot-error";
    }
  }

  var wasm = embedded ? base64ToBytes(embedded.appWasm) : "app_bg.wasm";
  wasm_bindgen({ module_or_path: wasm }).then(function () {
    var el = document.getElementById("boot-message");
    if (el) el.remove();
  }, fail);
})();
