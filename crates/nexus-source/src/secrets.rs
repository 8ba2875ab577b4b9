//! What in text looks like a credential, by name and shape alone: variables and keys named like
//! passwords, the password of a `scheme://user:password@host` URL, `KEY=value` pairs whose key
//! is such a name (`Password=…;` in ADO.NET and JDBC connection strings, `DB_PASSWORD=…` in a
//! command line), and `--password=…` / `--password …` arguments.
//!
//! The model uses these patterns to find secret values in what it reads; the reporters use them
//! again over every message and snippet, as a second line of defence for text no front end
//! understood. Only text-level knowledge lives here: what *is* a Secret is the model's to say.

/// Does a variable, key or flag name say it holds a credential? Case-insensitive, with `-` and
/// `.` read as `_`; allocation-free, since the reporters ask it of every word of every message
/// (issue 15).
pub fn is_secret_name(name: &str) -> bool {
    let b = name.as_bytes();
    // `checksum/secret: 77ac01…` (the Helm convention that rolls pods when a Secret changes)
    // names a digest of a secret, not a secret.
    if b.len() >= 9 && b[..9].eq_ignore_ascii_case(b"CHECKSUM/") {
        return false;
    }
    WORDS.0.is_match(b) || (b.len() >= 4 && normal_eq(&b[b.len() - 4..], b"_PWD")) || normal_eq(b, b"PWD_HASH")
}

/// Could some name in `text` be one [`is_secret_name`] accepts? False only when no credential
/// word (nor `PWD`) appears anywhere in it, compared as names are: a quick test that lets a
/// caller skip looking for credential-named keys in text that has none.
pub fn mentions_secret_name(text: &str) -> bool {
    WORDS.1.is_match(text)
}

/// The words that make a name a credential's, spelt with `_`, `-` or `.` between their parts,
/// any case; the second automaton also knows `PWD`. One pass over the text each (issue 15: a
/// substring test per word and name was a tenth of a run).
static WORDS: std::sync::LazyLock<(aho_corasick::AhoCorasick, aho_corasick::AhoCorasick)> =
    std::sync::LazyLock::new(|| {
        const WORDS: &[&str] = &[
            "PASSWORD",
            "PASSWD",
            "SECRET",
            "TOKEN",
            "API_KEY",
            "APIKEY",
            "PRIVATE_KEY",
            "ACCESS_KEY",
            "CREDENTIAL",
            "AUTH_KEY",
            "CLIENT_KEY",
            "SIGNING_KEY",
            "ENCRYPTION_KEY",
        ];
        let mut spelt: Vec<String> =
            WORDS.iter().flat_map(|w| ["_", "-", "."].map(|sep| w.replace('_', sep))).collect();
        spelt.sort();
        spelt.dedup();
        let build = |extra: &[&str]| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(spelt.iter().map(String::as_str).chain(extra.iter().copied()))
                .expect("fixed patterns")
        };
        (build(&[]), build(&["PWD"]))
    });

/// `a` equals `w` (upper case, `_` between parts) when compared as names are: any case, `-` and
/// `.` for `_`.
fn normal_eq(a: &[u8], w: &[u8]) -> bool {
    a.len() == w.len() && a.iter().zip(w).all(|(&c, &w)| normal(c) == w)
}

/// A name's byte as [`is_secret_name`] compares it: upper case, `-` and `.` as `_`.
fn normal(c: u8) -> u8 {
    match c {
        b'-' | b'.' => b'_',
        c => c.to_ascii_uppercase(),
    }
}

/// The byte range of the password in `scheme://user:password@host…`, if there is one.
pub fn url_password(s: &str) -> Option<(usize, usize)> {
    let scheme_end = s.find("://")? + 3;
    let rest = &s[scheme_end..];
    let at = rest.find('@')?;
    let userinfo = &rest[..at];
    if userinfo.contains('/') {
        return None;
    }
    let colon = userinfo.find(':')?;
    let (start, end) = (scheme_end + colon + 1, scheme_end + at);
    let pw = &s[start..end];
    (end > start && !is_reference(pw)).then_some((start, end))
}

/// A reference (`$(DB_PASSWORD)`, `${DB_PASSWORD}`, `$DB_PASSWORD`) names a secret; it is not one.
fn is_reference(v: &str) -> bool {
    v.starts_with('$')
}

/// Characters that end an unquoted value in a command line, a connection string or a message.
fn ends_value(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b';' | b'&' | b',' | b'\'' | b'"' | b'`' | b')' | b']' | b'}' | b'>')
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Is this the name of a `KEY=value` pair or a flag that holds a credential? Connection strings
/// also spell the password `Pwd`. Names of where a secret is (`--password-file`, `SECRET_NAME`)
/// hold a path or a name, not the secret.
fn secret_key(name: &str) -> bool {
    let bare = name.trim_start_matches('-').as_bytes();
    let ends = |s: &str| bare.len() >= s.len() && bare[bare.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes());
    let locator = ["FILE", "PATH", "REF", "NAME", "DIR"].into_iter().any(ends);
    !bare.is_empty()
        && !locator
        && (bare.eq_ignore_ascii_case(b"PWD") || is_secret_name(&name[name.len() - bare.len()..]))
}

