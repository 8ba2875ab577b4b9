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
//!
//! This stage runs after the rules. It reads the suppressions the front ends collected into the
//! model (annotations, Compose extensions, comments) as resource names and byte ranges, so it
//! needs no source text.

use globset::GlobMatcher;
use nexus_diagnostics::{Diagnostic, Suppressed, SuppressionKind};
use nexus_model::{Platform, Span, SuppressionScope};

/// An `ignores:` entry of the configuration, resolved.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// The codes of the rules it accepts.
    pub codes: Vec<&'static str>,
    /// Resource identity glob (`Deployment/prod/*`).
    pub resource: Option<GlobMatcher>,
    /// Path glob.
    pub path: Option<GlobMatcher>,
    pub reason: String,
    /// `YYYY-MM-DD`, after which the entry stops applying and is reported.
    pub expires: Option<String>,
    /// Where the entry is written in the configuration, to report it when unused or expired.
    pub span: Option<Span>,
}

/// What the run decided about suppressions.
pub struct Policy<'a> {
    pub ignores: &'a [Ignore],
    /// Today's date, `YYYY-MM-DD`.
    pub today: &'a str,
    /// Whether a rule (by code) runs.
    pub enabled: &'a dyn Fn(&str) -> bool,
}

/// The outcome of applying suppressions.
#[derive(Debug, Default)]
pub struct Applied {
    pub kept: Vec<Diagnostic>,
    /// Suppressed findings with the justification that accepted them.
    pub suppressed: Vec<Suppressed>,
}

fn matches_code(written: &str, d: &Diagnostic) -> bool {
    written.eq_ignore_ascii_case(d.code) || written == d.name
}

/// Applies the platform's suppressions and the configuration's ignores; adds NX006 for those
/// that suppress nothing (if NX006 is enabled).
pub fn apply(diags: Vec<Diagnostic>, platform: &Platform, policy: &Policy<'_>) -> Applied {
    let sups = &platform.suppressions;
    let mut used: Vec<Vec<bool>> = sups.iter().map(|s| vec![false; s.codes.len()]).collect();
    let mut cfg_used = vec![false; policy.ignores.len()];
    let mut out = Applied::default();
    let unused_suppression = crate::by_code("NX006").expect("NX006 is a rule");
    'diag: for d in diags {
        let at = d.span();
        for (si, s) in sups.iter().enumerate() {
            let in_scope = match &s.scope {
                SuppressionScope::Range(r) => r.file == at.file && r.start <= at.start && at.start < r.end,
                SuppressionScope::File(f) => *f == d.span().file,
                SuppressionScope::Resource(r) => d.resource.as_deref() == Some(r.as_str()),
            };
            if !in_scope {
                continue;
            }
            if let Some(ci) = s.codes.iter().position(|c| matches_code(&c.value, &d)) {
                used[si][ci] = true;
                let why = s.reason.clone().unwrap_or_else(|| "suppressed in the source".into());
                out.suppressed.push(Suppressed { diagnostic: d, justification: why, kind: SuppressionKind::InSource });
                continue 'diag;
            }
        }
        let path = platform.path(at.file);
        for (i, ig) in policy.ignores.iter().enumerate() {
            if ig.expires.as_deref().is_some_and(|e| e < policy.today) {
                continue;
            }
            let code_ok = ig.codes.contains(&d.code);
            let res_ok = ig.resource.as_ref().is_none_or(|m| d.resource.as_deref().is_some_and(|r| m.is_match(r)));
            let path_ok = ig.path.as_ref().is_none_or(|m| m.is_match(path));
            if code_ok && res_ok && path_ok {
                cfg_used[i] = true;
                out.suppressed.push(Suppressed {
                    diagnostic: d,
                    justification: ig.reason.clone(),
                    kind: SuppressionKind::External,
                });
                continue 'diag;
            }
        }
        out.kept.push(d);
    }
    if !(policy.enabled)(unused_suppression.code) {
        return out;
    }
    for (si, s) in sups.iter().enumerate() {
        for (ci, code) in s.codes.iter().enumerate() {
            if used[si][ci] {
                continue;
            }
            let rule = crate::by_code(&code.value).or_else(|| crate::by_name(&code.value));
            let message = match rule {
                None => format!("`{}` names no rule", code.value),
                Some(r) if !(policy.enabled)(r.code) => continue,
                Some(r) => format!("suppression of `{}` ({}) matches no finding", r.code, r.name),
            };
            let mut d = Diagnostic::new(unused_suppression, code.span, message)
                .label("unused")
                .help("Remove it: the finding it was written for is gone.")
                .key(code.value.clone());
            if let SuppressionScope::Resource(r) = &s.scope {
                d.resource = Some(r.clone());
            }
            out.kept.push(d);
        }
    }
    for (i, ig) in policy.ignores.iter().enumerate() {
        let Some(span) = ig.span else { continue };
        let expired = ig.expires.as_deref().filter(|e| *e < policy.today);
        if cfg_used[i] && expired.is_none() {
            continue;
        }
        if expired.is_none() && ig.codes.iter().all(|c| !(policy.enabled)(c)) {
            continue;
        }
        let message = match expired {
            Some(e) => format!("`ignores` entry for {} expired on {e}", ig.codes.join(", ")),
            None => format!("`ignores` entry for {} matches no finding", ig.codes.join(", ")),
        };
        let d = Diagnostic::new(unused_suppression, span, message)
            .label(if expired.is_some() { "expired" } else { "unused" })
            .help(if expired.is_some() {
                "Fix the finding, or renew the entry with a new `expires` date and reason."
            } else {
                "Remove the entry: the finding it accepted is gone."
            })
            .key(format!("config-{i}"));
        out.kept.push(d);
    }
    out
}
