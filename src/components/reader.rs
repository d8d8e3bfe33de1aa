//! The reader: one message's important headers decoded, all raw headers on demand, the body as
//! text, its problems, and its attachments with name, declared type, size and SHA-256, each savable
//! through a Blob URL made here from bytes the worker sent.
//!
//! Mail HTML is never put into the page: bodies are text in a `<pre>`, and HTML-only mail arrives
//! from the worker already rendered to text.

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::protocol::{BodyKind, DkimView, MessageView};
use crate::state::Reader;

/// Reader properties.
#[derive(Properties, PartialEq)]
pub struct ReaderProps {
    /// What to show.
    pub reader: Reader,
    /// Whether raw headers are shown.
    pub show_raw: bool,
    /// Toggle raw headers.
    pub on_toggle_raw: Callback<()>,
    /// Open another message (a variant).
    pub on_select: Callback<crate::protocol::MessageId>,
    /// The dump-wide forensic views, for the message report.
    #[prop_or_default]
    pub forensics: Option<Rc<crate::protocol::ForensicsView>>,
}

/// Blob URLs for a message's attachments, revoked when the reader moves on.
struct BlobUrls(Vec<Option<String>>);

impl BlobUrls {
    fn new(view: &MessageView) -> Self {
        BlobUrls(
            view.attachments
                .iter()
                .map(|a| {
                    let bytes = js_sys::Uint8Array::from(a.bytes.as_slice());
                    let parts = js_sys::Array::of1(&bytes);
                    let opts = web_sys::BlobPropertyBag::new();
                    // The declared type is not trusted: saving as octet-stream keeps the browser from
                    // interpreting (and e.g. rendering) the file.
                    opts.set_type("application/octet-stream");
                    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()?;
                    web_sys::Url::create_object_url_with_blob(&blob).ok()
                })
                .collect(),
        )
    }
}

impl Drop for BlobUrls {
    fn drop(&mut self) {
        for url in self.0.iter().flatten() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    }
}

/// Image attachments as Blob URLs typed by their sniffed format, for `<img>` previews.
struct Previews(Vec<Option<String>>);

/// The image format of some bytes, by magic number (SVG is never previewed: it can carry script).
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"BM") {
        Some("image/bmp")
    } else {
        None
    }
}

impl Previews {
    fn new(view: &MessageView) -> Self {
        Previews(
            view.attachments
                .iter()
                .map(|a| {
                    let mime = image_type(&a.bytes)?;
                    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(a.bytes.as_slice()));
                    let opts = web_sys::BlobPropertyBag::new();
                    opts.set_type(mime);
                    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()?;
                    web_sys::Url::create_object_url_with_blob(&blob).ok()
                })
                .collect(),
        )
    }
}

impl Drop for Previews {
    fn drop(&mut self) {
        for url in self.0.iter().flatten() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    }
}

/// Nothing in an attachment is ever run: images are shown as images, text as text, anything else as
/// a hex dump of its start and the readable strings in it.
fn preview(a: &crate::protocol::AttachmentView, image_url: Option<String>) -> Html {
    const TEXT_LIMIT: usize = 64 * 1024;
    if let Some(url) = image_url {
        return html! { <img class="preview-image" src={url} alt={a.filename.clone().unwrap_or_default()} /> };
    }
    let head = &a.bytes[..a.bytes.len().min(TEXT_LIMIT)];
    let is_text = a.content_type.starts_with("text/") || (!head.contains(&0) && std::str::from_utf8(head).is_ok());
    if is_text {
        return html! {
            <pre class="preview-text">{ String::from_utf8_lossy(head).into_owned() }
                if a.bytes.len() > TEXT_LIMIT { { format!("\n… ({} more)", format::bytes((a.bytes.len() - TEXT_LIMIT) as u64)) } }
            </pre>
        };
    }
    let hex: String = a.bytes[..a.bytes.len().min(256)]
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let hexes: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
            format!("{:08x}  {:<47}  {ascii}\n", row * 16, hexes.join(" "))
        })
        .collect();
    let mut strings = Vec::new();
    let mut cur = String::new();
    for &b in head {
        if (0x20..0x7f).contains(&b) {
            cur.push(b as char);
        } else {
            if cur.len() >= 6 {
                strings.push(std::mem::take(&mut cur));
            }
            cur.clear();
        }
        if strings.len() >= 200 {
            break;
        }
    }
    html! {
        <div class="preview-binary">
            <pre class="preview-hex">{ hex }</pre>
            if !strings.is_empty() {
                <p class="muted">{ "Readable strings in the first 64 KB:" }</p>
                <pre class="preview-strings">{ strings.join("\n") }</pre>
            }
        </div>
    }
}

