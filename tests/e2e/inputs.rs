//! What the scenarios feed the app, and what they expect back: real corpus files when the shared
//! corpus is present (read in place, never copied), else the repo's tiny fixtures (tests/fixtures).

use std::path::{Path, PathBuf};

use super::harness::workspace_root;

/// A mail file and what its ingest-log entry must say.
pub struct MailFile {
    pub path: PathBuf,
    /// `data-format`: eml | mbox
    pub format: &'static str,
    pub messages: usize,
}

/// A file the app must refuse, and words its ingest-problem text must contain (case-insensitive).
pub struct Rejected {
    pub path: PathBuf,
    pub reason: &'static [&'static str],
}

/// A message whose attachment we can verify byte for byte against a file we hold separately.
pub struct AttachmentCase {
    pub subject: &'static str,
    pub from_contains: &'static str,
    pub name: &'static str,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    /// Lines the raw headers of this message must show.
    pub raw_needles: &'static [&'static str],
    /// What the attachment's metadata line says ("PNG image · 1 metadata field"), and (label, value) pairs
    /// it lists.
    pub metadata: (&'static str, &'static [(&'static str, &'static str)]),
}

pub struct Inputs {
    pub source: String,
    /// Scenario 1: picked through the file input.
    pub pick: Vec<MailFile>,
    pub attachment: AttachmentCase,
    /// Scenario 2: dropped together (mail first, then the files to reject).
    pub drop_mail: Vec<MailFile>,
    pub drop_rejected: Vec<Rejected>,
    /// Subjects of all dropped messages sorted by date ascending (ties have equal subjects).
    pub drop_order: Vec<&'static str>,
    /// Whether row 1 of the drop has a variant (testmbox and testmbox.dos hold the same messages,
    /// LF and CRLF, with different Content-Length and Lines): the reader must say how they differ.
    pub line_ending_variant_at_row_1: bool,
}

impl Inputs {
    pub fn drop_total(&self) -> usize {
        self.drop_mail.iter().map(|m| m.messages).sum()
    }
    pub fn pick_total(&self) -> usize {
        self.pick.iter().map(|m| m.messages).sum()
    }
}

pub fn corpus_dir() -> PathBuf {
    std::env::var_os("LEAKLOUPE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("corpus"))
}

fn need(base: &Path, rel: &str) -> PathBuf {
    let p = base.join(rel);
    assert!(p.is_file(), "corpus file {} is missing (the corpus is present but incomplete)", p.display());
    p.canonicalize().unwrap()
}

const TESTMBOX_ORDER: [&str; 10] = [
    // testmbox's messages are already in ascending UTC order (checked against the Date headers).
    "[p5ml] Re: karie kahimi binge...help needed",
    "RE: [p5ml] Re: karie kahimi binge...help needed",
    "Re: [p5ml] karie kahimi binge...help needed",
    "[rt-users] Configuration Problem",
    "Re: [rt-users] Configuration Problem",
    "Re: January's meeting",
    "Re: January's meeting",
    "Re: January's meeting",
    "Re: [p5ml] karie kahimi binge...help needed",
    "R: [p5ml] karie kahimi binge...help needed",
];

pub fn load() -> Inputs {
    let corpus = corpus_dir();
    if corpus.join("SOURCES.md").is_file() {
        corpus_inputs(&corpus.canonicalize().unwrap())
    } else {
        // Written straight to stderr (not eprintln!, which the test harness captures) so it shows.
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\nNOTE: the shared mail corpus is ABSENT at {} (set LEAKLOUPE_CORPUS); the e2e scenarios run on \
                 the repo's own small fixtures in tests/fixtures instead.",
                corpus.display()
            );
        });
        fixture_inputs()
    }
}

