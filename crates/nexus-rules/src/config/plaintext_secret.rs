//! NX407 plaintext-secret: see `rules/config/NX407-plaintext-secret.md`.
//!
//! Never prints a value it finds: messages name the variable or key, and the human report
//! blanks the value's bytes in its snippet (`nexus_model::redact`).

use crate::prelude::*;
use nexus_model::redact::{is_secret_name, url_password};
use nexus_model::{ConfigKind, Format, Spanned};

declare_rule!(Warning);

/// Name parts that say a variable is *about* a credential, not one (`PASSWORD_MIN_LENGTH`,
/// `TOKEN_TTL`, `POSTGRES_PASSWORD_FILE`, `SECRET_NAME`).
const ABOUT: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "NAME",
    "LENGTH",
    "LEN",
    "TTL",
    "EXPIR",
    "TIMEOUT",
    "ENABLED",
    "ENABLE",
    "REQUIRED",
    "HEADER",
    "FIELD",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ID",
    "TYPE",
    "MODE",
    "METHOD",
    "ALGORITHM",
    "VERSION",
    "KEY_REF",
    "REF",
    "LIFETIME",
    "DURATION",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "PROVIDER",
    "STORE",
    "ROTATION",
    "POLICY",
    "USER",
    "USERNAME",
];

/// Extensions of files a ConfigMap key names (`configure_secret.sh`): the key is a file name.
const FILE_EXTENSIONS: &[&str] = &[
    "sh",
    "bash",
    "py",
    "js",
    "json",
    "yaml",
    "yml",
    "toml",
    "conf",
    "cfg",
    "ini",
    "xml",
    "txt",
    "properties",
    "env",
    "tpl",
    "lua",
    "rb",
    "md",
];

fn about_a_secret(name: &str) -> bool {
    if name.rsplit_once('.').is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())) {
        return true;
    }
    let n = name.to_ascii_uppercase().replace(['-', '.'], "_");
    n.split('_').any(|part| ABOUT.contains(&part))
}

/// A value that is not a credential: empty, a reference, a path, a number, a boolean, or
/// something that says it is a placeholder to replace.
fn not_a_credential(v: &str) -> bool {
    let t = v.trim();
    let lower = t.to_ascii_lowercase();
    t.len() < 4
        || t.contains("$(")
        || t.contains("${")
        || t.contains("{{")
        || t.starts_with('/')
        || t.bytes().all(|b| b.is_ascii_digit())
        || matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "null" | "none" | "required" | "optional")
        || lower.starts_with("<") && lower.ends_with('>')
        // A placeholder named like a variable, to be replaced (`GOOGLE_API_KEY_VAL`).
        || t.bytes().all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
}

/// Is the value written as is at its span (plain, or quoted without escapes)? A value Compose
/// interpolated (`${DB_PASSWORD}`, `${DB_PASSWORD:-dev}`) is not: the file holds a reference,
/// and the credential, if any, sits in `.env` or the shell.
fn written_as_is(v: &Spanned<String>) -> bool {
    let len = (v.span.end - v.span.start) as usize;
    len == v.value.len() || len == v.value.len() + 2
}

/// Where a credential sits in the value: the whole value (a credential-named variable), or a
/// password inside a connection URL.
fn credential(name: &str, v: &Spanned<String>) -> Option<&'static str> {
    if is_secret_name(name) && !about_a_secret(name) && !not_a_credential(&v.value) {
        return Some("a credential");
    }
    url_password(&v.value).map(|_| "a connection URL with its password")
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        if w.project.is_some_and(|id| p.projects[id.index()].fragment) {
            continue;
        }
        let compose = w.resource.format == Format::Compose;
        for c in w.all_containers() {
            for e in &c.env {
                let Some(v) = &e.value else { continue };
                // Interpolated from `.env` or the shell: the manifest holds a reference.
                if v.via.is_some()
                    || v.span.file != w.file
                    || !written_as_is(v)
                    || w.compose.as_ref().is_some_and(|x| x.interpolated_env.contains(&e.name.value))
                {
                    continue;
                }
                let Some(what) = credential(&e.name.value, v) else { continue };
                let (where_, help) = if compose {
                    (
                        "in the service's `environment`",
                        "Move it out of the file: a Compose secret (`secrets:` with `file:` or `environment:`, read \
                         through `<NAME>_FILE`), or `${VAR}` interpolated from an untracked `.env`.",
                    )
                } else {
                    (
                        "in the pod spec",
                        "Read it from a Secret: `valueFrom: {secretKeyRef: {name: …, key: …}}` (for a URL, \
                         interpolate the password: `postgres://app:$(DB_PASSWORD)@db/app`).",
                    )
                };
                let mut d = Diagnostic::new(
                    META,
                    v.span,
                    format!("`{}` sets `{}` to {what} written in plain text {where_}", w.name.value, e.name.value),
                );
                if compose {
                    // Compose files are mostly local and sample stacks with throwaway passwords:
                    // a note, not a warning.
                    d = d.severity(nexus_diagnostics::Severity::Info);
                }
                out.push(
                    d.label("plaintext credential (value not shown)")
                        .help(format!("{help} Anyone who can read the repository, or `kubectl get -o yaml`, reads it."))
                        .resource(&w.resource)
                        .template(w.template.as_deref())
                        .key(format!("{}/{}", c.name.value, e.name.value)),
                );
            }
        }
    }
    for cfg in p.configs.iter().filter(|c| c.kind == ConfigKind::ConfigMap && c.generated.is_none()) {
        for e in &cfg.data {
            let Some(v) = &e.value else { continue };
            if v.span.file != cfg.file || !written_as_is(v) {
                continue;
            }
            let Some(what) = credential(&e.key.value, v) else { continue };
            out.push(
                Diagnostic::new(
                    META,
                    v.span,
                    format!("`{}` of ConfigMap `{}` is {what} in plain text", e.key.value, cfg.name.value),
                )
                .label("plaintext credential (value not shown)")
                .help(
                    "Put it in a Secret (ConfigMaps are readable by anything that can read the namespace's \
                     configuration, and show up in `kubectl describe`), and read it with `secretKeyRef`.",
                )
                .resource(&cfg.resource)
                .key(e.key.value.clone()),
            );
        }
    }
    for s in &p.structured {
        let cfg = p.config(s.config);
        if cfg.kind != ConfigKind::ConfigMap {
            continue;
        }
        let Some(i) = s.entry else { continue };
        for (key, value, span) in &s.credentials {
            if about_a_secret(key) || not_a_credential(value) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META,
                    *span,
                    format!(
                        "`{}` of ConfigMap `{}` holds a credential under `{key}`",
                        cfg.data[i].key.value, cfg.name.value
                    ),
                )
                .label("plaintext credential (value not shown)")
                .help(
                    "Keep the file's secret parts in a Secret: mount the whole file from a Secret, or have the \
                     program read this value from an env var or file that a Secret provides.",
                )
                .resource(&cfg.resource)
                .key(format!("{}/{key}", cfg.data[i].key.value)),
            );
        }
    }
}
