//! The query language, as people know it from Gmail and Thunderbird, parsed into a [`Query`] tree.
//!
//! | syntax | meaning |
//! | --- | --- |
//! | `budget leak` | both words, anywhere (AND) |
//! | `"exact phrase"` | the words next to each other, in one field |
//! | `-word`, `-"a phrase"`, `-(a OR b)`, `NOT word` | exclude |
//! | `a OR b` | either; binds tighter than AND: `x a OR b` is `x (a OR b)` |
//! | `( … )` | grouping; `from:(alice OR bob)` applies the field to each word inside |
//! | `from:` `to:` `cc:` `bcc:` `subject:` `body:` `filename:` | words or `"phrases"` in that field (names and addresses for the address fields) |
//! | `domain:example.com` | sender or recipient domain (a parent domain or one label matches too) |
//! | `type:pdf`, `type:application/pdf`, `type:image` | attachment MIME type, subtype or top-level type |
//! | `has:attachment`, `has:html` | structure |
//! | `before:` `after:` `on:` (`older:` `newer:`) | date, UTC: `2017-05-05`, `2017/5/5`, `2017-05`, `2017`; `before:` is strictly before the start of that day/month/year, `after:` on or after its start (as Gmail), `on:` within it |
//! | `larger:10K` `smaller:1.5MB` | message size; K = 1024 bytes |
//! | `tag:x` (`label:x`) | a tag set with [`SearchIndex::set_tags`](super::SearchIndex::set_tags) |
//! | `name:value` | any keyword field set with [`SearchIndex::set_keyword`](super::SearchIndex::set_keyword), e.g. `dkim:pass`, `finding:late-date`; a name the index does not know searches the text `name value` instead (so `http://x` still works) |
//!
//! An empty query matches everything. A malformed one gives a [`QueryError`] with the character span at fault
//! and a plain sentence ("unclosed quote at column 12", "unknown field 'form:' — did you mean 'from:'?").
//!
//! ```
//! use leakloupe_core::search::query::parse;
//! assert!(parse("from:alice (budget OR \"cost report\") -draft before:2017-05-05").is_ok());
//! let e = parse("subject:\"oops").unwrap_err();
//! assert_eq!(e.message, "unclosed quote at column 9");
//! assert_eq!(e.column(), 9);
//! ```

use std::fmt;

use super::tokenize::{fold, tokenize, Mode};

/// Nesting deeper than this (parentheses and negations) is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 48;

/// A parsed query. `root == None` matches every message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// The condition; `None` for an empty query (everything).
    pub root: Option<Node>,
}

impl Query {
    /// The query that matches every message.
    pub fn all() -> Self {
        Query { root: None }
    }

    /// Whether this query matches every message (it is empty).
    pub fn is_all(&self) -> bool {
        self.root.is_none()
    }
}

/// A text field that can be searched by words and phrases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextField {
    /// The Subject.
    Subject,
    /// Sender names and addresses.
    From,
    /// To names and addresses.
    To,
    /// Cc names and addresses.
    Cc,
    /// Bcc names and addresses.
    Bcc,
    /// Body text (plain, and text extracted from HTML).
    Body,
    /// Attachment file names.
    Filename,
    /// Text of text/* attachments (only searched without a field).
    AttachmentText,
}

impl TextField {
    /// Every text field; a word without a field is looked up in all of them.
    pub const ALL: [TextField; 8] = [
        TextField::Subject,
        TextField::From,
        TextField::To,
        TextField::Cc,
        TextField::Bcc,
        TextField::Body,
        TextField::Filename,
        TextField::AttachmentText,
    ];

    /// Stable small number of the field (its index in [`TextField::ALL`]).
    pub fn index(self) -> u8 {
        match self {
            TextField::Subject => 0,
            TextField::From => 1,
            TextField::To => 2,
            TextField::Cc => 3,
            TextField::Bcc => 4,
            TextField::Body => 5,
            TextField::Filename => 6,
            TextField::AttachmentText => 7,
        }
    }
}

/// One term of a [`Node::Text`]: a folded token and its position offset within the phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// Folded term, as the tokenizer makes it.
    pub text: String,
    /// Position relative to the first term (CJK bigrams and e-mail addresses can make gaps).
    pub offset: u32,
}

/// What `has:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Has {
    /// `has:attachment`.
    Attachment,
    /// `has:html`.
    Html,
}

