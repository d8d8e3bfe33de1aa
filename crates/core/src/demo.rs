//! The built-in demo leak: a small, fictitious mail dump for trainers, built in memory, byte for byte the
//! same on every machine (fixed dates, fixed keys, deterministic Ed25519 signatures; no clock, no RNG).
//!
//! The story: mail of the (invented) Northwind Port Authority about a dredging contract, leaked as what
//! leaks are made of: two mailboxes (mbox), a zip of one official's sent mail, and the archived DNS record
//! of the authority's DKIM key. Hidden in it are the things a journalist must learn to see, each found by
//! one of the [`LESSONS`]' queries:
//!
//! - signatures that verify with the archived key; one message whose body was changed after signing (and
//!   its intact variant in the other mailbox); one signed by a company whose key is not in the archive
//!   (*unverified is not forged*);
//! - a planted message "from" the director: no relay ever handled it, another mail program, another
//!   Message-ID form, another time zone, and a spreadsheet last edited under a Cyrillic name (the MacronLeaks
//!   lesson of 2017);
//! - a message back-dated to 2014 that carries software and a protocol of 2015 and 2018 (an anachronism);
//! - a relay chain whose clock runs backwards; the same message found in two mailboxes (one message, two
//!   locations); a forwarded message that becomes a message of its own.
//!
//! All names, addresses and domains are invented; the domains end in `.example` (RFC 2606), the addresses in
//! Received fields are documentation ranges (RFC 5737).

use std::io::Write as _;

use base64::Engine as _;

use crate::auth::sign::Ed25519Signer;

/// One file of the demo drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// Its path in the drop, e.g. "northwind-leak/anna-keller.mbox".
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// One exercise of the demo: a question, the query that answers it, and what the answer teaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lesson {
    /// Short title, e.g. "Signatures that hold".
    pub title: &'static str,
    /// The question a trainer asks.
    pub question: &'static str,
    /// The search that answers it.
    pub query: &'static str,
    /// How many messages the query finds in the demo.
    pub expect: u32,
    /// What to look at, and why it matters.
    pub explain: &'static str,
}

/// The exercises, in teaching order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        title: "Signatures that hold",
        question: "Which messages can be proven to come, unchanged, from the Port Authority's mail server?",
        query: "dkim:pass",
        expect: 13,
        explain: "The drop includes dns-keys.txt, an archived copy of the authority's DKIM key. Open a message: the details pane says PASS, names the key and the file it came from, and lists what the signature does not cover. Keys get rotated; an archived key is what makes old mail verifiable offline.",
    },
    Lesson {
        title: "Changed after signing",
        question: "One signed message no longer matches its signature. Which one, and what changed?",
        query: "dkim:fail",
        expect: 1,
        explain: "The body hash fails: the text was altered after the server signed it. The same Message-ID exists a second time, in finance.zip, with bytes that verify: the details pane calls them variants and says they differ only in the body. Compare the amounts. Forensics › Signatures shows why this is tampering and not a changed key: it fails alone, among 13 messages that verify with the same key in the same month.",
    },
    Lesson {
        title: "Unverified is not forged",
        question: "Which message carries a signature that cannot be checked here?",
        query: "dkim:neutral",
        expect: 1,
        explain: "Dalton Dredging signed this mail, but its key is not in the archive: the verdict is neutral, not fail. Most leaked mail cannot be verified (about 22,000 of 129,000 Podesta emails could); that says nothing against the rest.",
    },
    Lesson {
        title: "A sender out of character",
        question: "Anna Keller writes with Thunderbird from UTC+01:00. Which message in her name does not?",
        query: "finding:fingerprint.mailer-change",
        expect: 1,
        explain: "Open Forensics › Senders: after her Thunderbird messages, one comes from Outlook, with an Outlook-style Message-ID, five hours west of her usual clock, and at 06 on that clock while she writes between 08 and 17. A habit that breaks once is where to look first.",
    },
    Lesson {
        title: "Nobody delivered it",
        question: "Which message was never handled by a mail server?",
        query: "finding:received.none",
        expect: 1,
        explain: "Every message that travelled has Received fields, one per server. This one has none and no signature: a draft, an export, or something written straight into the mailbox.",
    },
    Lesson {
        title: "Who edited the spreadsheet?",
        question: "Which attachment was last saved under a name in another writing system?",
        query: "finding:authors.name-script-mismatch",
        expect: 1,
        explain: "payment-order.xlsx says it was last modified by \"Роман Смирнов\", in Cyrillic letters, in a mailbox where every other name is Latin. In the 2017 MacronLeaks, spreadsheets last saved by a Cyrillic-named editor gave the forgers away. See Forensics › Authors.",
    },
    Lesson {
        title: "A clock that runs backwards",
        question: "In which message does a server claim to have received it before the previous server sent it?",
        query: "finding:received.negative-delay",
        expect: 1,
        explain: "Open the route in the details pane: hop 2 is dated two hours before hop 1. A wrong clock on one server, or an edited header; either way, the dates in this message are not evidence on their own.",
    },
    Lesson {
        title: "Out of its time",
        question: "One message claims to be ten years older than the rest. What gives it away?",
        query: "finding:date.anachronism",
        expect: 1,
        explain: "It is dated 2014, yet it was written with Outlook 16.0 (first previews in 2015) and relayed over TLS 1.3 (2018). Forgers back-date the Date line, rarely the software. A message 'proving' an old arrangement with Dalton, planted in the finance zip.",
    },
    Lesson {
        title: "One message, several places",
        question: "The kickoff mail is in two mailboxes. Is it one message or two?",
        query: "subject:kickoff from:anna",
        expect: 1,
        explain: "The same bytes (same SHA-256) in anna-keller.mbox and mei-lin.mbox are listed once, with both locations under Source. The forwarded Dalton offer is another case: it is inside Tomás Ruiz's forward and in finance.zip, one message with two locations.",
    },
];

