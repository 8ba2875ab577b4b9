//! NX503 floating-image-tag: see `rules/versions/NX503-floating-image-tag.md`.

use crate::prelude::*;
use nexus_diagnostics::Severity;
use nexus_model::migration::{image_is_unknown, image_repository, image_tag};

declare_rule!(Warning);

/// What a tag says about the version it runs.
#[derive(Debug, PartialEq, Eq)]
pub enum TagKind {
    /// No version at all (`alpine`, `stable`, `lts`, `centos7`, `e2e`): it moves like `latest`.
    Floating,
    /// Only a major version (`15`, `7-alpine`, `v2`): minor and patch releases arrive on pull.
    MajorOnly(String),
    /// A version with a minor part, a build number, a date or a commit: pinned enough.
    Pinned,
}

/// Words of a tag that name a base image, a variant or a channel, never a release.
const VARIANTS: &[&str] = &[
    "alpine",
    "slim",
    "bookworm",
    "bullseye",
    "buster",
    "stretch",
    "trixie",
    "jammy",
    "focal",
    "noble",
    "bionic",
    "xenial",
    "debian",
    "ubuntu",
    "apache",
    "fpm",
    "cli",
    "zts",
    "perl",
    "management",
    "windowsservercore",
    "nanoserver",
    "jdk",
    "jre",
    "openjdk",
    "temurin",
    "ubi",
    "distroless",
    "nonroot",
    "root",
    "rootless",
    "musl",
    "glibc",
    "community",
    "enterprise",
    "full",
    "minimal",
    "stable",
    "mainline",
    "edge",
    "lts",
    "current",
    "nightly",
    "beta",
    "alpha",
    "rc",
    "dev",
    "canary",
    "release",
    "latest",
];

/// Classifies a tag.
pub fn classify(tag: &str) -> TagKind {
    let t = tag.to_ascii_lowercase();
    // A commit (`sha-1a2b3c4`, `git-…`, a bare 7+ hex digits) or a date pins what runs.
    let is_hex =
        |w: &str| w.len() >= 7 && w.chars().all(|c| c.is_ascii_hexdigit()) && w.chars().any(|c| c.is_ascii_digit());
    let words: Vec<&str> = t.split(['-', '_', '+']).filter(|w| !w.is_empty()).collect();
    if words.iter().any(|w| is_hex(w)) || t.starts_with("sha-") || t.starts_with("sha256") {
        return TagKind::Pinned;
    }
    // The version: the first word that starts with a digit (or `v` and a digit).
    let version = words.iter().find_map(|w| {
        let v = w.strip_prefix('v').unwrap_or(w);
        v.starts_with(|c: char| c.is_ascii_digit()).then_some(v)
    });
    let Some(v) = version else {
        // Only words: a channel (`stable`, `lts`), a variant (`alpine`), a base OS with its own
        // release (`centos7`, `ubi8`), a label (`e2e`).
        return TagKind::Floating;
    };
    let parts: Vec<&str> = v.split('.').collect();
    let major_only = parts.len() == 1 && parts[0].chars().all(|c| c.is_ascii_digit()) && parts[0].len() < 4;
    if major_only {
        let rest: Vec<&str> = words.iter().copied().filter(|w| w.strip_prefix('v').unwrap_or(w) != v).collect();
        // `7-alpine` is the major version of the image; `centos7-3` and the like are not.
        if rest.iter().all(|w| VARIANTS.iter().any(|x| w.starts_with(x))) {
            return TagKind::MajorOnly(v.to_string());
        }
    }
    TagKind::Pinned
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for w in &cx.platform.workloads {
        // A Compose service that builds its image names the local build result.
        if w.compose.as_ref().is_some_and(|c| c.build.is_some()) {
            continue;
        }
        for c in w.all_containers() {
            let Some(image) = &c.image else { continue };
            let value = image.value.trim();
            if value.is_empty()
                || value.contains('@')
                || image_is_unknown(value)
                || cx.platform.image_set_at_deploy(value)
            {
                continue;
            }
            // No tag and `latest` are NX501's.
            let Some(tag) = image_tag(value).filter(|t| !t.is_empty() && *t != "latest") else { continue };
            let repo = image_repository(value);
            let d = match classify(tag) {
                TagKind::Pinned => continue,
                TagKind::Floating => Diagnostic::new(
                    META,
                    image.span,
                    format!("image `{value}` uses the tag `{tag}`, which names no version: it moves like `latest`"),
                )
                .label("floating tag"),
                TagKind::MajorOnly(major) => Diagnostic::new(
                    META,
                    image.span,
                    format!("image `{value}` pins only the major version `{major}`: every pull may bring another minor release"),
                )
                .label("major version only")
                .severity(Severity::Info),
            };
            let mut d = d
                .help(format!("Pin `{repo}` to a full version tag (`{repo}:<major>.<minor>.<patch>`, keeping the variant) or a digest (`{repo}@sha256:…`)."))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        for t in [
            "alpine",
            "stable",
            "lts",
            "mainline",
            "edge",
            "slim",
            "apache",
            "centos7",
            "e2e",
            "stable-alpine",
            "bookworm-slim",
            "ubi8",
        ] {
            assert_eq!(classify(t), TagKind::Floating, "{t}");
        }
        for (t, m) in [("15", "15"), ("7-alpine", "7"), ("v2", "2"), ("3-slim-bookworm", "3"), ("20-lts", "20")] {
            assert_eq!(classify(t), TagKind::MajorOnly(m.into()), "{t}");
        }
        for t in [
            "16.4",
            "7.4.1-alpine",
            "v1.38.0",
            "8.6-alpine",
            "20240101",
            "sha-1a2b3c4",
            "1a2b3c4d",
            "2024.01",
            "1.0.0-rc.1",
            "v0.10.6",
            "9.2-management",
        ] {
            assert_eq!(classify(t), TagKind::Pinned, "{t}");
        }
    }
}
