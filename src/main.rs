use std::process::ExitCode;

fn main() -> ExitCode {
    nexus_lint::cli::main()
}
