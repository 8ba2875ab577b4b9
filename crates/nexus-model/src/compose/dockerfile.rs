//! The image a Compose service's `build:` starts from: the `FROM` of the Dockerfile's target
//! stage, with `ARG`s replaced by the service's build args or their defaults, and stage names
//! followed to the image they start from. It tells what a built service is (a service built
//! `FROM temporalio/auto-setup` is Temporal's auto-setup, which waits for its own database), as
//! an `image:` does for a pulled one. Nothing is built or run; the Dockerfile is read through
//! [`super::Files`], so one outside the checked directories is never opened. It also tells which
//! script of the build context the target stage's `ENTRYPOINT` runs ([`entrypoint_script`]).
//!
//! The subset read is what `FROM` needs ([Dockerfile reference], "Understand how ARG and FROM
//! interact"): line continuations (with the `# escape=` directive), comments, `ARG` before and
//! between stages, `FROM [--platform=…] IMAGE [AS NAME]`, and `$NAME`, `${NAME}`,
//! `${NAME:-word}`, `${NAME-word}` in the image. A variable with no value makes the image
//! unknown: nothing is guessed.
//!
//! [Dockerfile reference]: https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact

use super::read::Reader;
use nexus_source::yaml::NodeRef;

/// What a `build:` says about the Dockerfile to read (Compose Build Specification).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSpec {
    /// `context`, as written (a directory, or a URL that is not read).
    pub context: String,
    /// `dockerfile`, relative to the context.
    pub dockerfile: Option<String>,
    /// `dockerfile_inline`: the Dockerfile itself.
    pub inline: Option<String>,
    /// `args`: a value, or None for `NAME` alone (taken from where Compose runs: unknown here).
    pub args: Vec<(String, Option<String>)>,
    /// `target`: the stage to build (else the last one).
    pub target: Option<String>,
}

impl BuildSpec {
    /// `build:` as a context path, or as a mapping (`context`, `dockerfile`, `dockerfile_inline`,
    /// `args`, `target`).
    pub(super) fn read(rd: Reader<'_>, b: NodeRef<'_>) -> Option<BuildSpec> {
        let mut spec = BuildSpec::default();
        if !b.is_map() {
            spec.context = rd.text(b)?.value;
            return Some(spec);
        }
        spec.context = rd.at(b, "context").map_or_else(|| ".".to_string(), |c| c.value);
        spec.dockerfile = rd.at(b, "dockerfile").map(|d| d.value);
        spec.inline = rd.at(b, "dockerfile_inline").map(|d| d.value);
        spec.target = rd.at(b, "target").map(|t| t.value);
        let args = b.get("args");
        if args.is_some_and(|a| a.is_seq()) {
            // `["NAME=value", "NAME"]`: a NAME alone takes its value from where Compose runs.
            for item in args.into_iter().flat_map(|a| a.items()) {
                let Some(t) = rd.text(item) else { continue };
                spec.args.push(match t.value.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (t.value, None),
                });
            }
        } else {
            for e in args.into_iter().flat_map(|a| a.entries()) {
                let Some(k) = e.key.as_str() else { continue };
                spec.args.push((k.to_string(), rd.text(e.value).map(|v| v.value)));
            }
        }
        Some(spec)
    }

    /// The Dockerfile's path under the Compose file's directory, when it is a local file.
    pub fn dockerfile_path(&self, compose_dir: &str) -> Option<String> {
        if self.inline.is_some() {
            return None;
        }
        let context = self.context_dir(compose_dir)?;
        Some(super::project::join(&context, self.dockerfile.as_deref().unwrap_or("Dockerfile")))
    }

    /// The build context's path under the Compose file's directory, when it is a local
    /// directory (not a Git or HTTP URL).
    pub fn context_dir(&self, compose_dir: &str) -> Option<String> {
        let remote = self.context.contains("://") || self.context.starts_with("git@") || self.context.ends_with(".git");
        (!remote).then(|| super::project::join(compose_dir, if self.context.is_empty() { "." } else { &self.context }))
    }
}

/// At most this many stages are followed from the target to the image it starts from.
const MAX_STAGES: usize = 64;

struct Stage {
    image: String,
    name: Option<String>,
    /// `ARG`s in force at this `FROM`: the global ones declared before it.
    globals: Vec<(String, Option<String>)>,
    /// The stage's other instructions, in order.
    lines: Vec<String>,
}

