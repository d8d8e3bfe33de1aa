//! Dump-wide forensics, in the worker: findings across every message, sender fingerprints, the
//! authors and editors of the attachments, edit bursts, and printable selection reports.
//!
//! The worker's indexing pass (`index_pending` in [`crate::worker`]) reads and parses every message
//! once; it hands each one to [`observe`], which feeds a [`Collector`]:
//!
//! - the message's sender fingerprint to `analysis::fingerprint::SenderProfiles`;
//! - its sender display name, and the document metadata of each attachment, to
//!   `analysis::authors::DumpAuthors`. Only attachments whose content is a kind
//!   `metadata::extract` reads (OOXML, ODF, PDF, JPEG, TIFF, OLE2, zip — by magic number, never by
//!   name) and at most [`METADATA_CAP`] bytes long are read; the view says how many were left out;
//! - the codes of its own header findings (the Received chain), counted per code.
//!
//! When indexing finishes, [`finish`] builds the [`ForensicsView`] the UI shows and makes the
//! dump-wide findings searchable: each message gets `finding:<code>` for its own header findings and
//! for the sender-fingerprint and name-script findings about it (a finding about a sender as a whole
//! goes on each of the sender's messages). The index's `set_keywords` replaces a message's values, so
//! the two sets are merged here, and only messages whose dump-wide codes changed are rewritten.
//!
//! Nothing here touches a `File`: [`selection_report`] is given the worker's own `open` to read
//! messages with.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use leakloupe_core::analysis::authors::{AuthorRow, DumpAuthors, EditBurst};
use leakloupe_core::analysis::fingerprint::{fingerprint, SenderFinding, SenderProfiles, SenderSummary};
use leakloupe_core::analysis::signatures::SignatureTimeline;
use leakloupe_core::analysis::Finding;
use leakloupe_core::auth::dkim::DkimReport;
use leakloupe_core::message::{self, MessageDetail};
use leakloupe_core::metadata::{self, MetaDate};
use leakloupe_core::search::{Addr, SearchIndex};

use crate::protocol::{
    AuthorView, BurstDocView, EditBurstView, EditBurstsView, Event, FindingGroup, FindingView, ForensicsView, Inconsistency,
    MessageFinding, MessageId, MessageView, SenderProfileView, SigningKeyView,
};
use crate::report::{self, ReportWriter, REPORT_LIMIT};

/// Attachments larger than this are not read for document metadata (the index pass must stay light).
pub const METADATA_CAP: u64 = 32 * 1024 * 1024;
/// Edit bursts sent with every view: at least N documents within M minutes.
pub const DEFAULT_BURST: (u32, u32) = (3, 10);
/// Senders with consistent habits listed at most (every inconsistent sender is listed).
const MAX_CONSISTENT_SENDERS: usize = 300;
/// Author rows sent at most.
const MAX_AUTHORS: usize = 1000;
/// Name-script findings listed at most (all of them are searchable).
const MAX_SCRIPT_FINDINGS: usize = 2000;
/// Edit bursts sent at most.
const MAX_BURSTS: usize = 500;

/// One code's findings so far.
#[derive(Debug, Clone)]
struct Group {
    severity: leakloupe_core::diagnostic::Severity,
    source: &'static str,
    count: u32,
    messages: BTreeSet<MessageId>,
    sample: String,
}

impl Group {
    fn add(&mut self, message: Option<MessageId>, f: &Finding) {
        self.count += 1;
        if let Some(m) = message {
            self.messages.insert(m);
        }
        if f.severity > self.severity {
            self.severity = f.severity;
            self.sample = f.reason.clone();
        }
    }
}

fn group_into(groups: &mut BTreeMap<&'static str, Group>, source: &'static str, messages: &[MessageId], f: &Finding) {
    let g = groups.entry(f.code).or_insert_with(|| Group {
        severity: f.severity,
        source,
        count: 0,
        messages: BTreeSet::new(),
        sample: f.reason.clone(),
    });
    g.add(None, f);
    g.messages.extend(messages.iter().copied());
}

