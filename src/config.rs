//! `.nexus-lint.yaml`: rule selection and severities, excludes, per-resource ignores with a
//! reason and optional expiry, roles, connection capacities, simulation settings. Found from the working directory upward, or given by `--config`.
//! It is read with the same spanned YAML reader as manifests, so a mistake in it is reported
//! with its line and column.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use nexus_diagnostics::Severity;
use nexus_model::Role;
use nexus_model::declared::{Declared, SchemaMapping, ServicePair};
use nexus_model::roles::RoleOverride;
use nexus_rules::{self as rules, RuleMeta};
use nexus_source::yaml::{Limits, de, parse};
use nexus_source::{FileId, LineIndex};

mod capacity;
mod simulate;
pub use capacity::CapacityEntry;
pub use simulate::{DistValue, DurationValue, Images, ProfileValue, SimDefaults, SimSettings, SimulateConfig};

pub const CONFIG_NAMES: &[&str] = &[".nexus-lint.yaml", ".nexus-lint.yml"];

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rules to run: codes (`NX501`), prefixes (`NX1`, `NX50`), names, or `ALL`.
    #[serde(default)]
    pub select: Option<Vec<String>>,
    /// Rules not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Severity per rule code or name: `error`, `warning`, `info` or `off`.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// Glob patterns of paths not to read.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `error`, `warning`, `info` or `never`.
    #[serde(default)]
    pub fail_on: Option<String>,
    /// Files larger than this many bytes are reported, not read.
    #[serde(default)]
    pub max_file_size: Option<u64>,
    /// Findings to accept, each with a reason.
    #[serde(default)]
    pub ignores: Vec<IgnoreEntry>,
    /// Roles for workloads whose role nexus-lint cannot tell (a proxy, observability tooling,
    /// a datastore under another name).
    #[serde(default)]
    pub roles: Vec<RoleEntry>,
    /// Connection pools and datastore limits the manifests do not say (NX305).
    #[serde(default)]
    pub capacity: Vec<CapacityEntry>,
    /// Simulation settings (`nexus-lint simulate`, `check --simulate`).
    #[serde(default)]
    pub simulate: SimulateConfig,
    /// ConfigMaps, Secrets and Services created outside the repository (by an operator, a
    /// controller or by hand): `Kind/name` or `Kind/namespace/name`, `*` globs allowed.
    #[serde(default)]
    pub external: Vec<String>,
    /// JSON Schemas that config data follows (NX403).
    #[serde(default)]
    pub schemas: Vec<SchemaEntry>,
    /// Compose and Kubernetes drift (NX405).
    #[serde(default)]
    pub drift: DriftConfig,
    /// Migration settings: which tools lock, which apps migrate themselves.
    #[serde(default)]
    pub migrations: MigrationsConfig,
}

/// A JSON Schema for the data of ConfigMaps (or Compose configs).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SchemaEntry {
    /// The ConfigMap or Compose config name; `*` globs allowed.
    pub name: String,
    /// Only in this namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Only this data key (`settings.json`); default: every structured key, or the whole data
    /// when there is none.
    #[serde(default)]
    pub key: Option<String>,
    /// The schema file, relative to the configuration file.
    pub schema: String,
}

/// `drift:` as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DriftConfig {
    /// Compose services and the Kubernetes workloads that run the same service, where names and
    /// images do not say so.
    #[serde(default)]
    pub pairs: Vec<PairEntry>,
    /// Environment variables that may differ between the two (`*` globs allowed).
    #[serde(default)]
    pub ignore_env: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PairEntry {
    /// The Compose service name; `*` globs allowed.
    pub compose: String,
    /// The Kubernetes resource (`Deployment/shop/api`); `*` globs allowed.
    pub kubernetes: String,
}

