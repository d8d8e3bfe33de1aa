//! Header forensics (crate::analysis): one test per Received shape, on lines taken from the corpus `eml`
//! files (named in each test) plus a few synthetic modern shapes; one test per finding; sender
//! fingerprints and profiles; and a smoke run over every corpus `.eml` file (never panics; prints counts).

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;

use leakloupe_core::analysis::fingerprint::{
    fingerprint, message_id_style, MessageIdStyle, ProfileOptions, SenderProfiles,
};
use leakloupe_core::analysis::received::{
    analyze, ip_class, parse_received, IpClass, ReceivedOptions,
};
use leakloupe_core::diagnostic::Severity;
use leakloupe_core::message::read_message;

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().expect("test IP"))
}

fn codes(raw: &str) -> Vec<&'static str> {
    let chain = analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default(),
    );
    chain.findings.iter().map(|f| f.code).collect()
}

// ---------------------------------------------------------------------------------------------------------
// Shapes (real lines; the corpus file each comes from is named).

#[test]
fn postfix_esmtps() {
    // stalwart-mail-parser/sieve/headers.eml
    let h = parse_received("from mx1.example.org (mx1.example.org [203.0.113.7]) by mail.example.net (Postfix) with ESMTPS id 4Wk3mZ1cQzB2s for <john@example.org>; Tue, 10 Jul 2018 01:03:14 +0000 (UTC)");
    assert_eq!(h.from.as_deref(), Some("mx1.example.org"));
    assert_eq!(
        h.from_detail.as_deref(),
        Some("mx1.example.org [203.0.113.7]")
    );
    assert_eq!(h.from_ip, ip("203.0.113.7"));
    assert_eq!(h.by.as_deref(), Some("mail.example.net"));
    assert_eq!(h.with.as_deref(), Some("ESMTPS"));
    assert_eq!(h.id.as_deref(), Some("4Wk3mZ1cQzB2s"));
    assert_eq!(h.for_addr.as_deref(), Some("john@example.org"));
    assert_eq!(h.date.map(|d| d.utc_unix), Some(1_531_184_594));
}

#[test]
fn postfix_authenticated_with_tls_comments() {
    // ruby-mail/multi_charset/japanese_attachment_long_name.eml: the HELO is a private IP literal, the
    // connection came from the public address in the comment.
    let h = parse_received("from [192.168.4.253] (60-241-138-146.static.tpgi.com.au [60.241.138.146]) (using TLSv1 with cipher AES128-SHA (128/128 bits)) (No client certificate requested) (Authenticated sender: mikel) by mx1.test.lindsaar.net.au (Postfix) with ESMTPSA id 5C0186DD4CD for <raasdnil@gmail.com>; Fri, 30 Oct 2009 19:11:08 +1100 (EST)");
    assert_eq!(h.from.as_deref(), Some("[192.168.4.253]"));
    assert_eq!(h.from_ip, ip("60.241.138.146"));
    assert_eq!(
        h.ips,
        vec![ip("192.168.4.253").unwrap(), ip("60.241.138.146").unwrap()]
    );
    assert_eq!(h.by.as_deref(), Some("mx1.test.lindsaar.net.au"));
    assert_eq!(h.with.as_deref(), Some("ESMTPSA"));
    assert_eq!(h.date.map(|d| d.offset_minutes), Some(660));
}

#[test]
fn postfix_local_pickup() {
    // cpython-test_email/msg_04.txt
    let h = parse_received("by mail.python.org (Postfix, from userid 889) id C2BF0D37C6; Tue, 11 Sep 2001 00:05:05 -0400 (EDT)");
    assert_eq!(h.from, None);
    assert_eq!(h.by.as_deref(), Some("mail.python.org"));
    assert_eq!(h.id.as_deref(), Some("C2BF0D37C6"));
    assert_eq!(h.from_ip, None);
    assert!(h.date.is_some());
}

#[test]
fn qmail_invoked_by_uid() {
    // stalwart-mail-parser/thirdparty-dovecot/014.eml
    let h = parse_received("(qmail 31873 invoked by uid 60001); 9 Mar 2011 11:19:46 -0000");
    assert_eq!((h.from.as_deref(), h.by.as_deref()), (None, None));
    assert_eq!(h.comments, vec!["qmail 31873 invoked by uid 60001"]);
    assert_eq!(h.date.map(|d| d.utc_unix), Some(1_299_669_586));
}

