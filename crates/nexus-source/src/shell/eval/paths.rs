//! Path strings and shell patterns as the evaluator needs them: `cd` and `dirname` work on
//! paths as written (never on the file system), and `case`, `[[ == ]]` and `${X%pat}` match
//! globs.

/// `a/./b/../c/` → `a/c`; `.` → `` (the root of relative paths); absolute paths stay absolute.
pub fn normalize(path: &str) -> String {
    let abs = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            _ => parts.push(c),
        }
    }
    let s = parts.join("/");
    if abs { format!("/{s}") } else { s }
}

pub fn join(base: &str, path: &str) -> String {
    if path.starts_with('/') || base.is_empty() { normalize(path) } else { normalize(&format!("{base}/{path}")) }
}

/// The directory part of a normalised path (`a/b` → `a`, `b` → ``, `/b` → `/`).
pub fn dirname(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) if path.starts_with('/') => "/".to_string(),
        Some((head, _)) => head.to_string(),
        None => String::new(),
    }
}

/// A directory and each of its ancestors, up to the root of relative (or absolute) paths.
pub fn ancestors(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = normalize(dir);
    loop {
        out.push(cur.clone());
        if cur.is_empty() || cur == "/" || cur.split('/').all(|c| c == "..") {
            break;
        }
        cur = dirname(&cur);
    }
    if out.last().is_some_and(|l| !l.is_empty() && l != "/") {
        out.push(String::new());
    }
    out
}

/// How `pwd` prints a directory.
pub(super) fn display(dir: &str) -> String {
    if dir.is_empty() { ".".to_string() } else { dir.to_string() }
}

/// POSIX `dirname`.
pub(super) fn dirname_cmd(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { ".".into() } else { "/".into() };
    }
    match t.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let head = t[..i].trim_end_matches('/');
            if head.is_empty() { "/".into() } else { head.to_string() }
        }
    }
}

/// POSIX `basename`, with an optional suffix to remove.
pub(super) fn basename_cmd(p: &str, suffix: Option<&str>) -> String {
    let t = p.trim_end_matches('/');
    let base = t.rsplit('/').next().unwrap_or(t);
    match suffix {
        Some(s) if base.len() > s.len() && base.ends_with(s) => base[..base.len() - s.len()].to_string(),
        _ => base.to_string(),
    }
}

/// `${X#pat}`, `${X##pat}`, `${X%pat}`, `${X%%pat}`.
pub(super) fn trim(s: &str, pat: &str, prefix: bool, longest: bool) -> String {
    let mut cuts: Vec<usize> = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).collect();
    if prefix == longest {
        cuts.reverse();
    }
    for i in cuts {
        let (head, tail) = s.split_at(i);
        if prefix && glob_match(pat, head) {
            return tail.to_string();
        }
        if !prefix && glob_match(pat, tail) {
            return head.to_string();
        }
    }
    s.to_string()
}

/// A shell glob (`*`, `?`, `[…]`, `\` escapes) against a whole string.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, &t)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    // Iterative matching with one backtrack point for `*` (linear for typical patterns).
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => match class(&p[pi..], t[ti]) {
                Some((true, len)) => Some(len),
                _ => None,
            },
            Some('\\') if pi + 1 < p.len() => (p[pi + 1] == t[ti]).then_some(2),
            Some(c) => (*c == t[ti]).then_some(1),
            None => None,
        };
        match step {
            Some(n) => {
                pi += n;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A bracket expression at the start of `p`: (matches, its length).
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(1), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize("./k8s/production/database/"), "k8s/production/database");
        assert_eq!(normalize("a/b/../../.."), "..");
        assert_eq!(normalize("/a/../../b"), "/b");
        assert_eq!(normalize("."), "");
        assert_eq!(normalize("a/./b/../c"), "a/c");
        assert_eq!(normalize("./x"), "x");
        assert_eq!(normalize("../x/./y"), "../x/y");
        assert_eq!(join("fixtures/nexus/deploy/scripts", "../../k8s"), "fixtures/nexus/k8s");
        assert_eq!(join("x", "/abs/p"), "/abs/p");
        assert_eq!(
            ancestors("fixtures/nexus/deploy/scripts"),
            ["fixtures/nexus/deploy/scripts", "fixtures/nexus/deploy", "fixtures/nexus", "fixtures", ""]
        );
        assert_eq!(ancestors("/repo/deploy"), ["/repo/deploy", "/repo", "/"]);
        assert_eq!(ancestors(""), [""]);
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.yaml", "a.yaml"));
        assert!(!glob_match("*.yaml", "a.yml"));
        assert!(glob_match("prod*", "production"));
        assert!(glob_match("[0-9]?-*", "01-db"));
        assert!(!glob_match("[!a]*", "abc"));
        assert!(glob_match("a\\*", "a*"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn path_builtins() {
        assert_eq!(dirname_cmd("a/b/c.sh"), "a/b");
        assert_eq!(dirname_cmd("c.sh"), ".");
        assert_eq!(dirname_cmd("/c.sh"), "/");
        assert_eq!(dirname_cmd("a/b/"), "a");
        assert_eq!(basename_cmd("a/b/c.sh", Some(".sh")), "c");
        assert_eq!(trim("a/b/c", "*/", true, false), "b/c");
        assert_eq!(trim("a/b/c", "*/", true, true), "c");
        assert_eq!(trim("a/b/c", "/*", false, false), "a/b");
        assert_eq!(trim("a/b/c", "/*", false, true), "a");
    }
}
