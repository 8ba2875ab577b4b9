//! Backups: what dumps which datastore, where, and what makes the dumps of one backup
//! consistent and trustworthy.
//!
//! Two sites are read, neither run:
//! - shell scripts (by the one shell reader, [`nexus_source::shell::eval`], functions and
//!   command substitutions included): `pg_dump`, `pg_dumpall`, `pg_basebackup`, `mysqldump`,
//!   `mariadb-dump`, `mongodump`, `redis-cli BGSAVE`/`SAVE`/`--rdb`, `velero backup create`,
//!   `restic backup`, directly or through `kubectl exec`/`docker exec`/`docker compose exec`;
//! - Jobs and CronJobs whose containers run those tools.
//!
//! Each dump's store is the workload it execs into (`deployment/nexus-database`, a Compose
//! service), or the host it names (`-h db`), or the workloads a Job connects to. Beside the
//! dumps, a backup records its verification steps (`pg_restore --list`, `pg_verifybackup`,
//! `redis-check-rdb`, `restic check`, `sha256sum -c`, `gzip -t`, `mongorestore --dryRun`,
//! `velero backup describe`), its checkpoint steps (a write pause: `redis-cli CLIENT PAUSE`,
//! `kubectl scale --replicas=0`, `docker compose stop`/`pause`, `fsfreeze`,
//! `pg_backup_start`), the waits for an asynchronous save (`redis-cli LASTSAVE`, `INFO
//! persistence`) and copies of a snapshot file (`dump.rdb`) made before such a wait.

use nexus_source::shell::eval::{Command, Core, Hooks, Interp, Options, Reply};
use nexus_source::{FileId, SourceDb, Span};

use super::{Platform, Role, Spanned, WorkloadId, WorkloadKind};
use crate::migration::{command_words, image_basename};

/// Where a backup is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackupSite {
    Script(FileId),
    Workload(WorkloadId),
}

/// A backup: a script or a Job/CronJob that dumps one or more stores.
#[derive(Clone, Debug)]
pub struct Backup {
    pub site: BackupSite,
    pub dumps: Vec<Dump>,
    pub verifications: Vec<Span>,
    pub checkpoints: Vec<Span>,
    /// A CronJob's schedule.
    pub schedule: Option<Spanned<String>>,
}

/// One dump command.
#[derive(Clone, Debug)]
pub struct Dump {
    /// `pg_dump`, `pg_basebackup`, `mysqldump`, `mongodump`, `redis-bgsave`, `redis-save`,
    /// `redis-rdb`, `velero`, `restic`.
    pub tool: String,
    pub span: Span,
    pub store: Option<WorkloadId>,
    /// The command returns before the snapshot is written (`BGSAVE`).
    pub asynchronous: bool,
    /// A later step waits for the asynchronous save to finish (`LASTSAVE` changes).
    pub awaited: bool,
    /// A copy of the snapshot file made before the save was awaited.
    pub early_copy: Option<Span>,
}

impl Dump {
    /// A whole-cluster or file-level snapshot (velero, restic): one tool covers every store.
    pub fn is_cluster_wide(&self) -> bool {
        matches!(self.tool.as_str(), "velero" | "restic")
    }
}

const DUMP_TOOLS: &[&str] = &["pg_dump", "pg_dumpall", "pg_basebackup", "mysqldump", "mariadb-dump", "mongodump"];

/// What a command's words do, for a backup.
enum Act {
    Dump { tool: String, asynchronous: bool },
    Verify,
    Checkpoint,
    AwaitSave,
    CopySnapshot,
}

