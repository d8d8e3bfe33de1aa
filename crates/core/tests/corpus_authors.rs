//! Authors, editors, edit bursts and script flags ([`leakloupe_core::analysis::authors`]) over the corpus's real
//! attachments.
//!
//! Every file under `attachments-metadata/` (except exiftool's `.exiftool.out` dumps) is read with
//! [`extract`] and fed as attachment 0 of its own message (message ids in sorted path order), with the SHA-256
//! of its bytes; `exiftool/ExifTool.jpg` is fed a second time as attachment 2 of an extra message, as a
//! forwarded copy. The expected names, fields and dates were read in exiftool's dumps
//! (`attachments-metadata/exiftool/*.exiftool.out`, checked line by line in `expected_values_are_exiftools`)
//! and, for the three OLE2 files that have none, in exiftool 12.57's reading kept in `corpus_metadata.rs`
//! (`OLE_DUMPS`).
//!
//! Without the corpus these tests say so and pass; `own_fixtures` runs on the repository's own
//! `tests/fixtures/metadata/` files always.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use leakloupe_core::analysis::authors::{AuthorOptions, AuthorRow, DocRef, DumpAuthors};
use leakloupe_core::diagnostic::Severity;
use leakloupe_core::message::sha256_hex;
use leakloupe_core::metadata::{extract, MetaKey, Script};

/// Per field, in how many documents: [`AuthorRow::roles`].
type Roles = Vec<(MetaKey, usize)>;
/// (name, documents, messages, fields) of an [`AuthorRow`].
type TableRow<'a> = (&'a str, usize, usize, &'a [(MetaKey, usize)]);

/// The message id given to the forwarded copy of `exiftool/ExifTool.jpg`.
const COPY_MESSAGE: u32 = 1000;

/// `attachments-metadata/` of the corpus, or `None` (said on stdout).
fn corpus_dir() -> Option<PathBuf> {
    let dir = common::corpus_root()?.join("attachments-metadata");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("corpus has no attachments-metadata/ folder: skipping the corpus author tests");
        None
    }
}

/// The dump fed with every corpus attachment, and the message id of each file (path under the folder).
fn feed_corpus(dir: &Path) -> (DumpAuthors, BTreeMap<String, u32>) {
    let files = common::files_under(dir, &|p| !p.to_string_lossy().ends_with(".exiftool.out"));
    let mut dump = DumpAuthors::new(AuthorOptions::default());
    let mut ids = BTreeMap::new();
    let mut kept = 0;
    for (i, path) in files.iter().enumerate() {
        let id = u32::try_from(i).expect("few files");
        let rel = path
            .strip_prefix(dir)
            .expect("under the folder")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let meta = extract(&bytes, Some(name), None);
        if dump.add_document(id, 0, name, &meta, Some(&sha256_hex(&bytes))) {
            kept += 1;
        }
        if rel == "exiftool/ExifTool.jpg" {
            assert!(dump.add_document(
                COPY_MESSAGE,
                2,
                "photo.jpg",
                &meta,
                Some(&sha256_hex(&bytes))
            ));
        }
        ids.insert(rel, id);
    }
    // The eleven files naming somebody (PNG.png's XMP names Phil Harvey; the other images, the zips,
    // Thumbs.db and ruby-mail's files name nobody).
    assert_eq!(kept, 11, "files with person names");
    assert_eq!(dump.documents(), 11);
    (dump, ids)
}

fn row<'a>(rows: &'a [AuthorRow], name: &str) -> &'a AuthorRow {
    rows.iter().find(|r| r.name == name).unwrap_or_else(|| {
        panic!(
            "no row {name:?} in {:?}",
            rows.iter().map(|r| &r.name).collect::<Vec<_>>()
        )
    })
}

fn at(ids: &BTreeMap<String, u32>, rel: &str) -> DocRef {
    DocRef {
        message: *ids
            .get(rel)
            .unwrap_or_else(|| panic!("{rel} missing from the corpus")),
        attachment: 0,
    }
}