/// The stage a build builds: its `target`, else the last one.
fn target_stage(stages: &[Stage], spec: &BuildSpec) -> Option<usize> {
    match &spec.target {
        Some(t) => stages.iter().position(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t))),
        None => stages.len().checked_sub(1),
    }
}

/// The stage before `i` named `image`, when stage `i` is built from it.
fn earlier_stage(stages: &[Stage], i: usize, image: &str) -> Option<usize> {
    stages[..i].iter().rposition(|p| p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(image)))
}

/// The image the target stage of `text` starts from; None when it is not known (an unknown
/// variable, `scratch`, no `FROM`).
pub fn base_image(text: &str, spec: &BuildSpec) -> Option<String> {
    let stages = stages(text);
    let arg = |globals: &[(String, Option<String>)], name: &str| -> Option<String> {
        // Only a global ARG declared before the FROM may be used in it; a build arg overrides
        // its default.
        let declared = globals.iter().rev().find(|(n, _)| n == name)?;
        match spec.args.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => v.clone(),
            None => declared.1.clone(),
        }
    };
    let mut i = target_stage(&stages, spec)?;
    for _ in 0..MAX_STAGES {
        let s = &stages[i];
        let image = expand(&s.image, &|n| arg(&s.globals, n))?;
        // A stage built from an earlier stage: follow it.
        match earlier_stage(&stages, i, &image) {
            Some(earlier) => i = earlier,
            None => return (!image.eq_ignore_ascii_case("scratch") && !image.is_empty()).then_some(image),
        }
    }
    None
}

/// Wrappers an `ENTRYPOINT` may start with before the program it runs.
const INIT_WRAPPERS: &[&str] = &["tini", "dumb-init", "gosu", "su-exec", "catatonit", "tini-static"];
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh"];

/// The script the target stage's `ENTRYPOINT` runs, when the Dockerfile copies it from the build
/// context (`COPY entrypoint.sh /sbin/entrypoint.sh` … `ENTRYPOINT ["/sbin/entrypoint.sh"]`):
/// its path in the context. What it runs at start — a loop that waits for the database — is then
/// read like a container's command. `ENTRYPOINT` and `COPY` are looked for in the target stage
/// and the stages it is built from (nearest first); a `COPY --from` copies from another image or
/// stage, not from the context, and wildcards are not expanded: unknown, nothing guessed.
pub fn entrypoint_script(text: &str, spec: &BuildSpec) -> Option<String> {
    let chain = stage_chain(text, spec)?;
    let lines = || chain.iter().flat_map(|s| s.iter().rev());
    let script = entrypoint_in(&chain)?;
    lines()
        .filter_map(|l| keyword_rest(l, "COPY").or_else(|| keyword_rest(l, "ADD")))
        .find_map(|c| copied_to(c, &script))
}

/// The program the target stage's `ENTRYPOINT` runs (see [`entry_program`]): where a Compose
/// bind mount may put a script of the repository.
pub fn entrypoint_program(text: &str, spec: &BuildSpec) -> Option<String> {
    entrypoint_in(&stage_chain(text, spec)?)
}

fn entrypoint_in(chain: &[Vec<String>]) -> Option<String> {
    let entry = chain.iter().flat_map(|s| s.iter().rev()).find_map(|l| keyword_rest(l, "ENTRYPOINT"))?;
    entry_program(&command_words(entry)?)
}

/// The `HEALTHCHECK` of a built image: the last one of the target stage, else of the stages it
/// is built from (Dockerfile reference, "HEALTHCHECK": "If you list more than one then only the
/// last HEALTHCHECK will take effect"; a stage inherits its base stage's). Compose runs it when
/// the service sets no `healthcheck.test` of its own, so a `depends_on` with `service_healthy`
/// waits for it. One inherited from a pulled base image is not known here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHealth {
    /// The instruction's first line in the Dockerfile: byte offsets.
    pub at: (usize, usize),
    /// The command and whether it is the shell form; None for `HEALTHCHECK NONE`.
    pub test: Option<(Vec<String>, bool)>,
    pub interval_ms: Option<i64>,
    pub timeout_ms: Option<i64>,
    pub start_period_ms: Option<i64>,
    pub start_interval_ms: Option<i64>,
    pub retries: Option<i64>,
}

