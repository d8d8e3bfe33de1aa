//! Evaluating a [`Query`] against a [`SearchIndex`]: every condition becomes a bitset over the internal
//! document numbers (200,000 messages are 3,125 words, so AND/OR/NOT are trivial), then [`Hits`]; plus facets
//! over the hits and the terms to highlight.


use super::index::{
    month_key, FacetTotals, SearchIndex, FIELD_DOMAIN, FIELD_TYPE, FLAG_ATTACHMENT, FLAG_HTML, NONE,
};
use super::postings::Reader;
use super::query::{DateOp, Has, Node, Query, QueryTerm, SizeOp, TextField};
use super::tokenize::{tokenize, Mode};

/// The messages a query found, in increasing id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits {
    ids: Vec<u32>,
    docs: Vec<u32>,
}

impl Hits {
    /// Message ids, increasing.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Number of hits.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The ids, by value.
    pub fn into_ids(self) -> Vec<u32> {
        self.ids
    }
}

/// What to count in [`SearchIndex::facets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FacetKind {
    /// Sender addresses (lower case).
    Senders,
    /// Recipient addresses (To, Cc, Bcc; lower case).
    Recipients,
    /// Sender domains.
    SenderDomains,
    /// Months of the date, "YYYY-MM" (UTC), in chronological order; undated messages are not counted.
    Months,
    /// Attachment MIME types.
    AttachmentTypes,
    /// Tags (as first written).
    Tags,
}

/// The facet values of one document, pushed into the vector.
/// A set of internal document numbers.
#[derive(Clone)]
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    fn none(n: usize) -> Self {
        Bits {
            words: vec![0; n.div_ceil(64)],
        }
    }

    fn all(n: usize) -> Self {
        let mut b = Bits {
            words: vec![u64::MAX; n.div_ceil(64)],
        };
        b.trim(n);
        b
    }

    fn trim(&mut self, n: usize) {
        if n % 64 != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << (n % 64)) - 1;
            }
        }
    }

    fn set(&mut self, doc: u32) {
        let d = usize::try_from(doc).unwrap_or(usize::MAX);
        if let Some(w) = self.words.get_mut(d / 64) {
            *w |= 1 << (d % 64);
        }
    }

    fn has(&self, doc: u32) -> bool {
        let d = usize::try_from(doc).unwrap_or(usize::MAX);
        self.words
            .get(d / 64)
            .is_some_and(|w| w & (1 << (d % 64)) != 0)
    }

    fn and(&mut self, o: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a &= b;
        }
    }

    fn or(&mut self, o: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a |= b;
        }
    }

    fn not(&mut self, n: usize) {
        for w in &mut self.words {
            *w = !*w;
        }
        self.trim(n);
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    fn docs(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for (i, &w) in self.words.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                let bit = w.trailing_zeros();
                out.push(u32::try_from(i * 64).unwrap_or(NONE).saturating_add(bit));
                w &= w - 1;
            }
        }
        out
    }
}

impl SearchIndex {
    /// The messages matching `query`, ids increasing. Never panics.
    pub fn search(&self, query: &Query) -> Hits {
        let n = self.ids.len();
        let bits = match &query.root {
            None => Bits::all(n),
            Some(node) => self.eval(node),
        };
        let docs = bits.docs();
        let ids = docs
            .iter()
            .filter_map(|&d| self.ids.get(usize::try_from(d).ok()?).copied())
            .collect();
        Hits { ids, docs }
    }

