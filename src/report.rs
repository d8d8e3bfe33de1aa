//! Printable HTML reports: one message (the details pane's Report button) or a selection (the
//! worker builds it for the current search results).
//!
//! A report is one self-contained HTML file: hashes, locations, DKIM verdicts with their key sources
//! and reasons, ARC, relay hops, findings, attachments with their SHA-256 and document metadata, and
//! every header field as written. Its CSS is inside and print-friendly; it loads nothing and runs
//! nothing: its own Content-Security-Policy allows no script and no remote resource.
//!
//! Everything in it comes from hostile mail, so every value goes through [`escape`] (text and
//! attribute contexts alike) and is wrapped in `<bdi>` where a right-to-left override could otherwise
//! reorder the text around it. Built from [`crate::protocol`] types only, so the page and the worker
//! both use it.

use crate::format;
use crate::protocol::{FindingView, ForensicsView, MessageId, MessageView};

/// Most messages one selection report holds; the rest are named as left out.
pub const REPORT_LIMIT: usize = 500;

/// Text made safe for HTML text and double- or single-quoted attribute values: `& < > " '` become
/// character references, and control characters (other than tab, line feed and carriage return),
/// which have no business in a report and can upset parsers, become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A value as isolated, escaped text.
fn bdi(s: &str) -> String {
    format!("<bdi>{}</bdi>", escape(s))
}

