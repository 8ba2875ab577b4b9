//! The real-world corpus `fixtures/real/`: public platforms copied at a pinned commit
//! (`fixtures/real/SOURCES.md`), each checked on its own, with every warning and error judged by
//! hand in `fixtures/real/REVIEW.md` (right / debatable / wrong) and the real defects of each
//! platform labelled there, found or not.
//!
//! These tests keep the review and today's findings in step — a new finding cannot land
//! unjudged, a judged one cannot silently disappear — check that every defect the review marks
//! as found is reported where it says (and that one marked as missed is still missed), and keep
//! `docs/precision.md` generated from the review (`UPDATE_DOCS=1 cargo test --test tests real::`
//! rewrites it).
//!
//! Fingerprints include the path as given on the command line, so the corpus is checked as
//! `fixtures/real/<project>` from the package root, exactly as
//! `nexus-lint check --no-config --format json fixtures/real/<project>` prints them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use nexus_diagnostics::Severity;
use nexus_lint::check::{self, InputSpec};

use crate::util::settings;

const REVIEW: &str = "fixtures/real/REVIEW.md";
const PRECISION: &str = "docs/precision.md";

/// A judgment of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// A real defect a platform engineer would thank us for.
    Right,
    /// Technically true, but noise a platform engineer would switch the rule off for.
    Debatable,
    /// A false alarm: the tool misunderstood the YAML or its semantics.
    Wrong,
}

impl Verdict {
    fn parse(s: &str) -> Option<Verdict> {
        match s {
            "right" => Some(Verdict::Right),
            "debatable" => Some(Verdict::Debatable),
            "wrong" => Some(Verdict::Wrong),
            _ => None,
        }
    }
}

/// A row of a project's findings table.
#[derive(Debug, Clone)]
pub struct Judged {
    pub fingerprint: String,
    pub rule: String,
    /// `file:line`, relative to the project directory.
    pub place: String,
    pub verdict: Verdict,
    pub reason: String,
}

/// A row of a project's "Defects" table: a real defect labelled by hand.
#[derive(Debug, Clone)]
pub struct Defect {
    pub place: String,
    /// The rule that should report it (implemented or not).
    pub rule: String,
    /// Whether today's build reports it with that rule at that place.
    pub found: bool,
    pub text: String,
}

/// The review of one project (`## <directory>`).
#[derive(Debug, Clone, Default)]
pub struct ProjectReview {
    pub name: String,
    pub judged: Vec<Judged>,
    pub defects: Vec<Defect>,
}

/// The cells of a Markdown table row; the last cell keeps any `|` it contains.
fn cells(line: &str, n: usize) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let parts: Vec<String> = inner.splitn(n, '|').map(|c| c.trim().to_string()).collect();
    (parts.len() == n).then_some(parts)
}

/// Parses `REVIEW.md`: `## project`, its findings table, `### Defects` and its table.
pub fn parse_review(text: &str) -> Result<Vec<ProjectReview>, String> {
    let mut out: Vec<ProjectReview> = Vec::new();
    let mut in_defects = false;
    for (i, line) in text.lines().enumerate() {
        let at = |msg: &str| format!("{REVIEW}:{}: {msg}: {line}", i + 1);
        if let Some(name) = line.strip_prefix("## ") {
            out.push(ProjectReview { name: name.trim().to_string(), ..ProjectReview::default() });
            in_defects = false;
            continue;
        }
        if line.trim() == "### Defects" {
            in_defects = true;
            continue;
        }
        if !line.trim_start().starts_with('|') || line.trim_start().starts_with("|---") {
            continue;
        }
        let Some(project) = out.last_mut() else { return Err(at("table row before any `## project`")) };
        if in_defects {
            let c = cells(line, 4).ok_or_else(|| at("a defect row needs 4 cells"))?;
            if c[0] == "where" {
                continue;
            }
            let found = match c[2].as_str() {
                "yes" => true,
                "no" => false,
                _ => return Err(at("`found` must be yes or no")),
            };
            project.defects.push(Defect { place: c[0].clone(), rule: c[1].clone(), found, text: c[3].clone() });
        } else {
            let c = cells(line, 5).ok_or_else(|| at("a finding row needs 5 cells"))?;
            if c[0] == "fingerprint" {
                continue;
            }
            let verdict = Verdict::parse(&c[3]).ok_or_else(|| at("verdict must be right, debatable or wrong"))?;
            project.judged.push(Judged {
                fingerprint: c[0].clone(),
                rule: c[1].clone(),
                place: c[2].clone(),
                verdict,
                reason: c[4].clone(),
            });
        }
    }
    Ok(out)
}

fn read_review() -> Vec<ProjectReview> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(REVIEW)).unwrap();
    parse_review(&text).unwrap_or_else(|e| panic!("{e}"))
}

/// A warning or error of today's build on one project.
#[derive(Debug, Clone)]
pub struct Finding {
    pub fingerprint: String,
    pub rule: String,
    pub place: String,
    pub message: String,
}

/// The project directories under `fixtures/real/`, sorted.
pub fn projects() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real");
    let mut out: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Checks `fixtures/real/<project>` on its own and returns its warnings and errors.
