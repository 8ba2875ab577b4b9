//! How long a loop around a wait may run: no way out but success ([`LoopBound::Forever`]), a
//! number of rounds (a counter compared with a limit, a `for` list, `for ((…))`), or a deadline on
//! the clock (`$SECONDS`, `date +%s`). Read from the loop's tree and the variables set before it;
//! the sleeps of a round add up to its length.

use nexus_source::shell::eval::{Core, seconds_ms};
use nexus_source::shell::{LoopKind, Node, Simple, is_assignment_text, is_name};

/// How long a loop runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum LoopBound {
    /// No way out but success.
    Forever,
    /// At most `n` rounds, each sleeping `sleep_ms`.
    Rounds { n: i64, sleep_ms: i64 },
    /// A deadline on the clock (`$SECONDS`, `date +%s`).
    Deadline(i64),
}

/// `[ … ]`, `[[ … ]]`, `test …` or `(( … ))`.
pub(super) fn is_test(p: &Node, src: &str) -> bool {
    match p.commands().first() {
        Some(Node::Simple(s)) => s.words.first().is_some_and(|w| {
            let t = w.text(src);
            matches!(t.as_str(), "[" | "[[" | "test") || t.starts_with("((")
        }),
        _ => false,
    }
}

fn first_word_in(s: &Simple, src: &str, names: &[&str]) -> bool {
    s.words.first().is_some_and(|w| names.contains(&w.text(src).as_str()))
}

/// Does a list leave the loop (`exit`, `break`, `return`)?
fn leaves(list: &Node, src: &str) -> bool {
    let mut found = false;
    list.each_simple(true, &mut |s| found |= first_word_in(s, src, &["exit", "break", "return"]));
    found
}

fn pipeline_leaves(p: &Node, src: &str) -> bool {
    p.commands().iter().any(|c| match c {
        Node::Simple(s) => first_word_in(s, src, &["exit", "break", "return"]),
        Node::Group(body, _) | Node::Subshell(body, _) => leaves(body, src),
        _ => false,
    })
}

/// The tests in a loop body that lead out of it: `TEST && exit 1`, `TEST || break`, `if TEST;
/// then …; exit; fi`.
fn exit_tests<'a>(list: &'a Node, src: &str, out: &mut Vec<&'a Node>) {
    for ao in list.items() {
        let pipes = ao.pipelines();
        if pipes[1..].iter().any(|p| pipeline_leaves(p, src)) {
            out.push(pipes[0]);
        }
        for p in pipes {
            for c in p.commands() {
                match c {
                    Node::If { arms, otherwise, .. } => {
                        for (cond, then) in arms {
                            if leaves(then, src) || otherwise.as_ref().is_some_and(|o| leaves(o, src)) {
                                out.extend(cond.items().into_iter().flat_map(Node::pipelines));
                            }
                            exit_tests(then, src, out);
                        }
                    }
                    Node::Group(body, _) | Node::Subshell(body, _) => exit_tests(body, src, out),
                    _ => {}
                }
            }
        }
    }
}

/// Does `for VAR in ITEMS` go over targets (`db redis`, used as `$VAR`) rather than count
/// attempts (`1 2 3`, `$(seq 1 30)`)?
pub(super) fn iterates_targets(node: &Node, src: &str) -> bool {
    let Node::For { var, items: Some(items), range, .. } = node else { return false };
    let text = range.slice(src);
    let used = text.contains(&format!("${var}")) || text.contains(&format!("${{{var}"));
    let items: Vec<String> = items.iter().map(|w| w.text(src)).collect();
    used && !items.is_empty()
        && items.iter().all(|w| !w.contains('$') && !w.contains('`') && !w.contains('{'))
        && !items.iter().all(|w| w.parse::<i64>().is_ok())
}

/// `sleep` durations: `5`, `0.5`, `2s`, `1m`; variables resolved.
fn duration(ev: &Core, t: &str) -> Option<i64> {
    if let Some(ms) = seconds_ms(t) {
        return Some(ms);
    }
    let v = ev.resolve(&nexus_source::shell::Located::plain(t.to_string(), Default::default(), None));
    if v.text == t { None } else { seconds_ms(&v.text) }
}