#[test]
fn qmail_helo_form() {
    // the classic qmail-smtpd shape (synthetic; the corpus has only the "invoked by" form)
    let h = parse_received("from unknown (HELO mail.example.com) (198.18.0.1) by mx.example.net with SMTP; 9 Mar 2011 11:19:46 -0000");
    assert_eq!(h.from.as_deref(), Some("unknown"));
    assert_eq!(
        h.from_detail.as_deref(),
        Some("HELO mail.example.com / 198.18.0.1")
    );
    assert_eq!(h.from_ip, ip("198.18.0.1"));
    assert_eq!(ip_class(h.from_ip.unwrap()), IpClass::Reserved);
}

#[test]
fn exchange_microsoft_smtp_server() {
    // ruby-mail/mime_emails/email_with_similar_boundaries.eml ("127.0.01" is not an address)
    let h = parse_received("from xxxx.xxxxxxx.xxx (127.0.0.1) by xxxx.xxxxxxxx.xxx (127.0.01) with Microsoft SMTP Server id 11.1.111.1; Thu, 5 Apr 2012 01:01:01 -0700");
    assert_eq!(h.from_ip, ip("127.0.0.1"));
    assert_eq!(h.by_ip, None);
    assert_eq!(h.with.as_deref(), Some("Microsoft SMTP Server"));
    assert_eq!(h.id.as_deref(), Some("11.1.111.1"));
    assert_eq!(h.ips, vec![ip("127.0.0.1").unwrap()]);
}

#[test]
fn exchange_online_ipv6() {
    // modern Exchange Online shapes (synthetic): bare IPv6 in a comment, a zone index, "via".
    let h = parse_received("from DM6PR11MB4657.namprd11.prod.outlook.com (2603:10b6:5:28d::22) by SN6PR11MB3104.namprd11.prod.outlook.com with HTTPS; Fri, 11 Feb 2022 09:57:02 +0000");
    assert_eq!(h.from_ip, ip("2603:10b6:5:28d::22"));
    assert_eq!(h.with.as_deref(), Some("HTTPS"));
    let h = parse_received("from AM0PR02MB5555.eurprd02.prod.outlook.com ([fe80::1c2b:3d4e:5f6a:7b8c]) by AM0PR02MB5555.eurprd02.prod.outlook.com ([fe80::1c2b:3d4e:5f6a:7b8c%7]) with mapi id 15.20.2305.023; Wed, 30 Oct 2019 09:12:13 +0000");
    assert_eq!(h.from_ip, ip("fe80::1c2b:3d4e:5f6a:7b8c"));
    assert_eq!(h.by_ip, ip("fe80::1c2b:3d4e:5f6a:7b8c"));
    assert_eq!(h.with.as_deref(), Some("mapi"));
    let h = parse_received("from SN6PR11MB3104.namprd11.prod.outlook.com (::1) by SN6PR11MB3104.namprd11.prod.outlook.com (2603:10b6:805:d4::12) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.4951.12 via Frontend Transport; Fri, 11 Feb 2022 09:57:01 +0000");
    assert_eq!(h.from_ip, ip("::1"));
    assert_eq!(h.by_ip, ip("2603:10b6:805:d4::12"));
    assert_eq!(h.with.as_deref(), Some("Microsoft SMTP Server"));
    assert_eq!(h.via.as_deref(), Some("Frontend Transport"));
    assert_eq!(h.id.as_deref(), Some("15.20.4951.12"));
}

#[test]
fn sendmail() {
    // ruby-mail/mime_emails/raw_email_with_mimepart_without_content_type.eml
    let h = parse_received("from anis4.telecom.uqam.ca (anis4.telecom.uqam.ca [132.208.250.236]) by sortant.uqam.ca (8.13.6/8.12.1) with SMTP id k9K8SIwA023763 for <roor32@gmail.com>; Fri, 20 Oct 2006 04:28:33 -0400 (EDT)");
    assert_eq!(h.from_ip, ip("132.208.250.236"));
    assert_eq!(h.by.as_deref(), Some("sortant.uqam.ca"));
    assert_eq!(h.by_ip, None, "the sendmail version is not an address");
    assert_eq!(h.id.as_deref(), Some("k9K8SIwA023763"));
    assert_eq!(h.for_addr.as_deref(), Some("roor32@gmail.com"));
}

#[test]
fn sendmail_unbalanced_parenthesis() {
    // ruby-mail/plain_emails/raw_email_string_in_date_field.eml: "(by" is never closed.
    let h = parse_received("from jsj1wlrmd001.webex.com (by jsj1wlrmd001.webex.com (8.12.10/8.12.11) with ESMTP id m8MKKPTs022429 for <xxxx@example.com>; Mon, 22 Sep 2008 20:20:25 GMT");
    assert_eq!(h.from.as_deref(), Some("jsj1wlrmd001.webex.com"));
    assert_eq!(h.by.as_deref(), Some("jsj1wlrmd001.webex.com"));
    assert_eq!(h.with.as_deref(), Some("ESMTP"));
    assert_eq!(h.id.as_deref(), Some("m8MKKPTs022429"));
    assert_eq!(h.date.map(|d| d.utc_unix), Some(1_222_114_825));
}

