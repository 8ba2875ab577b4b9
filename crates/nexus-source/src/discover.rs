//! Which files a run reads: the paths given, directories walked recursively (honouring
//! `.gitignore`, `.ignore` and the config's excludes, following symlinks with loop detection),
//! and stdin as `-`. The result is sorted, so everything downstream is independent of the
//! order the file system returns entries in.
//!
//! A walk never leaves the checked roots ([`Roots`]): a symlink whose target lies outside them
//! is not followed but listed as an input, so that reading it reports it
//! ([`crate::ContentProblem::Outside`]) instead of reading it. FIFOs, sockets and devices with a
//! name a walk would read are errors of the run, like unreadable files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::GlobSet;

use crate::roots::Roots;

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
    /// The roots of the run: what may be read ([`Roots::read`]).
    pub roots: Roots,
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
    let mut out = Discovered { roots: Roots::for_args(args), ..Discovered::default() };
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
        // Symlinks out of the roots are not followed; they are kept to be reported.
        let outside: Arc<Mutex<Vec<(PathBuf, bool)>>> = Arc::default();
        let (seen, roots) = (outside.clone(), out.roots.clone());
        let walker = ignore::WalkBuilder::new(path)
            .follow_links(true)
            .require_git(false)
            .filter_entry(move |e| {
                if e.depth() == 0 {
                    return true;
                }
                if e.file_type().is_some_and(|t| t.is_dir()) && test_inputs(e.path()) {
                    return false;
                }
                if !e.path_is_symlink() {
                    return true;
                }
                match e.path().canonicalize() {
                    Ok(target) if !roots.contains(&target) => {
                        if let Ok(mut v) = seen.lock() {
                            v.push((e.path().to_path_buf(), target.is_dir()));
                        }
                        false
                    }
                    _ => true,
                }
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let Some(t) = entry.file_type() else { continue };
                    let p = entry.path();
                    let Some(kind) = kind_of(p) else { continue };
                    let rel = p.strip_prefix(path).unwrap_or(p);
                    if t.is_dir() || excluded(exclude, rel, p) {
                        continue;
                    }
                    if let Some(what) = special(&t) {
                        out.errors.push(DiscoverError {
                            path: display(p),
                            message: format!("not a regular file ({what}); it is not read"),
                        });
                        continue;
                    }
                    out.inputs.push(Input { display: display(p), path: Some(p.to_path_buf()), kind });
                }
                Err(err) => out.errors.push(walk_error(arg, err)),
            }
        }
        let outside = outside.lock().map(|v| v.clone()).unwrap_or_default();
        for (p, is_dir) in outside {
            let rel = p.strip_prefix(path).unwrap_or(&p);
            let kind = if is_dir { Some(InputKind::Yaml) } else { kind_of(&p) };
            if let Some(kind) = kind
                && !excluded(exclude, rel, &p)
            {
                out.inputs.push(Input { display: display(&p), path: Some(p.clone()), kind });
            }
        }
    }
    out.inputs.sort();
    out.inputs.dedup_by(|a, b| a.display == b.display);
    out
}

/// What a file that is neither a regular file nor a directory is.
/// Directories of a program's test inputs, which hold broken and outdated manifests on purpose:
/// Go's `testdata` ("The go tool will ignore a directory named testdata", `go help packages`),
/// the Maven and Gradle layout's `src/test/resources` and Rails' `spec/fixtures`/`test/fixtures`. A walk skips them; given by name, they are
/// checked.
fn test_inputs(dir: &Path) -> bool {
    let mut names = dir.components().rev().map(|c| c.as_os_str());
    match names.next().and_then(|n| n.to_str()) {
        Some("testdata") => true,
        // Rails' test fixtures (YAML with ERB): `spec/fixtures`, `test/fixtures`.
        Some("fixtures") => names.next().is_some_and(|n| n == "spec" || n == "test"),
        Some("resources") => names.next().is_some_and(|n| n == "test") && names.next().is_some_and(|n| n == "src"),
        _ => false,
    }
}

fn special(t: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
    }
    (!t.is_file() && !t.is_dir() && !t.is_symlink()).then_some("not a regular file")
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
    fn test_input_directories_are_skipped_unless_given() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["app", "pkg/lint/testdata", "core/src/test/resources/flows", "tests/resources", "spec/fixtures"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("a.yaml"), "a: 1\n").unwrap();
        }
        let root = dir.path().to_string_lossy().to_string();
        let found = discover(std::slice::from_ref(&root), &GlobSet::empty());
        let rel: Vec<String> = found
            .inputs
            .iter()
            .map(|i| i.display.trim_start_matches(&root).trim_start_matches('/').to_string())
            .collect();
        assert_eq!(rel, ["app/a.yaml", "tests/resources/a.yaml"]);
        let given = format!("{root}/pkg/lint/testdata");
        assert_eq!(discover(&[given], &GlobSet::empty()).inputs.len(), 1);
    }

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

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_roots_are_listed_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let (repo, outside) = (base.join("repo"), base.join("outside"));
        std::fs::create_dir_all(repo.join("k8s")).unwrap();
        std::fs::create_dir_all(outside.join("secrets")).unwrap();
        std::fs::write(outside.join("secrets/creds.yaml"), "password: x\n").unwrap();
        std::fs::write(repo.join("k8s/app.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(outside.join("secrets"), repo.join("k8s/linked")).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", repo.join("env.yaml")).unwrap();
        std::os::unix::fs::symlink("/proc", repo.join("proc")).unwrap();
        std::os::unix::fs::symlink(repo.join("k8s/app.yaml"), repo.join("inside.yaml")).unwrap();
        let d = discover(&[repo.to_string_lossy().into_owned()], &GlobSet::empty());
        let names: Vec<&str> =
            d.inputs.iter().map(|i| i.display.strip_prefix(&*repo.to_string_lossy()).unwrap()).collect();
        // The links out are inputs (to be reported when read), nothing under them is walked.
        assert_eq!(names, ["/env.yaml", "/inside.yaml", "/k8s/app.yaml", "/k8s/linked", "/proc"]);
        for i in &d.inputs {
            let r = d.roots.read(i.path.as_ref().unwrap(), 1 << 20).unwrap();
            let outside = ["/env.yaml", "/k8s/linked", "/proc"].iter().any(|n| i.display.ends_with(n));
            assert_eq!(r.problem == Some(crate::ContentProblem::Outside), outside, "{}", i.display);
        }
        assert!(d.errors.is_empty(), "{:?}", d.errors);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_in_a_walked_directory_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.yaml");
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if !ok {
            return;
        }
        std::fs::write(dir.path().join("a.yaml"), "a: 1").unwrap();
        let d = discover(&[dir.path().to_string_lossy().into_owned()], &GlobSet::empty());
        assert_eq!(d.inputs.len(), 1);
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].message.contains("FIFO"), "{:?}", d.errors);
    }

    #[test]
    fn missing_paths_are_errors() {
        let d = discover(&["/nonexistent/nexus".into()], &GlobSet::empty());
        assert_eq!(d.errors.len(), 1);
        assert!(d.inputs.is_empty());
    }
}
