//! Baselines: adopt nexus-lint on a repository that already has findings. `--write-baseline`
//! records today's findings; `--baseline` then hides them, so only new findings are reported
//! and fail the run, and reports the recorded ones that are gone as fixed.
//!
//! Findings are matched by rule code and fingerprint, which hashes the file path, the resource,
//! the node's structural path and a rule-specific key — not the message or the line — so
//! editing elsewhere in a file, or rewording a rule's message, keeps a finding matched.
//!
//! The file (`docs/baseline.md`) is JSON with one finding per line, sorted by file, code and
//! fingerprint, so that its diffs read as "these findings were fixed, these accepted".

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use nexus_diagnostics::{Diagnostic, Suppressed};
use nexus_report::{BaselineStatus, Fixed};
use nexus_source::SourceDb;

/// The version of the file format.
pub const VERSION: u64 = 1;

/// The largest baseline read: about 400,000 findings.
pub const MAX_BASELINE_BYTES: u64 = 64 << 20;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    pub code: String,
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default)]
    pub resource: Option<String>,
    /// Other files the finding points into (its secondary labels): a finding that joins files
    /// (Compose against Kubernetes, say) is called fixed only by a run that checked them all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[allow(dead_code)]
    version: u64,
    findings: Vec<Entry>,
}

/// A baseline: the findings it accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub entries: Vec<Entry>,
}

impl Baseline {
    /// The findings of a run, sorted.
    pub fn of(diags: &[Diagnostic], db: &SourceDb) -> Baseline {
        let mut entries: Vec<Entry> = diags
            .iter()
            .map(|d| {
                let file = db.get(d.span().file).path.clone();
                let also: BTreeSet<String> =
                    d.secondary.iter().map(|l| db.get(l.span.file).path.clone()).filter(|p| *p != file).collect();
                Entry {
                    file,
                    code: d.code.to_string(),
                    fingerprint: d.fingerprint.clone(),
                    resource: d.resource.clone(),
                    also: also.into_iter().collect(),
                }
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline { entries }
    }

    /// The file's text: pretty JSON with one entry per line.
    pub fn render(&self) -> String {
        let mut s = format!("{{\n  \"version\": {VERSION},\n  \"findings\": [");
        for (i, e) in self.entries.iter().enumerate() {
            s.push_str(if i == 0 { "\n    " } else { ",\n    " });
            // Paths and resources come from the repository: control characters as JSON escapes.
            s.push_str(&nexus_report::escape::json(&serde_json::to_string(e).unwrap_or_default()));
        }
        s.push_str(if self.entries.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
        s
    }

    /// Parses a baseline file's text; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(VERSION) => {}
            Some(v) => return Err(format!("version {v} is not supported; this nexus-lint reads version {VERSION}")),
            None => return Err("no `version` (expected `\"version\": 1`)".into()),
        }
        let file: FileFormat = serde_json::from_value(value).map_err(|e| e.to_string())?;
        let mut entries = file.findings;
        entries.sort();
        Ok(Baseline { entries })
    }

    /// Reads a baseline file: a regular file (`--baseline /dev/zero` or a FIFO is refused, not
    /// read forever), at most [`MAX_BASELINE_BYTES`].
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = crate::config::read_regular(path, MAX_BASELINE_BYTES)
            .map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
        Baseline::parse(&text).map_err(|e| format!("invalid baseline `{}`: {e}", path.display()))
    }

    /// Removes the findings the baseline holds. A baseline entry that matches no finding, kept
    /// or suppressed, is fixed if its file was checked in this run or no longer exists; an
    /// entry for a file that exists but was not checked (a narrower run) is neither, nor is one
    /// whose other files (`also`) exist and were not all checked.
    pub fn apply(
        &self,
        diags: Vec<Diagnostic>,
        suppressed: &[Suppressed],
        db: &SourceDb,
        path: &str,
    ) -> (Vec<Diagnostic>, BaselineStatus) {
        let known: BTreeSet<(&str, &str)> =
            self.entries.iter().map(|e| (e.code.as_str(), e.fingerprint.as_str())).collect();
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        let mut matched = 0;
        let mut kept = Vec::with_capacity(diags.len());
        for d in &diags {
            let key = (d.code, d.fingerprint.as_str());
            if known.contains(&key) {
                matched += 1;
                seen.insert(key);
            } else {
                kept.push(d.clone());
            }
        }
        for s in suppressed {
            seen.insert((s.diagnostic.code, s.diagnostic.fingerprint.as_str()));
        }
        let checked: BTreeSet<&str> = db.files().iter().map(|f| f.path.as_str()).collect();
        let fixed = self
            .entries
            .iter()
            .filter(|e| !seen.contains(&(e.code.as_str(), e.fingerprint.as_str())))
            .filter(|e| checked.contains(e.file.as_str()) || !Path::new(&e.file).exists())
            .filter(|e| e.also.iter().all(|f| checked.contains(f.as_str()) || !Path::new(f).exists()))
            .map(|e| Fixed {
                file: e.file.clone(),
                code: e.code.clone(),
                resource: e.resource.clone(),
                fingerprint: e.fingerprint.clone(),
            })
            .collect();
        (kept, BaselineStatus { path: path.to_string(), matched, fixed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, code: &str, fp: &str) -> Entry {
        Entry {
            file: file.into(),
            code: code.into(),
            fingerprint: fp.into(),
            resource: Some("Pod/web".into()),
            also: Vec::new(),
        }
    }

    #[test]
    fn render_parse_round_trip_one_entry_per_line() {
        let b = Baseline { entries: vec![entry("a.yaml", "NX101", "00ff"), entry("b.yaml", "NX501", "11aa")] };
        let text = b.render();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"findings\": [\n    {\"file\":\"a.yaml\",\"code\":\"NX101\",\"fingerprint\":\"00ff\",\"resource\":\"Pod/web\"},\n    {\"file\":\"b.yaml\",\"code\":\"NX501\",\"fingerprint\":\"11aa\",\"resource\":\"Pod/web\"}\n  ]\n}\n"
        );
        assert_eq!(Baseline::parse(&text).unwrap(), b);
        let empty = Baseline::default();
        assert_eq!(Baseline::parse(&empty.render()).unwrap(), empty);
    }

    #[test]
    fn invalid_files_say_why() {
        assert!(Baseline::parse("nope").unwrap_err().starts_with("not JSON"));
        assert!(Baseline::parse("{\"findings\": []}").unwrap_err().contains("no `version`"));
        assert!(Baseline::parse("{\"version\": 2, \"findings\": []}").unwrap_err().contains("version 2"));
        assert!(
            Baseline::parse("{\"version\": 1, \"findings\": [{\"file\": \"a\"}]}")
                .unwrap_err()
                .contains("missing field")
        );
        assert!(Baseline::parse("{\"version\": 1, \"entries\": []}").unwrap_err().contains("unknown field"));
    }
}