/// How long a `while`/`until`/`for` loop may run, as it is entered.
pub(super) fn loop_bound(ev: &Core, node: &Node) -> LoopBound {
    let src = ev.text().text.as_str();
    let mut words: Vec<String> = Vec::new();
    let mut assigns: Vec<(String, String)> = Vec::new();
    let mut sleep_ms = 0i64;
    let empty = Node::empty();
    let (cond, inner) = match node {
        Node::Loop { cond, body, .. } => (&**cond, &**body),
        Node::For { body, .. } => (&empty, &**body),
        _ => return LoopBound::Forever,
    };
    for l in [cond, inner] {
        l.each_simple(true, &mut |s: &Simple| {
            for w in s.assigns.iter().map(|a| &a.word).chain(&s.words) {
                let t = w.text(src);
                if let Some((n, v)) = t.split_once('=').filter(|_| is_assignment_text(&t)) {
                    assigns.push((n.to_string(), v.to_string()));
                }
                words.push(t);
            }
        });
        // A round's sleeps; an inner loop's belong to its own rounds.
        l.each_simple(false, &mut |s: &Simple| {
            if first_word_in(s, src, &["sleep"]) {
                // An unreadable duration (`sleep $((2 ** i))`) counts as a second.
                sleep_ms += s.words[1..].iter().map(|w| duration(ev, &w.text(src)).unwrap_or(1000)).sum::<i64>();
            }
        });
    }
    let lc = LoopCx { cx: ev, words: &words, assigns: &assigns, src };
    let rounds = match node {
        Node::Loop { kind: LoopKind::Arith(head), .. } => {
            Some(lc.arith_rounds(head.slice(src).trim_start_matches('(').trim_end_matches(')')))
        }
        Node::For { items: Some(items), .. } => Some(Some(items.iter().map(|w| lc.item_count(&w.text(src))).sum())),
        Node::For { items: None, .. } => Some(Some(ev.positional_len().unwrap_or(1) as i64)),
        _ => None,
    };
    if let Some(n) = rounds {
        return LoopBound::Rounds { n: n.unwrap_or(1).max(0), sleep_ms };
    }
    let mut tests: Vec<&Node> = cond.items().into_iter().flat_map(Node::pipelines).collect();
    exit_tests(inner, src, &mut tests);
    let mut best: Option<LoopBound> = None;
    for t in tests {
        let Some(b) = lc.test_bound(t, sleep_ms) else { continue };
        let total = |b: LoopBound| match b {
            LoopBound::Rounds { n, sleep_ms } => n.saturating_mul(sleep_ms),
            LoopBound::Deadline(ms) => ms,
            LoopBound::Forever => i64::MAX,
        };
        if best.is_none_or(|x| total(b) < total(x)) {
            best = Some(b);
        }
    }
    best.unwrap_or(LoopBound::Forever)
}

/// One side of a comparison in a loop test.
#[derive(Clone, Debug, PartialEq)]
enum Side {
    Num(i64),
    /// A variable the loop changes by `step`.
    Counter {
        name: String,
        step: i64,
    },
    /// Seconds since the loop began (`$SECONDS`, `$(( $(date +%s) - start ))`).
    Elapsed,
    /// The clock (`$(date +%s)`).
    Now,
    /// A variable set to the clock plus this many seconds.
    Deadline(i64),
}

struct LoopCx<'a, 'b> {
    cx: &'a Core<'b>,
    /// The words of the loop's commands.
    words: &'a [String],
    /// Assignments inside the loop.
    assigns: &'a [(String, String)],
    /// The script's text.
    src: &'a str,
}

impl LoopCx<'_, '_> {
    /// The bound a test puts on the loop, if it compares a counter or the clock with a limit.
    fn test_bound(&self, p: &Node, sleep_ms: i64) -> Option<LoopBound> {
        let [Node::Simple(s)] = p.commands().as_slice() else { return None };
        let texts: Vec<String> = s.words.iter().map(|w| w.text(self.src)).collect();
        let w: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (lhs, rhs) = match w.first().copied() {
            Some("[" | "[[" | "test") => {
                let i = w.iter().position(|x| matches!(*x, "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge"))?;
                (w.get(i.checked_sub(1)?)?.to_string(), w.get(i + 1)?.to_string())
            }
            Some(a) if a.starts_with("((") => {
                let inner = a.trim_start_matches('(').trim_end_matches(')');
                // `if ! ((TIMEOUT--)); then exit 1; fi`: `((x))` fails once `x` is 0, so a
                // counter counted down leaves after as many rounds as it starts with.
                let down = inner.trim().strip_suffix("--").or_else(|| inner.trim().strip_prefix("--"));
                if let Some(name) = down.map(str::trim).filter(|n| is_name(n)) {
                    let init = self.cx.int_var(name)?;
                    return Some(LoopBound::Rounds { n: init.max(1), sleep_ms });
                }
                let op = [">=", "<=", "==", "!=", ">", "<"].into_iter().find(|o| inner.contains(o))?;
                let (l, r) = inner.split_once(op)?;
                (l.trim().to_string(), r.trim().to_string())
            }
            _ => return None,
        };
        let (l, r) = (self.side(&lhs)?, self.side(&rhs)?);
        match (l, r) {
            (Side::Counter { name, step }, Side::Num(limit)) | (Side::Num(limit), Side::Counter { name, step }) => {
                let init = self.cx.int_var(&name).unwrap_or(0);
                let n = ((limit - init).abs() + step - 1) / step;
                Some(LoopBound::Rounds { n: n.max(1), sleep_ms })
            }
            (Side::Elapsed, Side::Num(s)) | (Side::Num(s), Side::Elapsed) => {
                Some(LoopBound::Deadline(s.saturating_mul(1000)))
            }
            (Side::Now, Side::Deadline(s)) | (Side::Deadline(s), Side::Now) => {
                Some(LoopBound::Deadline(s.saturating_mul(1000)))
            }
            _ => None,
        }
    }

