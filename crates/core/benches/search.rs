//! Search engine bench (criterion): a deterministic synthetic archive of 200,000 varied messages (Zipf
//! vocabulary of 40,000 words, 5,000 correspondents over 400 domains, replies, numbers, e-mail addresses in
//! bodies, accented, Cyrillic and CJK text, attachments, text attachments, 25 years of dates) is indexed;
//! the bench prints build throughput, `memory_bytes` (as built, then after `shrink_to_fit`) against the
//! input size (the raw text: headers, bodies, text attachments) and p50/p95 latencies of
//! representative queries, then criterion measures the same queries, facets, a 20,000-message build, and the
//! same build and a word query with probly-search (the crate evaluated in `search/mod.rs`).
//!
//! Run: `cargo bench -p leakloupe-core --bench search` (set `SEARCH_BENCH_MESSAGES` for another size).
//! Numbers go to BENCHMARKS.md.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use leakloupe_core::search::tokenize::{tokenize, Mode};
use leakloupe_core::search::{parse, Addr, Doc, DocAttachment, FacetKind, Query, SearchIndex};

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// Roughly Zipf: rank r with probability ~ 1/r.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64 + 1.0).powf(u) - 1.0) as usize % n.max(1)
    }
}

const COMMON: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "it",
    "you",
    "that",
    "for",
    "on",
    "we",
    "this",
    "with",
    "be",
    "as",
    "have",
    "are",
    "at",
    "not",
    "will",
    "please",
    "can",
    "from",
    "your",
    "our",
    "meeting",
    "report",
    "budget",
    "contract",
    "payment",
    "invoice",
    "project",
    "team",
    "call",
    "review",
    "attached",
    "next",
    "week",
    "today",
    "tomorrow",
    "thanks",
    "regards",
    "draft",
    "final",
    "account",
    "client",
    "legal",
    "approval",
    "schedule",
    "question",
    "update",
    "office",
    "board",
    "quarterly",
    "numbers",
    "offshore",
    "transfer",
    "confidential",
    "deadline",
    "agreement",
    "proposal",
    "request",
    "document",
    "lawyer",
    "bank",
    "fund",
    "shares",
    "minutes",
    "agenda",
    "trip",
    "hotel",
    "flight",
    "deal",
    "price",
    "risk",
    "audit",
    "tax",
    "memo",
    "policy",
    "statement",
    "summary",
    "issue",
    "server",
    "password",
    "access",
];
const FIRST: &[&str] = &[
    "Alice",
    "Bob",
    "Carol",
    "David",
    "Emma",
    "Frank",
    "Grace",
    "Henry",
    "Irene",
    "Jack",
    "Karen",
    "Louis",
    "Maria",
    "Nina",
    "Oscar",
    "Paul",
    "Quentin",
    "Rosa",
    "Sam",
    "Tina",
    "Hervé",
    "Zoë",
    "José",
    "Åsa",
    "Jürgen",
    "François",
    "Иван",
    "Мария",
    "Ольга",
    "王伟",
    "李娜",
    "Søren",
    "Łukasz",
    "Chloé",
    "Noémie",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Brown",
    "Miller",
    "Davis",
    "Garcia",
    "Wilson",
    "Moore",
    "Taylor",
    "Martin",
    "Dupont",
    "Müller",
    "Schröder",
    "Núñez",
    "García",
    "Petrov",
    "Иванов",
    "Kowalski",
    "Lefèvre",
    "O'Brien",
];
const TLDS: &[&str] = &[
    "com", "org", "net", "fr", "de", "ru", "co.uk", "io", "ch", "cn",
];
const EXTS: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("jpg", "image/jpeg"),
    ("png", "image/png"),
    ("zip", "application/zip"),
    ("txt", "text/plain"),
];
const CYRILLIC: &str = "Встреча по бюджету перенесена на четверг, документы у юриста.";
const CJK: &str = "東京都の会議は来週です。資料を確認してください。";
const PHRASES: &[&str] = &[
    "quarterly report",
    "please find attached",
    "board meeting",
    "wire transfer",
];

struct Corpus {
    vocab: Vec<String>,
    people: Vec<Addr>,
    domains: Vec<String>,
}

