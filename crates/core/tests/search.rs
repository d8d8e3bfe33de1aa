//! Search: the query parser (every error message), the tokenizer (folding, Cyrillic, CJK bigrams, e-mail
//! addresses), search over a small synthetic corpus (every field, filter and facet), and hit counts over
//! real corpus mail checked by hand against the mbox.

mod common;

use leakloupe_core::ingest::{ingest_all, message_bytes};
use leakloupe_core::message::read_message;
use leakloupe_core::search::query::{DateOp, Has, QueryTerm, SizeOp};
use leakloupe_core::search::tokenize::{fold, highlight_ranges, tokens, Mode};
use leakloupe_core::search::{
    parse, parse_with_keywords, Addr, Doc, DocAttachment, FacetKind, IndexError, Node, Query,
    QueryError, SearchIndex, TextField,
};

// ---------------------------------------------------------------------------------------------------------
// Parser.

fn err(q: &str) -> QueryError {
    match parse(q) {
        Err(e) => e,
        Ok(ok) => panic!("{q:?} should not parse, got {ok:?}"),
    }
}

fn ok(q: &str) -> Query {
    parse(q).unwrap_or_else(|e| panic!("{q:?}: {e}"))
}

fn word(field: Option<TextField>, w: &str) -> Node {
    Node::Text {
        field,
        terms: vec![QueryTerm {
            text: w.to_string(),
            offset: 0,
        }],
    }
}

#[test]
fn parses_words_phrases_fields_and_operators() {
    assert!(ok("").is_all());
    assert!(ok("   ").is_all());
    assert_eq!(ok("Hervé").root, Some(word(None, "herve")));
    assert_eq!(
        ok("a b").root,
        Some(Node::And(vec![word(None, "a"), word(None, "b")]))
    );
    // OR binds tighter than the implicit AND.
    assert_eq!(
        ok("x a OR b").root,
        Some(Node::And(vec![
            word(None, "x"),
            Node::Or(vec![word(None, "a"), word(None, "b")])
        ]))
    );
    assert_eq!(
        ok("-a NOT b").root,
        Some(Node::And(vec![
            Node::Not(Box::new(word(None, "a"))),
            Node::Not(Box::new(word(None, "b")))
        ]))
    );
    assert_eq!(ok("a AND b"), ok("a b"));
    assert_eq!(ok("(a)").root, Some(word(None, "a")));
    assert_eq!(
        ok("from:Alice").root,
        Some(word(Some(TextField::From), "alice"))
    );
    assert_eq!(ok("FROM:alice"), ok("from:alice"));
    assert_eq!(
        ok("from:(alice OR bob)").root,
        Some(Node::Or(vec![
            word(Some(TextField::From), "alice"),
            word(Some(TextField::From), "bob")
        ]))
    );
    let Some(Node::Text { field, terms }) = ok("subject:\"January's meeting\"").root else {
        panic!("phrase")
    };
    assert_eq!(field, Some(TextField::Subject));
    let t: Vec<(&str, u32)> = terms.iter().map(|t| (t.text.as_str(), t.offset)).collect();
    assert_eq!(t, [("january", 0), ("s", 1), ("meeting", 2)]);
    assert_eq!(ok("has:attachment").root, Some(Node::Has(Has::Attachment)));
    assert_eq!(ok("has:HTML").root, Some(Node::Has(Has::Html)));
    assert_eq!(
        ok("larger:1.5MB").root,
        Some(Node::Size {
            op: SizeOp::Larger,
            bytes: 1_572_864
        })
    );
    assert_eq!(
        ok("smaller:10k").root,
        Some(Node::Size {
            op: SizeOp::Smaller,
            bytes: 10_240
        })
    );
    let day = |q: &str| match ok(q).root {
        Some(Node::Date { op, start, end }) => (op, start, end),
        other => panic!("{q}: {other:?}"),
    };
    // 2017-05-05T00:00:00Z = 1493942400.
    assert_eq!(
        day("before:2017-05-05"),
        (DateOp::Before, 1_493_942_400, 1_494_028_800)
    );
    assert_eq!(
        day("after:2017/5/5"),
        (DateOp::After, 1_493_942_400, 1_494_028_800)
    );
    assert_eq!(day("on:2017-05").1, 1_493_596_800);
    assert_eq!(day("on:2017-05").2, 1_496_275_200);
    assert_eq!(day("older:2017").0, DateOp::Before);
    assert_eq!(day("newer:2017").0, DateOp::After);
    assert_eq!(
        ok("domain:@Example.COM").root,
        Some(Node::Domain("example.com".into()))
    );
    assert_eq!(
        ok("type:PDF").root,
        Some(Node::AttachmentType("pdf".into()))
    );
    let kw = |name: &str, value: &str| Node::Keyword {
        name: name.into(),
        value: value.into(),
    };
    assert_eq!(ok("tag:Important").root, Some(kw("tag", "important")));
    assert_eq!(ok("label:x").root, Some(kw("tag", "x")));
    assert_eq!(ok("dkim:pass").root, Some(kw("dkim", "pass")));
    assert_eq!(
        ok("finding:late-date").root,
        Some(kw("finding", "late-date"))
    );
    assert_eq!(
        ok("finding:\"Late Date\"").root,
        Some(kw("finding", "late date"))
    );
    // Not fields: "Re:" is a word, 10:30 is text, a lone '-' is nothing.
    assert_eq!(ok("Re:").root, Some(word(None, "re")));
    assert!(matches!(
        ok("10:30").root,
        Some(Node::Text { field: None, .. })
    ));
    assert_eq!(ok("a - b"), ok("a b"));
    assert_eq!(ok("e-mail"), ok("\"e mail\""));
    // Punctuation alone is nothing to search: everything.
    assert!(ok("!!!").is_all());
}