    fn eval(&self, node: &Node) -> Bits {
        let n = self.ids.len();
        match node {
            Node::Text { field, terms } => {
                let mut out = Bits::none(n);
                match field {
                    Some(f) => self.text_in(f.index(), terms, &mut out),
                    None => {
                        for f in TextField::ALL {
                            self.text_in(f.index(), terms, &mut out);
                        }
                    }
                }
                out
            }
            Node::Domain(d) => self.single(FIELD_DOMAIN, d),
            Node::AttachmentType(t) => self.single(FIELD_TYPE, t),
            Node::Has(h) => {
                let flag = match h {
                    Has::Attachment => FLAG_ATTACHMENT,
                    Has::Html => FLAG_HTML,
                };
                self.column(|d| self.flags.get(d).is_some_and(|f| f & flag != 0))
            }
            Node::Date { op, start, end } => self.column(|d| {
                let t = self.dates.get(d).copied().unwrap_or(i64::MIN);
                t != i64::MIN
                    && match op {
                        DateOp::Before => t < *start,
                        DateOp::After => t >= *start,
                        DateOp::On => t >= *start && t < *end,
                    }
            }),
            Node::Size { op, bytes } => self.column(|d| {
                let s = self.size(d);
                match op {
                    SizeOp::Larger => s > *bytes,
                    SizeOp::Smaller => s < *bytes,
                }
            }),
            Node::Keyword { name, value } => {
                let field = self
                    .keyword_names
                    .get(name)
                    .and_then(|k| self.keywords.get(usize::try_from(k).ok()?));
                match field {
                    Some(f) => {
                        let mut out = Bits::none(n);
                        let docs = f
                            .values
                            .get(value)
                            .and_then(|v| f.docs.get(usize::try_from(v).ok()?));
                        if let Some(set) = docs {
                            set.for_each(|d| out.set(d));
                        }
                        out
                    }
                    None if name == "tag" => Bits::none(n),
                    // Not a keyword this index knows: search the text "name value" instead.
                    None => self.eval(&fallback_text(name, value)),
                }
            }
            Node::Not(inner) => {
                let mut b = self.eval(inner);
                b.not(n);
                b
            }
            Node::And(children) => {
                // Positive conditions first; negations then only clear bits.
                let mut acc: Option<Bits> = None;
                for c in children.iter().filter(|c| !matches!(c, Node::Not(_))) {
                    let b = self.eval(c);
                    match &mut acc {
                        None => acc = Some(b),
                        Some(a) => a.and(&b),
                    }
                    if acc.as_ref().is_some_and(Bits::is_empty) {
                        return Bits::none(n);
                    }
                }
                let mut acc = acc.unwrap_or_else(|| Bits::all(n));
                for c in children {
                    if let Node::Not(inner) = c {
                        let mut b = self.eval(inner);
                        b.not(n);
                        acc.and(&b);
                    }
                }
                acc
            }
            Node::Or(children) => {
                let mut acc = Bits::none(n);
                for c in children {
                    acc.or(&self.eval(c));
                }
                acc
            }
        }
    }

    fn column(&self, keep: impl Fn(usize) -> bool) -> Bits {
        let mut out = Bits::none(self.ids.len());
        for d in 0..self.ids.len() {
            if keep(d) {
                out.set(u32::try_from(d).unwrap_or(NONE));
            }
        }
        out
    }

    fn single(&self, field: u8, term: &str) -> Bits {
        let mut out = Bits::none(self.ids.len());
        if let Some(id) = self.postings.find(field, term) {
            let mut r = self.postings.reader(id);
            while let Some(d) = r.next_doc() {
                out.set(d);
            }
        }
        out
    }

    /// Set the documents where `terms` occur at their offsets in `field`.
    fn text_in(&self, field: u8, terms: &[QueryTerm], out: &mut Bits) {
        match terms {
            [] => {}
            [one] => {
                if let Some(id) = self.postings.find(field, &one.text) {
                    let mut r = self.postings.reader(id);
                    while let Some(d) = r.next_doc() {
                        out.set(d);
                    }
                }
            }
            _ => self.phrase(field, terms, out),
        }
    }

