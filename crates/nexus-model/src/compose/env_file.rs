//! Compose's dotenv format, for the project `.env` and for `env_file:`s (compose-go's
//! `dotenv` parser):
//!
//! - `KEY=value`, `export KEY=value`, and the YAML-like `KEY: value`; blank lines and `#` lines
//!   are skipped;
//! - an unquoted value runs to the end of its line, loses trailing blanks and an inline comment
//!   that starts with a blank followed by `#` (`KEY=a#b` keeps its `#`);
//! - `'single quotes'` are literal and may span lines; `"double quotes"` may span lines, turn
//!   `\n`, `\r`, `\t` into control characters and `\x` into `x`, and interpolate;
//! - unquoted and double-quoted values interpolate `${VAR}` forms (see [`super::interpolate`])
//!   from the keys defined above them in the same file, then from `lookup`;
//! - a bare `KEY` line takes its value from the environment: it has no value here.
//!
//! Every key and value keeps its span in the file, so findings about an env var can point at
//! the line that sets it.

use super::interpolate::{InterpError, interpolate};
use crate::Spanned;
use nexus_source::{FileId, Span};

#[derive(Debug, Clone)]
pub struct DotenvEntry {
    pub key: Spanned<String>,
    /// None for a bare `KEY` line (the variable is inherited from the environment).
    pub value: Option<Spanned<String>>,
    /// The whole statement.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// Parses a dotenv file. Values that reference variables are expanded with the entries above
/// them, then `lookup`. Later duplicates of a key are kept (the caller decides; Compose lets the
/// last one win).
pub fn parse(
    file: FileId,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> (Vec<DotenvEntry>, Vec<DotenvError>) {
    let mut p = Parser { file, text, b: text.as_bytes(), pos: 0, entries: Vec::new(), errors: Vec::new() };
    p.run(lookup);
    (p.entries, p.errors)
}

struct Parser<'a> {
    file: FileId,
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    entries: Vec<DotenvEntry>,
    errors: Vec<DotenvError>,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

impl Parser<'_> {
    fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.file, a as u32, b as u32)
    }

    fn line_end(&self, from: usize) -> usize {
        self.b[from..].iter().position(|&c| c == b'\n').map_or(self.b.len(), |i| from + i)
    }

    fn skip_blanks(&mut self) {
        while self.pos < self.b.len() && is_blank(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    fn error(&mut self, a: usize, b: usize, message: String) {
        let span = self.span(a, b);
        self.errors.push(DotenvError { span, message, help: None });
    }

    fn run(&mut self, lookup: &dyn Fn(&str) -> Option<String>) {
        loop {
            while self.pos < self.b.len() && (is_blank(self.b[self.pos]) || self.b[self.pos] == b'\n') {
                self.pos += 1;
            }
            if self.pos >= self.b.len() {
                return;
            }
            if self.b[self.pos] == b'#' {
                self.pos = self.line_end(self.pos);
                continue;
            }
            self.statement(lookup);
        }
    }

    fn statement(&mut self, lookup: &dyn Fn(&str) -> Option<String>) {
        let start = self.pos;
        let rest = &self.text[self.pos..];
        if rest.starts_with("export") && rest.as_bytes().get(6).is_some_and(|&c| is_blank(c)) {
            self.pos += 6;
            self.skip_blanks();
        }
        let key_start = self.pos;
        let mut key_end = self.pos;
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            match c {
                b'=' | b':' | b'\n' => break,
                _ if is_blank(c) => {}
                _ if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-') => {
                    key_end = self.pos + 1;
                }
                _ => {
                    let ch = self.text[self.pos..].chars().next().unwrap_or('?');
                    let end = self.line_end(self.pos);
                    self.error(key_start, end, format!("unexpected character `{ch}` in variable name"));
                    self.pos = end;
                    return;
                }
            }
            self.pos += 1;
        }
        let key = &self.text[key_start..key_end];
        if key.is_empty() {
            let end = self.line_end(self.pos);
            self.error(start, end, "missing variable name".into());
            self.pos = end;
            return;
        }
        if key.bytes().any(is_blank) {
            self.error(key_start, key_end, "a variable name cannot contain a space".into());
            self.pos = self.line_end(self.pos);
            return;
        }
        let key_sp = Spanned::new(key.to_string(), self.span(key_start, key_end));
        if self.pos >= self.b.len() || self.b[self.pos] == b'\n' {
            self.entries.push(DotenvEntry { key: key_sp, value: None, span: self.span(start, key_end) });
            return;
        }
        self.pos += 1; // `=` or `:`
        self.skip_blanks();
        let vstart = self.pos;
        let (raw, vend, expand) = match self.b.get(self.pos) {
            Some(&q @ (b'\'' | b'"')) => {
                let mut i = self.pos + 1;
                let mut close = None;
                while i < self.b.len() {
                    if self.b[i] == q && self.b[i - 1] != b'\\' {
                        close = Some(i);
                        break;
                    }
                    i += 1;
                }
                let Some(close) = close else {
                    let end = self.line_end(vstart);
                    self.error(vstart, end, format!("unterminated quoted value for `{key}`"));
                    self.pos = end;
                    return;
                };
                let inner = &self.text[vstart + 1..close];
                self.pos = self.line_end(close + 1);
                if q == b'"' {
                    (unescape_double(inner), close + 1, true)
                } else {
                    (inner.to_string(), close + 1, false)
                }
            }
            _ => {
                let end = self.line_end(vstart);
                let line = &self.text[vstart..end];
                let cut = if line.starts_with('#') {
                    0
                } else {
                    line.as_bytes().windows(2).position(|w| is_blank(w[0]) && w[1] == b'#').unwrap_or(line.len())
                };
                let value = line[..cut].trim_end_matches(|c: char| c.is_whitespace());
                self.pos = end;
                (value.to_string(), vstart + value.len(), true)
            }
        };
        let value = if expand {
            let earlier = |k: &str| {
                self.entries
                    .iter()
                    .rev()
                    .find(|e| e.key.value == k)
                    .map(|e| e.value.as_ref().map(|v| v.value.clone()))
                    .unwrap_or_else(|| lookup(k))
            };
            match interpolate(&raw, &earlier) {
                Ok(v) => v,
                Err(e) => {
                    let help = Some(match &e {
                        InterpError::Required { name, .. } => {
                            format!("Define `{name}` above this line, or give it a default.")
                        }
                        InterpError::Invalid { .. } => e.help(),
                    });
                    self.errors.push(DotenvError { span: self.span(vstart, vend), message: e.message(), help });
                    String::new()
                }
            }
        } else {
            raw
        };
        self.entries.push(DotenvEntry {
            key: key_sp,
            value: Some(Spanned::new(value, self.span(vstart, vend))),
            span: self.span(start, vend),
        });
    }
}