#[test]
fn every_malformed_query_explains_itself() {
    let cases: &[(&str, &str, usize)] = &[
        ("subject:\"oops", "unclosed quote at column 9", 9),
        (
            "a (b OR c",
            "unclosed parenthesis at column 3: add a ')'",
            3,
        ),
        (
            "a b)",
            "unexpected ')' at column 4: there is no '(' for it to close",
            4,
        ),
        ("OR a", "OR needs something on both sides", 1),
        ("a OR", "OR needs something on both sides", 3),
        ("a OR OR b", "OR needs something on both sides", 3),
        ("(a OR) b", "OR needs something on both sides", 4),
        ("(OR a)", "OR needs something on both sides", 2),
        ("a OR AND b", "OR needs something on both sides", 3),
        (
            "a -OR b",
            "- needs something after it to exclude (column 3)",
            3,
        ),
        (
            "a NOT",
            "NOT needs something after it to exclude (column 3)",
            3,
        ),
        (
            "(NOT)",
            "NOT needs something after it to exclude (column 2)",
            2,
        ),
        (
            "a ()",
            "empty parentheses at column 3: put something inside or remove them",
            3,
        ),
        (
            "form:alice",
            "unknown field 'form:' — did you mean 'from:'?",
            1,
        ),
        (
            "x subjet:hello",
            "unknown field 'subjet:' — did you mean 'subject:'?",
            3,
        ),
        ("tga:x", "unknown field 'tga:' — did you mean 'tag:'?", 1),
        ("in:inbox", "unknown field 'in:' — did you mean 'on:'?", 1),
        (
            "from:",
            "from: needs a word or a \"phrase\" after it, like from:alice",
            1,
        ),
        (
            "to: bob",
            "to: needs a word or a \"phrase\" after it, like to:alice",
            1,
        ),
        (
            "cc:!!!",
            "cc: needs a word or a \"phrase\" after it, like cc:alice",
            1,
        ),
        (
            "subject:\"\"",
            "subject: needs a word or a \"phrase\" after it, like subject:alice",
            1,
        ),
        (
            "domain:",
            "domain: needs a domain after it, like domain:example.com",
            1,
        ),
        (
            "type:",
            "type: needs an attachment type after it, like type:pdf",
            1,
        ),
        ("has:pdf", "has: can be has:attachment or has:html", 1),
        ("has:", "has: can be has:attachment or has:html", 1),
        (
            "before:yesterday",
            "before: needs a date like 2017-05-05",
            1,
        ),
        (
            "x after:2017-13-01",
            "after: needs a date like 2017-05-05",
            3,
        ),
        ("on:2017-02-30", "on: needs a date like 2017-05-05", 1),
        ("on:17-02-03", "on: needs a date like 2017-05-05", 1),
        ("older:(2017)", "older: needs a date like 2017-05-05", 1),
        ("newer:", "newer: needs a date like 2017-05-05", 1),
        (
            "larger:huge",
            "larger: needs a size like 10K, 2M or 1.5MB",
            1,
        ),
        (
            "smaller:1.2.3M",
            "smaller: needs a size like 10K, 2M or 1.5MB",
            1,
        ),
        (
            "larger:99999999999999999999G",
            "larger: needs a size like 10K, 2M or 1.5MB",
            1,
        ),
        ("tag:", "tag: needs a value after it, like tag:something", 1),
        (
            "label:\" \"",
            "label: needs a value after it, like label:something",
            1,
        ),
    ];
    for (q, message, column) in cases {
        let e = err(q);
        assert_eq!(
            (&e.message, e.column()),
            (&message.to_string(), *column),
            "query {q:?}"
        );
        assert_eq!(e.to_string(), *message);
        assert!(e.end > e.start, "{q:?}: empty span");
    }
    // Nesting is bounded instead of overflowing the stack.
    let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    let e = err(&deep);
    assert_eq!(
        e.message,
        "the query nests too deeply at column 49 (more than 48 levels)"
    );
    let negs = format!("{}a", "NOT ".repeat(100));
    assert!(err(&negs).message.starts_with("the query nests too deeply"));
    // Keyword names the index uses: never typos, suggested for near misses, need a value.
    assert_eq!(
        parse_with_keywords("arc:pass", &["arc"]).map(|q| q.is_all()),
        Ok(false)
    );
    let e = parse_with_keywords("dkmi:pass", &["dkim"]).unwrap_err();
    assert_eq!(e.message, "unknown field 'dkmi:' — did you mean 'dkim:'?");
    let e = parse_with_keywords("dkim:", &["dkim"]).unwrap_err();
    assert_eq!(
        e.message,
        "dkim: needs a value after it, like dkim:something"
    );
}

