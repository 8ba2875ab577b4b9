use crate::prelude::*;
use nexus_model::migration::{image_is_unknown, image_repository, image_tag};

declare_rule!(Warning);

/// Why an image reference is mutable, if it is.
pub fn mutable_reason(image: &str) -> Option<String> {
    if image.contains('@') || image_is_unknown(image) {
        return None;
    }
    match image_tag(image) {
        None => Some(format!("image `{image}` has no tag, so it runs whatever `latest` is at pull time")),
        Some("") => Some(format!("image `{image}` has an empty tag")),
        Some("latest") => Some(format!("image `{image}` uses the mutable tag `latest`")),
        Some(_) => None,
    }
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for w in &cx.platform.workloads {
        // A Compose service that builds its image names the local build result.
        if w.compose.as_ref().is_some_and(|c| c.build.is_some()) {
            continue;
        }
        for c in w.all_containers() {
            let Some(image) = &c.image else { continue };
            // A Skaffold artifact's tag is replaced when Skaffold deploys it.
            if image.value.trim().is_empty() || cx.platform.image_set_at_deploy(&image.value) {
                continue;
            }
            let Some(message) = mutable_reason(&image.value) else {
                continue;
            };
            let repo = image_repository(&image.value);
            let mut d = Diagnostic::new(META, image.span, message)
                .label("mutable image reference")
                .help(format!("Pin `{repo}` to a version tag or a digest (`{repo}@sha256:…`)."))
                .resource(&w.resource)
                .template(w.template.as_deref())
                .key(c.name.value.clone());
            if let Some(via) = image.via {
                d = d.secondary(via, format!("used by `{}` here", w.name.value));
            }
            out.push(d);
        }
    }
}
