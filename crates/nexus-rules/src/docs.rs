//! Reading rule documentation: the summary line, sections, and the fenced examples that the
//! test-suite executes.
//!
//! An example is a fenced block whose info string starts with `yaml` (or `sh`, `env`, `json`):
//! `yaml,expect_diagnostic` must yield exactly one diagnostic of the rule, on the line carrying
//! a `# error: [rule-name]` (or `warning:`/`info:`) marker; a plain `yaml` block must yield none;
//! `ignore` skips a block; `file=<path>` gives a block a file name, and consecutive blocks with
//! file names under one heading, with no prose between them, form one multi-file project (a
//! Compose file and its `.env`, a Deployment and its Service), which expects a diagnostic if any
//! of its blocks does. A later project under the same heading inherits the files it does not
//! redefine, so a "Use instead" block can replace just the file that changes.

/// The first paragraph after the `# CODE name` title.
pub fn summary(doc: &str) -> &str {
    doc.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .find(|l| !l.trim().is_empty())
        .map_or("", str::trim)
}

/// The `## ` headings of a document, in order.
pub fn sections(doc: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut fenced = false;
    for l in doc.lines() {
        if l.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && let Some(h) = l.strip_prefix("## ") {
            out.push(h.trim());
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The heading the block is under.
    pub heading: String,
    pub lang: String,
    pub expect_diagnostic: bool,
    pub ignore: bool,
    pub file: Option<String>,
    pub code: String,
    /// 1-based line of the Markdown file where the block's first code line is.
    pub line: usize,
    /// Prose (non-blank text) separates this block from the previous one.
    pub after_prose: bool,
}

/// One example to run: one or more files, and whether it must produce the rule's diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub expect_diagnostic: bool,
    /// (file name, content, markdown line of its first line; 0 for a file inherited from the
    /// previous example under the same heading)
    pub files: Vec<(String, String, usize)>,
    pub heading: String,
    /// Its files were named (`file=`), so it is a multi-file project.
    named: bool,
}

pub fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut current: Option<Block> = None;
    let mut prose = false;
    for (i, l) in doc.lines().enumerate() {
        if let Some(b) = current.as_mut() {
            if l.trim_start().starts_with("```") {
                out.extend(current.take());
                prose = false;
            } else {
                b.code.push_str(l);
                b.code.push('\n');
            }
            continue;
        }
        if let Some(info) = l.strip_prefix("```") {
            let mut parts = info.split(',').map(str::trim);
            let lang = parts.next().unwrap_or("").to_string();
            let mut b = Block {
                heading: heading.clone(),
                lang,
                expect_diagnostic: false,
                ignore: false,
                file: None,
                code: String::new(),
                line: i + 2,
                after_prose: prose,
            };
            for p in parts {
                match p {
                    "expect_diagnostic" => b.expect_diagnostic = true,
                    "ignore" => b.ignore = true,
                    _ => {
                        if let Some(f) = p.strip_prefix("file=") {
                            b.file = Some(f.to_string());
                        }
                    }
                }
            }
            current = Some(b);
        } else if l.starts_with('#') {
            heading = l.trim_start_matches('#').trim().to_string();
            prose = true;
        } else if !l.trim().is_empty() {
            prose = true;
        }
    }
    out
}

const EXAMPLE_LANGS: &[&str] = &["yaml", "yml", "sh", "bash", "env", "json"];

/// Groups blocks into runnable examples.
pub fn examples(doc: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    // Whether the last example is a multi-file project still open for more blocks.
    let mut open = false;
    for b in blocks(doc) {
        if b.ignore || !EXAMPLE_LANGS.contains(&b.lang.as_str()) {
            open = false;
            continue;
        }
        let name = b.file.clone().unwrap_or_else(|| default_name(&b));
        let joins = open && !b.after_prose && b.file.is_some() && out.last().is_some_and(|e| e.heading == b.heading);
        match out.last_mut() {
            Some(ex) if joins => {
                ex.expect_diagnostic |= b.expect_diagnostic;
                ex.files.push((name, b.code, b.line));
            }
            _ => out.push(Example {
                expect_diagnostic: b.expect_diagnostic,
                files: vec![(name, b.code, b.line)],
                heading: b.heading.clone(),
                named: b.file.is_some(),
            }),
        }
        open = b.file.is_some();
    }
    // A project inherits the files of the previous project under its heading that it does not
    // redefine (with line 0: they are context, not its own text).
    for i in 1..out.len() {
        let (prev, cur) = out.split_at_mut(i);
        let (prev, cur) = (&prev[i - 1], &mut cur[0]);
        if !(cur.named && prev.named && prev.heading == cur.heading) {
            continue;
        }
        for (n, c, _) in &prev.files {
            if !cur.files.iter().any(|(m, ..)| m == n) {
                cur.files.push((n.clone(), c.clone(), 0));
            }
        }
    }
    out
}

fn default_name(b: &Block) -> String {
    match b.lang.as_str() {
        "sh" | "bash" => "deploy.sh".into(),
        "env" => ".env".into(),
        "json" => "example.json".into(),
        _ if b.code.lines().any(|l| l.starts_with("services:")) => "compose.yaml".into(),
        _ => "example.yaml".into(),
    }
}

/// Lines (1-based, within the block) that carry a `# error: [name]` style marker, with the
/// severity word used.
pub fn markers(code: &str, rule_name: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, l) in code.lines().enumerate() {
        for sev in ["error", "warning", "info"] {
            if l.contains(&format!("# {sev}: [{rule_name}]")) {
                out.push((i + 1, sev.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# NX999 thing\n\nFlags things.\n\n## What it does\nx\n\n## Example\n```yaml,expect_diagnostic,file=a.yaml\nk: 1 # error: [thing]\n```\n```yaml,expect_diagnostic,file=b.yaml\nk: 2\n```\nUse instead:\n```yaml\nk: 3\n```\n```text\nnot run\n```\n";

    #[test]
    fn parses_summary_sections_and_groups_examples() {
        assert_eq!(summary(DOC), "Flags things.");
        assert_eq!(sections(DOC), ["What it does", "Example"]);
        let ex = examples(DOC);
        assert_eq!(ex.len(), 2);
        assert!(ex[0].expect_diagnostic);
        assert_eq!(ex[0].files.len(), 2);
        assert_eq!(ex[0].files[0].0, "a.yaml");
        assert_eq!(ex[0].files[0].2, 10);
        assert!(!ex[1].expect_diagnostic);
        assert_eq!(markers(&ex[0].files[0].1, "thing"), [(1, "error".to_string())]);
    }
}