    fn phrase(&self, field: u8, terms: &[QueryTerm], out: &mut Bits) {
        let mut readers: Vec<(Reader<'_>, u32)> = Vec::with_capacity(terms.len());
        for t in terms {
            match self.postings.find(field, &t.text) {
                Some(id) => readers.push((self.postings.phrase_reader(id), t.offset)),
                None => return,
            }
        }
        let mut current: Vec<u32> = Vec::with_capacity(readers.len());
        for (r, _) in &mut readers {
            match r.next_doc() {
                Some(d) => current.push(d),
                None => return,
            }
        }
        let mut positions: Vec<Vec<u32>> = vec![Vec::new(); readers.len()];
        loop {
            let target = current.iter().copied().max().unwrap_or(0);
            let mut aligned = true;
            for (k, (r, _)) in readers.iter_mut().enumerate() {
                let Some(c) = current.get_mut(k) else { return };
                while *c < target {
                    match r.next_doc() {
                        Some(d) => *c = d,
                        None => return,
                    }
                }
                if *c != target {
                    aligned = false;
                }
            }
            if !aligned {
                continue;
            }
            for ((r, _), p) in readers.iter_mut().zip(&mut positions) {
                r.positions(p);
            }
            if phrase_at(&readers, &positions) {
                out.set(target);
            }
            for (k, (r, _)) in readers.iter_mut().enumerate() {
                match (r.next_doc(), current.get_mut(k)) {
                    (Some(d), Some(c)) => *c = d,
                    _ => return,
                }
            }
        }
    }

    /// The folded terms to highlight for `query` (the words and phrase words it looks for, not those it
    /// excludes); pass them to [`highlight_ranges`](super::tokenize::highlight_ranges).
    pub fn highlight_terms(&self, query: &Query) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(root) = &query.root {
            self.collect_terms(root, &mut out);
        }
        out
    }

    fn collect_terms(&self, node: &Node, out: &mut Vec<String>) {
        match node {
            Node::Text { terms, .. } => {
                for t in terms {
                    if !out.contains(&t.text) {
                        out.push(t.text.clone());
                    }
                }
            }
            Node::Keyword { name, value }
                if self.keyword_names.get(name).is_none() && name != "tag" =>
            {
                self.collect_terms(&fallback_text(name, value), out)
            }
            Node::Domain(d) if !out.contains(d) => out.push(d.clone()),
            Node::And(c) | Node::Or(c) => {
                for n in c {
                    self.collect_terms(n, out);
                }
            }
            _ => {}
        }
    }

    /// Counts of `kind` over `hits`, most frequent first (ties by value), except months (chronological).
    pub fn facets(&self, hits: &Hits, kind: FacetKind) -> Vec<(String, u32)> {
        self.facets_top(hits, kind, usize::MAX)
    }

