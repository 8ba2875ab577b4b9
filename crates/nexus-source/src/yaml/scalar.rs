//! Scalar typing: the YAML 1.2 core schema, and the YAML 1.1 forms that Kubernetes' YAML
//! library still reads differently.

/// What a scalar means under the YAML 1.2 core schema.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
}

/// Resolves a plain (unquoted, untagged) scalar by the core schema's regular expressions
/// (YAML 1.2.2 §10.3.2).
pub fn resolve_plain(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Plain::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let first = b[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Plain::Str;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return match i128::from_str_radix(hex, 16) {
            Ok(v) if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) => Plain::Int(v),
            _ => Plain::Str,
        };
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return match i128::from_str_radix(oct, 8) {
            Ok(v) if !oct.is_empty() && oct.bytes().all(|c| (b'0'..=b'7').contains(&c)) => Plain::Int(v),
            _ => Plain::Str,
        };
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return s.parse::<i128>().map(Plain::Int).unwrap_or(Plain::Float(s.parse().unwrap_or(f64::NAN)));
    }
    if is_core_float(digits)
        && let Ok(f) = s.parse::<f64>()
    {
        return Plain::Float(f);
    }
    Plain::Str
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|c| c.is_ascii_digit())
                && frac.bytes().all(|c| c.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let d = e.strip_prefix(['-', '+']).unwrap_or(e);
        !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

/// Resolves a scalar with an explicit tag; unknown tags leave it a string.
pub fn resolve_tagged(tag: &str, s: &str) -> Plain {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some("str") => Plain::Str,
        Some("null") => Plain::Null,
        Some("bool") | Some("int") | Some("float") => match resolve_plain(s) {
            Plain::Null | Plain::Str => Plain::Str,
            other => other,
        },
        _ => Plain::Str,
    }
}

/// For a plain scalar that YAML 1.1 (and so Kubernetes' go-yaml v2 based decoder) reads as a
/// boolean while YAML 1.2 reads it as a string, the YAML 1.1 value.
pub fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema() {
        assert_eq!(resolve_plain("~"), Plain::Null);
        assert_eq!(resolve_plain("true"), Plain::Bool(true));
        assert_eq!(resolve_plain("yes"), Plain::Str);
        assert_eq!(resolve_plain("8080"), Plain::Int(8080));
        assert_eq!(resolve_plain("-12"), Plain::Int(-12));
        assert_eq!(resolve_plain("0x1F"), Plain::Int(31));
        assert_eq!(resolve_plain("0o17"), Plain::Int(15));
        assert_eq!(resolve_plain("0755"), Plain::Int(755));
        assert_eq!(resolve_plain("1.5"), Plain::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Plain::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Plain::Float(0.5));
        assert_eq!(resolve_plain("1.2.3"), Plain::Str);
        assert_eq!(resolve_plain("500m"), Plain::Str);
        assert_eq!(resolve_plain("."), Plain::Str);
        assert_eq!(resolve_plain("-"), Plain::Str);
        assert_eq!(resolve_plain("1:20"), Plain::Str);
        assert_eq!(resolve_plain("nginx:1.27"), Plain::Str);
    }

    #[test]
    fn yaml11_booleans() {
        assert_eq!(yaml11_bool("on"), Some(true));
        assert_eq!(yaml11_bool("NO"), Some(false));
        assert_eq!(yaml11_bool("true"), None);
        assert_eq!(yaml11_bool("nope"), None);
    }
}
