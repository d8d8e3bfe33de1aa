//! The index's memory against its input on a deterministic generated archive (memory, unlike time, is
//! deterministic, so it can be asserted): the bench's corpus (`benches/search.rs`) scaled down 20 times in
//! every dimension — 10,000 messages, a Zipf vocabulary of 2,000 words, 250 correspondents over 20 domains,
//! numbers and invoice numbers over ranges 20 times smaller — so that a debug-build test sees the term
//! statistics of the 200,000-message bench (scaling only the message count would leave a 40,000-word
//! vocabulary over a tenth of the text, which no real archive has). Bodies keep their lengths (15 to 1,500
//! words). The input size is the bytes of each message rendered as raw RFC 5322 text (headers, body, text
//! attachments), the honest denominator.

use super::{Addr, Doc, DocAttachment, SearchIndex};

/// splitmix64, as in the bench.
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
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64 + 1.0).powf(u) - 1.0) as usize % n.max(1)
    }
}

const SCALE: usize = 20;
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
];
const NAMES: &[&str] = &[
    "Alice",
    "Bob",
    "Carol",
    "David",
    "Emma",
    "Hervé",
    "Zoë",
    "José",
    "Jürgen",
    "Иван",
    "Мария",
    "王伟",
    "Søren",
    "Chloé",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Brown",
    "Dupont",
    "Müller",
    "Núñez",
    "Petrov",
    "Иванов",
    "Kowalski",
    "O'Brien",
];
const PHRASES: &[&str] = &["quarterly report", "please find attached", "board meeting"];