    /// [`facets`](Self::facets), only the `limit` most frequent values (the `limit` latest months): the
    /// values are ranked by number and only the kept ones become strings, which matters when a broad
    /// query's hits have tens of thousands of senders.
    pub fn facets_top(&self, hits: &Hits, kind: FacetKind, limit: usize) -> Vec<(String, u32)> {
        let names = match kind {
            FacetKind::Senders | FacetKind::Recipients => &self.addresses,
            FacetKind::SenderDomains => &self.domains,
            FacetKind::AttachmentTypes => &self.type_names,
            FacetKind::Months => {
                let mut months: Vec<(u32, u32)> = self
                    .facet_counts(hits, kind)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, c)| *c > 0)
                    .filter_map(|(k, c)| Some((self.month_base.checked_add(u32::try_from(k).ok()?)?, c)))
                    .collect();
                months = months.split_off(months.len().saturating_sub(limit));
                return months
                    .into_iter()
                    .map(|(k, c)| (format!("{:04}-{:02}", k / 12, k % 12 + 1), c))
                    .collect();
            }
            FacetKind::Tags => {
                let mut tags = self.tag_counts(hits);
                tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                tags.truncate(limit);
                return tags;
            }
        };
        let counts = self.facet_counts(hits, kind);
        let name = |k: usize| names.name(u32::try_from(k).unwrap_or(NONE));
        let mut ranked: Vec<(usize, u32)> = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (k, *c))
            .collect();
        let order =
            |a: &(usize, u32), b: &(usize, u32)| b.1.cmp(&a.1).then_with(|| name(a.0).cmp(name(b.0)));
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, order);
            ranked.truncate(limit);
        }
        ranked.sort_by(order);
        ranked
            .into_iter()
            .map(|(k, c)| (name(k).to_string(), c))
            .collect()
    }

    /// Counts per value number of `kind` (not tags) over `hits`. Months are numbered from
    /// [`SearchIndex::month_base`]. When the hits are most of the index, the counts over all documents
    /// (computed once per number of documents) minus those over the documents not hit: a broad query
    /// then costs what a narrow one does.
    fn facet_counts(&self, hits: &Hits, kind: FacetKind) -> Vec<u32> {
        let n = self.ids.len();
        if hits.docs.len() <= n / 2 || n < 4096 {
            return self.count_docs(kind, hits.docs.iter().filter_map(|d| usize::try_from(*d).ok()));
        }
        let slot = match kind {
            FacetKind::Senders => 0,
            FacetKind::Recipients => 1,
            FacetKind::SenderDomains => 2,
            FacetKind::AttachmentTypes => 3,
            FacetKind::Months => 4,
            FacetKind::Tags => return self.count_docs(kind, std::iter::empty()),
        };
        // A lock poisoned by a panic elsewhere only means the cache may be stale: start it afresh.
        let mut cache = self
            .facet_totals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.docs != n {
            *cache = FacetTotals {
                docs: n,
                ..FacetTotals::default()
            };
        }
        let mut counts = match cache.kinds.get(slot).and_then(Option::as_ref) {
            Some(totals) => totals.clone(),
            None => {
                let totals = self.count_docs(kind, 0..n);
                if let Some(k) = cache.kinds.get_mut(slot) {
                    *k = Some(totals.clone());
                }
                totals
            }
        };
        drop(cache);
        // The documents not hit: 0..n minus the (increasing) hits.
        let mut next = hits.docs.iter().filter_map(|d| usize::try_from(*d).ok()).peekable();
        let missed = (0..n).filter(|d| {
            while next.peek().is_some_and(|h| h < d) {
                next.next();
            }
            next.peek() != Some(d)
        });
        let minus = self.count_docs(kind, missed);
        for (c, m) in counts.iter_mut().zip(&minus) {
            *c = c.saturating_sub(*m);
        }
        counts
    }

    /// Counts per value number of `kind` over `docs`; one tight loop per kind, since a broad query
    /// counts its hits six times per answer.
    fn count_docs(&self, kind: FacetKind, docs: impl Iterator<Item = usize>) -> Vec<u32> {
        fn bump(counts: &mut [u32], v: u32) {
            if let Some(c) = usize::try_from(v).ok().and_then(|v| counts.get_mut(v)) {
                *c += 1;
            }
        }
        let len = match kind {
            FacetKind::Senders | FacetKind::Recipients => self.addresses.names.len(),
            FacetKind::SenderDomains => self.domains.names.len(),
            FacetKind::AttachmentTypes => self.type_names.names.len(),
            FacetKind::Months => usize::try_from(self.month_span).unwrap_or(0),
            FacetKind::Tags => 0,
        };
        let mut counts = vec![0u32; len];
        match kind {
            FacetKind::Senders => {
                for d in docs {
                    bump(&mut counts, self.sender.get(d).copied().unwrap_or(NONE));
                }
            }
            FacetKind::SenderDomains => {
                for d in docs {
                    let s = self.sender.get(d).copied().unwrap_or(NONE);
                    let dom = usize::try_from(s).ok().and_then(|s| self.address_domain.get(s));
                    bump(&mut counts, dom.copied().unwrap_or(NONE));
                }
            }
            FacetKind::Recipients => {
                for d in docs {
                    for &v in span(&self.recipients, &self.recip_at, d) {
                        bump(&mut counts, v);
                    }
                }
            }
            FacetKind::AttachmentTypes => {
                for d in docs {
                    for &v in span(&self.types, &self.types_at, d) {
                        bump(&mut counts, v);
                    }
                }
            }
            FacetKind::Months => {
                // Messages come mostly in date order: look the month up once per run of one day.
                let mut last_day = i64::MIN;
                let mut last_month = NONE;
                for d in docs {
                    let t = self.dates.get(d).copied().unwrap_or(i64::MIN);
                    if t == i64::MIN {
                        continue;
                    }
                    let day = t.div_euclid(86_400);
                    if day != last_day {
                        last_day = day;
                        let m = month_key(day.saturating_mul(86_400));
                        last_month = m.checked_sub(self.month_base).unwrap_or(NONE);
                    }
                    bump(&mut counts, last_month);
                }
            }
            FacetKind::Tags => {}
        }
        counts
    }

    /// Size of internal document `d`.
    fn size(&self, d: usize) -> u64 {
        match self.sizes.get(d).copied() {
            Some(u32::MAX) => {
                let d = u32::try_from(d).unwrap_or(NONE);
                self.big_sizes
                    .binary_search_by_key(&d, |(doc, _)| *doc)
                    .ok()
                    .and_then(|i| self.big_sizes.get(i))
                    .map_or(u64::from(u32::MAX), |(_, s)| *s)
            }
            Some(s) => u64::from(s),
            None => 0,
        }
    }

    fn tag_counts(&self, hits: &Hits) -> Vec<(String, u32)> {
        let Some(field) = self
            .keyword_names
            .get("tag")
            .and_then(|k| self.keywords.get(usize::try_from(k).ok()?))
        else {
            return Vec::new();
        };
        let mut bits = Bits::none(self.ids.len());
        for &d in &hits.docs {
            bits.set(d);
        }
        field
            .docs
            .iter()
            .enumerate()
            .filter_map(|(v, docs)| {
                let mut c = 0usize;
                docs.for_each(|d| c += usize::from(bits.has(d)));
                let c = u32::try_from(c).unwrap_or(NONE);
                (c > 0).then(|| (field.display.get(v).cloned().unwrap_or_default(), c))
            })
            .collect()
    }
}

