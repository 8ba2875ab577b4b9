//! A small POSIX-shell reader for the scripts people write in `sh -c`: enough to find the
//! commands, the loops around them and what bounds those loops — not a shell.
//!
//! It knows quotes, backslash escapes and line continuations, comments, `$(…)`, `${…}`,
//! `$((…))` and backquotes inside words, the operators `;` `&` `&&` `||` `|` and newlines,
//! redirections (here-documents are skipped), `(…)`/`{ …; }` groups, `if`, `while`, `until`,
//! `for` (word lists and `((…))`), `case` and function definitions. Everything keeps its byte
//! range in the script so that callers can point into the source. Malformed input never fails:
//! the parser stops at what it cannot read and returns what it has.

/// A word: its text with quotes and escapes removed (expansions kept as written), and where its
/// raw text is in the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(Word),
    /// `;` `&` `&&` `||` `|` `|&` `;;` `(` `)` and `\n`.
    Op(&'static str, usize, usize),
    /// A redirection operator (`>`, `2>&`, `<<`, …); the next word is its target.
    Redir(usize, usize),
}

/// A simple command.
#[derive(Clone, Debug, Default)]
pub struct Simple {
    /// Leading `NAME=value` words.
    pub assigns: Vec<Word>,
    pub words: Vec<Word>,
    /// Redirection targets (`/dev/tcp/db/5432` in `> /dev/tcp/db/5432`).
    pub redirects: Vec<Word>,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug)]
pub enum Cmd {
    Simple(Simple),
    /// `while`/`until COND; do BODY; done`.
    Loop {
        until: bool,
        cond: List,
        body: List,
        start: usize,
        end: usize,
    },
    /// `for VAR in ITEMS; do BODY; done`; `items` is None for `for VAR; do` (the positional
    /// parameters); `arith` is the inside of `for ((…))`.
    For {
        var: String,
        items: Option<Vec<Word>>,
        arith: Option<String>,
        body: List,
        start: usize,
        end: usize,
    },
    If {
        branches: Vec<(List, List)>,
        otherwise: Option<List>,
        start: usize,
        end: usize,
    },
    /// `{ …; }` or `( … )`.
    Group {
        body: List,
        start: usize,
        end: usize,
    },
    Case {
        arms: Vec<List>,
        start: usize,
        end: usize,
    },
    Function {
        name: String,
        body: Box<Cmd>,
        start: usize,
        end: usize,
    },
}

impl Cmd {
    pub fn range(&self) -> (usize, usize) {
        match self {
            Cmd::Simple(s) => (s.start, s.end),
            Cmd::Loop { start, end, .. }
            | Cmd::For { start, end, .. }
            | Cmd::If { start, end, .. }
            | Cmd::Group { start, end, .. }
            | Cmd::Case { start, end, .. }
            | Cmd::Function { start, end, .. } => (*start, *end),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pipeline {
    /// Starts with `!`.
    pub bang: bool,
    pub cmds: Vec<Cmd>,
}

/// Pipelines joined by `&&` (true) and `||` (false).
#[derive(Clone, Debug)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(bool, Pipeline)>,
}

impl AndOr {
    pub fn pipelines(&self) -> impl Iterator<Item = &Pipeline> {
        std::iter::once(&self.first).chain(self.rest.iter().map(|(_, p)| p))
    }
}

pub type List = Vec<AndOr>;

/// Nesting beyond this is not read (a guard against hostile input).
const MAX_DEPTH: u32 = 64;

/// Parses a script.
pub fn parse(src: &str) -> List {
    let toks = Lexer::new(src).run();
    let mut p = Parser { toks, pos: 0, depth: 0 };
    let mut out = Vec::new();
    loop {
        out.extend(p.list());
        // Stray terminators (`done` without a loop, `)`, `fi`): skip and go on.
        if p.pos >= p.toks.len() {
            break;
        }
        p.pos += 1;
    }
    out
}

struct Lexer<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    toks: Vec<Tok>,
    /// Here-document delimiters waiting for the end of the line (`<<-` strips tabs).
    heredocs: Vec<(String, bool)>,
    heredoc_next: Option<bool>,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { s: src.as_bytes(), src, pos: 0, toks: Vec::new(), heredocs: Vec::new(), heredoc_next: None }
    }

    fn peek(&self, off: usize) -> u8 {
        self.s.get(self.pos + off).copied().unwrap_or(0)
    }