/// The dump-wide state, fed one message at a time.
#[derive(Default)]
pub struct Collector {
    profiles: SenderProfiles,
    authors: DumpAuthors,
    /// Each sender's messages, for findings about a sender as a whole.
    sender_messages: BTreeMap<String, Vec<MessageId>>,
    /// Each message's own header-finding codes (only messages that have some).
    own: HashMap<MessageId, Vec<&'static str>>,
    /// Own header findings per code.
    own_groups: BTreeMap<&'static str, Group>,
    /// The dump-wide codes last written into the index, per message.
    applied: HashMap<MessageId, Vec<&'static str>>,
    /// Dump-wide findings per message as of the last [`Collector::finish`], for reports.
    dump_findings: HashMap<MessageId, Vec<FindingView>>,
    messages: u32,
    skipped: u32,
    /// DKIM verdicts per signing key and month.
    signatures: SignatureTimeline,
}

fn utc_minutes(t: i64) -> String {
    let s = MetaDate { utc_unix: t, offset_minutes: Some(0) }.utc_display();
    // "2017-04-27 10:02:00 UTC" → "2017-04-27 10:02 UTC"
    match (s.get(..16), s.get(19..)) {
        (Some(head), Some(tail)) if s.len() > 19 => format!("{head}{tail}"),
        _ => s,
    }
}

fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

fn counted<T: ToString>(v: &[(T, usize)]) -> Vec<(String, u32)> {
    v.iter().map(|(k, n)| (k.to_string(), u32::try_from(*n).unwrap_or(u32::MAX))).collect()
}

fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Collector {
    /// Feed one indexed message: its id, bytes, parsed detail and its own header findings.
    pub fn observe(&mut self, id: MessageId, raw: &[u8], detail: &MessageDetail, own_findings: &[Finding]) {
        self.messages += 1;
        let fp = fingerprint(&detail.headers);
        let date = detail.summary.date.map(|d| d.utc_unix);
        if self.profiles.add(id, &fp, date) {
            if let Some(sender) = &fp.from_address {
                self.sender_messages.entry(sender.clone()).or_default().push(id);
            }
        }
        if let Some(name) = Addr::parse_list(&detail.summary.from).first().map(|a| a.name.trim().to_string()) {
            if !name.is_empty() {
                self.authors.add_sender_name(id, &name);
            }
        }
        for a in &detail.attachments {
            if a.size > METADATA_CAP {
                self.skipped += 1;
                continue;
            }
            let Some(bytes) = message::attachment_bytes(raw, a.index) else { continue };
            if !metadata::reads_kind(&bytes) {
                continue;
            }
            let meta = metadata::extract(&bytes, a.filename.as_deref(), Some(&a.content_type));
            self.authors.add_document(id, a.index, a.filename.as_deref().unwrap_or(""), &meta, Some(&a.sha256));
        }
        let mut codes: Vec<&'static str> = Vec::new();
        for f in own_findings {
            let g = self.own_groups.entry(f.code).or_insert_with(|| Group {
                severity: f.severity,
                source: "Relay route and dates",
                count: 0,
                messages: BTreeSet::new(),
                sample: f.reason.clone(),
            });
            g.add(Some(id), f);
            if !codes.contains(&f.code) {
                codes.push(f.code);
            }
        }
        if !codes.is_empty() {
            self.own.insert(id, codes);
        }
    }

    /// Feed one message's DKIM verdicts (as verified while indexing), dated by the message.
    pub fn observe_dkim(&mut self, id: MessageId, date: Option<i64>, reports: &[DkimReport]) {
        let sigs: Vec<(&str, &str, leakloupe_core::auth::AuthResult)> =
            reports.iter().map(|r| (r.domain.as_str(), r.selector.as_str(), r.result)).collect();
        self.signatures.add(id, date, &sigs);
    }

    /// The signing keys as the view shows them.
    fn signing_keys(&self) -> Vec<SigningKeyView> {
        let day = |t: Option<i64>| t.map(|t| utc_minutes(t).chars().take(10).collect::<String>());
        self.signatures
            .keys()
            .into_iter()
            .map(|k| SigningKeyView {
                pass: k.counts.pass,
                fail: k.counts.fail,
                unchecked: k.counts.neutral,
                error: k.counts.error,
                months: k.months.iter().map(|(m, c)| (m.clone(), c.pass, c.fail, c.neutral + c.error)).collect(),
                first: day(k.first),
                last: day(k.last),
                pattern: k.pattern.label().to_string(),
                explain: k.pattern.explain().to_string(),
                failing: k.failing.clone(),
                domain: k.domain,
                selector: k.selector,
            })
            .collect()
    }

    /// The messages a sender finding is about.
    fn finding_messages(&self, f: &SenderFinding) -> Vec<MessageId> {
        match f.message {
            Some(m) => vec![m],
            None => self.sender_messages.get(&f.sender).cloned().unwrap_or_default(),
        }
    }

    /// Build the view, and write the dump-wide findings into `index` as `finding:` keywords.
    pub fn finish(&mut self, index: &mut SearchIndex) -> ForensicsView {
        let sender_findings = self.profiles.findings();
        let script_findings = self.authors.script_findings();

        // Per message: dump-wide codes and findings.
        let mut codes: BTreeMap<MessageId, Vec<&'static str>> = BTreeMap::new();
        let mut per_message: HashMap<MessageId, Vec<FindingView>> = HashMap::new();
        let mut groups = self.own_groups.clone();
        for f in &sender_findings {
            let messages = self.finding_messages(f);
            for &m in &messages {
                let c = codes.entry(m).or_default();
                if !c.contains(&f.finding.code) {
                    c.push(f.finding.code);
                }
                per_message.entry(m).or_default().push(FindingView::from(&f.finding));
            }
            group_into(&mut groups, "Sender fingerprint", &messages, &f.finding);
        }
        for (m, f) in &self.signatures.findings() {
            let c = codes.entry(*m).or_default();
            if !c.contains(&f.code) {
                c.push(f.code);
            }
            per_message.entry(*m).or_default().push(FindingView::from(f));
            group_into(&mut groups, "Signatures across the dump", &[*m], f);
        }
        for (m, f) in &script_findings {
            let c = codes.entry(*m).or_default();
            if !c.contains(&f.code) {
                c.push(f.code);
            }
            per_message.entry(*m).or_default().push(FindingView::from(f));
            group_into(&mut groups, "Names", &[*m], f);
        }

        // Searchable: own codes and dump-wide codes together, rewritten only where they changed.
        let touched: BTreeSet<MessageId> = self.applied.keys().chain(codes.keys()).copied().collect();
        for id in touched {
            let now = codes.get(&id);
            if self.applied.get(&id) == now {
                continue;
            }
            let mut all: Vec<&str> = self.own.get(&id).cloned().unwrap_or_default();
            for c in now.into_iter().flatten() {
                if !all.contains(c) {
                    all.push(c);
                }
            }
            // A message not in the index (it could not be read) simply stays unsearchable.
            let _ = index.set_keywords(id, "finding", &all);
        }
        self.applied = codes.into_iter().collect();
        self.dump_findings = per_message;

        let mut findings: Vec<FindingGroup> = groups
            .into_iter()
            .map(|(code, g)| FindingGroup {
                code: code.to_string(),
                severity: g.severity.into(),
                source: g.source.to_string(),
                count: g.count,
                messages: n32(g.messages.len()),
                sample: g.sample,
            })
            .collect();
        findings.sort_by(|a, b| {
            crate::protocol::severity_rank(a.severity)
                .cmp(&crate::protocol::severity_rank(b.severity))
                .then(b.messages.cmp(&a.messages))
                .then_with(|| a.code.cmp(&b.code))
        });

        let mut notes = Vec::new();
        let senders = self.sender_views(&sender_findings, &mut notes);
        let rows = self.authors.authors();
        let (dominant_script, share) = self.dominant();
        let mut authors: Vec<AuthorView> = rows.iter().map(|r| author_view(r, share.as_ref())).collect();
        if authors.len() > MAX_AUTHORS {
            notes.push(format!("{} more names of fewer documents are not listed.", authors.len() - MAX_AUTHORS));
            authors.truncate(MAX_AUTHORS);
        }
        if self.skipped > 0 {
            notes.push(format!(
                "{} larger than {} MiB not read for document metadata.",
                crate::format::plural(u64::from(self.skipped), "attachment", "attachments"),
                METADATA_CAP >> 20
            ));
        }
        let mut listed: Vec<MessageFinding> = script_findings
            .iter()
            .map(|(m, f)| MessageFinding { message: *m, finding: FindingView::from(f) })
            .collect();
        if listed.len() > MAX_SCRIPT_FINDINGS {
            notes.push(format!("{} more name findings are searchable but not listed.", listed.len() - MAX_SCRIPT_FINDINGS));
            listed.truncate(MAX_SCRIPT_FINDINGS);
        }
        ForensicsView {
            messages: self.messages,
            findings,
            senders,
            authors,
            documents: n32(self.authors.documents()),
            dominant_script,
            script_findings: listed,
            bursts: self.bursts(DEFAULT_BURST.0, DEFAULT_BURST.1),
            skipped_attachments: self.skipped,
            notes,
            signing_keys: self.signing_keys(),
        }
    }

    /// The clear dominant script as words, and (script, percent, names) for flag reasons.
    fn dominant(&self) -> (Option<String>, Option<(String, u64, usize)>) {
        let Some(script) = self.authors.clear_dominant_script() else { return (None, None) };
        let named = self.authors.named_occurrences();
        let count = self.authors.script_counts().iter().find(|(s, _)| *s == script).map_or(0, |(_, n)| *n);
        let pct = (count as u64 * 100) / (named.max(1) as u64);
        let words = format!("{} ({pct}% of {} names)", script.name(), named);
        (Some(words), Some((script.name().to_string(), pct, named)))
    }

    fn sender_views(&self, findings: &[SenderFinding], notes: &mut Vec<String>) -> Vec<SenderProfileView> {
        let mut by_sender: HashMap<&str, Vec<Inconsistency>> = HashMap::new();
        for f in findings {
            by_sender
                .entry(f.sender.as_str())
                .or_default()
                .push(Inconsistency { finding: FindingView::from(&f.finding), messages: self.finding_messages(f) });
        }
        let mut views: Vec<SenderProfileView> = self
            .profiles
            .summaries()
            .into_iter()
            .map(|s: SenderSummary| SenderProfileView {
                inconsistencies: by_sender.remove(s.sender.as_str()).unwrap_or_default(),
                messages: n32(s.messages),
                mailers: counted(&s.mailers),
                message_id_styles: counted(&s.message_id_styles),
                message_id_domains: counted(&s.message_id_domains),
                timezones: s.timezones.iter().map(|(m, n)| (offset_text(*m), n32(*n))).collect(),
                hours: s.hours.iter().map(|&n| n32(n)).collect(),
                sender: s.sender,
            })
            .collect();
        views.sort_by(|a, b| {
            b.inconsistencies
                .len()
                .cmp(&a.inconsistencies.len())
                .then(b.messages.cmp(&a.messages))
                .then_with(|| a.sender.cmp(&b.sender))
        });
        let inconsistent = views.iter().filter(|v| !v.inconsistencies.is_empty()).count();
        let keep = inconsistent + MAX_CONSISTENT_SENDERS;
        if views.len() > keep {
            notes.push(format!(
                "{} more senders with consistent habits and fewer messages are not listed.",
                crate::format::count((views.len() - keep) as u64)
            ));
            views.truncate(keep);
        }
        views
    }

    /// Edit bursts: at least `min_docs` documents last saved by one editor within `window_minutes`.
    pub fn bursts(&self, min_docs: u32, window_minutes: u32) -> EditBurstsView {
        let min_docs = min_docs.max(2);
        let bursts = self.authors.edit_bursts(min_docs as usize, window_minutes);
        EditBurstsView { min_docs, window_minutes, bursts: bursts.iter().take(MAX_BURSTS).map(burst_view).collect() }
    }

    /// Dump-wide findings about one message, as of the last [`Collector::finish`].
    pub fn findings_of(&self, id: MessageId) -> Vec<FindingView> {
        self.dump_findings.get(&id).cloned().unwrap_or_default()
    }
}

