//! NX502 component-version-skew: see `rules/versions/NX502-component-version-skew.md`.

use std::collections::BTreeMap;

use crate::prelude::*;
use nexus_model::migration::{image_is_unknown, image_name, image_repository, image_tag};
use nexus_model::{Container, Format, Platform, Spanned, Workload};

declare_rule!(Warning);

const VERSION_LABEL: &str = "app.kubernetes.io/version";
/// Labels that name the release a workload belongs to.
const RELEASE_LABELS: &[&str] = &["app.kubernetes.io/part-of", "app.kubernetes.io/instance", "release"];

/// The tag an image runs, or `latest` when it has none; None for digests and unknown images.
fn tag_of(image: &str) -> Option<&str> {
    if image.contains('@') || image_is_unknown(image) || image.contains("{{") || image.trim().is_empty() {
        return None;
    }
    Some(image_tag(image).unwrap_or("latest"))
}

fn norm(v: &str) -> &str {
    v.trim().strip_prefix('v').unwrap_or(v.trim())
}

/// The version a tag carries, for comparing tags: its leading `1.2.3` when it has one (a
/// repository that tags per component, `demo:3.0.0-cart` and `demo:3.0.0-ad`, is on one
/// version), else the whole tag.
fn version_of(tag: &str) -> &str {
    let t = norm(tag);
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let v = t[..end].trim_end_matches('.');
    if v.is_empty() { t } else { v }
}

/// The registry and organisation of an image: `ghcr.io/acme/api:1` → `ghcr.io/acme`.
fn org(image: &str) -> &str {
    let no_tag = image.split('@').next().unwrap_or(image);
    no_tag.rsplit_once('/').map_or("", |(o, _)| o)
}

/// Does a tag carry this version (`1.4.2`, `v1.4.2`, `1.4.2-alpine`, `1.4.2+build`)?
fn tag_matches(tag: &str, version: &str) -> bool {
    let (t, v) = (norm(tag), norm(version));
    t == v || t.strip_prefix(v).is_some_and(|rest| rest.starts_with(['-', '+', '_']))
}

fn label<'a>(p: &'a Platform, w: &'a Workload, key: &str) -> Option<&'a Spanned<String>> {
    w.pod_labels.get(key).or_else(|| w.object.and_then(|o| p.object(o).labels.get(key)))
}

/// A version-ish ordering key: numbers compare as numbers; `latest` sorts first.
fn order(tag: &str) -> (bool, Vec<u64>) {
    let nums = norm(tag).split(['.', '-']).map_while(|x| x.parse::<u64>().ok()).collect::<Vec<_>>();
    (!nums.is_empty(), nums)
}

/// (namespace, release, image name).
type Group<'p> = (Option<&'p str>, Option<&'p str>, &'p str);

