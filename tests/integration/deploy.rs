//! deploy/: the CloudFormation stack passes cfn-lint and checkov, and everything the systemd
//! unit, the Dockerfile and the template pass to the worker is a flag it has.

use crate::support::tools::root;
use clap::CommandFactory;
use render_worker::cli::Cli;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const TEMPLATE: &str = "deploy/cloudformation/render-worker.yaml";

fn tool(name: &str) -> PathBuf {
    let path = root().join("tools/iac/venv/bin").join(name);
    assert!(
        path.exists(),
        "{name} is not installed: run `make test-deps` (a venv in tools/iac/venv)"
    );
    path
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The template skips `id` with a `comment:` of at least a sentence.
fn assert_justified(template: &str, id: &str) {
    let at = template
        .find(&format!("- id: {id}"))
        .unwrap_or_else(|| panic!("{id} is skipped but not in {TEMPLATE}"));
    let rest: Vec<&str> = template[at..].lines().skip(1).collect();
    assert!(
        rest[0].trim_start().starts_with("comment:"),
        "{id} has no comment"
    );
    let text: String = rest[0].trim_start()["comment:".len()..]
        .trim()
        .trim_start_matches(">-")
        .chars()
        .chain(
            rest[1..]
                .iter()
                .take_while(|l| !l.trim_start().starts_with('-') && l.starts_with("              "))
                .flat_map(|l| l.chars()),
        )
        .collect();
    assert!(
        text.split_whitespace().count() >= 8,
        "{id}: justification too short: {text:?}"
    );
}

/// Long flags and environment variables of `render-worker worker` (and the global ones).
fn cli_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let root = Cli::command();
    let worker = root
        .find_subcommand("worker")
        .expect("worker subcommand")
        .clone();
    let args = root.get_arguments().chain(worker.get_arguments());
    let mut flags = BTreeSet::new();
    let mut envs = BTreeSet::new();
    for a in args {
        if let Some(l) = a.get_long() {
            flags.insert(format!("--{l}"));
        }
        if let Some(e) = a.get_env() {
            envs.insert(e.to_string_lossy().into_owned());
        }
    }
    (flags, envs)
}

/// Every `RENDER_WORKER_<NAME>` in `text` (a bare `RENDER_WORKER_*` in prose is no name).
fn env_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("RENDER_WORKER_") {
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if name.len() > "RENDER_WORKER_".len() {
            out.insert(name);
        }
    }
    out
}

/// Every `--flag` on lines that run `render-worker worker`, or in the Dockerfile's CMD
/// (comments aside).
fn worker_flags(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| l.contains("render-worker worker") || l.starts_with("CMD"))
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || "\"[],".contains(c)))
        .filter(|t| t.starts_with("--"))
        .map(|t| t.split('=').next().unwrap().to_string())
        .collect()
}

#[test]
fn every_flag_and_variable_passed_to_the_worker_exists() {
    let (flags, envs) = cli_names();
    assert!(envs.contains("RENDER_WORKER_QUEUE_URL") && flags.contains("--queue-url"));
    let files = [
        "deploy/systemd/render-worker.service",
        "deploy/systemd/render-worker.env.example",
        "deploy/Dockerfile",
        TEMPLATE,
    ];
    let mut seen_envs = 0;
    let mut seen_flags = 0;
    for f in files {
        let text = read(f);
        for e in env_names(&text) {
            assert!(
                envs.contains(&e),
                "{f} sets {e}, which render-worker worker does not read"
            );
            seen_envs += 1;
        }
        for flag in worker_flags(&text) {
            assert!(
                flags.contains(&flag),
                "{f} passes {flag}, which render-worker worker lacks"
            );
            seen_flags += 1;
        }
    }
    assert!(
        seen_envs >= 20,
        "only {seen_envs} variables found: is the scan blind?"
    );
    assert!(seen_flags >= 1, "no flag found: is the scan blind?");
    // The template's worker settings cover what the worker needs to run at all.
    let template = env_names(&read(TEMPLATE));
    for needed in ["RENDER_WORKER_QUEUE_URL", "RENDER_WORKER_OUTPUT_BUCKET"] {
        assert!(
            template.contains(needed),
            "the launch template does not set {needed}"
        );
    }
}

#[test]
fn stop_timeouts_outlast_the_drain() {
    let unit = read("deploy/systemd/render-worker.service");
    let stop: f64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .expect("TimeoutStopSec")
        .parse()
        .unwrap();
    let drain = render_worker_default("drain-timeout");
    assert!(
        stop >= drain + 20.0 + 10.0,
        "TimeoutStopSec={stop} must cover --drain-timeout {drain} + the last 20 s poll + a margin"
    );
    let template = read(TEMPLATE);
    assert!(template.contains("TimeoutStopSec=%s") && template.contains("${DrainTimeout} + 40"));
    assert!(template.contains("HeartbeatTimeout: 300") && template.contains("MaxValue: 240"));
    assert!(Path::new(&root().join("deploy/scripts/lifecycle-drain.sh")).exists());
}

/// The default of a worker flag, as a number.
fn render_worker_default(flag: &str) -> f64 {
    let root = Cli::command();
    let worker = root.find_subcommand("worker").unwrap();
    let arg = worker
        .get_arguments()
        .find(|a| a.get_long() == Some(flag))
        .unwrap_or_else(|| panic!("--{flag}"));
    arg.get_default_values()[0]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Need cfn-lint and checkov (tools/iac/venv).
mod external {
    use super::*;

    #[test]
    fn cfn_lint_reports_nothing() {
        let out = Command::new(tool("cfn-lint"))
            .arg(root().join(TEMPLATE))
            .output()
            .unwrap();
        // Exit status bits: 2 errors, 4 warnings, 8 informational.
        assert!(
            out.status.success(),
            "cfn-lint: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }

    #[test]
    fn checkov_fails_nothing_and_every_skip_is_justified() {
        let out = Command::new(tool("checkov"))
            .args([
                "--directory",
                "deploy",
                "--skip-download",
                "--output",
                "json",
            ])
            .current_dir(root())
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "checkov output is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let reports = match json {
            serde_json::Value::Array(a) => a,
            one => vec![one],
        };
        let frameworks: BTreeSet<&str> = reports
            .iter()
            .filter_map(|r| r["check_type"].as_str())
            .collect();
        assert!(
            frameworks.contains("cloudformation") && frameworks.contains("dockerfile"),
            "{frameworks:?}"
        );
        let template = read(TEMPLATE);
        for r in &reports {
            let results = &r["results"];
            let failed = results["failed_checks"].as_array().unwrap();
            let listed: Vec<String> = failed
                .iter()
                .map(|c| format!("{} {} ({})", c["check_id"], c["resource"], c["file_path"]))
                .collect();
            assert!(failed.is_empty(), "checkov failed: {listed:#?}");
            assert!(results["passed_checks"].as_array().unwrap().len() > 20);
            for skipped in results["skipped_checks"].as_array().unwrap() {
                let id = skipped["check_id"].as_str().unwrap();
                assert_justified(&template, id);
            }
        }
    }
}