fn author_view(r: &AuthorRow, dominant: Option<&(String, u64, usize)>) -> AuthorView {
    let scripts: Vec<String> = r.scripts.iter().map(|s| s.name().to_string()).collect();
    let mut flags = Vec::new();
    if r.differs_from_dominant {
        if let Some((script, pct, named)) = dominant {
            flags.push(format!(
                "Written in {} letters, while {pct}% of the {named} names in this mailbox are {script}.",
                scripts.join(" and ")
            ));
        }
    }
    if r.mixes_lookalikes {
        flags.push(format!("Mixes {} letters: a look-alike character can disguise a name.", scripts.join(" and ")));
    }
    AuthorView {
        name: r.name.clone(),
        roles: r.roles.iter().map(|(k, n)| (k.label().to_string(), n32(*n))).collect(),
        documents: n32(r.documents),
        messages: n32(r.messages),
        sender_messages: n32(r.sender_messages),
        scripts,
        first_date: r.first_date.map(utc_minutes),
        last_date: r.last_date.map(utc_minutes),
        flags,
        refs: r.refs.iter().map(|d| (d.message, d.attachment)).collect(),
    }
}

fn burst_view(b: &EditBurst) -> EditBurstView {
    EditBurstView {
        editor: b.editor.clone(),
        reason: b.reason.clone(),
        docs: b
            .docs
            .iter()
            .map(|d| BurstDocView {
                message: d.doc.message,
                attachment: d.doc.attachment,
                file_name: d.file_name.clone(),
                saved: MetaDate { utc_unix: d.saved, offset_minutes: d.zone_known.then_some(0) }.utc_display(),
                copies: n32(d.copies),
            })
            .collect(),
    }
}

