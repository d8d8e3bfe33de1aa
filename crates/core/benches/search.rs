//! Search engine bench (criterion): a deterministic synthetic archive of 200,000 varied messages (Zipf
//! vocabulary of 40,000 words, 5,000 correspondents over 400 domains, replies, numbers, e-mail addresses in
//! bodies, accented, Cyrillic and CJK text, attachments, text attachments, 25 years of dates; made by
//! `common/synth.rs` at scale 1, the generator the index's memory test runs at scale 20) is indexed; the
//! bench prints build throughput, `memory_bytes` (as built, then after `shrink_to_fit`) against the input
//! size (the raw text: headers, bodies, text attachments) and p50/p95 latencies of representative queries,
//! then criterion measures the same queries, facets, a 20,000-message build, and the same build and a word
//! query with probly-search (the crate evaluated in `search/mod.rs`).
//!
//! Run: `cargo bench -p leakloupe-core --bench search` (set `SEARCH_BENCH_MESSAGES` for another size).
//! Numbers go to BENCHMARKS.md.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use leakloupe_core::search::tokenize::{tokenize, Mode};
// `self`: `common/synth.rs` reaches the index as `crate::search`.
use leakloupe_core::search::{self, parse, Doc, FacetKind, Query, SearchIndex};

#[path = "common/synth.rs"]
mod synth;

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
        .unwrap_or(synth::MESSAGES);
    let corpus = synth::Corpus::new(1);
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
    if let Err(e) = synth::label(&mut index, n) {
        eprintln!("labelling failed: {e}");
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
