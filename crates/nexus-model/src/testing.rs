//! Loading the repository's fixtures in unit tests, named as the command line names them
//! (`fixtures/nexus/deploy/...`), with no file read beyond them.

use globset::GlobSet;
use nexus_source::{DEFAULT_MAX_FILE_BYTES, discover, read_path};

use crate::load::{Input, Loaded, Options, load};

/// Loads fixture directories (relative to the repository root).
pub(crate) fn load_fixtures(dirs: &[&str]) -> Loaded {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    let abs: Vec<String> = dirs.iter().map(|d| format!("{root}{d}")).collect();
    let found = discover::discover(&abs, &GlobSet::empty());
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let inputs = found
        .inputs
        .iter()
        .map(|i| Input {
            path: i.display.strip_prefix(root).unwrap_or(&i.display).to_string(),
            kind: i.kind,
            read: read_path(i.path.as_ref().expect("a file"), DEFAULT_MAX_FILE_BYTES).expect("readable"),
        })
        .collect();
    load(inputs, Options { memory: true, max_file_size: DEFAULT_MAX_FILE_BYTES, roles: Vec::new() })
}
