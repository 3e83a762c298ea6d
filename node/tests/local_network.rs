//! The four-validator local network (Alice, Bob, Charlie, Dave) on loopback runs real Aura +
//! GRANDPA: every node produces and finalizes blocks, finality survives the loss of one validator
//! (3 of 4 vote), and the lost validator catches up when it comes back.

mod common;

use std::time::Duration;

use common::{wait_for, NodeProcess, Validator};

#[test]
fn four_validators_finalize_survive_one_loss_and_catch_up() {
	let root = tempfile::tempdir().expect("temp dir");
	let validators: Vec<Validator> = ["alice", "bob", "charlie", "dave"]
		.into_iter()
		.enumerate()
		.map(|(i, name)| Validator::new(i as u8, name, root.path()))
		.collect();
	let mut nodes: Vec<NodeProcess> =
		validators.iter().map(|v| v.start(&validators, "local")).collect();

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
	nodes[3] = validators[3].start(&validators, "local");
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
