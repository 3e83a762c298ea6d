//! The four-validator local network (Alice, Bob, Charlie, Dave) on loopback runs real Aura +
//! GRANDPA: every node produces and finalizes blocks, finality survives the loss of one validator
//! (3 of 4 vote), and the lost validator catches up when it comes back.

mod common;

use std::{path::PathBuf, time::Duration};

use common::{free_port, run_to_exit, wait_for, NodeProcess};

/// One validator's fixed identity and its ports.
struct Validator {
	name: &'static str,
	node_key: String,
	peer_id: String,
	p2p_port: u16,
	rpc_port: u16,
	base_path: PathBuf,
}

impl Validator {
	fn new(index: u8, name: &'static str, root: &std::path::Path) -> Self {
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

	fn start(&self, all: &[Validator]) -> NodeProcess {
		let mut args: Vec<String> = vec![
			"--chain".into(),
			"local".into(),
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

#[test]
fn four_validators_finalize_survive_one_loss_and_catch_up() {
	let root = tempfile::tempdir().expect("temp dir");
	let validators: Vec<Validator> = ["alice", "bob", "charlie", "dave"]
		.into_iter()
		.enumerate()
		.map(|(i, name)| Validator::new(i as u8, name, root.path()))
		.collect();
	let mut nodes: Vec<NodeProcess> = validators.iter().map(|v| v.start(&validators)).collect();

	// Every node authors its share and follows finality.
	for node in &nodes {
		node.wait_finalized(3, Duration::from_secs(180));
	}
	for node in &nodes {
		assert!(node.best_number().expect("best block") >= 3, "{} produces blocks", node.name);
	}

	// Dave goes away abruptly: the other three still finalize.
	nodes[3].kill();
	let finalized_at_loss =
		nodes[..3].iter().map(|n| n.finalized_number().expect("finalized head")).max().unwrap_or(0);
	for node in &nodes[..3] {
		node.wait_finalized(finalized_at_loss + 3, Duration::from_secs(120));
	}

	// Dave comes back with its database and catches up with the others.
	nodes[3] = validators[3].start(&validators);
	let target = nodes[0].finalized_number().expect("Alice's finalized head");
	nodes[3].wait_finalized(target, Duration::from_secs(120));
	wait_for("Dave's best block to reach the others'", Duration::from_secs(60), || {
		let alice_best = nodes[0].best_number().ok()?;
		let dave_best = nodes[3].best_number().ok()?;
		(dave_best + 1 >= alice_best).then_some(())
	});

	// With all four back, finality keeps advancing on every node.
	let next = target + 2;
	for node in &nodes {
		node.wait_finalized(next, Duration::from_secs(120));
	}
}
