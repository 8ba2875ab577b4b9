//! What one Compose file says about its services and top-level definitions, before files are
//! merged: [`Layer`]s of [`Draft`]s, where absent fields stay absent so that an override file's
//! draft can be laid over the base file's the way Compose merges files.

use std::collections::BTreeMap;

use crate::{DependsOnDecl, EnvVar, InputProblem, Spanned, Suppression};
use nexus_source::{FileId, Span};

/// What one Compose document declares.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: Option<Spanned<String>>,
    pub services: Vec<Draft>,
    pub configs: Vec<TopDef>,
    pub secrets: Vec<TopDef>,
    /// Problems found while reading (invalid durations, ports, commands).
    pub problems: Vec<InputProblem>,
}

/// A service's `build:`.
#[derive(Debug, Clone)]
pub struct Build {
    /// The key and value.
    pub span: Span,
    /// What it says about the Dockerfile (read for the image it starts from), when it is a
    /// context path or a mapping.
    pub spec: Option<super::dockerfile::BuildSpec>,
}

/// What one file says about one service.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The service's key, as first defined.
    pub name: Spanned<String>,
    pub file: FileId,
    /// The whole service mapping, as first defined.
    pub span: Span,
    pub image: Option<Spanned<String>>,
    pub build: Option<Build>,
    pub entrypoint: Option<Vec<Spanned<String>>>,
    pub command: Option<Vec<Spanned<String>>>,
    /// Merged by variable name.
    pub environment: Vec<EnvVar>,
    /// Variables of `environment` whose value Compose interpolated (`${DB_PASSWORD}`).
    pub interpolated_env: Vec<String>,
    pub env_files: Vec<EnvFileRef>,
    pub ports: Vec<PortEntry>,
    pub expose: Vec<ExposeEntry>,
    pub healthcheck: Option<Health>,
    /// Merged by target service.
    pub depends_on: Vec<Dep>,
    /// The `depends_on` value as written.
    pub depends_on_decl: Option<DependsOnDecl>,
    /// `links` entries: the service part of `svc[:alias]`.
    pub links: Vec<Spanned<String>>,
    pub replicas: Option<Spanned<i64>>,
    pub scale: Option<Spanned<i64>>,
    pub requests: BTreeMap<String, Spanned<String>>,
    pub limits: BTreeMap<String, Spanned<String>>,
    pub restart: Option<Spanned<String>>,
    pub profiles: Vec<Spanned<String>>,
    /// Networks by name, with their aliases.
    pub networks: Vec<(String, Vec<Spanned<String>>)>,
    pub hostname: Option<Spanned<String>>,
    pub container_name: Option<Spanned<String>>,
    pub configs: Vec<Mount>,
    pub secrets: Vec<Mount>,
    /// Bind mounts of host paths (`./setup/entrypoint.sh:/entrypoint.sh:ro`): (source as
    /// written, target in the container).
    pub binds: Vec<(String, String)>,
    pub labels: BTreeMap<String, Spanned<String>>,
    pub annotations: BTreeMap<String, Spanned<String>>,
    /// `x-nexus-lint: {ignore: […]}`.
    pub ignore: Vec<Suppression>,
    /// Uses `extends` or `provider`, so `image`/`build` may come from elsewhere.
    pub extended: bool,
    /// `extends:`, resolved by [`super::extends`] when the file is read.
    pub extends: Option<Extends>,
    /// Keys set to `!reset` (scalars only: the parser keeps no tags on collections).
    pub resets: Vec<String>,
}

/// `extends: base` or `extends: {service: base, file: other.yml}`.
#[derive(Debug, Clone)]
pub struct Extends {
    pub service: Spanned<String>,
    pub file: Option<Spanned<String>>,
    /// The whole `extends` value.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct EnvFileRef {
    /// The path as written (interpolated), spanned.
    pub path: Spanned<String>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct PortEntry {
    pub host_ip: String,
    pub target: Spanned<i64>,
    /// The host port or range; empty when Compose picks a random host port.
    pub published: Option<Spanned<String>>,
    /// `tcp`, `udp`, `sctp`.
    pub protocol: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ExposeEntry {
    pub port: Spanned<i64>,
    pub protocol: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// `["CMD", …]`: exec'd as is.
    Exec,
    /// `["CMD-SHELL", "…"]` or a string: run by the container's shell.
    Shell,
    /// `["NONE"]`: the image's healthcheck is disabled.
    Disable,
}

#[derive(Debug, Clone)]
pub struct Health {
    pub key_span: Span,
    pub span: Span,
    pub test: Option<(Vec<Spanned<String>>, TestKind)>,
    pub interval: Option<Spanned<i64>>,
    pub timeout: Option<Spanned<i64>>,
    pub retries: Option<Spanned<i64>>,
    pub start_period: Option<Spanned<i64>>,
    pub start_interval: Option<Spanned<i64>>,
    pub disable: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Dep {
    pub target: Spanned<String>,
    pub condition: String,
    pub required: bool,
    pub restart: bool,
    pub short_form: bool,
}

/// A service's `configs`/`secrets` entry.
#[derive(Debug, Clone)]
pub struct Mount {
    pub source: Spanned<String>,
    /// Where it is mounted (the merge key).
    pub target: String,
}

/// A top-level `configs:`/`secrets:` definition.
#[derive(Debug, Clone)]
pub struct TopDef {
    pub name: Spanned<String>,
    pub file: FileId,
    pub span: Span,
    pub path: Option<Spanned<String>>,
    pub environment: Option<Spanned<String>>,
    pub content: Option<Spanned<String>>,
    pub external: bool,
    pub labels: BTreeMap<String, Spanned<String>>,
}