#[test]
fn gmail_shapes() {
    // ruby-mail/multi_charset/japanese_attachment.eml: webmail submission, "by" an internal IP
    let h = parse_received("by 10.231.35.72 with HTTP; Fri, 16 Oct 2009 05:39:34 -0700 (PDT)");
    assert_eq!(h.by_ip, ip("10.231.35.72"));
    assert_eq!(h.with.as_deref(), Some("HTTP"));
    // ruby-mail/plain_emails/basic_email.eml: inbound to mx.google.com
    let h = parse_received("from mail11.tpgi.com.au (mail11.tpgi.com.au [203.12.160.161]) by mx.google.com with ESMTP id 10si5117885gxk.81.2008.11.21.20.05.03; Fri, 21 Nov 2008 20:05:04 -0800 (PST)");
    assert_eq!(h.from_ip, ip("203.12.160.161"));
    assert_eq!(
        h.id.as_deref(),
        Some("10si5117885gxk.81.2008.11.21.20.05.03")
    );
    // ruby-mail/attachment_emails/attachment_with_quoted_filename.eml: "?ip?" HELO, TLS comment after id
    let h = parse_received("from ?10.0.1.6? (d36-211-30.home1.cgocable.net [24.36.211.30]) by mx.google.com with ESMTPS id g14sm267889rvb.22.2009.05.13.08.42.03 (version=TLSv1/SSLv3 cipher=RC4-MD5); Wed, 13 May 2009 08:42:04 -0700 (PDT)");
    assert_eq!(h.from_ip, ip("24.36.211.30"));
    assert_eq!(
        h.ips,
        vec![ip("10.0.1.6").unwrap(), ip("24.36.211.30").unwrap()]
    );
    assert_eq!(h.with.as_deref(), Some("ESMTPS"));
    // ruby-mail/mime_emails/raw_email2.eml
    let h = parse_received("by zproxy.gmail.com with SMTP id 13so1233405nzp for <xxxxx@xxxxxxxxx.com>; Sun, 08 May 2005 12:09:11 -0700 (PDT)");
    assert_eq!(h.for_addr.as_deref(), Some("xxxxx@xxxxxxxxx.com"));
    // modern Gmail (synthetic): IPv6 "by", comment after "for"
    let h = parse_received("by 2002:a05:6a10:a0c8:b0:4b4:e0fe:e9a1 with SMTP id x12csp1234567pxb; Tue, 1 Feb 2022 10:00:00 -0800 (PST)");
    assert_eq!(h.by_ip, ip("2002:a05:6a10:a0c8:b0:4b4:e0fe:e9a1"));
    let h = parse_received("from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id x5sor1234567pjl.25.2022.02.01.10.00.00 for <user@gmail.com> (Google Transport Security); Tue, 01 Feb 2022 10:00:00 -0800 (PST)");
    assert_eq!(h.from_ip, ip("209.85.220.41"));
    assert_eq!(h.for_addr.as_deref(), Some("user@gmail.com"));
}

#[test]
fn exim() {
    // cpython-test_email/msg_25.txt: the bracketed IP is the name; the HELO is in the comment
    let h = parse_received("from [204.245.199.98] (helo=zinfandel.lacita.com) by www.linux.org.uk with esmtp (Exim 3.13 #1) id 14lYR6-0008Iv-00 for linuxuser-admin@www.linux.org.uk; Fri, 06 Apr 2001 16:46:09 +0100");
    assert_eq!(h.from_ip, ip("204.245.199.98"));
    assert_eq!(h.from_detail.as_deref(), Some("helo=zinfandel.lacita.com"));
    assert_eq!(h.with.as_deref(), Some("esmtp"));
    assert_eq!(h.id.as_deref(), Some("14lYR6-0008Iv-00"));
    assert_eq!(
        h.for_addr.as_deref(),
        Some("linuxuser-admin@www.linux.org.uk")
    );
}

#[test]
fn bracketed_ipv6_literal() {
    // Postfix / Exim IPv6 literal forms (synthetic)
    let h = parse_received("from [IPv6:2001:db8::25] (unknown [IPv6:2001:db8::25]) by mx.example.org (Postfix) with ESMTPSA id 4X; Tue, 10 Jul 2018 01:03:14 +0000");
    assert_eq!(h.from_ip, ip("2001:db8::25"));
    assert_eq!(ip_class(h.from_ip.unwrap()), IpClass::Documentation);
}

