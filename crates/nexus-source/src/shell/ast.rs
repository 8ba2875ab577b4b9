//! The syntax tree: commands as the shell groups them, each compound command with the byte
//! range from its first keyword to its closing one, each simple command from its first word
//! (or assignment, or redirection) to the end of its last.

use std::rc::Rc;

use super::word::{Assign, Range, Word};

/// A simple command: assignments, words and redirections.
#[derive(Clone, Debug, Default)]
pub struct Simple {
    pub assigns: Vec<Assign>,
    pub words: Vec<Word>,
    /// Redirection targets (`/dev/tcp/db/5432` in `> /dev/tcp/db/5432`; a here-document's
    /// delimiter).
    pub redirects: Vec<Word>,
    pub range: Range,
}

/// What decides how often a loop runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoopKind {
    While,
    Until,
    /// `for ((init; cond; step))`: the range of the head, parentheses included.
    Arith(Range),
}

#[derive(Clone, Debug)]
pub enum Node {
    Simple(Simple),
    Seq(Vec<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Pipe(Vec<Node>),
    /// `( … )`
    Subshell(Box<Node>, Range),
    /// `{ …; }`
    Group(Box<Node>, Range),
    /// `if c1; then b1; elif c2; then b2; else e; fi`
    If {
        arms: Vec<(Node, Node)>,
        otherwise: Option<Box<Node>>,
        range: Range,
    },
    /// `for var in items; do body; done` (and `select`); `items: None` iterates over `"$@"`.
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: Box<Node>,
        range: Range,
    },
    /// `while`/`until`/C-style `for`: a condition and a body run an unknown number of times.
    Loop {
        kind: LoopKind,
        cond: Box<Node>,
        body: Box<Node>,
        range: Range,
    },
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, Node)>,
        range: Range,
    },
    Func {
        name: String,
        body: Rc<Node>,
        range: Range,
    },
}

impl Node {
    pub fn empty() -> Node {
        Node::Seq(Vec::new())
    }

    /// Calls `f` on every simple command of the tree, in order; into loops only if
    /// `into_loops`, never into function definitions.
    pub fn each_simple<'a>(&'a self, into_loops: bool, f: &mut impl FnMut(&'a Simple)) {
        match self {
            Node::Simple(s) => f(s),
            Node::Seq(v) | Node::Pipe(v) => v.iter().for_each(|n| n.each_simple(into_loops, f)),
            Node::And(a, b) | Node::Or(a, b) => {
                a.each_simple(into_loops, f);
                b.each_simple(into_loops, f);
            }
            Node::Not(a) | Node::Subshell(a, _) | Node::Group(a, _) => a.each_simple(into_loops, f),
            Node::If { arms, otherwise, .. } => {
                for (c, b) in arms {
                    c.each_simple(into_loops, f);
                    b.each_simple(into_loops, f);
                }
                if let Some(o) = otherwise {
                    o.each_simple(into_loops, f);
                }
            }
            Node::Case { arms, .. } => arms.iter().for_each(|(_, b)| b.each_simple(into_loops, f)),
            Node::Loop { cond, body, .. } if into_loops => {
                cond.each_simple(into_loops, f);
                body.each_simple(into_loops, f);
            }
            Node::For { body, .. } if into_loops => body.each_simple(into_loops, f),
            Node::Loop { .. } | Node::For { .. } | Node::Func { .. } => {}
        }
    }

    /// The and-or lists of a list (`a; b && c` → `a`, `b && c`).
    pub fn items(&self) -> Vec<&Node> {
        match self {
            Node::Seq(v) => v.iter().flat_map(Node::items).collect(),
            n => vec![n],
        }
    }

    /// The pipelines of an and-or list, first to last (`a && b || c` → `a`, `b`, `c`).
    pub fn pipelines(&self) -> Vec<&Node> {
        match self {
            Node::And(a, b) | Node::Or(a, b) => {
                let mut v = a.pipelines();
                v.extend(b.pipelines());
                v
            }
            n => vec![n],
        }
    }

    /// A pipeline without its `!`s, and whether they negate it.
    pub fn unnegated(&self) -> (&Node, bool) {
        match self {
            Node::Not(a) => {
                let (n, neg) = a.unnegated();
                (n, !neg)
            }
            n => (n, false),
        }
    }

    /// The commands of a pipeline.
    pub fn commands(&self) -> Vec<&Node> {
        match self.unnegated().0 {
            Node::Pipe(v) => v.iter().collect(),
            n => vec![n],
        }
    }
}
