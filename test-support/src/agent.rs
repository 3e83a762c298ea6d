//! `nubes-agent` processes: a configuration for a dev chain, the agent started on it, and the
//! lease volumes it leaves behind when killed.

use crate::{
	process::{binary, Process},
	wait::wait_for_port,
};
use std::{
	path::{Path, PathBuf},
	process::Command,
};

/// An agent's configuration on a dev chain: the provider's key, where it listens, what it
/// sells. [`AgentConfig::toml`] writes it; `extra` is appended as is (more TOML tables).
#[derive(Clone, Debug)]
pub struct AgentConfig {
	/// The node's WebSocket URL.
	pub chain_url: String,
	/// The provider's secret URI (`//Ferdie`, say).
	pub key: String,
	/// The loopback port it listens on (its endpoint is `http://127.0.0.1:{port}`).
	pub port: u16,
	/// Its data directory.
	pub data_dir: PathBuf,
	/// Where it says its machines are.
	pub region: String,
	/// Millicores, MiB and GiB of scratch storage it sells.
	pub capacity: (u64, u64, u64),
	/// Settle every this many blocks.
	pub settle_every_blocks: u32,
	/// Largest artifact, in MiB.
	pub max_artifact_mib: u64,
	/// Whether it is a gateway (`gateway = true`): it serves `{name}.localhost`.
	pub gateway: bool,
	/// More TOML, appended.
	pub extra: String,
}

impl AgentConfig {
	/// A provider `key` selling one core, 1 GiB of memory and 1 GiB of storage on `chain_url`,
	/// listening on `port`, keeping its state under `dir/agent`.
	pub fn new(chain_url: &str, key: &str, port: u16, dir: &Path) -> Self {
		Self {
			chain_url: chain_url.into(),
			key: key.into(),
			port,
			data_dir: dir.join("agent"),
			region: "test-region".into(),
			capacity: (1000, 1024, 1),
			settle_every_blocks: 3,
			max_artifact_mib: 1,
			gateway: false,
			extra: String::new(),
		}
	}

	/// The configuration file's text.
	pub fn toml(&self) -> String {
		let (cpu, memory, storage) = self.capacity;
		format!(
			r#"
chain_url = "{chain}"
key = "{key}"
public_endpoint = "http://127.0.0.1:{port}"
listen = "127.0.0.1:{port}"
data_dir = "{data}"
region = "{region}"
gateway = {gateway}
[attributes]
tier = "community"
[prices]
cpu_millicore = "0.00001"
memory_mib = "0.00001"
storage_gib = "0.0001"
gpu = "0"
[capacity]
cpu_millicores = {cpu}
memory_mib = {memory}
storage_gib = {storage}
gpus = 0
reserve_memory_mib = 0
[wasm]
max_artifact_mib = {artifact}
[settlement]
every_blocks = {settle}
{extra}"#,
			chain = self.chain_url,
			key = self.key,
			port = self.port,
			data = self.data_dir.display(),
			region = self.region,
			artifact = self.max_artifact_mib,
			settle = self.settle_every_blocks,
			gateway = self.gateway,
			extra = self.extra,
		)
	}

	/// Writes the file to `path` and returns it.
	pub fn write(&self, path: &Path) -> PathBuf {
		std::fs::write(path, self.toml()).expect("the agent's configuration can be written");
		path.to_path_buf()
	}
}

/// Starts the workspace's `nubes-agent run --config {config}`, logging to `log`, and returns
/// once it listens on `port`.
pub fn start_agent(config: &Path, port: u16, log: &Path) -> Process {
	let mut command = Command::new(binary("nubes-agent"));
	command.args(["run", "--config"]).arg(config).env("RUST_LOG", "info");
	let process = Process::spawn(command, log);
	wait_for_port(port, "the agent");
	process
}

/// Unmounts the lease volumes an agent left under a directory (a killed agent leaves them)
/// when dropped, so that removing the directory neither fails nor leaks loop devices.
pub struct Unmount(pub PathBuf);

impl Drop for Unmount {
	fn drop(&mut self) {
		let Ok(dir) = self.0.canonicalize() else { return };
		let table = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
		for point in table.lines().filter_map(|line| line.split(' ').nth(4)) {
			if Path::new(point).starts_with(&dir) {
				let _ = Command::new("umount").arg("-l").arg(point).status();
			}
		}
	}
}