#[test]
fn bigpond_really() {
    // ruby-mail/plain_emails/raw_email_reply.eml
    let h = parse_received("from [10.0.0.1] (really [124.183.219.10]) by oaamta05sl.mx.bigpond.com with ESMTP id <20071118085627.TQWF6995.oaamta05sl.mx.bigpond.com@[10.0.0.1]>; Sun, 18 Nov 2007 08:56:27 +0000");
    assert_eq!(h.from_ip, ip("124.183.219.10"));
    assert_eq!(
        h.id.as_deref(),
        Some("20071118085627.TQWF6995.oaamta05sl.mx.bigpond.com@[10.0.0.1]")
    );
}

#[test]
fn yahoo_via_http_and_rfc_example() {
    // stalwart-mail-parser/thirdparty-dovecot/014.eml
    let h = parse_received("from [93.48.39.139] by web28416.mail.ukl.yahoo.com via HTTP; Wed, 09 Mar 2011 11:19:45 GMT");
    assert_eq!(
        (h.from_ip, h.via.as_deref()),
        (ip("93.48.39.139"), Some("HTTP"))
    );
    // ruby-mail/rfc2822/example09.eml (RFC 2822 A.4)
    let h = parse_received("from x.y.test by example.net via TCP with ESMTP id ABC12345 for <mary@example.net>;  21 Nov 1997 10:05:43 -0600");
    assert_eq!(h.from.as_deref(), Some("x.y.test"));
    assert_eq!(h.via.as_deref(), Some("TCP"));
    assert_eq!(h.with.as_deref(), Some("ESMTP"));
    assert_eq!(h.id.as_deref(), Some("ABC12345"));
    assert_eq!(h.date.map(|d| d.offset_minutes), Some(-360));
}

#[test]
fn other_servers() {
    // stalwart-mail-parser/thirdparty-dovecot/015.eml (GMX): IPs on both sides
    let h = parse_received("from mail.proxdocs.de ([159.195.48.175]) by mx-ha.gmx.net (mxgmx107 [212.227.17.5]) with ESMTPS (Nemesis) id 1MydKX-1va9PN213l-00zyre for <jonas.sterr@gmx.net>; Fri, 13 Feb 2026 22:40:20 +0100");
    assert_eq!(
        (h.from_ip, h.by_ip),
        (ip("159.195.48.175"), ip("212.227.17.5"))
    );
    // cpython-test_email/msg_15.txt (LSMTP): bare IP in the comment
    let h = parse_received("from fepD.post.tele.dk (195.41.46.149) by mail.groupcare.dk (LSMTP for Windows NT v1.1b) with SMTP id <0.0014F8A2@mail.groupcare.dk>; Mon, 30 Apr 2001 12:17:50 +0200");
    assert_eq!(h.from_ip, ip("195.41.46.149"));
    assert_eq!(h.id.as_deref(), Some("0.0014F8A2@mail.groupcare.dk"));
    // cpython-test_email/msg_26.txt (SMTPD32): bracketed IP as a second word of "from"
    let h = parse_received("from xcar [192.168.0.2] by jeeves.wooster.local (SMTPD32-7.07 EVAL) id AFF92F0214; Sun, 12 May 2002 08:55:37 +0100");
    assert_eq!(h.from.as_deref(), Some("xcar [192.168.0.2]"));
    assert_eq!(h.from_ip, ip("192.168.0.2"));
    // ruby-mail/multipart_report_emails/multi_address_bounce1.eml (Zimbra LMTP)
    let h = parse_received("from lvmail01.LL.com (LHLO lvmail01.LL.com) (10.60.6.3) by lvmail01.LL.com with LMTP; Tue, 23 Feb 2010 22:16:41 -0800 (PST)");
    assert_eq!(h.from_ip, ip("10.60.6.3"));
    assert_eq!(h.with.as_deref(), Some("LMTP"));
    // ruby-mail/plain_emails/raw_email_reply.eml (Cyrus)
    let h = parse_received("from me ([unix socket]) by xxxxx1.xxxx.net (Cyrus v2.2.12) with LMTPA; Sun, 18 Nov 2007 00:56:33 -0800");
    assert_eq!((h.from_ip, h.with.as_deref()), (None, Some("LMTPA")));
}

