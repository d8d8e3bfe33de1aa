//! The deterministic synthetic archive shared by the search bench (`benches/search.rs`) and the index's
//! memory test (`src/search/memory_tests.rs`): one generator, parameterized by a scale that divides every
//! dimension. At scale 1 (the bench's) it is 200,000 messages over a Zipf vocabulary of 40,000 words
//! (invented words of 2 to 4 syllables after the common English and business words), 5,000 correspondents
//! (Latin, accented, Cyrillic and CJK names) over 400 domains, numbers below 1,000,000 and invoice numbers
//! below 100,000 in the text; at scale 20 (the memory test's) 10,000 messages, 2,000 words, 250
//! correspondents over 20 domains, numbers and invoice numbers over ranges 20 times smaller — the term
//! statistics of the large archive on a twentieth of it (scaling only the message count would leave a
//! 40,000-word vocabulary over a twentieth of the text, which no real archive has). What does not scale:
//! bodies (log-uniform 15 to 1,500 words in paragraphs, e-mail addresses, phrases and numbers among the
//! words, Cyrillic and CJK lines), replies, Cc lists, attachments (binary and text, a fifth of the
//! messages), 25 years of dates, the word and name lists.
//!
//! Message `i` draws from its own seed, so a prefix of the archive does not depend on its length. The
//! bench's published numbers (BENCHMARKS.md, `src/search/mod.rs`) were measured on the output at scale 1:
//! change it and they stop being comparable.
//!
//! Included with `#[path]` (a file in a subdirectory of `benches/` is no bench target of its own, and it
//! stays out of the library's API); `crate::search` must name leakloupe-core's search module in the crate
//! that includes it — the library itself, or a `use leakloupe_core::search;` at the root of a bench.

use crate::search::tokenize::fold;
use crate::search::{Addr, Doc, DocAttachment, IndexError, SearchIndex};

/// Messages in the archive at scale 1 (divide by the scale).
pub const MESSAGES: usize = 200_000;

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    /// The next 64 random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with the given probability in percent.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// Roughly Zipf: rank r with probability ~ 1/r.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64 + 1.0).powf(u) - 1.0) as usize % n.max(1)
    }
}

/// Common English and business words, the head of the vocabulary.
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

/// The archive's pools (vocabulary, correspondents, domains); [`Corpus::doc`] makes its messages.
pub struct Corpus {
    /// The vocabulary, most frequent first: [`COMMON`], then invented words.
    pub vocab: Vec<String>,
    /// The correspondents.
    pub people: Vec<Addr>,
    /// Their domains.
    #[allow(dead_code, reason = "the bench queries them; the memory test does not")]
    pub domains: Vec<String>,
    scale: usize,
}

impl Corpus {
    /// The pools at `scale` (1: the bench's; n, up to 200: every dimension divided by n).
    pub fn new(scale: usize) -> Self {
        let scale = scale.max(1);
        let mut rng = Rng(42);
        let syll = [
            "ka", "lo", "mi", "ne", "ta", "ri", "so", "vu", "pe", "da", "gor", "lin", "tes", "mar",
            "quo", "bri", "sen", "tal", "vek", "zu", "ché", "ré", "ün",
        ];
        let mut vocab: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
        while vocab.len() < 40_000 / scale {
            let n = 2 + rng.below(3);
            let w: String = (0..n).map(|_| syll[rng.below(syll.len())]).collect();
            vocab.push(w);
        }
        let domains: Vec<String> = (0..400 / scale)
            .map(|i| {
                let base = &vocab[100 + rng.below(5000 / scale)];
                let tld = TLDS[i % TLDS.len()];
                if i % 7 == 0 {
                    format!("mail.{base}{i}.{tld}")
                } else {
                    format!("{base}{i}.{tld}")
                }
            })
            .collect();
        let people = (0..5000 / scale)
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
            scale,
        }
    }

    fn words(&self, rng: &mut Rng, n: usize, out: &mut String) {
        let mut since_stop = 0;
        for k in 0..n {
            if k > 0 {
                out.push(' ');
            }
            match rng.below(1000) {
                0..=4 => out.push_str(&format!("{}", rng.below(1_000_000 / self.scale))),
                5..=6 => out.push_str(&self.people[rng.below(self.people.len())].address),
                7 => out.push_str(PHRASES[rng.below(PHRASES.len())]),
                8 => out.push_str(&format!("INV-{}", rng.below(100_000 / self.scale))),
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

    /// Message `i` and the size of its raw text: headers (a 260-byte estimate plus subject, names and
    /// addresses), body, text attachments (120 bytes of part headers each); no binary parts.
    pub fn doc(&self, i: usize) -> (Doc, usize) {
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

/// The ASCII letters and digits of a folded name (at most 12; "x" if none), for local parts.
fn ascii(s: &str) -> String {
    let mut a: String = fold(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    if a.is_empty() {
        a.push('x');
    }
    a
}

/// Labels messages `0..n` as the bench does: `dkim` pass (80%) or fail, the tag `important` on 10%.
pub fn label(index: &mut SearchIndex, n: usize) -> Result<(), IndexError> {
    let mut rng = Rng(7);
    for i in 0..n as u32 {
        index.set_keyword(i, "dkim", if rng.chance(80) { "pass" } else { "fail" })?;
        if rng.chance(10) {
            index.set_tags(i, &["important".to_string()])?;
        }
    }
    Ok(())
}