/// How many files [`files`] gives (the page reserves their ids before the worker builds them).
pub const FILE_COUNT: usize = 4;

/// The Port Authority's signing identity (its key is in the drop's dns-keys.txt).
fn northwind() -> Ed25519Signer {
    Ed25519Signer::new("northwind-port.example", "nw2023", *b"northwind-port-demo-signing-key!")
}

/// The contractor's signing identity (its key is *not* in the drop).
fn dalton() -> Ed25519Signer {
    Ed25519Signer::new("daltondredging.example", "dd2019", *b"dalton-dredging-demo-signing-key")
}

const ANNA: &str = "Anna Keller <anna.keller@northwind-port.example>";
const TOMAS: &str = "=?UTF-8?Q?Tom=C3=A1s_Ruiz?= <tomas.ruiz@northwind-port.example>";
const MEI: &str = "Mei Lin <mei.lin@northwind-port.example>";
const JACK: &str = "Jack Dalton <j.dalton@daltondredging.example>";
const SARA: &str = "Sara Holm <sara.holm@harbourtimes.example>";
const REPORTS: &str = "Northwind Reports <reports@northwind-port.example>";
const THUNDERBIRD: &str = "User-Agent: Mozilla Thunderbird 115.8.1";
const OUTLOOK: &str = "X-Mailer: Microsoft Outlook 16.0";

/// An attachment.
struct Part {
    name: &'static str,
    mime: &'static str,
    bytes: Vec<u8>,
}

/// One message before it is signed and delivered.
struct Mail {
    from: &'static str,
    to: &'static str,
    cc: Option<&'static str>,
    subject: &'static str,
    /// RFC 5322 date.
    date: &'static str,
    message_id: String,
    reply_to_id: Option<String>,
    mailer: &'static str,
    body: String,
    attachments: Vec<Part>,
    /// A message forwarded inside this one (`message/rfc822`).
    forwarded: Option<Vec<u8>>,
}

impl Mail {
    fn new(from: &'static str, to: &'static str, subject: &'static str, date: &'static str, message_id: String) -> Mail {
        Mail {
            from,
            to,
            cc: None,
            subject,
            date,
            message_id,
            reply_to_id: None,
            mailer: THUNDERBIRD,
            body: String::new(),
            attachments: Vec::new(),
            forwarded: None,
        }
    }

