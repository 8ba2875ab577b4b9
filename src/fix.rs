//! `nexus-lint fix`: applies the autofixes that rules offer, as the minimal text edits they
//! describe, so comments, quoting and indentation outside the edited bytes stay as written.
//!
//! The fixes are applied in passes, in memory: check, take every fix that does not overlap one
//! already taken (a fix's edits are taken together or not at all; two findings offering the
//! same edit share it), apply them, and check the edited text again, until a pass offers no
//! fix (at most [`MAX_PASSES`]). Only then is anything written, each file after checking that
//! its content hash is still that of the text that was read; `--diff` writes nothing and prints
//! a unified diff instead.
//!
//! Only discovered input files under the given paths are edited: never stdin, never a file
//! reached through a symlink or a reference that leads outside them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::check::{self, InputSpec, Outcome, Overlay};
use crate::config::Settings;
use nexus_diagnostics::{Diagnostic, Edit, Fix};
use nexus_source::discover;
use nexus_source::roots::Roots;

/// Passes after which `fix` stops even if fixes keep coming (they should not: a fix removes
/// its finding).
pub const MAX_PASSES: usize = 10;

/// One file's edit.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    /// The text as read.
    pub original: Arc<str>,
    pub fixed: String,
}

impl FileChange {
    /// A unified diff of the change, with `a/` and `b/` prefixes as git writes them.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&*self.original, &self.fixed)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.path), &format!("b/{}", self.path))
            .to_string()
    }
}

/// A fix that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub code: &'static str,
    pub line: u32,
    pub reason: String,
}

/// What the passes decided.
#[derive(Debug)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    /// Findings whose fix was applied.
    pub fixed: usize,
    /// Fixes that overlapped one taken in the same pass, and so waited for a later pass.
    pub deferred: usize,
    /// Fixes offered by the fixed text that were not applied.
    pub skipped: Vec<Skipped>,
    /// False if fixes still came after [`MAX_PASSES`].
    pub converged: bool,
    /// The check of the fixed text.
    pub outcome: Outcome,
}

fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.span.file == b.span.file
        && ((a.span.start < b.span.end && b.span.start < a.span.end) || a.span.start == b.span.start)
}

/// Applies non-overlapping edits to a text.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.range(), &e.replacement);
    }
    out
}

/// Is `path` itself a symbolic link? A fix renames its new text over the path it edits, which
/// would turn a link into a file; and a link's target is another file than the one checked.
fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// One pass's choice among the fixes, in order.
#[derive(Debug, Default)]
struct Pass {
    /// The edits to apply: every edit of each fix that overlaps no edit taken before it.
    taken: Vec<Edit>,
    /// Fixes taken (a fix whose edits were all taken already, for another finding, counts).
    fixed: usize,
    /// Fixes left for a later pass because they overlap one taken.
    deferred: usize,
}

fn choose<'a>(fixes: impl IntoIterator<Item = &'a Fix>) -> Pass {
    let mut pass = Pass::default();
    for fix in fixes {
        let new: Vec<&Edit> = fix.edits.iter().filter(|e| !pass.taken.contains(e)).collect();
        if new.iter().any(|e| pass.taken.iter().any(|t| overlaps(e, t))) {
            pass.deferred += 1;
            continue;
        }
        pass.taken.extend(new.into_iter().cloned());
        pass.fixed += 1;
    }
    pass
}

fn skip_of(d: &Diagnostic, outcome: &Outcome, reason: String) -> Skipped {
    let f = outcome.loaded.db.get(d.span().file);
    Skipped { file: f.path.clone(), code: d.code, line: f.position(d.span().start).line, reason }
}

