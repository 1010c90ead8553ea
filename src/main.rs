//! The `render-worker` binary: parse arguments, run, map the outcome to an exit code.
//!
//! Exit codes: 0 success; 2 bad input or usage (the same request fails again); 1 anything else
//! (e.g. the output folder cannot be written), which may pass on retry.

use clap::Parser;
use render_worker::cli::{Cli, Command};
use render_worker::{Error, console, job, telemetry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.verbose);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_bad_input() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Process(args) => {
            let settings = args.settings()?;
            let bar = console::Bar::new(settings.lods.len());
            let result = job::process(&args.input, &args.out, &settings, &bar);
            bar.finish();
            let (manifest, dir) = result?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&manifest).expect("manifest serializes")
                );
            } else {
                print!("{}", console::process_summary(&manifest, &dir));
            }
        }
        Command::Inspect(args) => {
            let report = job::inspect(&args.input, &args.settings())?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("report serializes")
                );
            } else {
                print!("{}", console::input_summary(&report));
            }
        }
    }
    Ok(())
}