/// The reader pane.
#[component(ReaderPane)]
pub fn reader_pane(p: &ReaderProps) -> Html {
    match &p.reader {
        Reader::Empty => html! {
            <div class="reader empty"><p>{ "Select a message to read it." }</p></div>
        },
        Reader::Loading(_) => html! {
            <div class="reader empty"><p>{ "Opening…" }</p></div>
        },
        Reader::Shown(view) => html! {
            <MessageReader view={view.clone()} show_raw={p.show_raw} on_toggle_raw={p.on_toggle_raw.clone()} on_select={p.on_select.clone()}
                forensics={p.forensics.clone()} />
        },
    }
}

#[derive(Properties, PartialEq)]
struct MessageReaderProps {
    view: Rc<MessageView>,
    show_raw: bool,
    on_toggle_raw: Callback<()>,
    on_select: Callback<crate::protocol::MessageId>,
    forensics: Option<Rc<crate::protocol::ForensicsView>>,
}

fn field(label: &str, value: &str, testid: Option<&'static str>) -> Html {
    if value.is_empty() {
        return html! {};
    }
    html! {
        <>
            <dt>{ label }</dt>
            <dd data-testid={testid}>{ value.to_string() }</dd>
        </>
    }
}

/// One DKIM verdict: the RFC 8601 word, the sentence, and what the signature does not cover.
fn dkim_item(d: &DkimView) -> Html {
    let body = match d.body_hash_ok {
        Some(true) => "body unchanged since signing",
        Some(false) => "body changed since signing",
        None => "body hash not computable",
    };
    // Signature and trace fields are added after signing by design; listing them is noise.
    let unsigned: Vec<&str> = d
        .unsigned_present
        .iter()
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            !(n == "dkim-signature" || n.starts_with("arc-") || n == "received" || n == "return-path" || n == "authentication-results")
        })
        .map(String::as_str)
        .collect();
    html! {
        <li class={classes!("dkim", d.result.clone())} data-testid="dkim-result" data-domain={d.domain.clone()}
            data-selector={d.selector.clone()} data-result={d.result.clone()}>
            <span class={classes!("verdict", d.result.clone())}>{ d.result.clone() }</span>
            <span class="dkim-who">{ format!("d={} s={} a={}", d.domain, d.selector, d.algorithm) }</span>
            <div class="dkim-reason">{ d.reason.clone() }</div>
            <div class="dkim-facts">
                { format!("{body}; key: {}", d.key_source.clone().unwrap_or_else(|| "not in the key store".into())) }
            </div>
            if !unsigned.is_empty() {
                <div class="dkim-facts">{ format!("Not covered by the signature (could have been altered): {}", unsigned.join(", ")) }</div>
            }
            { for d.flags.iter().map(|f| html! { <div class="dkim-flag">{ f.clone() }</div> }) }
        </li>
    }
}

/// The reader's three views of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Message,
    Raw,
    Mime,
}

impl Tab {
    fn testid(self) -> &'static str {
        match self {
            Tab::Message => "reader-tab-message",
            Tab::Raw => "reader-tab-raw",
            Tab::Mime => "reader-tab-mime",
        }
    }
}