#[test]
fn broken_lines_never_panic() {
    for v in [
        "",
        ";",
        "((((",
        "from",
        "from by with id for via",
        "from [ (x] by <y; ;;; (",
        "from a by b; not a date",
        "from a by b Tue, 10 Jul 2018 01:03:14 +0000",
        "from é ([ÿ::1%]) by ü; 日本",
        "from [999.1.1.1] ([::ffff:10.0.0.1]) by x; 32 Foo 99999 99:99:99 +9999",
    ] {
        let h = parse_received(v);
        assert_eq!(h.raw, v.trim());
    }
    // hostile sizes stay linear
    for bomb in [
        "(".repeat(200_000),
        "[".repeat(200_000),
        "<".repeat(200_000),
        "Mon ".repeat(50_000),
    ] {
        let start = std::time::Instant::now();
        let _ = parse_received(&format!("from {bomb} by x"));
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }
    // no ";": the date is found at the end
    let h = parse_received("from a by b Tue, 10 Jul 2018 01:03:14 +0000");
    assert_eq!(h.by.as_deref(), Some("b"));
    assert!(h.date.is_some());
    let h = parse_received("from a by b; not a date");
    assert_eq!((h.date, h.date_raw.as_deref()), (None, Some("not a date")));
    let h =
        parse_received("from [999.1.1.1] ([::ffff:10.0.0.1]) by x; 32 Foo 99999 99:99:99 +9999");
    assert_eq!(h.from_ip, ip("::ffff:10.0.0.1"));
    assert_eq!(ip_class(h.from_ip.unwrap()), IpClass::Private);
}

// ---------------------------------------------------------------------------------------------------------
// Findings.

const R1: &str = "Received: from mx.example.net (mx.example.net [8.8.4.4]) by inbox.example.org with ESMTP id B; Tue, 10 Jul 2018 01:05:00 +0000\n";
const R0: &str = "Received: from [192.168.1.20] (dsl.example.com [81.2.69.142]) by mx.example.net with ESMTPSA id A; Tue, 10 Jul 2018 01:04:00 +0000\n";
const DATE: &str = "Date: Tue, 10 Jul 2018 01:03:30 +0000\n";

#[test]
fn clean_chain_has_no_findings_and_delays() {
    let raw = format!("{R1}{R0}{DATE}From: a@example.com\n\nhi\n");
    let chain = analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default(),
    );
    assert!(chain.findings.is_empty(), "{:?}", chain.findings);
    assert_eq!(chain.hops.len(), 2);
    assert_eq!(chain.hops[0].by.as_deref(), Some("mx.example.net"));
    assert_eq!(chain.hops[0].delay_seconds, None);
    assert_eq!(chain.hops[1].delay_seconds, Some(60));
    assert_eq!(chain.transit_seconds, Some(60));
    assert_eq!(chain.hops[1].describe(), "hop 2 (by inbox.example.org)");
}

#[test]
fn finding_none() {
    assert_eq!(
        codes("From: a@b\nDate: Tue, 10 Jul 2018 01:03:30 +0000\n\nhi\n"),
        vec!["received.none"]
    );
}

#[test]
fn finding_negative_delay_and_tolerated_skew() {
    // 2 min backwards: tolerated clock skew.
    let r1 = R1.replace("01:05:00", "01:02:00");
    assert!(codes(&format!("{r1}{R0}\n")).is_empty());
    // 1 h backwards.
    let r1 = R1.replace("01:05:00", "00:04:00");
    let raw = format!("{r1}{R0}\n");
    assert_eq!(codes(&raw), vec!["received.negative-delay"]);
    let chain = analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default(),
    );
    assert_eq!(chain.hops[1].delay_seconds, Some(-3600));
    assert_eq!(
        chain.findings[0].reason,
        "Hop 2 (by inbox.example.org) is dated 1 h 0 min before hop 1 (by mx.example.net), which handed the message on: a clock is wrong or the field was altered."
    );
    assert_eq!(chain.findings[0].severity, Severity::Warning);
    // A larger tolerance accepts it.
    let lax = ReceivedOptions {
        max_backwards_seconds: 7200,
        ..ReceivedOptions::default()
    };
    assert!(analyze(&read_message(raw.as_bytes()).headers, &lax)
        .findings
        .is_empty());
}

#[test]
fn finding_impossible_order() {
    // Each step goes back 4 min (within tolerance), but hop 3 ends 8 min before hop 1.
    let raw = "Received: from c.example (c.example [8.8.8.8]) by d.example; Tue, 10 Jul 2018 01:02:00 +0000\n\
Received: from b.example (b.example [8.8.4.4]) by c.example; Tue, 10 Jul 2018 01:06:00 +0000\n\
Received: from a.example (a.example [81.2.69.142]) by b.example; Tue, 10 Jul 2018 01:10:00 +0000\n\n";
    assert_eq!(codes(raw), vec!["received.impossible-order"]);
}

