//! Deploy plans from shell scripts (being written).

use super::{DeployPlan, Platform};
use crate::source::{FileId, SourceDb};

/// Reads the deploy scripts among `files` into plans, resolving applied paths to objects.
pub fn plans(_db: &SourceDb, _platform: &Platform, _files: &[FileId]) -> Vec<DeployPlan> {
    Vec::new()
}