    /// The RFC 822 text, CRLF line ends.
    fn render(&self) -> Vec<u8> {
        let mut h = format!("From: {}\r\nTo: {}\r\n", self.from, self.to);
        if let Some(cc) = self.cc {
            h.push_str(&format!("Cc: {cc}\r\n"));
        }
        h.push_str(&format!("Subject: {}\r\nDate: {}\r\nMessage-ID: <{}>\r\n", self.subject, self.date, self.message_id));
        if let Some(r) = &self.reply_to_id {
            h.push_str(&format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"));
        }
        h.push_str(&format!("{}\r\nMIME-Version: 1.0\r\n", self.mailer));
        let body = self.body.replace('\n', "\r\n");
        if self.attachments.is_empty() && self.forwarded.is_none() {
            h.push_str("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            h.push_str(&body);
            return h.into_bytes();
        }
        let boundary = format!("------------{}", &hex(&sha(self.message_id.as_bytes()))[..24]);
        h.push_str(&format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"));
        h.push_str("This is a multi-part message in MIME format.\r\n");
        h.push_str(&format!(
            "--{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        ));
        let mut out = h.into_bytes();
        for a in &self.attachments {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&a.bytes);
            let lines: Vec<&str> = b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
            out.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Type: {}; name=\"{}\"\r\nContent-Disposition: attachment; filename=\"{}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
                    a.mime,
                    a.name,
                    a.name,
                    lines.join("\r\n")
                )
                .as_bytes(),
            );
        }
        if let Some(inner) = &self.forwarded {
            out.extend_from_slice(
                format!("--{boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"forwarded message.eml\"\r\n\r\n").as_bytes(),
            );
            out.extend_from_slice(inner);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        out
    }
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Thunderbird-style Message-ID (a UUID), derived from a seed so it is the same on every build.
fn uuid_id(seed: &str, domain: &str) -> String {
    let h = hex(&sha(seed.as_bytes()));
    format!("{}-{}-4{}-a{}-{}@{domain}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// An Outlook-style Message-ID: `000001da…$…$…@domain`.
fn outlook_id(seed: &str, domain: &str) -> String {
    let h = hex(&sha(seed.as_bytes()));
    format!("000001da{}${}${}@{domain}", &h[..8], &h[8..16], &h[16..24])
}

/// Received fields (newest first, as servers prepend them) for a message submitted at `date` (RFC 5322)
/// through `hops`: (from, by, seconds after the Date).
fn received(date: &str, hops: &[(&str, &str, i64)]) -> String {
    let t = chrono::DateTime::parse_from_rfc2822(date).expect("demo dates are valid");
    let mut out = String::new();
    for (n, (from, by, after)) in hops.iter().enumerate().rev() {
        let at = t + chrono::Duration::seconds(*after);
        out.push_str(&format!(
            "Received: from {from}\r\n\tby {by} with ESMTPS id {}\r\n\tfor <recipient@northwind-port.example>; {}\r\n",
            &hex(&sha(format!("{date}{n}").as_bytes()))[..12].to_uppercase(),
            at.to_rfc2822()
        ));
    }
    out
}

/// The usual route of the Port Authority's own mail: the user's PC, the submission server, the mailbox
/// server.
fn internal_route(date: &str) -> String {
    received(
        date,
        &[
            ("[10.20.0.15] (pc-14.office.northwind-port.example [10.20.0.15])", "mail.northwind-port.example (Postfix)", 2),
            ("mail.northwind-port.example (mail.northwind-port.example [198.51.100.25])", "mx1.northwind-port.example (Postfix)", 3),
        ],
    )
}

/// Sign with the Port Authority's key, then deliver along its internal route.
fn signed_internal(m: &Mail) -> Vec<u8> {
    let signed = northwind().sign(&m.render(), &["from", "to", "cc", "subject", "date", "message-id", "in-reply-to"], None);
    let mut out = internal_route(m.date).into_bytes();
    out.extend(signed);
    out
}

/// A minimal, valid .xlsx: one sheet of `rows`, with the core and app properties given.
fn xlsx(rows: &[(&str, &str)], creator: &str, last_modified_by: &str, company: &str, created: &str, modified: &str) -> Vec<u8> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    for (i, (a, b)) in rows.iter().enumerate() {
        let r = i + 1;
        sheet.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>{}</t></is></c><c r=\"B{r}\" t=\"inlineStr\"><is><t>{}</t></is></c></row>",
            esc(a),
            esc(b)
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts: [(&str, String); 7] = [
        ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/><Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/></Types>".into()),
        ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>".into()),
        ("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".into()),
        ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".into()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("docProps/core.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy><dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{modified}</dcterms:modified></cp:coreProperties>", esc(creator), esc(last_modified_by))),
        ("docProps/app.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>Microsoft Excel</Application><AppVersion>16.0300</AppVersion><Company>{}</Company></Properties>", esc(company))),
    ];
    zip_of(parts.iter().map(|(n, b)| (*n, b.as_bytes())))
}

/// A zip of (name, bytes), deflated, with the zip format's earliest timestamp (no clock here).
fn zip_of<'a>(entries: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        // Writing to memory cannot fail short of running out of it.
        let _ = w.start_file(name, opts);
        let _ = w.write_all(bytes);
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A one-page PDF with an Info dictionary, cross-reference table and all.
fn pdf(text: &str, author: &str, title: &str, created: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({}) Tj ET", text.replace('(', "\\(").replace(')', "\\)"));
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Author ({author}) /Title ({title}) /Creator (Writer) /Producer (LibreOffice 7.6) /CreationDate (D:{created}) /ModDate (D:{created}) >>"),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1, objects.len()).as_bytes(),
    );
    out
}

/// CRLF → LF.
fn lf(raw: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(raw).replace("\r\n", "\n").into_bytes()
}

/// An mbox of these messages (mboxrd: body lines starting with "From " are quoted). Each From_ line is
/// made from the message itself: its From address and its Date in UTC, as a delivery agent writes it.
fn mbox(messages: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for raw in messages {
        let summary = crate::message::read_message(raw).summary;
        let sender = crate::search::Addr::parse_list(&summary.from).first().map(|a| a.address.clone()).unwrap_or_default();
        let asctime = summary
            .date
            .and_then(|d| chrono::DateTime::from_timestamp(d.utc_unix, 0))
            .map(|d| d.format("%a %b %e %H:%M:%S %Y").to_string())
            .unwrap_or_default();
        out.extend_from_slice(format!("From {sender} {asctime}\n").as_bytes());
        let text = lf(raw);
        for line in text.split_inclusive(|&b| b == b'\n') {
            if line.iter().position(|&b| b != b'>').is_some_and(|i| line[i..].starts_with(b"From ")) {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        if !text.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// The demo drop: the key file first (so the signatures are checked as the mail is read), then two
/// mailboxes and a zip.
pub fn files() -> Vec<DemoFile> {
    let nw = "northwind-port.example";

    // --- The kickoff, in Anna's and Mei's mailboxes (same bytes).
    let mut kickoff = Mail::new(ANNA, "=?UTF-8?Q?Tom=C3=A1s_Ruiz?= <tomas.ruiz@northwind-port.example>", "Lot 4 kickoff: dredging contract", "Mon, 04 Mar 2024 09:12:40 +0100", uuid_id("kickoff", nw));
    kickoff.cc = Some(MEI);
    kickoff.body = "Tomás, Mei,\n\nthe board wants the lot 4 dredging contract signed before Easter. Tomás, please send me a cost estimate this week; Mei, no statements to the press until it is signed.\n\nAnna\n--\nAnna Keller, Director\nNorthwind Port Authority\n".into();
    let kickoff = signed_internal(&kickoff);

    // --- Tomás's estimate, with a spreadsheet (in Anna's mbox and in finance.zip: same bytes).
    let mut estimate = Mail::new(TOMAS, ANNA, "Re: Lot 4 kickoff: dredging contract", "Tue, 05 Mar 2024 16:40:12 +0100", outlook_id("estimate", nw));
    estimate.mailer = OUTLOOK;
    estimate.reply_to_id = Some(uuid_id("kickoff", nw));
    estimate.body = "Anna,\n\nattached is my estimate for lot 4: 1.1 to 1.3 million euros, depending on the depth survey.\n\nBest,\nTomás\n".into();
    estimate.attachments.push(Part {
        name: "lot4-estimate.xlsx",
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes: xlsx(
            &[("Item", "EUR"), ("Dredging 180,000 m3", "990000"), ("Disposal", "140000"), ("Survey", "45000"), ("Total", "1175000")],
            "Tomás Ruiz",
            "Tomás Ruiz",
            "Northwind Port Authority",
            "2024-03-05T13:02:00Z",
            "2024-03-05T15:31:00Z",
        ),
    });
    let estimate = signed_internal(&estimate);

    let mut rota = Mail::new(ANNA, "All staff <staff@northwind-port.example>", "Easter holiday rota", "Fri, 08 Mar 2024 11:05:33 +0100", uuid_id("rota", nw));
    rota.body = "Dear all,\n\nplease put your Easter leave in the shared rota by 15 March.\n\nThank you,\nAnna\n".into();
    let rota = signed_internal(&rota);

    // --- Dalton's offer: signed by Dalton Dredging, whose key is not in the drop.
    let mut offer = Mail::new(JACK, TOMAS, "Dalton offer for lot 4", "Mon, 11 Mar 2024 15:22:05 +0100", uuid_id("offer", "daltondredging.example"));
    offer.mailer = "X-Mailer: Apple Mail (2.3774.400.31)";
    offer.body = "Dear Mr Ruiz,\n\nDalton Dredging offers to carry out lot 4 for 1,200,000 euros, all included, starting 2 April.\n\nKind regards,\nJack Dalton\nDalton Dredging Ltd\n".into();
    let offer_signed = dalton().sign(&offer.render(), &["from", "to", "subject", "date", "message-id"], None);
    let mut offer = received(
        offer.date,
        &[
            ("mail.daltondredging.example (mail.daltondredging.example [203.0.113.40])", "mx1.northwind-port.example (Postfix)", 4),
            ("mx1.northwind-port.example (mx1.northwind-port.example [198.51.100.26])", "mailbox.northwind-port.example (Dovecot)", 5),
        ],
    )
    .into_bytes();
    offer.extend(offer_signed);

    // --- Tomás forwards the offer to Anna (the offer becomes a message of its own).
    let mut forward = Mail::new(TOMAS, ANNA, "Fwd: Dalton offer for lot 4", "Tue, 12 Mar 2024 10:20:47 +0100", outlook_id("forward", nw));
    forward.mailer = OUTLOOK;
    forward.body = "Anna,\n\nDalton's offer is below my estimate. Shall I accept?\n\nTomás\n".into();
    forward.forwarded = Some(offer.clone());
    let forward = signed_internal(&forward);

    // --- Anna's answer: the original (in finance.zip) and the copy altered after signing (in her mbox).
    let mut approval = Mail::new(ANNA, TOMAS, "Re: Fwd: Dalton offer for lot 4", "Thu, 14 Mar 2024 08:47:19 +0100", uuid_id("approval", nw));
    approval.reply_to_id = Some(outlook_id("forward", nw));
    approval.body = "Tomás,\n\nyes, accept Dalton's offer of 1.2 million euros. Not a cent more.\n\nAnna\n".into();
    let approval = signed_internal(&approval);
    let altered = String::from_utf8_lossy(&approval).replace("offer of 1.2 million euros", "offer of 2.1 million euros").into_bytes();

    let mut minutes = Mail::new(ANNA, "Board <board@northwind-port.example>", "Board meeting 21 March: draft minutes", "Wed, 20 Mar 2024 17:30:02 +0100", uuid_id("minutes", nw));
    minutes.body = "Dear members of the board,\n\nthe draft minutes for tomorrow are attached.\n\nAnna Keller\n".into();
    minutes.attachments.push(Part {
        name: "minutes-draft.pdf",
        mime: "application/pdf",
        bytes: pdf("Board meeting 21 March 2024 - draft minutes. Item 3: lot 4 dredging contract.", "Anna Keller", "Board minutes (draft)", "20240320171500+01'00'"),
    });
    let minutes = signed_internal(&minutes);

    // --- A journalist's question, through a relay whose clock is two hours slow.
    let mut press = Mail::new(SARA, MEI, "Question about the lot 4 tender", "Fri, 22 Mar 2024 09:03:11 +0000", uuid_id("press", "harbourtimes.example"));
    press.cc = Some(ANNA);
    press.mailer = "User-Agent: Roundcube Webmail/1.6.6";
    press.body = "Dear Ms Lin,\n\nThe Harbour Times has learned that the lot 4 dredging contract will go to Dalton Dredging without a public tender. Can you confirm the amount?\n\nSara Holm\nThe Harbour Times\n".into();
    let mut press_bytes = received(
        press.date,
        &[
            ("webmail.harbourtimes.example (webmail.harbourtimes.example [192.0.2.10])", "relay.harbourtimes.example (Exim 4.97)", 3),
            ("relay.harbourtimes.example (relay.harbourtimes.example [192.0.2.11])", "mx1.northwind-port.example (Postfix)", 6 - 2 * 3600),
        ],
    )
    .into_bytes();
    press_bytes.extend(press.render());

    let mut reply = Mail::new(MEI, SARA, "Re: Question about the lot 4 tender", "Fri, 22 Mar 2024 14:30:55 +0100", uuid_id("press-reply", nw));
    reply.mailer = "X-Mailer: Apple Mail (2.3774.400.31)";
    reply.reply_to_id = Some(uuid_id("press", "harbourtimes.example"));
    reply.body = "Dear Ms Holm,\n\nthe Port Authority does not comment on contracts under negotiation.\n\nMei Lin\nCommunications\n".into();
    let reply = signed_internal(&reply);

    let mut signed_off = Mail::new(TOMAS, JACK, "Re: Dalton offer for lot 4", "Mon, 25 Mar 2024 12:10:40 +0100", outlook_id("signed-off", nw));
    signed_off.mailer = OUTLOOK;
    signed_off.reply_to_id = Some(uuid_id("offer", "daltondredging.example"));
    signed_off.body = "Dear Mr Dalton,\n\nwe accept your offer of 1,200,000 euros for lot 4. The contract follows by post.\n\nTomás Ruiz\nFinance, Northwind Port Authority\n".into();
    let signed_off = signed_internal(&signed_off);

    // --- The planted message: no relay, no signature, another mailer, another clock, a spreadsheet last
    // saved under a Cyrillic name.
    let mut planted = Mail::new(ANNA, TOMAS, "Urgent: transfer to Dalton Dredging today", "Wed, 27 Mar 2024 06:58:14 -0500", outlook_id("planted", nw));
    planted.mailer = OUTLOOK;
    planted.body = "Tomás,\n\nthe board approved an advance. Transfer 2,100,000 euros to Dalton Dredging today, account details attached. Do not call me, I am in meetings all day.\n\nAnna\n".into();
    planted.attachments.push(Part {
        name: "payment-order.xlsx",
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes: xlsx(
            &[("Beneficiary", "Dalton Dredging Ltd"), ("IBAN", "XX00 0000 0000 0000 0000"), ("Amount EUR", "2100000")],
            "Anna Keller",
            "Роман Смирнов",
            "Northwind Port Authority",
            "2024-03-26T21:40:00Z",
            "2024-03-27T11:52:00Z",
        ),
    });
    let planted = planted.render();

    // --- Back-dated: "2014", with a 2015 mailer and a 2018 protocol on its relay.
    let mut backdated = Mail::new(TOMAS, JACK, "Lot 4 when it comes up", "Thu, 06 Nov 2014 17:42:10 +0100", outlook_id("backdated", nw));
    backdated.mailer = OUTLOOK;
    backdated.body = "Jack,

as agreed over dinner: when lot 4 comes up, it is yours. I will see to the estimate.

Tomás
".into();
    let mut backdated_bytes = received(
        backdated.date,
        &[
            ("[10.20.0.31] (pc-22.office.northwind-port.example [10.20.0.31])", "mail.northwind-port.example (Postfix) with ESMTPSA (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384)", 2),
            ("mail.northwind-port.example (mail.northwind-port.example [198.51.100.25])", "mail.daltondredging.example (Postfix)", 4),
        ],
    )
    .into_bytes();
    backdated_bytes.extend(backdated.render());

    // --- Weekly reports: routine mail that makes up most of any mailbox.
    let weeks: [(&'static str, &'static str, u32, u32); 5] = [
        ("Mon, 26 Feb 2024 07:00:04 +0100", "Port traffic, week 9", 9, 412),
        ("Mon, 04 Mar 2024 07:00:03 +0100", "Port traffic, week 10", 10, 398),
        ("Mon, 11 Mar 2024 07:00:05 +0100", "Port traffic, week 11", 11, 441),
        ("Mon, 18 Mar 2024 07:00:04 +0100", "Port traffic, week 12", 12, 427),
        ("Mon, 25 Mar 2024 07:00:06 +0100", "Port traffic, week 13", 13, 455),
    ];
    let reports: Vec<Vec<u8>> = weeks
        .iter()
        .map(|&(date, subject, week, calls)| {
            let mut r = Mail::new(REPORTS, ANNA, subject, date, format!("report-2024-w{week:02}@reports.northwind-port.example"));
            r.mailer = "X-Mailer: NW-Reports 2.1";
            r.body = format!("Week {week}: {calls} ship calls, berth occupancy {}%.\nThis message was generated automatically.\n", 60 + week);
            signed_internal(&r)
        })
        .collect();

    let anna: Vec<&[u8]> = vec![
        &reports[0],
        &kickoff,
        &reports[1],
        &estimate,
        &rota,
        &reports[2],
        &forward,
        &altered,
        &reports[3],
        &minutes,
        &press_bytes,
        &reports[4],
        &planted,
    ];
    let mei: Vec<&[u8]> = vec![&kickoff, &reply];
    // Saved as a Unix mail client saves .eml files: LF line ends. The estimate was exported from an mbox
    // (with the blank line an mbox message ends with), so it is the same bytes as Anna's copy; the offer is
    // the same bytes as the one forwarded inside Tomás's message.
    let mut estimate = lf(&estimate);
    estimate.push(b'\n');
    let (offer, approval, signed_off, backdated) = (lf(&offer), lf(&approval), lf(&signed_off), lf(&backdated_bytes));
    let finance = zip_of(
        [
            ("tomas-ruiz/Sent/0000 Lot 4 when it comes up.eml", backdated.as_slice()),
            ("tomas-ruiz/Sent/0001 Re Lot 4 kickoff.eml", estimate.as_slice()),
            ("tomas-ruiz/Inbox/0002 Dalton offer for lot 4.eml", offer.as_slice()),
            ("tomas-ruiz/Inbox/0003 Re Fwd Dalton offer for lot 4.eml", approval.as_slice()),
            ("tomas-ruiz/Sent/0004 Re Dalton offer for lot 4.eml", signed_off.as_slice()),
        ]
        .into_iter(),
    );
    let keys = format!(
        "; Archived DNS records of the Northwind Port Authority, as published in March 2024.\n; Dalton Dredging's key (selector dd2019) was not archived.\n{}\n",
        northwind().dns_record()
    );
    vec![
        DemoFile { path: "northwind-leak/dns-keys.txt".into(), bytes: keys.into_bytes() },
        DemoFile { path: "northwind-leak/anna-keller.mbox".into(), bytes: mbox(&anna) },
        DemoFile { path: "northwind-leak/mei-lin.mbox".into(), bytes: mbox(&mei) },
        DemoFile { path: "northwind-leak/finance.zip".into(), bytes: finance },
    ]
}