    fn run(mut self) -> Vec<Tok> {
        while self.pos < self.s.len() {
            let c = self.peek(0);
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek(1) == b'\n' => self.pos += 2,
                b'#' => {
                    while self.pos < self.s.len() && self.peek(0) != b'\n' {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.op("\n", 1);
                    self.skip_heredocs();
                }
                b';' if self.peek(1) == b';' => self.op(";;", 2),
                b';' => self.op(";", 1),
                b'&' if self.peek(1) == b'&' => self.op("&&", 2),
                b'&' if self.peek(1) == b'>' => self.redir(if self.peek(2) == b'>' { 3 } else { 2 }),
                b'&' => self.op("&", 1),
                b'|' if self.peek(1) == b'|' => self.op("||", 2),
                b'|' if self.peek(1) == b'&' => self.op("|&", 2),
                b'|' => self.op("|", 1),
                b'(' if self.peek(1) == b'(' => self.arith(),
                b'(' => self.op("(", 1),
                b')' => self.op(")", 1),
                b'<' | b'>' => self.redir_at(self.pos),
                b'0'..=b'9' if self.fd_redirect() => {}
                _ => self.word(),
            }
        }
        self.toks
    }

    fn op(&mut self, op: &'static str, len: usize) {
        self.toks.push(Tok::Op(op, self.pos, self.pos + len));
        self.pos += len;
    }

    /// `2>`, `10<&` …: digits glued to a redirection operator.
    fn fd_redirect(&mut self) -> bool {
        let mut i = self.pos;
        while i < self.s.len() && self.s[i].is_ascii_digit() {
            i += 1;
        }
        if i < self.s.len() && matches!(self.s[i], b'<' | b'>') {
            let start = self.pos;
            self.pos = i;
            self.redir_at(start);
            true
        } else {
            false
        }
    }

    fn redir(&mut self, len: usize) {
        self.toks.push(Tok::Redir(self.pos, self.pos + len));
        self.pos += len;
    }

    /// A redirection operator starting at `self.pos` (its fd, if any, began at `start`).
    fn redir_at(&mut self, start: usize) {
        let rest = &self.s[self.pos..];
        let len = [&b"<<<"[..], b"<<-", b"&>>", b">>", b"<<", b"<>", b">&", b"<&", b">|", b"&>"]
            .iter()
            .find(|p| rest.starts_with(p))
            .map_or(1, |p| p.len());
        let op = &self.s[self.pos..self.pos + len];
        if op == b"<<" || op == b"<<-" {
            self.heredoc_next = Some(op == b"<<-");
        }
        self.pos += len;
        self.toks.push(Tok::Redir(start, self.pos));
    }