#[test]
fn corpus_author_table() {
    let Some(dir) = corpus_dir() else { return };
    let (dump, ids) = feed_corpus(&dir);
    let rows = dump.authors();
    use MetaKey::*;
    // (name, documents, messages, fields): by documents, then name (case-insensitive).
    let want: &[TableRow] = &[
        ("Phil Harvey", 5, 6, &[(Author, 5)]),
        ("Copyright 2004 Phil Harvey", 4, 5, &[(Copyright, 4)]),
        ("I wrote it", 4, 5, &[(CaptionWriter, 4)]),
        ("My Credit", 4, 5, &[(Credit, 4)]),
        ("Author: Jeff", 1, 1, &[(Author, 1)]),
        ("Company - ExifTool", 1, 1, &[(Company, 1)]),
        ("DePaul", 1, 1, &[(Company, 1)]),
        (
            "Ian Britton",
            1,
            1,
            &[(Author, 1), (CaptionWriter, 1), (Credit, 1)],
        ),
        ("ian Britton - FreeFoto.com", 1, 1, &[(Copyright, 1)]),
        (
            "IDHW IDHW Informatica",
            1,
            1,
            &[(Author, 1), (LastModifiedBy, 1)],
        ),
        ("Jeff", 1, 1, &[(LastModifiedBy, 1)]),
        ("Laurence Ipsum", 1, 1, &[(Author, 1), (LastModifiedBy, 1)]),
        (
            "Lexis Nexis Group",
            1,
            1,
            &[(Author, 1), (LastModifiedBy, 1)],
        ),
        ("lucia", 1, 1, &[(Author, 1)]),
        ("Manager: Self", 1, 1, &[(Manager, 1)]),
        ("MBCO", 1, 1, &[(Company, 1)]),
        ("pabshire", 1, 1, &[(LastModifiedBy, 1)]),
    ];
    let got: Vec<TableRow> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.documents, r.messages, r.roles.as_slice()))
        .collect();
    assert_eq!(got, want);
    for r in &rows {
        assert_eq!(r.scripts, [Script::Latin], "{}", r.name);
        assert!(!r.flagged(), "{}", r.name);
        assert_eq!(r.sender_messages, 0);
    }

    // Phil Harvey: EXIF Artist / XMP dc:creator / IPTC By-line of ExifTool.jpg (twice), IPTC.jpg, PDF.pdf,
    // XMP.jpg, and PNG.png's XMP dc:creator (the PNG states no date). Earliest date: EXIF CreateDate 2001:05:19 18:36:41 (no zone) of ExifTool.jpg and XMP.jpg;
    // latest: the PDF's ModDate 2005:07:18 14:30:45-04:00.
    let phil = row(&rows, "Phil Harvey");
    assert_eq!(
        (phil.first_date, phil.last_date),
        (Some(990_297_401), Some(1_121_711_445))
    );
    assert_eq!(phil.refs_total, 6);
    let mut refs = phil.refs.clone();
    refs.sort();
    let mut want_refs = vec![
        at(&ids, "exiftool/ExifTool.jpg"),
        at(&ids, "exiftool/IPTC.jpg"),
        at(&ids, "exiftool/PDF.pdf"),
        at(&ids, "exiftool/PNG.png"),
        at(&ids, "exiftool/XMP.jpg"),
        DocRef {
            message: COPY_MESSAGE,
            attachment: 2,
        },
    ];
    want_refs.sort();
    assert_eq!(refs, want_refs);

    // OOXML.docx: created 2009:10:24 01:41:00Z, modified 01:48:00Z.
    let jeff = row(&rows, "Jeff");
    assert_eq!(
        (jeff.first_date, jeff.last_date),
        (Some(1_256_348_460), Some(1_256_348_880))
    );
    assert_eq!(jeff.refs, [at(&ids, "exiftool/OOXML.docx")]);
    // sample.ppt: created 2007:06:28 17:37:21Z by lucia, modified 2010:03:18 05:58:24Z by pabshire.
    let pab = row(&rows, "pabshire");
    assert_eq!(
        (pab.first_date, pab.last_date),
        (Some(1_183_052_241), Some(1_268_891_904))
    );
    assert_eq!(pab.refs, [at(&ids, "msg_parser-rs/sample.ppt")]);
    // GPS.jpg: EXIF CreateDate 2002:07:13 15:58:28 .. ModifyDate 2002:07:19 13:28:10 (no zone).
    let ian = row(&rows, "Ian Britton");
    assert_eq!(
        (ian.first_date, ian.last_date),
        (Some(1_026_575_908), Some(1_027_085_290))
    );
}

