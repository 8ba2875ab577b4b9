//! The token loop: blanks, comments, backslash-newline continuations, operators, redirections
//! (with their target word) and here-documents (whose bodies are skipped: they are data, not
//! commands). Words are cut and split by the [`Scanner`].

use super::scan::{Scanner, is_blank, is_meta, unquote};
use super::word::{Part, Range, Word};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Newline,
    Semi,
    /// `;;`, `;&`, `;;&`
    CaseEnd,
    Amp,
    AndIf,
    OrIf,
    Pipe,
    LParen,
    RParen,
}

#[derive(Clone, Debug)]
pub(super) enum Tok {
    Word(Word),
    Op(Op, Range),
    /// A redirection (from its fd number to the end of its target) and its target word.
    Redir(Range, Option<Word>),
}

impl Tok {
    pub fn range(&self) -> Range {
        match self {
            Tok::Word(w) => w.range,
            Tok::Op(_, r) | Tok::Redir(r, _) => *r,
        }
    }
}

pub(super) struct Lexer<'a> {
    s: Scanner<'a>,
    pos: usize,
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
    out: Vec<Tok>,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, start: usize, end: usize) -> Self {
        let s = Scanner::new(text, end);
        let pos = start.min(s.end);
        Lexer { s, pos, heredocs: Vec::new(), out: Vec::new() }
    }

    pub fn run(mut self) -> Vec<Tok> {
        let end = self.s.end;
        while self.pos < end {
            let c = self.s.b[self.pos];
            if is_blank(c) {
                self.pos += 1;
                continue;
            }
            if c == b'\\' && self.s.at(self.pos + 1) == b'\n' {
                self.pos += 2;
                continue;
            }
            let start = self.pos;
            match c {
                b'#' => {
                    while self.pos < end && self.s.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.pos += 1;
                    self.op(Op::Newline, start);
                    self.skip_heredocs();
                }
                b';' => {
                    self.pos += 1;
                    if self.s.at(self.pos) == b';' {
                        self.pos += 1;
                        if self.s.at(self.pos) == b'&' {
                            self.pos += 1;
                        }
                        self.op(Op::CaseEnd, start);
                    } else if self.s.at(self.pos) == b'&' {
                        self.pos += 1;
                        self.op(Op::CaseEnd, start);
                    } else {
                        self.op(Op::Semi, start);
                    }
                }
                b'&' if self.s.at(self.pos + 1) == b'&' => {
                    self.pos += 2;
                    self.op(Op::AndIf, start);
                }
                b'&' if self.s.at(self.pos + 1) == b'>' => self.redirection(start),
                b'&' => {
                    self.pos += 1;
                    self.op(Op::Amp, start);
                }
                b'|' if self.s.at(self.pos + 1) == b'|' => {
                    self.pos += 2;
                    self.op(Op::OrIf, start);
                }
                b'|' => {
                    self.pos += if self.s.at(self.pos + 1) == b'&' { 2 } else { 1 };
                    self.op(Op::Pipe, start);
                }
                // `(( arithmetic ))`, and `<(…)`/`>(…)` process substitutions: opaque words.
                b'(' if self.s.at(self.pos + 1) == b'(' => self.opaque(start, self.pos + 1),
                b'<' | b'>' if self.s.at(self.pos + 1) == b'(' => self.opaque(start, self.pos + 2),
                b'(' => {
                    self.pos += 1;
                    self.op(Op::LParen, start);
                }
                b')' => {
                    self.pos += 1;
                    self.op(Op::RParen, start);
                }
                b'<' | b'>' => self.redirection(start),
                _ => {
                    // A file-descriptor number directly before `<`/`>` belongs to a redirection.
                    let mut d = self.pos;
                    while d < end && self.s.b[d].is_ascii_digit() {
                        d += 1;
                    }
                    if d > self.pos && matches!(self.s.at(d), b'<' | b'>') {
                        self.pos = d;
                        self.redirection(start);
                    } else {
                        let word_end = self.s.scan_word(self.pos);
                        self.pos = word_end;
                        self.out.push(Tok::Word(self.s.word(start, word_end)));
                    }
                }
            }
        }
        self.out
    }

    fn op(&mut self, op: Op, start: usize) {
        self.out.push(Tok::Op(op, Range::new(start, self.pos)));
    }

    fn opaque(&mut self, start: usize, inside: usize) {
        self.pos = self.s.skip_parens(inside);
        let r = Range::new(start, self.pos);
        self.out.push(Tok::Word(Word { range: r, parts: vec![Part::Opaque(r)] }));
    }

    /// A redirection operator at `self.pos` (after any fd number) and its target word.
    fn redirection(&mut self, start: usize) {
        let end = self.s.end;
        let rest = &self.s.b[self.pos..end];
        let mut heredoc = None;
        let len = if rest.starts_with(b"<<<") || rest.starts_with(b"&>>") {
            3
        } else if rest.starts_with(b"<<-") {
            heredoc = Some(true);
            3
        } else if rest.starts_with(b"<<") {
            heredoc = Some(false);
            2
        } else if [&b"<>"[..], b"<&", b">>", b">&", b">|", b"&>"].iter().any(|p| rest.starts_with(p)) {
            2
        } else {
            1
        };
        self.pos += len;
        while self.pos < end && is_blank(self.s.b[self.pos]) {
            self.pos += 1;
        }
        let mut target = None;
        if self.pos < end && !is_meta(self.s.b[self.pos]) {
            let ws = self.pos;
            let we = self.s.scan_word(ws);
            self.pos = we;
            if let Some(strip) = heredoc {
                self.heredocs.push((unquote(&self.s.text[ws..we]), strip));
            }
            target = Some(self.s.word(ws, we));
        }
        self.out.push(Tok::Redir(Range::new(start, self.pos), target));
    }

    /// After a newline: skips the bodies of pending here-documents.
    fn skip_heredocs(&mut self) {
        let end = self.s.end;
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            while self.pos < end {
                let text = self.s.text;
                let line_end = text[self.pos..end].find('\n').map_or(end, |i| self.pos + i);
                let mut line = &text[self.pos..line_end];
                line = line.strip_suffix('\r').unwrap_or(line);
                if strip {
                    line = line.trim_start_matches('\t');
                }
                self.pos = (line_end + 1).min(end);
                if line == delim {
                    break;
                }
            }
        }
    }
}
