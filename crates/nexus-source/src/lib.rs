//! Reading inputs: discovery ([`discover`]), confinement to the checked roots ([`roots`]),
//! bounded reading ([`read_path`]), further files on request ([`files`]), spans and line indexes
//! ([`Span`], [`LineIndex`]), the spanned YAML tree ([`yaml`]), Helm's `# Source:` comments
//! ([`helm`]) and what in text looks like a credential ([`secrets`]).
//!
//! Nothing here interprets Kubernetes or Compose; it turns paths into [`SourceFile`]s whose text
//! every later stage points into by [`Span`]. Only the model's front ends and the reporters read
//! that text; the rules and the simulator see spans alone.

pub mod discover;
pub mod files;
pub mod helm;
pub mod roots;
pub mod secrets;
pub mod shell;
pub mod span;
pub mod timings;
pub mod yaml;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

pub use span::{FileId, LineCol, LineIndex, Span};

/// Files larger than this are reported, not read (`--max-file-size` / config `max-file-size`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One input file (or stdin) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user gave it (or as found under a directory they gave); `-` for stdin.
    pub path: String,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(id: FileId, path: String, text: Arc<str>) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile { id, path, text, lines }
    }

    pub fn position(&self, offset: u32) -> LineCol {
        self.lines.position(&self.text, offset)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The directory holding this file, for resolving relative references (`env_file`, schemas).
    pub fn dir(&self) -> &Path {
        if self.path == "-" {
            return Path::new(".");
        }
        Path::new(&self.path).parent().unwrap_or(Path::new("."))
    }
}

/// All files of a run, indexed by [`FileId`] and by path (the first file of a path wins).
/// Cloning copies the paths and line tables and shares the texts.
#[derive(Clone, Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
    by_path: std::collections::HashMap<String, FileId>,
}

impl SourceDb {
    pub fn new() -> Self {
        SourceDb::default()
    }

    pub fn add(&mut self, path: String, text: Arc<str>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.by_path.entry(path.clone()).or_insert(id);
        self.files.push(SourceFile::new(id, path, text));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn find(&self, path: &str) -> Option<&SourceFile> {
        self.by_path.get(path).map(|id| &self.files[id.0 as usize])
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Why a file's content could not be used as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentProblem {
    TooLarge {
        size: u64,
        limit: u64,
    },
    Binary {
        offset: u32,
    },
    NotUtf8 {
        offset: u32,
    },
    /// A symlink (or a path through one) that leads outside the checked roots ([`roots`]).
    Outside,
}

impl ContentProblem {
    pub fn message(&self) -> String {
        match self {
            ContentProblem::TooLarge { size, limit } => {
                format!("file is {} bytes, over the {} byte limit; it is not read", size, limit)
            }
            ContentProblem::Binary { .. } => "file is binary (it contains NUL bytes); it is not read".into(),
            ContentProblem::NotUtf8 { .. } => "file is not valid UTF-8; it is not read".into(),
            ContentProblem::Outside => {
                "path is a symlink that leads outside the checked directories; it is not read".into()
            }
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            ContentProblem::TooLarge { .. } => {
                "Split the file, raise `max-file-size` in `.nexus-lint.yaml`, or exclude it."
            }
            ContentProblem::Binary { .. } => "Exclude binary files in `.nexus-lint.yaml` (`exclude:`).",
            ContentProblem::NotUtf8 { .. } => "Save the file as UTF-8.",
            ContentProblem::Outside => {
                "nexus-lint reads only files under the paths it is given. Check the target directly, or replace the link with the file."
            }
        }
    }

    /// Where in the (possibly truncated) text the problem is.
    pub fn offset(&self) -> u32 {
        match self {
            ContentProblem::TooLarge { .. } | ContentProblem::Outside => 0,
            ContentProblem::Binary { offset } | ContentProblem::NotUtf8 { offset } => *offset,
        }
    }
}

/// The result of reading one input: its usable text, and what was wrong with the rest.
#[derive(Debug)]
pub struct ReadResult {
    pub text: Arc<str>,
    pub problem: Option<ContentProblem>,
}

/// Reads a file under a size limit, refusing binary and non-UTF-8 content. On a content
/// problem the text returned is the valid prefix, so the problem still has a line and column.
pub fn read_path(path: &Path, limit: u64) -> std::io::Result<ReadResult> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::other("is a directory"));
    }
    // FIFOs, sockets and devices could block or never end.
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > limit {
        return Ok(ReadResult {
            text: Arc::from(""),
            problem: Some(ContentProblem::TooLarge { size: meta.len(), limit }),
        });
    }
    let file = std::fs::File::open(path)?;
    read_bounded(file, limit)
}

/// Reads a stream (stdin) under a size limit.
pub fn read_bounded(reader: impl Read, limit: u64) -> std::io::Result<ReadResult> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(ReadResult {
            text: Arc::from(""),
            problem: Some(ContentProblem::TooLarge { size: bytes.len() as u64, limit }),
        });
    }
    Ok(decode(bytes))
}

/// Checks text-ness: NUL bytes mean binary; otherwise the bytes must be UTF-8.
pub fn decode(bytes: Vec<u8>) -> ReadResult {
    if let Some(nul) = memchr::memchr(0, &bytes) {
        let prefix = valid_prefix(&bytes[..nul]);
        return ReadResult {
            text: Arc::from(prefix),
            problem: Some(ContentProblem::Binary { offset: prefix.len() as u32 }),
        };
    }
    match String::from_utf8(bytes) {
        Ok(s) => ReadResult { text: Arc::from(s), problem: None },
        Err(e) => {
            let bytes = e.into_bytes();
            let prefix = valid_prefix(&bytes);
            ReadResult {
                text: Arc::from(prefix),
                problem: Some(ContentProblem::NotUtf8 { offset: prefix.len() as u32 }),
            }
        }
    }
}

fn valid_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_non_utf8_are_refused_with_an_offset() {
        let r = decode(b"a: 1\n\x00\x01".to_vec());
        assert_eq!(r.problem, Some(ContentProblem::Binary { offset: 5 }));
        assert_eq!(&*r.text, "a: 1\n");
        let r = decode(b"a: \xc3\xa9\nb: \xff\n".to_vec());
        assert_eq!(r.problem, Some(ContentProblem::NotUtf8 { offset: 9 }));
        assert_eq!(&*r.text, "a: é\nb: ");
    }

    #[test]
    fn streams_over_the_limit_are_not_kept() {
        let r = read_bounded(&b"0123456789"[..], 4).unwrap();
        assert!(matches!(r.problem, Some(ContentProblem::TooLarge { .. })));
        assert!(r.text.is_empty());
    }
}
