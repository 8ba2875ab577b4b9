//! The command line: argument definitions (clap) and one module per subcommand. Arguments
//! become validated [`Settings`](crate::config::Settings) before any file is read.

mod check;
mod fix;
mod generate;
mod graph;
mod output;
mod rules;
mod simulate;
mod stdout;

pub use rules::markdown as rules_markdown;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes: findings at or above `--fail-on` → 1; usage, input or config errors → 2.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "nexus-lint",
    version,
    about = "Lint Kubernetes manifests and Docker Compose files for startup, migration, scaling and configuration defects"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories (`-` reads stdin, e.g. `helm template … | nexus-lint check -`).
    Check(CheckArgs),
    /// Simulate the platform's start many times: how often each race happens (NX901–NX906),
    /// how long the platform takes to become ready, and the timeline of a failing start.
    Simulate(SimulateArgs),
    /// Print the dependency graph: workloads, Services, dependencies (gated or not) and findings.
    Graph(GraphArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Explain one rule (by code or name).
    Rule(RuleArgs),
    /// Apply the autofixes that rules offer, as minimal text edits.
    ///
    /// Exit codes: 0 no finding at or above `--fail-on` remains; 1 findings remain (those
    /// without an autofix); 2 usage error, unreadable input, invalid configuration, or a file
    /// that changed while nexus-lint was fixing it (that file is not written).
    Fix(FixArgs),
    /// Print a shell completion script (e.g. `nexus-lint completions bash > /etc/bash_completion.d/nexus-lint`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    Manpage(ManpageArgs),
    /// Print the JSON Schema of `.nexus-lint.yaml`, for editors (yaml-language-server).
    ConfigSchema,
    /// The speed benchmark's yardstick (scripts/bench.sh): read the YAML files under the paths
    /// and run a bare parser event pass over each, on one thread; print the counts.
    #[command(hide = true)]
    BareParse(BareParseArgs),
}

#[derive(Debug, clap::Args)]
pub struct BareParseArgs {
    /// Files or directories.
    pub paths: Vec<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphical diagnostics with source snippets, and a summary.
    Human,
    /// The versioned document of docs/json-output.schema.json.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML: one test suite per file, a failure per error or warning.
    Junit,
    /// A Markdown summary (GitHub job summaries, pull-request comments).
    Markdown,
}

