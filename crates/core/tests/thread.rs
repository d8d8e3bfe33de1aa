//! Conversation threading (crate::thread): the classic JWZ cases on small synthetic sets, robustness
//! (cycles, duplicates, 500 references, deep chains), and the real `email-folder-perl/testmbox` corpus mbox,
//! whose thread structure was checked by reading the file. Without the corpus it says so and threads an
//! equivalent fixture built here.

mod common;

use std::time::Instant;

use leakloupe_core::ingest::{ingest_all, message_bytes};
use leakloupe_core::message::read_message;
use leakloupe_core::thread::{build, parse_references, LinkIssue, ThreadInput, Threader, Threads};

fn msg(id: u32, mid: &str, refs: &[&str], subject: &str, date: i64) -> ThreadInput {
    ThreadInput {
        id,
        message_id: (!mid.is_empty()).then(|| format!("<{mid}>")),
        in_reply_to: None,
        references: refs.iter().map(|r| format!("<{r}>")).collect(),
        subject: subject.to_string(),
        date: Some(date),
    }
}

fn irt(mut m: ThreadInput, parent: &str) -> ThreadInput {
    m.in_reply_to = Some(format!("<{parent}>"));
    m
}

/// The tree as text, one node a line: "  3" for message 3 at depth 1, "?id" for a missing message, "#" for
/// a subject group.
fn shape(t: &Threads) -> String {
    t.flatten()
        .into_iter()
        .map(|(d, m, missing)| {
            let what = match (m, missing) {
                (Some(m), _) => m.to_string(),
                (None, Some(id)) => format!("?{id}"),
                (None, None) => "#".to_string(),
            };
            format!("{}{what}\n", "  ".repeat(d))
        })
        .collect()
}

fn issues_of(t: &Threads, id: u32) -> Vec<LinkIssue> {
    t.roots
        .iter()
        .flat_map(|r| r.walk())
        .find(|(_, n)| n.message == Some(id))
        .map(|(_, n)| n.issues.clone())
        .unwrap_or_default()
}

#[test]
fn simple_reply_chain() {
    let t = build(&[
        msg(3, "c@x", &["a@x", "b@x"], "Re: plan", 300),
        msg(1, "a@x", &[], "plan", 100),
        msg(2, "b@x", &["a@x"], "Re: plan", 200),
    ]);
    assert_eq!(shape(&t), "1\n  2\n    3\n");
    let c = t.counts();
    assert_eq!(
        (c.threads, c.messages, c.missing, c.with_issues),
        (1, 3, 0, 0)
    );
    assert_eq!((c.largest, c.deepest, c.conversations), (3, 2, 1));
    assert_eq!(t.thread_of(3), Some(0));
    assert_eq!(t.thread_of(99), None);
}

#[test]
fn missing_parent_is_a_dummy() {
    // b and c both reply to a, which is not in the set.
    let t = build(&[
        msg(2, "b@x", &["a@x"], "Re: plan", 200),
        msg(3, "c@x", &["a@x"], "Re: plan", 150),
    ]);
    assert_eq!(shape(&t), "?a@x\n  3\n  2\n");
    assert_eq!(t.roots[0].label().as_deref(), Some("missing parent <a@x>"));
    assert_eq!(
        issues_of(&t, 2),
        vec![LinkIssue::ParentMissing { id: "a@x".into() }]
    );
    assert_eq!(t.counts().missing, 1);
}

#[test]
fn reply_to_message_not_in_set_via_in_reply_to_only() {
    let t = build(&[
        irt(msg(1, "b@x", &[], "Re: lost", 10), "gone@x"),
        msg(2, "z@x", &[], "other", 5),
    ]);
    assert_eq!(shape(&t), "2\n?gone@x\n  1\n");
}

#[test]
fn intermediate_missing_messages_are_kept() {
    // References a (present), m1, m2 (absent), then the message: the gap stays visible.
    let t = build(&[
        msg(1, "a@x", &[], "s", 1),
        msg(2, "d@x", &["a@x", "m1@x", "m2@x"], "Re: s", 4),
    ]);
    assert_eq!(shape(&t), "1\n  ?m1@x\n    ?m2@x\n      2\n");
}