    fn side(&self, t: &str) -> Option<Side> {
        let t = t.trim_matches('"');
        if is_clock(t) {
            return Some(if t.contains('-') { Side::Elapsed } else { Side::Now });
        }
        if let Ok(n) = t.parse::<i64>() {
            return Some(Side::Num(n));
        }
        let name = var_name(t)?;
        if name == "SECONDS" {
            return Some(Side::Elapsed);
        }
        // Assigned in the loop, else before it.
        let value = self
            .assigns
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .or_else(|| self.cx.var_text(name));
        if let Some(v) = &value
            && is_clock(v)
        {
            return Some(match v.split_once('+') {
                Some((_, n)) => Side::Deadline(n.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok()?),
                None if v.contains('-') => Side::Elapsed,
                None => Side::Now,
            });
        }
        if let Some(step) = self.step(name) {
            return Some(Side::Counter { name: name.to_string(), step });
        }
        value.and_then(|v| v.trim().parse().ok()).map(Side::Num)
    }

    /// How much the loop changes a counter each round: `i=$((i+1))`, `((i++))`, `let i+=2`,
    /// `t=$((t - 2))`, `i=$(expr $i + 1)`.
    fn step(&self, name: &str) -> Option<i64> {
        for w in self.words {
            let n: String = w
                .replace("expr", "")
                .chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '$' | '{' | '}' | '(' | ')' | '"' | '\'' | '`'))
                .collect();
            let n = n.strip_prefix(':').unwrap_or(&n);
            let incdec = [format!("{name}++"), format!("++{name}"), format!("{name}--"), format!("--{name}")];
            if incdec.iter().any(|p| n == p) {
                return Some(1);
            }
            for prefix in
                [format!("{name}+="), format!("{name}-="), format!("{name}={name}+"), format!("{name}={name}-")]
            {
                if let Some(v) = n.strip_prefix(&prefix).and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0) {
                    return Some(v);
                }
            }
            if let Some(v) = n
                .strip_prefix(&format!("{name}="))
                .and_then(|r| r.strip_suffix(&format!("+{name}")))
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
            {
                return Some(v);
            }
        }
        None
    }

    /// Rounds of `for ((i=A; i<B; i+=S))`.
    fn arith_rounds(&self, a: &str) -> Option<i64> {
        let parts: Vec<&str> = a.split(';').map(str::trim).collect();
        let [init, cond, step] = parts.as_slice() else { return None };
        let from: i64 = init.split_once('=').and_then(|(_, v)| v.trim().parse().ok()).unwrap_or(0);
        let op = ["<=", ">=", "<", ">", "!="].into_iter().find(|o| cond.contains(o))?;
        let to: i64 = cond.split_once(op)?.1.trim().parse().ok()?;
        let step = if step.contains("++") || step.contains("--") {
            1
        } else {
            step.rsplit(['=', '+', '-']).next()?.trim().parse::<i64>().ok()?.max(1)
        };
        let span = (to - from).abs() + i64::from(op.contains('='));
        Some((span + step - 1) / step)
    }

    /// How many items one word of a `for` list stands for.
    fn item_count(&self, w: &str) -> i64 {
        let inner = w
            .strip_prefix("$(")
            .and_then(|r| r.strip_suffix(')'))
            .or_else(|| w.strip_prefix('`').and_then(|r| r.strip_suffix('`')));
        if let Some(cmd) = inner {
            let nums: Vec<i64> = cmd.split_whitespace().skip(1).filter_map(|x| self.num(x)).collect();
            if cmd.trim_start().starts_with("seq") {
                return match nums.as_slice() {
                    [n] => *n,
                    [a, b] => b - a + 1,
                    [a, s, b] if *s != 0 => (b - a) / s + 1,
                    _ => 1,
                }
                .max(0);
            }
            return 1;
        }
        // `{1..30}`, `{1..30..2}`.
        if let Some(r) = w.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            let nums: Vec<i64> = r.split("..").filter_map(|x| self.num(x)).collect();
            return match nums.as_slice() {
                [a, b] => (b - a).abs() + 1,
                [a, b, s] if *s != 0 => (b - a).abs() / s.abs() + 1,
                _ => 1,
            };
        }
        1
    }

    fn num(&self, t: &str) -> Option<i64> {
        t.parse().ok().or_else(|| var_name(t).and_then(|n| self.cx.int_var(n)))
    }
}

/// `$(date +%s)` in a test or assignment.
fn is_clock(t: &str) -> bool {
    t.contains("date +%s") || t.contains("date '+%s'") || t.contains("date \"+%s\"")
}

/// `$NAME`, `${NAME}` or a bare `NAME` (inside `((…))`).
fn var_name(t: &str) -> Option<&str> {
    let t = t.trim_matches('"');
    let n = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| t.strip_prefix('$')).unwrap_or(t);
    is_name(n).then_some(n)
}
