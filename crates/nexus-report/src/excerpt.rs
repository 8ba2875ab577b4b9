//! The source text a human report shows for one diagnostic, as a miette [`SourceCode`]: the
//! lines from its first label to its last (with one line of context around them, none in files
//! of secrets; labels more than [`MAX_GAP`] lines apart are shown as separate snippets), each
//! line cut to a window around its labels when it is long, with `…` where it is cut.
//!
//! A minified one-line manifest can hold hundreds of findings on a line of 100,000 characters;
//! shown whole, each finding would repeat the line (and miette cannot underline past column
//! 65,535). Cut to a window, each finding costs a few hundred bytes. Line and column numbers
//! stay those of the file: columns count characters, as in every other format.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use nexus_source::{LineIndex, Span};

/// A line longer than this many characters is cut to a window.
const MAX_LINE: usize = 200;
/// Characters shown before and after the labelled part of a cut line.
const AROUND: usize = 40;
/// Characters of a label shown on a cut line.
const MAX_LABEL: usize = 100;
/// Lines of a multi-line label shown.
const MAX_LABEL_LINES: u32 = 200;
/// Labels further apart than this many lines are shown in separate snippets.
const MAX_GAP: u32 = 200;

const ELLIPSIS: &str = "…";

/// One line of the file as shown.
#[derive(Debug)]
struct Piece {
    /// Where the line starts in the excerpt (its `…`, if cut on the left).
    at: usize,
    /// The line's 1-based number in the file.
    line: u32,
    /// The bytes of the file shown, `[from, to)`, and whether an ellipsis precedes them.
    from: usize,
    to: usize,
    cut_left: bool,
    /// End of the piece in the excerpt, line break excluded.
    end: usize,
    /// Index of the run of consecutive file lines it belongs to.
    run: usize,
    /// The last line (1-based) of that run.
    run_last: u32,
}

/// A file's text, windowed for one diagnostic.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    pieces: Vec<Piece>,
    context: usize,
    /// Per piece: the column (0-based, in characters) of its first byte shown.
    columns: Vec<usize>,
}

/// `i`, moved down to a character boundary of `s`.
fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `i`, moved up to a character boundary of `s`.
fn ceil_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Byte offset `n` characters before `at` (not before `floor`).
fn back(s: &str, at: usize, n: usize, floor: usize) -> usize {
    s[floor..at].char_indices().rev().nth(n.saturating_sub(1)).map_or(floor, |(i, _)| floor + i)
}

/// Byte offset `n` characters after `at` (not after `ceil`).
fn forward(s: &str, at: usize, n: usize, ceil: usize) -> usize {
    s[at..ceil].char_indices().nth(n).map_or(ceil, |(i, _)| at + i)
}

impl Excerpt {
    /// `shown` is the file's text as it may be printed (redacted, neutralised, the same length
    /// as the original); `lines` its line index; `spans` the labels in this file.
    pub fn new(name: String, shown: &str, lines: &LineIndex, spans: &[Span], context: usize) -> Excerpt {
        let len = shown.len() as u32;
        // The empty "line" after a final line break is no context line.
        let ends_with_break = shown.ends_with('\n') || shown.ends_with('\r');
        let last_line = (lines.line_count() as u32).saturating_sub(u32::from(ends_with_break)).max(1);
        // The lines of each label, then runs of them: labels close together share one run
        // (and one snippet, with every line between them), as miette would show them.
        let mut wanted: Vec<(u32, u32)> = spans
            .iter()
            .map(|s| {
                let (a, b) = (s.start.min(len), s.end.min(len).max(s.start.min(len)));
                let first = lines.line_of(a);
                let end_line = lines.line_of(if b > a { b - 1 } else { b });
                (first, end_line.min(first + MAX_LABEL_LINES - 1))
            })
            .collect();
        wanted.sort_unstable();
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for (a, b) in wanted {
            match runs.last_mut() {
                Some(r) if a <= r.1 + MAX_GAP + 1 => r.1 = r.1.max(b),
                _ => runs.push((a, b)),
            }
        }
        let ctx = context as u32;
        let mut ex = Excerpt { name, text: String::new(), pieces: Vec::new(), context, columns: Vec::new() };
        let mut shown_to = 0;
        for (run, &(a, b)) in runs.iter().enumerate() {
            let (a, b) = ((a.saturating_sub(ctx)).max(1).max(shown_to + 1), (b + ctx).min(last_line).max(b));
            for line in a..=b {
                ex.push_line(shown, lines, line, (run, b), spans);
            }
            shown_to = b;
        }
        ex
    }

    fn push_line(&mut self, shown: &str, lines: &LineIndex, line: u32, (run, run_last): (usize, u32), spans: &[Span]) {
        let start = lines.line_start(line).unwrap_or(shown.len() as u32) as usize;
        let end = lines.line_end(shown, start as u32) as usize;
        let has_break = lines.line_start(line + 1).is_some();
        let (mut from, mut to) = (start, end);
        if shown[start..end].chars().nth(MAX_LINE).is_some() {
            // A long line: a window around the first label on it, else its beginning.
            let on_line = spans.iter().find(|s| (s.start as usize) <= end && (s.end as usize) >= start);
            match on_line {
                Some(s) => {
                    let a = floor_char(shown, (s.start as usize).clamp(start, end));
                    let b = ceil_char(shown, (s.end as usize).clamp(a, end));
                    let b = forward(shown, a, MAX_LABEL, b);
                    from = back(shown, a, AROUND, start);
                    to = forward(shown, b, AROUND, end);
                }
                None => to = forward(shown, start, MAX_LINE / 2, end),
            }
        }
        let at = self.text.len();
        let cut_left = from > start;
        if cut_left {
            self.text.push_str(ELLIPSIS);
        }
        self.text.push_str(&shown[from..to]);
        let piece_end = self.text.len();
        if to < end {
            self.text.push_str(ELLIPSIS);
        }
        if has_break {
            self.text.push('\n');
        }
        self.columns.push(shown[start..from].chars().count());
        self.pieces.push(Piece { at, line, from, to, cut_left, end: piece_end, run, run_last });
    }