#[test]
fn corpus_edit_bursts() {
    let Some(dir) = corpus_dir() else { return };
    let (dump, ids) = feed_corpus(&dir);
    // ExifTool.jpg and XMP.jpg: Artist Phil Harvey, no last editor, EXIF ModifyDate 2004:02:26 09:36:46 both
    // (no time zone). The forwarded copy of ExifTool.jpg is the same document, not a third one.
    let bursts = dump.edit_bursts(2, 10);
    assert_eq!(bursts.len(), 1, "{bursts:#?}");
    let b = &bursts[0];
    assert_eq!(b.editor, "Phil Harvey");
    assert_eq!(
        (b.start, b.end, b.span_secs, b.via_creator),
        (1_077_788_206, 1_077_788_206, 0, 2)
    );
    let docs: Vec<(DocRef, usize, &str, MetaKey, MetaKey, bool)> = b
        .docs
        .iter()
        .map(|d| {
            (
                d.doc,
                d.copies,
                d.file_name.as_str(),
                d.editor_field,
                d.saved_field,
                d.zone_known,
            )
        })
        .collect();
    let mut want = vec![
        (
            at(&ids, "exiftool/ExifTool.jpg"),
            2,
            "ExifTool.jpg",
            MetaKey::Author,
            MetaKey::Modified,
            false,
        ),
        (
            at(&ids, "exiftool/XMP.jpg"),
            1,
            "XMP.jpg",
            MetaKey::Author,
            MetaKey::Modified,
            false,
        ),
    ];
    want.sort_by_key(|w| w.0);
    assert_eq!(docs, want);
    assert_eq!(
        b.reason,
        "2 documents created by Phil Harvey (no last editor recorded) were last saved at the same time (2004-02-26 09:36, no time zone stated)."
    );
    assert!(dump.edit_bursts(3, 10).is_empty());
    // IPTC.jpg has no modification date: its IPTC Date Created 2004:02:26 (midnight) stands in, 9 h 36 min 46 s
    // (576.8 min) before the other two.
    let b = dump.edit_bursts(3, 577);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].docs[0].doc, at(&ids, "exiftool/IPTC.jpg"));
    assert_eq!(b[0].docs[0].saved_field, MetaKey::Created);
    assert_eq!(b[0].span_secs, 9 * 3600 + 36 * 60 + 46);
    assert!(dump.edit_bursts(3, 576).is_empty());
}

#[test]
fn corpus_scripts_and_a_leaked_cyrillic_spreadsheet() {
    let Some(dir) = corpus_dir() else { return };
    let (mut dump, _) = feed_corpus(&dir);
    // 30 name occurrences (distinct names per distinct document), all Latin: a clear dominant script and
    // nothing to flag.
    assert_eq!(dump.named_occurrences(), 30);
    assert_eq!(dump.script_counts(), [(Script::Latin, 30)]);
    assert_eq!(dump.clear_dominant_script(), Some(Script::Latin));
    assert!(dump.script_findings().is_empty());

    // The repository's fixture: author "Роша Георгий Петрович", last modified by "Jеff" (Cyrillic е),
    // company "ООО Пример". Fed as attachment 1 of message 500, with a Cyrillic sender.
    let bytes = std::fs::read(common::fixtures_dir().join("metadata/cyrillic-author.xlsx"))
        .expect("fixture");
    let meta = extract(&bytes, Some("budget.xlsx"), None);
    assert!(dump.add_document(500, 1, "budget.xlsx", &meta, Some(&sha256_hex(&bytes))));
    assert!(dump.add_sender_name(500, "Роша Георгий"));
    // 30 + 3 document names + 1 sender: Latin 31 (30 + "Jеff"), Cyrillic 4.
    assert_eq!(dump.named_occurrences(), 34);
    assert_eq!(
        dump.script_counts(),
        [(Script::Latin, 31), (Script::Cyrillic, 4)]
    );
    let findings = dump.script_findings();
    let got: Vec<(u32, Severity, &str, &str)> = findings
        .iter()
        .map(|(m, f)| (*m, f.severity, f.code, f.reason.as_str()))
        .collect();
    let w = Severity::Warning;
    assert_eq!(
        got,
        [
            (500, w, "authors.name-script-mismatch", "The sender name \"Роша Георгий\" is written in Cyrillic letters, while 91% of the 34 names in this mailbox are Latin."),
            (500, w, "authors.name-script-mismatch", "The Author field of \"budget.xlsx\" names \"Роша Георгий Петрович\", written in Cyrillic letters, while 91% of the 34 names in this mailbox are Latin."),
            (500, w, "authors.lookalike-mix", "The Last modified by field of \"budget.xlsx\" names \"J\u{435}ff\", a Latin name with 1 Cyrillic letter: a look-alike character can disguise a name."),
            (500, w, "authors.name-script-mismatch", "The Company field of \"budget.xlsx\" names \"ООО Пример\", written in Cyrillic letters, while 91% of the 34 names in this mailbox are Latin."),
        ]
    );
    let rows = dump.authors();
    let rosha = row(&rows, "Роша Георгий Петрович");
    assert!(rosha.differs_from_dominant && !rosha.mixes_lookalikes);
    assert_eq!(
        rosha.refs,
        [DocRef {
            message: 500,
            attachment: 1
        }]
    );
    let fake = row(&rows, "J\u{435}ff");
    assert!(fake.mixes_lookalikes && !fake.differs_from_dominant);
    // The homoglyph is not folded into the real "Jeff" of OOXML.docx.
    assert_eq!(row(&rows, "Jeff").documents, 1);
    assert!(!row(&rows, "Jeff").flagged());
}