impl Corpus {
    fn new() -> Self {
        let mut rng = Rng(42);
        let syll = [
            "ka", "lo", "mi", "ne", "ta", "ri", "so", "vu", "pe", "da", "gor", "lin", "tes", "mar",
            "quo", "bri", "sen", "tal", "vek", "zu", "ché", "ré", "ün",
        ];
        let mut vocab: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
        while vocab.len() < 40_000 {
            let n = 2 + rng.below(3);
            let w: String = (0..n).map(|_| syll[rng.below(syll.len())]).collect();
            vocab.push(w);
        }
        let domains: Vec<String> = (0..400)
            .map(|i| {
                let base = &vocab[100 + rng.below(5000)];
                let tld = TLDS[i % TLDS.len()];
                if i % 7 == 0 {
                    format!("mail.{base}{i}.{tld}")
                } else {
                    format!("{base}{i}.{tld}")
                }
            })
            .collect();
        let people = (0..5000)
            .map(|i| {
                let f = FIRST[rng.below(FIRST.len())];
                let l = LAST[rng.below(LAST.len())];
                let d = &domains[rng.zipf(domains.len())];
                let local: String = format!("{}.{}{}", ascii(f), ascii(l), i % 50);
                Addr::new(format!("{f} {l}"), format!("{local}@{d}"))
            })
            .collect();
        Corpus {
            vocab,
            people,
            domains,
        }
    }

    fn words(&self, rng: &mut Rng, n: usize, out: &mut String) {
        let mut since_stop = 0;
        for k in 0..n {
            if k > 0 {
                out.push(' ');
            }
            match rng.below(1000) {
                0..=4 => out.push_str(&format!("{}", rng.below(1_000_000))),
                5..=6 => out.push_str(&self.people[rng.below(self.people.len())].address),
                7 => out.push_str(PHRASES[rng.below(PHRASES.len())]),
                8 => out.push_str(&format!("INV-{}", rng.below(100_000))),
                _ => out.push_str(&self.vocab[rng.zipf(self.vocab.len())]),
            }
            since_stop += 1;
            if since_stop > 6 && rng.chance(12) {
                out.push_str(if rng.chance(80) { "." } else { "," });
                since_stop = 0;
            }
        }
        out.push('.');
    }

    /// Message `i` and the size of its raw text (headers + body + text attachments, no binary parts).
    fn doc(&self, i: usize) -> (Doc, usize) {
        let mut rng = Rng(i as u64 * 7919 + 1);
        let mut subject = String::new();
        if rng.chance(30) {
            subject.push_str("Re: ");
        }
        let sn = 2 + rng.below(6);
        self.words(&mut rng, sn, &mut subject);
        subject.pop();
        let from = vec![self.people[rng.zipf(self.people.len())].clone()];
        let to: Vec<Addr> = (0..1 + rng.below(3))
            .map(|_| self.people[rng.zipf(self.people.len())].clone())
            .collect();
        let cc: Vec<Addr> = if rng.chance(30) {
            (0..1 + rng.below(2))
                .map(|_| self.people[rng.below(self.people.len())].clone())
                .collect()
        } else {
            Vec::new()
        };
        // Body: log-uniform 15..1500 words, in paragraphs.
        let nwords = (15.0 * 100f64.powf((rng.next() % 1000) as f64 / 1000.0)) as usize;
        let mut body = String::with_capacity(nwords * 7);
        let mut left = nwords;
        while left > 0 {
            let p = left.min(20 + rng.below(60));
            self.words(&mut rng, p, &mut body);
            body.push_str("\n\n");
            left -= p;
        }
        if rng.chance(4) {
            body.push_str(CYRILLIC);
        }
        if rng.chance(2) {
            body.push_str(CJK);
        }
        body.push_str("\n-- \n");
        body.push_str(&from[0].name);
        let mut attachments = Vec::new();
        if rng.chance(20) {
            for _ in 0..1 + rng.below(3) {
                let (ext, ct) = EXTS[rng.below(EXTS.len())];
                let mut text = String::new();
                if ext == "txt" {
                    let n = 100 + rng.below(300);
                    self.words(&mut rng, n, &mut text);
                }
                attachments.push(DocAttachment {
                    filename: format!(
                        "{}_{}.{ext}",
                        self.vocab[rng.zipf(self.vocab.len())],
                        2000 + rng.below(25)
                    ),
                    content_type: ct.to_string(),
                    text,
                });
            }
        }
        let date = if rng.chance(1) {
            None
        } else {
            Some(946_684_800 + rng.below(25 * 365 * 86_400) as i64)
        };
        let header_bytes = 260
            + subject.len()
            + from
                .iter()
                .chain(&to)
                .chain(&cc)
                .map(|a| a.name.len() + a.address.len() + 5)
                .sum::<usize>();
        let raw = header_bytes
            + body.len()
            + attachments
                .iter()
                .map(|a| a.text.len() + 120)
                .sum::<usize>();
        let binary: usize = attachments
            .iter()
            .filter(|a| a.text.is_empty())
            .map(|_| 10_000 + rng.below(2_000_000))
            .sum();
        let doc = Doc {
            subject,
            from,
            to,
            cc,
            body,
            has_html: rng.chance(40),
            attachments,
            date,
            size: (raw + binary * 4 / 3) as u64,
            ..Doc::default()
        };
        (doc, raw)
    }
}