/// `FORMAT=FILE` of `--report`.
fn parse_report(s: &str) -> Result<(Format, std::path::PathBuf), String> {
    let (format, file) = s.split_once('=').ok_or("expected FORMAT=FILE, e.g. `sarif=nexus-lint.sarif`")?;
    let format = Format::from_str(format, true)
        .map_err(|_| format!("unknown format `{format}` (expected human, json, sarif, github, junit or markdown)"))?;
    if file.is_empty() {
        return Err("expected FORMAT=FILE, with a file name".into());
    }
    Ok((format, std::path::PathBuf::from(file)))
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

// The shared arguments below have `//` comments: clap makes a flattened struct's doc comment
// the description of the command it is flattened into.

// `--config` and `--no-config`, for every command that reads inputs.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Configuration file (default: `.nexus-lint.yaml` found from the working directory up).
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Ignore any `.nexus-lint.yaml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

// The rule selection of `check` and `fix`, worded for `check`: `fix` words `--select` and
// `--fail-on` for its fixes (`fix_wording`).
#[derive(Debug, clap::Args)]
pub struct RuleSelection {
    /// Only these rules (codes, prefixes like `NX1`, or names; comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Lowest severity that fails the run: error, warning, info or never (default: warning).
    #[arg(long)]
    pub fail_on: Option<String>,
}

impl RuleSelection {
    pub(crate) fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            fail_on: self.fail_on.clone(),
        }
    }
}

/// `fix`'s help for two arguments of [`RuleSelection`]. `mut_args` changes them in place;
/// `mut_arg` would move them last, and the completion scripts list arguments in that order.
fn fix_wording(a: clap::Arg) -> clap::Arg {
    match a.get_id().as_str() {
        "select" => a.help("Only these rules' fixes (codes, prefixes or names; comma-separated)"),
        "fail_on" => a.help("Lowest severity of a remaining finding that makes the exit code 1 (default: warning)"),
        _ => a,
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check; `-` for stdin. Default: the current directory.
    pub paths: Vec<String>,
    /// Output format (default: `human`, or `github` when GITHUB_ACTIONS=true).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    #[command(flatten)]
    pub conf: ConfigArgs,
    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
    /// Also write a report in another format to a file, as `FORMAT=FILE` (repeatable), e.g.
    /// `--report sarif=nexus-lint.sarif`: one run, several reports.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub report: Vec<(Format, std::path::PathBuf)>,
    /// Do not report the findings this baseline file holds (see docs/baseline.md); report
    /// those it holds that are gone as fixed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    /// Record every finding of this run in a baseline file; the run then exits 0 unless an
    /// input could not be read.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<std::path::PathBuf>,
    /// Also run a short simulation (`simulate: check-trials`, default 1,000) and report NX901–NX906.
    #[arg(long)]
    pub simulate: bool,
    /// Print the time of each stage (reading, parsing, front ends, linking, rules, suppression,
    /// redaction, reporting) on stderr; also set by `NEXUS_LINT_TIMINGS=1`.
    #[arg(long)]
    pub stats: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Human,
    Json,
    Github,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Files or directories to simulate; `-` for stdin. Default: the current directory.
    pub paths: Vec<String>,
    /// Monte Carlo trials per deployment unit (default: `simulate: trials`, or 10,000).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Master seed (default: a new one, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// How trials choose their durations: monte-carlo (probabilities), pct (priority
    /// schedules that find rare orderings), exhaustive (every ordering of the interacting
    /// workloads: proves a unit race-free), auto (Monte Carlo, then exhaustive if small, else PCT).
    #[arg(long, value_enum, default_value = "monte-carlo")]
    pub strategy: crate::simulate::Strategy,
    /// What is deployed: install (a first start), upgrade (the plan applied again over a
    /// serving platform: the release's workloads roll beside its migration), or config-change
    /// (each ConfigMap and Secret edited while the platform serves: when each replica sees it).
    #[arg(long, value_enum, default_value = "install")]
    pub scenario: crate::simulate::ScenarioArg,
    /// PCT's depth: ordering constraints a race may need (depth − 1 change points per schedule).
    #[arg(long, default_value_t = nexus_sim::explore::pct::DEFAULT_DEPTH, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub pct_depth: u8,
    /// The most orderings an exhaustive enumeration runs per unit.
    #[arg(long, default_value_t = nexus_sim::explore::exhaustive::DEFAULT_LIMIT)]
    pub max_orderings: u64,
    /// Re-run one trial (`SEED:TRIAL`, `SEED:pctD:N` or `SEED:ex:N`, as the report prints it)
    /// and print its event log.
    #[arg(long, value_name = "KEY")]
    pub replay: Option<String>,
    /// With `--replay`: shrink each of the trial's findings to its cause — durations back to
    /// their medians, the deciding one bisected to its threshold — and print the causal chain's
    /// timeline and the condition that decides it.
    #[arg(long, requires = "replay")]
    pub shrink: bool,
    /// Write a failing trial's timeline (or the replayed one's) as SVG, or HTML with the SVG.
    #[arg(long, value_name = "FILE.svg|FILE.html")]
    pub timeline: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<SimFormat>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,
    /// Kubelet CrashLoopBackOff: classic (10 s doubling to 300 s), reduced-decay (1 s to 60 s)
    /// or `node-max=<duration>`.
    #[arg(long)]
    pub profile: Option<String>,
    /// NX904's deadline: every workload must be ready by then (default 15m).
    #[arg(long)]
    pub deadline: Option<String>,
    /// The deploy script to follow, when several are read.
    #[arg(long)]
    pub deploy_script: Option<String>,
    /// Only this deployment unit: `kubernetes` or `compose:<project>`.
    #[arg(long)]
    pub unit: Option<String>,
    /// Lowest severity that fails the run: error, warning, info or never (default: warning).
    #[arg(long)]
    pub fail_on: Option<String>,
    #[command(flatten)]
    pub conf: ConfigArgs,
    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

#[derive(Debug, clap::Args)]
#[command(mut_args(fix_wording))]
pub struct FixArgs {
    /// Files or directories to fix. Default: the current directory. Only files under them are
    /// written.
    pub paths: Vec<String>,
    /// Print a unified diff of the fixes and write nothing.
    #[arg(long)]
    pub diff: bool,
    #[command(flatten)]
    pub selection: RuleSelection,
    #[command(flatten)]
    pub conf: ConfigArgs,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManpageArgs {
    /// Write `nexus-lint.1` and one `nexus-lint-COMMAND.1` per command into this directory
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Files or directories; `-` for stdin. Default: the current directory.
    pub paths: Vec<String>,
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
    /// Write the graph to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub conf: ConfigArgs,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: RulesFormat,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// A rule code (`NX501`) or name (`mutable-image-tag`).
    pub rule: String,
}

/// `nexus-lint config-schema`: the schema, pretty-printed.
fn config_schema() -> u8 {
    let text = serde_json::to_string_pretty(&crate::config_schema::schema()).unwrap_or_default();
    match emit(|w| writeln!(w, "{text}")) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

/// `nexus-lint bare-parse`: the same discovery as `check`, then each YAML file read and given
/// to a bare event pass, one after the other on this thread. Prints files, bytes and events.
fn bare_parse(paths: &[String]) -> u8 {
    let found = nexus_source::discover::discover(paths, &globset::GlobSet::empty());
    let (mut files, mut bytes, mut events) = (0usize, 0usize, 0usize);
    for input in &found.inputs {
        let Some(path) = input.path.as_ref().filter(|_| input.kind == nexus_source::discover::InputKind::Yaml) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        files += 1;
        bytes += text.len();
        events += nexus_source::yaml::bare_events(&text);
    }
    match emit(|w| writeln!(w, "{files} files, {bytes} bytes, {events} events")) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

/// Writes to stdout, treating a closed pipe as success.
pub(crate) fn emit(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), u8> {
    match stdout::stdout(f) {
        Ok(stdout::Delivered::All) => Ok(()),
        Ok(stdout::Delivered::ReaderGone) => Err(EXIT_OK),
        Err(e) => {
            eprint_error(&e);
            Err(EXIT_ERROR)
        }
    }
}

/// The exit code of a run whose report went to stdout: a write error is 2; a reader that
/// closed the pipe early makes the findings' code 0 but keeps an error of the run (2).
pub(crate) fn exit_code(delivered: Result<stdout::Delivered, String>, run_failed: bool, findings: bool) -> u8 {
    match delivered {
        Err(e) => {
            eprint_error(&e);
            EXIT_ERROR
        }
        Ok(_) if run_failed => EXIT_ERROR,
        Ok(stdout::Delivered::ReaderGone) => EXIT_OK,
        Ok(stdout::Delivered::All) if findings => EXIT_FINDINGS,
        Ok(stdout::Delivered::All) => EXIT_OK,
    }
}

/// The paths a command reads: those given, or the working directory.
pub(crate) fn input_paths(given: &[String]) -> Vec<String> {
    if given.is_empty() { vec![".".to_string()] } else { given.to_vec() }
}

/// The paths `check` and `simulate` read, where stdin (`-`) may stand once.
pub(crate) fn input_paths_with_stdin(given: &[String]) -> Result<Vec<String>, &'static str> {
    let paths = input_paths(given);
    if paths.iter().filter(|p| *p == "-").count() > 1 {
        return Err("`-` (stdin) can be given only once");
    }
    Ok(paths)
}

/// An error on stderr; what it quotes (paths, config values) is escaped.
#[allow(clippy::print_stderr)]
pub(crate) fn eprint_error(msg: &str) {
    eprintln!("nexus-lint: error: {}", nexus_report::escape::text(msg));
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Rules(args) => rules::list(args),
        Command::Rule(args) => rules::explain(args),
        Command::Fix(args) => fix::run(args),
        Command::Completions(args) => generate::completions(args),
        Command::Manpage(args) => generate::manpage(args),
        Command::ConfigSchema => config_schema(),
        Command::BareParse(args) => bare_parse(&args.paths),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_arguments() {
        let cli = Cli::try_parse_from(["nexus-lint", "check", "a", "-", "--select", "NX1,NX501", "--format", "json"])
            .unwrap();
        let Command::Check(a) = cli.command else { panic!() };
        assert_eq!(a.paths, ["a", "-"]);
        assert_eq!(a.selection.select.unwrap(), ["NX1", "NX501"]);
        assert_eq!(a.format, Some(Format::Json));
        assert!(Cli::try_parse_from(["nexus-lint", "check", "--config", "x", "--no-config"]).is_err());
        assert!(Cli::try_parse_from(["nexus-lint", "check", "--format", "xml"]).is_err());
    }

    #[test]
    fn fix_words_the_shared_selection_for_fixes() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let help = |sub: &str, arg: &str| {
            let sub = cmd.find_subcommand(sub).unwrap();
            sub.get_arguments().find(|a| a.get_id() == arg).unwrap().get_help().unwrap().to_string()
        };
        assert_eq!(help("check", "select"), "Only these rules (codes, prefixes like `NX1`, or names; comma-separated)");
        assert_eq!(help("fix", "select"), "Only these rules' fixes (codes, prefixes or names; comma-separated)");
        assert!(help("fix", "fail_on").starts_with("Lowest severity of a remaining finding"));
        assert_eq!(help("fix", "ignore"), help("check", "ignore"));
    }

    #[test]
    fn report_arguments() {
        let cli = Cli::try_parse_from([
            "nexus-lint",
            "check",
            "--report",
            "sarif=out.sarif",
            "--report",
            "JUnit=a=b.xml",
            "--baseline",
            "b.json",
        ])
        .unwrap();
        let Command::Check(a) = cli.command else { panic!() };
        assert_eq!(a.report[0], (Format::Sarif, "out.sarif".into()));
        assert_eq!(a.report[1], (Format::Junit, "a=b.xml".into()));
        assert_eq!(a.baseline.as_deref(), Some(std::path::Path::new("b.json")));
        for bad in ["sarif", "xml=a", "sarif="] {
            assert!(Cli::try_parse_from(["nexus-lint", "check", "--report", bad]).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from(["nexus-lint", "fix", "k8s", "--diff"]).unwrap();
        let Command::Fix(f) = cli.command else { panic!() };
        assert!(f.diff && f.paths == ["k8s"]);
    }

    #[test]
    fn simulate_arguments() {
        let cli = Cli::try_parse_from([
            "nexus-lint",
            "simulate",
            "fixtures/nexus",
            "--trials",
            "500",
            "--seed",
            "42",
            "--replay",
            "42:7",
            "--timeline",
            "t.svg",
            "--profile",
            "reduced-decay",
            "--unit",
            "kubernetes",
            "--format",
            "json",
        ])
        .unwrap();
        let Command::Simulate(a) = cli.command else { panic!() };
        assert_eq!((a.trials, a.seed, a.replay.as_deref()), (Some(500), Some(42), Some("42:7")));
        assert_eq!(a.format, Some(SimFormat::Json));
        assert_eq!(a.unit.as_deref(), Some("kubernetes"));
        assert!(Cli::try_parse_from(["nexus-lint", "simulate", "--trials", "many"]).is_err());
        assert!(Cli::try_parse_from(["nexus-lint", "simulate", "--format", "sarif"]).is_err());
        let cli = Cli::try_parse_from(["nexus-lint", "check", "--simulate"]).unwrap();
        let Command::Check(a) = cli.command else { panic!() };
        assert!(a.simulate);
    }

    #[test]
    fn simulate_strategies() {
        use crate::simulate::Strategy;
        let parse = |args: &[&str]| {
            let mut all = vec!["nexus-lint", "simulate"];
            all.extend_from_slice(args);
            match Cli::try_parse_from(all).map(|c| c.command) {
                Ok(Command::Simulate(a)) => Ok((a.strategy, a.pct_depth, a.max_orderings)),
                Ok(_) => panic!(),
                Err(e) => Err(e),
            }
        };
        assert_eq!(parse(&[]).unwrap(), (Strategy::MonteCarlo, 3, 50_000));
        assert_eq!(parse(&["--strategy", "random"]).unwrap().0, Strategy::MonteCarlo);
        assert_eq!(parse(&["--strategy", "pct", "--pct-depth", "2"]).unwrap(), (Strategy::Pct, 2, 50_000));
        assert_eq!(parse(&["--strategy", "exhaustive", "--max-orderings", "9"]).unwrap(), (Strategy::Exhaustive, 3, 9));
        assert_eq!(parse(&["--strategy", "auto"]).unwrap().0, Strategy::Auto);
        assert!(parse(&["--strategy", "dfs"]).is_err());
        assert!(parse(&["--pct-depth", "0"]).is_err());
    }

    #[test]
    fn simulate_scenario() {
        use crate::simulate::ScenarioArg;
        let parse = |args: &[&str]| {
            let mut all = vec!["nexus-lint", "simulate"];
            all.extend_from_slice(args);
            match Cli::try_parse_from(all).map(|c| c.command) {
                Ok(Command::Simulate(a)) => Ok(a.scenario),
                Ok(_) => panic!(),
                Err(e) => Err(e),
            }
        };
        assert_eq!(parse(&[]).unwrap(), ScenarioArg::Install);
        assert_eq!(parse(&["--scenario", "upgrade"]).unwrap(), ScenarioArg::Upgrade);
        assert_eq!(parse(&["--scenario", "config-change"]).unwrap(), ScenarioArg::ConfigChange);
        assert!(parse(&["--scenario", "config"]).is_err());
    }
}
