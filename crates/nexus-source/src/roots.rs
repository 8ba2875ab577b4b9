//! Confinement: nexus-lint reads only files that lie under the checked roots once every symlink
//! is resolved. A pull request can add a symlink to `/proc/self/environ`, to `~/.aws/credentials`
//! or to `/proc`, and a Compose file can name `env_file: /etc/shadow`; such paths are refused
//! (the caller reports them) and never opened.
//!
//! The roots of a run are the directories given on the command line; for a file given, the
//! working directory when the file is under it (the pre-commit hook and the GitHub Action pass
//! files relative to the repository they run in), else the file's own directory; for stdin, the
//! working directory. Each root is itself resolved, so a root given as a symlink is its target.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The directories a run may read under: resolved, and as given (absolute, `..` removed), so
/// that a path can be refused before the file system is asked anything about it.
#[derive(Clone, Debug, Default)]
pub struct Roots {
    dirs: Vec<PathBuf>,
    given: Vec<PathBuf>,
    directories: Directories,
}

/// What each directory asked about resolves to, and the names in it, read once per run (issue
/// 15): a file's path resolves as its directory's resolved path and its name unless the file
/// itself is a symlink, so a file costs one `lstat` instead of a resolution of every component;
/// and most files a run asks for do not exist (the templates of a missing override or env
/// file, sixteen spellings each), which a directory's listing answers without the file system.
/// Listings are read only for directories that resolve under a root. Nothing is written during
/// a run, so what is cached stays true for the whole of it.
#[derive(Debug, Default)]
struct Directories(std::sync::Mutex<HashMap<PathBuf, Directory>>);

#[derive(Clone, Debug)]
struct Directory {
    /// The directory resolved, when it resolves.
    resolved: Option<PathBuf>,
    /// Its names, when it resolves under a root and can be read.
    names: Option<std::sync::Arc<HashSet<OsString>>>,
}

impl Clone for Directories {
    fn clone(&self) -> Directories {
        Directories::default()
    }
}

impl Directories {
    fn directory(&self, dir: &Path, roots: &Roots) -> Directory {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let resolved = dir.canonicalize().ok();
                let inside = resolved.as_ref().is_some_and(|d| roots.contains(d));
                let names = inside
                    .then(|| std::fs::read_dir(dir).ok())
                    .flatten()
                    .map(|entries| std::sync::Arc::new(entries.filter_map(|e| Some(e.ok()?.file_name())).collect()));
                Directory { resolved, names }
            })
            .clone()
    }

    /// `path` resolved (as [`Path::canonicalize`] would), or why it cannot be.
    fn resolve(&self, path: &Path, roots: &Roots) -> std::io::Result<PathBuf> {
        let (Some(dir), Some(std::path::Component::Normal(name))) = (path.parent(), path.components().next_back())
        else {
            return path.canonicalize();
        };
        let d = self.directory(dir, roots);
        if d.names.as_ref().is_some_and(|names| !names.contains(name)) {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        match d.resolved {
            Some(resolved) if !std::fs::symlink_metadata(path)?.file_type().is_symlink() => Ok(resolved.join(name)),
            _ => path.canonicalize(),
        }
    }
}

