//! Suppressions: which findings the repository or the config accept, and which suppressions
//! accept nothing (NX006).
//!
//! - `# nexus-lint: ignore[NX101,NX402] reason` — a trailing comment covers findings starting on
//!   its line; an own-line comment covers the next line. `# nexus-lint: ignore-file[NX005]`
//!   covers the whole file.
//! - `nexus-lint.io/ignore: "NX101,NX402"` on an object (or its pod template), and Compose
//!   `x-nexus-lint: {ignore: [NX101]}` on a service, cover findings on that resource.
//! - `.nexus-lint.yaml` `ignores:` entries cover findings by rule, resource glob and path glob,
//!   until their `expires` date.
//!
//! A suppression of an enabled rule that matches nothing is reported, so stale ones get removed.

use super::{Diagnostic, Label};
use crate::config::Settings;
use crate::model::{Spanned, Suppression, SuppressionScope};
use crate::rules::{self, input::UNUSED_SUPPRESSION};
use crate::source::yaml::YamlFile;
use crate::source::{FileId, SourceDb, Span};

/// Reads `# nexus-lint: ignore[...]` comments of one file.
pub fn comment_suppressions(yaml: &YamlFile, db: &SourceDb) -> Vec<Suppression> {
    let src = db.get(yaml.file);
    let mut out = Vec::new();
    for c in &yaml.comments {
        let text = yaml.comment_text(c);
        let Some(rest) = text.trim_start().strip_prefix("nexus-lint:") else {
            continue;
        };
        let rest = rest.trim_start();
        let (file_wide, rest) = match rest.strip_prefix("ignore-file") {
            Some(r) => (true, r),
            None => match rest.strip_prefix("ignore") {
                Some(r) => (false, r),
                None => continue,
            },
        };
        let Some(inner) = rest.strip_prefix('[') else {
            continue;
        };
        let Some(close) = inner.find(']') else {
            continue;
        };
        let list = &inner[..close];
        let reason = inner[close + 1..].trim();
        // Byte offset of `list` in the file.
        let list_start = c.start + 1 + (list.as_ptr() as usize - text.as_ptr() as usize) as u32;
        let mut codes = Vec::new();
        let mut offset = 0usize;
        for part in list.split(',') {
            let code = part.trim();
            let lead = part.len() - part.trim_start().len();
            if !code.is_empty() {
                let s = list_start + (offset + lead) as u32;
                codes.push(Spanned::new(code.to_string(), Span::new(yaml.file, s, s + code.len() as u32)));
            }
            offset += part.len() + 1;
        }
        let line = src.lines.line_of(c.start);
        let scope = if file_wide {
            SuppressionScope::File(yaml.file)
        } else if c.trailing {
            SuppressionScope::Line { file: yaml.file, line }
        } else {
            SuppressionScope::Line { file: yaml.file, line: line + 1 }
        };
        out.push(Suppression {
            codes,
            scope,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            span: Span::new(yaml.file, c.start, c.end),
        });
    }
    out
}

/// The outcome of applying suppressions.
#[derive(Debug, Default)]
pub struct Applied {
    pub kept: Vec<Diagnostic>,
    /// Suppressed findings with the justification that accepted them.
    pub suppressed: Vec<(Diagnostic, String)>,
}

fn matches_code(written: &str, d: &Diagnostic) -> bool {
    written.eq_ignore_ascii_case(d.code) || written == d.name
}

