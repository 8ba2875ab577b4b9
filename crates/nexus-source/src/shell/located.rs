//! Text and where it is written: the offset map between a script's text and the file it came
//! from.
//!
//! A deploy script is its file, so every offset maps one to one. A container's script is the
//! value of a YAML scalar, which may not be verbatim in the file (escapes, a block scalar's
//! indentation, folded lines): its bytes then carry a map to the file offsets they were read
//! from, and a piece maps exactly only where the file reads the same. Text that has no map
//! (a variable's value met through an expansion) is searched for in the span that holds it,
//! and falls back to that whole span. Spans never point outside the text they were cut from.

use std::sync::Arc;

use crate::{SourceDb, Span};

/// Text and where it is written.
///
/// `at` is the offset where `text` appears verbatim in the source, so any part of it maps to an
/// exact span. Text that is not verbatim carries a map from the bytes of the scalar value it
/// was cut from to their source offsets. Otherwise parts are searched for in `span` (the scalar
/// or value holding the text) and fall back to the whole of `span`.
#[derive(Clone, Debug)]
pub struct Located {
    pub text: String,
    at: Option<u32>,
    pub span: Span,
    /// The alias or merge key through which the text was reached (see the model's `Spanned`).
    pub via: Option<Span>,
    /// Source offsets of the scalar value's bytes, and where `text` starts in that value.
    map: Option<(Arc<[u32]>, usize)>,
}

impl Located {
    /// Text that is verbatim at `span` (a file, or part of one).
    pub fn verbatim(text: &str, span: Span) -> Located {
        Located { text: text.to_string(), at: Some(span.start), span, via: None, map: None }
    }

    /// A YAML scalar's value, looked for from byte `from` of its source on: exact when it
    /// appears there, else aligned with it. Also returns where the search may go on (for words
    /// split from one string, which share its span).
    pub fn scalar(db: &SourceDb, value: &str, span: Span, via: Option<Span>, from: usize) -> (Located, usize) {
        let raw = source(db, span);
        let found = raw.get(from..).and_then(|r| r.find(value)).map(|i| from + i);
        let at = found.map(|i| span.start + i as u32);
        let next = found.map_or(from, |i| i + value.len());
        let map = match found {
            None if from == 0 => align(value, raw, span.start).map(|m| (m, 0)),
            _ => None,
        };
        (Located { text: value.to_string(), at, span, via, map }, next)
    }

    /// Text known only to lie somewhere in `span`.
    pub fn plain(text: String, span: Span, via: Option<Span>) -> Located {
        Located { text, at: None, span, via, map: None }
    }

    /// The same place, holding other text (a value assigned from this word).
    pub fn with_text(&self, text: String) -> Located {
        Located { text, ..self.clone() }
    }

    /// Where the text is: exact when known, else the span holding it.
    pub fn span(&self) -> Span {
        match self.at {
            Some(at) => Span::new(self.span.file, at, at + self.text.len() as u32),
            None => self.span,
        }
    }

    pub fn is_exact(&self) -> bool {
        self.at.is_some()
    }

    /// `text[a..b]`, located.
    pub fn sub(&self, db: &SourceDb, a: usize, b: usize) -> Located {
        let n = self.text.len();
        let (a, b) = (a.min(n), b.min(n).max(a.min(n)));
        let text = self.text.get(a..b).unwrap_or("").to_string();
        let map = self.map.as_ref().map(|(m, off)| (m.clone(), off + a));
        let at = match (self.at, &self.map) {
            (Some(at), _) => Some(at + a as u32),
            (None, Some((m, off))) => mapped(db, self.span, m, off + a, &text),
            (None, None) => fuzzy(db, self.span, &self.text, a, b),
        };
        Located { text, at, span: self.span, via: self.via, map }
    }

    /// `text[a..]`, located.
    pub fn tail(&self, db: &SourceDb, a: usize) -> Located {
        self.sub(db, a, self.text.len())
    }

    /// The span of `text[a..b]`: exact when verbatim, else from its first word's start to its
    /// last word's end when those are found, else the whole text's span.
    pub fn range_span(&self, db: &SourceDb, a: usize, b: usize) -> Span {
        let whole = self.sub(db, a, b);
        if whole.is_exact() {
            return whole.span();
        }
        let seg = self.text.get(a..b).unwrap_or("");
        let head = a + seg.find(char::is_whitespace).unwrap_or(seg.len());
        let tail = a + seg.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let (h, t) = (self.sub(db, a, head), self.sub(db, tail, b));
        match (h.at, t.at) {
            (Some(x), Some(y)) if x <= y => Span::new(self.span.file, x, y + (b - tail) as u32),
            _ => self.span(),
        }
    }

    /// A word cut from this text at `a..b` whose unquoted form is `unquoted`: exact when that
    /// form is verbatim in the word (quotes around it are fine), else within the word.
    pub fn word(&self, db: &SourceDb, a: usize, b: usize, unquoted: &str) -> Located {
        let raw = self.text.get(a..b).unwrap_or("");
        if !unquoted.is_empty()
            && let Some(i) = raw.find(unquoted)
        {
            return self.sub(db, a + i, a + i + unquoted.len());
        }
        let outer = self.sub(db, a, b);
        Located::plain(unquoted.to_string(), outer.span(), self.via)
    }
}

fn source(db: &SourceDb, span: Span) -> &str {
    if span.file.0 as usize >= db.len() {
        return "";
    }
    db.get(span.file).slice(span)
}

/// Pairs each byte of a scalar's value with the first source byte after the previous pair that
/// equals it: indentation, quotes and escape backslashes are skipped over. The header line of
/// a block scalar (`|-`, `>`, with its comment) is left out. None when the value is not a
/// subsequence of its source.
fn align(value: &str, raw: &str, base: u32) -> Option<Arc<[u32]>> {
    let r = raw.as_bytes();
    let mut j = if matches!(r.first(), Some(b'|' | b'>')) { raw.find('\n').map_or(r.len(), |i| i + 1) } else { 0 };
    let mut out = Vec::with_capacity(value.len());
    for &b in value.as_bytes() {
        while j < r.len() && r[j] != b {
            j += 1;
        }
        if j == r.len() {
            return None;
        }
        out.push(base + j as u32);
        j += 1;
    }
    Some(out.into())
}

/// Where `text`, starting at byte `start` of a mapped value, is in the source: when the
/// source reads the same there.
fn mapped(db: &SourceDb, span: Span, map: &[u32], start: usize, text: &str) -> Option<u32> {
    let first = *map.get(start)?;
    let last = *map.get((start + text.len()).checked_sub(1)?)?;
    let file = db.get(span.file);
    (file.text.get(first as usize..last as usize + 1) == Some(text)).then_some(first)
}

/// Where `whole[a..b]` is in the source of `span`, when that text occurs there as many times as
/// in `whole` (so the occurrences pair up); None otherwise, and for long sources.
fn fuzzy(db: &SourceDb, span: Span, whole: &str, a: usize, b: usize) -> Option<u32> {
    const MAX_SEARCH: u32 = 16 * 1024;
    let needle = whole.get(a..b).filter(|n| !n.is_empty() && span.len() <= MAX_SEARCH)?;
    let k = whole.match_indices(needle).position(|(i, _)| i == a)?;
    let raw = source(db, span);
    let hits: Vec<usize> = raw.match_indices(needle).map(|(i, _)| i).collect();
    (hits.len() == whole.match_indices(needle).count()).then(|| span.start + hits[k] as u32)
}