#[test]
fn parser_never_panics_on_odd_input() {
    let odd = [
        "\"",
        "(",
        ")",
        "-",
        "--",
        "-(",
        "((((",
        "))))",
        ":",
        "a:",
        ":b",
        "\u{0}",
        "from:\"",
        "OR",
        "NOT",
        "\"\"\"",
        "-\"\"",
        "x:y:z",
        "日本語:テスト",
        "a\"b\"c",
        "(a)(b)",
        "-from:(a -b)",
        "😀:😀",
        "from:-x",
    ];
    for q in odd {
        let _ = parse(q);
    }
    let mut seed = 7u64;
    let alphabet: Vec<char> = "ab :\"()-OR NOTfrom:é東".chars().collect();
    for _ in 0..3000 {
        let mut q = String::new();
        for _ in 0..(seed % 17) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            q.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let _ = parse(&q);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Tokenizer.

fn terms(s: &str, mode: Mode) -> Vec<String> {
    tokens(s, mode).into_iter().map(|t| t.term).collect()
}

#[test]
fn tokenizer_folds_case_and_diacritics() {
    assert_eq!(
        terms("Hervé CAFÉ naïve Ærøskøbing", Mode::Index),
        ["herve", "cafe", "naive", "aeroskobing"]
    );
    assert_eq!(
        terms("Straße Łódź ÞORN", Mode::Query),
        ["strasse", "lodz", "thorn"]
    );
    assert_eq!(
        terms("January's e-mail", Mode::Query),
        ["january", "s", "e", "mail"]
    );
    assert_eq!(fold("Réunion À Paris"), "reunion a paris");
    // Decomposed input folds the same as precomposed.
    assert_eq!(terms("Herve\u{301}", Mode::Query), ["herve"]);
    assert_eq!(terms("ＦＵＬＬ", Mode::Query), ["full"]);
}

#[test]
fn tokenizer_handles_cyrillic_and_greek() {
    assert_eq!(
        terms("Привет, МИР! Ёлка", Mode::Index),
        ["привет", "мир", "елка"]
    );
    assert_eq!(terms("Йошкар-Ола", Mode::Index), ["йошкар", "ола"]);
    assert_eq!(terms("ΑΘΗΝΑ Αθήνα", Mode::Index), ["αθηνα", "αθηνα"]);
}

#[test]
fn tokenizer_makes_cjk_bigrams() {
    let idx: Vec<(String, u32)> = tokens("東京都 x", Mode::Index)
        .into_iter()
        .map(|t| (t.term, t.offset))
        .collect();
    assert_eq!(
        idx,
        [
            ("東".into(), 0),
            ("東京".into(), 0),
            ("京".into(), 1),
            ("京都".into(), 1),
            ("都".into(), 2),
            ("x".into(), 3)
        ]
    );
    let q: Vec<(String, u32)> = tokens("東京都", Mode::Query)
        .into_iter()
        .map(|t| (t.term, t.offset))
        .collect();
    assert_eq!(q, [("東京".into(), 0), ("京都".into(), 1)]);
    assert_eq!(terms("猫", Mode::Query), ["猫"]);
    assert_eq!(terms("한국어", Mode::Query), ["한국", "국어"]);
    assert_eq!(
        terms("ひらがなabc", Mode::Query),
        ["ひら", "らが", "がな", "abc"]
    );
    // Byte ranges point into the original text.
    let t = tokens("東京", Mode::Query);
    assert_eq!(t[0].range, 0..6);
}

#[test]
fn tokenizer_splits_email_addresses() {
    let idx = terms("Mail John.Smith@Mail.Example.COM today", Mode::Index);
    for want in [
        "john.smith@mail.example.com",
        "john.smith",
        "mail.example.com",
        "john",
        "smith",
        "mail",
        "example",
        "com",
        "today",
    ] {
        assert!(
            idx.contains(&want.to_string()),
            "{want} missing from {idx:?}"
        );
    }
    assert_eq!(
        terms("ask bob@example.org.", Mode::Query),
        ["ask", "bob@example.org"]
    );
    assert_eq!(terms("@ a@ @b", Mode::Query), ["a", "b"]);
    let t = tokens("x herve@exämple.fr", Mode::Index);
    assert_eq!(t[1].term, "herve@example.fr");
    assert_eq!(t[1].range, 2..19);
}

#[test]
fn highlight_ranges_follow_folding() {
    let text = "Hervé met HERVE and herve@x.org";
    let r = highlight_ranges(text, &["herve".to_string()]);
    let got: Vec<&str> = r.iter().map(|r| &text[r.clone()]).collect();
    assert_eq!(got, ["Hervé", "HERVE", "herve"]);
    assert!(highlight_ranges(text, &[]).is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Search over a small synthetic corpus.

const DAY: i64 = 86_400;
/// 2017-05-05T00:00:00Z.
const MAY5: i64 = 1_493_942_400;

fn corpus() -> SearchIndex {
    let docs = vec![
        // id 10
        Doc {
            subject: "Réunion budget janvier".into(),
            from: vec![Addr::new("Hervé Dupont", "herve@mail.example.fr")],
            to: vec![
                Addr::new("Alice", "alice@example.com"),
                Addr::new("", "bob@corp.org"),
            ],
            body: "Le budget de janvier est prêt. Call me at 555-0100.".into(),
            attachments: vec![DocAttachment {
                filename: "budget_2017.xlsx".into(),
                content_type: "application/vnd.ms-excel".into(),
                text: String::new(),
            }],
            date: Some(MAY5 + 3600),
            size: 50_000,
            ..Doc::default()
        },
        // id 11
        Doc {
            subject: "Quarterly report".into(),
            from: vec![Addr::new("Alice Smith", "alice@example.com")],
            to: vec![Addr::new("Bob", "bob@corp.org")],
            cc: vec![Addr::new("Carol", "carol@example.com")],
            body: "The quarterly report is attached. Budget looks fine.".into(),
            html_text: "The quarterly report (HTML version).".into(),
            has_html: true,
            attachments: vec![
                DocAttachment {
                    filename: "report-q1.pdf".into(),
                    content_type: "application/pdf".into(),
                    text: String::new(),
                },
                DocAttachment {
                    filename: "notes.txt".into(),
                    content_type: "text/plain".into(),
                    text: "secret offshore account numbers".into(),
                },
            ],
            date: Some(MAY5 - DAY),
            size: 2_500_000,
            ..Doc::default()
        },
        // id 12
        Doc {
            subject: "Встреча в Москве".into(),
            from: vec![Addr::new("Иван", "ivan@mail.ru")],
            to: vec![Addr::new("Alice", "alice@example.com")],
            bcc: vec![Addr::new("Hidden", "hidden@corp.org")],
            body: "Привет! Встреча завтра. 東京都で会いましょう。".into(),
            date: Some(MAY5 + 40 * DAY),
            size: 3_000,
            ..Doc::default()
        },
        // id 20 (a gap in ids is fine)
        Doc {
            subject: "Re: Quarterly report".into(),
            from: vec![Addr::new("Bob", "bob@corp.org")],
            to: vec![Addr::new("Alice Smith", "alice@example.com")],
            body: "Thanks Alice, see http://intranet.corp.org/q1 for the report.".into(),
            date: None,
            size: 9_000,
            ..Doc::default()
        },
    ];
    let mut index = SearchIndex::new();
    for (id, d) in [10u32, 11, 12, 20].into_iter().zip(&docs) {
        index.add(id, d).expect("add");
    }
    index
}

fn ids(index: &SearchIndex, q: &str) -> Vec<u32> {
    let query = index.parse(q).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    index.search(&query).into_ids()
}

#[test]
fn words_phrases_and_boolean_operators() {
    let ix = corpus();
    assert_eq!(ids(&ix, ""), [10, 11, 12, 20]);
    assert_eq!(ids(&ix, "budget"), [10, 11]);
    assert_eq!(ids(&ix, "BUDGET quarterly"), [11]);
    assert_eq!(ids(&ix, "budget -quarterly"), [10]);
    assert_eq!(ids(&ix, "-budget"), [12, 20]);
    assert_eq!(ids(&ix, "budget OR встреча"), [10, 11, 12]);
    assert_eq!(ids(&ix, "(budget OR встреча) -(janvier OR москве)"), [11]);
    assert_eq!(ids(&ix, "\"quarterly report\""), [11, 20]);
    assert_eq!(ids(&ix, "\"report quarterly\""), Vec::<u32>::new());
    assert_eq!(ids(&ix, "\"budget de janvier\""), [10]);
    // A phrase never spans two parts of a field (body and HTML text, two addresses).
    assert_eq!(ids(&ix, "\"fine the quarterly\""), Vec::<u32>::new());
    assert_eq!(ids(&ix, "\"555 0100\""), [10]);
    assert_eq!(ids(&ix, "nothing-here"), Vec::<u32>::new());
    assert_eq!(ids(&ix, "!!! budget"), [10, 11]);
}

#[test]
fn folding_cyrillic_and_cjk_search() {
    let ix = corpus();
    assert_eq!(ids(&ix, "herve"), [10]);
    assert_eq!(ids(&ix, "Hervé"), [10]);
    assert_eq!(ids(&ix, "reunion"), [10]);
    assert_eq!(ids(&ix, "pret"), [10]);
    assert_eq!(ids(&ix, "МОСКВЕ"), [12]);
    assert_eq!(ids(&ix, "subject:встреча"), [12]);
    assert_eq!(ids(&ix, "привет"), [12]);
    assert_eq!(ids(&ix, "東京都"), [12]);
    assert_eq!(ids(&ix, "京都"), [12]);
    assert_eq!(ids(&ix, "東"), [12]);
    assert_eq!(ids(&ix, "会いましょう"), [12]);
    assert_eq!(ids(&ix, "東京会"), Vec::<u32>::new());
}

#[test]
fn fields_addresses_and_domains() {
    let ix = corpus();
    assert_eq!(ids(&ix, "from:alice"), [11]);
    assert_eq!(ids(&ix, "to:alice"), [10, 12, 20]);
    assert_eq!(ids(&ix, "alice"), [10, 11, 12, 20]);
    assert_eq!(ids(&ix, "from:alice@example.com"), [11]);
    assert_eq!(ids(&ix, "from:\"Alice Smith\""), [11]);
    assert_eq!(ids(&ix, "to:\"alice smith\""), [20]);
    assert_eq!(ids(&ix, "from:herve@mail.example.fr"), [10]);
    assert_eq!(ids(&ix, "from:mail.example.fr"), [10]);
    assert_eq!(ids(&ix, "from:example"), [10, 11]);
    assert_eq!(ids(&ix, "cc:carol"), [11]);
    assert_eq!(ids(&ix, "bcc:hidden"), [12]);
    assert_eq!(ids(&ix, "hidden@corp.org"), [12]);
    assert_eq!(ids(&ix, "from:(alice OR bob)"), [11, 20]);
    assert_eq!(ids(&ix, "from:(alice OR ivan) -to:bob"), [12]);
    assert_eq!(ids(&ix, "subject:report"), [11, 20]);
    assert_eq!(ids(&ix, "body:report"), [11, 20]);
    assert_eq!(ids(&ix, "subject:\"re quarterly\""), [20]);
    assert_eq!(ids(&ix, "filename:budget"), [10]);
    assert_eq!(ids(&ix, "filename:pdf"), [11]);
    assert_eq!(ids(&ix, "filename:report-q1.pdf"), [11]);
    assert_eq!(ids(&ix, "offshore"), [11]);
    assert_eq!(ids(&ix, "subject:offshore"), Vec::<u32>::new());
    assert_eq!(ids(&ix, "domain:corp.org"), [10, 11, 12, 20]);
    assert_eq!(ids(&ix, "domain:example.fr"), [10]);
    assert_eq!(ids(&ix, "domain:mail.example.fr"), [10]);
    assert_eq!(ids(&ix, "domain:ru"), [12]);
    assert_eq!(ids(&ix, "domain:example.org"), Vec::<u32>::new());
    assert_eq!(ids(&ix, "type:pdf"), [11]);
    assert_eq!(ids(&ix, "type:application"), [10, 11]);
    assert_eq!(ids(&ix, "type:text/plain"), [11]);
}

#[test]
fn structured_filters() {
    let ix = corpus();
    assert_eq!(ids(&ix, "has:attachment"), [10, 11]);
    assert_eq!(ids(&ix, "-has:attachment"), [12, 20]);
    assert_eq!(ids(&ix, "has:html"), [11]);
    assert_eq!(ids(&ix, "on:2017-05-05"), [10]);
    assert_eq!(ids(&ix, "on:2017/05/04"), [11]);
    assert_eq!(ids(&ix, "before:2017-05-05"), [11]);
    assert_eq!(ids(&ix, "after:2017-05-05"), [10, 12]);
    assert_eq!(ids(&ix, "on:2017-05"), [10, 11]);
    assert_eq!(ids(&ix, "on:2017-06"), [12]);
    assert_eq!(ids(&ix, "on:2017"), [10, 11, 12]);
    assert_eq!(ids(&ix, "before:2018 after:2017-06"), [12]);
    // Undated messages match no date condition, but their negation.
    assert_eq!(ids(&ix, "-on:2017"), [20]);
    assert_eq!(ids(&ix, "larger:10K"), [10, 11]);
    assert_eq!(ids(&ix, "larger:2M"), [11]);
    assert_eq!(ids(&ix, "smaller:9000"), [12]);
    assert_eq!(ids(&ix, "smaller:1.5MB larger:5k"), [10, 20]);
}

#[test]
fn tags_and_keyword_fields() {
    let mut ix = corpus();
    assert_eq!(ids(&ix, "tag:important"), Vec::<u32>::new());
    ix.set_tags(11, &["Important".into(), "Légal".into()])
        .expect("tags");
    ix.set_tags(20, &["important".into()]).expect("tags");
    assert_eq!(ids(&ix, "tag:important"), [11, 20]);
    assert_eq!(ids(&ix, "label:legal"), [11]);
    ix.set_tags(11, &["legal".into()]).expect("tags");
    assert_eq!(ids(&ix, "tag:important"), [20]);
    assert_eq!(ids(&ix, "tag:Légal"), [11]);
    ix.set_tags(20, &[]).expect("tags");
    assert_eq!(ids(&ix, "tag:important"), Vec::<u32>::new());

    // Before any dkim keyword exists, dkim:pass is plain text (nothing matches).
    assert_eq!(ids(&ix, "dkim:pass"), Vec::<u32>::new());
    ix.set_keyword(10, "dkim", "pass").expect("kw");
    ix.set_keyword(11, "DKIM", "fail").expect("kw");
    ix.set_keyword(12, "dkim", "pass").expect("kw");
    assert_eq!(ids(&ix, "dkim:pass"), [10, 12]);
    assert_eq!(ids(&ix, "dkim:PASS -from:ivan"), [10]);
    ix.set_keyword(12, "dkim", "none").expect("kw");
    assert_eq!(ids(&ix, "dkim:pass OR dkim:none"), [10, 12]);
    assert_eq!(ids(&ix, "dkim:pass"), [10]);
    ix.set_keywords(11, "finding", &["late-date", "bcc-leak"])
        .expect("kw");
    ix.set_keywords(12, "finding", &["bcc-leak"]).expect("kw");
    assert_eq!(ids(&ix, "finding:late-date"), [11]);
    assert_eq!(ids(&ix, "finding:bcc-leak"), [11, 12]);
    assert_eq!(ids(&ix, "-finding:bcc-leak"), [10, 20]);
    assert_eq!(ix.keyword_names(), ["tag", "dkim", "finding"]);
    // The index knows its keyword names: near misses are typos.
    assert_eq!(
        ix.parse("findng:x").unwrap_err().message,
        "unknown field 'findng:' — did you mean 'finding:'?"
    );
    // Unknown names search the text instead: a URL still works.
    assert_eq!(ids(&ix, "http://intranet.corp.org/q1"), [20]);

    assert_eq!(
        ix.set_keyword(99, "dkim", "pass"),
        Err(IndexError::UnknownId(99))
    );
    assert!(matches!(
        ix.set_keyword(10, "from", "x"),
        Err(IndexError::BadKeywordName(_))
    ));
    assert!(matches!(
        ix.set_keyword(10, "a b", "x"),
        Err(IndexError::BadKeywordName(_))
    ));
    assert!(matches!(
        ix.set_keyword(10, "", "x"),
        Err(IndexError::BadKeywordName(_))
    ));
    assert_eq!(
        ix.set_keyword(99, "dkim", "pass").unwrap_err().to_string(),
        "no message with id 99 is in the search index"
    );
}

#[test]
fn facets_follow_the_hits() {
    let mut ix = corpus();
    ix.set_tags(10, &["Urgent".into()]).expect("tags");
    ix.set_tags(11, &["urgent".into(), "Legal".into()])
        .expect("tags");
    let all = ix.search(&Query::all());
    let s = |v: &[(&str, u32)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), *b))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ix.facets(&all, FacetKind::Senders),
        s(&[
            ("alice@example.com", 1),
            ("bob@corp.org", 1),
            ("herve@mail.example.fr", 1),
            ("ivan@mail.ru", 1)
        ])
    );
    assert_eq!(
        ix.facets(&all, FacetKind::Recipients),
        s(&[
            ("alice@example.com", 3),
            ("bob@corp.org", 2),
            ("carol@example.com", 1),
            ("hidden@corp.org", 1)
        ])
    );
    assert_eq!(
        ix.facets(&all, FacetKind::Months),
        s(&[("2017-05", 2), ("2017-06", 1)])
    );
    assert_eq!(
        ix.facets(&all, FacetKind::AttachmentTypes),
        s(&[
            ("application/pdf", 1),
            ("application/vnd.ms-excel", 1),
            ("text/plain", 1)
        ])
    );
    assert_eq!(
        ix.facets(&all, FacetKind::Tags),
        s(&[("Urgent", 2), ("Legal", 1)])
    );
    let budget = ix.search(&ix.parse("budget").expect("q"));
    assert_eq!(
        ix.facets(&budget, FacetKind::SenderDomains),
        s(&[("example.com", 1), ("mail.example.fr", 1)])
    );
    assert_eq!(
        ix.facets(&budget, FacetKind::Tags),
        s(&[("Urgent", 2), ("Legal", 1)])
    );
    let none = ix.search(&ix.parse("nothing").expect("q"));
    assert!(none.is_empty());
    assert!(ix.facets(&none, FacetKind::Senders).is_empty());
    assert!(ix.facets(&none, FacetKind::Tags).is_empty());
}

#[test]
fn facets_top_keeps_the_most_frequent_values_and_the_latest_months() {
    let ix = corpus();
    let all = ix.search(&Query::all());
    for kind in [
        FacetKind::Senders,
        FacetKind::Recipients,
        FacetKind::SenderDomains,
        FacetKind::AttachmentTypes,
        FacetKind::Tags,
    ] {
        let full = ix.facets(&all, kind);
        for n in 0..=full.len() + 1 {
            let top = ix.facets_top(&all, kind, n);
            assert_eq!(top, full[..n.min(full.len())], "{kind:?} top {n}");
        }
    }
    let s = |v: &[(&str, u32)]| v.iter().map(|(a, b)| (a.to_string(), *b)).collect::<Vec<_>>();
    assert_eq!(
        ix.facets_top(&all, FacetKind::Recipients, 2),
        s(&[("alice@example.com", 3), ("bob@corp.org", 2)])
    );
    assert_eq!(ix.facets_top(&all, FacetKind::Months, 1), s(&[("2017-06", 1)]));
    assert_eq!(ix.facets_top(&all, FacetKind::Months, 5), ix.facets(&all, FacetKind::Months));
}

#[test]
fn highlight_terms_are_the_positive_terms() {
    let ix = corpus();
    let q = ix
        .parse("Hervé \"quarterly report\" -budget from:alice domain:corp.org")
        .expect("q");
    assert_eq!(
        ix.highlight_terms(&q),
        ["herve", "quarterly", "report", "alice", "corp.org"]
    );
    assert!(ix.highlight_terms(&Query::all()).is_empty());
}

#[test]
fn add_refuses_out_of_order_ids_and_reports_memory() {
    let mut ix = corpus();
    assert_eq!(
        ix.add(5, &Doc::default()),
        Err(IndexError::OutOfOrder { id: 5, last: 20 })
    );
    assert_eq!(
        ix.add(20, &Doc::default()).unwrap_err().to_string(),
        "message id 20 was added after id 20: ids must be added in increasing order"
    );
    assert_eq!(ix.len(), 4);
    assert!(ix.memory_bytes() > 0);
    assert!(ix.term_count() > 50);
    assert!(!ix.is_full());
    // An empty index answers everything with nothing.
    let empty = SearchIndex::new();
    assert!(empty.is_empty());
    assert!(empty.search(&parse("a OR -b").expect("q")).is_empty());
}

#[test]
fn documents_from_messages() {
    let raw = b"From: =?utf-8?q?Herv=C3=A9?= <herve@example.fr>\r\n\
To: \"Smith, Alice\" <alice@example.com>, bob@corp.org\r\n\
Cc: Undisclosed recipients:;\r\n\
Subject: Notes\r\n\
Date: Fri, 05 May 2017 10:00:00 +0200\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nSee the attached notes.\r\n\
--b\r\nContent-Type: text/plain; name=\"minutes.txt\"\r\nContent-Disposition: attachment; filename=\"minutes.txt\"\r\n\r\n\
The password is swordfish.\r\n\
--b\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Disposition: attachment; filename=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
    let doc = Doc::from_raw(raw);
    assert_eq!(doc.from, [Addr::new("Hervé", "herve@example.fr")]);
    assert_eq!(
        doc.to,
        [
            Addr::new("Smith, Alice", "alice@example.com"),
            Addr::new("", "bob@corp.org")
        ]
    );
    assert_eq!(doc.date, Some(MAY5 + 8 * 3600));
    assert_eq!(doc.attachments.len(), 2);
    assert!(doc.attachments[0].text.contains("swordfish"));
    assert_eq!(Doc::from_detail(&read_message(raw)).attachments[0].text, "");
    let mut ix = SearchIndex::new();
    ix.add(1, &doc).expect("add");
    assert_eq!(
        ids(
            &ix,
            "swordfish filename:minutes.txt type:pdf has:attachment"
        ),
        [1]
    );
    assert_eq!(ids(&ix, "to:\"smith alice\" on:2017-05-05"), [1]);
    // The tolerant address splitter keeps what mailparse refuses.
    let odd = Addr::parse_list("\"a, b\" <x@y.z>; broken <<, plain name");
    assert!(odd.iter().any(|a| a.address == "x@y.z"), "{odd:?}");
    assert!(Addr::parse_list("  ").is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Real corpus mail.

#[test]
fn corpus_mbox_hit_counts() {
    let Some(root) = common::corpus_root() else {
        println!("corpus absent: the synthetic-corpus tests above cover search");
        return;
    };
    let path = root.join("mbox/email-folder-perl/testmbox");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let r = ingest_all(&bytes, "testmbox");
    assert_eq!(r.messages.len(), 10);
    let mut ix = SearchIndex::new();
    for (i, (span, _)) in r.messages.iter().enumerate() {
        let start = usize::try_from(span.offset).expect("offset");
        let end = start + usize::try_from(span.len).expect("len");
        let raw = message_bytes(span, &bytes[start..end]);
        ix.add(i as u32, &Doc::from_detail(&read_message(&raw)))
            .expect("add");
    }
    // Counted by hand in the mbox (see the Subject:, From:, To: and Date: lines).
    let count = |q: &str| ids(&ix, q).len();
    assert_eq!(count(""), 10);
    assert_eq!(count("subject:\"January's meeting\""), 3);
    assert_eq!(count("\"january's meeting\""), 3);
    assert_eq!(count("from:yahoo"), 2); // zeonnebra@yahoo.ca, ssinyagin@yahoo.com
    assert_eq!(count("to:p5ml@yahoogroups.com"), 5);
    assert_eq!(count("domain:pm.org"), 3); // belfast-pm@pm.org
    assert_eq!(count("\"karie kahimi\""), 5);
    assert_eq!(count("subject:\"configuration problem\""), 2);
    assert_eq!(count("from:\"Karen Pauley\""), 1);
    assert_eq!(count("meeting -subject:january"), 0);
    assert_eq!(count("subject:p5ml OR subject:rt-users"), 7);
    // All Tuesday 7 January 2003 (UTC) but Marco's "Wed, 8 Jan 2003 01:15:57 +0100".
    assert_eq!(count("before:2003-01-08"), 9);
    assert_eq!(count("on:2003-01-08"), 1);
    assert_eq!(count("on:2003-01 from:picatarte@iperbole.bologna.it"), 1);
    assert_eq!(count("has:attachment"), 0);
    let all = ix.search(&Query::all());
    let recipients = ix.facets(&all, FacetKind::Recipients);
    assert_eq!(
        recipients.first(),
        Some(&("p5ml@yahoogroups.com".to_string(), 5))
    );
    assert_eq!(
        ix.facets(&all, FacetKind::Months),
        [("2003-01".to_string(), 10)]
    );
    assert_eq!(ix.facets(&all, FacetKind::SenderDomains).len(), 10);
}

/// Facets of broad queries (more than half the index, counted as totals minus the documents not hit)
/// equal the counts taken one by one, and follow documents added later.
#[test]
fn facets_of_broad_queries_equal_counting_every_hit() {
    use std::collections::BTreeMap;
    fn doc(i: u32) -> Doc {
        let person = |k: u32| Addr {
            name: format!("Person {k}"),
            address: format!("p{k}@d{}.example", k % 7),
        };
        Doc {
            subject: if i % 5 == 0 { "rare".into() } else { "common".into() },
            from: vec![person(i % 37)],
            to: (0..i % 3).map(|k| person(i % 11 + k * 13)).collect(),
            body: "text".into(),
            attachments: if i % 4 == 0 {
                vec![DocAttachment { filename: "a.pdf".into(), content_type: "application/pdf".into(), text: String::new() }]
            } else {
                Vec::new()
            },
            // Days from 2001 on, with a few undated messages and one from year 10000 (not counted).
            date: match i % 97 {
                0 => None,
                1 if i == 1 => Some(253_402_300_800 + 86_400 * 40),
                _ => Some(978_307_200 + i64::from(i) * 20_000),
            },
            size: 1000,
            ..Doc::default()
        }
    }
    let mut ix = SearchIndex::new();
    let mut docs = Vec::new();
    let check = |ix: &SearchIndex, docs: &[Doc], q: &str, keep: &dyn Fn(&Doc) -> bool| {
        let hits = ix.search(&ix.parse(q).expect("query"));
        let kept: Vec<&Doc> = docs.iter().filter(|d| keep(d)).collect();
        assert_eq!(hits.len(), kept.len(), "{q}");
        let mut senders: BTreeMap<String, u32> = BTreeMap::new();
        let mut recipients: BTreeMap<String, u32> = BTreeMap::new();
        let mut domains: BTreeMap<String, u32> = BTreeMap::new();
        let mut types: BTreeMap<String, u32> = BTreeMap::new();
        let mut months: BTreeMap<String, u32> = BTreeMap::new();
        for d in &kept {
            let from = &d.from[0].address;
            *senders.entry(from.clone()).or_default() += 1;
            *domains.entry(from.rsplit_once('@').map(|x| x.1.to_string()).unwrap_or_default()).or_default() += 1;
            let mut to: Vec<&String> = d.to.iter().map(|a| &a.address).collect();
            to.dedup();
            for a in to {
                *recipients.entry(a.clone()).or_default() += 1;
            }
            for a in &d.attachments {
                *types.entry(a.content_type.clone()).or_default() += 1;
            }
            if let Some(t) = d.date.filter(|t| *t < 253_402_300_800) {
                let day = chrono::DateTime::from_timestamp(t, 0).expect("date");
                *months.entry(day.format("%Y-%m").to_string()).or_default() += 1;
            }
        }
        let sorted = |m: BTreeMap<String, u32>| {
            let mut v: Vec<(String, u32)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        assert_eq!(ix.facets(&hits, FacetKind::Senders), sorted(senders), "{q}: senders");
        assert_eq!(ix.facets(&hits, FacetKind::Recipients), sorted(recipients), "{q}: recipients");
        assert_eq!(ix.facets(&hits, FacetKind::SenderDomains), sorted(domains), "{q}: domains");
        assert_eq!(ix.facets(&hits, FacetKind::AttachmentTypes), sorted(types), "{q}: types");
        assert_eq!(ix.facets(&hits, FacetKind::Months), months.into_iter().collect::<Vec<_>>(), "{q}: months");
    };
    for round in 0..2u32 {
        for i in round * 6000..(round + 1) * 6000 {
            let d = doc(i);
            ix.add(i, &d).expect("add");
            docs.push(d);
        }
        check(&ix, &docs, "-rare", &|d| d.subject != "rare");
        check(&ix, &docs, "text", &|_| true);
        check(&ix, &docs, "rare", &|d| d.subject == "rare");
        check(&ix, &docs, "-has:attachment", &|d| d.attachments.is_empty());
    }
}
