//! NX406 secret-key-mismatch: see `rules/config/NX406-secret-key-mismatch.md`.

use crate::prelude::*;
use nexus_model::{ConfigKind, ConfigSource, EnvSource, Platform, Workload, same_namespace};

declare_rule!(Warning);

/// What a name says its value is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Meaning {
    Url,
    Password,
    User,
    Host,
    Port,
    Token,
}

impl Meaning {
    fn as_str(self) -> &'static str {
        match self {
            Meaning::Url => "a connection URL",
            Meaning::Password => "a password",
            Meaning::User => "a user name",
            Meaning::Host => "a host name",
            Meaning::Port => "a port",
            Meaning::Token => "a token",
        }
    }

    /// Can a value of meaning `other` be what a name of this meaning wants? Only clear
    /// contradictions count: a password is no URL, a user is no password.
    fn contradicts(self, other: Meaning) -> bool {
        use Meaning::*;
        self != other && !matches!((self, other), (Password, Token) | (Token, Password))
    }
}

/// The words of a name: `DATABASE_URL` → `database url`, `postgresPassword` → `postgres password`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The meaning of a name: its last word that says one. None for names that hold a file or path
/// (`PASSWORD_FILE`) or say nothing.
fn meaning(name: &str) -> Option<Meaning> {
    let w = words(name);
    if w.last().is_some_and(|l| matches!(l.as_str(), "file" | "path" | "dir" | "b64" | "base64" | "hash")) {
        return None;
    }
    w.iter().rev().find_map(|x| {
        Some(match x.as_str() {
            "url" | "uri" | "dsn" | "connectionstring" | "conn" => Meaning::Url,
            "password" | "passwd" | "pass" | "pwd" | "passphrase" => Meaning::Password,
            "user" | "username" | "login" | "usr" => Meaning::User,
            "host" | "hostname" => Meaning::Host,
            "port" => Meaning::Port,
            "token" => Meaning::Token,
            _ => return None,
        })
    })
}

/// The store a name is about, when it names one.
fn store(name: &str) -> Option<&'static str> {
    words(name).iter().find_map(|x| {
        Some(match x.as_str() {
            "postgres" | "postgresql" | "pg" | "mysql" | "mariadb" | "database" | "db" | "sql" => "SQL database",
            "redis" | "valkey" => "Redis",
            "mongo" | "mongodb" => "MongoDB",
            "rabbitmq" | "rabbit" | "amqp" => "RabbitMQ",
            "kafka" => "Kafka",
            "elasticsearch" | "elastic" | "opensearch" => "search engine",
            _ => return None,
        })
    })
}

fn source<'a>(p: &'a Platform, w: &Workload, kind: ConfigKind, name: &str) -> Option<&'a ConfigSource> {
    p.configs.iter().find(|c| {
        c.kind == kind && c.name.value == name && same_namespace(c.namespace.as_deref(), w.namespace.as_deref())
    })
}

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for w in &p.workloads {
        for c in w.all_containers() {
            for e in &c.env {
                let (what, kind, src, key) = match &e.from {
                    Some(EnvSource::SecretKey { name, key, .. }) => ("Secret", ConfigKind::Secret, name, key),
                    Some(EnvSource::ConfigMapKey { name, key, .. }) => ("ConfigMap", ConfigKind::ConfigMap, name, key),
                    _ => continue,
                };
                let (Some(want), Some(got)) = (meaning(&e.name.value), meaning(&key.value)) else { continue };
                let config = source(p, w, kind, &src.value);
                let value = config
                    .and_then(|s| s.data.iter().find(|d| d.key.value == key.value))
                    .and_then(|d| d.value.as_ref());
                // The key's name lies, but what it holds is what the variable wants.
                if want == Meaning::Url && value.is_some_and(|v| v.value.contains("://")) {
                    continue;
                }
                let message = if want.contradicts(got) {
                    format!(
                        "`{}` wants {} but reads {} key `{}`, which holds {}",
                        e.name.value,
                        want.as_str(),
                        what,
                        key.value,
                        got.as_str()
                    )
                } else if let (Some(a), Some(b)) = (store(&e.name.value), store(&key.value))
                    && a != b
                    && !(a == "SQL database" && b == "SQL database")
                {
                    format!(
                        "`{}` is for the {a} but reads {what} key `{}`, which is for the {b}",
                        e.name.value, key.value
                    )
                } else {
                    continue;
                };
                // A key of the same Secret that says what the variable wants.
                let better = config.and_then(|s| {
                    s.data.iter().map(|d| &d.key.value).find(|k| {
                        meaning(k) == Some(want) && store(k).is_none_or(|s| store(&e.name.value).is_none_or(|v| v == s))
                    })
                });
                let help = match (better, want) {
                    (Some(k), _) => format!("Read key `{k}` of {what} `{}`, which holds {}.", src.value, want.as_str()),
                    (None, Meaning::Url) => {
                        let example = match store(&key.value).or(store(&e.name.value)) {
                            Some("Redis") => "redis://:$(REDIS_PASSWORD)@host:6379/0",
                            Some("MongoDB") => "mongodb://user:$(MONGO_PASSWORD)@host:27017/db",
                            Some("RabbitMQ") => "amqp://user:$(RABBITMQ_PASSWORD)@host:5672/",
                            _ => "postgres://user:$(DB_PASSWORD)@host:5432/db",
                        };
                        format!(
                            "Add a key that holds the whole URL to {what} `{}` and read it, or read `{}` into its own variable and build the URL from it (`{example}`).",
                            src.value, key.value
                        )
                    }
                    (None, _) => format!("Read the key of {what} `{}` that holds {}.", src.value, want.as_str()),
                };
                out.push(
                    Diagnostic::new(META, key.span, message)
                        .label(format!("holds {}", got.as_str()))
                        .secondary(e.name.span, format!("wants {}", want.as_str()))
                        .help(help)
                        .resource(&w.resource)
                        .key(format!("{}:{}", c.name.value, e.name.value)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_mean_what_their_last_telling_word_says() {
        assert_eq!(meaning("DATABASE_URL"), Some(Meaning::Url));
        assert_eq!(meaning("postgres-password"), Some(Meaning::Password));
        assert_eq!(meaning("redisPassword"), Some(Meaning::Password));
        assert_eq!(meaning("POSTGRES_PASSWORD_FILE"), None);
        assert_eq!(meaning("DB_USER"), Some(Meaning::User));
        assert_eq!(meaning("api-key"), None);
        assert_eq!(store("REDIS_PASSWORD"), Some("Redis"));
        assert_eq!(store("postgres-password"), Some("SQL database"));
    }
}
