//! `cargo xtask fuzz`: every cargo-fuzz target, built once and run for a fixed time each.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Arguments of `cargo xtask fuzz`.
#[derive(clap::Args)]
pub struct Args {
    /// How long to run each target, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The targets to run (default: every target that `cargo fuzz list` names).
    targets: Vec<String>,
}

/// How one target's run ended.
struct Outcome {
    target: String,
    executions: Option<u64>,
    passed: bool,
}

/// Builds and runs the targets; `Err` names the ones that failed.
pub fn run(args: &Args) -> Result<(), String> {
    let fuzz_dir = workspace_root().join("fuzz");
    let targets = if args.targets.is_empty() {
        list_targets(&fuzz_dir)?
    } else {
        args.targets.clone()
    };
    if targets.is_empty() {
        return Err("no fuzz targets found".into());
    }

    println!("== building {} fuzz targets", targets.len());
    let built = cargo_fuzz(&fuzz_dir)
        .arg("build")
        .status()
        .map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("cargo fuzz build failed".into());
    }

    let mut outcomes = Vec::new();
    for target in &targets {
        println!("== {target}: {} s", args.seconds);
        // The corpus grows in fuzz/corpus; committed seeds, if any, are read beside it.
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{target}: {e}"))?;
        let mut corpora = vec![corpus];
        let seeds = fuzz_dir.join("seeds").join(target);
        if seeds.is_dir() {
            corpora.push(seeds);
        }
        let output = cargo_fuzz(&fuzz_dir)
            .args(["run", target])
            .args(&corpora)
            .arg("--")
            .arg(format!("-max_total_time={}", args.seconds))
            .arg("-print_final_stats=1")
            .output()
            .map_err(|e| format!("{target}: {e}"))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let outcome = Outcome {
            target: target.clone(),
            executions: executions(&log),
            passed: output.status.success(),
        };
        if !outcome.passed {
            // Show the end of libFuzzer's report: the crash, its input and the stack.
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            for line in tail.into_iter().rev() {
                eprintln!("   {line}");
            }
        }
        outcomes.push(outcome);
    }

    println!("\n{:<24} {:>14}  result", "target", "executions");
    for o in &outcomes {
        let runs = o
            .executions
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        let result = if o.passed { "ok" } else { "FAILED" };
        println!("{:<24} {:>14}  {result}", o.target, runs);
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.target.as_str())
        .collect();
    let passed = outcomes.len() - failed.len();
    println!("fuzz: {passed} passed, {} failed", failed.len());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

fn cargo_fuzz(fuzz_dir: &Path) -> Command {
    let mut command = Command::new("cargo");
    command.args(["+nightly", "fuzz"]).current_dir(fuzz_dir);
    command
}

fn list_targets(fuzz_dir: &Path) -> Result<Vec<String>, String> {
    let output = cargo_fuzz(fuzz_dir)
        .arg("list")
        .output()
        .map_err(|e| format!("cargo fuzz list: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo fuzz list failed (is cargo-fuzz installed?): {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(parse_list(&String::from_utf8_lossy(&output.stdout)))
}

fn parse_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The execution count from libFuzzer's final statistics (`-print_final_stats=1`), or
/// failing that from its last status line (`#12345 DONE ...`).
fn executions(log: &str) -> Option<u64> {
    let from_stats = log.lines().find_map(|line| {
        line.strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    from_stats.or_else(|| {
        log.lines().rev().find_map(|line| {
            let count = line.strip_prefix('#')?.split_whitespace().next()?;
            count.parse().ok()
        })
    })
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_stats_give_the_execution_count() {
        let log = "#1024 pulse cov: 10\n#2048 DONE cov: 12\nstat::number_of_executed_units: 2051\nstat::average_exec_per_sec:     3\n";
        assert_eq!(executions(log), Some(2051));
    }

    #[test]
    fn status_lines_give_it_when_stats_are_missing() {
        let log =
            "INFO: seed 1\n#1 INITED cov: 2\n#77 DONE cov: 3 ft: 4\nDone 77 runs in 1 second(s)\n";
        assert_eq!(executions(log), Some(77));
        assert_eq!(executions("no numbers here"), None);
    }

    #[test]
    fn target_list_skips_blank_lines() {
        assert_eq!(
            parse_list("alert\n\n record_open \n"),
            vec!["alert", "record_open"]
        );
    }
}
