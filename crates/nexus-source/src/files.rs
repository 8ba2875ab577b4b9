//! Access to files beyond the inputs: a Compose project's `.env`, `env_file`s, override files,
//! config and secret files. The front ends ask for them by path; this module reads them into
//! the [`SourceDb`] once, under the same size and content limits as the inputs.

use std::path::Path;

use crate::shell::eval::paths::normalize;
use crate::{FileId, SourceDb, read_path};

/// What a front end may ask of the file system.
pub trait Files {
    /// The file at `path` (as displayed: relative to where the run started), read and added to
    /// the source database on first use; None when it does not exist or cannot be read.
    fn load(&mut self, path: &str) -> Option<FileId>;
    /// Whether a path exists (for `file:` references that are not read).
    fn exists(&self, path: &str) -> bool;
    fn db(&self) -> &SourceDb;
}

/// Files from the disk (or, for in-memory runs, only the files already in the database).
pub struct DbFiles<'a> {
    pub db: &'a mut SourceDb,
    /// In-memory runs see only their own files.
    pub memory: bool,
    /// The size limit for files read.
    pub max: u64,
}

impl Files for DbFiles<'_> {
    fn load(&mut self, path: &str) -> Option<FileId> {
        let norm = normalize(path);
        if let Some(f) = self.db.find(&norm) {
            return Some(f.id);
        }
        if self.memory {
            return None;
        }
        let r = read_path(Path::new(&norm), self.max).ok()?;
        if r.problem.is_some() {
            return None;
        }
        Some(self.db.add(norm, r.text))
    }

    fn exists(&self, path: &str) -> bool {
        let norm = normalize(path);
        self.db.find(&norm).is_some() || (!self.memory && Path::new(&norm).exists())
    }

    fn db(&self) -> &SourceDb {
        self.db
    }
}