/// `path` made absolute (against the working directory) with `.` and `..` removed as text.
fn lexical(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    // The working directory does not change during a run: asked once.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        CWD.get_or_init(|| std::env::current_dir().ok()).as_ref()?.join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Why a path may not be read.
#[derive(Debug)]
pub enum Refusal {
    /// It resolves to a place outside every root.
    Outside,
    /// It cannot be resolved (missing, a dangling link, a symlink loop, permission denied).
    Io(std::io::Error),
}

impl Roots {
    /// The roots for command-line paths (see the module docs).
    pub fn for_args(args: &[String]) -> Roots {
        let cwd = std::env::current_dir().ok();
        let cwd_resolved = cwd.as_ref().and_then(|d| d.canonicalize().ok());
        let (mut dirs, mut given) = (Vec::new(), Vec::new());
        for arg in args {
            let path = Path::new(arg);
            let dir = if arg == "-" {
                cwd.clone()
            } else if path.is_dir() {
                Some(path.to_path_buf())
            } else {
                // The file's directory, resolved; not the file, which may be a link out.
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                match (&cwd_resolved, parent.canonicalize()) {
                    (Some(c), Ok(p)) if p.starts_with(c) => cwd.clone(),
                    _ => Some(parent),
                }
            };
            let Some(dir) = dir else { continue };
            dirs.extend(dir.canonicalize().ok());
            given.extend(lexical(&dir));
        }
        let mut roots = Roots::new(dirs);
        given.sort();
        given.dedup();
        roots.given = given;
        roots
    }

    /// Roots from directories that are already resolved.
    pub fn new(mut dirs: Vec<PathBuf>) -> Roots {
        dirs.sort();
        dirs.dedup();
        Roots { given: dirs.clone(), dirs, directories: Directories::default() }
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Does a resolved path lie under a root?
    pub fn contains(&self, resolved: &Path) -> bool {
        self.dirs.iter().any(|d| resolved.starts_with(d))
    }

    /// Resolves `path` (every symlink on the way) and checks that it lies under a root. A path
    /// that names a place outside the roots as written is refused before the file system is
    /// asked anything (whether `/etc/shadow` exists is not the report's business).
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let written = lexical(path).ok_or(Refusal::Outside)?;
        if !self.dirs.iter().chain(&self.given).any(|d| written.starts_with(d)) {
            return Err(Refusal::Outside);
        }
        let resolved = self.directories.resolve(path, self).map_err(Refusal::Io)?;
        if self.contains(&resolved) { Ok(resolved) } else { Err(Refusal::Outside) }
    }

    /// Does a `.gitignore` of the checked tree exclude this (missing) file? Each directory from
    /// the file's up to its root is asked, nearest first, the way git decides; only `.gitignore`
    /// files under a root are read. A file a repository ignores is created per checkout (an
    /// `env_file` of secrets), so its absence from the repository is expected.
    pub fn git_ignored(&self, path: &Path) -> bool {
        let Some(written) = lexical(path) else { return false };
        let Some(root) =
            self.dirs.iter().chain(&self.given).filter(|d| written.starts_with(d)).max_by_key(|d| d.as_os_str().len())
        else {
            return false;
        };
        let mut dir = written.parent();
        while let Some(d) = dir {
            if !d.starts_with(root) {
                break;
            }
            let file = d.join(".gitignore");
            if self.resolve(&file).is_ok() {
                let mut b = ignore::gitignore::GitignoreBuilder::new(d);
                if b.add(&file).is_none()
                    && let Ok(g) = b.build()
                {
                    match g.matched(&written, false) {
                        ignore::Match::Ignore(_) => return true,
                        ignore::Match::Whitelist(_) => return false,
                        ignore::Match::None => {}
                    }
                }
            }
            dir = d.parent();
        }
        false
    }

    /// Reads a file under the size limit if it resolves inside the roots; a file outside them is
    /// a [`crate::ContentProblem::Outside`], with no text.
    pub fn read(&self, path: &Path, limit: u64) -> std::io::Result<crate::ReadResult> {
        match self.resolve(path) {
            Ok(resolved) => crate::read_path(&resolved, limit),
            Err(Refusal::Outside) => {
                Ok(crate::ReadResult { text: std::sync::Arc::from(""), problem: Some(crate::ContentProblem::Outside) })
            }
            Err(Refusal::Io(e)) => Err(e),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_out_of_the_roots_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let (repo, outside) = (base.join("repo"), base.join("outside"));
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("credentials"), "aws_secret_access_key = x\n").unwrap();
        std::fs::write(repo.join("ok.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(outside.join("credentials"), repo.join("creds.yaml")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", repo.join("env.yaml")).unwrap();
        std::os::unix::fs::symlink(repo.join("ok.yaml"), repo.join("alias.yaml")).unwrap();
        let roots = Roots::new(vec![repo.clone()]);
        assert!(roots.resolve(&repo.join("ok.yaml")).is_ok());
        assert!(roots.resolve(&repo.join("alias.yaml")).is_ok());
        assert!(matches!(roots.resolve(&repo.join("creds.yaml")), Err(Refusal::Outside)));
        assert!(matches!(roots.resolve(&repo.join("../outside/credentials")), Err(Refusal::Outside)));
        let r = roots.read(&repo.join("env.yaml"), 1 << 20).unwrap();
        assert_eq!(r.problem, Some(crate::ContentProblem::Outside));
        assert!(r.text.is_empty());
    }
}