struct Use<'p> {
    w: &'p Workload,
    c: &'p Container,
    image: &'p Spanned<String>,
    tag: &'p str,
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    // (namespace, release, repository) → uses.
    let mut groups: BTreeMap<Group<'_>, Vec<Use<'_>>> = BTreeMap::new();
    for w in p.workloads.iter().filter(|w| w.resource.format == Format::Kubernetes) {
        let release = RELEASE_LABELS.iter().find_map(|k| label(p, w, k)).map(|l| l.value.as_str());
        // With no release label and no namespace, nothing says two workloads ship together but
        // the file that holds both: a directory of standalone examples (a book's
        // `5-4-kuard-pod.yaml`, `12-4-rs-queue.yaml`) is not one release.
        let release = release.or_else(|| w.namespace.is_none().then(|| p.path(w.file)));
        for c in w.containers.iter() {
            let Some(image) = &c.image else { continue };
            let Some(tag) = tag_of(&image.value) else { continue };
            // Skaffold writes the tag it built.
            if p.image_set_at_deploy(&image.value) {
                continue;
            }
            // The whole name, registry included: `registry.k8s.io/redis` is not `redis`.
            let repo = image_name(&image.value);
            groups.entry((w.namespace.as_deref(), release, repo)).or_default().push(Use { w, c, image, tag });
        }
    }
    // The tag most workloads of a group run (ties: the highest version), one workload running
    // it, and the names of all that run it (computed once per group: per finding, a group of n
    // made n findings cost n² steps).
    let mut reference: BTreeMap<Group<'_>, (&str, &Use<'_>, String, usize)> = BTreeMap::new();
    for (k, uses) in &groups {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for u in uses {
            *count.entry(version_of(u.tag)).or_default() += 1;
        }
        let workloads: std::collections::BTreeSet<_> = uses.iter().map(|u| u.w.id).collect();
        if count.len() < 2 || workloads.len() < 2 {
            continue;
        }
        let best = count.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| order(a.0).cmp(&order(b.0)))).map(|x| *x.0);
        if let Some(best) = best
            && let Some(u) = uses.iter().find(|u| version_of(u.tag) == best)
        {
            let others: std::collections::BTreeSet<&str> =
                uses.iter().filter(|o| version_of(o.tag) == best).map(|o| o.w.name.value.as_str()).collect();
            let names = others.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
            reference.insert(*k, (best, u, names, others.len()));
        }
    }
    for (k, uses) in &groups {
        for u in uses {
            let mut why: Vec<String> = Vec::new();
            let mut d_secondary: Vec<(nexus_model::Span, String)> = Vec::new();
            let version = label(p, u.w, VERSION_LABEL).filter(|v| v.value.chars().any(|c| c.is_ascii_digit()));
            let main = is_main(u.w, u.c);
            if let Some(v) = version
                && main
                && !carries(u.w, &v.value)
                && label_is_image_version(p, u)
            {
                why.push(format!("its `{VERSION_LABEL}` label says `{}`", v.value));
                d_secondary.push((v.span, format!("version label `{}`", v.value)));
            }
            if let Some((best, r, names, count)) = reference.get(k)
                && version_of(u.tag) != *best
            {
                why.push(format!("{names} of the same release run{} `{}`", if *count == 1 { "s" } else { "" }, r.tag));
                d_secondary.push((r.image.span, format!("`{}` runs `{}` here", r.w.name.value, r.tag)));
            }
            if why.is_empty() {
                continue;
            }
            let repo = k.2;
            let mut d = Diagnostic::new(
                META,
                u.image.span,
                format!("`{}` runs `{repo}:{}`, but {}", u.w.name.value, u.tag, why.join(", and ")),
            )
            .label("version skew")
            .help(
                "Release the components of one version together: set every image of the release, and its \
                 `app.kubernetes.io/version` label, from one value (a Helm `appVersion`, a kustomize `images:` \
                 entry, one CI variable).",
            )
            .resource(&u.w.resource)
            .template(u.w.template.as_deref())
            .key(u.c.name.value.clone());
            for (span, text) in d_secondary {
                d = d.secondary(span, text);
            }
            out.push(d);
        }
    }
}

/// Does one of the workload's containers run the version its label names?
fn carries(w: &Workload, version: &str) -> bool {
    w.containers
        .iter()
        .filter_map(|c| c.image.as_ref())
        .filter_map(|i| tag_of(&i.value))
        .any(|t| tag_matches(t, version))
}

/// Is the version label this release's *image* version? Only where another workload of the
/// same namespace, on an image of the same organisation, runs the tag its own label names (an
/// umbrella chart stamps its own version on the third-party images it bundles, which is not
/// skew).
fn label_is_image_version(p: &Platform, u: &Use<'_>) -> bool {
    let o = org(&u.image.value);
    p.workloads.iter().filter(|w| w.id != u.w.id && w.namespace == u.w.namespace).any(|w| {
        let Some(v) = label(p, w, VERSION_LABEL) else { return false };
        w.containers.iter().filter_map(|c| c.image.as_ref()).any(|i| org(&i.value) == o) && carries(w, &v.value)
    })
}

/// The container the version label speaks of: the only one, or the one named like the workload
/// or its image, else the first.
fn is_main(w: &Workload, c: &Container) -> bool {
    if w.containers.len() == 1 {
        return true;
    }
    let named = w.containers.iter().find(|x| {
        let base = image_repository(x.image_str()).rsplit('/').next().unwrap_or("");
        w.name.value.contains(&x.name.value) || w.name.value.contains(base) && !base.is_empty()
    });
    std::ptr::eq(named.unwrap_or(&w.containers[0]), c)
}
