//! A synthetic mbox for the list and search benchmarks: many small (~1 KB) messages with varied
//! senders, recipients, subjects, dates, bodies, threads, attachments and HTML parts, generated
//! deterministically (a fixed seed, no external crate) so every run measures the same archive.
//!
//! What is in it, so that queries have something realistic to find:
//! * ~2,400 people at 40 companies (`<company>.example`, RFC 2606 names) plus four mail providers;
//!   senders follow a Zipf law (a few people write a lot), 1–3 To recipients, sometimes Cc.
//!   A few display names are non-ASCII (RFC 2047 encoded), as are ~4 % of subjects.
//! * Dates from 2015-01-01 to 2020-12-31, roughly in file order (as real mboxes), each sender with
//!   a fixed UTC offset.
//! * ~35 % replies (`Re:` subject, In-Reply-To/References to an earlier message; 1 in 50 points at
//!   a message the archive does not hold, so the thread view has placeholders), ~3 % forwards.
//! * Bodies of Zipf-distributed words: 150 real English words at the head and 30,000 pseudo-words in
//!   the tail (a dictionary of the size real mail has), plus ticket numbers and amounts.
//! * ~8 % with one attachment (PDF, text, JPEG or spreadsheet; text ones are indexed), ~6 %
//!   multipart/alternative with an HTML part.
//! * Planted words: `zeppelin` in exactly one message, `quixotic` in every 10,000th, `aardvark` in
//!   every 1,000th; the phrase "quarterly budget review" in ~0.5 % of subjects.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use super::harness::base64;
use super::{free_bytes, BenchFile, MIB};

/// SplitMix64: small, fast, and good enough to make test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize % n.max(1)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

/// Zipf sampler over `n` ranks: P(rank k) ∝ 1 / (k + 1)^s.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let cdf = (0..n)
            .map(|k| {
                acc += 1.0 / ((k + 1) as f64).powf(s);
                acc
            })
            .collect::<Vec<_>>();
        let total = acc;
        Zipf { cdf: cdf.into_iter().map(|c| c / total).collect() }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

