//! Browser harness for the end-to-end tests: a recording proxy that is also the app server,
//! chromedriver + headless Chromium wired to that proxy, and helpers to read the page.
//!
//! Every http(s) request Chromium makes (loopback included, see `--proxy-bypass-list=<-loopback>`)
//! reaches [`Proxy`]. Requests for the app's own origin are served from `dist/`; anything else
//! (other hosts, `CONNECT` tunnels for https/wss, requests made straight to the app port) is
//! answered 403 and recorded as a violation. Each test ends by asserting that no violation,
//! no Content-Security-Policy violation event and no console error occurred.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One browser at a time: the machines have two cores and Chromium is heavy.
static BROWSER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static COUNTER: AtomicUsize = AtomicUsize::new(0);

// ---------------------------------------------------------------------------------------------
// Paths

/// The workspace root (this test belongs to the root package).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `$LEAKLOUPE_DIST`, else `<workspace>/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("LEAKLOUPE_DIST").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("dist"))
}

/// The build output, checked: the tests fail (never pass silently) when it is missing.
pub fn require_dist() -> PathBuf {
    let dist = dist_dir();
    for f in ["index.html", "leakloupe.html"] {
        assert!(
            dist.join(f).is_file(),
            "{} is missing: run `make dist` first (or point LEAKLOUPE_DIST at a build)",
            dist.join(f).display()
        );
    }
    dist.canonicalize().expect("canonicalize dist")
}

/// `$LEAKLOUPE_ARTIFACTS`, else `<workspace>/tests/artifacts` (gitignored).
pub fn artifacts_dir() -> PathBuf {
    let d = std::env::var_os("LEAKLOUPE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("tests").join("artifacts"));
    std::fs::create_dir_all(&d).expect("create artifacts dir");
    d
}

fn fresh_temp_dir(what: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let d = std::env::temp_dir().join(format!("leakloupe-e2e-{what}-{}-{n}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// The Content-Security-Policy of `dist/index.html`'s `<meta http-equiv>` tag.
pub fn meta_csp(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<meta") {
        let start = from + i;
        let end = start + lower[start..].find('>')?;
        let tag = &html[start..end];
        let tag_l = &lower[start..end];
        if tag_l.contains("content-security-policy") {
            let ci = tag_l.find("content=")? + "content=".len();
            let rest = &tag[ci..];
            let quote = rest.chars().next()?;
            let value = if quote == '"' || quote == '\'' {
                let r = &rest[1..];
                &r[..r.find(quote)?]
            } else {
                rest.split_whitespace().next()?
            };
            let v = value
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&apos;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            return Some(v);
        }
        from = end;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Recording proxy / app server

/// One request the proxy answered for the app origin.
#[derive(Clone, Debug)]
pub struct Served {
    pub method: String,
    pub path: String,
    pub status: u16,
}

#[derive(Default, Debug)]
pub struct Records {
    /// App-origin requests served from dist/ (the "allowed" list).
    pub served: Vec<Served>,
    /// Everything that tried to leave the app origin ("[+seconds since proxy start] request").
    pub violations: Vec<String>,
    /// Requests of Chromium's own services (sign-in, component updater), which the harness points
    /// at `*.browser.leakloupe-e2e.invalid` by command-line switches; refused, printed, not failures.
    pub browser_services: Vec<String>,
    started: Option<Instant>,
}

impl Records {
    fn violation(&mut self, what: String) {
        let t = self.started.map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0);
        self.violations.push(format!("[+{t:.2}s] {what}"));
    }
}

#[derive(Clone)]
pub struct Proxy {
    pub port: u16,
    pub app_port: u16,
    pub records: Arc<Mutex<Records>>,
}

impl Proxy {
    /// `http://127.0.0.1:<app port>`
    pub fn app_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.app_port)
    }
    pub fn violations(&self) -> Vec<String> {
        self.records.lock().unwrap().violations.clone()
    }
    pub fn served(&self) -> Vec<Served> {
        self.records.lock().unwrap().served.clone()
    }
}

struct ServeConfig {
    dist: Option<PathBuf>,
    csp: Option<String>,
    app_authority: String,
}

/// Starts the proxy (and reserves the app port, which must never be contacted directly).
pub async fn start_proxy(dist: Option<PathBuf>) -> Proxy {
    let proxy_l = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let app_l = TcpListener::bind("127.0.0.1:0").await.expect("bind app port");
    let port = proxy_l.local_addr().unwrap().port();
    let app_port = app_l.local_addr().unwrap().port();
    let csp = dist.as_ref().map(|d| {
        let html = std::fs::read_to_string(d.join("index.html")).expect("read dist/index.html");
        meta_csp(&html).expect("dist/index.html has no <meta http-equiv=\"Content-Security-Policy\">")
    });
    let records = Arc::new(Mutex::new(Records { started: Some(Instant::now()), ..Records::default() }));
    let cfg = Arc::new(ServeConfig { dist, csp, app_authority: format!("127.0.0.1:{app_port}") });

    let rec = records.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = proxy_l.accept().await {
            let rec = rec.clone();
            let cfg = cfg.clone();
            tokio::spawn(async move {
                let _ = handle_proxy_conn(sock, rec, cfg).await;
            });
        }
    });
    let rec = records.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, peer)) = app_l.accept().await {
            rec.lock().unwrap().violation(format!(
                "direct connection to the app port from {peer} (bypassed the proxy)"
            ));
            let _ = sock
                .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    Proxy { port, app_port, records }
}