thread_local! {
    static COLLECTOR: RefCell<Collector> = RefCell::new(Collector::default());
}

/// Feed one indexed message to the worker's collector (see [`Collector::observe`]).
pub fn observe(id: MessageId, raw: &[u8], detail: &MessageDetail, own_findings: &[Finding]) {
    COLLECTOR.with(|c| c.borrow_mut().observe(id, raw, detail, own_findings));
}

/// Feed one indexed message's DKIM verdicts (see [`Collector::observe_dkim`]).
pub fn observe_dkim(id: MessageId, date: Option<i64>, reports: &[DkimReport]) {
    COLLECTOR.with(|c| c.borrow_mut().observe_dkim(id, date, reports));
}

/// The view once indexing is done, as the event to send; the findings become searchable in `index`.
pub fn finish(index: &mut SearchIndex) -> Event {
    Event::Forensics(Box::new(COLLECTOR.with(|c| c.borrow_mut().finish(index))))
}

/// The answer to `Request::EditBursts`.
pub fn bursts(min_docs: u32, window_minutes: u32) -> Event {
    Event::EditBursts(COLLECTOR.with(|c| c.borrow().bursts(min_docs, window_minutes)))
}

/// Dump-wide findings about one message (for its report).
pub fn findings_of(id: MessageId) -> Vec<FindingView> {
    COLLECTOR.with(|c| c.borrow().findings_of(id))
}

/// Build the report of a selection with the worker's `open`, yielding to the event loop every few
/// messages so the worker keeps answering; `send` gets the finished [`Event::Report`].
pub async fn selection_report(
    ids: Vec<MessageId>,
    total: u32,
    title: String,
    open: fn(MessageId) -> Result<MessageView, String>,
    send: fn(&Event),
) {
    let ids: Vec<MessageId> = ids.into_iter().take(REPORT_LIMIT).collect();
    let mut writer = ReportWriter::new();
    let mut failed = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        match open(id) {
            Ok(v) => writer.message(&v, &findings_of(id)),
            Err(e) => failed.push(format!("message {id}: {e}")),
        }
        if i % 20 == 19 {
            gloo::timers::future::TimeoutFuture::new(0).await;
        }
    }
    let shown = n32(writer.len());
    let mut notes = Vec::new();
    if (total as usize) > ids.len() {
        notes.push(format!(
            "This report holds the first {} of the {} messages selected (at most {REPORT_LIMIT} per report): narrow the search to report on the rest.",
            crate::format::count(ids.len() as u64),
            crate::format::count(u64::from(total))
        ));
    }
    for f in &failed {
        notes.push(format!("Could not be read: {f}"));
    }
    let what = if title.trim().is_empty() { "all messages".to_string() } else { title.trim().to_string() };
    let html = writer.finish(&format!("Report: {what}"), &report::generated_now(), &notes);
    send(&Event::Report { file_name: report::file_name(&what), html, messages: shown });
}

