//! NX403 config-schema-violation: see `rules/config/NX403-config-schema-violation.md`.

use crate::prelude::*;
use nexus_model::structured::ProblemKind;

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for s in &p.structured {
        // With no schema declared, a file that does not parse is NX404's note, not a finding.
        let Some(schema) = &s.schema else { continue };
        let c = p.config(s.config);
        let what = match s.entry {
            Some(i) => format!("`{}` of {} `{}`", c.data[i].key.value, c.kind.as_str(), c.name.value),
            None => format!("the data of {} `{}`", c.kind.as_str(), c.name.value),
        };
        for (n, pr) in s.problems.iter().enumerate() {
            let (message, label, help) = match pr.kind {
                ProblemKind::Violation => (
                    format!("{what} violates schema `{}`: {}", schema.written, pr.message),
                    format!("at `{}`", pr.pointer.as_deref().filter(|x| !x.is_empty()).unwrap_or("/")),
                    "Fix the value, or the schema if it is the schema that is out of date; the program reads \
                     this data as it is written."
                        .to_string(),
                ),
                ProblemKind::Syntax => (
                    pr.message.clone(),
                    format!("not valid {}", s.format.as_str()),
                    "The program fails to parse this file at start (or ignores it).".to_string(),
                ),
                ProblemKind::Schema => (
                    format!("{what} cannot be validated: {}", pr.message),
                    "schema declared here".to_string(),
                    "Commit the schema file and give its path relative to the manifest (annotation) or to \
                     `.nexus-lint.yaml` (`schemas:`)."
                        .to_string(),
                ),
            };
            let mut d =
                Diagnostic::new(META, pr.span, message).label(label).help(help).resource(&c.resource).key(format!(
                    "{}/{}/{n}",
                    s.entry.map_or("", |i| c.data[i].key.value.as_str()),
                    pr.pointer.as_deref().unwrap_or("")
                ));
            if let Some(at) = schema.declared_at
                && at != pr.span
            {
                d = d.secondary(at, format!("schema `{}` declared here", schema.written));
            }
            out.push(d);
        }
    }
}