async fn handle_proxy_conn(sock: TcpStream, rec: Arc<Mutex<Records>>, cfg: Arc<ServeConfig>) -> std::io::Result<()> {
    let mut reader = BufReader::new(sock);
    loop {
        // Request line.
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        // Headers.
        let mut content_length = 0usize;
        let mut close = false;
        let mut chunked = false;
        let mut app_ids = String::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let hl = h.to_ascii_lowercase();
            if hl.starts_with("x-goog-update-appid:") || hl.starts_with("x-goog-update-updater:") {
                app_ids.push_str(h.split_once(':').map(|x| x.1.trim()).unwrap_or(""));
                app_ids.push(' ');
            }
            if let Some(v) = hl.strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            } else if hl.starts_with("connection:") || hl.starts_with("proxy-connection:") {
                close |= hl.contains("close");
            } else if hl.starts_with("transfer-encoding:") && hl.contains("chunked") {
                chunked = true;
            }
        }
        if content_length > 0 {
            let mut body = vec![0u8; content_length];
            reader.read_exact(&mut body).await?;
        }

        let forbid = |why: String| {
            rec.lock().unwrap().violation(why);
        };
        let sock = reader.get_mut();
        let host = target.trim_start_matches("http://").split(['/', ':']).next().unwrap_or("").to_ascii_lowercase();
        if host.ends_with(BROWSER_SERVICES_DOMAIN) || BROWSER_SERVICE_HOSTS.contains(&host.as_str()) {
            rec.lock().unwrap().browser_services.push(format!("{method} {target}"));
            sock.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await?;
            return Ok(());
        }
        if method.eq_ignore_ascii_case("CONNECT") {
            forbid(format!("CONNECT {target}"));
            sock.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await?;
            return Ok(());
        }
        let Some(rest) = target.strip_prefix("http://") else {
            forbid(format!("{method} {target} (not an absolute http:// URL: request made to the proxy as a server)"));
            sock.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await?;
            return Ok(());
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority != cfg.app_authority || cfg.dist.is_none() {
            if app_ids.is_empty() {
                forbid(format!("{method} {target}"));
            } else {
                forbid(format!("{method} {target} (browser updater: {})", app_ids.trim()));
            }
            let body = b"blocked by the leakloupe e2e recording proxy";
            let head = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(body).await?;
        } else {
            let (status, ctype, body) = serve_file(cfg.dist.as_deref().unwrap(), &method, path);
            let path_only = path.split(['?', '#']).next().unwrap_or("/").to_string();
            rec.lock().unwrap().served.push(Served { method: method.clone(), path: path_only, status });
            let reason = match status {
                200 => "OK",
                404 => "Not Found",
                405 => "Method Not Allowed",
                _ => "Forbidden",
            };
            let mut head = format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
                 Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
                if method == "HEAD" { 0 } else { body.len() }
            );
            if let Some(csp) = &cfg.csp {
                head.push_str(&format!("Content-Security-Policy: {csp}\r\n"));
            }
            if close || chunked {
                head.push_str("Connection: close\r\n");
            }
            head.push_str("\r\n");
            sock.write_all(head.as_bytes()).await?;
            if method != "HEAD" {
                sock.write_all(&body).await?;
            }
        }
        sock.flush().await?;
        if close || chunked {
            return Ok(());
        }
    }
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn serve_file(dist: &Path, method: &str, path: &str) -> (u16, &'static str, Vec<u8>) {
    if method != "GET" && method != "HEAD" {
        return (405, "text/plain", b"method not allowed".to_vec());
    }
    let p = path.split(['?', '#']).next().unwrap_or("/");
    let rel = p.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') { format!("{rel}index.html") } else { rel.to_string() };
    if rel.split('/').any(|c| c == ".." || c.is_empty() || c.contains('\\') || c.contains('%')) {
        return (403, "text/plain", b"bad path".to_vec());
    }
    match std::fs::read(dist.join(&rel)) {
        Ok(b) => (200, content_type(&rel), b),
        Err(_) => (404, "text/plain", b"not found".to_vec()),
    }
}