pub fn findings(project: &str) -> Vec<Finding> {
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        cwd.canonicalize().unwrap(),
        Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap(),
        "the corpus is checked by relative path (fingerprints include it): run from the package root"
    );
    let dir = format!("fixtures/real/{project}");
    let o = check::check(&InputSpec::Paths(vec![dir.clone()]), &settings());
    let prefix = format!("{dir}/");
    o.diagnostics
        .iter()
        .filter(|d| d.severity > Severity::Info)
        .map(|d| {
            let f = o.loaded.db.get(d.span().file);
            let path = f.path.strip_prefix(&prefix).unwrap_or(&f.path);
            Finding {
                fingerprint: d.fingerprint.clone(),
                rule: d.code.to_string(),
                place: format!("{path}:{}", f.position(d.span().start).line),
                message: d.message.clone(),
            }
        })
        .collect()
}

#[test]
fn review_judges_every_finding_and_nothing_else() {
    let review = read_review();
    let reviewed: BTreeMap<&str, &ProjectReview> = review.iter().map(|p| (p.name.as_str(), p)).collect();
    let dirs = projects();
    let mut problems = Vec::new();
    for p in &review {
        if !dirs.contains(&p.name) {
            problems.push(format!("## {}: no such directory under fixtures/real", p.name));
        }
    }
    for dir in &dirs {
        let Some(p) = reviewed.get(dir.as_str()) else {
            problems.push(format!("## {dir}: missing from {REVIEW} (add the section, even with empty tables)"));
            continue;
        };
        let found = findings(dir);
        let rows: BTreeMap<(&str, &str), &Judged> =
            p.judged.iter().map(|j| ((j.fingerprint.as_str(), j.rule.as_str()), j)).collect();
        if rows.len() != p.judged.len() {
            problems.push(format!("## {dir}: a fingerprint is judged twice"));
        }
        let keys: BTreeSet<(&str, &str)> = found.iter().map(|f| (f.fingerprint.as_str(), f.rule.as_str())).collect();
        for f in &found {
            match rows.get(&(f.fingerprint.as_str(), f.rule.as_str())) {
                None => problems.push(format!(
                    "## {dir}: unjudged: | {} | {} | {} | ? | {} |",
                    f.fingerprint, f.rule, f.place, f.message
                )),
                Some(j) if j.place != f.place => problems.push(format!(
                    "## {dir}: moved: {} {} is now at {} (the review says {})",
                    f.fingerprint, f.rule, f.place, j.place
                )),
                Some(_) => {}
            }
        }
        for j in &p.judged {
            if !keys.contains(&(j.fingerprint.as_str(), j.rule.as_str())) {
                problems.push(format!(
                    "## {dir}: stale (no longer reported): {} {} {} ({:?}: {})",
                    j.fingerprint, j.rule, j.place, j.verdict, j.reason
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{REVIEW} is out of step with today's findings; judge new findings by hand, remove stale rows:\n{}",
        problems.join("\n")
    );
}

#[test]
fn labelled_defects_are_found_where_the_review_says() {
    let mut problems = Vec::new();
    for p in read_review() {
        if p.defects.is_empty() {
            continue;
        }
        let found = findings(&p.name);
        let reported = |d: &Defect| found.iter().any(|f| f.rule == d.rule && f.place == d.place);
        for d in &p.defects {
            match (d.found, reported(d)) {
                (true, false) => problems.push(format!(
                    "## {}: marked found but {} is not reported at {}: {}",
                    p.name, d.rule, d.place, d.text
                )),
                (false, true) => problems
                    .push(format!("## {}: now found — mark it `yes`: {} at {}: {}", p.name, d.rule, d.place, d.text)),
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Right / debatable / wrong counts of one rule's warnings and errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub right: usize,
    pub debatable: usize,
    pub wrong: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.right + self.debatable + self.wrong
    }
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Right => self.right += 1,
            Verdict::Debatable => self.debatable += 1,
            Verdict::Wrong => self.wrong += 1,
        }
    }
}

/// Per-rule verdict counts over the whole review.
pub fn precision_by_rule(review: &[ProjectReview]) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for j in review.iter().flat_map(|p| &p.judged) {
        out.entry(j.rule.clone()).or_default().add(j.verdict);
    }
    out
}

/// Per-rule (labelled, found) defect counts over the whole review.
pub fn recall_by_rule(review: &[ProjectReview]) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for d in review.iter().flat_map(|p| &p.defects) {
        let e = out.entry(d.rule.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(d.found);
    }
    out
}

/// `n / d` as a percentage to one decimal, halves rounded up (so that 94.6% is not shown as
/// 95%); `–` when there is nothing to divide.
fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        return "–".to_string();
    }
    let tenths = (2000 * n + d) / (2 * d);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// Issue 8's bar: at least 95% of the warnings and errors judged right, none wrong. A rule
/// change that brings back noise fails here, not in a user's pull request.
#[test]
fn the_review_meets_the_precision_target() {
    let review = read_review();
    let all = precision_by_rule(&review).values().fold(Counts::default(), |mut a, c| {
        a.right += c.right;
        a.debatable += c.debatable;
        a.wrong += c.wrong;
        a
    });
    assert_eq!(all.wrong, 0, "findings judged wrong in fixtures/real/REVIEW.md");
    assert!(
        all.right * 100 >= all.total() * 95,
        "{} of {} warnings and errors judged right ({}): under 95%",
        all.right,
        all.total(),
        pct(all.right, all.total())
    );
}

/// The content of `docs/precision.md`, generated from the review.
pub fn precision_markdown(review: &[ProjectReview]) -> String {
    let mut s = String::new();
    s.push_str("# Precision and recall on real platforms\n\n");
    s.push_str(
        "Generated from `fixtures/real/REVIEW.md` by `tests/real.rs`; do not edit by hand \
         (`UPDATE_DOCS=1 cargo test --test tests real::` rewrites it).\n\n",
    );
    s.push_str(
        "`fixtures/real/` holds public platforms (see `fixtures/real/SOURCES.md`), each checked on \
         its own. Every warning and error is judged by hand: *right* — a real defect a platform \
         engineer would thank us for; *debatable* — technically true, but noise they would switch \
         the rule off for; *wrong* — a false alarm. Each platform's real defects are labelled too, \
         with the rule that should report them (implemented or not) and whether today's build does.\n\n",
    );
    let by_rule = precision_by_rule(review);
    let mut all = Counts::default();
    s.push_str("## Warnings and errors, by rule\n\n");
    s.push_str("| rule | right | debatable | wrong | total | right % |\n|---|---|---|---|---|---|\n");
    for (rule, c) in &by_rule {
        let _ = writeln!(
            s,
            "| {rule} | {} | {} | {} | {} | {} |",
            c.right,
            c.debatable,
            c.wrong,
            c.total(),
            pct(c.right, c.total())
        );
        all.right += c.right;
        all.debatable += c.debatable;
        all.wrong += c.wrong;
    }
    let _ = writeln!(
        s,
        "| **all** | {} | {} | {} | {} | {} |",
        all.right,
        all.debatable,
        all.wrong,
        all.total(),
        pct(all.right, all.total())
    );
    s.push_str("\n## Labelled defects found, by rule\n\n");
    s.push_str("| rule | labelled | found | found % |\n|---|---|---|---|\n");
    let (mut labelled, mut found) = (0, 0);
    for (rule, (l, f)) in recall_by_rule(review) {
        let _ = writeln!(s, "| {rule} | {l} | {f} | {} |", pct(f, l));
        labelled += l;
        found += f;
    }
    let _ = writeln!(s, "| **all** | {labelled} | {found} | {} |", pct(found, labelled));
    // Defects whose rule is not implemented yet cannot be found; the recall of what exists:
    let (mut l_impl, mut f_impl) = (0, 0);
    for (rule, (l, f)) in recall_by_rule(review) {
        if nexus_rules::by_code(&rule).is_some() {
            l_impl += l;
            f_impl += f;
        }
    }
    let _ = writeln!(s, "| **all, rules implemented** | {l_impl} | {f_impl} | {} |", pct(f_impl, l_impl));
    s.push_str("\n## By platform\n\n");
    s.push_str("| platform | warnings and errors | right | debatable | wrong | defects | found |\n");
    s.push_str("|---|---|---|---|---|---|---|\n");
    for p in review {
        let mut c = Counts::default();
        for j in &p.judged {
            c.add(j.verdict);
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            p.name,
            c.total(),
            c.right,
            c.debatable,
            c.wrong,
            p.defects.len(),
            p.defects.iter().filter(|d| d.found).count()
        );
    }
    s
}

#[test]
fn docs_precision_md_is_generated_from_the_review() {
    let expected = precision_markdown(&read_review());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PRECISION);
    if std::env::var("UPDATE_DOCS").as_deref() == Ok("1") {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == expected,
        "{PRECISION} is out of date; run `UPDATE_DOCS=1 cargo test --test tests real::` or write:\n\n{expected}"
    );
}

#[test]
fn review_parser_reads_both_tables() {
    let text = "# Review\n\n## demo\n\n| fingerprint | rule | where | verdict | reason |\n|---|---|---|---|---|\n\
                | 0123456789abcdef | NX101 | compose.yaml:3 | wrong | gated through `a | b` |\n\n### Defects\n\n\
                | where | rule | found | defect |\n|---|---|---|---|\n| compose.yaml:9 | NX503 | no | `redis:alpine` |\n";
    let r = parse_review(text).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].name, "demo");
    assert_eq!(r[0].judged[0].verdict, Verdict::Wrong);
    assert_eq!(r[0].judged[0].reason, "gated through `a | b`");
    assert!(!r[0].defects[0].found && r[0].defects[0].rule == "NX503");
    let counts = precision_by_rule(&r);
    assert_eq!(counts["NX101"], Counts { right: 0, debatable: 0, wrong: 1 });
    assert!(parse_review("## x\n| 0 | NX1 | a:1 | maybe | r |\n").is_err());
}
