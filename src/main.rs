//! The `render-worker` binary: parse arguments, run, map the outcome to an exit code.
//!
//! Exit codes: 0 success; 2 bad input or usage (the same request fails again); 1 anything else
//! (e.g. the output folder cannot be written), which may pass on retry.
//!
//! A process started without `XDG_RUNTIME_DIR` gets a private one, so that the graphics stack
//! does not print an alarming but harmless line about it.

use clap::Parser;
use render_worker::cli::{Cli, Command, LogFormat, RenderArgs};
use render_worker::render::{LazyRenderer, Renderer, TextureCache, ViewRequest};
use render_worker::settings::Settings;
use render_worker::{Error, console, job, telemetry, thumbnail, worker};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let _runtime_dir = private_runtime_dir();
    let cli = Cli::parse();
    let is_worker = matches!(cli.command, Command::Worker(_));
    let json = cli.log_format.map_or(is_worker, |f| f == LogFormat::Json);
    telemetry::init(cli.verbose, json, if is_worker { "info" } else { "warn" });
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

/// Sets `XDG_RUNTIME_DIR` to a new private folder (mode 0700, removed when the returned guard
/// drops) when it is unset or not an absolute path. Without it, the Wayland probe that runs
/// while wgpu enumerates adapters prints "error: XDG_RUNTIME_DIR is invalid or not set in the
/// environment." on every fresh machine, which reads as a failure though nothing failed.
///
/// Must run before any thread is spawned: it changes the process environment.
fn private_runtime_dir() -> Option<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let set = std::env::var_os("XDG_RUNTIME_DIR");
    if set.is_some_and(|d| std::path::Path::new(&d).is_absolute()) {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("render-worker-runtime-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .ok()?;
    // SAFETY: called first in `main`, before any thread exists that could read the
    // environment concurrently.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", dir.path()) };
    Some(dir)
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Process(args) => {
            let settings = args.job.settings()?;
            let input = job::Input::open(&args.input, &settings.limits)?;
            let renderer = LazyRenderer::new(args.job.allow_software);
            let bar = console::Bar::new(settings.lods.len());
            let result = job::process(input, &args.out, &settings, Some(&renderer), &bar);
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
        Command::Render(args) => render(args)?,
        Command::Worker(args) => work(worker::Config::from_args(&args)?)?,
        Command::Inspect(args) => {
            let settings = args.settings();
            let input = job::Input::open(&args.input, &settings.limits)?;
            let report = job::inspect(&input, &settings)?;
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

/// Runs the worker until drained. The drain starts on SIGTERM, SIGINT or a spot interruption
/// notice; a job thread still running after it (its message already released) is not waited
/// for.
fn work(config: worker::Config) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("render-worker-io")
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(async {
        let drain = worker::Drain::new(config.drain_timeout);
        worker::watch_signals(drain.clone())?;
        if let Some(endpoint) = &config.imds_endpoint {
            worker::watch_spot_notices(endpoint, drain.clone())?;
        }
        worker::run(config, drain).await
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

fn render(args: RenderArgs) -> Result<(), Error> {
    let settings = Settings {
        limits: args.limits.to_limits(),
        ..Settings::default()
    };
    let input = job::Input::open(&args.input, &settings.limits)?;
    let (asset, _) = job::read_asset(&input, &settings)?;
    let renderer = Renderer::new(args.allow_software)?;
    let request = ViewRequest {
        view: args.view,
        size: args.size,
    };
    let rendered = renderer.render(&asset, &[request], &TextureCache::default(), None)?;
    let image = &rendered.images[0];
    let jpeg = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"));
    let bytes = if jpeg {
        thumbnail::jpeg_on_white(image, 90)?
    } else {
        thumbnail::png(image)?
    };
    std::fs::write(&args.out, bytes).map_err(|source| Error::Output {
        path: args.out.clone(),
        source,
    })?;
    for w in &rendered.warnings {
        eprintln!("warning: {}: {}", w.code, w.message);
    }
    Ok(())
}
