//! The parser: tokens into the [`Node`] tree. It is tolerant, as a linter must be with a broken
//! file: an unexpected token is skipped and the rest of the script is still read, a construct
//! left open ends at the last token read, and nesting beyond a limit is not read.

use std::rc::Rc;

use super::ast::{LoopKind, Node, Simple};
use super::lexer::{Lexer, Op, Tok};
use super::word::{Part, Range, Word, assignment};

/// Compound commands nested deeper than this are skipped (hostile inputs).
pub const MAX_NESTING: usize = 100;

/// Parses `text[start..end]`; ranges in the tree are offsets into `text`.
pub fn parse(text: &str, start: usize, end: usize) -> Node {
    let toks = Lexer::new(text, start, end).run();
    Parser { toks, pos: 0 }.program()
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_op(&self) -> Option<Op> {
        match self.peek() {
            Some(Tok::Op(op, _)) => Some(*op),
            _ => None,
        }
    }

    /// The next token as a reserved word (an unquoted literal word).
    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => w.literal(),
            _ => None,
        }
    }

    fn is_word(&self, kw: &str) -> bool {
        self.peek_word() == Some(kw)
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        if self.is_word(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_op(&mut self, op: Op) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_newlines(&mut self) {
        while self.eat_op(Op::Newline) {}
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek_op(), Some(Op::Newline | Op::Semi | Op::Amp)) {
            self.pos += 1;
        }
    }

    fn program(&mut self) -> Node {
        let mut items = Vec::new();
        while self.pos < self.toks.len() {
            let before = self.pos;
            match self.list(&[], 0) {
                Node::Seq(v) => items.extend(v),
                n => items.push(n),
            }
            if self.pos == before {
                // A token no list can start with (a stray `)`, `;;`, `fi`): skip it.
                self.pos += 1;
            }
        }
        Node::Seq(items)
    }

    /// Commands until one of `stops` (reserved words at command position), `)`, `;;` or the end.
    fn list(&mut self, stops: &[&str], depth: usize) -> Node {
        let mut items = Vec::new();
        loop {
            self.skip_separators();
            match self.peek() {
                None => break,
                Some(Tok::Op(Op::RParen | Op::CaseEnd, _)) => break,
                Some(Tok::Word(w)) if w.literal().is_some_and(|l| stops.contains(&l)) => break,
                _ => {}
            }
            let before = self.pos;
            let node = self.and_or(depth);
            items.push(node);
            if self.pos == before {
                break;
            }
        }
        Node::Seq(items)
    }

    fn and_or(&mut self, depth: usize) -> Node {
        let mut left = self.pipeline(depth);
        loop {
            match self.peek_op() {
                Some(Op::AndIf) => {
                    self.pos += 1;
                    self.skip_newlines();
                    let right = self.pipeline(depth);
                    left = Node::And(Box::new(left), Box::new(right));
                }
                Some(Op::OrIf) => {
                    self.pos += 1;
                    self.skip_newlines();
                    let right = self.pipeline(depth);
                    left = Node::Or(Box::new(left), Box::new(right));
                }
                _ => return left,
            }
        }
    }

    fn pipeline(&mut self, depth: usize) -> Node {
        let mut negate = false;
        loop {
            if self.eat_word("!") {
                negate = !negate;
            } else if self.is_word("time") {
                self.pos += 1;
                if self.is_word("-p") {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        let mut cmds = vec![self.command(depth)];
        while self.eat_op(Op::Pipe) {
            self.skip_newlines();
            cmds.push(self.command(depth));
        }
        let node = if cmds.len() == 1 { cmds.pop().unwrap_or_else(Node::empty) } else { Node::Pipe(cmds) };
        if negate { Node::Not(Box::new(node)) } else { node }
    }

    fn command(&mut self, depth: usize) -> Node {
        if depth > MAX_NESTING {
            self.pos += 1;
            return Node::empty();
        }
        let d = depth + 1;
        let start = self.peek().map_or(0, |t| t.range().start);
        let node = match self.peek() {
            Some(Tok::Op(Op::LParen, _)) => {
                self.pos += 1;
                let body = self.list(&[], d);
                self.eat_op(Op::RParen);
                Node::Subshell(Box::new(body), self.range_from(start))
            }
            Some(Tok::Word(w)) => match w.literal() {
                Some("if") => self.if_clause(start, d),
                Some("for" | "select") => self.for_clause(start, d),
                Some(kw @ ("while" | "until")) => {
                    let kind = if kw == "until" { LoopKind::Until } else { LoopKind::While };
                    self.pos += 1;
                    let cond = self.list(&["do"], d);
                    self.eat_word("do");
                    let body = self.list(&["done"], d);
                    self.eat_word("done");
                    Node::Loop { kind, cond: Box::new(cond), body: Box::new(body), range: self.range_from(start) }
                }
                Some("case") => self.case_clause(start, d),
                Some("{") => {
                    self.pos += 1;
                    let body = self.list(&["}"], d);
                    self.eat_word("}");
                    Node::Group(Box::new(body), self.range_from(start))
                }
                Some("function") => {
                    self.pos += 1;
                    let name = match self.peek() {
                        Some(Tok::Word(w)) => w.plain_text(),
                        _ => String::new(),
                    };
                    self.pos += 1;
                    if self.peek_op() == Some(Op::LParen) && self.is_op_at(self.pos + 1, Op::RParen) {
                        self.pos += 2;
                    }
                    self.func_body(name, start, d)
                }
                Some("[[") => self.double_bracket(),
                _ => {
                    if self.is_op_at(self.pos + 1, Op::LParen) && self.is_op_at(self.pos + 2, Op::RParen) {
                        let name = w.plain_text();
                        self.pos += 3;
                        self.func_body(name, start, d)
                    } else {
                        return self.simple();
                    }
                }
            },
            _ => return self.simple(),
        };
        // Redirections after a compound command.
        while matches!(self.peek(), Some(Tok::Redir(..))) {
            self.pos += 1;
        }
        node
    }

    fn is_op_at(&self, i: usize, op: Op) -> bool {
        matches!(self.toks.get(i), Some(Tok::Op(o, _)) if *o == op)
    }

    /// From `start` to the end of the last token read.
    fn range_from(&self, start: u32) -> Range {
        let end = self.pos.checked_sub(1).and_then(|i| self.toks.get(i)).map_or(start, |t| t.range().end);
        Range { start, end: end.max(start) }
    }

    fn func_body(&mut self, name: String, start: u32, depth: usize) -> Node {
        self.skip_newlines();
        let body = self.command(depth);
        Node::Func { name, body: Rc::new(body), range: self.range_from(start) }
    }

    fn if_clause(&mut self, start: u32, depth: usize) -> Node {
        self.pos += 1;
        let mut arms = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.list(&["then"], depth);
            self.eat_word("then");
            let body = self.list(&["elif", "else", "fi"], depth);
            arms.push((cond, body));
            if self.eat_word("elif") {
                continue;
            }
            if self.eat_word("else") {
                otherwise = Some(Box::new(self.list(&["fi"], depth)));
            }
            self.eat_word("fi");
            break;
        }
        Node::If { arms, otherwise, range: self.range_from(start) }
    }

    fn for_clause(&mut self, start: u32, depth: usize) -> Node {
        self.pos += 1;
        let var = match self.peek() {
            Some(Tok::Word(w)) if matches!(w.parts.as_slice(), [Part::Opaque(_)]) => {
                // `for (( i = 0; i < n; i++ ))`
                let head = w.range;
                self.pos += 1;
                self.skip_separators();
                self.eat_word("do");
                let body = self.list(&["done"], depth);
                self.eat_word("done");
                let (cond, body) = (Box::new(Node::empty()), Box::new(body));
                return Node::Loop { kind: LoopKind::Arith(head), cond, body, range: self.range_from(start) };
            }
            Some(Tok::Word(w)) => w.plain_text(),
            _ => String::new(),
        };
        self.pos += 1;
        self.skip_newlines();
        let mut items = None;
        if self.eat_word("in") {
            let mut words = Vec::new();
            while let Some(Tok::Word(w)) = self.peek() {
                words.push(w.clone());
                self.pos += 1;
            }
            items = Some(words);
        }
        self.skip_separators();
        let body = if self.eat_word("do") {
            let b = self.list(&["done"], depth);
            self.eat_word("done");
            b
        } else if self.eat_word("{") {
            let b = self.list(&["}"], depth);
            self.eat_word("}");
            b
        } else {
            Node::empty()
        };
        Node::For { var, items, body: Box::new(body), range: self.range_from(start) }
    }

    fn case_clause(&mut self, start: u32, depth: usize) -> Node {
        self.pos += 1;
        let word = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            _ => Word { range: Range::default(), parts: Vec::new() },
        };
        self.pos += 1;
        self.skip_newlines();
        self.eat_word("in");
        let mut arms = Vec::new();
        loop {
            self.skip_newlines();
            if self.pos >= self.toks.len() || self.eat_word("esac") {
                break;
            }
            self.eat_op(Op::LParen);
            let mut patterns = Vec::new();
            while let Some(Tok::Word(w)) = self.peek() {
                patterns.push(w.clone());
                self.pos += 1;
                if !self.eat_op(Op::Pipe) {
                    break;
                }
            }
            if !self.eat_op(Op::RParen) {
                // Not a pattern list: skip a token so the loop moves on.
                self.pos += 1;
                continue;
            }
            let body = self.list(&["esac"], depth);
            self.eat_op(Op::CaseEnd);
            arms.push((patterns, body));
        }
        Node::Case { word, arms, range: self.range_from(start) }
    }

    /// `[[ … ]]`: its tokens, operators included, as the words of one command.
    fn double_bracket(&mut self) -> Node {
        let start = self.toks[self.pos].range();
        let mut words = Vec::new();
        let mut end = start;
        while let Some(t) = self.toks.get(self.pos) {
            end = t.range();
            self.pos += 1;
            match t {
                Tok::Word(w) => {
                    let done = w.literal() == Some("]]");
                    words.push(w.clone());
                    if done {
                        break;
                    }
                }
                Tok::Op(Op::Newline, _) => break,
                // An operator inside `[[ ]]` (`&&`, `<`): kept as a marker the evaluator does
                // not understand, so the test stays undecided.
                Tok::Op(_, r) | Tok::Redir(r, _) => {
                    words.push(Word { range: *r, parts: vec![Part::Opaque(*r)] });
                }
            }
        }
        let range = Range { start: start.start, end: end.end };
        Node::Simple(Simple { assigns: Vec::new(), words, redirects: Vec::new(), range })
    }

    fn simple(&mut self) -> Node {
        let mut assigns = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut redirects = Vec::new();
        let mut range: Option<Range> = None;
        while let Some(tok @ (Tok::Word(_) | Tok::Redir(..))) = self.peek().cloned() {
            self.pos += 1;
            let r = tok.range();
            range = Some(match range {
                Some(x) => Range { start: x.start, end: r.end },
                None => r,
            });
            match tok {
                Tok::Word(w) => {
                    if words.is_empty()
                        && let Some(a) = assignment(&w)
                    {
                        assigns.push(a);
                    } else {
                        words.push(w);
                    }
                }
                Tok::Redir(_, Some(target)) => redirects.push(target),
                _ => {}
            }
        }
        match range {
            Some(range) => Node::Simple(Simple { assigns, words, redirects, range }),
            None => Node::empty(),
        }
    }
}