#[test]
fn truncated_references_still_thread() {
    // Message 4 only lists the root and its direct parent (middle of the chain trimmed).
    let t = build(&[
        msg(1, "a@x", &[], "s", 1),
        msg(2, "b@x", &["a@x"], "Re: s", 2),
        msg(3, "c@x", &["a@x", "b@x"], "Re: s", 3),
        msg(4, "d@x", &["a@x", "c@x"], "Re: s", 4),
    ]);
    assert_eq!(shape(&t), "1\n  2\n    3\n      4\n");
}

#[test]
fn reordered_references_do_not_break_existing_links() {
    // Message 4's References are scrambled (c before a); In-Reply-To names the real parent c.
    let t = build(&[
        msg(1, "a@x", &[], "s", 1),
        msg(2, "b@x", &["a@x"], "Re: s", 2),
        msg(3, "c@x", &["a@x", "b@x"], "Re: s", 3),
        irt(msg(4, "d@x", &["c@x", "a@x", "b@x"], "Re: s", 4), "c@x"),
    ]);
    assert_eq!(shape(&t), "1\n  2\n    3\n      4\n");
    assert_eq!(
        issues_of(&t, 4),
        vec![LinkIssue::InReplyToMismatch {
            in_reply_to: "c@x".into(),
            last_reference: "b@x".into()
        }]
    );
}

#[test]
fn references_learned_before_the_parent_arrives() {
    // The reply is seen first: its References create placeholders that the later messages fill.
    let t = build(&[
        msg(3, "c@x", &["a@x", "b@x"], "Re: s", 3),
        msg(2, "b@x", &["a@x"], "Re: s", 2),
        msg(1, "a@x", &[], "s", 1),
    ]);
    assert_eq!(shape(&t), "1\n  2\n    3\n");
    assert_eq!(t.counts().with_issues, 0);
}

#[test]
fn duplicate_message_ids() {
    let t = build(&[
        msg(1, "a@x", &[], "s", 1),
        msg(2, "a@x", &[], "s (variant)", 2),
        msg(3, "b@x", &["a@x"], "Re: s", 3),
    ]);
    // The reply goes under the first copy; the second copy is its own root, flagged.
    assert_eq!(shape(&t), "1\n  3\n2\n");
    assert_eq!(
        issues_of(&t, 2),
        vec![LinkIssue::DuplicateMessageId { id: "a@x".into() }]
    );
}

#[test]
fn cycles_do_not_loop() {
    // A refs B, B refs A.
    let t = build(&[
        msg(1, "a@x", &["b@x"], "s", 1),
        msg(2, "b@x", &["a@x"], "Re: s", 2),
    ]);
    assert_eq!(t.counts().messages, 2);
    assert_eq!(shape(&t), "2\n  1\n");
    assert_eq!(
        issues_of(&t, 2),
        vec![LinkIssue::CycleBroken {
            parent: "a@x".into()
        }]
    );
    // A three-cycle through References lists, and a message referencing itself.
    let t = build(&[
        msg(1, "a@x", &["c@x", "b@x"], "s", 1),
        msg(2, "b@x", &["a@x", "c@x"], "s", 2),
        msg(3, "c@x", &["b@x", "a@x"], "s", 3),
        msg(4, "d@x", &["d@x"], "t", 4),
    ]);
    assert_eq!(t.counts().messages, 4);
    assert_eq!(t.flatten().iter().filter(|r| r.1.is_some()).count(), 4);
    assert_eq!(issues_of(&t, 4), vec![LinkIssue::SelfReference]);
}

#[test]
fn subject_only_grouping() {
    let mut a = msg(1, "", &[], "x", 1);
    let mut b = msg(2, "", &[], "Re: x", 2);
    a.message_id = None;
    b.message_id = None;
    let t = build(&[b, a]);
    assert_eq!(shape(&t), "1\n  2\n");
    assert!(issues_of(&t, 2).contains(&LinkIssue::GroupedBySubject));
    assert!(issues_of(&t, 2).contains(&LinkIssue::NoMessageId));

    // Two replies whose original is missing and unreferenced: a subject group holds them.
    let t = build(&[
        msg(1, "a@x", &[], "AW: [list] Budget", 5),
        msg(2, "b@x", &[], "SV: budget", 3),
        msg(3, "c@x", &[], "Something else", 4),
    ]);
    assert_eq!(shape(&t), "#\n  2\n  1\n3\n");
    assert_eq!(
        t.roots[0].label().as_deref(),
        Some("messages grouped by subject")
    );
    assert_eq!(t.counts().subject_groups, 1);

    // A reply linked to a missing parent and an unlinked "Re:" with the same subject join the real
    // original, which is the earliest message.
    let t = build(&[
        msg(1, "o@x", &[], "Budget", 1),
        msg(2, "b@x", &["gone@x"], "Re: Budget", 3),
        msg(3, "c@x", &[], "R: Budget", 2),
    ]);
    assert_eq!(shape(&t), "1\n  3\n  ?gone@x\n    2\n");
}