/// Runs the passes; writes nothing.
pub fn plan(paths: &[String], settings: &Settings) -> Plan {
    let spec = InputSpec::Paths(paths.to_vec());
    // The roots `check` reads under: a file may be written only where it may be read.
    let roots = Roots::for_args(paths);
    let inputs: BTreeSet<String> = discover::discover(paths, &settings.exclude)
        .inputs
        .into_iter()
        .filter(|i| i.path.is_some())
        .map(|i| i.display)
        .collect();
    // Why a file may not be written, if it may not.
    let unwritable = |p: &str| {
        if !inputs.contains(p) {
            Some(format!("`{p}` is not one of the files checked"))
        } else if roots.resolve(Path::new(p)).is_err() {
            Some(format!("`{p}` resolves to a file outside the paths given"))
        } else if is_link(Path::new(p)) {
            Some(format!("`{p}` is a symbolic link; `fix` edits only regular files"))
        } else {
            None
        }
    };
    let mut overlay = Overlay::new();
    let mut originals: BTreeMap<String, Arc<str>> = BTreeMap::new();
    let (mut fixed, mut deferred, mut converged) = (0, 0, false);
    let mut skipped = Vec::new();
    let mut outcome = check::check_with(&spec, settings, &overlay);
    for _ in 0..MAX_PASSES {
        let db = &outcome.loaded.db;
        skipped.clear();
        let mut fixes = Vec::new();
        for d in &outcome.diagnostics {
            let Some(fix) = &d.fix else { continue };
            match fix.edits.iter().find_map(|e| unwritable(&db.get(e.span.file).path)) {
                Some(why) => skipped.push(skip_of(d, &outcome, why)),
                None => fixes.push(fix),
            }
        }
        let pass = choose(fixes);
        if pass.taken.is_empty() {
            converged = true;
            break;
        }
        fixed += pass.fixed;
        deferred += pass.deferred;
        let mut by_file: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
        for e in pass.taken {
            by_file.entry(db.get(e.span.file).path.clone()).or_default().push(e);
        }
        for (path, edits) in by_file {
            let text = db.find(&path).map(|f| f.text.clone()).unwrap_or_else(|| Arc::from(""));
            originals.entry(path.clone()).or_insert_with(|| text.clone());
            overlay.insert(path, Arc::from(apply_edits(&text, &edits)));
        }
        outcome = check::check_with(&spec, settings, &overlay);
    }
    if !converged {
        skipped = outcome
            .diagnostics
            .iter()
            .filter(|d| d.fix.is_some())
            .map(|d| skip_of(d, &outcome, format!("fixes kept coming after {MAX_PASSES} passes")))
            .collect();
    }
    skipped.dedup();
    let changes = originals
        .into_iter()
        .filter_map(|(path, original)| {
            let fixed = overlay.get(&path)?.to_string();
            (*original != *fixed).then_some(FileChange { path, original, fixed })
        })
        .collect();
    Plan { changes, fixed, deferred, skipped, converged, outcome }
}

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("`{0}` changed since it was read; it was not written (run `nexus-lint fix` again)")]
    Changed(String),
    #[error("cannot write `{0}`: {1}")]
    Io(String, std::io::Error),
    #[error("`{0}` became a symbolic link since it was read; it was not written")]
    Link(String),
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Writes one change, if the file still holds the text that was read: through a temporary
/// file beside it, renamed over it, with the original's permissions.
pub fn write(change: &FileChange) -> Result<(), WriteError> {
    let path = Path::new(&change.path);
    let io = |e| WriteError::Io(change.path.clone(), e);
    // Never through a link: the path was a regular file when it was planned; if it is a link
    // now, whatever it leads to is not the file that was checked.
    if is_link(path) {
        return Err(WriteError::Link(change.path.clone()));
    }
    let now = std::fs::read(path).map_err(io)?;
    if sha256(&now) != sha256(change.original.as_bytes()) {
        return Err(WriteError::Changed(change.path.clone()));
    }
    let perms = std::fs::metadata(path).map_err(io)?.permissions();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.nexus-lint-fix.{}", std::process::id()));
    let result = std::fs::write(&tmp, change.fixed.as_bytes())
        .and_then(|()| std::fs::set_permissions(&tmp, perms))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_source::{FileId, Span};

    fn edit(start: u32, end: u32, r: &str) -> Edit {
        Edit { span: Span::new(FileId(0), start, end), replacement: r.into() }
    }

    #[test]
    fn edits_apply_back_to_front() {
        assert_eq!(apply_edits("abcdef", &[edit(0, 1, "X"), edit(4, 6, "YZW"), edit(2, 2, "+")]), "Xb+cdYZW");
    }

    #[test]
    fn a_pass_takes_the_fixes_that_overlap_none_before_them() {
        let fix = |edits: Vec<Edit>| Fix { message: String::new(), edits };
        let a = fix(vec![edit(0, 5, "A")]);
        let b = fix(vec![edit(3, 8, "B")]);
        let c = fix(vec![edit(10, 12, "C"), edit(20, 20, "c")]);
        let same_as_a = fix(vec![edit(0, 5, "A")]);
        let d = fix(vec![edit(6, 7, "D"), edit(11, 11, "d")]);
        let pass = choose([&a, &b, &c, &same_as_a, &d]);
        assert_eq!(pass.taken, [edit(0, 5, "A"), edit(10, 12, "C"), edit(20, 20, "c")]);
        assert_eq!((pass.fixed, pass.deferred), (3, 2), "b overlaps a; d's second edit overlaps c's: all or nothing");
    }

    #[test]
    fn overlap_rules() {
        assert!(overlaps(&edit(0, 4, ""), &edit(3, 5, "")));
        assert!(!overlaps(&edit(0, 3, ""), &edit(3, 5, "")));
        assert!(overlaps(&edit(3, 3, "a"), &edit(3, 5, "")), "an insertion where another edit starts is ambiguous");
        let other_file = Edit { span: Span::new(FileId(1), 0, 4), replacement: String::new() };
        assert!(!overlaps(&edit(0, 4, ""), &other_file));
    }

    /// A file that became a link after it was planned is not written, nor what it leads to.
    #[cfg(unix)]
    #[test]
    fn a_link_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let (target, link) = (dir.path().join("target.yaml"), dir.path().join("link.yaml"));
        std::fs::write(&target, "a: 1\n").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let change = FileChange {
            path: link.to_string_lossy().into_owned(),
            original: Arc::from("a: 1\n"),
            fixed: "a: 2\n".into(),
        };
        assert!(matches!(write(&change), Err(WriteError::Link(_))));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a: 1\n");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
}
