//! The client libraries a built Compose service declares: the dependency manifests at the root of
//! its build context — `package.json` (`dependencies`, `devDependencies`), `requirements.txt` and
//! `requirements/{base,common,prod,production}.txt`, `pyproject.toml` (`[project]
//! dependencies`, `[tool.poetry.dependencies]`), `Pipfile` (`[packages]`) and `go.mod`
//! (`require`). What a program links tells how it behaves while its datastore starts
//! ([`crate::clients`]); nothing else in the context is read.
//!
//! Each file is opened through [`super::Files`], so only under the checked directories, and is
//! never executed. A file larger than [`MAX_MANIFEST`] is skipped; the parsers are line-based and
//! lenient (a JSON manifest must parse): what they cannot read yields no name, never a panic.

use nexus_source::{FileId, Span};

use super::Files;
use super::project::join;
use crate::clients::{self, ClientLibrary, Ecosystem};

/// Manifests larger than this are not read (a generated lock file under a manifest's name).
pub const MAX_MANIFEST: usize = 256 * 1024;

/// The manifests read, relative to the build context.
const MANIFESTS: &[(&str, Ecosystem, Parser)] = &[
    ("package.json", Ecosystem::Npm, package_json),
    ("requirements.txt", Ecosystem::PyPi, requirements),
    ("requirements/base.txt", Ecosystem::PyPi, requirements),
    ("requirements/common.txt", Ecosystem::PyPi, requirements),
    ("requirements/prod.txt", Ecosystem::PyPi, requirements),
    ("requirements/production.txt", Ecosystem::PyPi, requirements),
    ("pyproject.toml", Ecosystem::PyPi, pyproject),
    ("Pipfile", Ecosystem::PyPi, pipfile),
    ("go.mod", Ecosystem::Go, go_mod),
];

/// A manifest's dependency names, each with the byte offset where it is written.
type Parser = fn(&str) -> Vec<(String, usize)>;

/// The client libraries known to [`crate::clients`] that the build context at `context` (a path
/// under the checked directories) declares, each with the manifest line that names it and that
/// place as `path:line` relative to `base` (the Compose file's directory), for messages.
pub(super) fn client_libraries(context: &str, base: &str, fs: &mut dyn Files) -> Vec<ClientLibrary> {
    let mut out: Vec<ClientLibrary> = Vec::new();
    for (name, ecosystem, parse) in MANIFESTS {
        let path = join(context, name);
        // Asked first, so that a context outside the checked directories leaves no refused file
        // behind: nothing reports one that the project did not ask to be read.
        if fs.check(&path).is_err() {
            continue;
        }
        let Ok(id) = fs.open(&path) else { continue };
        let file = fs.db().get(id);
        if file.text.len() > MAX_MANIFEST {
            continue;
        }
        for (dep, at) in parse(&file.text) {
            let Some((store, behaviour)) = clients::tolerant(*ecosystem, &dep) else { continue };
            if out.iter().any(|c| c.name == dep && c.store == store) {
                continue;
            }
            let line = file.position(at as u32).line;
            let shown = path.strip_prefix(&format!("{base}/")).unwrap_or(&path);
            out.push(ClientLibrary {
                name: dep,
                ecosystem: *ecosystem,
                store,
                behaviour,
                at: span(id, at, &file.text),
                place: format!("{shown}:{line}"),
            });
        }
    }
    out
}

/// The rest of the line from `at`, without trailing blanks.
fn span(id: FileId, at: usize, text: &str) -> Span {
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    Span::new(id, at as u32, (at + text[at..end].trim_end().len()) as u32)
}

/// Lines with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let at = offset;
        offset += raw.len();
        (at, raw.trim_end_matches(['\n', '\r']))
    })
}

