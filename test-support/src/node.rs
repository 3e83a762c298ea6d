//! `nubes-node` processes and a small blocking JSON-RPC client for them.

use crate::process::{binary, free_port, Process};
use serde_json::{json, Value};
use std::{
	path::{Path, PathBuf},
	process::Command,
	thread::sleep,
	time::{Duration, Instant},
};

/// A running `nubes-node`, killed when dropped (also when the test panics or dies).
pub struct NodeProcess {
	/// What the test calls it, in failure messages.
	pub name: String,
	/// Its JSON-RPC (HTTP and WebSocket) port on loopback.
	pub rpc_port: u16,
	/// Its peer-to-peer port.
	pub p2p_port: u16,
	/// Its log file.
	pub log_path: PathBuf,
	process: Process,
}

impl NodeProcess {
	/// Starts the workspace's `nubes-node` with `args`; its output goes to `log_path`.
	pub fn start(
		name: &str,
		args: &[String],
		rpc_port: u16,
		p2p_port: u16,
		log_path: &Path,
	) -> Self {
		let mut command = Command::new(binary("nubes-node"));
		command.args(args);
		Self {
			name: name.to_string(),
			rpc_port,
			p2p_port,
			log_path: log_path.to_path_buf(),
			process: Process::spawn(command, log_path),
		}
	}

	/// Its WebSocket URL, for subxt, the CLI and the agent.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// Stops the node (SIGKILL: the harshest way a validator can disappear).
	pub fn kill(&mut self) {
		self.process.kill();
	}

	/// The last lines the node logged, to explain a failure.
	pub fn log_tail(&self) -> String {
		self.process.log_tail(30)
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

	/// Waits until the node answers JSON-RPC, failing with its log after 60 s.
	pub fn wait_ready(&self) {
		let deadline = Instant::now() + Duration::from_secs(60);
		while self.rpc("system_health", json!([])).is_err() {
			assert!(
				Instant::now() < deadline,
				"{} did not answer JSON-RPC within 60 s; log tail:\n{}",
				self.name,
				self.log_tail()
			);
			sleep(Duration::from_millis(100));
		}
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

/// Starts `nubes-node --dev` on free ports with its state and log (`node.log`) under `base`.
pub fn start_dev_node(base: impl AsRef<Path>) -> NodeProcess {
	start_dev_node_with(base, &[])
}

/// The same, with `extra` arguments (`--dev-block-time 500`, say).
pub fn start_dev_node_with(base: impl AsRef<Path>, extra: &[&str]) -> NodeProcess {
	start_dev_node_on(base, extra, None)
}

/// The same, serving Prometheus metrics on `prometheus_port` if given. Returns once the node
/// answers JSON-RPC.
pub fn start_dev_node_on(
	base: impl AsRef<Path>,
	extra: &[&str],
	prometheus_port: Option<u16>,
) -> NodeProcess {
	let base = base.as_ref();
	let rpc_port = free_port();
	let p2p_port = free_port();
	let prometheus = match prometheus_port {
		Some(port) => vec!["--prometheus-port".to_string(), port.to_string()],
		None => vec!["--no-prometheus".to_string()],
	};
	let args: Vec<String> = [
		"--dev",
		"--base-path",
		base.join("node").to_str().expect("a UTF-8 temporary path"),
		"--rpc-port",
		&rpc_port.to_string(),
		"--port",
		&p2p_port.to_string(),
		"--no-telemetry",
		"--no-mdns",
	]
	.iter()
	.map(|s| s.to_string())
	.chain(prometheus)
	.chain(extra.iter().map(|s| s.to_string()))
	.collect();
	let node = NodeProcess::start("dev", &args, rpc_port, p2p_port, &base.join("node.log"));
	node.wait_ready();
	node
}