/// Escapes inside double quotes. `\$` becomes `$$`, which interpolation turns into a literal `$`.
fn unescape_double(s: &str) -> String {
    nexus_source::shell::unescape(s, |c| (c == '$').then_some("$$"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Vec<DotenvEntry>, Vec<DotenvError>) {
        let lookup = |k: &str| (k == "OUTER").then(|| "outer".to_string());
        parse(FileId(0), text, &lookup)
    }

    fn pairs(text: &str) -> Vec<(String, Option<String>)> {
        let (entries, errors) = parse_str(text);
        assert!(errors.is_empty(), "{errors:?}");
        entries.into_iter().map(|e| (e.key.value, e.value.map(|v| v.value))).collect()
    }

    fn kv(k: &str, v: &str) -> (String, Option<String>) {
        (k.to_string(), Some(v.to_string()))
    }

    #[test]
    fn plain_lines_comments_and_export() {
        let text = "# comment\n\nA=1\nexport B=two words\n  C = spaced  \nD=\nE: yaml\nexportF=x\n";
        assert_eq!(
            pairs(text),
            vec![
                kv("A", "1"),
                kv("B", "two words"),
                kv("C", "spaced"),
                kv("D", ""),
                kv("E", "yaml"),
                kv("exportF", "x"),
            ]
        );
    }

    #[test]
    fn inline_comments_need_a_blank_before_the_hash() {
        assert_eq!(
            pairs("A=value # comment\nB=a#b\nC= # only a comment\nD=x\t#tab\n"),
            vec![kv("A", "value"), kv("B", "a#b"), kv("C", ""), kv("D", "x")]
        );
    }

    #[test]
    fn quotes_and_escapes() {
        let text = "S='lit $A \\n'\nD=\"a\\nb \\\"q\\\" \\$HOME ${A}\"\nM=\"line1\nline2\" # c\nH=\"x # y\"\n";
        let got = pairs(text);
        assert_eq!(got[0], kv("S", "lit $A \\n"));
        assert_eq!(got[1], kv("D", "a\nb \"q\" $HOME ${A}"), "an unknown variable stays unknown");
        assert_eq!(got[2], kv("M", "line1\nline2"));
        assert_eq!(got[3], kv("H", "x # y"));
    }

    #[test]
    fn references_to_earlier_keys_and_lookup() {
        assert_eq!(
            pairs("HOST=db\nURL=postgres://${HOST}:5432\nO=$OUTER\nN=${NOPE:-dflt}\nHOST=late\n"),
            vec![
                kv("HOST", "db"),
                kv("URL", "postgres://db:5432"),
                kv("O", "outer"),
                kv("N", "dflt"),
                kv("HOST", "late"),
            ]
        );
    }

    #[test]
    fn bare_keys_inherit() {
        assert_eq!(pairs("A\nB=1\n"), vec![("A".to_string(), None), kv("B", "1")]);
    }

    #[test]
    fn spans_point_into_the_file() {
        let text = "# x\nexport KEY=\"quoted\" # c\nOTHER=plain value  \n";
        let (entries, _) = parse_str(text);
        let slice = |s: Span| &text[s.start as usize..s.end as usize];
        assert_eq!(slice(entries[0].key.span), "KEY");
        assert_eq!(slice(entries[0].value.as_ref().unwrap().span), "\"quoted\"");
        assert_eq!(slice(entries[0].span), "export KEY=\"quoted\"");
        assert_eq!(slice(entries[1].value.as_ref().unwrap().span), "plain value");
    }

    #[test]
    fn errors_are_reported_and_parsing_goes_on() {
        let (entries, errors) = parse_str("BAD KEY=1\nE=\nA=${E:?needed}\nB@=2\nC=3\nQ=\"open\nD=4\n");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert_eq!(errors[0].message, "a variable name cannot contain a space");
        assert_eq!(errors[1].message, "required variable `E` is set to the empty string: needed");
        assert_eq!(errors[2].message, "unexpected character `@` in variable name");
        assert_eq!(errors[3].message, "unterminated quoted value for `Q`");
        let keys: Vec<_> = entries.iter().map(|e| e.key.value.as_str()).collect();
        assert_eq!(keys, ["E", "A", "C", "D"]);
    }
}
