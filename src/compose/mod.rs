//! The Compose front end: Compose files → projects → services as workloads and endpoints.
//!
//! (Being written: see the compose issue notes.)

use crate::model::{
    ComposeProject, ConfigRef, ConfigSource, Edge, Endpoint, InputProblem, Suppression, Workload,
};
use crate::source::yaml::YamlFile;
use crate::source::{FileId, SourceDb};

/// Access to files beyond those given: a project's `.env`, `env_file`s, config and secret files.
pub trait Files {
    /// The file at `path` (as displayed: relative to where the run started), read and added to
    /// the source database on first use; None when it does not exist or cannot be read.
    fn load(&mut self, path: &str) -> Option<FileId>;
    /// Whether a path exists (for `file:` references that are not read).
    fn exists(&self, path: &str) -> bool;
    fn db(&self) -> &SourceDb;
}

/// What the Compose files of a run contribute to the platform. Ids are local to this model
/// (workload `i` is `WorkloadId(i)`, project `j` is `ProjectId(j)`); the caller offsets them.
#[derive(Debug, Default)]
pub struct ComposeModel {
    pub projects: Vec<ComposeProject>,
    pub workloads: Vec<Workload>,
    pub endpoints: Vec<Endpoint>,
    pub configs: Vec<ConfigSource>,
    pub config_refs: Vec<ConfigRef>,
    pub edges: Vec<Edge>,
    pub problems: Vec<InputProblem>,
    pub suppressions: Vec<Suppression>,
}

/// Builds the Compose model from the Compose files of a run (sorted by path).
pub fn build(files: &[(FileId, &YamlFile)], fs: &mut dyn Files) -> ComposeModel {
    let _ = (files, fs);
    ComposeModel::default()
}

/// Is this file name one Compose reads by default?
pub fn is_compose_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("compose.")
        || n.starts_with("docker-compose.")
        || n.starts_with("compose-")
        || n.starts_with("docker-compose-"))
        && (n.ends_with(".yml") || n.ends_with(".yaml"))
}