#[test]
fn finding_reversed_order() {
    // Fields appended at the bottom: every hop earlier than the one below it.
    let raw = "Received: from a.example (a.example [81.2.69.142]) by b.example; Tue, 10 Jul 2018 01:00:00 +0000\n\
Received: from b.example (b.example [8.8.4.4]) by c.example; Tue, 10 Jul 2018 02:00:00 +0000\n\
Received: from c.example (c.example [8.8.8.8]) by d.example; Tue, 10 Jul 2018 03:00:00 +0000\n\n";
    let c = codes(raw);
    assert_eq!(
        c.iter()
            .filter(|c| **c == "received.negative-delay")
            .count(),
        2
    );
    assert!(c.contains(&"received.reversed-order"));
}

#[test]
fn finding_private_after_public() {
    // Loopback and RFC 1918 after a public hop: internal relays (info). The first hop's private HELO
    // literal before any public hop is not reported.
    let raw = format!(
        "Received: from filter (localhost [127.0.0.1]) by store.example.org; Tue, 10 Jul 2018 01:05:02 +0000\n\
Received: from inbox.example.org (inbox.example.org [10.1.2.3]) by filter; Tue, 10 Jul 2018 01:05:01 +0000\n\
{R1}{R0}\n"
    );
    let chain = analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default(),
    );
    let found: Vec<_> = chain
        .findings
        .iter()
        .map(|f| (f.code, f.severity))
        .collect();
    assert_eq!(
        found,
        vec![
            ("received.private-after-public", Severity::Info),
            ("received.private-after-public", Severity::Info)
        ]
    );
    assert!(chain.findings[0].reason.starts_with(
        "Hop 3 (by filter) came from 10.1.2.3, a private (RFC 1918) address, after hop 1 (by mx.example.net) had already come from the public address 81.2.69.142"
    ));
    // A documentation or CGNAT / ULA address after a public hop.
    let raw = format!(
        "Received: from x (x [192.0.2.1]) by y; Tue, 10 Jul 2018 01:05:02 +0000\n\
Received: from w (w [100.64.1.1]) by x; Tue, 10 Jul 2018 01:05:01 +0000\n\
Received: from v ([IPv6:fd00::5]) by w; Tue, 10 Jul 2018 01:05:01 +0000\n\
{R1}{R0}\n"
    );
    let chain = analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default(),
    );
    let found: Vec<_> = chain
        .findings
        .iter()
        .map(|f| (f.code, f.severity))
        .collect();
    assert_eq!(
        found,
        vec![
            ("received.private-after-public", Severity::Warning),
            ("received.private-after-public", Severity::Info),
            ("received.private-after-public", Severity::Info)
        ]
    );
    assert!(chain.findings[0].reason.contains("documentation-only"));
}

#[test]
fn finding_date_mismatch() {
    // Date 3 h before the first hop.
    let raw = format!("{R1}{R0}Date: Mon, 9 Jul 2018 22:04:00 +0000\n\n");
    assert_eq!(codes(&raw), vec!["received.date-mismatch"]);
    let chain = analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default(),
    );
    assert_eq!(
        chain.findings[0].reason,
        "The Date field (2018-07-09 22:04:00 UTC) is 3 h 0 min before the first server received the message (hop 1 (by mx.example.net), 2018-07-10 01:04:00 UTC)."
    );
    // Date after the first hop; offsets are honoured (same instant in another zone is fine).
    let raw = format!("{R1}{R0}Date: Tue, 10 Jul 2018 05:00:00 +0000\n\n");
    assert!(analyze(
        &read_message(raw.as_bytes()).headers,
        &ReceivedOptions::default()
    )
    .findings[0]
        .reason
        .contains("after the first server"));
    assert!(codes(&format!(
        "{R1}{R0}Date: Tue, 10 Jul 2018 03:04:00 +0200\n\n"
    ))
    .is_empty());
    // Configurable.
    let tight = ReceivedOptions {
        max_date_offset_seconds: 10,
        ..ReceivedOptions::default()
    };
    let raw = format!("{R1}{R0}{DATE}\n");
    assert_eq!(
        analyze(&read_message(raw.as_bytes()).headers, &tight).findings[0].code,
        "received.date-mismatch"
    );
}

#[test]
fn finding_undated() {
    let raw = format!("Received: from x by y; garbage\nReceived: by z with LMTP\n{R0}\n");
    assert_eq!(codes(&raw), vec!["received.undated", "received.undated"]);
}