fn ascii(s: &str) -> String {
    let mut a: String = leakloupe_core::search::tokenize::fold(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    if a.is_empty() {
        a.push('x');
    }
    a
}

fn text_bytes(d: &Doc) -> usize {
    d.subject.len()
        + d.body.len()
        + d.html_text.len()
        + d.from
            .iter()
            .chain(&d.to)
            .chain(&d.cc)
            .map(|a| a.name.len() + a.address.len())
            .sum::<usize>()
        + d.attachments
            .iter()
            .map(|a| a.filename.len() + a.text.len())
            .sum::<usize>()
}

fn build(docs: &[Doc]) -> SearchIndex {
    let mut ix = SearchIndex::new();
    for (i, d) in docs.iter().enumerate() {
        let _ = ix.add(i as u32, d);
    }
    ix
}

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<usize>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn probly_tokenize(s: &str) -> Vec<Cow<'_, str>> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| Cow::Owned(t.to_lowercase()))
        .collect()
}

fn probly_build(docs: &[Doc]) -> probly_search::Index<u32> {
    let mut ix = probly_search::Index::<u32>::new(2);
    let fields: [probly_search::FieldAccessor<Doc>; 2] =
        [|d| vec![d.subject.as_str()], |d| vec![d.body.as_str()]];
    for (i, d) in docs.iter().enumerate() {
        ix.add_document(&fields, probly_tokenize, i as u32, d);
    }
    ix
}