/// The ASCII letters of a folded name, as the bench makes local parts.
fn ascii(s: &str) -> String {
    let a: String = super::tokenize::fold(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    if a.is_empty() {
        "x".to_string()
    } else {
        a
    }
}

struct Corpus {
    vocab: Vec<String>,
    people: Vec<Addr>,
}

impl Corpus {
    fn new() -> Self {
        let mut rng = Rng(42);
        let syll = [
            "ka", "lo", "mi", "ne", "ta", "ri", "so", "vu", "pe", "da", "gor", "lin", "tes", "mar",
            "quo", "bri", "sen", "tal", "vek", "zu", "ché", "ré", "ün",
        ];
        let mut vocab: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
        while vocab.len() < 40_000 / SCALE {
            let n = 2 + rng.below(3);
            vocab.push((0..n).map(|_| syll[rng.below(syll.len())]).collect());
        }
        let domains: Vec<String> = (0..400 / SCALE)
            .map(|i| {
                format!(
                    "{}{i}.{}",
                    vocab[100 + rng.below(1000)],
                    ["com", "fr", "de", "co.uk"][i % 4]
                )
            })
            .collect();
        let people = (0..5000 / SCALE)
            .map(|i| {
                let f = NAMES[rng.below(NAMES.len())];
                let l = LAST[rng.below(LAST.len())];
                let d = &domains[rng.zipf(domains.len())];
                let local = format!("{}.{}{}", ascii(f), ascii(l), i % 50);
                Addr::new(format!("{f} {l}"), format!("{local}@{d}"))
            })
            .collect();
        Corpus { vocab, people }
    }

    fn words(&self, rng: &mut Rng, n: usize, out: &mut String) {
        let mut since_stop = 0;
        for k in 0..n {
            if k > 0 {
                out.push(' ');
            }
            match rng.below(1000) {
                0..=4 => out.push_str(&rng.below(1_000_000 / SCALE).to_string()),
                5..=6 => out.push_str(&self.people[rng.below(self.people.len())].address),
                7 => out.push_str(PHRASES[rng.below(PHRASES.len())]),
                8 => out.push_str(&format!("INV-{}", rng.below(100_000 / SCALE))),
                _ => out.push_str(&self.vocab[rng.zipf(self.vocab.len())]),
            }
            since_stop += 1;
            if since_stop > 6 && rng.chance(12) {
                out.push('.');
                since_stop = 0;
            }
        }
        out.push('.');
    }

    /// Message `i` and its raw RFC 5322 size.
    fn doc(&self, i: usize) -> (Doc, usize) {
        let mut rng = Rng(i as u64 * 7919 + 1);
        let mut subject = String::new();
        if rng.chance(30) {
            subject.push_str("Re: ");
        }
        let sn = 2 + rng.below(6);
        self.words(&mut rng, sn, &mut subject);
        subject.pop();
        let pick = |rng: &mut Rng| self.people[rng.zipf(self.people.len())].clone();
        let from = vec![pick(&mut rng)];
        let to: Vec<Addr> = (0..1 + rng.below(3)).map(|_| pick(&mut rng)).collect();
        let cc: Vec<Addr> = if rng.chance(30) {
            (0..1 + rng.below(2)).map(|_| pick(&mut rng)).collect()
        } else {
            Vec::new()
        };
        let nwords = (15.0 * 100f64.powf((rng.next() % 1000) as f64 / 1000.0)) as usize;
        let mut body = String::new();
        let mut left = nwords;
        while left > 0 {
            let p = left.min(20 + rng.below(60));
            self.words(&mut rng, p, &mut body);
            body.push_str("\n\n");
            left -= p;
        }
        body.push_str("-- \n");
        body.push_str(&from[0].name);
        let mut attachments = Vec::new();
        if rng.chance(20) {
            let mut text = String::new();
            if rng.chance(30) {
                let n = 100 + rng.below(300);
                self.words(&mut rng, n, &mut text);
            }
            let ext = if text.is_empty() { "pdf" } else { "txt" };
            attachments.push(DocAttachment {
                filename: format!(
                    "{}_{}.{ext}",
                    self.vocab[rng.zipf(self.vocab.len())],
                    2000 + rng.below(25)
                ),
                content_type: if text.is_empty() {
                    "application/pdf"
                } else {
                    "text/plain"
                }
                .to_string(),
                text,
            });
        }
        let date = 946_684_800 + rng.below(25 * 365 * 86_400) as i64;
        // Raw text as a mail client stores it, with the headers every message has (no Received: lines,
        // no signatures) and without binary attachments, as in the bench.
        let list = |a: &[Addr]| {
            a.iter()
                .map(|a| format!("\"{}\" <{}>", a.name, a.address))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let when = chrono::DateTime::from_timestamp(date, 0)
            .map(|d| d.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
            .unwrap_or_default();
        let mut raw = format!(
            "Return-Path: <{}>\r\nDate: {when}\r\nFrom: {}\r\nTo: {}\r\n{}Subject: {subject}\r\n\
             Message-ID: <{:016x}@{}>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
            from[0].address,
            list(&from),
            list(&to),
            if cc.is_empty() {
                String::new()
            } else {
                format!("Cc: {}\r\n", list(&cc))
            },
            rng.next(),
            from[0].address.rsplit('@').next().unwrap_or_default(),
        )
        .len();
        for a in &attachments {
            raw += a.text.len() + 120;
        }
        let doc = Doc {
            subject,
            from,
            to,
            cc,
            body,
            has_html: rng.chance(40),
            attachments,
            date: Some(date),
            size: raw as u64,
            ..Doc::default()
        };
        (doc, raw)
    }
}

#[test]
fn index_memory_is_at_most_30_percent_of_the_raw_input() {
    let corpus = Corpus::new();
    let mut index = SearchIndex::new();
    let mut raw_total = 0usize;
    let mut rng = Rng(7);
    for i in 0..200_000 / SCALE {
        let (doc, raw) = corpus.doc(i);
        raw_total += raw;
        assert!(index.add(i as u32, &doc).is_ok());
        let dkim = if rng.chance(80) { "pass" } else { "fail" };
        assert!(index.set_keyword(i as u32, "dkim", dkim).is_ok());
    }
    let as_built = index.memory_bytes() as f64 / raw_total as f64;
    index.shrink_to_fit();
    let ratio = index.memory_bytes() as f64 / raw_total as f64;
    let report: Vec<String> = index
        .memory_report()
        .iter()
        .map(|(what, bytes)| format!("{what} {:.2} MB", *bytes as f64 / 1e6))
        .collect();
    println!(
        "{} terms; raw input {:.1} MB; index {:.1}% of it ({:.1}% as built): {}",
        index.term_count(),
        raw_total as f64 / 1e6,
        100.0 * ratio,
        100.0 * as_built,
        report.join(", ")
    );
    assert!(
        ratio <= 0.30,
        "index memory is {:.1}% of the input",
        100.0 * ratio
    );
    // Still a working index after shrinking: phrases, fields and adds.
    let q = index
        .parse("\"quarterly report\" dkim:pass")
        .unwrap_or_default();
    assert!(!index.search(&q).is_empty());
    let (doc, _) = corpus.doc(1);
    assert!(index.add(1_000_000, &doc).is_ok());
    let q = index
        .parse(&format!("subject:\"{}\"", doc.subject))
        .unwrap_or_default();
    assert!(index.search(&q).ids().contains(&1_000_000));
}