// ---------------------------------------------------------------------------------------------------------
// Fingerprints.

fn fp_of(
    from: &str,
    mid: &str,
    mailer: &str,
    date: &str,
) -> leakloupe_core::analysis::fingerprint::Fingerprint {
    let raw = format!("From: {from}\nMessage-ID: {mid}\nX-Mailer: {mailer}\nDate: {date}\n\nhi\n");
    fingerprint(&read_message(raw.as_bytes()).headers)
}

#[test]
fn fingerprint_fields() {
    let fp = fp_of(
        "Sarah <Sarah@Gmail.com>",
        "<CAB4+x9=abc@mail.gmail.com>",
        "",
        "Wed, 9 Mar 2011 11:19:45 -0800",
    );
    assert_eq!(fp.from_address.as_deref(), Some("sarah@gmail.com"));
    assert_eq!(fp.message_id_style, MessageIdStyle::Gmail);
    assert_eq!(fp.message_id_domain.as_deref(), Some("mail.gmail.com"));
    assert_eq!(fp.message_id_matches_from, Some(true));
    assert_eq!(fp.timezone_offset, Some(-480));
    assert_eq!(fp.mailer, None);
    let raw = "From: x@example.org\nUser-Agent: Mutt/1.5.21 (2010-09-15)\n\n";
    let fp = fingerprint(&read_message(raw.as_bytes()).headers);
    assert_eq!(fp.mailer_family.as_deref(), Some("mutt"));
    assert_eq!(fp.message_id_style, MessageIdStyle::Missing);
    assert_eq!(fp.message_id_matches_from, None);
    assert_eq!(
        message_id_style("<3E1A9807.3393A163@earthlink.net>"),
        MessageIdStyle::HexDotHex
    );
}

#[test]
fn profiles_flag_changes() {
    let mut p = SenderProfiles::default();
    let ann = "Ann <ann@example.com>";
    let outlook = "Microsoft Outlook Express 6.00.2800.1106";
    // Three months of Outlook from Paris (winter and summer time), then a Gmail-style id from the same
    // mailer, then Apple Mail from UTC-5.
    let msgs = [
        (
            1,
            "<000001c2b64c$03af8740$56734151@example.com>",
            outlook,
            "Tue, 7 Jan 2003 13:55:09 +0100",
            100,
        ),
        (
            2,
            "<000101c2b64c$03af8741$56734151@example.com>",
            "Microsoft Outlook Express 6.00.2900.2180",
            "Tue, 8 Apr 2003 13:55:09 +0200",
            200,
        ),
        (
            3,
            "<000201c2b64c$03af8742$56734151@example.com>",
            outlook,
            "Tue, 9 Apr 2003 13:55:09 +0200",
            300,
        ),
        (
            4,
            "<CAB4+x9=abc@mail.gmail.com>",
            outlook,
            "Tue, 10 Apr 2003 13:55:09 +0200",
            400,
        ),
        (
            5,
            "<5F2B1C3A-1D2E-4F5A-9B8C-7D6E5F4A3B2C@example.com>",
            "Apple Mail (2.1085)",
            "Tue, 11 Apr 2003 07:55:09 -0500",
            500,
        ),
    ];
    // added out of order: findings follow the dates
    for (id, mid, mailer, date, t) in msgs.iter().rev() {
        assert!(p.add(*id, &fp_of(ann, mid, mailer, date), Some(*t)));
    }
    assert!(!p.add(9, &Default::default(), None), "no From: not kept");
    let f = p.findings();
    let got: Vec<_> = f
        .iter()
        .map(|f| (f.message, f.finding.code, f.finding.severity))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(5), "fingerprint.mailer-change", Severity::Info),
            (Some(4), "fingerprint.message-id-change", Severity::Warning),
            (Some(5), "fingerprint.message-id-change", Severity::Info),
            (Some(5), "fingerprint.timezone-change", Severity::Info),
        ]
    );
    assert_eq!(
        f[0].finding.reason,
        "After 4 messages written with \"microsoft outlook express\", ann@example.com suddenly sends one written with \"Apple Mail (2.1085)\"."
    );
    assert_eq!(
        f[3].finding.reason,
        "After 4 messages dated in UTC+01:00 or UTC+02:00, ann@example.com sends one dated in UTC-05:00."
    );
    let s = &p.summaries()[0];
    assert_eq!((s.sender.as_str(), s.messages), ("ann@example.com", 5));
    assert_eq!(s.mailers[0], ("microsoft outlook express".to_string(), 4));
}