/// `migrations:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MigrationsConfig {
    /// Tool (`django`, `alembic`, `flyway`, …) → whether it serializes concurrent runs, over
    /// nexus-lint's defaults (NX204).
    #[serde(default)]
    pub locks: BTreeMap<String, bool>,
    /// Resources (`compose:web`, `Deployment/*/api`; `*` globs) that migrate their own schema
    /// (NX201).
    #[serde(default)]
    pub self_migrating: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RoleEntry {
    /// Resource identity (`compose:edge`, `Deployment/shop/gateway`); `*` globs allowed.
    #[serde(default)]
    pub resource: Option<String>,
    /// Image of the workload's main container (`ghcr.io/acme/gateway:*`); `*` globs allowed.
    #[serde(default)]
    pub image: Option<String>,
    /// The role: server, datastore, cache, queue, migration, one-shot, proxy, observability or
    /// admin.
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IgnoreEntry {
    /// Rule codes or names this entry accepts.
    pub rules: Vec<String>,
    /// Resource identity (`Deployment/prod/api`, `compose:web`); `*` globs allowed.
    #[serde(default)]
    pub resource: Option<String>,
    /// Path glob of the files it applies to.
    #[serde(default)]
    pub path: Option<String>,
    /// Why the finding is accepted (required).
    pub reason: String,
    /// `YYYY-MM-DD`: after this date the entry no longer applies and is reported.
    #[serde(default)]
    pub expires: Option<String>,
}

/// When findings fail the run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "never" => Some(FailOn::Never),
            _ => Severity::parse(s).map(FailOn::Severity),
        }
    }
}

/// A config entry that accepts findings, with where it was written.
#[derive(Debug, Clone)]
pub struct ConfigIgnore {
    pub entry: IgnoreEntry,
    pub codes: Vec<&'static str>,
    pub resource: Option<globset::GlobMatcher>,
    pub path: Option<globset::GlobMatcher>,
    /// Line of the entry in the config file, for reporting it as unused or expired.
    pub line: u32,
}

/// Validated settings for a run.
#[derive(Debug)]
pub struct Settings {
    pub enabled: Vec<&'static str>,
    pub severity: BTreeMap<&'static str, Severity>,
    pub exclude: GlobSet,
    pub fail_on: FailOn,
    pub max_file_size: u64,
    pub ignores: Vec<ConfigIgnore>,
    /// The config file used, if any.
    pub path: Option<PathBuf>,
    /// Today's date (`YYYY-MM-DD`), for expiry; fixed in tests.
    pub today: String,
    /// Roles set by `roles:`.
    pub roles: Vec<RoleOverride>,
    /// Capacities set by `capacity:`.
    pub capacity: Vec<nexus_model::capacity::CapacityOverride>,
    /// `migrations:`.
    pub migrations: nexus_model::migration_facts::MigrationSettings,
    pub simulate: SimSettings,
    /// External objects, schemas and service pairs.
    pub declared: Declared,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: rules::all().iter().map(|r| r.code).collect(),
            severity: BTreeMap::new(),
            exclude: GlobSet::empty(),
            fail_on: FailOn::Severity(Severity::Warning),
            max_file_size: nexus_source::DEFAULT_MAX_FILE_BYTES,
            ignores: Vec::new(),
            path: None,
            today: today(),
            roles: Vec::new(),
            capacity: Vec::new(),
            migrations: Default::default(),
            simulate: SimSettings::default(),
            declared: Declared::default(),
        }
    }
}

impl Settings {
    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(&code)
    }

    pub fn severity_of(&self, meta: &RuleMeta, default: Severity) -> Severity {
        self.severity.get(meta.code).copied().unwrap_or(default)
    }
}

/// A configuration mistake, with its position in the config file when known.
#[derive(Debug, thiserror::Error)]
#[error("{location}{message}")]
pub struct ConfigError {
    pub location: String,
    pub message: String,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        ConfigError { location: String::new(), message: message.into() }
    }
}

/// A config file larger than this is refused: configs are a few hundred bytes.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Finds `.nexus-lint.yaml` from `start` upward. Something that is not a regular file under
/// that name is found too, so that reading it reports it.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    for dir in start.ancestors() {
        for name in CONFIG_NAMES {
            let p = dir.join(name);
            if p.exists() {
                return Some(p);
            }
        }
    }
    None
}