    /// `((…))`: an arithmetic command (or the head of `for ((…))`), kept as one word.
    fn arith(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.s.len() {
            match self.peek(0) {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        break;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        let text = self.src.get(start..self.pos).unwrap_or("").to_string();
        self.toks.push(Tok::Word(Word { text, start, end: self.pos }));
    }

    fn word(&mut self) {
        let start = self.pos;
        let mut text = String::new();
        while self.pos < self.s.len() {
            let c = self.peek(0);
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b')' => break,
                b'(' => {
                    // `name=(a b c)`: an array assignment stays one word.
                    if text.ends_with('=') && is_name(&text[..text.len() - 1]) {
                        let end = self.balanced(self.pos, b'(', b')');
                        text.push_str(self.src.get(self.pos..end).unwrap_or(""));
                        self.pos = end;
                        continue;
                    }
                    break;
                }
                b'\\' => {
                    match self.peek(1) {
                        b'\n' => {}
                        0 => text.push('\\'),
                        _ => {
                            let ch = self.char_at(self.pos + 1);
                            text.push(ch);
                            self.pos += ch.len_utf8() - 1;
                        }
                    }
                    self.pos += 2;
                }
                b'\'' => {
                    let end = self.s[self.pos + 1..].iter().position(|&b| b == b'\'').map(|i| self.pos + 1 + i);
                    let end = end.unwrap_or(self.s.len());
                    text.push_str(self.src.get(self.pos + 1..end).unwrap_or(""));
                    self.pos = (end + 1).min(self.s.len());
                }
                b'"' => self.double_quoted(&mut text),
                b'$' if self.peek(1) == b'(' => {
                    let end = self.balanced(self.pos + 1, b'(', b')');
                    text.push_str(self.src.get(self.pos..end).unwrap_or(""));
                    self.pos = end;
                }
                b'$' if self.peek(1) == b'{' => {
                    let end = self.balanced(self.pos + 1, b'{', b'}');
                    text.push_str(self.src.get(self.pos..end).unwrap_or(""));
                    self.pos = end;
                }
                b'`' => {
                    let end = self.backquoted(self.pos);
                    text.push_str(self.src.get(self.pos..end).unwrap_or(""));
                    self.pos = end;
                }
                _ => {
                    let ch = self.char_at(self.pos);
                    text.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
        if let Some(strip) = self.heredoc_next.take() {
            self.heredocs.push((text.clone(), strip));
        }
        self.toks.push(Tok::Word(Word { text, start, end: self.pos }));
    }

    fn char_at(&self, i: usize) -> char {
        self.src.get(i..).and_then(|s| s.chars().next()).unwrap_or('\0')
    }

    fn double_quoted(&mut self, text: &mut String) {
        self.pos += 1;
        while self.pos < self.s.len() {
            match self.peek(0) {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => {
                    match self.peek(1) {
                        b'\n' => {}
                        c @ (b'$' | b'`' | b'"' | b'\\') => text.push(c as char),
                        _ => {
                            text.push('\\');
                            self.pos += 1;
                            continue;
                        }
                    }
                    self.pos += 2;
                }
                b'$' if matches!(self.peek(1), b'(' | b'{') => {
                    let (open, close) = if self.peek(1) == b'(' { (b'(', b')') } else { (b'{', b'}') };
                    let end = self.balanced(self.pos + 1, open, close);
                    text.push_str(self.src.get(self.pos..end).unwrap_or(""));
                    self.pos = end;
                }
                b'`' => {
                    let end = self.backquoted(self.pos);
                    text.push_str(self.src.get(self.pos..end).unwrap_or(""));
                    self.pos = end;
                }
                _ => {
                    let ch = self.char_at(self.pos);
                    text.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    /// The end (exclusive) of a bracketed run starting with `open` at `at`, quotes respected.
    fn balanced(&self, at: usize, open: u8, close: u8) -> usize {
        let mut depth = 0usize;
        let mut i = at;
        while i < self.s.len() {
            match self.s[i] {
                b'\\' => i += 1,
                b'\'' if open == b'(' => {
                    i += self.s[i + 1..].iter().position(|&b| b == b'\'').map_or(self.s.len(), |p| p + 1);
                }
                b'"' => {
                    let mut j = i + 1;
                    while j < self.s.len() && self.s[j] != b'"' {
                        if self.s[j] == b'\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    i = j;
                }
                b if b == open => depth += 1,
                b if b == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.s.len()
    }

    fn backquoted(&self, at: usize) -> usize {
        let mut i = at + 1;
        while i < self.s.len() {
            match self.s[i] {
                b'\\' => i += 1,
                b'`' => return i + 1,
                _ => {}
            }
            i += 1;
        }
        self.s.len()
    }

    /// After a newline: the bodies of pending here-documents.
    fn skip_heredocs(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.s.len() {
                let end = self.s[self.pos..].iter().position(|&b| b == b'\n').map_or(self.s.len(), |i| self.pos + i);
                let line = self.src.get(self.pos..end).unwrap_or("");
                let line = if strip { line.trim_start_matches('\t') } else { line };
                self.pos = (end + 1).min(self.s.len());
                if line.trim_end_matches('\r') == delim {
                    break;
                }
            }
        }
    }
}

pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Words that end a list when they stand where a command would.
const TERMINATORS: &[&str] = &["do", "done", "then", "elif", "else", "fi", "esac", "}"];

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: u32,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w.text.as_str()),
            _ => None,
        }
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o, ..)) if *o == op)
    }

    fn skip_newlines(&mut self) {
        while self.is_op("\n") {
            self.pos += 1;
        }
    }

    fn skip_separators(&mut self) {
        while self.is_op("\n") || self.is_op(";") || self.is_op("&") {
            self.pos += 1;
        }
    }

    /// Consumes the word `w` if it is next (after newlines and `;`).
    fn eat_word(&mut self, w: &str) -> Option<usize> {
        let save = self.pos;
        self.skip_separators();
        match self.peek() {
            Some(Tok::Word(word)) if word.text == w => {
                let end = word.end;
                self.pos += 1;
                Some(end)
            }
            _ => {
                self.pos = save;
                None
            }
        }
    }

    fn at_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(Tok::Op(o, ..)) => matches!(*o, ")" | ";;"),
            Some(Tok::Word(w)) => TERMINATORS.contains(&w.text.as_str()),
            Some(Tok::Redir(..)) => false,
        }
    }

    fn list(&mut self) -> List {
        let mut out = Vec::new();
        if self.depth > MAX_DEPTH {
            self.pos = self.toks.len();
            return out;
        }
        self.depth += 1;
        loop {
            self.skip_separators();
            if self.at_end() {
                break;
            }
            let before = self.pos;
            if let Some(ao) = self.and_or() {
                out.push(ao);
            }
            if self.pos == before {
                // Nothing readable here (a stray `(`…): skip it.
                self.pos += 1;
            }
        }
        self.depth -= 1;
        out
    }

    fn and_or(&mut self) -> Option<AndOr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = if self.is_op("&&") {
                true
            } else if self.is_op("||") {
                false
            } else {
                break;
            };
            self.pos += 1;
            self.skip_newlines();
            match self.pipeline() {
                Some(p) => rest.push((and, p)),
                None => break,
            }
        }
        Some(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Option<Pipeline> {
        let mut bang = false;
        while self.peek_word() == Some("!") {
            bang = !bang;
            self.pos += 1;
        }
        let mut cmds = vec![self.command()?];
        while self.is_op("|") || self.is_op("|&") {
            self.pos += 1;
            self.skip_newlines();
            match self.command() {
                Some(c) => cmds.push(c),
                None => break,
            }
        }
        Some(Pipeline { bang, cmds })
    }

    fn command(&mut self) -> Option<Cmd> {
        if self.at_end() || self.depth > MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let cmd = self.command_inner();
        self.depth -= 1;
        cmd
    }

    fn command_inner(&mut self) -> Option<Cmd> {
        let (start, kw) = match self.peek() {
            Some(Tok::Word(w)) => (w.start, w.text.clone()),
            Some(Tok::Op("(", s, _)) => {
                let start = *s;
                self.pos += 1;
                let body = self.list();
                let end = self.close_paren().unwrap_or(start + 1);
                self.trailing_redirects();
                return Some(Cmd::Group { body, start, end });
            }
            Some(Tok::Redir(..)) => return self.simple().map(Cmd::Simple),
            _ => return None,
        };
        let cmd = match kw.as_str() {
            "while" | "until" => {
                self.pos += 1;
                let cond = self.list();
                self.eat_word("do");
                let body = self.list();
                let end = self.eat_word("done").unwrap_or_else(|| self.last_end(start));
                Cmd::Loop { until: kw == "until", cond, body, start, end }
            }
            "for" | "select" => self.for_loop(start),
            "if" => self.if_cmd(start),
            "case" => self.case_cmd(start),
            "{" => {
                self.pos += 1;
                let body = self.list();
                let end = self.eat_word("}").unwrap_or_else(|| self.last_end(start));
                Cmd::Group { body, start, end }
            }
            "function" => {
                self.pos += 1;
                let name = self.peek_word().unwrap_or("").to_string();
                self.pos += 1;
                if self.is_op("(") {
                    self.pos += 1;
                    if self.is_op(")") {
                        self.pos += 1;
                    }
                }
                self.skip_newlines();
                let body = self.command()?;
                let end = body.range().1;
                Cmd::Function { name, body: Box::new(body), start, end }
            }
            _ if is_name(&kw)
                && matches!(self.toks.get(self.pos + 1), Some(Tok::Op("(", ..)))
                && matches!(self.toks.get(self.pos + 2), Some(Tok::Op(")", ..))) =>
            {
                self.pos += 3;
                self.skip_newlines();
                let body = self.command()?;
                let end = body.range().1;
                Cmd::Function { name: kw, body: Box::new(body), start, end }
            }
            _ => return self.simple().map(Cmd::Simple),
        };
        self.trailing_redirects();
        Some(cmd)
    }

    /// Redirections after a compound command (`done < file`, `} 2>&1`): read and dropped.
    fn trailing_redirects(&mut self) {
        while let Some(Tok::Redir(..)) = self.peek() {
            self.pos += 1;
            if let Some(Tok::Word(_)) = self.peek() {
                self.pos += 1;
            }
        }
    }

    fn close_paren(&mut self) -> Option<usize> {
        self.skip_separators();
        match self.peek() {
            Some(Tok::Op(")", _, e)) => {
                let e = *e;
                self.pos += 1;
                Some(e)
            }
            _ => None,
        }
    }

    /// The end of the last token read, for constructs left open.
    fn last_end(&self, start: usize) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(start, |t| match t {
                Tok::Word(w) => w.end,
                Tok::Op(_, _, e) | Tok::Redir(_, e) => *e,
            })
            .max(start)
    }