/// The exact bytes, one line per row, each numbered with its byte offset in the source file; folded
/// header lines keep their leading white space, and each line's ending is named (CRLF or LF).
fn raw_view(v: &MessageView) -> Html {
    let mut offset = v.source_offset;
    let mut rows = Vec::new();
    for line in v.raw.split_inclusive('\n').take(50_000) {
        let (text, eol) = if let Some(t) = line.strip_suffix("\r\n") {
            (t, "CRLF")
        } else if let Some(t) = line.strip_suffix('\n') {
            (t, "LF")
        } else {
            (line, "")
        };
        // A bare CR inside a line is shown, not obeyed.
        let text = text.replace('\r', "\\r");
        rows.push(html! {
            <div class="raw-line">
                <span class="raw-off">{ offset }</span>
                <span class="raw-text">{ text }<span class="eol">{ eol }</span></span>
            </div>
        });
        offset += line.len() as u64;
    }
    html! {
        <div class="raw-source" data-testid="raw-source">
            <p class="muted">
                { format!("The message's exact bytes, {} from byte {} of its file. Each line starts with its byte offset in the file.", format::bytes(v.row.length), v.source_offset) }
                if v.unquoted { { " mboxrd “>From ” lines are shown unquoted, so offsets after them run one byte short per line." } }
                if v.raw_truncated { { format!(" Only the first {} are shown.", format::bytes(crate::protocol::RAW_LIMIT as u64)) } }
            </p>
            <div class="raw-lines">{ for rows }</div>
        </div>
    }
}