/// Reads a config file: a regular file (never a FIFO, device or socket, which could block or
/// never end: `--config /dev/zero`), at most [`MAX_CONFIG_BYTES`], UTF-8.
pub fn read(path: &Path) -> Result<String, String> {
    read_regular(path, MAX_CONFIG_BYTES)
}

/// Reads a file named on the command line or found beside the inputs (a config, a baseline):
/// a regular file of at most `limit` bytes, UTF-8.
pub fn read_regular(path: &Path, limit: u64) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| nexus_source::discover::io_message(&e))?;
    if !meta.is_file() {
        return Err(if meta.is_dir() { "is a directory".into() } else { "not a regular file".into() });
    }
    let file = std::fs::File::open(path).map_err(|e| nexus_source::discover::io_message(&e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| nexus_source::discover::io_message(&e))?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".into())
}

/// Parses a config file's text.
pub fn parse_config(display: &str, text: &str) -> Result<(ConfigFile, Vec<u32>), ConfigError> {
    let yaml = parse(FileId(0), Arc::from(text), &Limits::default());
    let lines = LineIndex::new(text);
    let at = |offset: u32| {
        let p = lines.position(text, offset);
        format!("{display}:{}:{}: ", p.line, p.column)
    };
    if let Some(p) = yaml.problems.iter().find(|p| p.kind != nexus_source::yaml::ProblemKind::AmbiguousScalar) {
        return Err(ConfigError { location: at(p.start), message: p.message.clone() });
    }
    let Some(root) = yaml.docs.first().and_then(|d| yaml.root(d)) else {
        return Ok((ConfigFile::default(), Vec::new()));
    };
    let file: ConfigFile = de::from_node(root).map_err(|e| ConfigError {
        location: e.span.map(|s| at(s.start)).unwrap_or_else(|| format!("{display}: ")),
        message: e.message,
    })?;
    let ignore_lines =
        root.get("ignores").map(|l| l.items().map(|i| lines.line_of(i.span().start)).collect()).unwrap_or_default();
    Ok((file, ignore_lines))
}

fn resolve_selector(sel: &str) -> Result<Vec<&'static str>, ConfigError> {
    let all = rules::all();
    if sel.eq_ignore_ascii_case("ALL") {
        return Ok(all.iter().map(|r| r.code).collect());
    }
    let up = sel.to_ascii_uppercase();
    let matched: Vec<&'static str> = all
        .iter()
        .filter(|m| m.name == sel || m.code.starts_with(&up) && up.starts_with("NX"))
        .map(|m| m.code)
        .collect();
    if matched.is_empty() {
        return Err(ConfigError::new(format!("`{sel}` names no rule (see `nexus-lint rules`)")));
    }
    Ok(matched)
}

fn resolve_one(sel: &str) -> Result<&'static RuleMeta, ConfigError> {
    rules::by_code(sel)
        .or_else(|| rules::by_name(sel))
        .ok_or_else(|| ConfigError::new(format!("`{sel}` names no rule (see `nexus-lint rules`)")))
}

fn glob(pattern: &str) -> Result<Glob, ConfigError> {
    Glob::new(pattern).map_err(|e| ConfigError::new(format!("invalid glob `{pattern}`: {e}")))
}

/// Command-line overrides.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub fail_on: Option<String>,
}

