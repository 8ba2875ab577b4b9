//! The command line: argument definitions (clap) and one module per subcommand. Arguments
//! become validated [`Settings`](crate::config::Settings) before any file is read.

mod check;
mod graph;
pub mod output;
mod rules;

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
    /// Print the dependency graph: workloads, Services, dependencies (gated or not) and findings.
    Graph(GraphArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Explain one rule (by code or name).
    Rule(RuleArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
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
    /// Only these rules (codes, prefixes like `NX1`, or names; comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Lowest severity that fails the run: error, warning, info or never (default: warning).
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Configuration file (default: `.nexus-lint.yaml` found from the working directory up).
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Ignore any `.nexus-lint.yaml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
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
    /// Configuration file (default: `.nexus-lint.yaml` found from the working directory up).
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Ignore any `.nexus-lint.yaml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
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

/// Writes to stdout, treating a closed pipe as success.
pub(crate) fn emit(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), u8> {
    match output::stdout(f) {
        Ok(output::Delivered::All) => Ok(()),
        Ok(output::Delivered::ReaderGone) => Err(EXIT_OK),
        Err(e) => {
            eprint_error(&e);
            Err(EXIT_ERROR)
        }
    }
}

/// The exit code of a run whose report went to stdout: a write error is 2; a reader that
/// closed the pipe early makes the findings' code 0 but keeps an error of the run (2).
pub(crate) fn exit_code(delivered: Result<output::Delivered, String>, run_failed: bool, findings: bool) -> u8 {
    match delivered {
        Err(e) => {
            eprint_error(&e);
            EXIT_ERROR
        }
        Ok(_) if run_failed => EXIT_ERROR,
        Ok(output::Delivered::ReaderGone) => EXIT_OK,
        Ok(output::Delivered::All) if findings => EXIT_FINDINGS,
        Ok(output::Delivered::All) => EXIT_OK,
    }
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
        Command::Graph(args) => graph::run(args),
        Command::Rules(args) => rules::list(args),
        Command::Rule(args) => rules::explain(args),
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
        assert_eq!(a.select.unwrap(), ["NX1", "NX501"]);
        assert_eq!(a.format, Some(Format::Json));
        assert!(Cli::try_parse_from(["nexus-lint", "check", "--config", "x", "--no-config"]).is_err());
        assert!(Cli::try_parse_from(["nexus-lint", "check", "--format", "xml"]).is_err());
    }
}