/// The value starting at `from`: a quoted string (without its quotes) or a run up to a
/// delimiter. Empty values and references are not secrets.
fn value_at(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let (start, end) = match b.get(from)? {
        q @ (b'\'' | b'"') => {
            let close = b[from + 1..].iter().position(|c| c == q || *c == b'\n')?;
            (from + 1, from + 1 + close)
        }
        _ => (from, b[from..].iter().position(|&c| ends_value(c)).map_or(b.len(), |i| from + i)),
    };
    (end > start && b[start] != b'$').then_some((start, end))
}

/// Byte ranges of the credential values `text` shows by shape: URL passwords, `KEY=value` with
/// a credential-named key, and the value after a credential-named `--flag` on the same line.
/// Sorted, not overlapping. Linear in the length of the text.
pub fn find(text: &str) -> Vec<(usize, usize)> {
    // Every credential this sees is in a URL or after a credential-named word.
    if !mentions_secret_name(text) && memchr::memmem::find(text.as_bytes(), b"://").is_none() {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut out: Vec<(usize, usize)> = Vec::new();
    // URL passwords: the userinfo of each `://` authority.
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let auth = from + i + 3;
        let end = b[auth..].iter().position(|&c| c == b'/' || ends_value(c) && c != b'&').map_or(b.len(), |j| auth + j);
        if let Some(at) = b[auth..end].iter().rposition(|&c| c == b'@')
            && let Some(colon) = b[auth..auth + at].iter().position(|&c| c == b':')
        {
            let (s, e) = (auth + colon + 1, auth + at);
            if e > s && !is_reference(&text[s..e]) {
                out.push((s, e));
            }
        }
        from = end.max(auth);
    }
    // `KEY=value` and `--flag value`.
    let mut i = 0;
    while i < b.len() {
        if !is_name_byte(b[i]) || (i > 0 && is_name_byte(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_name_byte(b[i]) {
            i += 1;
        }
        let name = &text[start..i];
        if !secret_key(name) {
            continue;
        }
        if b.get(i) == Some(&b'=') {
            if let Some(v) = value_at(b, i + 1) {
                out.push(v);
                i = v.1;
            }
        } else if name.starts_with("--") {
            // `--password hunter2`, `"--password", "hunter2"`: the next word on the line.
            let mut j = i;
            while j < b.len() && matches!(b[j], b' ' | b'\t' | b',' | b'"' | b'\'') && j - i < 8 {
                j += 1;
            }
            let quoted = j > i && matches!(b[j - 1], b'"' | b'\'');
            if j > i && j < b.len() && b[j] != b'-' && b[j] != b'\n' && b[j] != b'\r' {
                let v = if quoted { value_at(b, j - 1) } else { value_at(b, j) };
                if let Some(v) = v {
                    out.push(v);
                    i = v.1;
                }
            }
        }
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Values that say nothing when shown, whatever their key's name (`automountServiceAccountToken:
/// false`).
fn inert(v: &str) -> bool {
    const WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "~", "|", ">", "|-", ">-", "[]", "{}"];
    WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

/// What [`find`] sees, and in YAML text also `key: value` with a credential-named key: the
/// values of a document that could not be parsed (and so was never modelled) are still
/// blanked in the snippet of its syntax error. A plain value runs to the end of its line (or
/// of its flow collection entry); a quoted one to its closing quote.
pub fn find_in_source(text: &str) -> Vec<(usize, usize)> {
    let mut out = find(text);
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let lb = line.as_bytes();
        let mut i = 0;
        while let Some(colon) = lb[i..].iter().position(|&c| c == b':').map(|c| i + c) {
            i = colon + 1;
            if lb.get(colon + 1) != Some(&b' ') {
                continue;
            }
            // Annotation-style keys (`checksum/secret`) are read whole.
            let key_start = lb[..colon]
                .iter()
                .rposition(|&c| !(is_name_byte(c) || c == b'/' || c == b'"' || c == b'\''))
                .map_or(0, |k| k + 1);
            let key = line[key_start..colon].trim_matches(['"', '\'']);
            if !secret_key(key) {
                continue;
            }
            let mut v = colon + 1;
            while v < lb.len() && lb[v] == b' ' {
                v += 1;
            }
            let flow = lb[..key_start].iter().any(|&c| c == b'{' || c == b'[');
            let (s, e) = match lb.get(v) {
                Some(b'"' | b'\'') => match value_at(lb, v) {
                    Some(r) => r,
                    None => continue,
                },
                _ => {
                    let stop = |j: usize| {
                        matches!(lb[j], b'\n' | b'\r')
                            || (lb[j] == b'#' && j > 0 && lb[j - 1] == b' ')
                            || (flow && matches!(lb[j], b',' | b'}' | b']'))
                    };
                    let e = (v..lb.len()).find(|&j| stop(j)).unwrap_or(lb.len());
                    (v, v + line[v..e].trim_end().len())
                }
            };
            let value = &line[s..e];
            if e > s && !value.starts_with('$') && !inert(value) {
                out.push((line_start + s, line_start + e));
            }
            i = e.max(i);
        }
        line_start += line.len();
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// `text` with every credential [`find`] sees replaced by `****`.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let found = find(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (s, e) in found {
        out.push_str(&text[last..s]);
        out.push_str("****");
        last = e;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        scrub(text).into_owned()
    }

    #[test]
    fn names_and_urls() {
        assert!(is_secret_name("POSTGRES_PASSWORD"));
        assert!(is_secret_name("stripe-api-key"));
        assert!(is_secret_name("GITHUB_TOKEN"));
        assert!(!is_secret_name("CACHE_KEY_PREFIX"));
        assert!(!is_secret_name("DATABASE_HOST"));
        assert!(!is_secret_name("checksum/secret"));
        assert!(is_secret_name("secret-checksum-salt"));
        assert!(is_secret_name("my.Private-Key"));
        assert!(is_secret_name("db_pwd") && is_secret_name("pwd.hash"));
        assert!(!is_secret_name("pwd") && secret_key("Pwd") && secret_key("--db-password"));
        assert!(!secret_key("PASSWORD_FILE") && !secret_key("--token-path"));
        assert!(mentions_secret_name("a:\n  b: {db-Password: x}") && mentions_secret_name("PGPWD=1"));
        assert!(!mentions_secret_name("a:\n  b: {user: x, key: y}"));
        let u = "postgresql://nexus:s3cret@db:5432/nexus";
        let (a, b) = url_password(u).unwrap();
        assert_eq!(&u[a..b], "s3cret");
        assert_eq!(url_password("redis://db:6379/0"), None);
        assert_eq!(url_password("postgresql://nexus:$(POSTGRES_PASSWORD)@db/x"), None);
        assert_eq!(url_password("http://example.com/a:b@c"), None);
    }

    #[test]
    fn connection_strings_flags_and_urls_in_text() {
        assert_eq!(
            shown("Server=db;Database=app;User Id=sa;Password=Hunter2!x;Encrypt=true"),
            "Server=db;Database=app;User Id=sa;Password=****;Encrypt=true"
        );
        assert_eq!(shown("Host=db;Pwd='a b c';"), "Host=db;Pwd='****';");
        assert_eq!(
            shown("jdbc:postgresql://db:5432/app?user=app&password=Hunter2&ssl=true"),
            "jdbc:postgresql://db:5432/app?user=app&password=****&ssl=true"
        );
        assert_eq!(shown("`app --password=Hunter2 --port 80`"), "`app --password=**** --port 80`");
        assert_eq!(shown("app --db-password Hunter2 --port 80"), "app --db-password **** --port 80");
        assert_eq!(shown(r#"["app", "--api-token", "Hunter2"]"#), r#"["app", "--api-token", "****"]"#);
        assert_eq!(shown("PGPASSWORD=Hunter2 psql -h db"), "PGPASSWORD=**** psql -h db");
        assert_eq!(shown("redis://:Hunter2@cache:6379/0 and more"), "redis://:****@cache:6379/0 and more");
        assert_eq!(shown("amqp://u:p%40ss@mq/vhost"), "amqp://u:****@mq/vhost");
    }

    #[test]
    fn yaml_keys_in_source() {
        let text = "stringData: {password: \"Zq-quoted\", user: u}\npassword: Zq plain value # note\nsecretKeyRef: {name: db}\nautomountServiceAccountToken: false\napi_token: 'Zq-single'\nDB_PASSWORD: ${DB_PASSWORD}\n    checksum/secret: 77ac01\nexample.com/api-token: Zq-annotated\n";
        let shown: Vec<&str> = find_in_source(text).iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(shown, ["Zq-quoted", "Zq plain value", "Zq-single", "Zq-annotated"]);
    }

    #[test]
    fn what_is_not_a_secret_stays() {
        for text in [
            "--password-file /run/secrets/db",
            "DB_PASSWORD=$(cat /run/secrets/db)",
            "DB_PASSWORD=${DB_PASSWORD}",
            "password=",
            "--token --verbose",
            "--password\n  - next",
            "postgres://db:5432/app",
            "`DB_PASSWORD` is read from `db-secrets`",
        ] {
            assert_eq!(shown(text), text);
        }
    }
}