/// Turns a config file (if any) and command-line overrides into validated settings.
pub fn settings(file: Option<(&Path, ConfigFile, Vec<u32>)>, cli: &Overrides) -> Result<Settings, ConfigError> {
    let mut s = Settings::default();
    let (path, cfg, lines) = match file {
        Some((p, c, l)) => (Some(p.to_path_buf()), c, l),
        None => (None, ConfigFile::default(), Vec::new()),
    };
    s.path = path;
    let select = cli.select.clone().or(cfg.select.clone());
    if let Some(sel) = select {
        let mut enabled = Vec::new();
        for x in sel.iter().flat_map(|x| x.split(',')).map(str::trim).filter(|x| !x.is_empty()) {
            enabled.extend(resolve_selector(x)?);
        }
        // An empty selection would check nothing and pass: a mistake, not a wish.
        if enabled.is_empty() {
            return Err(ConfigError::new(
                "`select` names no rule, so nothing would be checked; name rules (`NX1`, `NX501`, `ALL`) or leave it out to run every rule",
            ));
        }
        s.enabled = enabled;
    }
    for x in
        cfg.ignore.iter().chain(cli.ignore.iter()).flat_map(|x| x.split(',')).map(str::trim).filter(|x| !x.is_empty())
    {
        let off = resolve_selector(x)?;
        s.enabled.retain(|c| !off.contains(c));
    }
    for (k, v) in &cfg.severity {
        let meta = resolve_one(k)?;
        if v == "off" {
            s.enabled.retain(|c| *c != meta.code);
            continue;
        }
        let sev = Severity::parse(v)
            .ok_or_else(|| ConfigError::new(format!("severity `{v}` for `{k}`: use error, warning, info or off")))?;
        s.severity.insert(meta.code, sev);
    }
    s.enabled.sort();
    s.enabled.dedup();
    if !cfg.exclude.is_empty() {
        let mut b = GlobSetBuilder::new();
        for e in &cfg.exclude {
            b.add(glob(e)?);
            // `vendor/` style patterns mean everything under it.
            if !e.contains('*') {
                b.add(glob(&format!("{}/**", e.trim_end_matches('/')))?);
            }
        }
        s.exclude = b.build().map_err(|e| ConfigError::new(e.to_string()))?;
    }
    if let Some(f) = cli.fail_on.as_deref().or(cfg.fail_on.as_deref()) {
        s.fail_on = FailOn::parse(f)
            .ok_or_else(|| ConfigError::new(format!("fail-on `{f}`: use error, warning, info or never")))?;
    }
    if let Some(m) = cfg.max_file_size {
        s.max_file_size = m;
    }
    for r in &cfg.roles {
        let role = Role::parse(r.role.trim()).ok_or_else(|| {
            ConfigError::new(format!(
                "role `{}`: use server, datastore, cache, queue, migration, one-shot, proxy, observability or admin",
                r.role
            ))
        })?;
        if r.resource.is_none() && r.image.is_none() {
            return Err(ConfigError::new("every entry of `roles` needs a `resource` or an `image`"));
        }
        s.roles.push(RoleOverride { resource: r.resource.clone(), image: r.image.clone(), role });
    }
    s.capacity = cfg.capacity.iter().map(|c| c.0.clone()).collect();
    s.migrations = nexus_model::migration_facts::MigrationSettings {
        locks: cfg.migrations.locks.clone(),
        self_migrating: cfg.migrations.self_migrating.clone(),
    };
    s.simulate = SimSettings::from_config(&cfg.simulate);
    s.declared = declared(&cfg, s.path.as_deref())?;
    for (i, entry) in cfg.ignores.into_iter().enumerate() {
        if entry.reason.trim().is_empty() {
            return Err(ConfigError::new("every entry of `ignores` needs a `reason`"));
        }
        if let Some(d) = &entry.expires
            && !is_date(d)
        {
            return Err(ConfigError::new(format!("`expires: {d}` is not a date (YYYY-MM-DD)")));
        }
        let codes = entry.rules.iter().map(|r| resolve_one(r).map(|m| m.code)).collect::<Result<Vec<_>, _>>()?;
        let resource = entry.resource.as_deref().map(|r| glob(r).map(|g| g.compile_matcher())).transpose()?;
        let path = entry.path.as_deref().map(|r| glob(r).map(|g| g.compile_matcher())).transpose()?;
        s.ignores.push(ConfigIgnore { entry, codes, resource, path, line: lines.get(i).copied().unwrap_or(1) });
    }
    Ok(s)
}