pub fn healthcheck(text: &str, spec: &BuildSpec) -> Option<ImageHealth> {
    let chain = stage_chain(text, spec)?;
    let line = chain.iter().flat_map(|s| s.iter().rev()).find(|l| keyword_rest(l, "HEALTHCHECK").is_some())?;
    let mut rest = keyword_rest(line, "HEALTHCHECK")?;
    let mut h = ImageHealth {
        at: instruction_at(text, line)?,
        test: None,
        interval_ms: None,
        timeout_ms: None,
        start_period_ms: None,
        start_interval_ms: None,
        retries: None,
    };
    while let Some(opt) = rest.strip_prefix("--") {
        let end = opt.find(char::is_whitespace).unwrap_or(opt.len());
        let (name, value) = opt[..end].split_once('=')?;
        let ms = || super::service::parse_duration_ms(value);
        match name {
            "interval" => h.interval_ms = ms(),
            "timeout" => h.timeout_ms = ms(),
            "start-period" => h.start_period_ms = ms(),
            "start-interval" => h.start_interval_ms = ms(),
            "retries" => h.retries = value.parse().ok(),
            _ => {}
        }
        rest = opt[end..].trim_start();
    }
    if rest.eq_ignore_ascii_case("NONE") {
        return Some(h);
    }
    let cmd = keyword_rest(rest, "CMD")?;
    h.test = Some(if cmd.starts_with('[') {
        (serde_json::from_str::<Vec<String>>(cmd).ok()?, false)
    } else {
        (vec![cmd.to_string()], true)
    });
    Some(h)
}

/// A service's readiness check: its `healthcheck`, else its image's `HEALTHCHECK` (at `span`).
/// A `healthcheck` without `test` keeps the image's command and overrides its timings, as the
/// Docker Engine does with an empty `Test` (Compose Specification, "healthcheck"; Docker Engine
/// API, `HealthConfig`); `disable: true` or `test: ["NONE"]` turns either off.
pub(super) fn readiness(
    own: Option<super::service::Health>,
    image: Option<(ImageHealth, nexus_source::Span)>,
) -> Option<crate::Probe> {
    use super::service::TestKind;
    use crate::Spanned;
    use crate::{Probe, ProbeHandler};
    let from_image = |h: &ImageHealth, span: nexus_source::Span| {
        let ms = |v: Option<i64>| v.map(|v| Spanned::new(v, span));
        let handler = match &h.test {
            Some((words, shell)) => ProbeHandler::ComposeTest {
                command: words.iter().map(|w| Spanned::new(w.clone(), span)).collect(),
                shell: *shell,
            },
            None => ProbeHandler::None,
        };
        Probe {
            key_span: span,
            span,
            disabled: h.test.is_none(),
            handler,
            initial_delay_ms: None,
            period_ms: ms(h.interval_ms),
            timeout_ms: ms(h.timeout_ms),
            failure_threshold: ms(h.retries),
            success_threshold: None,
            start_period_ms: ms(h.start_period_ms),
            start_interval_ms: ms(h.start_interval_ms),
        }
    };
    let Some(h) = own else {
        return image.map(|(h, span)| from_image(&h, span));
    };
    let inherited = image.as_ref().filter(|_| h.test.is_none()).map(|(i, span)| from_image(i, *span));
    let (handler, none) = match h.test {
        Some((command, TestKind::Exec)) => (ProbeHandler::ComposeTest { command, shell: false }, false),
        Some((command, TestKind::Shell)) => (ProbeHandler::ComposeTest { command, shell: true }, false),
        Some((_, TestKind::Disable)) => (ProbeHandler::None, true),
        None => match &inherited {
            Some(p) => (p.handler.clone(), p.disabled),
            None => (ProbeHandler::None, false),
        },
    };
    let disabled = none || h.disable == Some(true);
    let or = |own: Option<Spanned<i64>>, f: fn(&Probe) -> Option<Spanned<i64>>| {
        own.or_else(|| inherited.as_ref().and_then(f))
    };
    Some(Probe {
        key_span: h.key_span,
        span: h.span,
        handler: if disabled { ProbeHandler::None } else { handler },
        initial_delay_ms: None,
        period_ms: or(h.interval, |p| p.period_ms.clone()),
        timeout_ms: or(h.timeout, |p| p.timeout_ms.clone()),
        failure_threshold: or(h.retries, |p| p.failure_threshold.clone()),
        success_threshold: None,
        start_period_ms: or(h.start_period, |p| p.start_period_ms.clone()),
        start_interval_ms: or(h.start_interval, |p| p.start_interval_ms.clone()),
        disabled,
    })
}