/// The head of the word distribution, most frequent first. "from" is left out on purpose only so
/// that a sentence rarely starts a line with "From " (those lines are quoted anyway).
const COMMON: &[&str] = &[
    "the", "to", "and", "of", "a", "in", "for", "is", "on", "that", "we", "you", "this", "with", "be", "it", "are", "will",
    "as", "at", "have", "please", "can", "by", "our", "not", "all", "if", "let", "me", "know", "need", "should", "about",
    "would", "next", "new", "one", "there", "they", "but", "so", "just", "time", "also", "what", "when", "up", "out",
    "meeting", "budget", "report", "project", "team", "review", "update", "schedule", "contract", "client", "call",
    "week", "today", "tomorrow", "monday", "friday", "office", "deadline", "draft", "final", "numbers", "forecast",
    "quarter", "sales", "revenue", "cost", "plan", "approval", "invoice", "payment", "account", "order", "shipment",
    "delivery", "customer", "vendor", "legal", "agreement", "terms", "proposal", "pricing", "discount", "launch",
    "product", "release", "version", "issue", "ticket", "server", "access", "password", "security", "audit",
    "compliance", "travel", "hotel", "flight", "expenses", "hiring", "candidate", "interview", "offer", "board",
    "investor", "merger", "confidential", "thanks", "attached", "document", "spreadsheet", "slides", "presentation",
    "notes", "minutes", "agenda", "summary", "question", "feedback", "comments", "changes", "morning", "afternoon",
    "discuss", "confirm", "send", "check", "sign", "share", "team", "office", "receipt", "shipping", "warehouse",
    "inventory", "marketing", "campaign", "website", "database", "backup", "migration", "outage", "renewal",
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tas", "vel", "dor", "pha", "qui", "zen", "bru", "cal", "des", "fin", "gor", "hal", "jun",
    "kor", "lan", "mor", "nel", "pri", "ros", "sul", "tev", "ula", "vin", "wex", "yar", "zol", "ber", "cin", "dra",
    "el", "fo", "gri", "hu", "ix", "jo", "ku", "li", "ma", "no", "pe", "ra", "si", "to", "va", "we", "xi",
];

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Karl", "Laura", "Mallory",
    "Nadia", "Oscar", "Peggy", "Quentin", "Rupert", "Sybil", "Trent", "Ursula", "Victor", "Walter", "Xenia", "Yusuf",
    "Zoe", "Amir", "Beatriz", "Chen", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ingrid", "Jamal", "Kenji", "Leila",
    "Marco", "Nora", "Olga", "Pavel", "Rosa", "Sanjay", "Tomas", "Uma", "Wei", "Yara",
];
/// Display names that need RFC 2047 encoding.
const FIRST_NON_ASCII: &[&str] = &["José", "Zoë", "Björn", "Anaïs", "Łukasz", "Søren"];
const LAST: &[&str] = &[
    "Martin", "Smith", "Jones", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kowalski", "Schmidt", "Rossi", "Dubois", "Ivanova",
    "Tanaka", "Okafor",
];
const COMPANIES: &[&str] = &[
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne", "soylent",
    "oscorp", "aperture", "vandelay", "dunder", "prestige", "monarch", "gringotts", "nakatomi", "virtucon", "massive",
    "vehement", "sirius", "zorg", "bluth", "krusty", "duff", "planet", "pied-piper", "raviga", "gekko", "weyland",
    "encom", "ingen", "lacuna", "oceanic", "dharma", "wernham", "sterling", "contoso",
];
const PROVIDERS: &[&str] = &["postbox.example", "fastmail.example", "webmail.example.net", "mail.example.org"];
/// UTC offsets in minutes.
const OFFSETS: &[i32] = &[0, -300, -240, 60, 120, -480, -420, 330, 540, 600, 180, -180];
const TOPICS: &[&str] = &[
    "budget", "meeting", "report", "contract", "invoice", "schedule", "proposal", "review", "launch", "audit", "travel",
    "offsite", "hiring", "pricing", "roadmap", "security", "migration", "outage", "renewal", "forecast", "merger",
    "shipment", "inventory", "campaign", "backup",
];
const SUBJECT_FORMS: &[&str] = &[
    "{T} for {M}", "{T} update #{N}", "Question about the {t}", "{T} notes", "Draft {t} for review", "Final {t}",
    "{T}: action items", "Re {t} numbers", "Urgent: {t} deadline", "{T} call on {D}", "Updated {t} ({M} {Y})",
    "{T} and {t2}", "FYI {t}", "{T} sign-off needed", "{W} {t}",
];
const MONTHS: &[&str] = &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH_NAMES: &[&str] =
    &["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS: &[&str] = &["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAY_NAMES: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
const NON_ASCII_SUBJECTS: &[&str] =
    &["Résumé of the {t}", "Café meeting — {t}", "Über den {t}", "Предложение: {t}", "Reunión sobre el {t}", "予算 {t}"];

struct Person {
    display: String,
    first: String,
    addr: String,
    offset_min: i32,
    company: String,
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (RFC 5322 date in the sender's offset, asctime in UTC for the From_ line, UTC year, UTC month).
fn dates(utc: i64, offset_min: i32) -> (String, String, i64, u32) {
    let local = utc + offset_min as i64 * 60;
    let (ld, ls) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(ld);
    let sign = if offset_min < 0 { '-' } else { '+' };
    let rfc = format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        DAYS[(ld + 4).rem_euclid(7) as usize],
        MONTHS[m as usize - 1],
        ls / 3600,
        ls / 60 % 60,
        ls % 60,
        offset_min.abs() / 60,
        offset_min.abs() % 60
    );
    let (ud, us) = (utc.div_euclid(86_400), utc.rem_euclid(86_400));
    let (uy, um, udd) = civil_from_days(ud);
    let asctime = format!(
        "{} {} {udd:2} {:02}:{:02}:{:02} {uy}",
        DAYS[(ud + 4).rem_euclid(7) as usize],
        MONTHS[um as usize - 1],
        us / 3600,
        us / 60 % 60,
        us % 60
    );
    (rfc, asctime, uy, um)
}

fn encoded_word(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", base64(s.as_bytes()))
    }
}

fn mailbox(p: &Person) -> String {
    if p.display.is_ascii() {
        format!("\"{}\" <{}>", p.display, p.addr)
    } else {
        format!("{} <{}>", encoded_word(&p.display), p.addr)
    }
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn wrap_base64(bytes: &[u8], out: &mut String) {
    let b = base64(bytes);
    for chunk in b.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
}

struct Generator {
    rng: Rng,
    words: Vec<String>,
    word_zipf: Zipf,
    people: Vec<Person>,
    people_zipf: Zipf,
    /// Recent messages (id, subject without Re:/Fwd:, References chain), for replies.
    recent: VecDeque<(u64, String, Vec<String>, usize)>,
}

impl Generator {
    fn new() -> Generator {
        let mut rng = Rng::new(0x1EA4_100B_E200_0001);
        let mut seen: HashSet<String> = COMMON.iter().map(|w| w.to_string()).collect();
        let mut words: Vec<String> = Vec::new();
        for w in COMMON {
            if !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        }
        // Pseudo-words for the long tail; the planted words cannot be made of these syllables.
        while words.len() < COMMON.len() + 30_000 {
            let n = rng.range(2, 4);
            let w: String = (0..n).map(|_| *rng.pick(SYLLABLES)).collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let word_zipf = Zipf::new(words.len(), 1.0);
        let mut people = Vec::new();
        for i in 0..2_400usize {
            let first = if i % 97 == 5 { FIRST_NON_ASCII[i % FIRST_NON_ASCII.len()] } else { FIRST[rng.below(FIRST.len())] };
            let last = LAST[rng.below(LAST.len())];
            let (domain, company) = if rng.chance(0.12) {
                let p = *rng.pick(PROVIDERS);
                (p.to_string(), "personal".to_string())
            } else {
                let c = *rng.pick(COMPANIES);
                (format!("{c}.example"), capitalize(c))
            };
            let ascii_first: String = first.chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>().to_lowercase();
            let local = match i % 3 {
                0 => format!("{ascii_first}.{}", last.to_lowercase()),
                1 => format!("{}{}", &ascii_first[..1.min(ascii_first.len())], last.to_lowercase()),
                _ => format!("{ascii_first}{}", i % 100),
            };
            people.push(Person {
                display: format!("{first} {last}"),
                first: first.to_string(),
                addr: format!("{local}@{domain}"),
                offset_min: *rng.pick(OFFSETS),
                company,
            });
        }
        let people_zipf = Zipf::new(people.len(), 0.8);
        Generator { rng, words, word_zipf, people, people_zipf, recent: VecDeque::new() }
    }

    fn word(&mut self) -> &str {
        let k = self.word_zipf.sample(&mut self.rng);
        &self.words[k]
    }

    fn sentence(&mut self, out: &mut String) {
        let n = self.rng.range(5, 14);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            let roll = self.rng.unit();
            if roll < 0.012 {
                let _ = write!(out, "#{}", 10_000 + self.rng.below(90_000));
            } else if roll < 0.02 {
                let _ = write!(out, "${},{:03}", self.rng.range(1, 999), self.rng.below(1000));
            } else {
                let w = self.word().to_string();
                if i == 0 {
                    out.push_str(&capitalize(&w));
                } else {
                    out.push_str(&w);
                }
            }
            if i + 1 < n && self.rng.chance(0.06) {
                out.push(',');
            }
        }
        out.push_str(if self.rng.chance(0.1) { "?" } else { "." });
    }

    fn paragraph(&mut self, out: &mut String, sentences: usize) {
        let mut line = String::new();
        for _ in 0..sentences {
            let mut s = String::new();
            self.sentence(&mut s);
            for w in s.split(' ') {
                if !line.is_empty() && line.len() + w.len() + 1 > 72 {
                    push_line(out, &line);
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(w);
            }
        }
        if !line.is_empty() {
            push_line(out, &line);
        }
    }

    fn subject(&mut self, n: u64, year: i64, month: u32) -> String {
        if self.rng.chance(0.005) {
            return format!("Quarterly budget review Q{} {year}", (month - 1) / 3 + 1);
        }
        let t = *self.rng.pick(TOPICS);
        let t2 = *self.rng.pick(TOPICS);
        let form = if self.rng.chance(0.04) { *self.rng.pick(NON_ASCII_SUBJECTS) } else { *self.rng.pick(SUBJECT_FORMS) };
        let w = self.word().to_string();
        form.replace("{T}", &capitalize(t))
            .replace("{t2}", t2)
            .replace("{t}", t)
            .replace("{M}", MONTH_NAMES[month as usize - 1])
            .replace("{Y}", &year.to_string())
            .replace("{N}", &(n % 9973).to_string())
            .replace("{D}", DAY_NAMES[self.rng.below(DAY_NAMES.len())])
            .replace("{W}", &capitalize(&w))
    }

    /// One message (without the From_ line), and the asctime for its From_ line.
    fn message(&mut self, n: u64, total: u64) -> (String, String, String) {
        const START_DAY: i64 = 16_436; // 2015-01-01
        const SPAN_DAYS: i64 = 2_192; // to 2020-12-31
        let sender_i = self.people_zipf.sample(&mut self.rng);
        // Roughly chronological, with a day or two of jitter; office hours mostly.
        let day = START_DAY + (n as i64 * SPAN_DAYS) / total as i64 + self.rng.range(0, 2) as i64 - 1;
        let secs = if self.rng.chance(0.85) { 7 * 3600 + self.rng.below(12 * 3600) } else { self.rng.below(86_400) };
        let offset = self.people[sender_i].offset_min;
        let utc = day * 86_400 + secs as i64 - offset as i64 * 60;
        let (date, asctime, year, month) = dates(utc, offset);

        let n_to = if self.rng.chance(0.7) { 1 } else { self.rng.range(2, 3) };
        let to: Vec<usize> = (0..n_to).map(|_| self.people_zipf.sample(&mut self.rng)).collect();
        let cc: Vec<usize> = if self.rng.chance(0.2) { (0..self.rng.range(1, 2)).map(|_| self.people_zipf.sample(&mut self.rng)).collect() } else { Vec::new() };

        // Reply, forward or new thread.
        let roll = self.rng.unit();
        let mut headers = String::new();
        let (subject, refs, quoted_from) = if roll < 0.35 && !self.recent.is_empty() {
            let k = self.recent.len() - 1 - self.rng.below(self.recent.len().min(3_000));
            let (pid, psubj, prefs, psender) = self.recent[k].clone();
            let parent = if self.rng.chance(0.02) { format!("<missing-{n}.synth@leakloupe.invalid>") } else { format!("<{pid}.synth@leakloupe.invalid>") };
            let mut refs: Vec<String> = prefs.iter().rev().take(6).rev().cloned().collect();
            refs.push(parent.clone());
            let _ = writeln!(headers, "In-Reply-To: {parent}");
            let _ = writeln!(headers, "References: {}", refs.join("\n "));
            (psubj, refs, Some(psender))
        } else {
            (self.subject(n, year, month), Vec::new(), None)
        };
        let shown_subject = match (&quoted_from, roll) {
            (Some(_), _) => format!("Re: {subject}"),
            (None, r) if r > 0.97 => format!("Fwd: {subject}"),
            _ => subject.clone(),
        };

        // Body.
        let mut body = String::new();
        let greet = self.people[to[0]].first.clone();
        let _ = writeln!(body, "{} {greet},\n", *self.rng.pick(&["Hi", "Hello", "Dear", "Hey"]));
        let s1 = self.rng.range(2, 4);
        self.paragraph(&mut body, s1);
        if n % 10_000 == 777 {
            body.push_str("That plan is quixotic, frankly.\n");
        }
        if n % 1_000 == 333 {
            body.push_str("The aardvark account needs a second look.\n");
        }
        if n == 123_457 {
            body.push_str("Code name for the launch: zeppelin.\n");
        }
        if self.rng.chance(0.5) {
            body.push('\n');
            let s2 = self.rng.range(1, 3);
            self.paragraph(&mut body, s2);
        }
        let attach = self.rng.chance(0.08);
        if attach {
            body.push_str("\nPlease find attached the file we discussed.\n");
        }
        let sender = &self.people[sender_i];
        let _ = write!(body, "\n{}\n{}\n\n-- \n{}, {}\n", *self.rng.pick(&["Thanks,", "Best regards,", "Cheers,", "Regards,"]), sender.first, sender.display, sender.company);
        if let Some(ps) = quoted_from {
            let who = self.people[ps].display.clone();
            let _ = writeln!(body, "\nOn {}, {who} wrote:", &date[..16]);
            let mut q = String::new();
            self.paragraph(&mut q, 2);
            for l in q.lines() {
                let _ = writeln!(body, "> {l}");
            }
        }

        let sender = &self.people[sender_i];
        let _ = write!(
            headers,
            "From: {}\nTo: {}\n",
            mailbox(sender),
            to.iter().map(|&i| mailbox(&self.people[i])).collect::<Vec<_>>().join(",\n ")
        );
        if !cc.is_empty() {
            let _ = writeln!(headers, "Cc: {}", cc.iter().map(|&i| mailbox(&self.people[i])).collect::<Vec<_>>().join(", "));
        }
        let _ = write!(headers, "Subject: {}\nDate: {date}\nMessage-ID: <{n}.synth@leakloupe.invalid>\nMIME-Version: 1.0\n", encoded_word(&shown_subject));
        if self.rng.chance(0.3) {
            let _ = writeln!(headers, "X-Mailer: {}", *self.rng.pick(&["Microsoft Outlook 16.0", "Apple Mail (2.3445)", "Thunderbird 68.0", "Roundcube Webmail/1.4"]));
        }

        let html = !attach && self.rng.chance(0.065);
        let mut msg = headers;
        let boundary = format!("=_ll_{n}_{}", self.rng.below(1_000_000));
        if attach {
            let _ = write!(msg, "Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\nThis is a multi-part message in MIME format.\n\n--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n--{boundary}\n");
            let kind = self.rng.below(4);
            let (name, ctype) = match kind {
                0 => (format!("report-{year}-q{}.pdf", (month - 1) / 3 + 1), "application/pdf"),
                1 => (format!("notes-{n}.txt"), "text/plain"),
                2 => (format!("photo-{}.jpg", n % 500), "image/jpeg"),
                _ => ("figures.xlsx".to_string(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            };
            let _ = write!(msg, "Content-Type: {ctype}; name=\"{name}\"\nContent-Disposition: attachment; filename=\"{name}\"\n");
            if kind == 1 {
                let mut text = String::new();
                self.paragraph(&mut text, 2);
                let _ = write!(msg, "Content-Transfer-Encoding: 8bit\n\n{text}");
            } else {
                msg.push_str("Content-Transfer-Encoding: base64\n\n");
                let len = self.rng.range(200, 420);
                let mut bytes: Vec<u8> = (0..len).map(|_| self.rng.next_u64() as u8).collect();
                if kind == 0 {
                    bytes[..9].copy_from_slice(b"%PDF-1.4\n");
                }
                wrap_base64(&bytes, &mut msg);
            }
            let _ = writeln!(msg, "--{boundary}--");
        } else if html {
            let paras: Vec<String> = body.split("\n\n").map(|p| format!("<p>{}</p>", p.replace('&', "&amp;").replace('<', "&lt;").replace('\n', "<br>"))).collect();
            let _ = write!(
                msg,
                "Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\n--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n--{boundary}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<html><body>{}</body></html>\n--{boundary}--\n",
                paras.join("")
            );
        } else {
            let _ = write!(msg, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}");
        }

        let from_addr = self.people[sender_i].addr.clone();
        if self.recent.len() >= 4_096 {
            self.recent.pop_front();
        }
        self.recent.push_back((n, subject, refs, sender_i));
        (msg, asctime, from_addr)
    }
}

/// Appends `line` and a line end.
fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

/// mboxrd quoting of one message's lines: `^>*From ` gets one more `>`.
fn quote_from_lines(msg: &str, out: &mut Vec<u8>) {
    for line in msg.split_inclusive('\n') {
        let gts = line.bytes().take_while(|&b| b == b'>').count();
        if line[gts..].starts_with("From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line.as_bytes());
    }
}

/// Writes `messages` synthetic messages as one mbox under `LEAKLOUPE_BENCH_DIR` (or the temp dir).
pub fn write_synthetic_mbox(messages: u64) -> BenchFile {
    let base = std::env::var_os("LEAKLOUPE_BENCH_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("leakloupe-bench-synth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create bench dir");
    if let Some(free) = free_bytes(&dir) {
        let need = messages * 2_000;
        assert!(free > need + 512 * MIB, "{} has {} MiB free; the synthetic mbox needs ~{} MiB", dir.display(), free / MIB, need / MIB);
    }
    let path = dir.join(format!("synthetic-{messages}.mbox"));
    let t0 = Instant::now();
    let mut g = Generator::new();
    let mut w = BufWriter::with_capacity(4 << 20, std::fs::File::create(&path).expect("create synthetic mbox"));
    let mut size = 0u64;
    let mut buf = Vec::with_capacity(8 << 10);
    for n in 0..messages {
        let (msg, asctime, from) = g.message(n, messages);
        buf.clear();
        buf.extend_from_slice(format!("From {from} {asctime}\n").as_bytes());
        quote_from_lines(&msg, &mut buf);
        if !buf.ends_with(b"\n") {
            buf.push(b'\n');
        }
        buf.push(b'\n');
        w.write_all(&buf).expect("write synthetic mbox");
        size += buf.len() as u64;
    }
    w.flush().expect("flush synthetic mbox");
    drop(w);
    eprintln!(
        "synthetic mbox: {} ({:.1} MiB, {messages} messages, {:.0} bytes each on average) written in {:.1}s",
        path.display(),
        size as f64 / MIB as f64,
        size as f64 / messages as f64,
        t0.elapsed().as_secs_f64()
    );
    BenchFile {
        path,
        dir,
        size,
        messages,
        templates: 0,
        source: format!("synthetic ({messages} generated messages, fixed seed)"),
        samples: Vec::new(),
    }
}

/// One extra message in its own file, picked after indexing so that the worker reports its wasm
/// memory again (it reports it only with ingest progress). Deleted when dropped.
pub struct ProbeFile(pub PathBuf);

impl ProbeFile {
    pub fn new(dir: &std::path::Path) -> ProbeFile {
        let p = dir.join("memory-probe.eml");
        std::fs::write(
            &p,
            "From: \"Probe\" <probe@leakloupe.invalid>\nTo: probe@leakloupe.invalid\nSubject: memory probe\n\
             Date: Thu, 01 Jan 2015 00:00:00 +0000\nMessage-ID: <memory-probe@leakloupe.invalid>\n\nOne more message.\n",
        )
        .expect("write the memory-probe message");
        ProbeFile(p)
    }
}

impl Drop for ProbeFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn synthetic_dates_are_valid() {
    // 2015-01-01 was a Thursday; 2020-02-29 existed.
    assert_eq!(civil_from_days(16_436), (2015, 1, 1));
    assert_eq!(dates(16_436 * 86_400 + 3_600, -300).0, "Wed, 31 Dec 2014 20:00:00 -0500");
    assert_eq!(dates(18_321 * 86_400, 0).0, "Sat, 29 Feb 2020 00:00:00 +0000");
    assert_eq!(dates(16_436 * 86_400, 0).1, "Thu Jan  1 00:00:00 2015");
}