#[cfg(test)]
mod tests {
    use super::*;
    use leakloupe_core::analysis::received::{analyze, ReceivedOptions};
    use leakloupe_core::search::Doc;

    /// A minimal PDF whose Info names `who` (UTF-16BE, as PDFs write non-Latin text) as author, last
    /// saved at 10:`minute` on 2017-04-27.
    fn pdf(who: &str, minute: u32) -> Vec<u8> {
        let hex: String = who.encode_utf16().map(|u| format!("{u:04X}")).collect();
        format!(
            "%PDF-1.4\n1 0 obj\n<< /Author <FEFF{hex}> /ModDate (D:2017042710{minute:02}00Z) >>\nendobj\ntrailer\n<< /Info 1 0 R >>\n%%EOF\n"
        )
        .into_bytes()
    }

    fn b64(bytes: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn mail(from: &str, mailer: &str, day: u32, attachment: Option<(&str, Vec<u8>)>) -> Vec<u8> {
        let head = format!(
            "From: {from}\r\nTo: desk@example.org\r\nSubject: note {day}\r\nDate: Thu, {day} Apr 2017 10:00:00 +0200\r\nMessage-ID: <{day}.{}@example.com>\r\nX-Mailer: {mailer}\r\nMIME-Version: 1.0\r\n",
            from.len()
        );
        match attachment {
            None => format!("{head}Content-Type: text/plain\r\n\r\nhello\r\n").into_bytes(),
            Some((name, bytes)) => format!(
                "{head}Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\nContent-Type: application/pdf; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX--\r\n",
                b64(&bytes)
            )
            .into_bytes(),
        }
    }

    /// Index and observe messages as the worker does.
    fn run(mails: &[Vec<u8>]) -> (Collector, SearchIndex, ForensicsView) {
        let mut c = Collector::default();
        let mut index = SearchIndex::new();
        for (i, raw) in mails.iter().enumerate() {
            let id = i as u32;
            let detail = message::read_message(raw);
            index.add(id, &Doc::from_raw_and_detail(raw, &detail)).expect("add");
            let chain = analyze(&detail.headers, &ReceivedOptions::default());
            let codes: Vec<&str> = chain.findings.iter().map(|f| f.code).collect();
            index.set_keywords(id, "finding", &codes).expect("keywords");
            c.observe(id, raw, &detail, &chain.findings);
        }
        let view = c.finish(&mut index);
        (c, index, view)
    }

    fn hits(index: &SearchIndex, q: &str) -> Vec<u32> {
        index.search(&index.parse(q).expect("parses")).into_ids()
    }

    fn dump() -> Vec<Vec<u8>> {
        let ann = "Ann Smith <ann@example.com>";
        vec![
            mail(ann, "Microsoft Outlook 16.0", 1, None),
            mail(ann, "Microsoft Outlook 16.0", 2, Some(("a.pdf", pdf("Jeff Rowe", 1)))),
            mail(ann, "Microsoft Outlook 16.0", 3, Some(("b.pdf", pdf("Jeff Rowe", 4)))),
            mail(ann, "Mutt/1.4i", 4, Some(("c.pdf", pdf("Jeff Rowe", 9)))),
            mail("Bob Jones <bob@example.com>", "Apple Mail (2.1)", 5, Some(("d.pdf", pdf("Роша Георгий", 30)))),
            mail("Carl Berg <carl@example.com>", "Apple Mail (2.1)", 6, None),
        ]
    }

    #[test]
    fn collects_profiles_authors_and_bursts() {
        let (_, _, view) = run(&dump());
        assert_eq!(view.messages, 6);
        // Ann changed mail program after three Outlook messages.
        let ann = view.senders.first().expect("a sender");
        assert_eq!(ann.sender, "ann@example.com");
        assert_eq!(ann.messages, 4);
        assert_eq!(ann.mailers, [("microsoft outlook".to_string(), 3), ("mutt".to_string(), 1)]);
        assert_eq!(ann.timezones, [("UTC+02:00".to_string(), 4)]);
        let codes: Vec<&str> = ann.inconsistencies.iter().map(|i| i.finding.code.as_str()).collect();
        assert!(codes.contains(&"fingerprint.mailer-change"), "{codes:?}");
        let change = ann.inconsistencies.iter().find(|i| i.finding.code == "fingerprint.mailer-change").expect("change");
        assert_eq!(change.messages, [3]);
        assert!(change.finding.reason.contains("Mutt/1.4i"), "{}", change.finding.reason);
        assert!(view.senders.iter().skip(1).all(|s| s.inconsistencies.is_empty()));
        // Authors: Jeff in three documents, the Cyrillic name in one.
        let names: Vec<(&str, u32)> = view.authors.iter().map(|a| (a.name.as_str(), a.documents)).collect();
        assert_eq!(names, [("Jeff Rowe", 3), ("Роша Георгий", 1)]);
        assert_eq!(view.documents, 4);
        assert_eq!(view.authors[0].roles, [("Author".to_string(), 3)]);
        assert_eq!(view.authors[0].first_date.as_deref(), Some("2017-04-27 10:01 UTC"));
        // 6 Latin sender names + 3 Jeff documents = 9 Latin, 1 Cyrillic: a clear dominant script.
        assert_eq!(view.dominant_script.as_deref(), Some("Latin (90% of 10 names)"));
        assert!(view.authors[0].flags.is_empty());
        assert_eq!(view.authors[1].scripts, ["Cyrillic"]);
        assert_eq!(view.authors[1].flags, ["Written in Cyrillic letters, while 90% of the 10 names in this mailbox are Latin."]);
        assert_eq!(view.script_findings.len(), 1);
        assert_eq!(view.script_findings[0].message, 4);
        // Edit burst: Jeff saved a, b, c within 8 minutes.
        assert_eq!((view.bursts.min_docs, view.bursts.window_minutes), DEFAULT_BURST);
        assert_eq!(view.bursts.bursts.len(), 1);
        let b = &view.bursts.bursts[0];
        assert_eq!(b.editor, "Jeff Rowe");
        let docs: Vec<(&str, u32)> = b.docs.iter().map(|d| (d.file_name.as_str(), d.message)).collect();
        assert_eq!(docs, [("a.pdf", 1), ("b.pdf", 2), ("c.pdf", 3)]);
        assert_eq!(b.docs[0].saved, "2017-04-27 10:01:00 UTC");
        assert!(view.notes.is_empty());
    }

    #[test]
    fn findings_are_grouped_and_searchable() {
        let (c, index, view) = run(&dump());
        let group = |code: &str| view.findings.iter().find(|g| g.code == code).unwrap_or_else(|| panic!("no {code}: {:?}", view.findings));
        let mailer = group("fingerprint.mailer-change");
        assert_eq!((mailer.count, mailer.messages, mailer.source.as_str()), (1, 1, "Sender fingerprint"));
        let script = group("authors.name-script-mismatch");
        assert_eq!((script.count, script.messages, script.severity), (1, 1, crate::protocol::Severity::Warning));
        assert_eq!(hits(&index, "finding:fingerprint.mailer-change"), [3]);
        assert_eq!(hits(&index, "finding:authors.name-script-mismatch"), [4]);
        assert_eq!(c.findings_of(4)[0].code, "authors.name-script-mismatch");
        // Warnings before infos.
        let first_info = view.findings.iter().position(|g| g.severity == crate::protocol::Severity::Info).unwrap_or(view.findings.len());
        assert!(view.findings[..first_info].iter().all(|g| g.severity != crate::protocol::Severity::Info));
        for g in &view.findings {
            assert_eq!(hits(&index, &format!("finding:{}", g.code)).len() as u32, g.messages, "{}", g.code);
        }
    }

    #[test]
    fn own_header_findings_survive_the_merge_and_stale_codes_go() {
        // A Received chain whose second hop is an hour before the first: an own finding.
        let skewed = b"Received: from b.example (b.example [192.0.2.2]) by c.example with ESMTP; Thu, 4 Apr 2017 09:00:00 +0000\r\n\
Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP; Thu, 4 Apr 2017 10:00:00 +0000\r\n\
From: Ann Smith <ann@example.com>\r\nDate: Thu, 4 Apr 2017 10:00:00 +0200\r\nMessage-ID: <x@example.com>\r\nX-Mailer: Mutt/1.4i\r\nSubject: s\r\n\r\nhi\r\n"
            .to_vec();
        let ann = "Ann Smith <ann@example.com>";
        let mut mails = vec![
            mail(ann, "Microsoft Outlook 16.0", 1, None),
            mail(ann, "Microsoft Outlook 16.0", 2, None),
            mail(ann, "Microsoft Outlook 16.0", 3, None),
        ];
        mails.push(skewed);
        let (mut c, mut index, view) = run(&mails);
        // (The other three have no Received field at all: `received.none`.)
        let own: Vec<&str> =
            view.findings.iter().filter(|g| g.source.starts_with("Relay") && g.code != "received.none").map(|g| g.code.as_str()).collect();
        assert_eq!(hits(&index, "finding:received.none"), [0, 1, 2]);
        assert!(!own.is_empty(), "the skewed chain gives an own finding: {:?}", view.findings);
        for code in &own {
            assert_eq!(hits(&index, &format!("finding:{code}")), [3], "{code}");
        }
        assert_eq!(hits(&index, "finding:fingerprint.mailer-change"), [3]);
        // A later, earlier-dated Mutt message moves the change: the old message loses the code, keeps its own.
        let late = String::from_utf8(mail(ann, "Mutt/1.4i", 9, None)).expect("utf-8").replace("9 Apr 2017", "31 Mar 2017").into_bytes();
        let detail = message::read_message(&late);
        index.add(4, &Doc::from_raw_and_detail(&late, &detail)).expect("add");
        c.observe(4, &late, &detail, &[]);
        let view = c.finish(&mut index);
        assert!(view.senders[0].inconsistencies.iter().all(|i| i.messages != [3] || i.finding.code != "fingerprint.mailer-change"));
        assert!(hits(&index, "finding:fingerprint.mailer-change").is_empty(), "the stale code is gone");
        for code in &own {
            assert_eq!(hits(&index, &format!("finding:{code}")), [3], "{code} kept");
        }
    }

    #[test]
    fn large_and_unknown_attachments_are_not_read() {
        assert!(metadata::reads_kind(&pdf("x", 1)));
        assert!(metadata::reads_kind(b"PK\x03\x04rest"));
        assert!(metadata::reads_kind(b"\x89PNG\r\n\x1a\n"));
        assert!(!metadata::reads_kind(b"GIF89a"));
        assert!(!metadata::reads_kind(b""));
        let mut c = Collector::default();
        let raw = mail("Ann <ann@example.com>", "x", 1, Some(("a.pdf", pdf("Jeff", 1))));
        let mut detail = message::read_message(&raw);
        detail.attachments[0].size = METADATA_CAP + 1;
        c.observe(0, &raw, &detail, &[]);
        let view = c.finish(&mut SearchIndex::new());
        assert_eq!(view.skipped_attachments, 1);
        assert!(view.authors.is_empty());
        assert_eq!(view.notes, ["1 attachment larger than 32 MiB not read for document metadata."]);
    }

    #[test]
    fn bursts_follow_their_thresholds() {
        let (c, _, _) = run(&dump());
        assert!(c.bursts(4, 10).bursts.is_empty());
        assert_eq!(c.bursts(2, 3).bursts[0].docs.len(), 2);
        let wide = c.bursts(3, 60);
        assert_eq!((wide.min_docs, wide.window_minutes, wide.bursts.len()), (3, 60, 1));
        assert_eq!(c.bursts(0, 10).min_docs, 2);
    }
}
