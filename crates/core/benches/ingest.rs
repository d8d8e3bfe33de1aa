//! Native ingest throughput of the core (criterion): a synthetic mbox of realistic messages
//! (multipart with a base64 attachment, RFC 2047 subjects, quoted `>From ` lines) is pushed through
//! [`Ingester`] in 4 MiB chunks, exactly as the worker does, and the summary of every message is
//! computed. Reported in BENCHMARKS.md; run with `cargo bench -p leakloupe-core --bench ingest`.

#![allow(missing_docs)] // criterion_main! generates an undocumented `main`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use leakloupe_core::ingest::{IngestSink, Ingester, MessageSpan, SourceFormat};
use leakloupe_core::message::{self, MessageSummary};

/// A deterministic mbox of `n` messages, about 3.5 KB each.
pub fn synthetic_mbox(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 3600);
    let body: String = (0..24)
        .map(|i| format!("Line {i} of the body, with some words a journalist may search for later.\n"))
        .collect();
    for i in 0..n {
        let day = 1 + i % 28;
        let hour = i % 24;
        out.extend_from_slice(format!("From sender{}@example.org Mon Jan {day:2} {hour:02}:00:00 2018\n", i % 97).as_bytes());
        out.extend_from_slice(
            format!(
                "From: =?utf-8?q?Sender_{0}_H=C3=A9l=C3=A8ne?= <sender{0}@example.org>\n\
                 To: team{1}@example.com, boss@example.com\n\
                 Subject: =?iso-8859-1?q?R=E9union_num=E9ro?= {i}\n\
                 Date: Mon, {day} Jan 2018 {hour:02}:00:00 +0100\n\
                 Message-ID: <{i}.bench@example.org>\n\
                 MIME-Version: 1.0\n\
                 Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n\
                 --b{i}\nContent-Type: text/plain; charset=utf-8\n\n{body}>From the archive\n\
                 --b{i}\nContent-Type: application/pdf; name=\"doc{i}.pdf\"\n\
                 Content-Disposition: attachment; filename=\"doc{i}.pdf\"\n\
                 Content-Transfer-Encoding: base64\n\n",
                i % 97,
                i % 13
            )
            .as_bytes(),
        );
        for _ in 0..20 {
            out.extend_from_slice(b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+\n");
        }
        out.extend_from_slice(format!("--b{i}--\n\n").as_bytes());
    }
    out
}

struct Count(u64);

impl IngestSink for Count {
    fn message(&mut self, _span: MessageSpan, _summary: MessageSummary) {
        self.0 += 1;
    }
    fn diagnostic(&mut self, _d: leakloupe_core::diagnostic::Diagnostic) {}
}

fn ingest(bytes: &[u8]) -> u64 {
    let mut sink = Count(0);
    let mut ingester = Ingester::new(SourceFormat::Mbox);
    for chunk in bytes.chunks(4 << 20) {
        ingester.push(chunk, &mut sink);
    }
    ingester.finish(&mut sink);
    sink.0
}

fn bench(c: &mut Criterion) {
    let mbox = synthetic_mbox(4000);
    assert_eq!(ingest(&mbox), 4000, "the synthetic mbox must split into its messages");
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(mbox.len() as u64));
    group.bench_with_input(BenchmarkId::new("mbox_split_and_summarize", mbox.len()), &mbox, |b, m| b.iter(|| ingest(m)));
    group.finish();

    let one = &mbox[..mbox.len() / 4000];
    let raw = one.splitn(2, |&c| c == b'\n').nth(1).unwrap_or(one);
    let mut g = c.benchmark_group("message");
    g.throughput(Throughput::Bytes(raw.len() as u64));
    g.bench_function("summarize", |b| b.iter(|| message::summarize(raw)));
    g.bench_function("read_message", |b| b.iter(|| message::read_message(raw)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