/// How a date condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOp {
    /// `before:`: date < start of the given day/month/year.
    Before,
    /// `after:`: date ≥ start of the given day/month/year.
    After,
    /// `on:`: within the given day/month/year.
    On,
}

/// How a size condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeOp {
    /// `larger:`: size > bytes.
    Larger,
    /// `smaller:`: size < bytes.
    Smaller,
}

/// A condition in a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Terms next to each other (one term: anywhere) in one field; `field == None` means any text field.
    Text {
        /// The field, or `None` for all text fields.
        field: Option<TextField>,
        /// The terms, in order; never empty.
        terms: Vec<QueryTerm>,
    },
    /// Sender or recipient domain (folded), e.g. "example.com".
    Domain(String),
    /// Attachment MIME type, subtype or top-level type (folded), e.g. "pdf".
    AttachmentType(String),
    /// `has:`.
    Has(Has),
    /// A date condition; `start..end` is the UTC span (unix seconds) of the day, month or year written.
    Date {
        /// The comparison.
        op: DateOp,
        /// First second of the span.
        start: i64,
        /// First second after the span.
        end: i64,
    },
    /// A size condition.
    Size {
        /// The comparison.
        op: SizeOp,
        /// The size in bytes.
        bytes: u64,
    },
    /// A keyword field (`tag:` is the keyword "tag"): `name` lower-case, `value` folded. If the index knows
    /// no keyword `name`, the text `name value` is searched instead.
    Keyword {
        /// Keyword name, e.g. "dkim".
        name: String,
        /// Folded value, e.g. "pass".
        value: String,
    },
    /// Messages that do not match.
    Not(Box<Node>),
    /// Messages that match every child.
    And(Vec<Node>),
    /// Messages that match any child.
    Or(Vec<Node>),
}

/// Why a query could not be read: the character span at fault and a plain sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// 0-based character index where the problem starts.
    pub start: usize,
    /// 0-based character index just after the problem.
    pub end: usize,
    /// A complete sentence, e.g. "OR needs something on both sides".
    pub message: String,
}

impl QueryError {
    fn new(start: usize, end: usize, message: impl Into<String>) -> Self {
        QueryError {
            start,
            end: end.max(start),
            message: message.into(),
        }
    }