/// A file name for a report: "leakloupe-report-<what>.html" with only safe characters.
pub fn file_name(what: &str) -> String {
    let mut slug: String = what
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    slug.truncate(48);
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "leakloupe-report.html".to_string()
    } else {
        format!("leakloupe-report-{slug}.html")
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 60rem; padding: 0 1.5rem; }
h1 { font-size: 20px; margin: 0 0 .25rem; }
h2 { font-size: 17px; margin: 0 0 .5rem; overflow-wrap: anywhere; }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #5d6778; margin: 1.1rem 0 .35rem; border-bottom: 1px solid #d9dee7; padding-bottom: .15rem; }
.meta-line { color: #5d6778; font-size: 12px; margin: .1rem 0; }
.note { background: #fff6e5; border: 1px solid #f1d39b; color: #7a4500; padding: .35rem .6rem; border-radius: 4px; font-size: 12px; }
.toc { font-size: 12px; columns: 2; padding-left: 1.2rem; }
section.message { border-top: 3px solid #1d2330; margin-top: 2rem; padding-top: 1rem; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: .2rem 0 .4rem; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #e6e9ef; padding: .2rem .4rem; overflow-wrap: break-word; }
th { white-space: nowrap; }
th { color: #5d6778; font-weight: 600; }
table.facts th { width: 9.5rem; }
.mono, .hash { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.hash { font-size: 11px; word-break: break-all; }
.verdict { font-weight: 700; text-transform: uppercase; font-size: 11px; }
.pass { color: #1e7a3c; } .fail, .permerror, .error { color: #b3261e; } .neutral, .temperror, .policy, .none, .warning { color: #a35b00; } .info { color: #5d6778; }
.negative td { color: #b3261e; }
pre.headers { font: 11px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; background: #f7f8fa; border: 1px solid #e6e9ef; padding: .4rem; }
ul { margin: .2rem 0; padding-left: 1.2rem; }
.muted { color: #5d6778; }
.nowrap { white-space: nowrap; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section.message { break-before: page; border-top: none; }
  section.message:first-of-type { break-before: auto; }
  h3 { break-after: avoid; }
  tr, li { break-inside: avoid; }
  .toc { columns: 1; }
}
"#;

/// Builds a report one message at a time, so a selection never holds every message at once; the
/// heading and table of contents are put in front by [`ReportWriter::finish`].
#[derive(Default)]
pub struct ReportWriter {
    out: String,
    contents: Vec<(u32, String)>,
    messages: usize,
}

impl ReportWriter {
    /// An empty report.
    pub fn new() -> Self {
        ReportWriter::default()
    }

    /// How many messages were written.
    pub fn len(&self) -> usize {
        self.messages
    }

    /// Whether none was written.
    pub fn is_empty(&self) -> bool {
        self.messages == 0
    }

    /// Add one message, with findings about it from dump-wide analysis (sender fingerprints, names)
    /// besides its own header findings.
    pub fn message(&mut self, v: &MessageView, dump_findings: &[FindingView]) {
        self.messages += 1;
        let o = &mut self.out;
        let subject = if v.row.subject.trim().is_empty() { "(no subject)" } else { v.row.subject.as_str() };
        self.contents.push((v.id, subject.to_string()));
        o.push_str(&format!("<section class=\"message\" id=\"m{}\">\n<h2>{}</h2>\n", v.id, bdi(subject)));

        // Identity.
        o.push_str("<table class=\"facts\">\n");
        let mut fact = |label: &str, value: String| {
            o.push_str(&format!("<tr><th>{}</th><td>{value}</td></tr>\n", escape(label)));
        };
        fact("From", bdi(&v.row.from));
        if !v.row.to.is_empty() {
            fact("To", bdi(&v.row.to));
        }
        if !v.cc.is_empty() {
            fact("Cc", bdi(&v.cc));
        }
        if !v.bcc.is_empty() {
            fact("Bcc", bdi(&v.bcc));
        }
        if !v.reply_to.is_empty() {
            fact("Reply-To", bdi(&v.reply_to));
        }
        let date = match (&v.row.date, &v.date_raw) {
            (Some(d), Some(raw)) => format!("{} (sender's clock {}) — as written: {}", escape(&d.utc), escape(&d.offset), bdi(raw)),
            (Some(d), None) => format!("{} ({})", escape(&d.utc), escape(&d.offset)),
            (None, Some(raw)) => format!("unreadable date, as written: {}", bdi(raw)),
            (None, None) => "no Date header".to_string(),
        };
        fact("Date", date);
        if let Some(mid) = &v.message_id {
            fact("Message-ID", format!("<span class=\"mono\">{}</span>", bdi(mid)));
        }
        fact("SHA-256", format!("<span class=\"hash\">{}</span>", escape(&v.sha256)));
        fact("Size", escape(&format!("{} ({} bytes)", format::bytes(v.row.size), v.row.size)));
        fact("File", bdi(&v.source_name));
        if !v.locations.is_empty() {
            let items: String = v.locations.iter().map(|l| format!("<li>{}</li>", bdi(l))).collect();
            fact(if v.locations.len() == 1 { "Location" } else { "Locations" }, format!("<ul>{items}</ul>"));
        }
        if let Some(folder) = &v.row.folder {
            let flags = if v.row.flags.is_empty() { String::new() } else { format!(" ({})", v.row.flags.join(", ")) };
            fact("Folder", bdi(&format!("{folder}{flags}")));
        }
        if let Some(parent) = v.row.parent {
            fact("Found inside", escape(&format!("message {parent}, as a forwarded message attached to it")));
        }
        if !v.children.is_empty() {
            let items: String = v.children.iter().map(|(id, subject)| format!("<li>{} <span class=\"muted\">(message {id})</span></li>", bdi(subject))).collect();
            fact("Carries", format!("<ul>{items}</ul>"));
        }
        if let Some(detected) = &v.detected_charset {
            let declared = v.charset.as_deref().unwrap_or("none");
            fact("Body charset", escape(&format!("declared {declared}, but the bytes look like {detected}")));
        }
        for (k, val) in &v.fingerprint {
            fact(k, bdi(val));
        }
        o.push_str("</table>\n");

        if !v.variants.is_empty() {
            o.push_str("<h3>Variants</h3>\n<ul>\n");
            for var in &v.variants {
                let how = if var.line_endings_only {
                    "the same text with other line endings (an export difference)".to_string()
                } else if var.differing.is_empty() {
                    "differs only in its body".to_string()
                } else {
                    format!("differs in {}", var.differing.join(", "))
                };
                o.push_str(&format!("<li>Same Message-ID, other bytes, in {}: {}</li>\n", bdi(&var.source_name), escape(&how)));
            }
            o.push_str("</ul>\n");
        }

        // Authenticity.
        o.push_str("<h3>Authenticity</h3>\n");
        if v.dkim.is_empty() {
            o.push_str("<p class=\"muted\">No DKIM signature: the message's origin cannot be checked cryptographically.</p>\n");
        } else {
            o.push_str("<table>\n<tr><th>DKIM</th><th>Signer</th><th>Why</th><th>Key source</th></tr>\n");
            for d in &v.dkim {
                let body = match d.body_hash_ok {
                    Some(true) => " The body is unchanged since signing.",
                    Some(false) => " The body changed since signing.",
                    None => "",
                };
                let mut why = format!("{}{body}", escape(&d.reason));
                if !d.unsigned_present.is_empty() {
                    why.push_str(&format!(
                        "<br><span class=\"muted\">Not covered by the signature: {}</span>",
                        escape(&d.unsigned_present.join(", "))
                    ));
                }
                for f in &d.flags {
                    why.push_str(&format!("<br><span class=\"warning\">{}</span>", escape(f)));
                }
                let key = match &d.key_source {
                    Some(k) => bdi(k),
                    None => "<span class=\"muted\">no key imported (keys are never fetched from DNS)</span>".to_string(),
                };
                o.push_str(&format!(
                    "<tr><td><span class=\"verdict {r}\">{r}</span></td><td class=\"mono\">d={} s={} a={}<br><span class=\"muted\">signed: {}</span></td><td>{why}</td><td>{key}</td></tr>\n",
                    bdi(&d.domain),
                    bdi(&d.selector),
                    escape(&d.algorithm),
                    escape(&d.signed_headers.join(", ")),
                    r = escape(&d.result),
                ));
            }
            o.push_str("</table>\n");
        }
        if let Some(arc) = &v.arc {
            o.push_str(&format!(
                "<p>ARC: <span class=\"verdict {r}\">{r}</span> {} (sealed by {})</p>\n",
                escape(&arc.reason),
                bdi(&arc.sealers.join(" → ")),
                r = escape(&arc.result)
            ));
        }
        if !v.recorded_auth.is_empty() {
            o.push_str("<p class=\"muted\">As the receiving servers recorded it (not verified here):</p>\n<pre class=\"headers\">");
            for h in &v.recorded_auth {
                o.push_str(&format!("{}: {}\n", escape(&h.name), escape(&h.raw)));
            }
            o.push_str("</pre>\n");
        }

        // Relay route.
        o.push_str("<h3>Relay route</h3>\n");
        if v.hops.is_empty() {
            o.push_str("<p class=\"muted\">No Received fields.</p>\n");
        } else {
            o.push_str("<table>\n<tr><th>#</th><th>From</th><th>By</th><th>With</th><th>IPs</th><th>Time (UTC)</th><th>Delay</th></tr>\n");
            for (i, h) in v.hops.iter().enumerate() {
                o.push_str(&format!(
                    "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>\n",
                    if h.negative { " class=\"negative\"" } else { "" },
                    i + 1,
                    bdi(&h.from),
                    bdi(&h.by),
                    escape(&h.with),
                    escape(&h.ips.join(", ")),
                    escape(h.date.as_deref().unwrap_or("")),
                    escape(h.delay.as_deref().unwrap_or("")),
                ));
            }
            o.push_str("</table>\n");
        }

        // Findings.
        o.push_str("<h3>Findings</h3>\n");
        if v.findings.is_empty() && dump_findings.is_empty() {
            o.push_str("<p class=\"muted\">None.</p>\n");
        } else {
            o.push_str("<table>\n<tr><th>Severity</th><th>Code</th><th>Why</th></tr>\n");
            for f in v.findings.iter().chain(dump_findings) {
                o.push_str(&format!(
                    "<tr><td class=\"{s} nowrap\">{s}</td><td class=\"mono\">{}</td><td>{}</td></tr>\n",
                    escape(&f.code),
                    escape(&f.reason),
                    s = f.severity.label()
                ));
            }
            o.push_str("</table>\n");
        }
        if !v.problems.is_empty() {
            o.push_str("<p>Problems reading it:</p>\n<ul>\n");
            for p in &v.problems {
                o.push_str(&format!("<li class=\"warning\">{}</li>\n", escape(p)));
            }
            o.push_str("</ul>\n");
        }

        // Attachments.
        o.push_str("<h3>Attachments</h3>\n");
        if v.attachments.is_empty() {
            o.push_str("<p class=\"muted\">None.</p>\n");
        } else {
            o.push_str("<table>\n<tr><th>Name</th><th>Declared / detected type</th><th>Size</th><th>SHA-256</th><th>Metadata</th></tr>\n");
            for a in &v.attachments {
                let mut meta = String::new();
                for m in &a.metadata {
                    let scripts =
                        if m.scripts.is_empty() { String::new() } else { format!(" <span class=\"muted\">({})</span>", escape(&m.scripts.join(", "))) };
                    meta.push_str(&format!("{}: {}{scripts}<br>", escape(&m.label), bdi(&m.value)));
                }
                for p in &a.metadata_problems {
                    meta.push_str(&format!("<span class=\"muted\">{}</span><br>", escape(p)));
                }
                o.push_str(&format!(
                    "<tr><td>{}</td><td>{}{}</td><td>{}</td><td class=\"hash\">{}</td><td>{meta}</td></tr>\n",
                    bdi(a.filename.as_deref().unwrap_or("(no name)")),
                    escape(&a.content_type),
                    a.detected.as_deref().map(|d| format!("<br><span class=\"muted\">{}</span>", escape(d))).unwrap_or_default(),
                    escape(&format::bytes(a.size)),
                    escape(&a.sha256),
                ));
            }
            o.push_str("</table>\n");
        }

        // Every header field, as written.
        o.push_str("<h3>Header fields as written</h3>\n<pre class=\"headers\">");
        for h in &v.headers {
            o.push_str(&format!("{}: {}\n", escape(&h.name), escape(&h.raw)));
        }
        o.push_str("</pre>\n</section>\n");
    }

    /// The finished document: `title` heads it, `generated` says when (the caller's clock), `notes`
    /// are shown at the top (e.g. what was left out).
    pub fn finish(self, title: &str, generated: &str, notes: &[String]) -> String {
        let mut out = String::with_capacity(self.out.len() + 8 * 1024);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
        out.push_str("<meta name=\"generator\" content=\"Leakloupe\">\n");
        out.push_str(&format!("<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n", escape(title)));
        out.push_str(&format!("<header>\n<h1>{}</h1>\n", bdi(title)));
        out.push_str(&format!(
            "<p class=\"meta-line\">Generated by Leakloupe, offline, on {}. Every value below is as found in the mail; \
             DKIM and ARC were verified offline against the keys imported at the time.</p>\n",
            escape(generated)
        ));
        for n in notes {
            out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(n)));
        }
        if self.contents.len() > 1 {
            out.push_str(&format!("<p class=\"meta-line\">{} messages:</p>\n<ol class=\"toc\">\n", self.contents.len()));
            for (id, subject) in &self.contents {
                out.push_str(&format!("<li><a href=\"#m{id}\">{}</a></li>\n", bdi(subject)));
            }
            out.push_str("</ol>\n");
        }
        out.push_str("</header>\n");
        out.push_str(&self.out);
        if self.messages == 0 {
            out.push_str("<p class=\"muted\">No message.</p>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// One message's report.
pub fn message_report(v: &MessageView, dump_findings: &[FindingView], generated: &str) -> String {
    let subject = if v.row.subject.trim().is_empty() { "(no subject)" } else { v.row.subject.as_str() };
    let mut w = ReportWriter::new();
    w.message(v, dump_findings);
    w.finish(&format!("Message report: {subject}"), generated, &[])
}

/// The dump-wide findings the Forensics view holds about message `id`: its senders'
/// inconsistencies and its name-script findings.
pub fn dump_findings(view: &ForensicsView, id: MessageId) -> Vec<FindingView> {
    let senders = view.senders.iter().flat_map(|s| &s.inconsistencies).filter(|i| i.messages.contains(&id)).map(|i| i.finding.clone());
    let names = view.script_findings.iter().filter(|f| f.message == id).map(|f| f.finding.clone());
    senders.chain(names).collect()
}

/// Now on the browser's clock, "2026-11-27 03:05:21 UTC" (the page and the worker both have one).
pub fn generated_now() -> String {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    match (iso.get(..10), iso.get(11..19)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => iso,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{AttachmentView, BodyKind, DateView, DkimView, HeaderView, MessageRow, MetaView, Severity};

    const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'; alert(1); '",
        "</style><script>x</script>",
        "<!-- <![CDATA[ ]]> -->",
        "&lt;script&gt; already escaped",
        "a\u{0}b\u{7}c\u{1b}[31m",
        "\u{202E}fdp.exe",
        "<ScRiPt SRC=//evil>",
        "<svg/onload=alert(1)>",
    ];

    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
    }

    #[test]
    fn escape_leaves_no_markup() {
        for h in HOSTILE {
            let e = escape(h);
            for bad in ['<', '>', '"', '\''] {
                assert!(!e.contains(bad), "{h:?} escaped to {e:?} still holds {bad:?}");
            }
            assert!(!e.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')), "{e:?}");
            // Nothing but the control characters is lost.
            let back = unescape(&e);
            let expect: String = h.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
            assert_eq!(back, expect);
        }
        assert_eq!(escape("a & b"), "a &amp; b");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("tab\there\nline"), "tab\there\nline");
        assert_eq!(escape("Роша Георгий"), "Роша Георгий");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("<script>/../../etc"), "leakloupe-report-script-etc.html");
        assert_eq!(file_name(""), "leakloupe-report.html");
        assert_eq!(file_name("Q3 Budget — final!"), "leakloupe-report-q3-budget-final.html");
        assert!(file_name(&"x".repeat(500)).len() < 80);
    }

    fn hostile_view() -> MessageView {
        let evil = HOSTILE.join(" ");
        MessageView {
            id: 3,
            source_name: "<b>leak</b>.mbox".into(),
            row: MessageRow {
                id: 3,
                source: 0,
                date: Some(DateView { utc_unix: 0, utc: "1970-01-01 00:00:00 UTC".into(), offset: "+00:00".into() }),
                from: "\"<script>\" <a@b.c>".into(),
                to: evil.clone(),
                subject: "<script>alert('subject')</script>".into(),
                attachments: 1,
                size: 10,
                problems: 0,
                sha256: "ab".repeat(32),
                message_id: Some("<x@y>".into()),
                offset: 0,
                length: 10,
                copies: 1,
                folder: None,
                flags: vec![],
                variant: false,
                parent: None,
            },
            cc: evil.clone(),
            bcc: String::new(),
            reply_to: String::new(),
            message_id: Some("<\"onmouseover=alert(1)@x>".into()),
            date_raw: Some("<script>".into()),
            sha256: "ab".repeat(32),
            headers: vec![HeaderView { name: "X-Evil<script>".into(), raw: evil.clone(), decoded: evil.clone() }],
            body: evil.clone(),
            body_kind: BodyKind::Plain,
            charset: None,
            detected_charset: None,
            highlights: vec![],
            children: vec![],
            attachments: vec![AttachmentView {
                filename: Some("<img src=x onerror=alert(1)>.docx".into()),
                content_type: "text/html\"><script>".into(),
                size: 3,
                sha256: "cd".repeat(32),
                bytes: vec![],
                detected: Some("<script>".into()),
                metadata: vec![MetaView { label: "Author".into(), value: "<script>Роша</script>".into(), scripts: vec!["Cyrillic".into()] }],
                metadata_problems: vec!["<script>".into()],
            }],
            problems: vec!["<script>".into()],
            locations: vec!["<script>.mbox, bytes 0–10".into()],
            variants: vec![],
            dkim: vec![DkimView {
                domain: "<script>".into(),
                selector: "s\"><script>".into(),
                algorithm: "rsa-sha256".into(),
                result: "fail\"><script>".into(),
                reason: "<script>".into(),
                body_hash_ok: Some(false),
                key_source: Some("<script>keys.txt".into()),
                signed_headers: vec!["from".into()],
                unsigned_present: vec!["<script>".into()],
                flags: vec!["<script>".into()],
            }],
            arc: None,
            recorded_auth: vec![],
            raw: String::new(),
            raw_truncated: false,
            source_offset: 0,
            unquoted: false,
            mime: vec![],
            hops: vec![],
            findings: vec![FindingView { severity: Severity::Warning, code: "<script>".into(), reason: "<script>".into() }],
            fingerprint: vec![("Mailer".into(), "<script>".into())],
            html: None,
        }
    }

    #[test]
    fn a_hostile_message_makes_an_inert_report() {
        let v = hostile_view();
        let extra = [FindingView { severity: Severity::Info, code: "fingerprint.mailer-change".into(), reason: "<img src=x>".into() }];
        let html = message_report(&v, &extra, "2026-01-01 <script>");
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "unescaped script in {html}");
        assert!(!lower.contains("<img"), "unescaped img");
        assert!(!lower.contains("<svg"), "unescaped svg");
        assert!(!lower.contains("<b>"), "unescaped b");
        assert!(!html.contains('\u{0}') && !html.contains('\u{1b}'));
        assert!(html.contains(&"ab".repeat(32)), "the message hash");
        assert!(html.contains(&"cd".repeat(32)), "the attachment hash");
        assert!(html.contains("&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;script&gt;keys.txt"), "the key source");
        assert!(html.contains("fingerprint.mailer-change"));
        assert!(html.contains("default-src 'none'"), "its own CSP");
        assert!(html.contains("@media print"));
        // Tags in the output are only ours.
        let tags: std::collections::BTreeSet<String> = html
            .split('<')
            .skip(1)
            .map(|t| t.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or("").trim_start_matches('/').to_lowercase())
            .collect();
        let ours = [
            "!doctype", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "section", "table", "tr",
            "th", "td", "span", "bdi", "br", "pre", "ul", "li", "ol", "a",
        ];
        for t in &tags {
            assert!(ours.contains(&t.as_str()), "unexpected tag <{t}> in the report");
        }
    }

    #[test]
    fn dump_findings_of_one_message() {
        use crate::protocol::{Inconsistency, MessageFinding, SenderProfileView};
        let f = |code: &str| FindingView { severity: Severity::Info, code: code.into(), reason: String::new() };
        let view = ForensicsView {
            senders: vec![SenderProfileView {
                sender: "a@b".into(),
                messages: 3,
                mailers: vec![],
                message_id_styles: vec![],
                message_id_domains: vec![],
                timezones: vec![],
                hours: vec![],
                inconsistencies: vec![
                    Inconsistency { finding: f("fingerprint.mailer-change"), messages: vec![2] },
                    Inconsistency { finding: f("fingerprint.message-id-domain"), messages: vec![1, 2, 3] },
                ],
            }],
            script_findings: vec![MessageFinding { message: 3, finding: f("authors.lookalike-mix") }],
            ..ForensicsView::default()
        };
        let codes = |id| dump_findings(&view, id).into_iter().map(|f| f.code).collect::<Vec<_>>();
        assert_eq!(codes(2), ["fingerprint.mailer-change", "fingerprint.message-id-domain"]);
        assert_eq!(codes(3), ["fingerprint.message-id-domain", "authors.lookalike-mix"]);
        assert!(codes(9).is_empty());
    }

    #[test]
    fn a_selection_lists_its_messages() {
        let a = hostile_view();
        let mut b = hostile_view();
        b.id = 9;
        b.row.subject = String::new();
        let mut w = ReportWriter::new();
        w.message(&a, &[]);
        w.message(&b, &[]);
        assert_eq!(w.len(), 2);
        let html = w.finish("Selection: from:x", "now", &["3 more were left out".into()]);
        assert!(html.contains("href=\"#m3\"") && html.contains("id=\"m9\""));
        assert!(html.contains("3 more were left out"));
        assert!(html.contains("(no subject)"));
        assert!(!html.to_lowercase().contains("<script"));
    }
}
