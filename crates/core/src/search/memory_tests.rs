//! The index's memory against its input on a deterministic generated archive (memory, unlike time, is
//! deterministic, so it can be asserted): the bench's archive (`benches/search.rs`), made by the same
//! generator (`benches/common/synth.rs`) scaled down 20 times in every dimension — 10,000 messages, a Zipf
//! vocabulary of 2,000 words, 250 correspondents over 20 domains, numbers and invoice numbers over ranges 20
//! times smaller — so that a debug-build test sees the term statistics of the 200,000-message bench (scaling
//! only the message count would leave a 40,000-word vocabulary over a twentieth of the text, which no real
//! archive has). Bodies keep their lengths (15 to 1,500 words), and the messages their attachments, dates
//! and labels. The input size is the bench's: the raw text of each message (a 260-byte header estimate plus
//! names, addresses and subject, the body, text attachments; binary attachments left out). On this archive
//! it is within 0.2% of the messages rendered as RFC 5322 text with the headers every message has (26.45
//! MB rendered, 26.49 MB estimated, measured when the test and the bench came to share the generator).

use super::SearchIndex;

#[path = "../../benches/common/synth.rs"]
mod synth;

/// The generator's scale: a twentieth of the bench.
const SCALE: usize = 20;

#[test]
fn index_memory_is_at_most_30_percent_of_the_raw_input() {
    let corpus = synth::Corpus::new(SCALE);
    let n = synth::MESSAGES / SCALE;
    let mut index = SearchIndex::new();
    let mut raw_total = 0usize;
    for i in 0..n {
        let (doc, raw) = corpus.doc(i);
        raw_total += raw;
        assert!(index.add(i as u32, &doc).is_ok());
    }
    assert!(synth::label(&mut index, n).is_ok());
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
        .parse("\"quarterly report\" dkim:pass tag:important")
        .unwrap_or_default();
    assert!(!index.search(&q).is_empty());
    let (doc, _) = corpus.doc(1);
    assert!(index.add(1_000_000, &doc).is_ok());
    let q = index
        .parse(&format!("subject:\"{}\"", doc.subject))
        .unwrap_or_default();
    assert!(index.search(&q).ids().contains(&1_000_000));
}
