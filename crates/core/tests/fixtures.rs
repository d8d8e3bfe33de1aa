//! The repository's own small fixtures (`tests/fixtures/`), with exact expectations. Always runs, with or
//! without the shared corpus.

mod common;

use leakloupe_core::diagnostic::DiagnosticKind;
use leakloupe_core::ingest::{
    ingest_all, message_bytes, IngestResult, Ingester, Sniffed, SourceFormat,
};
use leakloupe_core::message::{attachment_bytes, read_message, sha256_hex, BodySource};

fn fixture(name: &str) -> Vec<u8> {
    let path = common::fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn slice<'a>(src: &'a [u8], span: &leakloupe_core::ingest::MessageSpan) -> &'a [u8] {
    &src[span.offset as usize..(span.offset + span.len) as usize]
}

#[test]
fn eml_with_base64_attachment_and_encoded_subject() {
    let src = fixture("attachment.eml");
    let r = ingest_all(&src, "attachment.eml");
    assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Eml));
    assert_eq!(r.messages.len(), 1);
    let (span, s) = &r.messages[0];
    assert_eq!((span.offset, span.len), (0, src.len() as u64));
    assert_eq!(s.subject, "Quartalszahlen – vertraulich");
    assert_eq!(s.from, "Alice Müller <alice@example.org>");
    assert_eq!(s.to, "Bob <bob@example.net>, carol@example.net");
    assert_eq!(s.message_id.as_deref(), Some("<fixture-1@example.org>"));
    let date = s.date.expect("date");
    assert_eq!(date.utc_display(), "2024-01-02 08:15:00 UTC");
    assert_eq!(date.offset_display(), "+01:00");
    assert_eq!(s.attachment_count, 1);
    assert_eq!(s.sha256, sha256_hex(&src));
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);

    let d = read_message(&src);
    assert_eq!(d.cc, "dave@example.net");
    assert_eq!(d.body.source, BodySource::Plain);
    assert_eq!(d.body.text, "Hallo Bob, anbei die Zahlen für Q4.");
    assert_eq!(d.headers.len(), 9);
    assert_eq!(d.headers[4].name, "Subject");
    assert_eq!(
        d.headers[4].raw,
        "=?UTF-8?B?UXVhcnRhbHN6YWhsZW4g4oCTIHZlcnRyYXVsaWNo?="
    );
    let a = &d.attachments[0];
    assert_eq!(a.filename.as_deref(), Some("Zahlen Q4 übersicht.pdf"));
    assert_eq!(a.content_type, "application/pdf");
    assert_eq!(a.disposition.as_deref(), Some("attachment"));
    assert_eq!(a.size, 293);
    assert_eq!(
        a.sha256,
        "d75368cffedb9ec7d38de41ddca8edb7ffe55b9b3c5402cf91781a4066a38228"
    );
    let bytes = attachment_bytes(&src, 0).expect("attachment 0");
    assert!(bytes.starts_with(b"%PDF-1.4\n"));
    assert_eq!(sha256_hex(&bytes), a.sha256);
}

#[test]
fn mboxrd_with_crlf() {
    let src = fixture("mboxrd-crlf.mbox");
    let r = ingest_all(&src, "mboxrd-crlf.mbox");
    assert_eq!(r.sniffed, Sniffed::Mail(SourceFormat::Mbox));
    let subjects: Vec<&str> = r.messages.iter().map(|(_, s)| s.subject.as_str()).collect();
    assert_eq!(subjects, ["first", "second"]);
    let (span, _) = &r.messages[0];
    assert!(span.mboxrd_unquote);
    assert_eq!(
        span.envelope.as_ref().map(|e| e.from.as_str()),
        Some("alice@example.org")
    );
    let body = message_bytes(span, slice(&src, span));
    let text = String::from_utf8(body).expect("utf-8");
    assert!(
        text.contains(
            "\r\nFrom the start, this line was quoted.\r\n>From here too.\r\n> From stays.\r\n"
        ),
        "{text}"
    );
    let (span2, s2) = &r.messages[1];
    assert!(!span2.mboxrd_unquote);
    assert_eq!(
        span2.envelope.as_ref().and_then(|e| e.date_unix),
        Some(1704276000)
    );
    assert_eq!(s2.date.map(|d| d.utc_unix), Some(1704276000));
    assert!(
        String::from_utf8_lossy(slice(&src, span2)).contains("From perl5-porters: not a separator")
    );
}

#[test]
fn cr_only_mbox() {
    let src = fixture("cr-only.mbox");
    assert!(!src.contains(&b'\n'));
    let r = ingest_all(&src, "cr-only.mbox");
    let subjects: Vec<&str> = r.messages.iter().map(|(_, s)| s.subject.as_str()).collect();
    assert_eq!(subjects, ["mac one", "mac two"]);
    let (span, s) = &r.messages[0];
    assert_eq!(
        span.envelope.as_ref().and_then(|e| e.date_unix),
        Some(1516030200)
    );
    assert_eq!(
        s.date.map(|d| d.offset_display()),
        Some("-05:00".to_string())
    );
    assert_eq!(read_message(slice(&src, span)).body.text, "line\n\n");
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}

#[test]
fn chunking_does_not_change_results() {
    for name in ["mboxrd-crlf.mbox", "cr-only.mbox", "attachment.eml"] {
        let src = fixture(name);
        let whole = ingest_all(&src, name);
        let Sniffed::Mail(format) = whole.sniffed.clone() else {
            panic!("{name} not mail")
        };
        for size in [1, 7, 4096] {
            let mut r = IngestResult {
                sniffed: whole.sniffed.clone(),
                messages: vec![],
                diagnostics: vec![],
            };
            let mut ing = Ingester::new(format);
            for c in src.chunks(size) {
                ing.push(c, &mut r);
            }
            ing.finish(&mut r);
            assert_eq!(r, whole, "{name} in chunks of {size}");
        }
    }
}

#[test]
fn rejected_sources() {
    for (name, reason) in [
        ("not-mail.txt", "not an email: no header block found"),
        ("tiny.png", "not an email: this is a PNG image"),
    ] {
        let r = ingest_all(&fixture(name), name);
        assert_eq!(
            r.sniffed,
            Sniffed::Rejected {
                reason: reason.to_string()
            }
        );
        assert!(r.messages.is_empty());
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].kind, DiagnosticKind::NotMail);
        assert_eq!(r.diagnostics[0].text, reason);
    }
}

#[test]
fn smoke_over_own_fixtures() {
    let files = common::files_under(&common::fixtures_dir(), &|_| true);
    // At least the five original fixtures; other runners add their own (e.g. tiny.partial.emlx).
    assert!(files.len() >= 5, "only {} fixtures", files.len());
    for f in files {
        common::smoke(&f);
    }
}