/// The values of document `d` in a flat column with start offsets `at`.
fn span<'a>(values: &'a [u32], at: &[u32], d: usize) -> &'a [u32] {
    let s = at
        .get(d)
        .and_then(|v| usize::try_from(*v).ok())
        .unwrap_or(0);
    let e = at
        .get(d + 1)
        .and_then(|v| usize::try_from(*v).ok())
        .unwrap_or(s);
    values.get(s..e.max(s)).unwrap_or_default()
}

/// Whether the current document's positions hold the phrase: term k at p + offset_k for some p.
fn phrase_at(readers: &[(Reader<'_>, u32)], positions: &[Vec<u32>]) -> bool {
    let (Some((_, o0)), Some(first)) = (readers.first(), positions.first()) else {
        return false;
    };
    first.iter().any(|&p0| {
        let Some(base) = p0.checked_sub(*o0) else {
            return false;
        };
        readers.iter().zip(positions).skip(1).all(|((_, o), ps)| {
            base.checked_add(*o)
                .is_some_and(|want| ps.binary_search(&want).is_ok())
        })
    })
}

/// `name:value` for an index without keyword `name`: the text "name value" as a phrase, anywhere.
fn fallback_text(name: &str, value: &str) -> Node {
    let text = format!("{name}:{value}");
    let mut terms = Vec::new();
    tokenize(&text, Mode::Query, &mut |t, offset, _| {
        terms.push(QueryTerm {
            text: t.to_string(),
            offset,
        })
    });
    if terms.is_empty() {
        return Node::Or(Vec::new());
    }
    Node::Text { field: None, terms }
}