/// Where the logical line `instruction` starts in `text`: the last physical line it begins with.
fn instruction_at(text: &str, instruction: &str) -> Option<(usize, usize)> {
    let escape = escape_char(text);
    let mut found = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let head = line.trim().trim_end_matches(escape).trim_end();
        if !head.is_empty() && instruction.trim_start().starts_with(head) {
            let start = offset + (line.len() - line.trim_start().len());
            found = Some((start, offset + line.trim_end().len()));
        }
        offset += raw.len();
    }
    found
}

/// The instructions of the target stage and of the stages it is built from, nearest first.
fn stage_chain(text: &str, spec: &BuildSpec) -> Option<Vec<Vec<String>>> {
    let mut stages = stages(text);
    let mut i = target_stage(&stages, spec)?;
    let mut chain = vec![i];
    while chain.len() < MAX_STAGES {
        let Some(earlier) = earlier_stage(&stages, i, &stages[i].image) else { break };
        chain.push(earlier);
        i = earlier;
    }
    Some(chain.into_iter().map(|s| std::mem::take(&mut stages[s].lines)).collect())
}

/// The rest of an instruction line after `keyword`, if it is that instruction.
fn keyword_rest<'a>(line: &'a str, keyword: &str) -> Option<&'a str> {
    let (k, rest) = line.split_once(char::is_whitespace)?;
    k.eq_ignore_ascii_case(keyword).then_some(rest.trim())
}

/// An instruction's words: the exec form (a JSON array) or the shell form split on blanks.
fn command_words(rest: &str) -> Option<Vec<String>> {
    if rest.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(rest).ok();
    }
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// The script an entrypoint runs: after an init wrapper (`tini --`), the program itself, or the
/// script a shell is given (`bash /entrypoint.sh`). An absolute path only.
pub fn entry_program(words: &[String]) -> Option<String> {
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let mut rest = words.iter().skip_while(|w| INIT_WRAPPERS.contains(&base(w).as_str()) || w.starts_with('-'));
    let first = rest.next()?;
    let program = if SHELLS.contains(&base(first).as_str()) { rest.find(|w| !w.starts_with('-'))? } else { first };
    program.starts_with('/').then(|| program.clone())
}

/// The context path a `COPY`/`ADD` (its words after the keyword) copies to `target`.
fn copied_to(rest: &str, target: &str) -> Option<String> {
    let words = command_words(rest)?;
    if words.iter().any(|w| w.starts_with("--from")) {
        return None;
    }
    let words: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
    let (dest, srcs) = words.split_last()?;
    let base = |w: &str| w.trim_end_matches('/').rsplit('/').next().unwrap_or(w).to_string();
    srcs.iter()
        .filter(|s| !s.contains(['*', '?', '[']) && !s.contains("://"))
        .find(|s| {
            (srcs.len() == 1 && dest.as_str() == target)
                || format!("{}/{}", dest.trim_end_matches('/'), base(s)) == target
        })
        .map(|s| s.trim_start_matches("./").to_string())
}

/// The `FROM`s of a Dockerfile, with the global `ARG`s declared before each.
fn stages(text: &str) -> Vec<Stage> {
    let mut out = Vec::new();
    let mut globals: Vec<(String, Option<String>)> = Vec::new();
    for line in instructions(text) {
        let mut words = line.split_whitespace();
        let Some(keyword) = words.next() else { continue };
        if keyword.eq_ignore_ascii_case("ARG") && out.is_empty() {
            for w in words {
                let (n, v) = match w.split_once('=') {
                    Some((n, v)) => (n, Some(unquote(v).to_string())),
                    None => (w, None),
                };
                globals.push((n.to_string(), v));
            }
        } else if keyword.eq_ignore_ascii_case("FROM") {
            let mut rest = words.skip_while(|w| w.starts_with("--"));
            let Some(image) = rest.next() else { continue };
            let name = match (rest.next(), rest.next()) {
                (Some(a), Some(n)) if a.eq_ignore_ascii_case("AS") => Some(n.to_string()),
                _ => None,
            };
            out.push(Stage { image: image.to_string(), name, globals: globals.clone(), lines: Vec::new() });
        } else if let Some(stage) = out.last_mut() {
            stage.lines.push(line.trim().to_string());
        }
    }
    out
}