fn corpus_inputs(c: &Path) -> Inputs {
    let eml = |rel: &str| MailFile { path: need(c, rel), format: "eml", messages: 1 };
    let mbox = |rel: &str, n| MailFile { path: need(c, rel), format: "mbox", messages: n };
    let mut drop_order = vec!["Test message from Microsoft Outlook 00"]; // 2000-05-17
    for s in TESTMBOX_ORDER {
        drop_order.extend([s, s]); // testmbox and testmbox.dos hold the same ten messages
    }
    drop_order.extend(["Winter promotions", "To and Cc headers"]); // 2014, 2019
    Inputs {
        line_ending_variant_at_row_1: true,
        source: format!("corpus {}", c.display()),
        pick: vec![
            eml("eml/eml-format/sample.eml"),
            eml("eml/eml-format/multipart.eml"),
            eml("eml/stalwart-mail-parser/legacy-hunnysoft/000.eml"),
            eml("attachments-metadata/ruby-mail/basic_email.eml"),
        ],
        attachment: AttachmentCase {
            // eml/eml-format/sample.eml carries nodejs.png; the corpus ships that PNG beside it.
            subject: "Winter promotions",
            from_contains: "no-reply@example.com",
            name: "nodejs.png",
            mime: "image/png",
            bytes: std::fs::read(need(c, "eml/eml-format/nodejs.png")).unwrap(),
            raw_needles: &["Subject: Winter promotions", "Date: Wed, 29 Jan 2014 11:10:06 +0100"],
            // nodejs.png's tIME chunk: 07E1 0A 01 11 15 2B.
            metadata: ("PNG image · 1 metadata field", &[("Modified", "2017-10-01 17:21:43 UTC")]),
        },
        drop_mail: vec![
            mbox("mbox/email-folder-perl/testmbox", 10),
            mbox("mbox/email-folder-perl/testmbox.dos", 10),
            eml("eml/eml-format/sample.eml"),
            eml("eml/eml-format/cc.eml"),
            eml("eml/stalwart-mail-parser/legacy-hunnysoft/000.eml"),
        ],
        drop_rejected: vec![
            Rejected { path: need(c, "eml/eml-format/nodejs.png"), reason: &["not an email", "PNG"] },
            Rejected { path: need(c, "attachments-metadata/ruby-mail/test.pdf"), reason: &["PDF"] },
        ],
        drop_order,
    }
}

fn fixture_inputs() -> Inputs {
    let f = workspace_root().join("tests").join("fixtures");
    let p = |n: &str| {
        let p = f.join(n);
        assert!(p.is_file(), "fixture {} is missing", p.display());
        p.canonicalize().unwrap()
    };
    Inputs {
        line_ending_variant_at_row_1: false,
        source: format!("fixtures {}", f.display()),
        pick: vec![
            MailFile { path: p("with-attachment.eml"), format: "eml", messages: 1 },
            MailFile { path: p("hello.eml"), format: "eml", messages: 1 },
        ],
        attachment: AttachmentCase {
            subject: "Fixture with attachment",
            from_contains: "alice@example.org",
            name: "tiny.png",
            mime: "image/png",
            bytes: std::fs::read(p("tiny.png")).unwrap(),
            raw_needles: &["Subject: Fixture with attachment", "Message-ID: <fixture-attachment@example.org>"],
            // No text, EXIF or time chunk: the reader still says what the file is.
            metadata: ("PNG image · 0 metadata fields", &[]),
        },
        drop_mail: vec![
            MailFile { path: p("tiny.mbox"), format: "mbox", messages: 3 },
            MailFile { path: p("tiny-crlf.mbox"), format: "mbox", messages: 2 },
            MailFile { path: p("hello.eml"), format: "eml", messages: 1 },
            MailFile { path: p("with-attachment.eml"), format: "eml", messages: 1 },
        ],
        drop_rejected: vec![
            Rejected { path: p("tiny.png"), reason: &["not an email", "PNG"] },
            Rejected { path: p("tiny.pdf"), reason: &["PDF"] },
        ],
        drop_order: vec![
            "Fixture mbox one",
            "Fixture mbox two",
            "Fixture mbox three",
            "Fixture crlf four",
            "Fixture crlf five",
            "Fixture hello",
            "Fixture with attachment",
        ],
    }
}
