//! Word splitting for `command:`/`entrypoint:` given as one string, as Compose does it (the
//! go-shellwords rules, without running a shell): blanks separate words; `'…'` is literal;
//! `"…"` keeps blanks and honours `\"`, `\\`, `\$` and `` \` ``; a backslash outside quotes
//! escapes the next character. Nothing is expanded.

/// Splits `s` into words; Err on an unterminated quote.
pub fn split(s: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    // A backslash-newline joins lines.
                    Some('\n') => {}
                    Some(n) => cur.push(n),
                    None => cur.push('\\'),
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(n) => cur.push(n),
                        None => return Err("unterminated single quote"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek() {
                            Some(&n @ ('"' | '\\' | '$' | '`')) => {
                                cur.push(n);
                                chars.next();
                            }
                            Some('\n') => {
                                chars.next();
                            }
                            _ => cur.push('\\'),
                        },
                        Some(n) => cur.push(n),
                        None => return Err("unterminated double quote"),
                    }
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_compose() {
        assert_eq!(
            split("python manage.py  runserver 0.0.0.0:8000").unwrap(),
            ["python", "manage.py", "runserver", "0.0.0.0:8000"]
        );
        assert_eq!(
            split(r#"sh -c 'until nc -z db 5432; do sleep 1; done' "a \"b\" $X" c\ d"#).unwrap(),
            ["sh", "-c", "until nc -z db 5432; do sleep 1; done", "a \"b\" $X", "c d"]
        );
        assert_eq!(split("a '' \"\" b").unwrap(), ["a", "", "", "b"]);
        assert!(split("").unwrap().is_empty());
        assert!(split("echo 'oops").is_err());
        assert!(split("echo \"oops").is_err());
    }
}
