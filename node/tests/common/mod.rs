//! Shared helpers of the node's integration tests: free ports, node processes that are killed
//! whatever happens to the test, and a small blocking JSON-RPC client.

#![allow(dead_code)]

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	thread::sleep,
	time::{Duration, Instant},
};

use serde_json::{json, Value};

/// Path of the node binary cargo built for these tests.
pub fn node_binary() -> &'static str {
	env!("CARGO_BIN_EXE_nubes-node")
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("the OS hands out a free loopback port")
}

/// A running `nubes-node`, killed when dropped (also when the test panics) and, through
/// `PR_SET_PDEATHSIG`, when the test process itself dies.
pub struct NodeProcess {
	pub name: String,
	pub rpc_port: u16,
	pub p2p_port: u16,
	pub log_path: PathBuf,
	child: Option<Child>,
}

impl NodeProcess {
	/// Starts the node with `args`; its output goes to `log_path`.
	pub fn start(name: &str, args: &[String], rpc_port: u16, p2p_port: u16, log_path: &Path) -> Self {
		let log = std::fs::File::create(log_path).expect("log file can be created");
		let log_err = log.try_clone().expect("log file handle can be cloned");
		let mut command = Command::new(node_binary());
		command.args(args).stdin(Stdio::null()).stdout(log).stderr(log_err);
		kill_with_parent(&mut command);
		let child = command.spawn().expect("nubes-node starts");
		Self {
			name: name.to_string(),
			rpc_port,
			p2p_port,
			log_path: log_path.to_path_buf(),
			child: Some(child),
		}
	}

	/// Stops the node (SIGKILL: the harshest way a validator can disappear).
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// The last lines the node logged, to explain a failure.
	pub fn log_tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
		let lines: Vec<&str> = text.lines().collect();
		lines[lines.len().saturating_sub(30)..].join("\n")
	}

	/// Calls a JSON-RPC method on this node.
	pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		rpc(self.rpc_port, method, params)
	}

	/// Number of the node's best block.
	pub fn best_number(&self) -> Result<u64, String> {
		header_number(&self.rpc("chain_getHeader", json!([]))?)
	}

	/// Number of the node's last finalized block.
	pub fn finalized_number(&self) -> Result<u64, String> {
		let hash = self.rpc("chain_getFinalizedHead", json!([]))?;
		header_number(&self.rpc("chain_getHeader", json!([hash]))?)
	}

	/// Waits until the node has finalized block `number`, failing with its log after `timeout`.
	pub fn wait_finalized(&self, number: u64, timeout: Duration) -> u64 {
		let deadline = Instant::now() + timeout;
		loop {
			if let Ok(finalized) = self.finalized_number() {
				if finalized >= number {
					return finalized;
				}
			}
			if Instant::now() > deadline {
				panic!(
					"{} did not finalize block {number} within {timeout:?}; log tail:\n{}",
					self.name,
					self.log_tail()
				);
			}
			sleep(Duration::from_millis(250));
		}
	}
}

impl Drop for NodeProcess {
	fn drop(&mut self) {
		self.kill();
	}
}

/// Makes the kernel kill the child when the test process dies, however it dies.
fn kill_with_parent(command: &mut Command) {
	use std::os::unix::process::CommandExt;
	// SAFETY: `prctl` is async-signal-safe and touches only the child's own attributes.
	unsafe {
		command.pre_exec(|| {
			if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
				return Err(std::io::Error::last_os_error());
			}
			Ok(())
		});
	}
}

/// Calls a JSON-RPC method over HTTP on a loopback port.
pub fn rpc(port: u16, method: &str, params: Value) -> Result<Value, String> {
	let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
	let response: Value = ureq::post(&format!("http://127.0.0.1:{port}"))
		.timeout(Duration::from_secs(10))
		.send_json(body)
		.map_err(|e| format!("{method}: {e}"))?
		.into_json()
		.map_err(|e| format!("{method}: bad JSON: {e}"))?;
	if let Some(error) = response.get("error") {
		return Err(format!("{method}: {error}"));
	}
	response.get("result").cloned().ok_or_else(|| format!("{method}: no result in {response}"))
}

/// Block number of a JSON header.
pub fn header_number(header: &Value) -> Result<u64, String> {
	let hex = header["number"].as_str().ok_or_else(|| format!("no number in {header}"))?;
	u64::from_str_radix(hex.trim_start_matches("0x"), 16).map_err(|e| e.to_string())
}

/// Decodes a `0x`-prefixed hex string.
pub fn from_hex(text: &str) -> Vec<u8> {
	hex::decode(text.trim_start_matches("0x")).expect("valid hex from the node")
}

/// Encodes bytes as a `0x`-prefixed hex string.
pub fn to_hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// Runs the node to completion with `args` (for commands that are expected to exit).
pub fn run_to_exit(args: &[&str], timeout: Duration) -> Output {
	let mut command = Command::new(node_binary());
	command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
	kill_with_parent(&mut command);
	let mut child = command.spawn().expect("nubes-node starts");
	let deadline = Instant::now() + timeout;
	loop {
		if child.try_wait().expect("child status can be read").is_some() {
			return child.wait_with_output().expect("child output can be read");
		}
		if Instant::now() > deadline {
			let _ = child.kill();
			let output = child.wait_with_output().expect("child output can be read");
			panic!(
				"nubes-node {args:?} did not exit within {timeout:?}; stderr:\n{}",
				String::from_utf8_lossy(&output.stderr)
			);
		}
		sleep(Duration::from_millis(100));
	}
}

/// Waits until `check` returns `Some`, or panics with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
	let deadline = Instant::now() + timeout;
	loop {
		if let Some(value) = check() {
			return value;
		}
		if Instant::now() > deadline {
			panic!("timed out after {timeout:?} waiting for {what}");
		}
		sleep(Duration::from_millis(250));
	}
}