// ---------------------------------------------------------------------------------------------
// Browser session

/// What a scenario gets: the WebDriver client plus the recorders.
#[derive(Clone)]
pub struct Ctx {
    pub client: Client,
    pub proxy: Proxy,
    pub download_dir: PathBuf,
    pub dist: Option<PathBuf>,
    driver_port: u16,
    session_id: String,
}

/// Hosts only Chromium's own background services use, which no switch silences in some Debian builds
/// (seen with Chromium 148): GCM's device check-in and the component/model download redirector. They
/// are refused like every other host (nothing leaves the machine) and printed, but not counted as the
/// app's: the page cannot reach any host at all (its CSP forbids it, and a CSP violation in the page
/// fails every test), and no page behaviour could make Chromium call these two.
const BROWSER_SERVICE_HOSTS: &[&str] = &["android.clients.google.com", "redirector.gvt1.com"];

/// Where the harness points Chromium's own network services (see [`Records::browser_services`]).
const BROWSER_SERVICES_DOMAIN: &str = ".browser.leakloupe-e2e.invalid";

/// Browser features that phone home on their own (not the app): off.
const QUIET_FEATURES: &[&str] = &[
    "OptimizationHints",
    "OptimizationHintsFetching",
    "OptimizationGuideModelDownloading",
    "OptimizationTargetPrediction",
    "Translate",
    "MediaRouter",
    "DialMediaRouteProvider",
    "NetworkTimeServiceQuerying",
    "AutofillServerCommunication",
    "CertificateTransparencyComponentUpdater",
    "InterestFeedContentSuggestions",
    "PrivacySandboxSettings4",
    "Fledge",
    "ComponentUpdater",
    // Chromium ≥ 14x: the omnibox's AI-mode eligibility fetch (https://www.google.com/async/folae) at startup,
    // and the preconnect to the default search engine.
    "AimEnabled",
    "AimServerRequestOnStartupEnabled",
    "PreconnectToSearch",
];

/// The Chromium binary itself: Debian's /usr/bin/chromium wrapper adds Google API keys and
/// `--enable-remote-extensions`, which make the browser phone home.
fn default_chrome() -> String {
    for c in ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if Path::new(c).exists() {
            return c.to_string();
        }
    }
    "chromium".into()
}

/// Runs in every new document before the page's own scripts: records CSP violations and errors.
const PAGE_RECORDER: &str = r#"(function () {
  if (window.__ll_violations) return;
  window.__ll_violations = [];
  window.__ll_errors = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__ll_violations.push({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI,
      source: e.sourceFile, line: e.lineNumber, sample: e.sample, disposition: e.disposition });
  }, true);
  window.addEventListener('error', function (e) {
    var t = e.target && e.target !== window && e.target.tagName ? ' on <' + e.target.tagName.toLowerCase() + '> ' +
      (e.target.src || e.target.href || '') : '';
    window.__ll_errors.push('error: ' + (e.message || e.type) + t + (e.filename ? ' @' + e.filename + ':' + e.lineno : ''));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason; window.__ll_errors.push('unhandledrejection: ' + String(r && (r.stack || r.message) || r));
  });
})();"#;