    /// Where a byte offset of the file is in the excerpt: clamped into the window of its line
    /// (or of the nearest line shown before it).
    fn map(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.from <= offset).saturating_sub(1);
        let Some(p) = self.pieces.get(i) else { return 0 };
        let base = p.at + if p.cut_left { ELLIPSIS.len() } else { 0 };
        if offset <= p.from {
            base
        } else if offset >= p.to {
            p.end
        } else {
            base + (offset - p.from)
        }
    }

    /// A label of the file as a span of the excerpt.
    pub fn span(&self, s: Span) -> SourceSpan {
        let a = floor_char(&self.text, self.map(s.start as usize));
        let b = ceil_char(&self.text, self.map(s.end as usize)).max(a);
        SourceSpan::new(a.into(), b - a)
    }

    fn piece_at(&self, offset: usize) -> usize {
        self.pieces.partition_point(|p| p.at <= offset).saturating_sub(1)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if self.pieces.is_empty() || span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let (before, after) = (before.min(self.context), after.min(self.context));
        let first = self.piece_at(span.offset());
        let last = self.piece_at((span.offset() + span.len()).saturating_sub(usize::from(!span.is_empty())));
        let run = |i: usize| self.pieces[i].run;
        let mut a = first;
        while a > 0 && first - a < before && run(a - 1) == run(first) {
            a -= 1;
        }
        let mut b = last;
        while b + 1 < self.pieces.len() && b - last < after && run(b + 1) == run(last) {
            b += 1;
        }
        let start = self.pieces[a].at;
        let end = self.pieces.get(b + 1).map_or(self.text.len(), |p| p.at);
        // The column of the span's start, in characters of the file's line.
        let column = if before == 0 {
            let p = &self.pieces[first];
            let lead = if p.cut_left { ELLIPSIS.len() } else { 0 };
            let into = span.offset().saturating_sub(p.at + lead).min(p.end.saturating_sub(p.at + lead));
            let shown = &self.text[(p.at + lead).min(self.text.len())..];
            self.columns[first] + shown.get(..into).map_or(0, |s| s.chars().count())
        } else {
            0
        };
        // miette merges the snippets of two labels when `line + line_count` of the first reaches
        // the second's first line, with `line_count` counted as its own `&str` source counts it
        // (the lines from the file's start to the end of the snippet), so that snippets are
        // grouped as they always were; never across runs, which are too far apart.
        let line = self.pieces[a].line as usize - 1;
        let line_count =
            (self.pieces[b].line as usize).min((self.pieces[a].run_last as usize).saturating_sub(line)).max(1);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[start..end],
            SourceSpan::new(start.into(), end - start),
            line,
            column,
            line_count,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_source::FileId;

    fn excerpt(text: &str, spans: &[(u32, u32)]) -> Excerpt {
        let spans: Vec<Span> = spans.iter().map(|&(a, b)| Span::new(FileId(0), a, b)).collect();
        Excerpt::new("f.yaml".into(), text, &LineIndex::new(text), &spans, 1)
    }

    #[test]
    fn short_files_are_shown_as_they_are() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\n";
        let ex = excerpt(text, &[(8, 9)]);
        assert_eq!(ex.text, "a: 1\nb: 2\nc: 3\n");
        let s = ex.span(Span::new(FileId(0), 8, 9));
        let c = ex.read_span(&s, 0, 0).unwrap();
        assert_eq!((c.line(), c.column()), (1, 3));
    }

    #[test]
    fn long_lines_are_cut_around_the_label() {
        let mut text = "{\"items\": [".to_string();
        let at = 70_000;
        while text.len() < at {
            text.push_str("{\"image\": \"nginx:1\"}, ");
        }
        let label = text.len() as u32;
        text.push_str("{\"image\": \"nginx:latest\"}]}\n");
        let ex = excerpt(&text, &[(label + 11, label + 23)]);
        assert!(ex.text.len() < 400, "{}", ex.text.len());
        assert!(ex.text.starts_with('…') && ex.text.contains("nginx:latest"));
        let s = ex.span(Span::new(FileId(0), label + 11, label + 23));
        assert_eq!(&ex.text[s.offset()..s.offset() + s.len()], "nginx:latest");
        let c = ex.read_span(&s, 0, 0).unwrap();
        assert_eq!(c.column(), label as usize + 11);
    }

    #[test]
    fn columns_count_characters() {
        let text = "\u{feff}name: é—x\n";
        let x = text.find('x').unwrap() as u32;
        let ex = excerpt(text, &[(x, x + 1)]);
        let c = ex.read_span(&ex.span(Span::new(FileId(0), x, x + 1)), 0, 0).unwrap();
        assert_eq!(c.column(), 9);
    }
}