/// The logical lines of a Dockerfile: comments dropped, continued lines joined. Heredoc bodies
/// are not told apart: a `RUN <<EOF` body line that starts with `FROM`, `ENTRYPOINT` or `COPY` is
/// rare, and at worst a stage or an instruction too many.
fn instructions(text: &str) -> Vec<String> {
    let escape = escape_char(text);
    let mut out = Vec::new();
    let mut cur = String::new();
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if t.starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix(escape) {
            Some(head) => {
                cur.push_str(head);
                cur.push(' ');
            }
            None => {
                cur.push_str(line);
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// The `# escape=` parser directive (only at the top, before any other line), else `\`.
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let Some(d) = line.trim().strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else { break };
        if k.trim().eq_ignore_ascii_case("escape") && v.trim() == "`" {
            return '`';
        }
    }
    '\\'
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME-word}` replaced; None when a variable has
/// no value and no default, or the form is not one of these.
fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            let (name, default) = match inner.find(['-', ':']) {
                Some(j) => {
                    let op = &inner[j..];
                    let default = op.strip_prefix(":-").or_else(|| op.strip_prefix('-'))?;
                    (&inner[..j], Some(default))
                }
                None => (inner, None),
            };
            let value = lookup(name).filter(|v| !v.is_empty() || default.is_none());
            out.push_str(&value.or_else(|| default.map(str::to_string))?);
            rest = &body[end + 1..];
        } else {
            let end = after.find(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            out.push_str(&lookup(&after[..end])?);
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text, any target and any args: an answer or None, never a panic, and an answer
        /// is never empty.
        #[test]
        fn any_dockerfile_is_read_without_panic(
            text in "((ARG|FROM|from|AS| |\\\n|\n|#|=|\\$|\\{|\\}|:-|-|[a-z]{1,3}|`|é)){0,40}",
            target in proptest::option::of("[a-z]{1,2}"),
            value in proptest::option::of("[a-z$:{}-]{0,4}"),
        ) {
            let s = BuildSpec { args: vec![("a".into(), value)], target, ..BuildSpec::default() };
            if let Some(image) = base_image(&text, &s) {
                prop_assert!(!image.is_empty());
            }
        }
    }

    fn spec(args: &[(&str, Option<&str>)], target: Option<&str>) -> BuildSpec {
        BuildSpec {
            context: ".".into(),
            args: args.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect(),
            target: target.map(str::to_string),
            ..BuildSpec::default()
        }
    }

    #[test]
    fn build_args_fill_the_from_of_the_last_stage() {
        // temporalio/docker-compose tls/Dockerfile.auto-setup-tls.
        let text = "ARG BASEIMAGE\nFROM temporalio/${BASEIMAGE}\n\nUSER root\nCOPY ./.pki/ca.pem /x\n";
        let s = spec(&[("BASEIMAGE", Some("auto-setup:1.22.4"))], None);
        assert_eq!(base_image(text, &s).as_deref(), Some("temporalio/auto-setup:1.22.4"));
        // No value and no default: unknown, not guessed.
        assert_eq!(base_image(text, &spec(&[], None)), None);
        assert_eq!(base_image(text, &spec(&[("BASEIMAGE", None)], None)), None);
    }

    #[test]
    fn stages_are_followed_to_the_image_they_start_from() {
        let text = "# syntax=docker/dockerfile:1\nARG PG=16 \\\n  OTHER=1\nFROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build\n\
                    FROM postgres:${PG} as base\nFROM base\nCOPY --from=build /x /y\n";
        assert_eq!(base_image(text, &spec(&[], None)).as_deref(), Some("postgres:16"));
        assert_eq!(base_image(text, &spec(&[("PG", Some("17"))], None)).as_deref(), Some("postgres:17"));
        assert_eq!(base_image(text, &spec(&[], Some("build"))).as_deref(), Some("golang:1.23"));
        assert_eq!(base_image(text, &spec(&[], Some("nope"))), None);
        // An ARG declared after the first FROM is not in scope for a later FROM.
        let late = "FROM alpine AS a\nARG X=redis\nFROM ${X}\n";
        assert_eq!(base_image(late, &spec(&[], None)), None);
        assert_eq!(base_image("FROM scratch\nCOPY x /\n", &spec(&[], None)), None);
        assert_eq!(base_image("", &spec(&[], None)), None);
        // A stage that names itself does not loop.
        assert_eq!(base_image("FROM a AS a\nFROM a AS b\nFROM b AS a\n", &spec(&[], None)).as_deref(), Some("a"));
    }

    #[test]
    fn healthchecks_of_the_target_stage_and_its_bases() {
        let none = spec(&[], None);
        let df = "FROM php:8\nHEALTHCHECK --start-period=100s \\\n    --interval=30s --retries=5 \\\n    CMD php-fpm-healthcheck || exit 1\nCMD [\"php-fpm\"]\n";
        let h = healthcheck(df, &none).unwrap();
        assert_eq!(h.test, Some((vec!["php-fpm-healthcheck || exit 1".to_string()], true)));
        assert_eq!(
            (h.start_period_ms, h.interval_ms, h.retries, h.timeout_ms),
            (Some(100_000), Some(30_000), Some(5), None)
        );
        assert_eq!(&df[h.at.0..h.at.1], "HEALTHCHECK --start-period=100s \\");
        // Exec form, inherited from the stage built upon; the target's own NONE turns it off.
        let df = "FROM python AS base\nHEALTHCHECK CMD [\"curl\", \"-f\", \"http://localhost/\"]\nFROM base AS app\nRUN true\nFROM app AS debug\nHEALTHCHECK NONE\n";
        let app = healthcheck(df, &spec(&[], Some("app"))).unwrap();
        assert_eq!(app.test.unwrap(), (vec!["curl".to_string(), "-f".into(), "http://localhost/".into()], false));
        assert_eq!(healthcheck(df, &none).map(|h| h.test), Some(None));
        // None in the stage, or only in an unrelated one.
        assert_eq!(healthcheck("FROM a AS x\nHEALTHCHECK CMD true\nFROM alpine\n", &none), None);
    }

    #[test]
    fn entrypoint_scripts_copied_from_the_context() {
        let none = spec(&[], None);
        let df = "FROM python:3.12\nCOPY entrypoint.sh /sbin/entrypoint.sh\nENTRYPOINT [\"/sbin/entrypoint.sh\"]\nCMD [\"app:run\"]\n";
        assert_eq!(entrypoint_script(df, &none).as_deref(), Some("entrypoint.sh"));
        // Into a directory, through tini and a shell, inherited from the stage built upon.
        let df = "FROM debian AS base\nCOPY --chmod=755 ./docker/start.sh ./docker/other.sh /usr/local/bin/\nENTRYPOINT [\"tini\", \"--\", \"bash\", \"/usr/local/bin/start.sh\"]\nFROM base AS app\nRUN true\n";
        assert_eq!(entrypoint_script(df, &none).as_deref(), Some("docker/start.sh"));
        // Shell form.
        let df = "FROM alpine\nADD run.sh /run.sh\nENTRYPOINT /run.sh serve\n";
        assert_eq!(entrypoint_script(df, &none).as_deref(), Some("run.sh"));
        // From another stage, a wildcard, no ENTRYPOINT, a relative program: unknown.
        for df in [
            "FROM a AS b\nFROM alpine\nCOPY --from=b /e.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
            "FROM alpine\nCOPY *.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
            "FROM alpine\nCOPY e.sh /e.sh\n",
            "FROM alpine\nCOPY e.sh e.sh\nENTRYPOINT [\"./e.sh\"]\n",
        ] {
            assert_eq!(entrypoint_script(df, &none), None, "{df}");
        }
    }

    #[test]
    fn defaults_escapes_and_paths() {
        assert_eq!(base_image("FROM ${IMG:-nginx:1.27}\n", &spec(&[], None)).as_deref(), Some("nginx:1.27"));
        assert_eq!(
            base_image("ARG IMG\nFROM ${IMG:-nginx}\n", &spec(&[("IMG", Some(""))], None)).as_deref(),
            Some("nginx")
        );
        assert_eq!(base_image("ARG V=\"7.4\"\nFROM redis:$V\n", &spec(&[], None)).as_deref(), Some("redis:7.4"));
        let windows = "# escape=`\nFROM mcr.microsoft.com/windows/servercore `\n  AS x\n";
        assert_eq!(base_image(windows, &spec(&[], None)).as_deref(), Some("mcr.microsoft.com/windows/servercore"));
        let mut s = spec(&[], None);
        assert_eq!(s.dockerfile_path("deploy").as_deref(), Some("deploy/Dockerfile"));
        s.context = "../api".into();
        s.dockerfile = Some("docker/Dockerfile.prod".into());
        assert_eq!(s.dockerfile_path("deploy/compose").as_deref(), Some("deploy/api/docker/Dockerfile.prod"));
        s.context = "https://github.com/acme/api.git#main".into();
        assert_eq!(s.dockerfile_path("."), None);
    }
}
