//! The provider agent against a real `nubes-node --dev`, with the `nubes` CLI as the tenant:
//! the agent registers and bonds, `nubes deploy` of the example service gives a URL that
//! answers, the agent's settlement pays exactly rate × blocks less the protocol fee, the
//! tenant's close stops the workload and frees the capacity, an agent killed with -9
//! mid-lease comes back with the workload while the lease never leaves `Active`, and a tenant
//! griefing the agent with leases it never delivers ends poorer, not richer.

use nubes_client::{
	agent_api::{authorization, new_nonce, unix_now, AgentClient},
	amount::UNIT,
	api, parse_account, AccountId, ClientError, Keys, NubesClient,
};
use nubes_test_support::{
	eventually, free_port, http_get, start_dev_node_with, AgentConfig, Process, Unmount,
};
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	process::Command,
	time::Duration,
};

fn root() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn start_agent(dir: &Path, config: &Path, port: u16) -> Process {
	nubes_test_support::start_agent(config, port, &dir.join("agent.log"))
}

fn nubes(node: &str, args: &[&str]) -> Value {
	nubes_test_support::nubes_json(node, "//Alice", args)
}

/// Free balance of `who` at block `hash`.
async fn free_at(client: &NubesClient, who: &AccountId, hash: subxt::utils::H256) -> u128 {
	let at = client.api().at_block(hash).await.unwrap();
	at.storage()
		.try_fetch(api::storage().system().account(), (*who,))
		.await
		.unwrap()
		.map(|v| v.decode().unwrap().data.free)
		.unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_serves_a_deployment_settles_and_survives_kill_9() {
	let status =
		Command::new("bash").arg(root().join("scripts/build-examples.sh")).status().unwrap();
	assert!(status.success());
	let dir = tempfile::tempdir().unwrap();
	let _unmount = Unmount(dir.path().to_path_buf());
	let node = start_dev_node_with(dir.path(), &["--dev-block-time", "500"]);
	let url = node.ws_url();
	let client = NubesClient::connect(&url).await.unwrap();
	let port = free_port();
	let config =
		AgentConfig::new(&url, "//Ferdie", port, dir.path()).write(&dir.path().join("agent.toml"));
	let mut agent = start_agent(dir.path(), &config, port);
	let ferdie = Keys::from_suri("//Ferdie").unwrap().account_id();
	let alice = Keys::from_suri("//Alice").unwrap().account_id();

	// The agent bonds what its offer requires and registers what the machine sells.
	let entry = eventually("the agent's registration", Duration::from_secs(60), || async {
		client.provider(&ferdie).await.ok().flatten()
	})
	.await;
	assert_eq!(entry.endpoint, format!("http://127.0.0.1:{port}"));
	assert_eq!(entry.region, "test-region");
	assert_eq!(entry.offered.cpu_millicores, 1000);
	assert_eq!(entry.offered.memory_mib, 1024);
	assert_eq!(entry.prices.per_cpu_millicore, 10_000_000);
	let at = client.api().at_current_block().await.unwrap();
	let ledger = at
		.storage()
		.fetch(api::storage().provider_stake().ledgers(), (ferdie,))
		.await
		.unwrap()
		.decode()
		.unwrap();
	// 100 + 0.01 × 1000 millicores + 0.001 × 1024 MiB + 0.1 × 1 GiB (the dev bond rule).
	assert_eq!(ledger.active, 100 * UNIT + 10 * UNIT + 1_024 * UNIT / 1000 + UNIT / 10);

	// `nubes deploy` leases from the agent, delivers the workload, and the URL answers.
	let app = root().join("examples/workloads/hello-http.toml");
	let deployed = nubes(&url, &["deploy", app.to_str().unwrap(), "--timeout", "120"]);
	let replica = &deployed["replicas"][0];
	let lease_id = replica["lease"].as_u64().unwrap();
	assert_eq!(replica["state"], "running");
	let service = replica["url"].as_str().unwrap().to_string();
	// The lease has a host, and so a browser origin, of its own.
	assert_eq!(service, format!("http://l{lease_id}.localhost:{port}/"));
	assert_eq!(http_get(&service).unwrap(), (200, format!("Hello from Nubes lease {lease_id}\n")));
	assert_eq!(http_get(&format!("{service}nowhere")).unwrap().0, 404);
	// A name for the deployment, served by a gateway that runs no replica (Charlie, a storage
	// agent): it passes the request to this agent, naming the lease. Only the lease's tenant may
	// point a name at it.
	let gateway_port = free_port();
	let gateway_home = dir.path().join("gateway");
	std::fs::create_dir_all(&gateway_home).unwrap();
	let mut gateway_config = AgentConfig::new(&url, "//Charlie", gateway_port, &gateway_home);
	(gateway_config.capacity, gateway_config.gateway) = ((0, 0, 1), true);
	let gateway_config = gateway_config.write(&gateway_home.join("agent.toml"));
	let _gateway = start_agent(&gateway_home, &gateway_config, gateway_port);
	let lease_arg = lease_id.to_string();
	let hijack = nubes_test_support::nubes(
		&url,
		"//Bob",
		&["name", "register", "hello-app", "--lease", &lease_arg, "--blocks", "2000"],
	);
	assert_eq!(hijack.status.code(), Some(4), "{}", String::from_utf8_lossy(&hijack.stderr));
	assert!(String::from_utf8_lossy(&hijack.stderr).contains("NotLeaseTenant"));
	nubes(&url, &["name", "register", "hello-app", "--lease", &lease_arg, "--blocks", "2000"]);
	let named = format!("http://hello-app.localhost:{gateway_port}/");
	let answer =
		eventually("the gateway serves the named deployment", Duration::from_secs(60), || async {
			http_get(&named).ok().filter(|(status, _)| *status == 200)
		})
		.await;
	assert_eq!(answer.1, format!("Hello from Nubes lease {lease_id}\n"));
	assert_eq!(http_get(&format!("{named}nowhere")).unwrap().0, 404);
	// Every path on it is the lease's own: none leads to another lease or to the agent's API.
	let (status, body) = http_get(&format!("{service}leases/{}/", lease_id + 1)).unwrap();
	assert_eq!((status, body.as_str()), (404, "not found\n"), "answered by the workload");
	let (status, body) = http_get(&format!("{service}v1/leases/{lease_id}")).unwrap();
	assert_eq!((status, body.as_str()), (404, "not found\n"), "answered by the workload");
	// The shared path form is off (it is for endpoints without a lease domain), and a host
	// of a lease not served here answers nothing.
	assert_eq!(http_get(&format!("http://127.0.0.1:{port}/leases/{lease_id}/")).unwrap().0, 404);
	let (status, body) = http_get(&format!("http://l999.localhost:{port}/")).unwrap();
	assert!(status == 404 && body.contains("lease 999 runs nothing here"), "{body}");
	let logs = nubes(&url, &["lease", "logs", &lease_id.to_string()]);
	let logs = logs["logs"].as_str().unwrap();
	assert!(logs.contains(&format!("[agent] lease {lease_id} started")), "{logs}");
	assert!(logs.contains("no route for GET /nowhere"), "{logs}");
	// Only the tenant reads them.
	let bob = nubes_test_support::nubes(&url, "//Bob", &["lease", "logs", &lease_id.to_string()]);
	assert_eq!(bob.status.code(), Some(4));
	assert!(String::from_utf8_lossy(&bob.stderr).contains("only lease"));
	// Deliveries that do not match the lease, or come from someone else, are refused.
	let plan = nubes_client::deploy::load(&app).unwrap();
	let agent_api = AgentClient::new(&format!("http://127.0.0.1:{port}"), ferdie);
	let alice_keys = Keys::from_suri("//Alice").unwrap();
	let refused = |result: Result<_, ClientError>| match result {
		Err(ClientError::AgentRefused { status, reason, .. }) => (status, reason),
		other => panic!(
			"not refused: {other:?}\n{}",
			std::fs::read_to_string(dir.path().join("agent.log")).unwrap_or_default()
		),
	};
	let mut other_manifest = plan.manifest.clone();
	other_manifest.args = vec!["evil".into()];
	let (status, reason) = refused(agent_api.deploy(
		&alice_keys,
		lease_id,
		&other_manifest.to_bytes(),
		&plan.artifact,
	));
	assert_eq!(status, 422);
	assert!(reason.contains("does not hash to the lease's manifest hash"), "{reason}");
	let (status, reason) =
		refused(agent_api.deploy(&alice_keys, lease_id, &plan.manifest_bytes, &vec![0; 1_500_000]));
	assert_eq!(status, 413, "{reason}");
	let (status, reason) =
		refused(agent_api.deploy(&alice_keys, lease_id, &plan.manifest_bytes, b"\0asm"));
	assert_eq!(status, 422);
	assert!(reason.contains("artifactHash"), "{reason}");
	let (status, _) = refused(agent_api.deploy(
		&Keys::from_suri("//Bob").unwrap(),
		lease_id,
		&plan.manifest_bytes,
		&plan.artifact,
	));
	assert_eq!(status, 403);
	let (status, _) =
		refused(agent_api.deploy(&alice_keys, 999, &plan.manifest_bytes, &plan.artifact));
	assert_eq!(status, 404);
	let forged = ureq::get(&format!("http://127.0.0.1:{port}/v1/leases/{lease_id}"))
		.set(
			"authorization",
			"Nubes account=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY,ts=1,sig=0x00",
		)
		.call();
	assert!(matches!(forged, Err(ureq::Error::Status(401, _))));
	// A signed request is good once: replayed, it is refused.
	let status_path = format!("/v1/leases/{lease_id}");
	let header =
		authorization(&alice_keys, &ferdie, "GET", &status_path, unix_now(), &new_nonce(), b"");
	let signed_get = || match ureq::get(&format!("http://127.0.0.1:{port}{status_path}"))
		.set("authorization", &header)
		.call()
	{
		Ok(response) => response.status(),
		Err(ureq::Error::Status(status, _)) => status,
		Err(e) => panic!("{e}"),
	};
	assert_eq!(signed_get(), 200);
	assert_eq!(signed_get(), 409);
	// Signed for another provider's agent, it is refused here.
	let for_eve = authorization(
		&alice_keys,
		&Keys::from_suri("//Eve").unwrap().account_id(),
		"GET",
		&status_path,
		unix_now(),
		&new_nonce(),
		b"",
	);
	let misdirected = ureq::get(&format!("http://127.0.0.1:{port}{status_path}"))
		.set("authorization", &for_eve)
		.call();
	assert!(matches!(misdirected, Err(ureq::Error::Status(401, _))));
	// A gigabyte announced: a stranger is refused on its headers, the tenant on the size,
	// and neither has sent a byte of the body.
	let deployment_path = format!("/v1/leases/{lease_id}/deployment");
	let announce = |authorization: &str| {
		use std::io::{Read, Write};
		let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
		stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
		write!(
			stream,
			"POST {deployment_path} HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\n\
			 Content-Length: 1000000000\r\n\r\n"
		)
		.unwrap();
		let mut answer = [0u8; 12];
		stream.read_exact(&mut answer).unwrap();
		String::from_utf8_lossy(&answer).into_owned()
	};
	let stranger = authorization(
		&Keys::from_suri("//Dave").unwrap(),
		&ferdie,
		"POST",
		&deployment_path,
		unix_now(),
		&new_nonce(),
		b"",
	);
	assert_eq!(announce(&stranger), "HTTP/1.1 403");
	let tenant = authorization(
		&alice_keys,
		&ferdie,
		"POST",
		&deployment_path,
		unix_now(),
		&new_nonce(),
		b"",
	);
	assert_eq!(announce(&tenant), "HTTP/1.1 413");
	let metrics = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
		.call()
		.unwrap()
		.into_string()
		.unwrap();
	assert!(metrics.contains("nubes_agent_workloads_running 1"), "{metrics}");

	let lease = client.lease(lease_id).await.unwrap().unwrap();
	assert_eq!(lease.state, "Active");
	let rate = lease.rate;
	// 500 millicores × 0.00001 + 128 MiB × 0.00001 + 1 GiB × 0.0001 per block.
	assert_eq!(rate, 500 * 10_000_000 + 128 * 10_000_000 + 100_000_000);

	// The agent settles by itself: the provider's balance grows in that block by exactly
	// rate × blocks less the 2 % protocol fee, less the fee of its own transaction.
	let blocks = client.finalized_events().await.unwrap();
	futures::pin_mut!(blocks);
	let (hash, parent, settled) = loop {
		let block =
			tokio::time::timeout(Duration::from_secs(60), futures::StreamExt::next(&mut blocks))
				.await
				.expect("a settlement within 60 s")
				.unwrap()
				.unwrap();
		let settled = block
			.events
			.find::<api::payments::events::Settled>()
			.flatten()
			.find(|s| s.lease == lease_id);
		if let Some(settled) = settled {
			let fees: u128 = block
				.events
				.find::<api::transaction_payment::events::TransactionFeePaid>()
				.flatten()
				.filter(|f| f.who == ferdie)
				.map(|f| f.actual_fee)
				.sum();
			break (block.hash, block.parent, (settled, fees));
		}
	};
	let (settled, fees) = settled;
	let grew =
		free_at(&client, &ferdie, hash).await + fees - free_at(&client, &ferdie, parent).await;
	let gross = rate * u128::from(settled.blocks);
	let protocol_fee = gross * 2 / 100;
	assert!(settled.blocks > 0);
	assert!(settled.settled_to - settled.blocks >= lease.active_since.unwrap());
	assert_eq!((settled.to_provider, settled.fee), (gross - protocol_fee, protocol_fee));
	assert_eq!(grew, gross - protocol_fee, "the provider's balance change in the settling block");

	// The tenant closes: the workload stops and the capacity is free again.
	nubes(&url, &["lease", "close", &lease_id.to_string()]);
	eventually("the workload to stop", Duration::from_secs(30), || async {
		(http_get(&service).ok()?.0 == 404).then_some(())
	})
	.await;
	let entry = client.provider(&ferdie).await.unwrap().unwrap();
	assert_eq!(entry.allocated, nubes_primitives::Resources::default());
	assert!(!dir.path().join(format!("agent/leases/{lease_id}")).exists());

	// Through an auction: the agent's bid engine bids on the order, the tenant accepts it.
	let deployed =
		nubes(&url, &["deploy", app.to_str().unwrap(), "--auction", "--bid-window", "3"]);
	let auctioned = deployed["replicas"][0]["lease"].as_u64().unwrap();
	let auction_url = deployed["replicas"][0]["url"].as_str().unwrap().to_string();
	assert_eq!(
		http_get(&auction_url).unwrap(),
		(200, format!("Hello from Nubes lease {auctioned}\n"))
	);
	let lease = client.lease(auctioned).await.unwrap().unwrap();
	assert!(lease.order.is_some(), "the lease came from an order");
	assert_eq!(lease.rate, rate, "the agent bid its price list");
	let metrics = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
		.call()
		.unwrap()
		.into_string()
		.unwrap();
	assert!(metrics.contains("nubes_agent_bids_total{outcome=\"placed\"} 1"), "{metrics}");

	// Alice's off-chain worker challenges the agent every epoch (20 blocks); the agent answers
	// on the core it sells and the epochs are judged served.
	eventually("a validator's challenge answered", Duration::from_secs(90), || async {
		let metrics = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
			.call()
			.ok()?
			.into_string()
			.ok()?;
		metrics.contains("nubes_agent_challenges_total{outcome=\"answered\"}").then_some(())
	})
	.await;
	// The openings are given only for a seed answered here: a stranger guessing gets nothing.
	let (code, _) =
		http_get(&format!("http://127.0.0.1:{port}{}", nubes_proofs::openings_path(&[7; 32])))
			.unwrap();
	assert_eq!(code, 404);
	// Validators probe the leases the chain holds active: the agent says it runs this one, and
	// nothing for a lease it does not hold.
	let live = |lease: u64| {
		http_get(&format!(
			"http://127.0.0.1:{port}{}",
			nubes_proofs::protocol::liveness_path(lease)
		))
	};
	let (code, body) = live(auctioned).unwrap();
	assert_eq!(
		(code, body.as_str()),
		(200, format!("{{\"lease\":{auctioned},\"running\":true}}").as_str())
	);
	assert_eq!(live(auctioned + 1_000).unwrap().0, 404);
	// Strangers' challenges cost the agent no proving work: a challenge of the current epoch,
	// sized as the chain's rules allow, but signed by Eve (no validator) under the validator's
	// index, and one naming another provider, are refused before any proving.
	let finalized = client.api().at_current_block().await.unwrap();
	let rules = finalized
		.storage()
		.fetch(api::storage().attestation().params(), ())
		.await
		.unwrap()
		.decode()
		.unwrap();
	let epoch = finalized
		.storage()
		.fetch(api::storage().attestation().current_epoch(), ())
		.await
		.unwrap()
		.decode()
		.unwrap();
	let forged = |provider: [u8; 32]| {
		let challenge = nubes_proofs::Challenge {
			version: nubes_proofs::PROTOCOL_VERSION,
			seed: [7; 32],
			provider,
			capacity: nubes_proofs::CapacityChallenge {
				units: 1,
				blocks: rules.unit_kib,
				samples: rules.samples,
			},
			storage: vec![],
			deadline_ms: rules.deadline_ms,
		};
		let payload = nubes_proofs::SignedChallenge::signing_payload(&challenge, epoch, 0);
		let eve = Keys::from_suri("//Eve").unwrap();
		let signature = eve.signer().sign(&payload).0;
		serde_json::to_vec(&nubes_proofs::SignedChallenge {
			challenge,
			epoch,
			validator: 0,
			signature,
		})
		.unwrap()
	};
	let challenge_url = format!("http://127.0.0.1:{port}{}", nubes_proofs::CHALLENGE_PATH);
	let post = |body: Vec<u8>| match ureq::post(&challenge_url).send_bytes(&body) {
		Ok(r) => r.status(),
		Err(ureq::Error::Status(code, _)) => code,
		Err(e) => panic!("no answer: {e}"),
	};
	let cpu_before = agent.cpu_time().expect("the agent's CPU time");
	for _ in 0..10 {
		assert_eq!(post(forged(ferdie.0)), 401, "Eve's signature is no validator's");
		assert_eq!(post(forged([9; 32])), 400, "another provider's challenge");
	}
	let spent = agent.cpu_time().unwrap().saturating_sub(cpu_before);
	eprintln!("20 forged challenges cost the agent {spent:?} of CPU");
	// Proving one such challenge takes the agent's core for most of its deadline.
	assert!(
		spent < Duration::from_millis(u64::from(rules.deadline_ms) / 4),
		"refusing 20 forged challenges took {spent:?} of CPU"
	);

	// A tenant's job keeps its leased half core busy, filling the provider with the HTTP lease:
	// the challenges ask for no leased core, so the epochs under that load are served.
	let spin = dir.path().join("spin.toml");
	std::fs::write(
		&spin,
		format!(
			"name = \"spin\"\nreplicas = 1\nmax_price = \"0.01\"\nescrow = \"50\"\n\
			 [resources]\ncpu = \"500m\"\nmemory = \"128Mi\"\nstorage = \"0\"\n\
			 [workload]\nkind = \"job\"\nartifact = \"{}\"\nargs = [\"spin\"]\n",
			root().join("examples/workloads/build/sandbox-probe.wasm").display()
		),
	)
	.unwrap();
	let spinning = nubes(&url, &["deploy", spin.to_str().unwrap(), "--timeout", "120"]);
	let spinning = spinning["replicas"][0]["lease"].as_u64().unwrap();
	// What the agent's `/metrics` says for `series` (0 when absent).
	let metric = |series: &str| -> u64 {
		let text = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
			.call()
			.ok()
			.and_then(|r| r.into_string().ok())
			.unwrap_or_default();
		text.lines().find_map(|line| line.strip_prefix(series)?.trim().parse().ok()).unwrap_or(0)
	};
	const PROBED_RUNNING: &str = "nubes_agent_lease_probes_total{answer=\"running\"}";
	const PROBED_UNKNOWN: &str = "nubes_agent_lease_probes_total{answer=\"unknown\"}";
	let probed_before = metric(PROBED_RUNNING);
	let cpu_before = agent.cpu_time().unwrap();
	let busy_since = std::time::Instant::now();
	// Two epochs in a row judged served under that load, with no fault between them. (A fault
	// of this machine's own making, when CI loads it beyond the agent, the node and the job,
	// moves the start of the stretch on and is printed; the chain's window tolerates it.)
	let start = client.provider(&ferdie).await.unwrap().unwrap().reputation;
	let base = std::sync::Mutex::new((start.faults, start.epochs_served));
	let reputation = eventually(
		"two epochs in a row judged served under load",
		Duration::from_secs(180),
		|| async {
			let entry = client.provider(&ferdie).await.ok()??;
			let now = entry.reputation;
			let mut base = base.lock().ok()?;
			if now.faults != base.0 {
				eprintln!("a fault under load, the stretch starts again: {now:?}");
				*base = (now.faults, now.epochs_served);
				return None;
			}
			(now.epochs_served >= base.1 + 2).then_some(now)
		},
	)
	.await;
	assert_eq!(reputation.consecutive_faults, 0, "{reputation:?}");
	let burnt = agent.cpu_time().unwrap().saturating_sub(cpu_before);
	let wall = busy_since.elapsed();
	eprintln!("under load: {burnt:?} of agent CPU in {wall:?}; {reputation:?}");
	assert!(burnt >= wall / 4, "the job kept its share busy: {burnt:?} of CPU in {wall:?}");
	assert_eq!(live(spinning).unwrap().0, 200, "the job still runs");
	assert!(
		metric(PROBED_RUNNING) >= probed_before + 2,
		"the validator probed the running leases in each epoch"
	);
	nubes(&url, &["lease", "close", &spinning.to_string()]);
	nubes(&url, &["lease", "close", &auctioned.to_string()]);

	// Deploy again, then kill -9 the agent mid-lease and restart it.
	let deployed = nubes(&url, &["deploy", app.to_str().unwrap(), "--timeout", "120"]);
	let lease_id = deployed["replicas"][0]["lease"].as_u64().unwrap();
	let service = deployed["replicas"][0]["url"].as_str().unwrap().to_string();
	assert_eq!(http_get(&service).unwrap().0, 200);
	let before = client.lease(lease_id).await.unwrap().unwrap();
	agent.kill();
	assert!(http_get(&service).is_err(), "the agent is dead");
	let killed_at = unix_now();
	agent = start_agent(dir.path(), &config, port);
	let (code, body) = eventually("the workload to come back", Duration::from_secs(60), || async {
		http_get(&service).ok().filter(|(code, _)| *code == 200)
	})
	.await;
	assert_eq!((code, body), (200, format!("Hello from Nubes lease {lease_id}\n")));
	let after = client.lease(lease_id).await.unwrap().expect("the lease is still open");
	assert_eq!(after.state, "Active");
	assert_eq!(after.active_since, before.active_since, "the lease never left Active");
	assert_eq!(parse_account(&after.tenant).unwrap(), alice);
	eprintln!("workload back {} s after the kill", unix_now() - killed_at);

	// A lease closed while the agent is down is stopped and forgotten when it comes back.
	agent.kill();
	nubes(&url, &["lease", "close", &lease_id.to_string()]);
	agent = start_agent(dir.path(), &config, port);
	eventually("the closed lease's workload to be gone", Duration::from_secs(60), || async {
		let gone = !dir.path().join(format!("agent/leases/{lease_id}")).exists();
		(gone && http_get(&service).ok()?.0 == 404).then_some(())
	})
	.await;

	// A lease whose workload the agent lost (its artifacts gone while it was down) while the
	// chain holds it active: the validator's liveness probe finds it, and its epoch is a fault.
	let deployed = nubes(&url, &["deploy", app.to_str().unwrap(), "--timeout", "120"]);
	let lost = deployed["replicas"][0]["lease"].as_u64().unwrap();
	let faults_before = client.provider(&ferdie).await.unwrap().unwrap().reputation.faults;
	agent.kill();
	for sub in ["artifacts", "compiled"] {
		std::fs::remove_dir_all(dir.path().join("agent").join(sub)).unwrap();
	}
	agent = start_agent(dir.path(), &config, port);
	eventually("the agent back without the lost workload", Duration::from_secs(60), || async {
		(live(lost).ok()?.0 == 404).then_some(())
	})
	.await;
	let unknown_before = metric(PROBED_UNKNOWN);
	// The validator's report names the lost lease (read while the report window holds it), and
	// the epoch is then judged a fault.
	use api::runtime_types::nubes_proofs::verify::Failure;
	eventually("a report of the lost lease", Duration::from_secs(120), || async {
		let at = client.api().at_current_block().await.ok()?;
		let epoch = at
			.storage()
			.fetch(api::storage().attestation().current_epoch(), ())
			.await
			.ok()?
			.decode()
			.ok()?;
		for e in [epoch, epoch.saturating_sub(1)] {
			let Ok(entry) =
				at.storage().fetch(api::storage().attestation().failures(), (e, ferdie)).await
			else {
				continue;
			};
			let Ok(failures) = entry.decode() else { continue };
			if failures
				.reports
				.0
				.iter()
				.any(|(_, why)| matches!(why, Failure::LeaseDown { lease } if *lease == lost))
			{
				return Some(());
			}
		}
		None
	})
	.await;
	let reputation =
		eventually("the lost lease's epoch judged a fault", Duration::from_secs(60), || async {
			let entry = client.provider(&ferdie).await.ok()??;
			(entry.reputation.faults > faults_before).then_some(entry.reputation)
		})
		.await;
	eprintln!("a lost lease found by the probes: {reputation:?}");
	assert!(metric(PROBED_UNKNOWN) > unknown_before, "the validator probed the lost lease");
	nubes(&url, &["lease", "close", &lost.to_string()]);
	eventually("the provider active after its fault", Duration::from_secs(60), || async {
		let entry = client.provider(&ferdie).await.ok()??;
		(entry.status == nubes_primitives::ProviderStatus::Active).then_some(())
	})
	.await;

	// The start-deadline grief, as a dApp would try it: Bob leases the cheapest spec from the
	// running agent and never delivers a manifest. A one-unit escrow is refused; with the least
	// escrow the chain takes, the deadline costs Bob the lease's start stake, exactly what it
	// costs Ferdie, and Bob ends poorer.
	let bob_keys = Keys::from_suri("//Bob").unwrap();
	let bob = bob_keys.account_id();
	let tiny = nubes_primitives::Resources { cpu_millicores: 1, ..Default::default() };
	let grief = |escrow: u128| {
		api::tx().market().lease_direct(
			ferdie,
			nubes_client::convert::resources(&tiny),
			u128::MAX,
			None,
			[9; 32],
			escrow,
		)
	};
	match client.submit(&grief(1), &bob_keys).await {
		Err(ClientError::Module { pallet, error, .. }) => {
			assert_eq!((pallet.as_str(), error.as_str()), ("Market", "EscrowTooLow"))
		}
		other => panic!("a one-unit escrow was not refused: {other:?}"),
	}
	// Free plus held, and stake, of `who` at block `number`.
	let at_block = |number: u64| {
		let client = &client;
		async move {
			let hash: subxt::utils::H256 = client
				.request("chain_getBlockHash", subxt::rpcs::rpc_params![number])
				.await
				.unwrap();
			client.api().at_block(hash).await.unwrap()
		}
	};
	let wealth = |number: u64, who: AccountId| async move {
		let account = at_block(number)
			.await
			.storage()
			.fetch(api::storage().system().account(), (who,))
			.await
			.unwrap()
			.decode()
			.unwrap();
		account.data.free + account.data.reserved
	};
	let stake = |number: u64, who: AccountId| async move {
		let ledger = at_block(number)
			.await
			.storage()
			.fetch(api::storage().provider_stake().ledgers(), (who,))
			.await
			.unwrap()
			.decode()
			.unwrap();
		ledger.active + ledger.unlocking.0.iter().map(|chunk| chunk.value).sum::<u128>()
	};
	let events = client.submit(&grief(UNIT), &bob_keys).await.expect("the least escrow is taken");
	let created = events
		.find_first::<api::market::events::LeaseCreated>()
		.unwrap()
		.expect("a lease is created");
	let griefing = created.lease;
	eventually("the grief's start deadline", Duration::from_secs(120), || async {
		client.lease(griefing).await.ok()?.is_none().then_some(())
	})
	.await;
	// The deadline's block: the start stake is 1 NUBES (100 blocks at 0.00001 NUBES is less).
	let deadline = u64::from(created.deadline);
	let (before, after) = (deadline - 1, deadline);
	assert_eq!(wealth(after, bob).await, wealth(before, bob).await - UNIT, "Bob pays its stake");
	assert_eq!(stake(after, ferdie).await, stake(before, ferdie).await - UNIT, "Ferdie loses it");
	// From before the lease to after its deadline Bob is poorer by the stake and the fee.
	let opened = u64::from(created.deadline) - 100;
	assert!(wealth(after, bob).await < wealth(opened - 1, bob).await - UNIT, "Bob never gains");
	// The slash left Ferdie's bond short, which pauses it; the agent bonds again and resumes, so
	// the grief costs Ferdie the stated stake (and the fees of bonding again), not its place in
	// the market.
	eventually("the agent back in the market", Duration::from_secs(60), || async {
		let entry = client.provider(&ferdie).await.ok()??;
		(entry.status == nubes_primitives::ProviderStatus::Active).then_some(())
	})
	.await;

	// A storage deal of one 256 KiB chunk as 1 + 1 shards: the data shard held by this agent,
	// the other by Eve, a provider in another region with no agent (its lease times out).
	// Alice uploads her shard; the agent checks it against the lease's root, seals it and
	// confirms; anyone reads the chunk back, checked against the root; and the validators'
	// next challenge probes it through the seal.
	use api::runtime_types::bounded_collections::bounded_vec::BoundedVec;
	let eve_keys = Keys::from_suri("//Eve").unwrap();
	let eve = eve_keys.account_id();
	client.submit(&api::tx().provider_stake().bond(200 * UNIT), &eve_keys).await.unwrap();
	let eve_offer = nubes_primitives::Resources {
		cpu_millicores: 1000,
		memory_mib: 1024,
		storage_gib: 1,
		gpus: 0,
	};
	let eve_prices = nubes_primitives::ResourcePrices {
		per_cpu_millicore: UNIT / 1000,
		per_memory_mib: 0,
		per_storage_gib: UNIT / 10_000,
		per_gpu: 0,
	};
	client
		.submit(
			&api::tx().providers().register(
				nubes_client::convert::bytes("http://127.0.0.1:9"),
				nubes_client::convert::bytes("other-region"),
				nubes_client::convert::attributes(&Default::default()),
				nubes_client::convert::resources(&eve_offer),
				nubes_client::convert::prices(&eve_prices),
			),
			&eve_keys,
		)
		.await
		.unwrap();
	let alice_keys = Keys::from_suri("//Alice").unwrap();
	const CHUNK: usize = nubes_proofs::protocol::MAX_CHUNK_BYTES;
	let shard: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
	let root = nubes_proofs::storage::commit(&[&shard[..]]);
	let events = client
		.submit(
			&api::tx().storage_deals().create_deal(
				root,
				CHUNK as u64,
				1,
				1,
				BoundedVec(vec![root, [7; 32]]),
				BoundedVec(vec![ferdie, eve]),
				UNIT,
				None,
				2 * UNIT,
				0,
			),
			&alice_keys,
		)
		.await
		.expect("the deal opens");
	let held = events
		.find::<api::storage_deals::events::HolderAssigned>()
		.filter_map(Result::ok)
		.find(|assigned| assigned.provider == ferdie)
		.expect("the agent holds a shard")
		.lease;
	let holder = AgentClient::new(&format!("http://127.0.0.1:{port}"), ferdie);
	// Only the deal's tenant uploads, and only the shard the lease is bound to.
	match holder.upload_shard(&bob_keys, held, &shard) {
		Err(ClientError::AgentRefused { status: 403, .. }) => {}
		other => panic!("a stranger's shard was not refused: {other:?}"),
	}
	let mut wrong = shard.clone();
	wrong[0] ^= 1;
	match holder.upload_shard(&alice_keys, held, &wrong) {
		Err(ClientError::AgentRefused { status: 422, reason, .. }) => {
			assert!(reason.contains("Merkle root"), "{reason}")
		}
		other => panic!("a shard under another root was not refused: {other:?}"),
	}
	let receipt = holder.upload_shard(&alice_keys, held, &shard).expect("the shard is taken");
	assert_eq!((receipt.lease, receipt.chunks), (held, 1));
	eventually("the holder's lease confirmed", Duration::from_secs(60), || async {
		(client.lease(held).await.ok()??.state == "Active").then_some(())
	})
	.await;
	let read =
		ureq::get(&format!("http://127.0.0.1:{port}/nubes/v1/blob/0x{}/0", hex::encode(root)))
			.call()
			.expect("the chunk is read back");
	let mut bytes = Vec::new();
	std::io::Read::read_to_end(&mut read.into_reader(), &mut bytes).unwrap();
	let proof = <nubes_proofs::ChunkProof as codec::Decode>::decode(&mut &bytes[..]).unwrap();
	assert!(nubes_proofs::storage::verify_chunk(&root, 1, &proof), "checked against the root");
	assert_eq!(proof.data, shard, "byte for byte");
	// The validators probe the shard lease through the seal, not through a workload's
	// liveness, and the agent's sealed copy passes: no storage failure is reported.
	const SEALED: &str = "nubes_agent_challenges_total{outcome=\"sealed\"}";
	eventually("a storage probe answered", Duration::from_secs(120), || async {
		(metric(SEALED) > 0).then_some(())
	})
	.await;

	// No lease left (every one closed or timed out), its core is idle: the next challenge asks
	// it to fill a unit, and once the answer with the fill's root is in, the worker reads the
	// openings the agent kept.
	const OPENED: &str = "nubes_agent_challenges_total{outcome=\"opened\"}";
	eventually("a validator's answer opened", Duration::from_secs(90), || async {
		(metric(OPENED) > 0).then_some(())
	})
	.await;
	// The sealed chunk among those openings verified: no storage failure of this provider was
	// reported (a report lands within a block of the openings being read).
	tokio::time::sleep(Duration::from_secs(3)).await;
	let at = client.api().at_current_block().await.unwrap();
	let epoch = at
		.storage()
		.fetch(api::storage().attestation().current_epoch(), ())
		.await
		.unwrap()
		.decode()
		.unwrap();
	for e in [epoch, epoch.saturating_sub(1)] {
		let Ok(entry) =
			at.storage().fetch(api::storage().attestation().failures(), (e, ferdie)).await
		else {
			continue;
		};
		let failures = entry.decode().unwrap();
		assert!(
			!failures.reports.0.iter().any(|(_, why)| matches!(why, Failure::Storage(_))),
			"the agent's sealed shard failed a storage probe"
		);
	}

	// SIGTERM stops the agent cleanly.
	agent.signal(libc::SIGTERM);
	let exit = agent.wait_exit(Duration::from_secs(20)).expect("the agent stops on SIGTERM");
	assert!(exit.success(), "the agent exited with {exit}");
	drop(agent);
}