    fn for_loop(&mut self, start: usize) -> Cmd {
        self.pos += 1;
        let mut var = String::new();
        let mut arith = None;
        let mut items = None;
        match self.peek() {
            Some(Tok::Word(w)) if w.text.starts_with("((") => {
                arith = Some(w.text.trim_start_matches('(').trim_end_matches(')').to_string());
                self.pos += 1;
            }
            Some(Tok::Word(w)) => {
                var = w.text.clone();
                self.pos += 1;
                self.skip_newlines();
                if self.peek_word() == Some("in") {
                    self.pos += 1;
                    let mut list = Vec::new();
                    while let Some(Tok::Word(w)) = self.peek() {
                        list.push(w.clone());
                        self.pos += 1;
                    }
                    items = Some(list);
                }
            }
            _ => {}
        }
        self.eat_word("do");
        let body = self.list();
        let end = self.eat_word("done").unwrap_or_else(|| self.last_end(start));
        Cmd::For { var, items, arith, body, start, end }
    }

    fn if_cmd(&mut self, start: usize) -> Cmd {
        self.pos += 1;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.list();
            self.eat_word("then");
            let then = self.list();
            branches.push((cond, then));
            if self.eat_word("elif").is_some() {
                continue;
            }
            if self.eat_word("else").is_some() {
                otherwise = Some(self.list());
            }
            break;
        }
        let end = self.eat_word("fi").unwrap_or_else(|| self.last_end(start));
        Cmd::If { branches, otherwise, start, end }
    }

    fn case_cmd(&mut self, start: usize) -> Cmd {
        self.pos += 1;
        // The subject, then `in`.
        if let Some(Tok::Word(_)) = self.peek() {
            self.pos += 1;
        }
        self.skip_newlines();
        if self.peek_word() == Some("in") {
            self.pos += 1;
        }
        let mut arms = Vec::new();
        loop {
            self.skip_newlines();
            match self.peek() {
                None => break,
                Some(Tok::Word(w)) if w.text == "esac" => break,
                _ => {}
            }
            // The patterns, up to `)`.
            let before = self.pos;
            while let Some(t) = self.peek() {
                let close = matches!(t, Tok::Op(")", ..));
                self.pos += 1;
                if close {
                    break;
                }
            }
            arms.push(self.list());
            if self.is_op(";;") {
                self.pos += 1;
            } else if self.pos == before {
                break;
            } else if !matches!(self.peek(), Some(Tok::Word(w)) if w.text == "esac") && self.peek().is_some() {
                // `;&`, `;;&` or garbage: go on with the next arm.
                self.pos += 1;
            }
        }
        let end = self.eat_word("esac").unwrap_or_else(|| self.last_end(start));
        Cmd::Case { arms, start, end }
    }

    fn simple(&mut self) -> Option<Simple> {
        let mut s = Simple { start: usize::MAX, ..Simple::default() };
        loop {
            match self.peek().cloned() {
                Some(Tok::Word(w)) => {
                    if s.words.is_empty() && is_assignment(&w.text) {
                        s.start = s.start.min(w.start);
                        s.end = w.end;
                        s.assigns.push(w);
                    } else {
                        // Reserved words only count at the start of a command.
                        s.start = s.start.min(w.start);
                        s.end = w.end;
                        s.words.push(w);
                    }
                    self.pos += 1;
                }
                Some(Tok::Redir(a, e)) => {
                    s.start = s.start.min(a);
                    s.end = e;
                    self.pos += 1;
                    if let Some(Tok::Word(w)) = self.peek().cloned() {
                        s.end = w.end;
                        s.redirects.push(w);
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        if s.start == usize::MAX {
            return None;
        }
        Some(s)
    }
}

/// `NAME=value` (also `NAME+=value`, `NAME[i]=value`).
pub fn is_assignment(w: &str) -> bool {
    match w.find('=') {
        Some(i) => {
            let name = w[..i].trim_end_matches('+');
            let name = name.split('[').next().unwrap_or("");
            is_name(name)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(c: &Cmd) -> Vec<&str> {
        match c {
            Cmd::Simple(s) => s.words.iter().map(|w| w.text.as_str()).collect(),
            _ => vec![],
        }
    }

    fn first(l: &List) -> &Cmd {
        &l[0].first.cmds[0]
    }

    #[test]
    fn quotes_escapes_and_expansions() {
        let l = parse(
            r#"echo 'a b' "c $(date +%s) ${X:-y}" d\ e `id -u` \
  f # comment"#,
        );
        assert_eq!(l.len(), 1);
        assert_eq!(words(first(&l)), vec!["echo", "a b", "c $(date +%s) ${X:-y}", "d e", "`id -u`", "f"]);
        let src = "until nc -z db 5432; do sleep 1; done";
        let l = parse(src);
        let Cmd::Loop { until, cond, body, start, end } = first(&l) else { panic!() };
        assert!(until);
        assert_eq!(&src[*start..*end], src);
        assert_eq!(words(first(cond)), vec!["nc", "-z", "db", "5432"]);
        assert_eq!(words(first(body)), vec!["sleep", "1"]);
    }

    #[test]
    fn operators_redirects_and_groups() {
        let src = "i=0; while ! nc -z db 5432 && [ $i -lt 3 ]; do i=$((i+1)); sleep 1; done 2>&1 | tee x\nexec app";
        let l = parse(src);
        assert_eq!(l.len(), 3);
        let Cmd::Simple(a) = first(&l) else { panic!() };
        assert_eq!(a.assigns[0].text, "i=0");
        assert_eq!(l[1].first.cmds.len(), 2);
        let Cmd::Loop { cond, body, .. } = &l[1].first.cmds[0] else { panic!() };
        assert!(cond[0].first.bang);
        assert_eq!(cond[0].rest.len(), 1);
        assert_eq!(body.len(), 2);
        assert_eq!(words(first(&l[2..].to_vec())), vec!["exec", "app"]);

        let l = parse("echo > /dev/tcp/db/5432; cat </dev/tcp/r/6379 3<>/dev/tcp/x/1");
        let Cmd::Simple(s) = first(&l) else { panic!() };
        assert_eq!(s.redirects[0].text, "/dev/tcp/db/5432");
        let Cmd::Simple(s) = &l[1].first.cmds[0] else { panic!() };
        assert_eq!(
            s.redirects.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["/dev/tcp/r/6379", "/dev/tcp/x/1"]
        );

        let l = parse("f() { nc -z \"$1\" \"$2\"; }\nf db 5432\n( cd /; ls )");
        assert!(matches!(first(&l), Cmd::Function { name, .. } if name == "f"));
        assert!(matches!(&l[2].first.cmds[0], Cmd::Group { .. }));
    }

    #[test]
    fn compound_commands_and_heredocs() {
        let l = parse(
            "for i in $(seq 1 30); do\n  if nc -z db 5432; then\n    exit 0\n  fi\n  sleep 2\ndone\n\
             cat <<EOF\nuntil this is not code; do\nEOF\ncase $x in\n  a|b) nc -z a 1 ;;\n  *) true ;;\nesac\n\
             for ((i=0; i<5; i++)); do :; done",
        );
        assert_eq!(l.len(), 4);
        let Cmd::For { var, items, body, .. } = first(&l) else { panic!() };
        assert_eq!(var, "i");
        assert_eq!(items.as_ref().unwrap()[0].text, "$(seq 1 30)");
        assert!(matches!(&body[0].first.cmds[0], Cmd::If { .. }));
        assert_eq!(words(&l[1].first.cmds[0]), vec!["cat"]);
        let Cmd::Case { arms, .. } = &l[2].first.cmds[0] else { panic!() };
        assert_eq!(arms.len(), 2);
        let Cmd::For { arith, .. } = &l[3].first.cmds[0] else { panic!() };
        assert_eq!(arith.as_deref(), Some("i=0; i<5; i++"));
    }

    #[test]
    fn never_panics_on_garbage() {
        for s in ["", "'", "\"", "$(", "${", "`", "(((", ")))", "done done", "if", "for", "case", "<<", "a=(", "\\"] {
            let _ = parse(s);
        }
        let deep = "(".repeat(10_000);
        let _ = parse(&deep);
        let deep = "{ ".repeat(10_000);
        let _ = parse(&deep);
    }
}