fn probly_query(ix: &probly_search::Index<u32>, q: &str) -> usize {
    ix.query(
        q,
        &mut probly_search::score::bm25::new(),
        probly_tokenize,
        &[1.0, 1.0],
    )
    .len()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn main() {
    let n: usize = std::env::var("SEARCH_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let corpus = Corpus::new();
    let t = Instant::now();
    let mut docs = Vec::with_capacity(n);
    let mut raw_total = 0usize;
    for i in 0..n {
        let (d, raw) = corpus.doc(i);
        raw_total += raw;
        docs.push(d);
    }
    let text_total: usize = docs.iter().map(text_bytes).sum();
    eprintln!(
        "generated {n} messages in {:.1?}: raw text {:.1} MB, indexed text {:.1} MB",
        t.elapsed(),
        raw_total as f64 / 1e6,
        text_total as f64 / 1e6
    );

    // probly-search vs this index, subject + body only, 20,000 messages (RSS delta measured first).
    let small: Vec<Doc> = docs
        .iter()
        .take(20_000)
        .map(|d| Doc {
            subject: d.subject.clone(),
            body: d.body.clone(),
            ..Doc::default()
        })
        .collect();
    let small_text: usize = small.iter().map(text_bytes).sum();
    let before = rss_bytes();
    let t = Instant::now();
    let probly = probly_build(&small);
    let probly_time = t.elapsed();
    let probly_rss = rss_bytes().saturating_sub(before);
    let before = rss_bytes();
    let t = Instant::now();
    let own_small = build(&small);
    let own_time = t.elapsed();
    let own_rss = rss_bytes().saturating_sub(before);
    eprintln!(
        "compare 20k (subject+body, {:.1} MB text): probly-search build {probly_time:.2?}, RSS +{:.1} MB; \
         leakloupe build {own_time:.2?}, RSS +{:.1} MB, memory_bytes {:.1} MB",
        small_text as f64 / 1e6,
        probly_rss as f64 / 1e6,
        own_rss as f64 / 1e6,
        own_small.memory_bytes() as f64 / 1e6
    );
    eprintln!(
        "compare 20k query 'meeting': probly {} hits, leakloupe {} hits",
        probly_query(&probly, "meeting"),
        own_small
            .search(&parse("meeting").unwrap_or_default())
            .len()
    );

    // Where build time goes: tokenizing alone.
    let t = Instant::now();
    let mut tokens = 0u64;
    for d in &docs {
        let mut count = |_: &str, _: u32, _: std::ops::Range<usize>| tokens += 1;
        for text in [&d.subject, &d.body, &d.html_text] {
            tokenize(text, Mode::Index, &mut count);
        }
        for a in d.from.iter().chain(&d.to).chain(&d.cc) {
            tokenize(&a.name, Mode::Index, &mut count);
            tokenize(&a.address, Mode::Index, &mut count);
        }
        for a in &d.attachments {
            tokenize(&a.filename, Mode::Index, &mut count);
            tokenize(&a.text, Mode::Index, &mut count);
        }
    }
    eprintln!("tokenizing alone: {tokens} tokens in {:.2?}", t.elapsed());

    // The full archive.
    let t = Instant::now();
    let mut index = build(&docs);
    let build_time = t.elapsed();
    let mut rng = Rng(7);
    for i in 0..n as u32 {
        let _ = index.set_keyword(i, "dkim", if rng.chance(80) { "pass" } else { "fail" });
        if rng.chance(10) {
            let _ = index.set_tags(i, &["important".to_string()]);
        }
    }
    let built = index.memory_bytes();
    let t = Instant::now();
    index.shrink_to_fit();
    eprintln!(
        "memory_bytes as built {:.1} MB ({:.1}% of raw text input); shrink_to_fit in {:.2?}",
        built as f64 / 1e6,
        100.0 * built as f64 / raw_total as f64,
        t.elapsed()
    );
    let mem = index.memory_bytes();
    eprintln!(
        "built {n} messages in {build_time:.2?} ({:.0} msg/s, {:.1} MB/s of indexed text); {} terms; \
         after shrink_to_fit memory_bytes {:.1} MB = {:.1}% of raw text input, {:.1}% of indexed text",
        n as f64 / build_time.as_secs_f64(),
        text_total as f64 / 1e6 / build_time.as_secs_f64(),
        index.term_count(),
        mem as f64 / 1e6,
        100.0 * mem as f64 / raw_total as f64,
        100.0 * mem as f64 / text_total as f64
    );

    for (what, bytes) in index.memory_report() {
        eprintln!("  memory {what:<20} {:>8.1} MB", bytes as f64 / 1e6);
    }

    let some_person = corpus.people[3].address.clone();
    let some_domain = corpus.domains[5].clone();
    let rare = corpus.vocab[25_000].clone();
    let queries: Vec<(&str, String)> = vec![
        ("common_word", "meeting".into()),
        ("rare_word", rare),
        ("two_words", "budget lawyer".into()),
        ("phrase", "\"quarterly report\"".into()),
        ("from_address", format!("from:{some_person}")),
        ("domain", format!("domain:{some_domain}")),
        ("or_not", "(invoice OR payment) -draft".into()),
        ("date_word", "after:2010 before:2012 contract".into()),
        ("attachment", "has:attachment filename:pdf".into()),
        ("keyword_tag", "dkim:fail tag:important".into()),
        ("cyrillic", "бюджету".into()),
        ("cjk", "東京都".into()),
        ("everything", String::new()),
    ];
    let parsed: Vec<(&str, Query)> = queries
        .iter()
        .map(|(name, q)| (*name, index.parse(q).unwrap_or_default()))
        .collect();
    let mut all_times = Vec::new();
    for ((name, q), (_, query)) in queries.iter().zip(&parsed) {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..40 {
            let t = Instant::now();
            hits = index.search(query).len();
            times.push(t.elapsed());
        }
        times.sort();
        all_times.extend_from_slice(&times);
        eprintln!(
            "query {name:<13} {q:<45} {hits:>7} hits  p50 {:>9.2?}  p95 {:>9.2?}",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
    all_times.sort();
    eprintln!(
        "all queries: p50 {:.2?}, p95 {:.2?}, max {:.2?}",
        percentile(&all_times, 0.5),
        percentile(&all_times, 0.95),
        all_times.last().copied().unwrap_or_default()
    );

    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("query_200k");
        for (name, query) in &parsed {
            g.bench_with_input(BenchmarkId::from_parameter(name), query, |b, q| {
                b.iter(|| index.search(q).len())
            });
        }
        g.finish();
    }
    {
        let hits = index.search(&parse("meeting").unwrap_or_default());
        let mut g = c.benchmark_group("facets_200k_meeting");
        for (name, kind) in [
            ("senders", FacetKind::Senders),
            ("recipients", FacetKind::Recipients),
            ("months", FacetKind::Months),
            ("tags", FacetKind::Tags),
        ] {
            g.bench_function(name, |b| b.iter(|| index.facets(&hits, kind).len()));
        }
        g.finish();
    }
    {
        let mut g = c.benchmark_group("parse");
        g.bench_function("complex", |b| {
            b.iter(|| parse("from:(alice OR bob) \"quarterly report\" -draft after:2010-01 larger:10K dkim:pass"))
        });
        g.finish();
    }
    {
        let sub = docs.get(..20_000).unwrap_or(&docs);
        let bytes: usize = sub.iter().map(text_bytes).sum();
        let mut g = c.benchmark_group("build_20k");
        g.sample_size(10)
            .throughput(Throughput::Bytes(bytes as u64));
        g.bench_function("leakloupe_all_fields", |b| b.iter(|| build(sub).len()));
        g.finish();
        let mut g = c.benchmark_group("vs_probly_20k_subject_body");
        let q = parse("meeting").unwrap_or_default();
        g.bench_function("query_meeting_leakloupe", |b| {
            b.iter(|| own_small.search(&q).len())
        });
        g.bench_function("query_meeting_probly", |b| {
            b.iter(|| probly_query(&probly, "meeting"))
        });
        g.finish();
    }
    c.final_summary();
}
