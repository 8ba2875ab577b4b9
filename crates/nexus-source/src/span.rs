//! Byte-offset spans and their conversion to line and column.
//!
//! Every position nexus-lint stores is a byte range into one source file. Lines and columns are
//! derived only where an output format needs them (JSON, SARIF, GitHub annotations), through the
//! file's [`LineIndex`]. Columns count Unicode scalar values, not bytes, so that a finding after
//! `é` or `—` points where an editor puts the cursor.

use serde::Serialize;

/// Index of a file in the [`super::SourceDb`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub u32);

/// A half-open byte range `[start, end)` in one file.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: u32, end: u32) -> Self {
        debug_assert!(start <= end);
        Span { file, start, end }
    }

    /// An empty span at `offset`, for findings about a whole file or a missing node.
    pub fn point(file: FileId, offset: u32) -> Self {
        Span { file, start: offset, end: offset }
    }

    pub fn len(&self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both; both must be in the same file.
    pub fn cover(self, other: Span) -> Span {
        debug_assert_eq!(self.file, other.file);
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Byte offsets of line starts, for offset → line:column conversion in O(log n).
///
/// Lines end as YAML says they do (`b-break`): at LF, CRLF, or a CR alone (classic Mac OS line
/// endings), so a file written with CR-only endings has real line numbers.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // The CR of a CRLF pair ends nothing: its LF does.
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                continue;
            }
            starts.push(i as u32 + 1);
        }
        LineIndex { starts }
    }

    /// Byte offset where the line holding `offset` ends, before its line break.
    pub fn line_end(&self, text: &str, offset: u32) -> u32 {
        let line = self.line_of(offset.min(text.len() as u32)) as usize;
        let b = text.as_bytes();
        // Every break starts a line, so only the last line has no break after it.
        match self.starts.get(line) {
            None => text.len() as u32,
            Some(&next) => {
                let n = next as usize;
                let crlf = n >= 2 && b[n - 1] == b'\n' && b[n - 2] == b'\r';
                (n - if crlf { 2 } else { 1 }) as u32
            }
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where the 1-based `line` starts, if the file has that line.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.starts.get(line.checked_sub(1)? as usize).copied()
    }

    /// The 1-based line holding `offset`.
    pub fn line_of(&self, offset: u32) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// Line and character column of `offset`; an offset inside a multi-byte character is
    /// rounded down to that character.
    pub fn position(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.starts[line as usize - 1] as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() as u32 + 1;
        LineCol { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a: é—x\nb: 1\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.position(text, x), LineCol { line: 1, column: 6 });
        let b = text.find('b').unwrap() as u32;
        assert_eq!(idx.position(text, b), LineCol { line: 2, column: 1 });
        assert_eq!(idx.position(text, text.len() as u32), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn cr_only_and_crlf_line_endings() {
        let text = "a: 1\rb: 2\r\nc: 3\nd";
        let idx = LineIndex::new(text);
        let at = |c: char| idx.position(text, text.find(c).unwrap() as u32);
        assert_eq!(at('b'), LineCol { line: 2, column: 1 });
        assert_eq!(at('c'), LineCol { line: 3, column: 1 });
        assert_eq!(at('d'), LineCol { line: 4, column: 1 });
        assert_eq!(idx.line_end(text, 0), 4);
        assert_eq!(idx.line_end(text, 6), 9);
        assert_eq!(idx.line_end(text, 12), 15);
        assert_eq!(idx.line_end(text, text.len() as u32), text.len() as u32);
    }

    #[test]
    fn line_lookup_at_boundaries() {
        let text = "x\n\ny";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(1), 1);
        assert_eq!(idx.line_of(2), 2);
        assert_eq!(idx.line_of(3), 3);
        assert_eq!(idx.line_start(3), Some(3));
        assert_eq!(idx.line_start(4), None);
    }
}