#[test]
fn five_hundred_references() {
    let refs: Vec<String> = (0..500).map(|i| format!("r{i}@x")).collect();
    let ref_strs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let mut inputs = vec![msg(0, "r0@x", &[], "s", 0)];
    inputs.push(msg(1, "last@x", &ref_strs, "Re: s", 10));
    // and 300 other replies with the same long list, to make it quadratic if it were
    for i in 0..300u32 {
        inputs.push(msg(
            2 + i,
            &format!("o{i}@x"),
            &ref_strs,
            "Re: s",
            20 + i64::from(i),
        ));
    }
    let start = Instant::now();
    let t = build(&inputs);
    let took = start.elapsed();
    let c = t.counts();
    assert_eq!((c.threads, c.messages, c.missing), (1, 302, 499));
    assert_eq!(c.deepest, 500);
    assert!(took.as_secs() < 5, "took {took:?}");
    println!("500 references x 301 messages threaded in {took:?}");
}

#[test]
fn more_than_max_references_are_capped() {
    let refs: Vec<String> = (0..1500).map(|i| format!("<r{i}@x>")).collect();
    let t = build(&[ThreadInput {
        id: 1,
        message_id: Some("<m@x>".into()),
        references: vec![refs.join(" ")],
        ..ThreadInput::default()
    }]);
    assert_eq!(t.counts().missing, 1000);
    assert!(issues_of(&t, 1).contains(&LinkIssue::ReferencesTruncated { total: 1500 }));
}

#[test]
fn deep_chain_is_iterative() {
    let n = 50_000u32;
    let inputs: Vec<ThreadInput> = (0..n)
        .map(|i| {
            let mut m = msg(i, &format!("m{i}@x"), &[], "s", i64::from(i));
            if i > 0 {
                m.in_reply_to = Some(format!("<m{}@x>", i - 1));
            }
            m
        })
        .collect();
    let t = build(&inputs);
    assert_eq!(t.counts().deepest, usize::try_from(n - 1).unwrap());
    assert_eq!(t.flatten().len(), 50_000);
    let copy = t.clone();
    assert!(copy == t);
}

#[test]
fn sorting_and_undated() {
    let mut undated = msg(5, "e@x", &[], "late", 0);
    undated.date = None;
    let t = build(&[
        undated,
        msg(4, "d@x", &["a@x"], "Re: a", 50),
        msg(2, "b@x", &[], "b", 20),
        msg(1, "a@x", &[], "a", 30),
        msg(3, "c@x", &["a@x"], "Re: a", 40),
    ]);
    assert_eq!(shape(&t), "2\n1\n  3\n  4\n5\n");
    assert_eq!(t.thread_of(4), Some(1));
    assert_eq!(t.thread_of(5), Some(2));
}

#[test]
fn empty_and_junk_inputs() {
    assert_eq!(build(&[]).counts().threads, 0);
    let t = build(&[ThreadInput {
        id: 7,
        message_id: Some("   ".into()),
        in_reply_to: Some("not an id at all".into()),
        references: vec!["<".into(), ">".into(), "<>".into(), "\u{0}@\u{0}".into()],
        subject: "Re: Re: Re:".into(),
        date: Some(i64::MIN),
    }]);
    assert_eq!(t.counts().messages, 1);
    assert!(parse_references("<a@b> <a@b>").len() == 1);
}

