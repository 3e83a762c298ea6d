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

use codec::{Decode, Encode};
use nubes_runtime::{
	AccountId, Balance, Runtime, RuntimeCall, RuntimeEvent, SignedPayload, TxExtension,
	UncheckedExtrinsic,
};
use serde_json::{json, Value};
use sp_core::{Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;

/// `who` in Nubes' SS58 format (prefix 4747), as the node answers and dApps send.
pub fn nubes_address(who: &AccountId) -> String {
	use sp_core::crypto::{Ss58AddressFormat, Ss58Codec};
	who.to_ss58check_with_version(Ss58AddressFormat::custom(nubes_runtime::SS58_PREFIX))
}

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
	pub fn start(
		name: &str,
		args: &[String],
		rpc_port: u16,
		p2p_port: u16,
		log_path: &Path,
	) -> Self {
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

/// Starts `nubes-node --dev` on free ports with a temporary base path.
pub fn start_dev_node(base: &tempfile::TempDir) -> NodeProcess {
	start_dev_node_with(base, &[])
}

/// Starts `nubes-node --dev` with `extra` arguments on free ports with a temporary base path.
pub fn start_dev_node_with(base: &tempfile::TempDir, extra: &[&str]) -> NodeProcess {
	start_dev_node_on(base, extra, None)
}

/// The same, serving Prometheus metrics on `prometheus_port` if given.
#[allow(dead_code)] // Not every test binary reads metrics.
pub fn start_dev_node_on(
	base: &tempfile::TempDir,
	extra: &[&str],
	prometheus_port: Option<u16>,
) -> NodeProcess {
	let rpc_port = free_port();
	let p2p_port = free_port();
	let prometheus = match prometheus_port {
		Some(port) => vec!["--prometheus-port".to_string(), port.to_string()],
		None => vec!["--no-prometheus".to_string()],
	};
	let args: Vec<String> = [
		"--dev",
		"--base-path",
		base.path().to_str().expect("utf-8 temp path"),
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
	NodeProcess::start("dev", &args, rpc_port, p2p_port, &base.path().join("node.log"))
}

/// The value of metric `name` whose labels include every one of `labels` (the node adds its
/// own, such as `chain`), at `http://127.0.0.1:{port}/metrics`, if it is there.
#[allow(dead_code)] // Not every test binary reads metrics.
pub fn metric(port: u16, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
	let text = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
		.timeout(Duration::from_secs(10))
		.call()
		.ok()?
		.into_string()
		.ok()?;
	text.lines().find_map(|line| {
		let rest = line.strip_prefix(name)?;
		let (set, value) = match rest.strip_prefix('{') {
			Some(labelled) => labelled.split_once("} ")?,
			None => ("", rest.strip_prefix(' ')?),
		};
		let wanted = labels
			.iter()
			.all(|(key, val)| set.split(',').any(|pair| pair == format!("{key}=\"{val}\"")));
		if wanted {
			value.trim().parse().ok()
		} else {
			None
		}
	})
}

/// Free balance of `who` at block `at`, read from `System::Account` storage.
pub fn free_balance(node: &NodeProcess, who: &AccountId, at: H256) -> Balance {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	let raw = node
		.rpc("state_getStorage", json!([to_hex(&key), format!("{at:?}")]))
		.expect("state_getStorage answers");
	match raw.as_str() {
		None => 0,
		Some(hex) => {
			let info =
				frame_system::AccountInfo::<u32, pallet_balances::AccountData<Balance>>::decode(
					&mut &from_hex(hex)[..],
				)
				.expect("AccountInfo decodes");
			info.data.free
		}
	}
}

/// Events recorded in block `at`.
pub fn events_at(
	node: &NodeProcess,
	at: H256,
) -> Vec<frame_system::EventRecord<RuntimeEvent, H256>> {
	// `System::Events` is not public in frame-system: build its key from the prefixes.
	let key = [sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
	let raw = node
		.rpc("state_getStorage", json!([to_hex(&key), format!("{at:?}")]))
		.expect("state_getStorage answers");
	let hex = raw.as_str().expect("a block with extrinsics has events");
	Vec::decode(&mut &from_hex(hex)[..]).expect("events decode")
}

pub fn hash_of(value: &Value) -> H256 {
	H256::from_slice(&from_hex(value.as_str().expect("hash is a string")))
}

/// Builds an immortal extrinsic of `call` signed by `signer` with the node's genesis and runtime
/// version.
pub fn signed_extrinsic(
	node: &NodeProcess,
	signer: Sr25519Keyring,
	call: RuntimeCall,
	nonce: u32,
) -> UncheckedExtrinsic {
	let genesis = hash_of(&node.rpc("chain_getBlockHash", json!([0])).expect("genesis hash"));
	let version = node.rpc("state_getRuntimeVersion", json!([])).expect("runtime version");
	let spec_version = version["specVersion"].as_u64().expect("specVersion") as u32;
	let tx_version = version["transactionVersion"].as_u64().expect("transactionVersion") as u32;

	let extension: TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	);
	let implicit = ((), (), spec_version, tx_version, genesis, genesis, (), (), (), None, ());
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.pair().sign(bytes));
	UncheckedExtrinsic::new_signed(call, signer.to_account_id().into(), signature.into(), extension)
}

/// Where a submitted extrinsic landed.
pub struct Inclusion {
	/// Number of the finalized block holding it.
	pub number: u64,
	/// Hash of that block.
	pub hash: H256,
	/// Index of the extrinsic in the block.
	pub index: u32,
}

/// Submits `xt` and waits until a finalized block holds it.
pub fn submit_and_finalize(node: &NodeProcess, xt: &UncheckedExtrinsic) -> Inclusion {
	let xt_hex = to_hex(&xt.encode());
	let start = node.finalized_number().expect("finalized head");
	node.rpc("author_submitExtrinsic", json!([xt_hex])).expect("extrinsic accepted by the pool");
	wait_for("the extrinsic to be finalized", Duration::from_secs(60), || {
		let finalized = node.finalized_number().ok()?;
		(start + 1..=finalized).find_map(|number| {
			let hash = node.rpc("chain_getBlockHash", json!([number])).ok()?;
			let block = node.rpc("chain_getBlock", json!([hash])).ok()?;
			let extrinsics = block["block"]["extrinsics"].as_array()?;
			let index = extrinsics.iter().position(|x| x.as_str() == Some(xt_hex.as_str()))?;
			Some(Inclusion { number, hash: hash_of(&hash), index: index as u32 })
		})
	})
}

/// Events an included extrinsic emitted.
pub fn extrinsic_events(node: &NodeProcess, inclusion: &Inclusion) -> Vec<RuntimeEvent> {
	events_at(node, inclusion.hash)
		.into_iter()
		.filter(|record| record.phase == frame_system::Phase::ApplyExtrinsic(inclusion.index))
		.map(|record| record.event)
		.collect()
}

/// Whether the events of an extrinsic say it succeeded.
pub fn succeeded(events: &[RuntimeEvent]) -> bool {
	events
		.iter()
		.any(|e| matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. })))
}

/// `who`'s next nonce, as the node's `system_accountNextIndex` says.
pub fn next_nonce(node: &NodeProcess, who: &AccountId) -> u32 {
	use sp_core::crypto::Ss58Codec;
	node.rpc("system_accountNextIndex", json!([who.to_ss58check()]))
		.expect("system_accountNextIndex answers")
		.as_u64()
		.expect("nonce is a number") as u32
}
