//! Bad input ends `nubes-node` with a non-zero exit and a one-line reason, never a panic.

mod common;

use std::{net::TcpListener, process::Output, time::Duration};

use common::{free_port, run_to_exit};

/// Asserts a failed run whose error is one line mentioning `expected`.
fn assert_one_line_failure(output: &Output, expected: &str) {
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(
		!output.status.success(),
		"expected failure, got {:?}; stderr:\n{stderr}",
		output.status
	);
	assert!(!stderr.contains("panicked"), "no panic: {stderr}");
	assert!(!stderr.contains("stack backtrace"), "no backtrace: {stderr}");
	let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("Error:")).collect();
	assert_eq!(errors.len(), 1, "exactly one error line in:\n{stderr}");
	assert!(
		errors[0].to_lowercase().contains(&expected.to_lowercase()),
		"error line {:?} mentions {expected:?}",
		errors[0]
	);
}

#[test]
fn missing_chain_spec_file_is_a_one_line_error() {
	let dir = tempfile::tempdir().expect("temp dir");
	let missing = dir.path().join("no-such-spec.json");
	let output = run_to_exit(
		&["--chain", missing.to_str().expect("utf-8"), "--tmp", "--no-telemetry"],
		Duration::from_secs(60),
	);
	assert_one_line_failure(&output, "no-such-spec.json");
}

#[test]
fn malformed_chain_spec_file_is_a_one_line_error() {
	let dir = tempfile::tempdir().expect("temp dir");
	let spec = dir.path().join("broken.json");
	std::fs::write(&spec, "{ \"name\": \"Nubes\", \"id\": ").expect("write spec");
	let output = run_to_exit(
		&["--chain", spec.to_str().expect("utf-8"), "--tmp", "--no-telemetry"],
		Duration::from_secs(60),
	);
	assert_one_line_failure(&output, "broken.json");
}

#[test]
fn taken_rpc_port_is_a_one_line_error() {
	let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
	let taken = listener.local_addr().expect("local addr").port();
	let output = run_to_exit(
		&[
			"--dev",
			"--rpc-port",
			&taken.to_string(),
			"--port",
			&free_port().to_string(),
			"--no-prometheus",
			"--no-telemetry",
		],
		Duration::from_secs(120),
	);
	assert_one_line_failure(&output, &taken.to_string());
	drop(listener);
}

#[test]
fn taken_p2p_port_is_a_one_line_error() {
	let listener = TcpListener::bind("0.0.0.0:0").expect("bind a port");
	let taken = listener.local_addr().expect("local addr").port();
	let output = run_to_exit(
		&[
			"--dev",
			"--port",
			&taken.to_string(),
			"--rpc-port",
			&free_port().to_string(),
			"--no-prometheus",
			"--no-telemetry",
		],
		Duration::from_secs(120),
	);
	assert_one_line_failure(&output, &taken.to_string());
	drop(listener);
}

#[test]
fn unknown_subcommand_is_a_one_line_error() {
	let output = run_to_exit(&["frobnicate"], Duration::from_secs(30));
	assert_eq!(output.status.code(), Some(2), "usage errors exit with 2");
	assert_one_line_failure(&output, "frobnicate");
}
