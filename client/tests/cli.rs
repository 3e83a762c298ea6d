//! The `nubes` command line against a real `nubes-node --dev`: good paths with chain state
//! checked, `--json` parsed, and the bad paths with their exit codes and messages.

use nubes_client::{amount::UNIT, api, parse_account, Keys, NubesClient};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

fn nubes(node_url: &str, args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_nubes"))
		.arg("--url")
		.arg(node_url)
		.args(args)
		.env_remove("NUBES_URL")
		.env_remove("NUBES_SURI")
		.stdin(Stdio::null())
		.output()
		.expect("nubes runs")
}

fn ok_json(output: &Output) -> Value {
	assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
	serde_json::from_slice(&output.stdout).expect("--json prints JSON")
}

fn failed(output: &Output, code: i32, says: &str) {
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
	// Progress lines may come first (deploy); the error is the one last line.
	let last = stderr.lines().last().unwrap_or_default();
	assert!(last.contains(says), "{stderr:?} does not end saying {says:?}");
	assert_eq!(
		stderr.lines().filter(|l| l.starts_with("error")).count(),
		1,
		"one error line: {stderr:?}"
	);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_against_a_dev_node() {
	let base = tempfile::tempdir().unwrap();
	let node = nubes_test_support::start_dev_node(&base);
	let url = &node.ws_url();
	let client = NubesClient::connect(url).await.expect("connects");
	let ferdie = Keys::from_suri("//Ferdie").unwrap();
	let alice = Keys::from_suri("//Alice").unwrap();

	// Nothing to rent yet.
	failed(&nubes(url, &["quote", "--cpu", "1000", "--memory", "1024"]), 5, "no provider matches");
	let apps = tempfile::tempdir().unwrap();
	let app = |escrow: &str, memory: &str| {
		// A component header is all the client checks of the artifact before leasing.
		std::fs::write(apps.path().join("app.wasm"), [0, b'a', b's', b'm', 0x0d, 0, 1, 0]).unwrap();
		let path = apps.path().join(format!("app-{escrow}-{memory}.toml"));
		std::fs::write(
			&path,
			format!(
				"name = \"t\"\nmax_price = \"0.01\"\nescrow = \"{escrow}\"\n[resources]\ncpu = \"500m\"\nmemory = \"{memory}\"\n[workload]\nkind = \"http\"\nartifact = \"app.wasm\"\n"
			),
		)
		.unwrap();
		path.display().to_string()
	};
	let deploy = |file: String| nubes(url, &["--suri", "//Alice", "deploy", &file]);
	failed(&deploy(app("10", "128Mi")), 5, "no provider matches");
	failed(&deploy(app("2000000", "128Mi")), 4, "insufficient balance");
	failed(&deploy(app("10", "128MB")), 2, "resources.memory");
	failed(&deploy(apps.path().join("absent.toml").display().to_string()), 2, "cannot read");
	let page = ok_json(&nubes(url, &["--json", "providers"]));
	assert_eq!(page["providers"].as_array().map(Vec::len), Some(0));
	// The dev chain's one validator (Alice's `nubs` key) and its standing.
	let validators = ok_json(&nubes(url, &["--json", "validators"]));
	let validators = validators.as_array().expect("a list");
	assert_eq!(validators.len(), 1, "{validators:?}");
	let key = validators[0]["key"].as_str().expect("a key");
	assert!(key.starts_with("0x") && key.len() == 66, "{key}");
	assert_eq!(validators[0]["silent"], 0, "{validators:?}");
	let text = String::from_utf8(nubes(url, &["validators"]).stdout).unwrap();
	assert!(text.starts_with("key  epochs  silent") && text.contains(key), "{text}");

	// Ferdie bonds with the CLI and registers (through the library).
	let bonded =
		ok_json(&nubes(url, &["--json", "--suri", "//Ferdie", "provider", "bond", "1000"]));
	assert_eq!(bonded["bonded"], (1_000 * UNIT).to_string());
	let at = client.api().at_current_block().await.unwrap();
	let ledger = at
		.storage()
		.fetch(api::storage().provider_stake().ledgers(), (ferdie.account_id(),))
		.await
		.unwrap()
		.decode()
		.unwrap();
	assert_eq!(ledger.active, 1_000 * UNIT);
	// Ferdie's registration: the base arguments plus `extra`.
	let register = |extra: &[&str]| {
		let mut args = vec![
			"--suri",
			"//Ferdie",
			"provider",
			"register",
			"--endpoint",
			"http://127.0.0.1:1",
			"--region",
			"local",
			"--cpu",
			"4000",
			"--memory",
			"8192",
		];
		args.extend_from_slice(extra);
		nubes(url, &args)
	};
	failed(&register(&["--attribute", "nope"]), 2, "not key=value");
	let registered = ok_json(&register(&[
		"--json",
		"--storage",
		"100",
		"--price-cpu",
		"1000u",
		"--price-memory",
		"100u",
		"--attribute",
		"tier=test",
	]));
	assert_eq!(
		parse_account(registered["registered"].as_str().unwrap()).unwrap(),
		ferdie.account_id()
	);
	failed(&register(&[]), 4, "Providers::AlreadyRegistered");

	// Updates change only what is given.
	let updated = ok_json(&nubes(
		url,
		&[
			"--json",
			"--suri",
			"//Ferdie",
			"provider",
			"update",
			"--endpoint",
			"http://127.0.0.1:2",
			"--attribute",
			"tier=gold",
		],
	));
	assert_eq!(updated["updated"], serde_json::json!(["endpoint", "attributes"]));
	let entry = client.provider(&ferdie.account_id()).await.unwrap().unwrap();
	assert_eq!(entry.endpoint, "http://127.0.0.1:2");
	assert_eq!(entry.attributes.get("tier").map(String::as_str), Some("gold"));
	assert_eq!(entry.offered.cpu_millicores, 4000);
	failed(&nubes(url, &["--suri", "//Ferdie", "provider", "update"]), 2, "nothing to update");
	failed(
		&nubes(url, &["--suri", "//Ferdie", "provider", "update", "--prices", "1,2"]),
		2,
		"give four prices",
	);
	ok_json(&nubes(
		url,
		&["--json", "--suri", "//Ferdie", "provider", "update", "--endpoint", "http://127.0.0.1:1"],
	));

	let page = ok_json(&nubes(url, &["--json", "providers", "--min-cpu", "2000"]));
	assert_eq!(page["providers"].as_array().map(Vec::len), Some(1));
	let none = ok_json(&nubes(url, &["--json", "providers", "--region", "mars"]));
	assert_eq!(none["providers"].as_array().map(Vec::len), Some(0));
	let quotes = ok_json(&nubes(url, &["--json", "quote", "--cpu", "1000", "--memory", "1024"]));
	let quote = &quotes[0];
	assert_eq!(parse_account(quote["provider"].as_str().unwrap()).unwrap(), ferdie.account_id());
	let rate: u128 = quote["rate"].as_str().unwrap().parse().unwrap();
	assert_eq!(rate, 1_000 * 1_000 + 1_024 * 100);
	let text = nubes(url, &["quote", "--cpu", "1000", "--memory", "1024"]);
	assert!(String::from_utf8_lossy(&text.stdout).contains("NUBES per block"));

	// Alice leases directly (library), then uses the CLI on her lease.
	client
		.submit(
			&api::tx().market().lease_direct(
				ferdie.account_id(),
				api::runtime_types::nubes_primitives::resources::Resources {
					cpu_millicores: 1_000,
					memory_mib: 1_024,
					storage_gib: 1,
					gpus: 0,
				},
				rate,
				None,
				[7; 32],
				// The escrow must cover the start stake: at least 1 NUBES.
				(rate * 1_000).max(UNIT),
			),
			&alice,
		)
		.await
		.expect("Alice leases");
	let leases = ok_json(&nubes(url, &["--json", "--suri", "//Alice", "lease", "list"]));
	assert_eq!(leases.as_array().map(Vec::len), Some(1));
	let id = leases[0]["id"].as_u64().unwrap();
	assert_eq!(leases[0]["state"], "Pending");
	let escrow = |id: &str| -> u128 {
		let status = ok_json(&nubes(url, &["--json", "lease", "status", id]));
		status["escrow"].as_str().expect("escrow is a string").parse().expect("a number")
	};
	let status = nubes(url, &["lease", "status", &id.to_string()]);
	assert!(String::from_utf8_lossy(&status.stdout).contains("Pending"));
	let before: u128 = escrow(&id.to_string());
	ok_json(&nubes(
		url,
		&["--json", "--suri", "//Alice", "escrow", "top-up", &id.to_string(), "2.5"],
	));
	let after: u128 = escrow(&id.to_string());
	assert_eq!(after - before, 2 * UNIT + UNIT / 2);

	// Refusals come back as the pallet's named error with their exit code.
	failed(
		&nubes(url, &["--suri", "//Bob", "lease", "close", &id.to_string()]),
		4,
		"Market::NotParty",
	);
	ok_json(&nubes(url, &["--json", "--suri", "//Alice", "lease", "close", &id.to_string()]));
	failed(&nubes(url, &["lease", "status", &id.to_string()]), 5, "no open lease");
	failed(&nubes(url, &["--suri", "//Alice", "lease", "close", "999"]), 5, "Market::UnknownLease");
	assert_eq!(client.leases(&alice.account_id()).await.unwrap().len(), 0);

	// Orders: Alice opens one, Ferdie bids (as his agent would), Alice reads the bids and
	// accepts; a second order is cancelled.
	let create = |extra: &[&str]| {
		let mut args = vec![
			"--json",
			"--suri",
			"//Alice",
			"order",
			"create",
			"--cpu",
			"1000",
			"--memory",
			"1024",
			"--max-price",
			"0.01",
			"--escrow",
			"10",
			"--bid-window",
			"50",
		];
		args.extend_from_slice(extra);
		nubes(url, &args)
	};
	let order = ok_json(&create(&[]))["order"].as_u64().unwrap();
	client.submit(&api::tx().market().place_bid(order, rate), &ferdie).await.expect("Ferdie bids");
	let bids = ok_json(&nubes(url, &["--json", "order", "bids", &order.to_string()]));
	assert_eq!(bids["bids"][0]["price"], rate.to_string());
	assert_eq!(
		parse_account(bids["bids"][0]["provider"].as_str().unwrap()).unwrap(),
		ferdie.account_id()
	);
	let text = nubes(url, &["order", "bids", &order.to_string()]);
	assert!(String::from_utf8_lossy(&text.stdout).contains("per block"));
	let ferdie_address = nubes_client::to_ss58(&ferdie.account_id());
	let accepted = ok_json(&nubes(
		url,
		&["--json", "--suri", "//Alice", "order", "accept", &order.to_string(), &ferdie_address],
	));
	let lease = accepted["lease"].as_u64().expect("a lease id");
	assert_eq!(client.lease(lease).await.unwrap().map(|l| l.state), Some("Pending".into()));
	failed(&nubes(url, &["order", "bids", &order.to_string()]), 5, "no open order");
	let second = ok_json(&create(&[]))["order"].as_u64().unwrap();
	failed(
		&nubes(url, &["--suri", "//Bob", "order", "cancel", &second.to_string()]),
		4,
		"Market::NotTenant",
	);
	ok_json(&nubes(url, &["--json", "--suri", "//Alice", "order", "cancel", &second.to_string()]));
	failed(
		&nubes(url, &["--suri", "//Alice", "order", "cancel", &second.to_string()]),
		5,
		"Market::UnknownOrder",
	);
	failed(&create(&["--manifest-hash", "0x12"]), 2, "manifest hash");
	failed(&create(&["--replicas", "0"]), 4, "Market::BadReplicaCount");

	// Logs come from the provider's agent; Ferdie runs none at his endpoint.
	failed(&nubes(url, &["--suri", "//Alice", "lease", "logs", "999"]), 5, "no open lease");
	failed(
		&nubes(url, &["--suri", "//Alice", "lease", "logs", &lease.to_string()]),
		3,
		"cannot talk to the provider's agent",
	);

	// Bad input and an unreachable node.
	failed(&nubes(url, &["--suri", "//Alice", "escrow", "top-up", "1", "abc"]), 2, "not an amount");
	failed(&nubes(url, &["lease", "close", "1"]), 2, "pass --suri");
	failed(&nubes("ws://127.0.0.1:1", &["providers"]), 3, "cannot reach a Nubes node");
	let json = nubes("ws://127.0.0.1:1", &["--json", "providers"]);
	let error: Value = serde_json::from_slice(&json.stdout).expect("errors are JSON with --json");
	assert_eq!(error["code"], 3);
}
