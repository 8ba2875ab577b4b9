//! `nexus-lint completions SHELL` and `nexus-lint manpage`: generated from the clap
//! definitions, so they cannot drift from the real options.

use clap::CommandFactory;

use super::{Cli, CompletionsArgs, EXIT_ERROR, EXIT_OK, ManpageArgs, emit, eprint_error};

pub fn completions(args: CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    emit(|w| {
        clap_complete::generate(args.shell, &mut cmd, "nexus-lint", w);
        Ok(())
    })
    .err()
    .unwrap_or(EXIT_OK)
}

/// The roff text of a command's page.
fn render(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

pub fn manpage(args: ManpageArgs) -> u8 {
    let cmd = Cli::command();
    let Some(dir) = args.dir else {
        return emit(|w| w.write_all(&render(cmd)?)).err().unwrap_or(EXIT_OK);
    };
    let mut pages = vec![("nexus-lint.1".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        // clap names are `&'static str` (without its `string` feature); this runs once.
        let name: &'static str = Box::leak(format!("nexus-lint-{}", sub.get_name()).into_boxed_str());
        pages.push((format!("{name}.1"), sub.clone().name(name)));
    }
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| pages.into_iter().try_for_each(|(file, cmd)| std::fs::write(dir.join(file), render(cmd)?)));
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprint_error(&format!("cannot write man pages into `{}`: {e}", dir.display()));
            EXIT_ERROR
        }
    }
}