/// The host the canary requests; nothing else may show up as a violation in the canary test.
pub const CANARY_HOST: &str = "leakloupe-canary.invalid";

/// What a test expects the recorders to hold at the end.
pub enum Expect {
    /// No proxy violation, no CSP violation event, no page error, no console error.
    Clean,
    /// Canary: each of these substrings must appear among the proxy violations, and every
    /// violation must concern [`CANARY_HOST`] (the browser itself stays quiet).
    ProxyViolations(Vec<&'static str>),
}

/// Starts proxy + chromedriver + Chromium, runs `scenario`, tears everything down, then checks
/// the recorders. Panics in the scenario are re-raised after teardown.
pub async fn with_browser<F, Fut>(label: &str, dist: Option<PathBuf>, expect: Expect, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let _guard = BROWSER_LOCK.lock().await;
    let t0 = Instant::now();
    let proxy = start_proxy(dist.clone()).await;
    let profile = fresh_temp_dir("profile");
    let download_dir = fresh_temp_dir("downloads");

    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chrome = std::env::var("CHROME").unwrap_or_else(|_| default_chrome());
    let driver_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut driver = tokio::process::Command::new(&chromedriver);
    driver.arg(format!("--port={driver_port}"));
    if let Some(log) = std::env::var_os("LEAKLOUPE_DRIVER_LOG") {
        // Debugging aid: chromedriver's verbose log (includes Chromium's command line).
        driver.arg("--verbose").arg(format!("--log-path={}", PathBuf::from(log).display()));
    }
    let mut driver = driver
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start chromedriver {chromedriver}: {e} (set $CHROMEDRIVER)"));
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", driver_port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on port {driver_port} within 15 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-default-apps".into(),
        "--disable-dev-shm-usage".into(),
        "--window-size=1400,900".into(),
        // Quiet the browser's own services, so that every request the proxy sees is the app's.
        "--disable-extensions".into(),
        "--disable-component-extensions-with-background-pages".into(),
        "--disable-client-side-phishing-detection".into(),
        "--disable-domain-reliability".into(),
        "--disable-breakpad".into(),
        "--disable-pings".into(),
        "--metrics-recording-only".into(),
        "--no-pings".into(),
        "--password-store=basic".into(),
        "--use-mock-keychain".into(),
        "--disable-search-engine-choice-screen".into(),
        format!("--disable-features={}", QUIET_FEATURES.join(",")),
        // Two services ignore the switches above; send them to a host the proxy knows is the browser's.
        format!("--gaia-url=http://gaia{BROWSER_SERVICES_DOMAIN}/"),
        format!("--component-updater=url-source=http://updater{BROWSER_SERVICES_DOMAIN}/service/update2/json"),
        format!("--user-data-dir={}", profile.display()),
        format!("--proxy-server=http://127.0.0.1:{}", proxy.port),
        "--proxy-bypass-list=<-loopback>".into(),
    ];
    let mut args = args;
    if let Ok(extra) = std::env::var("LEAKLOUPE_EXTRA_ARGS") {
        args.extend(extra.split_whitespace().map(String::from));
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chrome,
            "args": args,
            "prefs": {
                "download.default_directory": download_dir.display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "safebrowsing.enabled": false,
                "net.network_prediction_options": 2,
                "search.suggest_enabled": false,
                "signin.allowed": false,
                "alternate_error_pages.enabled": false,
                "credentials_enable_service": false,
                "default_search_provider.enabled": false,
                // Start on about:blank, not Debian's third-party (DuckDuckGo) new tab page.
                "session.restore_on_startup": 4,
                "session.startup_urls": ["about:blank"],
                "homepage": "about:blank",
                "homepage_is_newtabpage": false
            }
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .unwrap_or_else(|e| panic!("cannot open a Chromium session ({chrome}) via chromedriver: {e}"));
    let session_id = client.session_id().await.ok().flatten().expect("session id");
    let ctx = Ctx { client: client.clone(), proxy: proxy.clone(), download_dir: download_dir.clone(), dist, driver_port, session_id };

    // Recorder in every new document, before the app's scripts run.
    let cdp = ctx
        .driver_post("goog/cdp/execute", json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": PAGE_RECORDER}}))
        .await;
    assert!(cdp.get("value").map(|v| v.get("error").is_none()).unwrap_or(false), "CDP injection failed: {cdp}");
    // Downloads go to our directory in headless mode too.
    let _ = ctx
        .driver_post(
            "goog/cdp/execute",
            json!({"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": download_dir.display().to_string()}}),
        )
        .await;
    let startup = t0.elapsed();

    // Run the scenario in its own task so a panic still lets us tear the browser down.
    let outcome = tokio::spawn(scenario(ctx.clone())).await;

    // Collect what the page and browser saw (best effort if the scenario failed).
    let page = ctx
        .client
        .execute("return {v: window.__ll_violations || null, e: window.__ll_errors || null, url: location.href};", vec![])
        .await
        .unwrap_or(Value::Null);
    let console = ctx.console_errors().await;
    let _ = client.close().await;
    let _ = driver.kill().await;
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_dir_all(&download_dir);
    let total = t0.elapsed();
    eprintln!("[{label}] browser startup {:.1}s, total {:.1}s", startup.as_secs_f64(), total.as_secs_f64());

    let served = proxy.served();
    if !served.is_empty() {
        eprintln!(
            "[{label}] app files requested through the proxy: {}",
            served.iter().map(|s| format!("{} {} -> {}", s.method, s.path, s.status)).collect::<Vec<_>>().join(", ")
        );
    }
    let violations = proxy.violations();
    let services = proxy.records.lock().unwrap().browser_services.clone();
    if !services.is_empty() {
        eprintln!("[{label}] Chromium's own service requests (refused, not counted): {services:?}");
    }
    if let Err(e) = outcome {
        if !violations.is_empty() {
            eprintln!("[{label}] proxy violations: {violations:#?}");
        }
        eprintln!("[{label}] page recorder: {page}");
        eprintln!("[{label}] console errors: {console:#?}");
        match e.try_into_panic() {
            Ok(p) => std::panic::resume_unwind(p),
            Err(e) => panic!("[{label}] scenario task failed: {e}"),
        }
    }
    match expect {
        Expect::Clean => {
            assert!(violations.is_empty(), "[{label}] requests left the app origin (proxy violations): {violations:#?}");
            let pv = page.get("v").cloned().unwrap_or(Value::Null);
            let pe = page.get("e").cloned().unwrap_or(Value::Null);
            assert!(
                pv.as_array().map(|a| a.is_empty()).unwrap_or(true),
                "[{label}] securitypolicyviolation events in the page: {pv:#}"
            );
            assert!(pe.as_array().map(|a| a.is_empty()).unwrap_or(true), "[{label}] errors in the page: {pe:#}");
            assert!(
                pv.is_array(),
                "[{label}] the page recorder was not installed in the final document ({page}); cannot vouch for CSP"
            );
            assert!(console.is_empty(), "[{label}] browser console errors: {console:#?}");
        }
        Expect::ProxyViolations(needles) => {
            eprintln!("[{label}] proxy violations (expected): {violations:#?}");
            let stray: Vec<_> = violations.iter().filter(|v| !v.contains(CANARY_HOST)).collect();
            for n in &needles {
                assert!(
                    violations.iter().any(|v| v.contains(n)),
                    "[{label}] the recording proxy did not record `{n}`; recorded: {violations:#?}"
                );
            }
            assert!(stray.is_empty(), "[{label}] the browser made requests of its own (not the canary's): {stray:#?}");
        }
    }
}

impl Ctx {
    /// POST to chromedriver outside fantoccini (log and CDP endpoints it does not wrap).
    async fn driver_post(&self, endpoint: &str, body: Value) -> Value {
        let body = body.to_string();
        let req = format!(
            "POST /session/{}/{endpoint} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.session_id,
            self.driver_port,
            body.len()
        );
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.driver_port)).await else { return Value::Null };
        if s.write_all(req.as_bytes()).await.is_err() {
            return Value::Null;
        }
        // chromedriver keeps the connection open: read the head, then exactly the body.
        let read = async {
            let mut r = BufReader::new(s);
            let mut head = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).await.ok()? == 0 {
                    return None;
                }
                if l == "\r\n" {
                    break;
                }
                head.push_str(&l.to_ascii_lowercase());
            }
            let body = if let Some(i) = head.find("content-length:") {
                let n: usize = head[i + 15..].lines().next()?.trim().parse().ok()?;
                let mut b = vec![0u8; n];
                r.read_exact(&mut b).await.ok()?;
                String::from_utf8_lossy(&b).to_string()
            } else {
                let mut b = Vec::new();
                r.read_to_end(&mut b).await.ok()?;
                let b = String::from_utf8_lossy(&b).to_string();
                if head.contains("transfer-encoding: chunked") { dechunk(&b) } else { b }
            };
            serde_json::from_str(&body).ok()
        };
        tokio::time::timeout(Duration::from_secs(10), read).await.ok().flatten().unwrap_or(Value::Null)
    }

    /// SEVERE entries of the browser console log (favicon 404s excepted).
    pub async fn console_errors(&self) -> Vec<String> {
        let v = self.driver_post("se/log", json!({"type": "browser"})).await;
        v.get("value")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter(|e| e.get("level").and_then(|l| l.as_str()) == Some("SEVERE"))
                    .map(|e| e.get("message").and_then(|m| m.as_str()).unwrap_or("").to_string())
                    .filter(|m| !m.contains("favicon.ico"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs a script and returns its value; panics with the script's error.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls `script` (which returns a truthy value when the condition holds) until it does.
    pub async fn wait_js(&self, what: &str, timeout: Duration, script: &str) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.client.execute(script, vec![]).await.unwrap_or(Value::Null);
            let ok = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                _ => true,
            };
            if ok {
                return v;
            }
            if Instant::now() > deadline {
                self.save_screenshot(&format!("timeout-{}.png", slug(what))).await;
                let snap = self.js(SNAPSHOT_JS, vec![]).await;
                panic!("timed out after {timeout:?} waiting for {what}; page state: {snap:#}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn save_screenshot(&self, name: &str) {
        match self.client.screenshot().await {
            Ok(png) => {
                let p = artifacts_dir().join(name);
                std::fs::write(&p, png).expect("write screenshot");
                eprintln!("screenshot: {}", p.display());
            }
            Err(e) => eprintln!("screenshot {name} failed: {e}"),
        }
    }

    /// Click the first element matching `css` (it must be there).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
    }

    /// Structured view of everything the contract exposes.
    pub async fn snapshot(&self) -> Value {
        self.js(SNAPSHOT_JS, vec![]).await
    }

    /// Wait for a finished download (named `name`, or the first one when `None`) and give its path.
    /// Chromium reserves the final name with an empty placeholder while the bytes still go to a
    /// `.crdownload` file, so a name alone is not a finished file: the download counts once no
    /// `.crdownload` is left in the directory and the file's size, above zero, held still over two
    /// polls (CI once read a report whose name was there and whose bytes were not).
    pub async fn wait_download(&self, name: Option<&str>, timeout: Duration) -> PathBuf {
        let deadline = Instant::now() + timeout;
        let mut last: Option<(PathBuf, u64)> = None;
        loop {
            let pending = std::fs::read_dir(&self.download_dir)
                .map(|rd| rd.filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().ends_with(".crdownload")))
                .unwrap_or(false);
            let found = self.downloads().into_iter().find(|p| name.is_none_or(|n| p.file_name().is_some_and(|f| f.to_string_lossy() == n)));
            let now = found.and_then(|p| std::fs::metadata(&p).ok().map(|m| (p, m.len())));
            match (&now, &last) {
                (Some((p, len)), Some((q, before))) if !pending && *len > 0 && p == q && len == before => return p.clone(),
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "no finished download {} within {timeout:?}; the directory holds {:?}",
                name.unwrap_or("(any)"),
                std::fs::read_dir(&self.download_dir).map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().to_string()).collect::<Vec<_>>()).unwrap_or_default()
            );
            last = now;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Files in the download directory that finished downloading.
    pub fn downloads(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.download_dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        let n = p.file_name().unwrap().to_string_lossy().to_string();
                        !n.ends_with(".crdownload") && !n.starts_with(".com.google")
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\r\n") {
        let n = usize::from_str_radix(rest[..i].trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let start = i + 2;
        out.push_str(&rest[start..(start + n).min(rest.len())]);
        rest = &rest[(start + n + 2).min(rest.len())..];
    }
    out
}

pub fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// Reads the page through the automation contract (data-testid attributes) in one round trip.
pub const SNAPSHOT_JS: &str = r#"
const q = (s, r) => (r || document).querySelector(s);
const qa = (s, r) => Array.from((r || document).querySelectorAll(s));
const t = e => e ? e.textContent.trim() : null;
const visible = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const st = q('[data-testid=ingest-status]');
const raw = q('[data-testid=raw-headers]');
const body = q('[data-testid=reader-body]');
return {
  ready: !!st,
  status: st ? st.getAttribute('data-state') : null,
  count: t(q('[data-testid=message-count]')),
  rows: qa('[data-testid=message-row]').map(r => ({
    selected: r.getAttribute('aria-selected'),
    date: t(q('.col-date', r)), from: t(q('.col-from', r)), to: t(q('.col-to', r)),
    subject: t(q('.col-subject', r)), att: t(q('.col-att', r)), size: t(q('.col-size', r)) })),
  log: !!q('[data-testid=ingest-log]'),
  files: qa('[data-testid=ingest-file]').map(f => ({
    status: f.getAttribute('data-status'), name: f.getAttribute('data-name'), format: f.getAttribute('data-format'),
    messages: t(q('[data-testid=ingest-file-messages]', f)),
    sha256: (t(q('[data-testid=ingest-file-sha256]', f)) || '').replace(/^SHA-256 /, ''),
    problems: qa('[data-testid=ingest-problem]', f).map(t) })),
  problems: qa('[data-testid=ingest-problem]').map(t),
  reader: {
    subject: t(q('[data-testid=reader-subject]')), from: t(q('[data-testid=reader-from]')),
    date: t(q('[data-testid=reader-date]')),
    body: body ? body.textContent.slice(0, 2000) : null,
    bodyWhiteSpace: body ? getComputedStyle(body).whiteSpace : null,
    rawToggle: !!q('[data-testid=raw-headers-toggle]'),
    rawVisible: visible(raw), raw: raw ? raw.textContent.slice(0, 4000) : null },
  attachments: qa('[data-testid=attachment]').map(a => {
    const s = q('a[data-testid=attachment-save]', a);
    return { name: t(q('[data-testid=attachment-name]', a)), type: t(q('[data-testid=attachment-type]', a)),
      size: t(q('[data-testid=attachment-size]', a)), sha256: t(q('[data-testid=attachment-sha256]', a)),
      href: s ? s.getAttribute('href') : null, download: s ? s.getAttribute('download') : null };
  }),
  active: document.activeElement ? (document.activeElement.getAttribute('data-testid') || document.activeElement.tagName) : null,
};
"#;

// ---------------------------------------------------------------------------------------------
// Small utilities

pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 { A[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if c.len() > 2 { A[n as usize & 63] as char } else { '=' });
    }
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A file:// URL for an absolute path (percent-encoding what a URL path cannot hold).
pub fn file_url(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::from("file://");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn meta_csp_is_extracted_and_unescaped() {
        let html = r#"<head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src &#39;self&#39;"></head>"#;
        assert_eq!(super::meta_csp(html).as_deref(), Some("default-src 'none'; script-src 'self'"));
        assert_eq!(super::meta_csp("<meta charset=utf-8>"), None);
    }
}
