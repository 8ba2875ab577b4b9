//! NX404 config-unvalidated: see `rules/config/NX404-config-unvalidated.md`.

use crate::prelude::*;
use nexus_model::ConfigKind;
use nexus_model::declared::SCHEMA_ANNOTATION;
use nexus_model::structured::DataFormat;

declare_rule!(Info);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for s in p.structured.iter().filter(|s| s.schema.is_none()) {
        let c = p.config(s.config);
        let Some(i) = s.entry else { continue };
        if !matches!(s.format, DataFormat::Json | DataFormat::Yaml | DataFormat::Toml | DataFormat::Properties)
            || c.kind != ConfigKind::ConfigMap
        {
            continue;
        }
        let key = &c.data[i].key.value;
        let fmt = s.format.as_str();
        let mut d = Diagnostic::new(
            META,
            s.span,
            format!("`{key}` of ConfigMap `{}` is {fmt} with no schema, so nothing checks it before the pods read it", c.name.value),
        )
        .label(format!("{fmt} with no schema"))
        .help(format!(
            "Declare a JSON Schema: `{SCHEMA_ANNOTATION}: schemas/<file>.json` on the ConfigMap (or `{SCHEMA_ANNOTATION}.{key}` \
             for this key alone), or `schemas: [{{name: {}, schema: …}}]` in `.nexus-lint.yaml`; NX403 then checks every value.",
            c.name.value
        ))
        .resource(&c.resource)
        .key(key.clone());
        if let Some(pr) = s.problems.first() {
            d = d.secondary(pr.span, format!("and it is not valid {fmt}: {}", pr.message));
        }
        out.push(d);
    }
}
