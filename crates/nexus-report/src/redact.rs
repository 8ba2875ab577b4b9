//! One redaction pass for every output: what the model knows to be secret (byte ranges and
//! values, passed in as plain data, since reporters do not know the model) and what looks like a
//! credential by name or shape ([`nexus_source::secrets`]).
//!
//! [`Redactor::diagnostics`] rewrites every message, label, help text and fix of a run's
//! diagnostics before any reporter sees them, so a format added later inherits it;
//! [`Redactor::source`] blanks the same secrets in source text, byte for byte, for the snippets
//! the human report prints (spans into it stay valid).

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;

use nexus_diagnostics::Diagnostic;
use nexus_source::{FileId, Span};

/// What replaces a secret in messages.
pub const MASK: &str = "****";

/// A value shorter than this is scrubbed from messages only where it stands alone (not inside a
/// longer word), so that a short password does not blank every word that contains it.
const ANYWHERE: usize = 8;

/// The secrets of a run, and how to hide them.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Byte ranges holding secrets, sorted.
    spans: Vec<Span>,
    /// Secret values as the model holds them.
    values: Vec<String>,
    matcher: Option<AhoCorasick>,
    /// Files of `KEY=value` lines: a snippet shows only the lines findings point at.
    private: Vec<FileId>,
    /// Names every report shows anyway (workloads, objects, referenced configs), sorted: a short
    /// secret value inside one of them is not blanked there.
    public: Vec<String>,
}