    /// 1-based column of the start of the problem.
    pub fn column(&self) -> usize {
        self.start + 1
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

/// Built-in field names (besides keyword fields).
pub const FIELD_NAMES: [&str; 19] = [
    "from", "to", "cc", "bcc", "subject", "body", "filename", "domain", "type", "has", "before",
    "after", "on", "older", "newer", "larger", "smaller", "tag", "label",
];

/// Parse a query. Keyword fields the caller registered are accepted without knowing them (any `name:value`
/// whose name is not close to a built-in field); use [`parse_with_keywords`] (or
/// [`SearchIndex::parse`](super::SearchIndex::parse)) so that typo hints also know the keyword names.
pub fn parse(q: &str) -> Result<Query, QueryError> {
    parse_with_keywords(q, &[])
}

/// Parse a query knowing the keyword names in use (e.g. "dkim", "finding"): they are never taken for typos,
/// and are suggested for near misses.
pub fn parse_with_keywords(q: &str, keywords: &[&str]) -> Result<Query, QueryError> {
    let chars: Vec<char> = q.chars().collect();
    let toks = lex(&chars)?;
    let mut p = Parser {
        toks,
        at: 0,
        keywords,
    };
    let nodes = p.sequence(0, None, None)?;
    Ok(Query {
        root: combine_and(nodes),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Lexing.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Open,
    Close,
    Minus,
    Quoted(String),
    Word(String),
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

fn lex(chars: &[char]) -> Result<Vec<Tok>, QueryError> {
    let mut toks = Vec::new();
    let mut i = 0;
    // Whether the previous character ended a token (so a '-' here is inside a word, not a negation).
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                toks.push(Tok {
                    kind: Kind::Open,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
            ')' => {
                toks.push(Tok {
                    kind: Kind::Close,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
            '"' => {
                let start = i;
                let close = chars
                    .get(i + 1..)
                    .unwrap_or_default()
                    .iter()
                    .position(|&c| c == '"');
                match close {
                    Some(len) => {
                        let text: String = chars
                            .get(i + 1..i + 1 + len)
                            .unwrap_or_default()
                            .iter()
                            .collect();
                        i += len + 2;
                        toks.push(Tok {
                            kind: Kind::Quoted(text),
                            start,
                            end: i,
                        });
                    }
                    None => {
                        return Err(QueryError::new(
                            start,
                            chars.len(),
                            format!("unclosed quote at column {}", start + 1),
                        ))
                    }
                }
            }
            '-' if starts_operand(chars.get(i + 1).copied()) && !glued_to_previous(&toks, i) => {
                toks.push(Tok {
                    kind: Kind::Minus,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
            _ => {
                let start = i;
                while let Some(&c) = chars.get(i) {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        break;
                    }
                    i += 1;
                }
                let text: String = chars.get(start..i).unwrap_or_default().iter().collect();
                toks.push(Tok {
                    kind: Kind::Word(text),
                    start,
                    end: i,
                });
            }
        }
    }
    Ok(toks)
}

/// A '-' negates only when something follows it directly.
fn starts_operand(next: Option<char>) -> bool {
    matches!(next, Some(c) if !c.is_whitespace() && c != ')')
}

/// `from:-x` or `"a"-b`: a '-' glued to the token before it is part of a word.
fn glued_to_previous(toks: &[Tok], i: usize) -> bool {
    toks.last()
        .is_some_and(|t| t.end == i && !matches!(t.kind, Kind::Open | Kind::Minus))
}

// ---------------------------------------------------------------------------------------------------------
// Parsing.

struct Parser<'k> {
    toks: Vec<Tok>,
    at: usize,
    keywords: &'k [&'k str],
}

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok { kind: Kind::Word(x), .. }) if x == w)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    /// Nodes up to the end (or the `)` closing the group opened at `open`), ANDed by the caller.
    fn sequence(
        &mut self,
        depth: usize,
        field: Option<&FieldCtx>,
        open: Option<usize>,
    ) -> Result<Vec<Node>, QueryError> {
        let mut nodes = Vec::new();
        loop {
            let Some(t) = self.peek().cloned() else {
                if let Some(o) = open {
                    return Err(QueryError::new(
                        o,
                        o + 1,
                        format!("unclosed parenthesis at column {}: add a ')'", o + 1),
                    ));
                }
                return Ok(nodes);
            };
            match &t.kind {
                Kind::Close => {
                    if open.is_some() {
                        return Ok(nodes);
                    }
                    return Err(QueryError::new(
                        t.start,
                        t.end,
                        format!(
                            "unexpected ')' at column {}: there is no '(' for it to close",
                            t.start + 1
                        ),
                    ));
                }
                Kind::Word(w) if w == "AND" => {
                    self.at += 1;
                }
                _ => {
                    if let Some(n) = self.or_expr(depth, field)? {
                        nodes.push(n);
                    }
                }
            }
        }
    }

    fn or_expr(
        &mut self,
        depth: usize,
        field: Option<&FieldCtx>,
    ) -> Result<Option<Node>, QueryError> {
        if let Some(t) = self.peek().filter(|t| is_word(Some(t), "OR")) {
            return Err(or_error(t));
        }
        let first = self.unary(depth, field)?;
        if !is_word(self.peek(), "OR") {
            return Ok(first);
        }
        let mut alts: Vec<Node> = first.into_iter().collect();
        let mut all = false;
        while let Some(or) = self.peek().filter(|t| is_word(Some(t), "OR")).cloned() {
            self.at += 1;
            match self.peek() {
                None => return Err(or_error(&or)),
                Some(t)
                    if matches!(t.kind, Kind::Close)
                        || is_word(Some(t), "OR")
                        || is_word(Some(t), "AND") =>
                {
                    return Err(or_error(&or))
                }
                _ => {}
            }
            match self.unary(depth, field)? {
                Some(n) => alts.push(n),
                // A side with nothing searchable (e.g. "!!!") matches everything.
                None => all = true,
            }
        }
        if all {
            return Ok(None);
        }
        Ok(match alts.len() {
            0 => None,
            1 => alts.pop(),
            _ => Some(Node::Or(alts)),
        })
    }

    fn unary(
        &mut self,
        depth: usize,
        field: Option<&FieldCtx>,
    ) -> Result<Option<Node>, QueryError> {
        let Some(t) = self.peek().cloned() else {
            return Ok(None);
        };
        let negate = matches!(t.kind, Kind::Minus) || is_word(Some(&t), "NOT");
        if negate {
            if depth >= MAX_DEPTH {
                return Err(too_deep(&t));
            }
            self.at += 1;
            match self.peek() {
                Some(n) if !matches!(n.kind, Kind::Close) && !is_word(Some(n), "OR") => {}
                _ => {
                    let what = if matches!(t.kind, Kind::Minus) {
                        "-"
                    } else {
                        "NOT"
                    };
                    return Err(QueryError::new(
                        t.start,
                        t.end,
                        format!(
                            "{what} needs something after it to exclude (column {})",
                            t.start + 1
                        ),
                    ));
                }
            }
            return Ok(self
                .unary(depth + 1, field)?
                .map(|n| Node::Not(Box::new(n))));
        }
        self.primary(depth, field)
    }

    fn primary(
        &mut self,
        depth: usize,
        field: Option<&FieldCtx>,
    ) -> Result<Option<Node>, QueryError> {
        let Some(t) = self.peek().cloned() else {
            return Ok(None);
        };
        self.at += 1;
        match &t.kind {
            Kind::Open => self.group(&t, depth, field),
            Kind::Close | Kind::Minus => Ok(None),
            Kind::Quoted(text) => Ok(text_node(field, text)),
            Kind::Word(w) => self.word(&t, w, depth, field),
        }
    }

    fn group(
        &mut self,
        open: &Tok,
        depth: usize,
        field: Option<&FieldCtx>,
    ) -> Result<Option<Node>, QueryError> {
        if depth >= MAX_DEPTH {
            return Err(too_deep(open));
        }
        let nodes = self.sequence(depth + 1, field, Some(open.start))?;
        let close_end = self.peek().map_or(open.end, |t| t.end);
        self.at += 1; // the ')'
        if nodes.is_empty() {
            return Err(QueryError::new(
                open.start,
                close_end,
                format!(
                    "empty parentheses at column {}: put something inside or remove them",
                    open.start + 1
                ),
            ));
        }
        Ok(combine_and(nodes))
    }

    /// A word: `name:value`, `name:"phrase"`, `name:(group)` or plain text.
    fn word(
        &mut self,
        t: &Tok,
        w: &str,
        depth: usize,
        field: Option<&FieldCtx>,
    ) -> Result<Option<Node>, QueryError> {
        let Some((name, value)) = split_field(w) else {
            return Ok(text_node(field, w));
        };
        let lname = name.to_ascii_lowercase();
        let name_end = t.start + name.chars().count() + 1;
        let ctx = builtin(&lname).or_else(|| {
            self.keywords
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&lname))
                .then(|| FieldCtx::Keyword(KeywordName(lname.clone())))
        });
        let ctx = match ctx {
            Some(c) => c,
            None => {
                if let Some(s) = suggest(&lname, self.keywords) {
                    return Err(QueryError::new(
                        t.start,
                        name_end,
                        format!("unknown field '{name}:' — did you mean '{s}:'?"),
                    ));
                }
                let glued_phrase = self
                    .peek()
                    .is_some_and(|n| n.start == t.end && matches!(n.kind, Kind::Quoted(_)));
                if value.is_empty() && !glued_phrase {
                    // "Re:" and the like: just a word.
                    return Ok(text_node(field, w));
                }
                FieldCtx::Keyword(KeywordName(lname.clone()))
            }
        };
        // The value: right after the colon, or a phrase / group glued to it.
        if value.is_empty() {
            let glued = self.peek().filter(|n| n.start == t.end).cloned();
            match glued.map(|g| g.kind) {
                Some(Kind::Quoted(text)) => {
                    self.at += 1;
                    return ctx.node(&text, t.start, t.end, &lname);
                }
                Some(Kind::Open) if ctx.is_text() => {
                    let open = self.peek().cloned();
                    self.at += 1;
                    return match open {
                        Some(open) => self.group(&open, depth, Some(&ctx)),
                        None => Ok(None),
                    };
                }
                _ => return Err(QueryError::new(t.start, t.end, ctx.needs_value(&lname))),
            }
        }
        ctx.node(value, t.start, t.end, &lname)
    }
}

fn or_error(t: &Tok) -> QueryError {
    QueryError::new(t.start, t.end, "OR needs something on both sides")
}

fn too_deep(t: &Tok) -> QueryError {
    QueryError::new(
        t.start,
        t.end,
        format!(
            "the query nests too deeply at column {} (more than {MAX_DEPTH} levels)",
            t.start + 1
        ),
    )
}

fn combine_and(mut nodes: Vec<Node>) -> Option<Node> {
    match nodes.len() {
        0 => None,
        1 => nodes.pop(),
        _ => Some(Node::And(nodes)),
    }
}

/// `name:rest` when `name` looks like a field name (a letter, then letters, digits, '-' or '_').
fn split_field(w: &str) -> Option<(&str, &str)> {
    let (name, value) = w.split_once(':')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    Some((name, value))
}

/// Text terms of `text` (query mode) in `field`; `None` when it has nothing searchable.
fn text_node(field: Option<&FieldCtx>, text: &str) -> Option<Node> {
    if let Some(ctx) = field {
        if !ctx.is_text() {
            return ctx.node(text, 0, 0, "").ok().flatten();
        }
    }
    let mut terms = Vec::new();
    tokenize(text, Mode::Query, &mut |t, offset, _| {
        terms.push(QueryTerm {
            text: t.to_string(),
            offset,
        })
    });
    if terms.is_empty() {
        return None;
    }
    let field = match field {
        Some(FieldCtx::Text(f)) => Some(*f),
        _ => None,
    };
    Some(Node::Text { field, terms })
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeywordName(String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldCtx {
    Text(TextField),
    Domain,
    Type,
    Has,
    Date(DateOp),
    Size(SizeOp),
    Keyword(KeywordName),
}

fn builtin(name: &str) -> Option<FieldCtx> {
    Some(match name {
        "from" => FieldCtx::Text(TextField::From),
        "to" => FieldCtx::Text(TextField::To),
        "cc" => FieldCtx::Text(TextField::Cc),
        "bcc" => FieldCtx::Text(TextField::Bcc),
        "subject" => FieldCtx::Text(TextField::Subject),
        "body" => FieldCtx::Text(TextField::Body),
        "filename" => FieldCtx::Text(TextField::Filename),
        "domain" => FieldCtx::Domain,
        "type" => FieldCtx::Type,
        "has" => FieldCtx::Has,
        "before" => FieldCtx::Date(DateOp::Before),
        "older" => FieldCtx::Date(DateOp::Before),
        "after" => FieldCtx::Date(DateOp::After),
        "newer" => FieldCtx::Date(DateOp::After),
        "on" => FieldCtx::Date(DateOp::On),
        "larger" => FieldCtx::Size(SizeOp::Larger),
        "smaller" => FieldCtx::Size(SizeOp::Smaller),
        "tag" | "label" => FieldCtx::Keyword(KeywordName("tag".to_string())),
        _ => return None,
    })
}

impl FieldCtx {
    fn is_text(&self) -> bool {
        matches!(self, FieldCtx::Text(_))
    }

    /// The sentence for a missing or unreadable value.
    fn needs_value(&self, n: &str) -> String {
        match self {
            FieldCtx::Text(_) => {
                format!("{n}: needs a word or a \"phrase\" after it, like {n}:alice")
            }
            FieldCtx::Domain => {
                "domain: needs a domain after it, like domain:example.com".to_string()
            }
            FieldCtx::Type => "type: needs an attachment type after it, like type:pdf".to_string(),
            FieldCtx::Has => "has: can be has:attachment or has:html".to_string(),
            FieldCtx::Date(..) => format!("{n}: needs a date like 2017-05-05"),
            FieldCtx::Size(..) => format!("{n}: needs a size like 10K, 2M or 1.5MB"),
            FieldCtx::Keyword(_) => format!("{n}: needs a value after it, like {n}:something"),
        }
    }

    /// The node for `value` (unquoted word or phrase text); `start..end` is the span blamed on error.
    fn node(
        &self,
        value: &str,
        start: usize,
        end: usize,
        written: &str,
    ) -> Result<Option<Node>, QueryError> {
        let bad = || QueryError::new(start, end, self.needs_value(written));
        let trimmed = value.trim();
        match self {
            FieldCtx::Text(_) => match text_node(Some(self), value) {
                Some(n) => Ok(Some(n)),
                None => Err(bad()),
            },
            FieldCtx::Domain => {
                let d = fold(trimmed.trim_start_matches('@').trim_end_matches('.'));
                if d.is_empty() {
                    return Err(bad());
                }
                Ok(Some(Node::Domain(d)))
            }
            FieldCtx::Type => {
                let t = fold(trimmed.trim_start_matches('.'));
                if t.is_empty() {
                    return Err(bad());
                }
                Ok(Some(Node::AttachmentType(t)))
            }
            FieldCtx::Has => match trimmed.to_ascii_lowercase().as_str() {
                "attachment" | "attachments" => Ok(Some(Node::Has(Has::Attachment))),
                "html" => Ok(Some(Node::Has(Has::Html))),
                _ => Err(bad()),
            },
            FieldCtx::Date(op) => match parse_date(trimmed) {
                Some((s, e)) => Ok(Some(Node::Date {
                    op: *op,
                    start: s,
                    end: e,
                })),
                None => Err(bad()),
            },
            FieldCtx::Size(op) => match parse_size(trimmed) {
                Some(bytes) => Ok(Some(Node::Size { op: *op, bytes })),
                None => Err(bad()),
            },
            FieldCtx::Keyword(KeywordName(n)) => {
                let v = fold(trimmed);
                if v.is_empty() {
                    return Err(bad());
                }
                Ok(Some(Node::Keyword {
                    name: n.clone(),
                    value: v,
                }))
            }
        }
    }
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY-MM`, `YYYY/MM` or `YYYY` to its UTC span `[start, end)` in unix seconds.
pub fn parse_date(s: &str) -> Option<(i64, i64)> {
    use chrono::NaiveDate;
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    let num = |p: &str, max_len: usize| -> Option<u32> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let year = i32::try_from(num(parts.first()?, 4)?).ok()?;
    if parts.first()?.len() != 4 {
        return None;
    }
    let secs = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    match parts.len() {
        1 => Some((
            secs(NaiveDate::from_ymd_opt(year, 1, 1)?)?,
            secs(NaiveDate::from_ymd_opt(year + 1, 1, 1)?)?,
        )),
        2 => {
            let m = num(parts.get(1)?, 2)?;
            let start = NaiveDate::from_ymd_opt(year, m, 1)?;
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, m + 1, 1)?
            };
            Some((secs(start)?, secs(next)?))
        }
        3 => {
            let d = NaiveDate::from_ymd_opt(year, num(parts.get(1)?, 2)?, num(parts.get(2)?, 2)?)?;
            let s = secs(d)?;
            Some((s, s + 86_400))
        }
        _ => None,
    }
}

/// `10K`, `2M`, `1.5MB`, `300` (bytes), `1G`: K = 1024. `None` if unreadable or absurdly large.
pub fn parse_size(s: &str) -> Option<u64> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        _ => return None,
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if frac.contains('.') || frac.len() > 6 {
        return None;
    }
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut total = int.checked_mul(mult)?;
    if !frac.is_empty() {
        let f: u64 = frac.parse().ok()?;
        let scale = 10u64.checked_pow(u32::try_from(frac.len()).ok()?)?;
        total = total.checked_add(f.checked_mul(mult)? / scale)?;
    }
    Some(total)
}

/// A built-in field or keyword name close to `name` (a likely typo).
fn suggest(name: &str, keywords: &[&str]) -> Option<String> {
    let limit = if name.chars().count() <= 4 { 1 } else { 2 };
    FIELD_NAMES
        .iter()
        .copied()
        .chain(keywords.iter().copied())
        .map(|f| (distance(name, &f.to_ascii_lowercase()), f))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f.to_ascii_lowercase())
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let get = |i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let mut v = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                v = v.min(get(i - 2, j - 2) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = v;
            }
        }
    }
    d.get(at(a.len(), b.len())).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_transpositions_once() {
        assert_eq!(distance("form", "from"), 1);
        assert_eq!(distance("arc", "cc"), 2);
        assert_eq!(distance("", "to"), 2);
    }

    #[test]
    fn sizes_and_dates() {
        assert_eq!(parse_size("10K"), Some(10 * 1024));
        assert_eq!(parse_size("1.5MB"), Some(1024 * 1024 * 3 / 2));
        assert_eq!(parse_size("300"), Some(300));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
        assert_eq!(parse_date("1970-01-02"), Some((86_400, 172_800)));
        assert_eq!(parse_date("1970/1"), Some((0, 31 * 86_400)));
        assert_eq!(parse_date("2017-02-30"), None);
        assert_eq!(parse_date("17-02-03"), None);
    }
}