/// `external:`, `schemas:` and `drift:`, with schema paths resolved from the configuration
/// file's directory (and checked to exist).
fn declared(cfg: &ConfigFile, path: Option<&Path>) -> Result<Declared, ConfigError> {
    let mut d = Declared { external: cfg.external.clone(), ..Declared::default() };
    for e in &d.external {
        if e.trim().is_empty() || e.split('/').count() > 3 {
            return Err(ConfigError::new(format!(
                "external `{e}`: write `Kind/name` or `Kind/namespace/name` (`*` globs allowed)"
            )));
        }
    }
    let dir = path.and_then(Path::parent).filter(|p| !p.as_os_str().is_empty());
    for e in &cfg.schemas {
        if e.schema.contains("://") {
            return Err(ConfigError::new(format!(
                "schema `{}`: give a file of the repository; nexus-lint never fetches schemas",
                e.schema
            )));
        }
        let resolved = match dir {
            Some(dir) => dir.join(&e.schema),
            None => PathBuf::from(&e.schema),
        };
        if path.is_some() && !resolved.is_file() {
            return Err(ConfigError::new(format!(
                "schema `{}` of `{}` does not exist (looked at `{}`)",
                e.schema,
                e.name,
                resolved.display()
            )));
        }
        d.schemas.push(SchemaMapping {
            name: e.name.clone(),
            namespace: e.namespace.clone(),
            key: e.key.clone(),
            schema: resolved.to_string_lossy().into_owned(),
            written: e.schema.clone(),
        });
    }
    d.pairs = cfg
        .drift
        .pairs
        .iter()
        .map(|p| ServicePair { compose: p.compose.clone(), kubernetes: p.kubernetes.clone() })
        .collect();
    d.drift_ignore_env = cfg.drift.ignore_env.clone();
    Ok(d)
}