#[test]
fn expected_values_are_exiftools() {
    let Some(dir) = corpus_dir() else { return };
    // The lines of exiftool's dumps the expectations above rest on.
    let lines: &[(&str, &[&str])] = &[
        (
            "ExifTool.jpg",
            &[
                "[EXIF, IFD0, Author] 315 - Artist: Phil Harvey",
                "[EXIF, IFD0, Author] 33432 - Copyright: Copyright 2004 Phil Harvey",
                "[XMP, XMP-photoshop, Author] CaptionWriter - Caption Writer: I wrote it",
                "[XMP, XMP-photoshop, Author] Credit - Credit: My Credit",
                "[EXIF, IFD0, Time] 306 - Modify Date: 2004:02:26 09:36:46",
                "[EXIF, ExifIFD, Time] 36868 - Create Date: 2001:05:19 18:36:41",
            ],
        ),
        (
            "XMP.jpg",
            &[
                "[EXIF, IFD0, Author] 315 - Artist: Phil Harvey",
                "[XMP, XMP-dc, Author] creator - Creator: Phil Harvey",
                "[XMP, XMP-photoshop, Author] CaptionWriter - Caption Writer: I wrote it",
                "[XMP, XMP-photoshop, Author] Credit - Credit: My Credit",
                "[EXIF, IFD0, Time] 306 - Modify Date: 2004:02:26 09:36:46",
            ],
        ),
        (
            "IPTC.jpg",
            &[
                "[IPTC, IPTC, Author] 80 - By-line: Phil Harvey",
                "[IPTC, IPTC, Author] 122 - Writer-Editor: I wrote it",
                "[IPTC, IPTC, Author] 110 - Credit: My Credit",
                "[IPTC, IPTC, Author] 116 - Copyright Notice: Copyright 2004 Phil Harvey",
                "[IPTC, IPTC, Time] 55 - Date Created: 2004:02:26",
            ],
        ),
        (
            "PDF.pdf",
            &[
                "[IPTC, IPTC, Author] 80 - By-line: Phil Harvey",
                "[PDF, PDF, Time] ModDate - Modify Date: 2005:07:18 14:30:45-04:00",
            ],
        ),
        (
            "GPS.jpg",
            &[
                "[EXIF, IFD0, Author] 315 - Artist: Ian Britton",
                "[IPTC, IPTC, Author] 122 - Writer-Editor: Ian Britton",
                "[IPTC, IPTC, Author] 110 - Credit: Ian Britton",
                "[EXIF, IFD0, Author] 33432 - Copyright: ian Britton - FreeFoto.com",
                "[EXIF, IFD0, Time] 306 - Modify Date: 2002:07:19 13:28:10",
                "[EXIF, ExifIFD, Time] 36868 - Create Date: 2002:07:13 15:58:28",
            ],
        ),
        (
            "OOXML.docx",
            &[
                "[XML, XML, Author] lastModifiedBy - Last Modified By: Jeff",
                "[XMP, XMP-dc, Author] creator - Creator: Author: Jeff",
                "[XML, XML, Document] Manager - Manager: Manager: Self",
                "[XML, XML, Document] Company - Company: Company - ExifTool",
                "[XML, XML, Time] created - Create Date: 2009:10:24 01:41:00Z",
                "[XML, XML, Time] modified - Modify Date: 2009:10:24 01:48:00Z",
            ],
        ),
        (
            "OpenDoc.ods",
            &[
                "[XMP, XMP-meta, Unknown] meta:initial-creator - Initial-creator: IDHW IDHW Informatica",
                "[XMP, XMP-dc, Author] creator - Creator: IDHW IDHW Informatica",
            ],
        ),
    ];
    for (file, want) in lines {
        let path = dir.join("exiftool").join(format!("{file}.exiftool.out"));
        let dump =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in *want {
            assert!(
                dump.lines().any(|l| l.trim_end() == *line),
                "{file}: exiftool does not say {line:?}"
            );
        }
    }
}