#[test]
fn profiles_need_history_and_flag_foreign_message_id_domains() {
    // Two messages: too few for a habit (no change reported), enough for "never".
    let mut p = SenderProfiles::new(ProfileOptions::default());
    let bob = "bob@corp.example";
    p.add(
        1,
        &fp_of(
            bob,
            "<a.b@mail.isp.example>",
            "Eudora 5",
            "Tue, 7 Jan 2003 13:55:09 +0100",
        ),
        Some(1),
    );
    p.add(
        2,
        &fp_of(
            bob,
            "<c.d@mail.isp.example>",
            "Mutt/1.4",
            "Tue, 7 Jan 2003 13:55:09 +0100",
        ),
        Some(2),
    );
    // A single message with a foreign Message-ID domain is not a pattern yet.
    p.add(
        3,
        &fp_of(
            "solo@x.example",
            "<a.b@other.example>",
            "Mutt",
            "Tue, 7 Jan 2003 13:55:09 +0100",
        ),
        Some(3),
    );
    let f = p.findings();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].finding.code, "fingerprint.message-id-domain");
    assert_eq!(f[0].message, None);
    assert_eq!(
        f[0].finding.reason,
        "None of the 2 messages from bob@corp.example has a Message-ID from the sender's own domain (seen: mail.isp.example)."
    );
}

// ---------------------------------------------------------------------------------------------------------
// Corpus.

#[test]
fn corpus_eml_smoke() {
    let Some(root) = common::corpus_root() else {
        println!("corpus absent: header analysis checked on the synthetic cases above only");
        return;
    };
    // The folder also holds upstream's .json expectations, licences and a picture: mail is .eml and .txt.
    let files = common::files_under(&root.join("eml"), &|p| {
        p.extension().is_some_and(|e| e == "eml" || e == "txt")
    });
    let mut hops = 0usize;
    let mut with_received = 0usize;
    let mut by_code: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut profiles = SenderProfiles::default();
    let mut sample: Vec<(String, Vec<String>)> = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let detail = read_message(&bytes);
        let chain = analyze(&detail.headers, &ReceivedOptions::default());
        let fields = detail
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("received"))
            .count();
        assert_eq!(chain.hops.len(), fields, "{}", path.display());
        hops += chain.hops.len();
        with_received += usize::from(fields > 0);
        for f in &chain.findings {
            *by_code.entry(f.code).or_default() += 1;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        if rel.ends_with("raw_email_reply.eml") || rel.ends_with("thirdparty-dovecot/014.eml") {
            sample.push((
                rel,
                chain.findings.iter().map(|f| f.code.to_string()).collect(),
            ));
        }
        let fp = fingerprint(&detail.headers);
        profiles.add(
            u32::try_from(i).unwrap_or(u32::MAX),
            &fp,
            detail.summary.date.map(|d| d.utc_unix),
        );
    }
    let sender_findings = profiles.findings();
    // Verified by reading legacy-hunnysoft: dwsauder@example.com writes with Mozilla 4.7 (ids <HEX.HEX@...>)
    // on 17 May 2000, then with Eudora Pro 4.2 (ids <4.2.0.58.date.hex@...>) from 19 May, 011.eml first.
    let switch: Vec<(String, &str)> = sender_findings
        .iter()
        .filter(|f| f.sender == "dwsauder@example.com")
        .map(|f| {
            let file = f.message.and_then(|m| files.get(usize::try_from(m).ok()?));
            let name = file
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned());
            (name.unwrap_or_default(), f.finding.code)
        })
        .collect();
    assert_eq!(
        switch,
        vec![
            ("011.eml".to_string(), "fingerprint.mailer-change"),
            ("011.eml".to_string(), "fingerprint.message-id-change")
        ]
    );
    println!(
        "{} eml files, {with_received} with Received fields, {hops} hops; findings by code: {by_code:?}; {} senders, {} sender findings",
        files.len(),
        profiles.len(),
        sender_findings.len()
    );
    assert!(files.len() >= 300);
    assert!(hops >= 150, "the corpus has 155 Received fields");
    // Verified by reading the files: both chains are public all the way except one loopback hand-off after
    // the public part (bigpond -> smtp.xxxx.org -> [127.0.0.1]; Yahoo web -> qmail -> [127.0.0.1]), and
    // every hop is within seconds of the previous one and of the Date.
    sample.sort();
    assert_eq!(
        sample,
        vec![
            (
                "eml/ruby-mail/plain_emails/raw_email_reply.eml".to_string(),
                vec!["received.private-after-public".to_string()]
            ),
            (
                "eml/stalwart-mail-parser/thirdparty-dovecot/014.eml".to_string(),
                vec!["received.private-after-public".to_string()]
            ),
        ]
    );
}