fn classify(words: &[String]) -> Option<Act> {
    // `kubectl exec … -- sh -c 'pg_dump … | gzip'`: the body's words count too.
    let mut flat: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let body = i >= 2
            && words[i - 1] == "-c"
            && matches!(words[i - 2].rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash" | "zsh"));
        if body {
            flat.extend(
                w.split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`'))
                    .map(|x| x.trim_matches(|c| c == '"' || c == '\'').to_string())
                    .filter(|x| !x.is_empty()),
            );
        } else {
            flat.push(w.clone());
        }
    }
    let words = flat;
    let words = words.as_slice();
    let base = |w: &String| w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase();
    let b: Vec<String> = words.iter().map(base).collect();
    let has = |x: &str| b.iter().any(|w| w == x);
    let upper = |x: &str| words.iter().any(|w| w.eq_ignore_ascii_case(x));
    if has("pg_restore") || has("pg_verifybackup") || has("redis-check-rdb") || has("redis-check-aof") {
        return Some(Act::Verify);
    }
    if (has("restic") && has("check")) || (has("velero") && (has("describe") || has("get"))) {
        return Some(Act::Verify);
    }
    if (has("sha256sum") || has("md5sum") || has("sha1sum")) && (has("-c") || has("--check")) {
        return Some(Act::Verify);
    }
    if (has("gzip") || has("gunzip") || has("zstd")) && has("-t") || (has("mongorestore") && has("--dryrun")) {
        return Some(Act::Verify);
    }
    if has("redis-cli") || has("valkey-cli") {
        if upper("CLIENT") && upper("PAUSE") {
            return Some(Act::Checkpoint);
        }
        if upper("BGSAVE") {
            return Some(Act::Dump { tool: "redis-bgsave".into(), asynchronous: true });
        }
        if upper("SAVE") {
            return Some(Act::Dump { tool: "redis-save".into(), asynchronous: false });
        }
        if has("--rdb") {
            return Some(Act::Dump { tool: "redis-rdb".into(), asynchronous: false });
        }
        if upper("LASTSAVE") || (upper("INFO") && upper("persistence")) {
            return Some(Act::AwaitSave);
        }
    }
    if let Some(t) = DUMP_TOOLS.iter().find(|t| has(t)) {
        return Some(Act::Dump { tool: t.to_string(), asynchronous: false });
    }
    if has("velero") && has("backup") && has("create") {
        return Some(Act::Dump { tool: "velero".into(), asynchronous: false });
    }
    if has("restic") && has("backup") {
        return Some(Act::Dump { tool: "restic".into(), asynchronous: false });
    }
    let scale_to_zero = has("kubectl") && has("scale") && words.iter().any(|w| w == "--replicas=0");
    let stop = (has("docker") || has("docker-compose")) && (has("stop") || has("pause"));
    if scale_to_zero
        || stop
        || has("fsfreeze")
        || words.iter().any(|w| w.contains("pg_backup_start") || w.contains("pg_start_backup"))
    {
        return Some(Act::Checkpoint);
    }
    if (has("cp") || (has("kubectl") && has("cp")) || (has("docker") && has("cp")))
        && words.iter().any(|w| w.contains("dump.rdb"))
    {
        return Some(Act::CopySnapshot);
    }
    None
}

/// The workload a dump command reaches: the exec target, or a host it names.
fn store_of(p: &Platform, words: &[String], tool: &str) -> Option<WorkloadId> {
    let by_name = |name: &str| {
        let name = name.rsplit('/').next().unwrap_or(name);
        let name = name.split('.').next().unwrap_or(name);
        p.workloads
            .iter()
            .filter(|w| matches!(w.role, Role::Datastore | Role::Cache | Role::Queue))
            .find(|w| w.name.value == name || p.endpoints_of(w.id).any(|e| e.name.value == name))
            .map(|w| w.id)
    };
    // `kubectl exec … deployment/NAME`, `docker compose exec NAME`, `docker exec NAME`.
    for (i, w) in words.iter().enumerate() {
        if w == "exec" {
            let rest = words[i + 1..].iter().take_while(|x| *x != "--");
            for x in rest.filter(|x| !x.starts_with('-')) {
                if let Some(id) = by_name(x) {
                    return Some(id);
                }
            }
        }
    }
    for (i, w) in words.iter().enumerate() {
        let host = if matches!(w.as_str(), "-h" | "--host") {
            words.get(i + 1).map(String::as_str)
        } else {
            w.strip_prefix("--host=")
        };
        if let Some(id) = host.and_then(by_name) {
            return Some(id);
        }
    }
    // The only store of the tool's kind.
    let family: &[&str] = match tool {
        t if t.starts_with("pg") => &["postgres", "postgis", "timescale", "pg"],
        "mysqldump" | "mariadb-dump" => &["mysql", "mariadb", "percona"],
        "mongodump" => &["mongo"],
        t if t.starts_with("redis") => &["redis", "valkey", "keydb"],
        _ => return None,
    };
    let of_kind: Vec<WorkloadId> = p
        .workloads
        .iter()
        .filter(|w| {
            w.kind != WorkloadKind::ComposeService || p.workloads.iter().all(|x| x.kind == WorkloadKind::ComposeService)
        })
        .filter(|w| {
            w.containers.first().and_then(|c| c.image.as_ref()).is_some_and(|i| {
                let b = image_basename(&i.value).to_ascii_lowercase();
                family.iter().any(|f| b.starts_with(f))
            })
        })
        .map(|w| w.id)
        .collect();
    match of_kind.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

struct Reader<'p> {
    p: &'p Platform,
    backup: Backup,
}

impl Reader<'_> {
    fn take(&mut self, words: &[String], span: Span) {
        match classify(words) {
            Some(Act::Dump { tool, asynchronous }) => {
                let store = store_of(self.p, words, &tool);
                self.backup.dumps.push(Dump { tool, span, store, asynchronous, awaited: false, early_copy: None });
            }
            Some(Act::Verify) => self.backup.verifications.push(span),
            Some(Act::Checkpoint) => self.backup.checkpoints.push(span),
            Some(Act::AwaitSave) => {
                for d in self.backup.dumps.iter_mut().filter(|d| d.asynchronous && d.early_copy.is_none()) {
                    d.awaited = true;
                }
            }
            Some(Act::CopySnapshot) => {
                for d in self.backup.dumps.iter_mut().filter(|d| d.asynchronous && !d.awaited && d.early_copy.is_none())
                {
                    d.early_copy = Some(span);
                }
            }
            None => {}
        }
    }
}

impl Hooks for Reader<'_> {
    fn command(&mut self, _ev: &Core, cmd: &Command) -> Reply {
        if let Some(here) = cmd.here {
            let words: Vec<String> = cmd.args.iter().map(|a| a.text.clone()).collect();
            self.take(&words, here);
        }
        Reply::default()
    }
}

/// The backups of the scripts and workloads read.
pub fn backups(p: &Platform, db: &SourceDb, scripts: &[FileId]) -> Vec<Backup> {
    let mut out = Vec::new();
    for &file in scripts.iter().filter(|f| (f.0 as usize) < db.len()) {
        let reader = Reader {
            p,
            backup: Backup {
                site: BackupSite::Script(file),
                dumps: Vec::new(),
                verifications: Vec::new(),
                checkpoints: Vec::new(),
                schedule: None,
            },
        };
        let opts = Options { walk_substitutions: true, ..Options::default() };
        let mut it = Interp::new(db, reader, opts, &db.get(file).path, Vec::new());
        it.run_file(file);
        let mut b = it.hooks.backup;
        // A verification written in the script counts even where the reading lost the flow
        // (after a `cond || die` whose outcome it took as known).
        if !b.dumps.is_empty() && b.verifications.is_empty() {
            b.verifications = written_verifications(db, file);
        }
        if !b.dumps.is_empty() {
            out.push(b);
        }
    }
    for w in p.workloads.iter().filter(|w| w.kind.is_batch()) {
        let mut r = Reader {
            p,
            backup: Backup {
                site: BackupSite::Workload(w.id),
                dumps: Vec::new(),
                verifications: Vec::new(),
                checkpoints: Vec::new(),
                schedule: w.batch.as_ref().and_then(|b| b.schedule.clone()),
            },
        };
        // A container's command may chain several programs (`sh -c 'pg_dump … && pg_restore
        // --list …'`): each program word starts a command of its own.
        const PROGRAMS: &[&str] = &[
            "pg_dump",
            "pg_dumpall",
            "pg_basebackup",
            "mysqldump",
            "mariadb-dump",
            "mongodump",
            "redis-cli",
            "valkey-cli",
            "velero",
            "restic",
            "pg_restore",
            "pg_verifybackup",
            "redis-check-rdb",
            "sha256sum",
            "md5sum",
            "gzip",
            "gunzip",
            "mongorestore",
            "kubectl",
            "docker",
            "cp",
        ];
        for c in w.all_containers() {
            let words = command_words(c);
            let starts: Vec<usize> = (0..words.len())
                .filter(|&i| PROGRAMS.contains(&words[i].0.rsplit('/').next().unwrap_or(words[i].0)))
                .collect();
            for (k, &i) in starts.iter().enumerate() {
                let end = starts.get(k + 1).copied().unwrap_or(words.len());
                let texts: Vec<String> = words[i..end].iter().map(|(t, _)| t.to_string()).collect();
                r.take(&texts, words[i].1);
            }
        }
        // A Job reaches its store through its connections.
        let stores = crate::migration_facts::datastores_used(p, w.id);
        let caches: Vec<WorkloadId> = p
            .edges
            .iter()
            .filter(|e| e.consumer == w.id)
            .filter_map(|e| e.provider)
            .filter(|x| p.workload(*x).role == Role::Cache)
            .collect();
        for d in r.backup.dumps.iter_mut().filter(|d| d.store.is_none()) {
            let pick = if d.tool.starts_with("redis") { caches.first() } else { stores.first() };
            d.store = pick.copied();
        }
        if !r.backup.dumps.is_empty() {
            out.push(r.backup);
        }
    }
    out
}

/// Lines of a script (comments left out) whose words verify a backup.
fn written_verifications(db: &SourceDb, file: FileId) -> Vec<Span> {
    let text = &db.get(file).text;
    let mut out = Vec::new();
    let mut at = 0usize;
    for line in text.split_inclusive('\n') {
        let code = line.split(" #").next().unwrap_or(line);
        if !code.trim_start().starts_with('#') {
            let words: Vec<String> = code
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`' | '\'' | '"'))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if matches!(classify(&words), Some(Act::Verify)) {
                let trimmed = line.trim_end().len();
                out.push(Span::new(file, at as u32, (at + trimmed) as u32));
            }
        }
        at += line.len();
    }
    out
}
