//! Shared helpers of the node's integration tests: the runtime's own types (signed
//! extrinsics, events, balances, addresses) on top of the workspace's test-support crate
//! (node processes, ports, JSON-RPC, waits).

#![allow(dead_code)]

use std::{path::PathBuf, time::Duration};

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

// Each test binary uses its own share of these.
#[allow(unused_imports)]
pub use nubes_test_support::{
	free_port, header_number, rpc, start_dev_node, start_dev_node_on, start_dev_node_with,
	wait_for, NodeProcess,
};

/// Runs the node to completion with `args` (for commands that are expected to exit).
pub fn run_to_exit(args: &[&str], timeout: Duration) -> std::process::Output {
	nubes_test_support::run_to_exit(&nubes_test_support::binary("nubes-node"), args, timeout)
}

/// Decodes a `0x`-prefixed hex string.
pub fn from_hex(text: &str) -> Vec<u8> {
	hex::decode(text.trim_start_matches("0x")).expect("valid hex from the node")
}

/// Encodes bytes as a `0x`-prefixed hex string.
pub fn to_hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
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

/// Every event of finalized blocks `from..=to`.
pub fn events_between(node: &NodeProcess, from: u64, to: u64) -> Vec<RuntimeEvent> {
	(from..=to)
		.flat_map(|number| {
			let hash = hash_of(&node.rpc("chain_getBlockHash", json!([number])).expect("a hash"));
			events_at(node, hash).into_iter().map(|record| record.event)
		})
		.collect()
}

/// What the attestation tests' providers sell: one core, so one unit of work per challenge.
pub fn one_core() -> nubes_primitives::Resources {
	nubes_primitives::Resources {
		cpu_millicores: 1_000,
		memory_mib: 1_024,
		storage_gib: 1,
		gpus: 0,
	}
}

/// The attestation tests' providers' prices: 1 per millicore, nothing else.
pub fn per_millicore() -> nubes_primitives::ResourcePrices<Balance> {
	nubes_primitives::ResourcePrices {
		per_cpu_millicore: 1,
		per_memory_mib: 0,
		per_storage_gib: 0,
		per_gpu: 0,
	}
}

/// One validator's fixed identity and its ports.
pub struct Validator {
	/// `alice`, `bob`, `charlie` or `dave`: the node's name and its dev keys.
	pub name: &'static str,
	node_key: String,
	peer_id: String,
	p2p_port: u16,
	rpc_port: u16,
	base_path: PathBuf,
}

impl Validator {
	/// Validator `index` (from 0) with the dev keys of `name`, its files under `root`.
	pub fn new(index: u8, name: &'static str, root: &std::path::Path) -> Self {
		let node_key = format!("{:064x}", u64::from(index) + 1);
		let key_file = root.join(format!("{name}.node-key"));
		std::fs::write(&key_file, &node_key).expect("node key file");
		let output = run_to_exit(
			&["key", "inspect-node-key", "--file", key_file.to_str().expect("utf-8 path")],
			Duration::from_secs(30),
		);
		assert!(output.status.success(), "inspect-node-key: {output:?}");
		let peer_id = String::from_utf8_lossy(&output.stdout).trim().to_string();
		Self {
			name,
			node_key,
			peer_id,
			p2p_port: free_port(),
			rpc_port: free_port(),
			base_path: root.join(name),
		}
	}

	fn multiaddr(&self) -> String {
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", self.p2p_port, self.peer_id)
	}

	/// Starts the node on `chain` (a preset or a spec file), peered with `all` the others.
	pub fn start(&self, all: &[Validator], chain: &str) -> NodeProcess {
		let mut args: Vec<String> = vec![
			"--chain".into(),
			chain.into(),
			format!("--{}", self.name),
			"--validator".into(),
			"--name".into(),
			self.name.into(),
			"--base-path".into(),
			self.base_path.display().to_string(),
			"--port".into(),
			self.p2p_port.to_string(),
			"--rpc-port".into(),
			self.rpc_port.to_string(),
			"--node-key".into(),
			self.node_key.clone(),
			"--no-prometheus".into(),
			"--no-telemetry".into(),
			"--no-mdns".into(),
		];
		for other in all.iter().filter(|other| other.name != self.name) {
			args.push("--bootnodes".into());
			args.push(other.multiaddr());
		}
		let log = self.base_path.with_extension("log");
		std::fs::create_dir_all(&self.base_path).expect("base path");
		NodeProcess::start(self.name, &args, self.rpc_port, self.p2p_port, &log)
	}
}

/// The openings a test's stand-in provider gave with its timed answers, kept by challenge seed
/// for the validator to read afterwards, as an agent keeps them.
#[derive(Clone, Default)]
pub struct KeptOpenings(
	std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>>,
);

impl KeptOpenings {
	/// Keeps `openings` for the path a validator reads them at.
	pub fn keep(&self, openings: &nubes_proofs::Openings) {
		let body = codec::Encode::encode(openings);
		let path = nubes_proofs::openings_path(&openings.seed);
		self.0.lock().expect("kept openings").insert(path, body);
	}

	/// The response to a GET of `url`: the openings kept for it, or a 404.
	pub fn respond(&self, url: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
		match self.0.lock().expect("kept openings").get(url) {
			Some(body) => tiny_http::Response::from_data(body.clone()),
			None => {
				tiny_http::Response::from_data(b"no such challenge".to_vec()).with_status_code(404)
			}
		}
	}
}