/// The leading name of a requirement (PEP 508: `pymongo[srv]>=4 ; python_version…`), if any.
fn requirement_name(s: &str) -> Option<&str> {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

/// `package.json`: the keys of `dependencies` and `devDependencies`, found where the key is
/// written (`"mongoose": "^6.0.9"`).
fn package_json(text: &str) -> Vec<(String, usize)> {
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for section in ["dependencies", "devDependencies"] {
        let Some(serde_json::Value::Object(deps)) = root.get(section) else { continue };
        let from = text.find(&format!("\"{section}\"")).unwrap_or(0);
        for name in deps.keys() {
            let at = json_key(text, from, name).or_else(|| json_key(text, 0, name)).unwrap_or(from);
            out.push((name.clone(), at));
        }
    }
    out
}

/// Where `"name"` is written as a key (followed by `:`) at or after `from`.
fn json_key(text: &str, from: usize, name: &str) -> Option<usize> {
    let quoted = format!("\"{name}\"");
    let mut start = from;
    while let Some(i) = text.get(start..)?.find(&quoted) {
        let at = start + i;
        if text[at + quoted.len()..].trim_start().starts_with(':') {
            return Some(at);
        }
        start = at + quoted.len();
    }
    None
}

/// `requirements.txt`: one requirement a line; comments, options (`-r`, `-e`, `--hash`) and URLs
/// are skipped.
fn requirements(text: &str) -> Vec<(String, usize)> {
    lines(text)
        .filter_map(|(at, line)| {
            let body = line.split(" #").next().unwrap_or(line);
            let trimmed = body.trim_start();
            if trimmed.starts_with(['#', '-']) || trimmed.contains("://") {
                return None;
            }
            let name = requirement_name(trimmed)?;
            Some((name.to_string(), at + (body.len() - trimmed.len())))
        })
        .collect()
}

/// The TOML table a line opens (`[tool.poetry.dependencies]`), if it is a header.
fn table_header(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    (!inner.starts_with('[')).then(|| inner.trim())
}

/// The key of a `key = value` line, unquoted, with its offset in the line.
fn toml_key(line: &str) -> Option<(&str, usize)> {
    let (key, _) = line.split_once('=')?;
    let lead = key.len() - key.trim_start().len();
    let k = key.trim().trim_matches(['"', '\'']);
    (!k.is_empty() && !k.starts_with('#')).then_some((k, lead))
}

/// The keys of the lines of TOML table `table` (`[packages]` of a Pipfile).
fn table_keys(text: &str, table: &str) -> Vec<(String, usize)> {
    let mut current = "";
    let mut out = Vec::new();
    for (at, line) in lines(text) {
        if let Some(h) = table_header(line) {
            current = h;
        } else if current == table
            && let Some((k, lead)) = toml_key(line)
        {
            out.push((k.to_string(), at + lead));
        }
    }
    out
}

/// `pyproject.toml`: the requirements of `[project] dependencies = [...]` (one or more lines) and
/// the keys of `[tool.poetry.dependencies]` (but `python`).
fn pyproject(text: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> =
        table_keys(text, "tool.poetry.dependencies").into_iter().filter(|(k, _)| k != "python").collect();
    let mut current = "";
    let mut in_list = false;
    for (at, line) in lines(text) {
        if !in_list && let Some(h) = table_header(line) {
            current = h;
            continue;
        }
        let mut rest = line;
        let mut base = at;
        if !in_list {
            let Some((k, _)) = toml_key(line).filter(|_| current == "project") else { continue };
            if k != "dependencies" {
                continue;
            }
            let Some(open) = line.find('[') else { continue };
            in_list = true;
            rest = &line[open + 1..];
            base = at + open + 1;
        }
        // The quoted strings of the list, up to its `]`.
        let mut i = 0;
        while i < rest.len() {
            let c = rest.as_bytes()[i];
            if c == b']' {
                in_list = false;
                break;
            }
            if c == b'#' {
                break;
            }
            if c == b'"' || c == b'\'' {
                let close = rest[i + 1..].find(c as char).map_or(rest.len(), |j| i + 1 + j);
                if let Some(name) = requirement_name(rest[i + 1..close].trim_start()) {
                    out.push((name.to_string(), base + i + 1));
                }
                i = close + 1;
                continue;
            }
            i += 1;
        }
    }
    out
}

/// `Pipfile`: the keys of `[packages]` (not `[dev-packages]`).
fn pipfile(text: &str) -> Vec<(String, usize)> {
    table_keys(text, "packages")
}

/// `go.mod`: the module paths of `require` lines and blocks.
fn go_mod(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut block = false;
    for (at, line) in lines(text) {
        let code = line.split("//").next().unwrap_or(line);
        let trimmed = code.trim_start();
        let lead = code.len() - trimmed.len();
        if block {
            if trimmed.starts_with(')') {
                block = false;
            } else if let Some(path) = trimmed.split_whitespace().next() {
                out.push((path.to_string(), at + lead));
            }
            continue;
        }
        let Some(rest) = trimmed.strip_prefix("require") else { continue };
        let spec = rest.trim_start();
        if spec.starts_with('(') {
            block = true;
        } else if let Some(path) = spec.split_whitespace().next().filter(|_| rest.starts_with(char::is_whitespace)) {
            out.push((path.to_string(), at + lead + (rest.len() - spec.len()) + "require".len()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(v: Vec<(String, usize)>) -> Vec<String> {
        v.into_iter().map(|(n, _)| n).collect()
    }

    proptest! {
        /// Any text: names or nothing, never a panic, and every offset inside the text.
        #[test]
        fn any_manifest_is_read_without_panic(text in "(\\[|\\]|\"|'|=|\\{|\\}|:|,|#|\n|require|\\(|\\)|dependencies|project|packages| |[a-z]{1,3}|é){0,40}") {
            for parse in [package_json, requirements, pyproject, pipfile, go_mod] {
                for (_, at) in parse(&text) {
                    prop_assert!(at <= text.len());
                    prop_assert!(text.is_char_boundary(at));
                }
            }
        }
    }

    #[test]
    fn package_json_keys_where_written() {
        // awesome-compose react-express-mongodb/backend/package.json (abridged).
        let text = "{\n  \"description\": \"node js and mongodb\",\n  \"dependencies\": {\n    \"express\": \"^4.17.1\",\n    \"mongodb\": \"^3.0.7\",\n    \"mongoose\": \"^6.0.9\"\n  },\n  \"devDependencies\": {\"nodemon\": \"^2\"}\n}\n";
        let deps = package_json(text);
        assert_eq!(names(deps.clone()), ["express", "mongodb", "mongoose", "nodemon"]);
        let (_, at) = &deps[1];
        assert!(text[*at..].starts_with("\"mongodb\": \"^3.0.7\""));
        assert!(package_json("{\"dependencies\": [").is_empty());
        assert!(package_json("[1, 2]").is_empty());
    }

    #[test]
    fn python_manifests() {
        let req = "# web\nFlask==2.0.1\n-r base.txt\n  pymongo[srv] >= 4 ; python_version > '3' # db\ngit+https://x/y.git\n\nredis\n";
        assert_eq!(names(requirements(req)), ["Flask", "pymongo", "redis"]);
        let (_, at) = requirements(req)[1];
        assert!(req[at..].starts_with("pymongo"));
        let py = "[project]\nname = \"app\"\ndependencies = [\n  \"fastapi>=0.110\",\n  'motor==3.*', # async\n]\n[project.optional-dependencies]\ndev = [\"pytest\"]\n[tool.poetry.dependencies]\npython = \"^3.12\"\n\"django-redis\" = \"^5\"\n";
        assert_eq!(names(pyproject(py)), ["django-redis", "fastapi", "motor"]);
        assert_eq!(names(pyproject("[project]\ndependencies = [\"a\", \"b[x]\"]\nc = 1\n")), ["a", "b"]);
        let pipfile_text = "[[source]]\nurl = \"https://pypi.org/simple\"\n[packages]\nflask-pymongo = \"*\"\n[dev-packages]\npytest = \"*\"\n";
        assert_eq!(names(pipfile(pipfile_text)), ["flask-pymongo"]);
    }

    #[test]
    fn go_manifests() {
        let gomod = "module x\n\ngo 1.22\n\nrequire github.com/lib/pq v1.10.3\nrequire (\n\tgo.mongodb.org/mongo-driver v1.15.0 // indirect\n\t// comment\n\tgithub.com/redis/go-redis/v9 v9.5.1\n)\n";
        assert_eq!(
            names(go_mod(gomod)),
            ["github.com/lib/pq", "go.mongodb.org/mongo-driver", "github.com/redis/go-redis/v9"]
        );
        let (_, at) = go_mod(gomod)[0];
        assert!(gomod[at..].starts_with("github.com/lib/pq"));
    }
}