/// Applies suppressions and config ignores; adds NX006 for unused ones (if NX006 is enabled).
/// `config_file` is the config's file in `db`, for locating its unused entries.
pub fn apply(
    diags: Vec<Diagnostic>,
    sups: &[Suppression],
    settings: &Settings,
    db: &SourceDb,
    config_file: Option<FileId>,
) -> Applied {
    let mut used: Vec<Vec<bool>> = sups.iter().map(|s| vec![false; s.codes.len()]).collect();
    let mut cfg_used = vec![false; settings.ignores.len()];
    let mut out = Applied::default();
    'diag: for d in diags {
        let line = db.get(d.span().file).lines.line_of(d.span().start);
        for (si, s) in sups.iter().enumerate() {
            let in_scope = match &s.scope {
                SuppressionScope::Line { file, line: l } => *file == d.span().file && *l == line,
                SuppressionScope::File(f) => *f == d.span().file,
                SuppressionScope::Resource(r) => d.resource.as_deref() == Some(r.as_str()),
            };
            if !in_scope {
                continue;
            }
            if let Some(ci) = s.codes.iter().position(|c| matches_code(&c.value, &d)) {
                used[si][ci] = true;
                let why = s.reason.clone().unwrap_or_else(|| "suppressed in the source".into());
                out.suppressed.push((d, why));
                continue 'diag;
            }
        }
        let path = &db.get(d.span().file).path;
        for (i, ig) in settings.ignores.iter().enumerate() {
            if ig.entry.expires.as_deref().is_some_and(|e| e < settings.today.as_str()) {
                continue;
            }
            let code_ok = ig.codes.contains(&d.code);
            let res_ok = ig.resource.as_ref().is_none_or(|m| d.resource.as_deref().is_some_and(|r| m.is_match(r)));
            let path_ok = ig.path.as_ref().is_none_or(|m| m.is_match(path));
            if code_ok && res_ok && path_ok {
                cfg_used[i] = true;
                out.suppressed.push((d, ig.entry.reason.clone()));
                continue 'diag;
            }
        }
        out.kept.push(d);
    }
    if !settings.is_enabled(UNUSED_SUPPRESSION.code) {
        return out;
    }
    for (si, s) in sups.iter().enumerate() {
        for (ci, code) in s.codes.iter().enumerate() {
            if used[si][ci] {
                continue;
            }
            let rule = rules::by_code(&code.value).or_else(|| rules::by_name(&code.value));
            let message = match rule {
                None => format!("`{}` names no rule", code.value),
                Some(r) if !settings.is_enabled(r.meta().code) => continue,
                Some(r) => format!("suppression of `{}` ({}) matches no finding", r.meta().code, r.meta().name),
            };
            let mut d = Diagnostic::new(&UNUSED_SUPPRESSION, code.span, message)
                .label("unused")
                .help("Remove it: the finding it was written for is gone.")
                .key(code.value.clone());
            if let SuppressionScope::Resource(r) = &s.scope {
                d.resource = Some(r.clone());
            }
            out.kept.push(d);
        }
    }
    if let Some(file) = config_file {
        let src = db.get(file);
        for (i, ig) in settings.ignores.iter().enumerate() {
            let expired = ig.entry.expires.as_deref().filter(|e| *e < settings.today.as_str());
            if cfg_used[i] && expired.is_none() {
                continue;
            }
            if expired.is_none() && ig.codes.iter().all(|c| !settings.is_enabled(c)) {
                continue;
            }
            let start = src.lines.line_start(ig.line).unwrap_or(0);
            let end = src.text[start as usize..].find('\n').map_or(src.text.len() as u32, |n| start + n as u32);
            let message = match expired {
                Some(e) => format!("`ignores` entry for {} expired on {e}", ig.codes.join(", ")),
                None => format!("`ignores` entry for {} matches no finding", ig.codes.join(", ")),
            };
            let mut d = Diagnostic::new(&UNUSED_SUPPRESSION, Span::new(file, start, end), message)
                .label(if expired.is_some() { "expired" } else { "unused" })
                .help(if expired.is_some() {
                    "Fix the finding, or renew the entry with a new `expires` date and reason."
                } else {
                    "Remove the entry: the finding it accepted is gone."
                })
                .key(format!("config-{i}"));
            d.secondary.retain(|l: &Label| l.span.file == file);
            out.kept.push(d);
        }
    }
    out
}