/// The MIME tree: each part's type, encoding, disposition, sizes and decoded SHA-256.
fn mime_view(v: &MessageView) -> Html {
    if v.mime.is_empty() {
        return html! { <p class="muted" data-testid="mime-tree">{ "No MIME structure (an Outlook .msg file, or a message that could not be parsed)." }</p> };
    }
    html! {
        <table class="mime-tree" data-testid="mime-tree">
            <thead><tr><th>{ "Part" }</th><th>{ "Type" }</th><th>{ "Encoding" }</th><th>{ "Disposition / name" }</th><th>{ "At byte" }</th><th>{ "Size" }</th><th>{ "SHA-256 (decoded)" }</th></tr></thead>
            <tbody>
            { for v.mime.iter().map(|m| html! {
                <tr data-testid="mime-part">
                    <td class={format!("depth-{}", m.depth.min(8))}>{ if m.number.is_empty() { "message".to_string() } else { m.number.clone() } }</td>
                    <td>{ m.content_type.clone() }{ m.charset.as_ref().map(|c| format!("; charset={c}")).unwrap_or_default() }</td>
                    <td>{ m.encoding.clone() }</td>
                    <td>{ [m.disposition.clone(), m.filename.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ") }</td>
                    <td>{ m.offset }</td>
                    <td title={format!("{} bytes encoded", m.raw_size)}>{ if m.sha256.is_empty() { format::bytes(m.raw_size) } else { format::bytes(m.decoded_size) } }</td>
                    <td class="hash">{ m.sha256.clone() }</td>
                </tr>
            }) }
            </tbody>
        </table>
    }
}

#[component(MessageReader)]
fn message_reader(p: &MessageReaderProps) -> Html {
    let v = &p.view;
    let urls = use_memo(v.clone(), |v| BlobUrls::new(v));
    let previews = use_memo(v.clone(), |v| Previews::new(v));
    let preview_open = use_state(|| None::<usize>);
    let tab = use_state(|| Tab::Message);
    // HTML is shown (sandboxed) by default only when there is no plain-text body.
    let show_html = use_state(|| false);
    {
        let show_html = show_html.clone();
        let default = v.html.is_some() && v.body_kind != BodyKind::Plain;
        use_effect_with(v.id, move |_| show_html.set(default));
    }
    let on_toggle = {
        let cb = p.on_toggle_raw.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let date = match &v.row.date {
        Some(d) => format!("{} (sender's clock UTC{})", d.utc, d.offset),
        None => "no readable date".to_string(),
    };
    let subject = if v.row.subject.is_empty() { "(no subject)".to_string() } else { v.row.subject.clone() };
    let body_note = match v.body_kind {
        BodyKind::Plain => None,
        BodyKind::HtmlAsText => Some("This message has only an HTML body. It is shown sanitized in a sandboxed frame: nothing in it can load or run. “Text” shows a plain rendering."),
        BodyKind::RtfAsText => Some("This message has only an RTF body. It is shown as plain text; formatting, tables and images are lost."),
        BodyKind::None => Some("This message has no text body."),
    };
    html! {
        <article class="reader">
            <h2 data-testid="reader-subject">{ subject }</h2>
            <div class="tabs" role="tablist">
                { for [(Tab::Message, "Message"), (Tab::Raw, "Raw source"), (Tab::Mime, "MIME structure")].into_iter().map(|(t, label)| {
                    let set = { let tab = tab.clone(); Callback::from(move |_| tab.set(t)) };
                    html! {
                        <button role="tab" class={classes!("tab", (*tab == t).then_some("active"))} aria-selected={(*tab == t).to_string()}
                            data-testid={t.testid()} onclick={set}>{ label }</button>
                    }
                }) }
            </div>
            if *tab == Tab::Raw { { raw_view(v) } }
            if *tab == Tab::Mime { { mime_view(v) } }
            if *tab == Tab::Message {
            <dl class="headers">
                <dt>{ "From" }</dt><dd data-testid="reader-from">{ v.row.from.clone() }</dd>
                { field("To", &v.row.to, Some("reader-to")) }
                { field("Cc", &v.cc, None) }
                { field("Bcc", &v.bcc, None) }
                { field("Reply-To", &v.reply_to, None) }
                <dt>{ "Date" }</dt>
                <dd data-testid="reader-date">
                    { date }
                    if let Some(raw) = &v.date_raw { <span class="raw-date" title="The Date header as written">{ format!(" — “{raw}”") }</span> }
                </dd>
                { field("Message-ID", v.message_id.as_deref().unwrap_or(""), None) }
                if let Some(folder) = &v.row.folder {
                    <dt>{ "Folder" }</dt>
                    <dd data-testid="reader-folder">
                        { folder.clone() }
                        if !v.row.flags.is_empty() { <span class="muted">{ format!(" · flags: {}", v.row.flags.join(", ")) }</span> }
                    </dd>
                }
                <dt>{ if v.locations.len() > 1 { "Found in" } else { "Source" } }</dt>
                <dd data-testid="reader-locations">
                    if v.locations.len() > 1 {
                        <ul class="locations">{ for v.locations.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ul>
                    } else {
                        { format!("{} · {}", v.locations.first().cloned().unwrap_or_else(|| v.source_name.clone()), format::bytes(v.row.size)) }
                    }
                </dd>
                <dt>{ "SHA-256" }</dt><dd class="hash" data-testid="message-sha256">{ v.sha256.clone() }</dd>
            </dl>
            if !v.variants.is_empty() {
                <div class="variants" data-testid="reader-variants">
                    <strong>{ format!("{} variants of this message (same Message-ID, different bytes)", v.variants.len() + 1) }</strong>
                    <ul>
                    { for v.variants.iter().map(|var| {
                        let id = var.id;
                        let open = p.on_select.reform(move |_: MouseEvent| id);
                        html! {
                            <li>
                                <button class="link" onclick={open}>{ format!("the one in {}", var.source_name) }</button>
                                { if var.line_endings_only {
                                    " is the same text with other line endings (LF/CRLF): an export difference, not an edit".to_string()
                                } else if var.differing.is_empty() {
                                    " differs only in its body".to_string()
                                } else {
                                    format!(" differs in {}: {}", format::plural(var.differing.len() as u64, "header", "headers"), var.differing.join(", "))
                                } }
                            </li>
                        }
                    }) }
                    </ul>
                </div>
            }
            if !v.problems.is_empty() {
                <ul class="problems" aria-label="Problems in this message">
                    { for v.problems.iter().map(|t| html! { <li>{ t.clone() }</li> }) }
                </ul>
            }
            <div class="details-actions">
                <crate::components::forensics::ReportButton view={v.clone()} forensics={p.forensics.clone()} />
            </div>
            <section class="auth" aria-label="Authenticity">
                <h3>{ "Authenticity" }</h3>
                if v.dkim.is_empty() {
                    <p class="muted" data-testid="dkim-none">{ "No DKIM signature: this message's origin cannot be checked cryptographically." }</p>
                } else {
                    <ul class="dkim-list">{ for v.dkim.iter().map(dkim_item) }</ul>
                    if v.dkim.iter().any(|d| d.key_source.is_none()) {
                        <p class="muted">{ "Keys are never looked up in DNS (that would tell the world what you are checking). Drop a text file of the signers' DNS TXT records — e.g. sel._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=…\" — to verify signatures offline." }</p>
                    }
                }
                if let Some(arc) = &v.arc {
                    <p data-testid="arc-result" data-result={arc.result.clone()}>
                        <span class={classes!("verdict", arc.result.clone())}>{ format!("ARC {}", arc.result) }</span>
                        { format!(" {} (sealed by {})", arc.reason, arc.sealers.join(" → ")) }
                    </p>
                }
                if !v.recorded_auth.is_empty() {
                    <details class="recorded-auth">
                        <summary>{ format!("What receiving servers recorded ({})", v.recorded_auth.len()) }</summary>
                        <pre>{ v.recorded_auth.iter().map(|h| format!("{}: {}\n", h.name, h.raw)).collect::<String>() }</pre>
                    </details>
                }
            </section>
            <section class="forensics" aria-label="Headers and relays">
                if !v.findings.is_empty() {
                    <ul class="findings" data-testid="findings">
                    { for v.findings.iter().map(|f| html! {
                        <li class={f.severity.label()} data-testid="finding" data-code={f.code.clone()}>{ f.reason.clone() }</li>
                    }) }
                    </ul>
                }
                <details class="hops" data-testid="hops">
                    <summary>{ format!("Route: {} · sender: {}", format::plural(v.hops.len() as u64, "relay hop", "relay hops"),
                        v.fingerprint.iter().find(|(k, _)| k == "Mailer").map(|(_, m)| m.clone()).unwrap_or_else(|| "mailer not named".into())) }</summary>
                    if !v.hops.is_empty() {
                        <ol class="hop-list">
                        { for v.hops.iter().map(|h| html! {
                            <li class={classes!(h.negative.then_some("negative"))} data-testid="hop">
                                <div><strong>{ if h.by.is_empty() { "(receiver not named)".to_string() } else { h.by.clone() } }</strong>
                                    { format!(" received from {}", if h.from.is_empty() { "(not named)" } else { &h.from }) }
                                    if !h.with.is_empty() { <span class="muted">{ format!(" with {}", h.with) }</span> }</div>
                                <div class="muted">
                                    { h.date.clone().unwrap_or_else(|| "no date".into()) }
                                    if let Some(d) = &h.delay { { format!(" · {d} after the previous hop") } }
                                    if !h.ips.is_empty() { { format!(" · {}", h.ips.join(", ")) } }
                                </div>
                            </li>
                        }) }
                        </ol>
                    }
                    <dl class="meta">
                    { for v.fingerprint.iter().map(|(k, val)| html! { <><dt>{ k.clone() }</dt><dd>{ val.clone() }</dd></> }) }
                    </dl>
                </details>
            </section>
            <div class="raw-toggle">
                <button class="link" data-testid="raw-headers-toggle" aria-expanded={p.show_raw.to_string()} onclick={on_toggle}>
                    { if p.show_raw { "Hide raw headers".to_string() } else { format!("Show all {} raw headers", v.headers.len()) } }
                </button>
            </div>
            if p.show_raw {
                <pre class="raw-headers" data-testid="raw-headers">
                    { v.headers.iter().map(|h| format!("{}: {}\n", h.name, h.raw)).collect::<String>() }
                </pre>
            }
            if !v.attachments.is_empty() {
                <section class="attachments" aria-label="Attachments">
                    <h3>{ format::plural(v.attachments.len() as u64, "attachment", "attachments") }</h3>
                    <table>
                        <thead><tr><th>{ "Name" }</th><th>{ "Declared type" }</th><th>{ "Size" }</th><th>{ "SHA-256" }</th><th></th></tr></thead>
                        <tbody>
                        { for v.attachments.iter().enumerate().map(|(i, a)| {
                            let name = a.filename.clone().unwrap_or_else(|| format!("attachment-{}", i + 1));
                            let url = urls.0.get(i).cloned().flatten();
                            html! {
                                <>
                                <tr data-testid="attachment">
                                    <td data-testid="attachment-name">{ a.filename.clone().unwrap_or_else(|| "(no name)".into()) }</td>
                                    <td data-testid="attachment-type">{ a.content_type.clone() }</td>
                                    <td data-testid="attachment-size" title={format!("{} bytes", a.size)}>{ format::bytes(a.size) }</td>
                                    <td class="hash" data-testid="attachment-sha256">{ a.sha256.clone() }</td>
                                    <td>
                                        if let Some(url) = url {
                                            <a class="button small" href={url} download={name} data-testid="attachment-save">{ "Save" }</a>
                                        }
                                        <button class="button small" data-testid="attachment-preview-toggle"
                                            onclick={{ let open = preview_open.clone(); Callback::from(move |_| open.set(if *open == Some(i) { None } else { Some(i) })) }}>
                                            { if *preview_open == Some(i) { "Hide" } else { "Preview" } }
                                        </button>
                                    </td>
                                </tr>
                                if *preview_open == Some(i) {
                                    <tr class="preview-row"><td colspan="5" data-testid="attachment-preview">{ preview(a, previews.0.get(i).cloned().flatten()) }</td></tr>
                                }
                                if !a.metadata.is_empty() || !a.metadata_problems.is_empty() {
                                    <tr class="meta-row">
                                        <td colspan="5">
                                            <details data-testid="attachment-metadata">
                                                <summary>{ format!("{} · {}", a.detected.clone().unwrap_or_else(|| "document".into()),
                                                    format::plural(a.metadata.len() as u64, "metadata field", "metadata fields")) }</summary>
                                                <dl class="meta">
                                                { for a.metadata.iter().map(|m| html! {
                                                    <>
                                                        <dt>{ m.label.clone() }</dt>
                                                        <dd data-label={m.label.clone()}>{ m.value.clone() }
                                                            if !m.scripts.is_empty() { <span class="script">{ format!(" ({})", m.scripts.join(", ")) }</span> }
                                                        </dd>
                                                    </>
                                                }) }
                                                </dl>
                                                { for a.metadata_problems.iter().map(|t| html! { <p class="meta-problem">{ t.clone() }</p> }) }
                                            </details>
                                        </td>
                                    </tr>
                                }
                                </>
                            }
                        }) }
                        </tbody>
                    </table>
                </section>
            }
            if let Some(h) = &v.html {
                <div class="body-mode">
                    <button class={classes!("tab", (!*show_html).then_some("active"))} data-testid="body-mode-text"
                        onclick={{ let s = show_html.clone(); Callback::from(move |_| s.set(false)) }}>{ "Text" }</button>
                    <button class={classes!("tab", (*show_html).then_some("active"))} data-testid="body-mode-html"
                        onclick={{ let s = show_html.clone(); Callback::from(move |_| s.set(true)) }}>{ "HTML (sandboxed)" }</button>
                    <details class="blocked" data-testid="remote-blocked" data-count={h.blocked.len().to_string()}>
                        <summary>{ format!("{} blocked{}", format::plural(h.blocked.len() as u64, "remote resource", "remote resources"),
                            if h.removed_code > 0 { format!(" · {} removed", format::plural(h.removed_code as u64, "script or handler", "scripts or handlers")) } else { String::new() }) }</summary>
                        <p class="muted">{ "Nothing was loaded. These addresses are evidence: a tracking pixel often names the recipient." }</p>
                        <ul>{ for h.blocked.iter().map(|(kind, url, ctx)| html! { <li><span class="muted">{ format!("{kind} · {ctx}: ") }</span><span class="hash">{ url.clone() }</span></li> }) }</ul>
                        if !h.links.is_empty() {
                            <p class="muted">{ "Links (shown, never followed):" }</p>
                            <ul>{ for h.links.iter().map(|(text, href)| html! { <li>{ format!("{text} → ") }<span class="hash">{ href.clone() }</span></li> }) }</ul>
                        }
                    </details>
                </div>
            }
            if let Some(note) = body_note { <p class="body-note">{ note }</p> }
            if let (true, Some(h)) = (*show_html, &v.html) {
                <div class="body html" data-testid="reader-body">
                    if h.flattened { <p class="muted">{ "This HTML is nested too deeply to lay out safely; only its text is shown." }</p> }
                    // No allow-scripts, no allow-same-origin: an opaque, inert document.
                    <iframe sandbox="" referrerpolicy="no-referrer" title="Sanitized HTML body" srcdoc={h.document.clone()} data-testid="html-frame"></iframe>
                </div>
            } else {
                <pre class="body" data-testid="reader-body">{ v.body.clone() }</pre>
            }
            }
        </article>
    }
}
