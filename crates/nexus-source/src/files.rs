//! Access to files beyond the inputs: a Compose project's `.env`, `env_file`s, override files,
//! config and secret files. The front ends ask for them by path; this module reads them into
//! the [`SourceDb`] once, under the same size and content limits as the inputs, and only when
//! they resolve inside the checked roots ([`Roots`]): `env_file: /etc/shadow` or a `.env` that
//! links to `/proc/self/environ` is refused, never opened.

use std::path::Path;

use crate::roots::{Refusal, Roots};
use crate::shell::eval::paths::normalize;
use crate::{ContentProblem, FileId, SourceDb};

/// Why a file asked for is not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// It does not exist (or is a dangling link).
    Missing,
    /// It resolves outside the checked roots. A file asked to be read is put in the source
    /// database with no text, so that the refusal can be reported at it.
    Outside(Option<FileId>),
    /// It exists but cannot be used: unreadable, not a regular file, binary, too large.
    Unreadable(String),
}

/// What a front end may ask of the file system.
pub trait Files {
    /// The file at `path` (as displayed: relative to where the run started), read and added to
    /// the source database on first use; None when it does not exist or cannot be read.
    fn load(&mut self, path: &str) -> Option<FileId>;
    /// Whether a path exists (for `file:` references that are not read).
    fn exists(&self, path: &str) -> bool;
    fn db(&self) -> &SourceDb;
    /// Like [`Files::load`], saying why a file is not available.
    fn open(&mut self, path: &str) -> Result<FileId, Unavailable> {
        self.load(path).ok_or(Unavailable::Missing)
    }
    /// Like [`Files::exists`], saying why a file is not available. Nothing is read.
    fn check(&self, path: &str) -> Result<(), Unavailable> {
        if self.exists(path) { Ok(()) } else { Err(Unavailable::Missing) }
    }
    /// Whether a `.gitignore` of the checked tree excludes `path` ([`crate::roots::Roots::git_ignored`]).
    fn git_ignored(&self, _path: &str) -> bool {
        false
    }
}

/// Files from the disk under the roots (or, for in-memory runs, only the files already in the
/// database).
pub struct DbFiles<'a> {
    pub db: &'a mut SourceDb,
    /// In-memory runs see only their own files.
    pub memory: bool,
    /// The size limit for files read.
    pub max: u64,
    /// Where files may be read from.
    pub roots: &'a Roots,
}

impl Files for DbFiles<'_> {
    fn load(&mut self, path: &str) -> Option<FileId> {
        self.open(path).ok()
    }

    fn git_ignored(&self, path: &str) -> bool {
        !self.memory && self.roots.git_ignored(std::path::Path::new(&normalize(path)))
    }

    fn exists(&self, path: &str) -> bool {
        self.check(path).is_ok()
    }

    fn open(&mut self, path: &str) -> Result<FileId, Unavailable> {
        let norm = normalize(path);
        if let Some(f) = self.db.find(&norm) {
            // A file refused before is in the database with no text; it stays refused.
            return if f.text.is_empty() && self.refused(&norm) {
                Err(Unavailable::Outside(Some(f.id)))
            } else {
                Ok(f.id)
            };
        }
        if self.memory {
            return Err(Unavailable::Missing);
        }
        let r = self.roots.read(Path::new(&norm), self.max).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Unavailable::Missing,
            _ => Unavailable::Unreadable(crate::discover::io_message(&e)),
        })?;
        match r.problem {
            None => Ok(self.db.add(norm, r.text)),
            Some(ContentProblem::Outside) => Err(Unavailable::Outside(Some(self.db.add(norm, r.text)))),
            Some(p) => Err(Unavailable::Unreadable(p.message())),
        }
    }

    fn check(&self, path: &str) -> Result<(), Unavailable> {
        let norm = normalize(path);
        if let Some(f) = self.db.find(&norm) {
            return if f.text.is_empty() && self.refused(&norm) {
                Err(Unavailable::Outside(Some(f.id)))
            } else {
                Ok(())
            };
        }
        if self.memory {
            return Err(Unavailable::Missing);
        }
        match self.roots.resolve(Path::new(&norm)) {
            Ok(_) => Ok(()),
            Err(Refusal::Outside) => Err(Unavailable::Outside(None)),
            Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(Unavailable::Missing),
            Err(Refusal::Io(e)) => Err(Unavailable::Unreadable(crate::discover::io_message(&e))),
        }
    }

    fn db(&self) -> &SourceDb {
        self.db
    }
}

impl DbFiles<'_> {
    /// Was this path refused for leading outside the roots?
    fn refused(&self, norm: &str) -> bool {
        !self.memory && matches!(self.roots.resolve(Path::new(norm)), Err(Refusal::Outside))
    }
}