impl Redactor {
    /// `spans` and `values` as `nexus_model::redact::secrets` gives them; `private` as
    /// `nexus_model::redact::private_files`.
    pub fn new(mut spans: Vec<Span>, values: Vec<String>, mut private: Vec<FileId>) -> Redactor {
        spans.sort();
        private.sort();
        let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        let matcher =
            (!values.is_empty()).then(|| AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&values));
        Redactor { spans, values, matcher: matcher.and_then(Result::ok), private, public: Vec::new() }
    }

    /// The names every report shows anyway (`nexus_model::redact::Secrets::public`).
    pub fn with_public(mut self, mut names: Vec<String>) -> Redactor {
        names.sort();
        names.dedup();
        self.public = names;
        self
    }

    /// Is `file` a file of `KEY=value` lines, shown one line at a time?
    pub fn is_private(&self, file: FileId) -> bool {
        self.private.binary_search(&file).is_ok()
    }

    /// Byte ranges of the known secret values in `text` (whole words for short values; in
    /// source text, where the model already marked where secrets are written, long values only:
    /// `admin` is a password in one place and a user name or a word in ten others).
    ///
    /// Nor is a short value blanked inside a name every report shows anyway (`public`): the
    /// password `admin` stays in the Secret name `cloud-sql-admin`, which a finding must show as
    /// written (its help suggests an annotation naming it), and `sentry` in the service name
    /// `sentry-cleanup`.
    fn value_ranges(&self, text: &str, min: usize) -> Vec<(usize, usize)> {
        let Some(m) = &self.matcher else { return Vec::new() };
        let b = text.as_bytes();
        let word = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
        let name = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
        // The name around a match: a public one shows no secret.
        let in_public_name = |s: usize, e: usize| {
            let start = (0..s).rev().take_while(|&i| name(i)).last().unwrap_or(s);
            let end = (e..b.len()).take_while(|&i| name(i)).last().map_or(e, |i| i + 1);
            (start, end) != (s, e) && self.public.binary_search_by(|p| p.as_str().cmp(&text[start..end])).is_ok()
        };
        m.find_iter(text)
            .filter(|x| x.end() - x.start() >= min)
            .filter(|x| {
                let before = x.start() > 0 && word(x.start() - 1);
                let alone = !before && !word(x.end());
                x.end() - x.start() >= ANYWHERE || (alone && !in_public_name(x.start(), x.end()))
            })
            .map(|x| (x.start(), x.end()))
            .collect()
    }

    /// `text` with every secret replaced by [`MASK`]: known values, then what has the shape of
    /// a credential.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let values = self.value_ranges(text, 0);
        let text: Cow<'a, str> = if values.is_empty() {
            Cow::Borrowed(text)
        } else {
            let mut out = String::with_capacity(text.len());
            let mut last = 0;
            for (s, e) in values {
                out.push_str(&text[last..s]);
                out.push_str(MASK);
                last = e;
            }
            out.push_str(&text[last..]);
            Cow::Owned(out)
        };
        match nexus_source::secrets::scrub(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(o) => Cow::Owned(o),
        }
    }

    /// A file's text with every secret byte replaced by `*` (line breaks kept), so that the
    /// text has the same length and every span into it stays valid.
    pub fn source<'a>(&self, file: FileId, text: &'a str) -> Cow<'a, str> {
        let first = self.spans.partition_point(|s| s.file < file);
        let mut ranges: Vec<(usize, usize)> = self.spans[first..]
            .iter()
            .take_while(|s| s.file == file)
            .map(|s| (s.start as usize, s.end as usize))
            .collect();
        ranges.extend(nexus_source::secrets::find_in_source(text));
        ranges.extend(self.value_ranges(text, ANYWHERE));
        if ranges.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut bytes = text.as_bytes().to_vec();
        for (s, e) in ranges {
            // Whole characters only, so the text stays UTF-8.
            let (mut s, mut e) = (s.min(text.len()), e.min(text.len()));
            while !text.is_char_boundary(s) {
                s -= 1;
            }
            while !text.is_char_boundary(e) {
                e += 1;
            }
            for b in &mut bytes[s..e] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Redacts every text of the diagnostics. A fix whose replacement held a secret is dropped:
    /// a redacted edit would break the file it fixes.
    pub fn diagnostics(&self, diags: &mut [Diagnostic]) {
        let fix = |s: &mut String| {
            if let Cow::Owned(o) = self.text(s) {
                *s = o;
            }
        };
        // Each diagnostic on its own, in parallel (issue 15): the same result on any number of
        // threads.
        diags.par_iter_mut().for_each(|d| {
            fix(&mut d.message);
            fix(&mut d.primary.message);
            for l in &mut d.secondary {
                fix(&mut l.message);
            }
            if let Some(h) = &mut d.help {
                fix(h);
            }
            if let Some(r) = &mut d.resource {
                fix(r);
            }
            if let Some(f) = &mut d.fix {
                fix(&mut f.message);
                let leaks = f.edits.iter().any(|e| matches!(self.text(&e.replacement), Cow::Owned(_)));
                if leaks {
                    d.fix = None;
                }
            }
        });
    }

    /// The secret values known (for tests and callers that print other text).
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_patterns_and_source() {
        let r = Redactor::new(
            vec![Span::new(FileId(0), 8, 15)],
            vec!["Hunter2-long-secret".into(), "pin9".into()],
            vec![FileId(1)],
        );
        assert_eq!(r.text("image `acme/Hunter2-long-secret:1`"), "image `acme/****:1`");
        assert_eq!(r.text("pin9 and spin99"), "**** and spin99");
        // Inside a name every report shows anyway, a short value stays; elsewhere it goes.
        assert_eq!(r.text("Secret `cloud-pin9`"), "Secret `cloud-****`");
        let r2 = Redactor::new(Vec::new(), vec!["pin9".into()], Vec::new())
            .with_public(vec!["cloud-pin9".into(), "pin9-cleanup".into()]);
        assert_eq!(
            r2.text("Secret `cloud-pin9` and `pin9-cleanup`, pin9."),
            "Secret `cloud-pin9` and `pin9-cleanup`, ****."
        );
        assert_eq!(r2.text("`user-pin9` is `pin9.x`"), "`user-****` is `****.x`");
        assert_eq!(r.text("url `db://u:pin9@h` --pass=pin9"), "url `db://u:****@h` --pass=****");
        assert_eq!(r.text("run `app --password=abc123`"), "run `app --password=****`");
        let src = "secret: hunter2\nother: pin9 Hunter2-long-secret\n";
        assert_eq!(r.source(FileId(0), src), "secret: *******\nother: pin9 *******************\n");
        assert!(r.is_private(FileId(1)) && !r.is_private(FileId(0)));
    }
}
