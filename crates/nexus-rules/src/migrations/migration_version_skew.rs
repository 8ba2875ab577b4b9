//! NX203 migration-version-skew: see `rules/migrations/NX203-migration-version-skew.md`.

use super::{migration_image, users_own_first};
use crate::prelude::*;
use nexus_model::migration::{image_is_unknown, image_repository, image_tag};
use nexus_model::{MigrationSite, WorkloadId};

declare_rule!(Warning);

/// The version part of an image reference: its tag (`latest` when none) and digest.
fn version(image: &str) -> (String, Option<&str>) {
    let digest = image.split_once('@').map(|(_, d)| d);
    (image_tag(image).unwrap_or("latest").to_string(), digest)
}

fn shown(image: &str) -> String {
    match version(image) {
        (_, Some(d)) => format!("@{}", d.get(..19).unwrap_or(d)),
        (t, None) => format!(":{t}"),
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for m in &p.migrations {
        let Some(mi) = migration_image(p, m) else { continue };
        if image_is_unknown(&mi.value) {
            continue;
        }
        let repo = image_repository(&mi.value);
        // The app it migrates for: a user of its datastore on the same image; an init container
        // or entrypoint migrates for its own workload.
        let candidates: Vec<WorkloadId> = match m.site {
            MigrationSite::Workload => users_own_first(p, m),
            _ => vec![m.workload],
        };
        let app = candidates.into_iter().find_map(|w| {
            let c = p.workload(w).containers.first()?;
            let i = c.image.as_ref()?;
            (image_repository(&i.value) == repo && !image_is_unknown(&i.value)).then_some((w, i))
        });
        let Some((app, ai)) = app else { continue };
        let (mv, av) = (version(&mi.value), version(&ai.value));
        if mv == av || (mv.1.is_some() && mv.1 == av.1) {
            continue;
        }
        let aw = p.workload(app);
        let floating = mv.1.is_none() && mv.0 == "latest";
        let message = if floating {
            format!(
                "the migration runs `{repo}{}`, whatever that is at pull time, while `{}` runs `{}`",
                shown(&mi.value),
                aw.name.value,
                shown(&ai.value)
            )
        } else {
            format!(
                "the migration runs `{repo}{}` while `{}`, which it migrates for, runs `{}`",
                shown(&mi.value),
                aw.name.value,
                shown(&ai.value)
            )
        };
        out.push(
            Diagnostic::new(META, mi.span, message)
                .label("the schema this image migrates to is not the one the app expects")
                .secondary(ai.span, format!("`{}` runs this build", aw.name.value))
                .help(format!("Pin the same tag as the app, `{}`, and bump both together in each release.", ai.value))
                .resource(&p.workload(m.workload).resource)
                .key(format!("{}:{}", m.container, aw.resource)),
        );
    }
}
