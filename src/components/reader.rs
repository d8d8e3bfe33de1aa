//! The reader: one message's important headers decoded, all raw headers on demand, its problems, its
//! attachments (name, declared type, size, SHA-256, metadata, preview, save through a Blob URL made here from
//! bytes the worker sent) and its body: text in a `<pre>`, or the worker-sanitized HTML in an
//! `iframe sandbox=""` (no scripts, no same-origin) with the blocked remote resources listed as evidence.
//! Tabs show the raw source with byte offsets and the MIME tree. Authenticity and relays are in
//! [`super::details`].

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::protocol::{BodyKind, MessageView};
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
    /// Open another message (the parent or a child of an attached message).
    pub on_select: Callback<crate::protocol::MessageId>,
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

/// A MIME type that may wrap after its slash ("image/" "png"), not inside a word, in a narrow column.
fn break_after_slash(t: &str) -> Html {
    match t.split_once('/') {
        Some((top, sub)) => html! { <>{ top }{ "/" }<wbr />{ sub }</> },
        None => html! { { t } },
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
            <MessageReader view={view.clone()} show_raw={p.show_raw} on_toggle_raw={p.on_toggle_raw.clone()} on_select={p.on_select.clone()} />
        },
    }
}

/// `text` with the given byte ranges wrapped in `<mark>` (search hits).
fn marked(text: &str, ranges: &[(u32, u32)]) -> Html {
    if ranges.is_empty() {
        return html! { { text.to_string() } };
    }
    let mut out = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0usize;
    for &(a, b) in ranges {
        let (a, b) = (a as usize, b as usize);
        let (Some(before), Some(hit)) = (text.get(at..a), text.get(a..b)) else { continue };
        out.push(html! { { before.to_string() } });
        out.push(html! { <mark data-testid="hit">{ hit.to_string() }</mark> });
        at = b;
    }
    out.push(html! { { text.get(at..).unwrap_or("").to_string() } });
    out.into_iter().collect()
}

#[derive(Properties, PartialEq)]
struct MessageReaderProps {
    view: Rc<MessageView>,
    show_raw: bool,
    on_toggle_raw: Callback<()>,
    on_select: Callback<crate::protocol::MessageId>,
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
/// header lines keep their leading white space, and each line's ending is named (CRLF or LF). When the
/// bytes cannot be shown as they are in the file (an Outlook .msg, an attached message), the worker's note
/// says what is shown instead, and lines are numbered from the start of that text.
fn raw_view(v: &MessageView) -> Html {
    let (note, text) = crate::protocol::split_raw_note(&v.raw);
    let mut offset = if note.is_some() { 0 } else { v.source_offset };
    let mut rows = Vec::new();
    for line in text.split_inclusive('\n').take(50_000) {
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
            if let Some(note) = note {
                <p class="muted" data-testid="raw-note">
                    { note.to_string() }
                    if v.raw_truncated { { format!(" Only the first {} are shown.", format::bytes(crate::protocol::RAW_LIMIT as u64)) } }
                </p>
            } else {
                <p class="muted">
                    { format!("The message's exact bytes, {} from byte {} of its file. Each line starts with its byte offset in the file.", format::bytes(v.row.length), v.source_offset) }
                    if v.unquoted { { " mboxrd “>From ” lines are shown unquoted, so offsets after them run one byte short per line." } }
                    if v.raw_truncated { { format!(" Only the first {} are shown.", format::bytes(crate::protocol::RAW_LIMIT as u64)) } }
                </p>
            }
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
                if let Some(parent) = v.row.parent {
                    <dt>{ "Attached to" }</dt>
                    <dd data-testid="reader-parent">
                        <button class="link" onclick={p.on_select.reform(move |_: MouseEvent| parent)}>{ "the message that carries it" }</button>
                        <span class="muted">{ " — this message was found inside another one (forwarded or attached)" }</span>
                    </dd>
                }
                if !v.children.is_empty() {
                    <dt>{ "Attached messages" }</dt>
                    <dd data-testid="reader-children">
                        <ul class="locations">
                        { for v.children.iter().map(|(id, subject)| {
                            let id = *id;
                            html! { <li><button class="link" data-testid="reader-child" onclick={p.on_select.reform(move |_: MouseEvent| id)}>
                                { if subject.is_empty() { "(no subject)".to_string() } else { subject.clone() } }</button></li> }
                        }) }
                        </ul>
                    </dd>
                }
            </dl>
            if !v.problems.is_empty() {
                <ul class="problems" aria-label="Problems in this message">
                    { for v.problems.iter().map(|t| html! { <li>{ t.clone() }</li> }) }
                </ul>
            }
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
                                    <td data-testid="attachment-type">{ break_after_slash(&a.content_type) }</td>
                                    <td data-testid="attachment-size" title={format!("{} bytes", a.size)}>{ format::bytes(a.size) }</td>
                                    <td class="hash" data-testid="attachment-sha256">{ a.sha256.clone() }</td>
                                    <td><div class="att-actions">
                                        if let Some(url) = url {
                                            <a class="button small" href={url} download={name} data-testid="attachment-save">{ "Save" }</a>
                                        }
                                        <button class="button small" data-testid="attachment-preview-toggle"
                                            onclick={{ let open = preview_open.clone(); Callback::from(move |_| open.set(if *open == Some(i) { None } else { Some(i) })) }}>
                                            { if *preview_open == Some(i) { "Hide" } else { "Preview" } }
                                        </button>
                                    </div></td>
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
            if let Some(detected) = &v.detected_charset {
                <p class={classes!("charset-note", v.charset.is_none().then_some("undeclared"))} data-testid="charset-mismatch" data-declared={v.charset.clone().unwrap_or_default()} data-detected={detected.clone()}>
                    { match &v.charset {
                        Some(declared) => format!("Charset: the body declares {declared}, but its bytes look like {detected}."),
                        None => format!("Charset: the body declares none; its bytes look like {detected}."),
                    } }
                    if v.charset.is_some() {
                        <span class="muted">{ " A mislabelled charset can mean the message passed through, or was edited with, another program." }</span>
                    }
                </p>
            }
            if let (true, Some(h)) = (*show_html, &v.html) {
                <div class="body html" data-testid="reader-body">
                    if h.flattened { <p class="muted">{ "This HTML is nested too deeply to lay out safely; only its text is shown." }</p> }
                    // No allow-scripts, no allow-same-origin: an opaque, inert document.
                    <iframe sandbox="" referrerpolicy="no-referrer" title="Sanitized HTML body" srcdoc={h.document.clone()} data-testid="html-frame"></iframe>
                </div>
            } else {
                <pre class="body" data-testid="reader-body">{ marked(&v.body, &v.highlights) }</pre>
            }
            }
        </article>
    }
}
