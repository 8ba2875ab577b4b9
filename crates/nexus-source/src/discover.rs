//! Which files a run reads: the paths given, directories walked recursively (honouring
//! `.gitignore`, `.ignore` and the config's excludes, following symlinks with loop detection),
//! and stdin as `-`. The result is sorted, so everything downstream is independent of the
//! order the file system returns entries in.

use std::path::{Path, PathBuf};

use globset::GlobSet;

/// What kind of file an input is, by name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    Yaml,
    Shell,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// The path to print: as given, or the given directory joined with the walked path.
    pub display: String,
    /// None for stdin.
    pub path: Option<PathBuf>,
    pub kind: InputKind,
}

/// A path that could not be walked (missing, unreadable directory, symlink loop).
#[derive(Clone, Debug)]
pub struct DiscoverError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub errors: Vec<DiscoverError>,
}

/// Classifies a file by its name; None for files a walk does not read.
pub fn kind_of(path: &Path) -> Option<InputKind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "yaml" | "yml" => Some(InputKind::Yaml),
        "sh" | "bash" => Some(InputKind::Shell),
        _ => None,
    }
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.replace('\\', "/")
}

/// Walks `args` in order, collecting inputs.
pub fn discover(args: &[String], exclude: &GlobSet) -> Discovered {
    let mut out = Discovered::default();
    for arg in args {
        if arg == "-" {
            out.inputs.push(Input { display: "-".into(), path: None, kind: InputKind::Yaml });
            continue;
        }
        let path = Path::new(arg);
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(DiscoverError { path: arg.clone(), message: io_message(&e) });
                continue;
            }
        };
        if !meta.is_dir() {
            if !excluded(exclude, path, path) {
                let kind = kind_of(path).unwrap_or(InputKind::Yaml);
                out.inputs.push(Input { display: display(path), path: Some(path.to_path_buf()), kind });
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(path).follow_links(true).require_git(false).build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let p = entry.path();
                    let Some(kind) = kind_of(p) else { continue };
                    let rel = p.strip_prefix(path).unwrap_or(p);
                    if excluded(exclude, rel, p) {
                        continue;
                    }
                    out.inputs.push(Input { display: display(p), path: Some(p.to_path_buf()), kind });
                }
                Err(err) => out.errors.push(walk_error(arg, err)),
            }
        }
    }
    out.inputs.sort();
    out.inputs.dedup_by(|a, b| a.display == b.display);
    out
}

fn excluded(exclude: &GlobSet, rel: &Path, full: &Path) -> bool {
    !exclude.is_empty() && (exclude.is_match(rel) || exclude.is_match(display(full)))
}

fn walk_error(arg: &str, err: ignore::Error) -> DiscoverError {
    fn inner(err: &ignore::Error, path: &mut Option<String>) -> String {
        match err {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert_with(|| display(p));
                inner(err, path)
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => inner(err, path),
            ignore::Error::Loop { ancestor, child } => {
                path.get_or_insert_with(|| display(child));
                format!("symlink loop: `{}` leads back to `{}`", display(child), display(ancestor))
            }
            ignore::Error::Io(e) => io_message(e),
            other => other.to_string(),
        }
    }
    let mut path = None;
    let message = inner(&err, &mut path);
    DiscoverError { path: path.unwrap_or_else(|| arg.to_string()), message }
}

pub fn io_message(e: &std::io::Error) -> String {
    let mut s = e.to_string();
    if let Some(i) = s.find(" (os error") {
        s.truncate(i);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_honours_gitignore_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/vendor")).unwrap();
        std::fs::write(root.join("b/z.yaml"), "a: 1").unwrap();
        std::fs::write(root.join("a.yml"), "a: 1").unwrap();
        std::fs::write(root.join("b/vendor/v.yaml"), "a: 1").unwrap();
        std::fs::write(root.join("ignored.yaml"), "a: 1").unwrap();
        std::fs::write(root.join("notes.txt"), "x").unwrap();
        std::fs::write(root.join("deploy.sh"), "x").unwrap();
        std::fs::write(root.join(".gitignore"), "ignored.yaml\n").unwrap();
        let mut b = globset::GlobSetBuilder::new();
        b.add(globset::Glob::new("**/vendor/**").unwrap());
        let set = b.build().unwrap();
        let d = discover(&[root.to_string_lossy().into_owned()], &set);
        let names: Vec<_> = d.inputs.iter().map(|i| i.display.rsplit('/').next().unwrap().to_string()).collect();
        assert_eq!(names, ["a.yml", "z.yaml", "deploy.sh"]);
        assert!(d.errors.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_errors_not_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::write(root.join("d/x.yaml"), "a: 1").unwrap();
        std::os::unix::fs::symlink(root.join("d"), root.join("d/loop")).unwrap();
        let d = discover(&[root.to_string_lossy().into_owned()], &GlobSet::empty());
        assert_eq!(d.inputs.len(), 1);
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].message.contains("symlink loop"), "{}", d.errors[0].message);
    }

    #[test]
    fn missing_paths_are_errors() {
        let d = discover(&["/nonexistent/nexus".into()], &GlobSet::empty());
        assert_eq!(d.errors.len(), 1);
        assert!(d.inputs.is_empty());
    }
}