#[test]
fn own_fixtures() {
    // Runs without the corpus. The fixtures' values are checked with exiftool in corpus_metadata.rs.
    let read = |name: &str| {
        let bytes =
            std::fs::read(common::fixtures_dir().join("metadata").join(name)).expect("fixture");
        extract(&bytes, Some(name), None)
    };
    let mut dump = DumpAuthors::default();
    assert!(dump.add_document(1, 0, "budget.xlsx", &read("cyrillic-author.xlsx"), None));
    assert!(dump.add_document(2, 0, "notes.odt", &read("japanese-author.odt"), None));
    assert!(dump.add_document(3, 0, "photo.jpg", &read("gps-camera.jpg"), None));
    let rows = dump.authors();
    let got: Vec<(&str, Roles, Vec<Script>)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.roles.clone(), r.scripts.clone()))
        .collect();
    use MetaKey::{Author, Company, LastModifiedBy};
    use Script::{Cyrillic, Han, Latin};
    assert_eq!(
        got,
        [
            ("Ana García", vec![(LastModifiedBy, 1)], vec![Latin]),
            (
                "J\u{435}ff",
                vec![(LastModifiedBy, 1)],
                vec![Latin, Cyrillic]
            ),
            ("Иван Петров", vec![(Author, 1)], vec![Cyrillic]),
            ("ООО Пример", vec![(Company, 1)], vec![Cyrillic]),
            ("Роша Георгий Петрович", vec![(Author, 1)], vec![Cyrillic]),
            ("山田 太郎", vec![(Author, 1)], vec![Han]),
        ]
    );
    // cyrillic-author.xlsx: created 2017-04-27 10:02:00Z, modified 7 minutes later.
    assert_eq!(
        (rows[4].first_date, rows[4].last_date),
        (Some(1_493_287_320), Some(1_493_287_320 + 7 * 60))
    );
    // Six name occurrences, four with Cyrillic letters ("Jеff" counts for both of its scripts): 66% >= 60%
    // of >= 5, a clear dominant script, against which the Latin and the Han name stand out.
    assert_eq!(dump.script_counts(), [(Cyrillic, 4), (Latin, 2), (Han, 1)]);
    assert_eq!(dump.clear_dominant_script(), Some(Cyrillic));
    let flags: Vec<(&str, bool, bool)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.differs_from_dominant, r.mixes_lookalikes))
        .collect();
    assert_eq!(
        flags,
        [
            ("Ana García", true, false),
            ("J\u{435}ff", false, true),
            ("Иван Петров", false, false),
            ("ООО Пример", false, false),
            ("Роша Георгий Петрович", false, false),
            ("山田 太郎", true, false),
        ]
    );
    let findings = dump.script_findings();
    let got: Vec<(u32, &str, &str)> = findings
        .iter()
        .map(|(m, f)| (*m, f.code, f.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "authors.lookalike-mix", "The Last modified by field of \"budget.xlsx\" names \"J\u{435}ff\", a Latin name with 1 Cyrillic letter: a look-alike character can disguise a name."),
            (2, "authors.name-script-mismatch", "The Author field of \"notes.odt\" names \"山田 太郎\", written in Han letters, while 66% of the 6 names in this mailbox are Cyrillic."),
            (2, "authors.name-script-mismatch", "The Last modified by field of \"notes.odt\" names \"Ana García\", written in Latin letters, while 66% of the 6 names in this mailbox are Cyrillic."),
        ]
    );
    // Without the photo: 3 Cyrillic of 5 occurrences, exactly 60%, still clear (the bound is included) ...
    let feed = |options: AuthorOptions| {
        let mut d = DumpAuthors::new(options);
        d.add_document(1, 0, "budget.xlsx", &read("cyrillic-author.xlsx"), None);
        d.add_document(2, 0, "notes.odt", &read("japanese-author.odt"), None);
        d
    };
    let small = feed(AuthorOptions::default());
    assert_eq!(small.named_occurrences(), 5);
    assert_eq!(small.clear_dominant_script(), Some(Cyrillic));
    let f = small.script_findings();
    assert_eq!(f.len(), 3);
    assert!(f[1]
        .1
        .reason
        .ends_with("while 60% of the 5 names in this mailbox are Cyrillic."));
    // ... but not when 61% are asked for: then only the homoglyph is reported.
    let strict = feed(AuthorOptions {
        dominant_percent: 61,
        ..AuthorOptions::default()
    });
    assert_eq!(strict.dominant_script(), Some(Cyrillic));
    assert_eq!(strict.clear_dominant_script(), None);
    let f = strict.script_findings();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0, f[0].1.code), (1, "authors.lookalike-mix"));
    // Different editors: no burst.
    assert!(dump.edit_bursts(2, 60 * 24 * 365 * 10).is_empty());
}