/// The testmbox threads, as read in the file (ids are 0-based positions in the file; dates in UTC):
/// - <3E1A9807.3393A163@earthlink.net> is not in the file; #0 (avefva+gol5, Jan 7 12:08:10) and #2
///   (chipple, 13:26:33) reply to it by In-Reply-To, #9 (win98, Jan 8 00:15:57) by References only;
///   #1 (noos.fr) replies to #0 (In-Reply-To); #8 (3E1B380C) replies to #2 (References only);
/// - rt-users: #3 (16:48:35 +0300 = 13:48:35) and its reply #4 (In-Reply-To);
/// - belfast-pm: <20021112174425.GD13228@soto.kasei.com> and <20021112174700.GB2599@rivendale.net> are
///   not in the file; #5 (15:30:54) -> #6 (16:09:09) -> #7 (16:16:02), each with full References.
#[test]
fn corpus_testmbox_threads() {
    let Some(root) = common::corpus_root() else {
        println!("corpus absent: threading only the synthetic cases above");
        return;
    };
    let path = root.join("mbox/email-folder-perl/testmbox");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let r = ingest_all(&bytes, "testmbox");
    assert_eq!(r.messages.len(), 10);
    let inputs: Vec<ThreadInput> = r
        .messages
        .iter()
        .enumerate()
        .map(|(i, (span, summary))| {
            let start = usize::try_from(span.offset).unwrap();
            let end = start + usize::try_from(span.len).unwrap();
            let detail = read_message(&message_bytes(span, &bytes[start..end]));
            ThreadInput::from_headers(
                u32::try_from(i).unwrap(),
                &detail.headers,
                summary.date.map(|d| d.utc_unix),
            )
        })
        .collect();
    let t = build(&inputs);
    print!("{}", shape(&t));
    assert_eq!(
        shape(&t),
        "?3E1A9807.3393A163@earthlink.net\n  0\n    1\n  2\n    8\n  9\n\
         3\n  4\n\
         ?20021112174425.GD13228@soto.kasei.com\n  ?20021112174700.GB2599@rivendale.net\n    5\n      6\n        7\n"
    );
    let c = t.counts();
    assert_eq!(
        (c.threads, c.messages, c.missing, c.subject_groups),
        (3, 10, 3, 0)
    );
    assert_eq!(t.thread_of(9), Some(0));
    assert_eq!(t.thread_of(4), Some(1));
    assert_eq!(t.thread_of(7), Some(2));
    // Every message is linked by headers: the only issues are replies to absent messages.
    for (_, node) in t.issues() {
        assert!(
            node.issues
                .iter()
                .all(|i| matches!(i, LinkIssue::ParentMissing { .. })),
            "{node:?}"
        );
    }
}

/// The worker threads with a [`Threader`] fed one message at a time, threading again after every drop,
/// and sends `flatten()` without building trees: both must equal `build` over everything. Random sets
/// over a small pool of ids and subjects, so duplicates, cycles, missing parents, In-Reply-To mismatches
/// and subject groups all occur (counted, so a generator that stopped making them fails).
#[test]
fn incremental_threader_equals_build() {
    let mut s = 0x1234_5678_9abc_def1u64;
    let mut rand = move |n: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % n
    };
    let subjects = ["plan", "Re: plan", "RE: Plan", "Fwd: plan", "other", "", "Re: other", "Re:", "[x] plan"];
    let mut kinds = std::collections::BTreeSet::new();
    for round in 0..1500 {
        let pool = 1 + rand(30);
        let inputs: Vec<ThreadInput> = (0..rand(40) as u32)
            .map(|i| ThreadInput {
                id: i * 3 + round % 2,
                message_id: match rand(8) {
                    0 => None,
                    1 => Some("junk words".to_string()),
                    _ => Some(format!("<m{}@x>", rand(pool))),
                },
                in_reply_to: (rand(3) > 0).then(|| format!("<m{}@x>", rand(pool))),
                references: (0..rand(5)).map(|_| format!("<m{}@x>", rand(pool))).collect(),
                subject: subjects[rand(subjects.len() as u64) as usize].to_string(),
                date: (rand(4) > 0).then(|| rand(50) as i64),
            })
            .collect();
        let whole = build(&inputs);
        let mut t = Threader::default();
        let half = inputs.len() / 2;
        for m in &inputs[..half] {
            t.push(m);
        }
        let first_drop = t.flatten();
        assert_eq!(first_drop, build(&inputs[..half]).flatten(), "round {round}");
        for m in &inputs[half..] {
            t.push(m);
        }
        assert_eq!(t.len(), inputs.len());
        assert_eq!(t.flatten(), whole.flatten(), "round {round}");
        assert_eq!(t.finish(), whole, "round {round}");
        for (_, node) in whole.issues() {
            kinds.extend(node.issues.iter().map(LinkIssue::code));
        }
    }
    assert!(kinds.len() >= 7, "the generator made only {kinds:?}");
}
