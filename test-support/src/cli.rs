//! The `nubes` command line as a test's tenant: the workspace's binary run against a node with a
//! key, nothing taken from the environment, its output kept for the test to read.

use crate::process::binary;
use serde_json::Value;
use std::process::{Command, Output, Stdio};

/// Runs `nubes --url {node} --suri {suri} {args}` to its end.
pub fn nubes(node: &str, suri: &str, args: &[&str]) -> Output {
	Command::new(binary("nubes"))
		.args(["--url", node, "--suri", suri])
		.args(args)
		.env_remove("NUBES_URL")
		.env_remove("NUBES_SURI")
		.stdin(Stdio::null())
		.output()
		.expect("nubes runs")
}

/// Runs `nubes --json ...` as [`nubes`] does and returns what it printed; panics with its output
/// if it failed.
pub fn nubes_json(node: &str, suri: &str, args: &[&str]) -> Value {
	let mut all = vec!["--json"];
	all.extend_from_slice(args);
	let output = nubes(node, suri, &all);
	assert!(
		output.status.success(),
		"nubes {args:?} failed: {}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	serde_json::from_slice(&output.stdout).expect("--json prints JSON")
}