/// `YYYY-MM-DD`, a day that exists (`2027-13-45` and `2027-02-30` do not).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Today's UTC date, from the system clock (only used for ignore expiry).
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's civil_from_days).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_sim::defaults::{BackoffProfile, Timing};
    use nexus_sim::dist::Dist;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_785), "2026-11-28");
        assert!(is_date("2027-01-31"));
        assert!(!is_date("2027-1-31"));
        // Regression (issue 7): the shape is not enough.
        assert!(!is_date("2027-13-45") && !is_date("2027-02-29") && !is_date("2027-00-10"));
        assert!(is_date("2028-02-29") && !is_date("2100-02-29") && is_date("2000-02-29"));
    }

    #[test]
    fn migrations() {
        let text = "migrations:\n  locks: {django: true}\n  self-migrating: ['compose:web']\n";
        let (file, lines) = parse_config(".nexus-lint.yaml", text).unwrap();
        let s = settings(Some((Path::new(".nexus-lint.yaml"), file, lines)), &Overrides::default()).unwrap();
        assert_eq!(s.migrations.locks.get("django"), Some(&true));
        assert_eq!(s.migrations.self_migrating, ["compose:web"]);
    }

    #[test]
    fn roles() {
        let text = "roles:\n  - resource: compose:edge\n    role: proxy\n  - image: 'ghcr.io/acme/*-exporter:*'\n    role: observability\n";
        let (file, lines) = parse_config(".nexus-lint.yaml", text).unwrap();
        let s = settings(Some((Path::new(".nexus-lint.yaml"), file, lines)), &Overrides::default()).unwrap();
        assert_eq!(s.roles.len(), 2);
        assert_eq!(s.roles[0].role, Role::Proxy);
        assert_eq!(s.roles[1].image.as_deref(), Some("ghcr.io/acme/*-exporter:*"));
        for bad in ["roles:\n  - resource: x\n    role: wizard\n", "roles:\n  - role: proxy\n"] {
            let (file, lines) = parse_config(".nexus-lint.yaml", bad).unwrap();
            assert!(settings(Some((Path::new(".nexus-lint.yaml"), file, lines)), &Overrides::default()).is_err());
        }
    }

    #[test]
    fn selection_severity_and_ignores() {
        let text = "select: [NX0, NX501]\nignore: [NX005]\nseverity:\n  mutable-image-tag: error\nignores:\n  - rules: [NX501]\n    resource: 'Deployment/*/legacy'\n    reason: vendor image\n";
        let (cfg, lines) = parse_config(".nexus-lint.yaml", text).unwrap();
        let s = settings(Some((Path::new(".nexus-lint.yaml"), cfg, lines)), &Overrides::default()).unwrap();
        assert!(s.is_enabled("NX001") && s.is_enabled("NX501"));
        assert!(!s.is_enabled("NX005") && !s.is_enabled("NX601"));
        assert_eq!(s.severity.get("NX501"), Some(&Severity::Error));
        assert_eq!(s.ignores.len(), 1);
        assert_eq!(s.ignores[0].line, 6);
        assert!(s.ignores[0].resource.as_ref().unwrap().is_match("Deployment/prod/legacy"));
    }

    #[test]
    fn mistakes_have_positions() {
        let err = parse_config(".nexus-lint.yaml", "select: [NX5]\nignroe: [NX001]\n").unwrap_err();
        assert!(err.to_string().starts_with(".nexus-lint.yaml:2:1: "), "{err}");
        assert!(err.to_string().contains("unknown field `ignroe`"), "{err}");
        let (cfg, l) = parse_config("c", "ignores:\n  - rules: [NX501]\n    reason: ''\n").unwrap();
        assert!(settings(Some((Path::new("c"), cfg, l)), &Overrides::default()).is_err());
        let (cfg, l) = parse_config("c", "select: [NX999]\n").unwrap();
        assert!(settings(Some((Path::new("c"), cfg, l)), &Overrides::default()).is_err());
        // Regression (issue 7): an empty selection is an error, not a run of nothing.
        let (cfg, l) = parse_config("c", "select: []\n").unwrap();
        let err = settings(Some((Path::new("c"), cfg, l)), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("names no rule"), "{err}");
        let cli = Overrides { select: Some(vec![String::new()]), ..Overrides::default() };
        assert!(settings(None, &cli).is_err());
        let (cfg, l) =
            parse_config("c", "ignores:\n  - rules: [NX501]\n    reason: r\n    expires: 2027-13-45\n").unwrap();
        let err = settings(Some((Path::new("c"), cfg, l)), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("is not a date"), "{err}");
    }

    #[test]
    fn simulate_section() {
        let text = "simulate:\n  trials: 500\n  seed: 7\n  profile: node-max=30s\n  deadline: 20m\n  images: cold\n  on-check: true\n  defaults:\n    app-start: 5..30\n    migration: lognormal(20s, 2m)\n    poll: 2s\n";
        let (cfg, l) = parse_config("c", text).unwrap();
        let s = settings(Some((Path::new("c"), cfg, l)), &Overrides::default()).unwrap().simulate;
        assert_eq!((s.trials, s.seed, s.deadline_ms, s.on_check), (500, Some(7), 1_200_000, true));
        assert_eq!(s.profile, BackoffProfile::NodeMax { max_ms: 30_000 });
        assert_eq!(s.timing.app_listen, Dist::uniform(5_000, 30_000));
        assert_eq!(s.timing.migration, Dist::lognormal(20_000, 120_000));
        assert_eq!(s.timing.image_pull, Timing::COLD_PULL);
        assert_eq!(s.timing.poll_ms, 2_000);
        // Mistakes point at the value.
        let err = parse_config("c", "simulate:\n  defaults:\n    app-start: 30..5\n").unwrap_err().to_string();
        assert!(err.starts_with("c:3:5: "), "{err}");
        assert!(err.contains("lower bound is above its upper bound"), "{err}");
        let err = parse_config("c", "simulate:\n  profile: fast\n").unwrap_err().to_string();
        assert!(err.starts_with("c:2:3: ") && err.contains("classic, reduced-decay"), "{err}");
        let err = parse_config("c", "simulate:\n  trails: 5\n").unwrap_err().to_string();
        assert!(err.starts_with("c:2:3: ") && err.contains("unknown field `trails`"), "{err}");
    }
}
