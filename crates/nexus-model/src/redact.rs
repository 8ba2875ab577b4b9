//! Where secret values are written, so that no output ever shows them: Secret data, values of
//! variables named like credentials, and passwords inside connection URLs. Reporters that print
//! source text (the human report's snippets) blank these byte ranges first.

use super::{Platform, Spanned};
use nexus_source::Span;

/// Does a variable or key name say it holds a credential?
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase().replace(['-', '.'], "_");
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
    WORDS.iter().any(|w| n.contains(w)) || n.ends_with("_PWD") || n == "PWD_HASH"
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
    // A reference (`$(DB_PASSWORD)`, `${DB_PASSWORD}`) names a secret; it is not one.
    let pw = &s[start..end];
    let reference = (pw.starts_with("$(") && pw.ends_with(')')) || (pw.starts_with("${") && pw.ends_with('}'));
    (end > start && !reference).then_some((start, end))
}

/// The byte range of the password in a key-value connection string
/// (`Host=db;Username=app;Password=…;Database=app`, ADO.NET, JDBC properties, ODBC `Pwd=`).
pub fn keyvalue_password(s: &str) -> Option<(usize, usize)> {
    let lower = s.to_ascii_lowercase();
    for key in ["password=", "pwd="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(key).map(|i| i + from) {
            let at_boundary = i == 0 || matches!(lower.as_bytes()[i - 1], b';' | b' ' | b'&' | b'?' | b',');
            let start = i + key.len();
            if at_boundary {
                let end = lower[start..].find([';', '&', ',']).map_or(s.len(), |j| start + j);
                let pw = &s[start..end];
                let reference = pw.starts_with("$(") || pw.starts_with("${");
                if end > start && !reference {
                    return Some((start, end));
                }
            }
            from = start;
        }
    }
    None
}

fn value_spans(v: &Spanned<String>, name_is_secret: bool, out: &mut Vec<Span>) {
    if name_is_secret {
        out.push(v.span);
        return;
    }
    if let Some((a, b)) = url_password(&v.value).or_else(|| keyvalue_password(&v.value)) {
        // The password appears verbatim in the source when the value has no escapes.
        let src_len = (v.span.end - v.span.start) as usize;
        let quoted = src_len == v.value.len() + 2;
        let offset = if quoted { 1 } else { 0 };
        if src_len == v.value.len() || quoted {
            out.push(Span::new(v.span.file, v.span.start + (a + offset) as u32, v.span.start + (b + offset) as u32));
        } else {
            out.push(v.span);
        }
    }
}

/// Every span that holds a secret value, sorted.
pub fn secret_spans(p: &Platform) -> Vec<Span> {
    let mut out = Vec::new();
    for c in &p.configs {
        for e in &c.data {
            let Some(v) = &e.value else { continue };
            value_spans(v, c.kind.is_secret() || is_secret_name(&e.key.value), &mut out);
        }
    }
    for w in &p.workloads {
        for c in w.all_containers() {
            for e in &c.env {
                if let Some(v) = &e.value {
                    value_spans(v, is_secret_name(&e.name.value), &mut out);
                }
            }
            for a in c.argv() {
                value_spans(a, false, &mut out);
            }
        }
    }
    // Credentials written inside embedded config files (`password=…` in a properties file).
    for s in &p.structured {
        out.extend(s.credentials.iter().map(|c| c.2));
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls() {
        assert!(is_secret_name("POSTGRES_PASSWORD"));
        assert!(is_secret_name("stripe-api-key"));
        assert!(is_secret_name("GITHUB_TOKEN"));
        assert!(!is_secret_name("CACHE_KEY_PREFIX"));
        assert!(!is_secret_name("DATABASE_HOST"));
        let u = "postgresql://nexus:s3cret@db:5432/nexus";
        let (a, b) = url_password(u).unwrap();
        assert_eq!(&u[a..b], "s3cret");
        assert_eq!(url_password("redis://db:6379/0"), None);
        assert_eq!(url_password("postgresql://nexus:$(POSTGRES_PASSWORD)@db/x"), None);
        assert_eq!(url_password("http://example.com/a:b@c"), None);
        let c = "Host=db;Username=app;Password=s3cret;Database=app";
        let (a, b) = keyvalue_password(c).unwrap();
        assert_eq!(&c[a..b], "s3cret");
        assert_eq!(keyvalue_password("Host=db;Password=$(DB_PASSWORD)"), None);
        assert_eq!(keyvalue_password("reset_password=true_path"), None);
    }
}
