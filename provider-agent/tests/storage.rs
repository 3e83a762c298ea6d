//! Storage deals end to end: a dev node, six storage-only agents in three regions, and the
//! `nubes` CLI as the tenant. A directory stored at 4 + 2 reads back byte for byte, from the
//! holders' agents and through `nubes store get`; with two holders killed it still reads; a
//! holder that leaves is replaced by the chain and the new holder rebuilds its shard from the
//! others, with no tenant; and a holder whose shard rots on disk fails its storage probe, is
//! judged faulty, and is not paid for that epoch.
//!
//! Then, on the same node and agents, names and gateways: `nubes site deploy` stores
//! `examples/site` and names it; two gateways serve it byte for byte, each detecting a holder
//! that serves a corrupted shard and reading from another; Chromium opens it by name and the
//! page renders and reads the chain through its own origin; the name pointed to a new root is
//! followed by both gateways; an expired name stops resolving; an operator's denylist refuses a
//! name on one gateway only.

use nubes_client::{agent_api::hash_hex, api, store, Keys, NubesClient};
use nubes_test_support::{
	eventually, free_port, start_dev_node_with, AgentConfig, Process, Unmount,
};
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	time::Duration,
};

/// The six holders' keys and regions, two per region, and a seventh that joins later.
const HOLDERS: [(&str, &str); 6] = [
	("//Bob", "region-a"),
	("//Charlie", "region-a"),
	("//Dave", "region-b"),
	("//Eve", "region-b"),
	("//Ferdie", "region-c"),
	("//Bob//stash", "region-c"),
];
/// The seventh provider, which joins in the region of the holder that leaves.
const SEVENTH: &str = "//Charlie//stash";
/// Two gateways that join for the names, one in region a and one in region b.
const GATEWAYS: [(&str, &str); 2] =
	[("//Dave//stash", "region-a"), ("//Ferdie//stash", "region-b")];

/// `nubes` as the tenant, Alice.
fn nubes_raw(node: &str, args: &[&str]) -> std::process::Output {
	nubes_test_support::nubes(node, "//Alice", args)
}

fn nubes(node: &str, args: &[&str]) -> Value {
	nubes_test_support::nubes_json(node, "//Alice", args)
}

/// A storage-only agent for `key` in `region`, with its own directory under `base`.
fn start_holder(base: &Path, url: &str, (key, region): (&str, &str)) -> (Process, u16, PathBuf) {
	let port = free_port();
	let home = base.join(key.replace('/', "_"));
	std::fs::create_dir_all(&home).unwrap();
	let mut config = AgentConfig::new(url, key, port, &home);
	config.region = region.into();
	// Storage only: no core is leased or challenged, so six agents share two cores. Three
	// GiB: a shard of the first deal, then shards of the named sites' deals.
	config.capacity = (0, 0, 3);
	config.gateway = GATEWAYS.iter().any(|gateway| gateway.0 == key);
	let path = config.write(&home.join("agent.toml"));
	let process = nubes_test_support::start_agent(&path, port, &home.join("agent.log"));
	(process, port, home.join("agent"))
}

/// A small site: an index, a script, and an image larger than a chunk, so the content spans
/// three chunks (one stripe of the four data shards).
fn write_site(dir: &Path) {
	std::fs::create_dir_all(dir.join("assets")).unwrap();
	std::fs::write(dir.join("index.html"), "<!doctype html><title>Stored on Nubes</title>\n")
		.unwrap();
	std::fs::write(dir.join("app.js"), "console.log('kept by six providers');\n").unwrap();
	let image: Vec<u8> =
		(0..600_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
	std::fs::write(dir.join("assets/logo.bin"), image).unwrap();
}

fn same_tree(a: &Path, b: &Path) {
	for file in ["index.html", "app.js", "assets/logo.bin"] {
		assert_eq!(
			std::fs::read(a.join(file)).unwrap(),
			std::fs::read(b.join(file)).unwrap(),
			"{file} differs"
		);
	}
}

fn get_to(url: &str, root: &str, out: &Path) {
	let _ = std::fs::remove_dir_all(out);
	let output = nubes_raw(url, &["store", "get", root, "--output", out.to_str().unwrap()]);
	assert!(output.status.success(), "store get: {}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_stored_at_four_plus_two_survives_lost_holders_and_is_repaired_unaided() {
	let dir = tempfile::tempdir().unwrap();
	let _unmount = Unmount(dir.path().to_path_buf());
	let node = start_dev_node_with(dir.path(), &["--dev-block-time", "500"]);
	let url = node.ws_url();
	let client = NubesClient::connect(&url).await.unwrap();
	let mut agents: Vec<(Process, u16, PathBuf)> =
		HOLDERS.iter().map(|holder| start_holder(dir.path(), &url, *holder)).collect();
	let accounts: Vec<_> =
		HOLDERS.iter().map(|(key, _)| Keys::from_suri(key).unwrap().account_id()).collect();
	for account in &accounts {
		eventually("every agent registered", Duration::from_secs(90), || async {
			client.provider(account).await.ok().flatten()
		})
		.await;
	}

	// `nubes store put`: encoded, six holders chosen across the three regions, uploaded,
	// sealed and confirmed.
	let site = dir.path().join("site");
	write_site(&site);
	let put = nubes(&url, &["store", "put", site.to_str().unwrap(), "--timeout", "120"]);
	assert_eq!((put["held"].as_u64(), put["shards"].as_u64()), (Some(6), Some(6)), "{put}");
	let root = put["root"].as_str().unwrap().to_string();
	let deal_id = put["deal"].as_u64().unwrap();
	let deal = client.deal(deal_id).await.unwrap().unwrap();
	assert_eq!((deal.data, deal.parity, deal.size), (4, 2, put["size"].as_u64().unwrap()));
	assert_eq!(hash_hex(&deal.root), root);
	let mut per_region = std::collections::HashMap::<String, usize>::new();
	for shard in &deal.shards {
		let holder = nubes_client::parse_account(&shard.holder.as_ref().unwrap().0).unwrap();
		let entry = client.provider(&holder).await.unwrap().unwrap();
		*per_region.entry(entry.region).or_default() += 1;
	}
	assert!(per_region.values().all(|&count| count <= 2), "{per_region:?}");

	// Read back byte for byte: through the CLI, one file to stdout, and every shard from its
	// own holder, checked against the root the deal commits to.
	let out = dir.path().join("out");
	get_to(&url, &root, &out);
	same_tree(&site, &out);
	let one = nubes_raw(&url, &["store", "get", &root, "index.html"]);
	assert_eq!(one.stdout, std::fs::read(site.join("index.html")).unwrap());
	let len = u64::from(deal.erasure().stripes(deal.size)) * nubes_content::CHUNK_BYTES as u64;
	let ports: Vec<u16> = agents.iter().map(|agent| agent.1).collect();
	let endpoint_of = |index: usize| format!("http://127.0.0.1:{}", ports[index]);
	let holder_index = |shard: usize| {
		let holder =
			nubes_client::parse_account(&deal.shards[shard].holder.as_ref().unwrap().0).unwrap();
		accounts.iter().position(|a| *a == holder).unwrap()
	};
	for (shard, entry) in deal.shards.iter().enumerate() {
		let bytes = store::fetch_shard(&endpoint_of(holder_index(shard)), &entry.root, len)
			.expect("every holder gives its shard");
		// A range is the same bytes.
		let url =
			format!("{}/nubes/v1/blob/{}", endpoint_of(holder_index(shard)), hash_hex(&entry.root));
		let response = ureq::get(&url).set("range", "bytes=1000-1099").call().unwrap();
		assert_eq!(response.status(), 206);
		let mut part = Vec::new();
		std::io::Read::read_to_end(&mut response.into_reader(), &mut part).unwrap();
		assert_eq!(part, bytes[1000..1100]);
	}
	let status = nubes(&url, &["store", "status", &root]);
	let states = status["deals"][0]["states"].as_array().unwrap();
	assert!(states.iter().all(|s| s["state"] == "active"), "{status}");

	// A seventh provider joins, in the region of shard 0's holder: the only region it may
	// hold a shard in once that holder is gone.
	let (first, second) = (holder_index(0), holder_index(2));
	let (_seventh, seventh_port, _) = start_holder(dir.path(), &url, (SEVENTH, HOLDERS[first].1));
	let seventh = Keys::from_suri(SEVENTH).unwrap().account_id();
	eventually("the seventh provider registered", Duration::from_secs(90), || async {
		client.provider(&seventh).await.ok().flatten()
	})
	.await;

	// Two holders killed (two data shards, in two regions), and the first of them leaves: its
	// provider closes the lease (unless the chain has already forced it out). The content is
	// still readable from the others.
	agents[first].0.kill();
	agents[second].0.kill();
	let leaving = Keys::from_suri(HOLDERS[first].0).unwrap();
	let lost_lease = deal.shards[0].holder.as_ref().unwrap().1;
	if let Err(e) = client.submit(&api::tx().market().close_lease(lost_lease), &leaving).await {
		assert!(client.lease(lost_lease).await.unwrap().is_none(), "cannot close: {e}");
	}
	get_to(&url, &root, &out);
	same_tree(&site, &out);

	// The chain gives the lost shard to the seventh provider, and its agent rebuilds it from
	// the holders still answering, checks it against the root and confirms, with no tenant.
	let repaired =
		eventually("the shard rebuilt and confirmed", Duration::from_secs(180), || async {
			let now = client.deal(deal_id).await.ok()??;
			let (holder, lease) = now.shards[0].holder.clone()?;
			if nubes_client::parse_account(&holder).ok()? != seventh {
				return None;
			}
			let open = client.lease(lease).await.ok()??;
			(open.state == "Active").then_some(now)
		})
		.await;
	assert_eq!(repaired.held(), 6, "six holders again");
	store::fetch_shard(&format!("http://127.0.0.1:{seventh_port}"), &deal.shards[0].root, len)
		.expect("the new holder gives the rebuilt shard");
	let metrics = ureq::get(&format!("http://127.0.0.1:{seventh_port}/metrics"))
		.call()
		.unwrap()
		.into_string()
		.unwrap();
	assert!(
		metrics.contains("nubes_agent_shard_rebuilds_total{outcome=\"rebuilt\"} 1"),
		"{metrics}"
	);

	// A live holder's shard rots on disk: its next storage probe fails, it is judged faulty,
	// and the settlement of its lease leaves that epoch's blocks unpaid.
	let rotten = holder_index(3);
	let rotten_account = accounts[rotten];
	let rotten_lease = deal.shards[3].holder.as_ref().unwrap().1;
	let sealed = agents[rotten].2.join(format!("shards/{}/sealed", hash_hex(&deal.shards[3].root)));
	let faults = |port: u16| {
		let metrics = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
			.call()
			.unwrap()
			.into_string()
			.unwrap();
		metrics
			.lines()
			.find_map(|line| line.strip_prefix("nubes_agent_faults_total "))
			.map(|count| count.trim().to_string())
	};
	// Until now it has kept its shard and passed every probe.
	assert_eq!(
		faults(ports[rotten]).as_deref(),
		Some("0"),
		"judged faulty before its shard rotted"
	);
	let mut bytes = std::fs::read(&sealed).unwrap();
	for byte in bytes.iter_mut().skip(4096).take(64) {
		*byte ^= 0xff;
	}
	std::fs::write(&sealed, bytes).unwrap();
	// A reader is not fooled: the rotten shard fails its root, and the content is read from
	// the others, byte for byte.
	let rotten_endpoint = endpoint_of(rotten);
	match store::fetch_shard(&rotten_endpoint, &deal.shards[3].root, len) {
		Err(nubes_client::ClientError::Agent { reason, .. }) => {
			assert!(reason.contains("not the one committed"), "{reason}")
		}
		other => panic!("a rotten shard was taken: {:?}", other.map(|b| b.len())),
	}
	get_to(&url, &root, &out);
	same_tree(&site, &out);
	let blocks = client.finalized_events().await.unwrap();
	futures::pin_mut!(blocks);
	let (mut faulted, mut unpaid) = (false, 0u32);
	let mut last_settled: Option<u32> = None;
	let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
	while !(faulted && unpaid > 0) {
		let block = tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut blocks))
			.await
			.expect("a fault and an unpaid epoch within four minutes")
			.unwrap()
			.unwrap();
		faulted |= block
			.events
			.find::<api::attestation::events::Fault>()
			.flatten()
			.any(|fault| fault.provider == rotten_account);
		for settled in block.events.find::<api::payments::events::Settled>().flatten() {
			if settled.lease != rotten_lease {
				continue;
			}
			if let Some(from) = last_settled {
				unpaid += (settled.settled_to - from).saturating_sub(settled.blocks);
			}
			last_settled = Some(settled.settled_to);
		}
	}
	eprintln!("the rotten holder was judged faulty; {unpaid} block(s) of its lease unpaid");

	// The tenant funds the deal's reserve, then closes the deal: the record and the root's
	// entry go, and `store status` finds nothing.
	let before = client.deal(deal_id).await.unwrap().unwrap().reserve;
	nubes(&url, &["store", "fund", &deal_id.to_string(), "1"]);
	let funded = client.deal(deal_id).await.unwrap().unwrap().reserve;
	assert_eq!(funded, before + nubes_client::amount::UNIT);
	nubes(&url, &["store", "close", &deal_id.to_string()]);
	assert!(client.deal(deal_id).await.unwrap().is_none());
	assert!(client.deals_of_root(&deal.root).await.unwrap().is_empty());
	assert_eq!(nubes_raw(&url, &["store", "status", &root]).status.code(), Some(5));
	// Each holder deletes the shard no lease pays for any more.
	let kept = agents[holder_index(1)].2.join(format!("shards/{}", hash_hex(&deal.shards[1].root)));
	eventually("a closed deal's shard deleted", Duration::from_secs(60), || async {
		(!kept.exists()).then_some(())
	})
	.await;
	assert_ne!(faults(ports[rotten]).as_deref(), Some("0"), "the agent saw its own fault");

	// The two holders killed come back (same keys and data, new ports): each updates its
	// endpoint, unless the chain forced it out meanwhile (then nobody chooses it).
	for index in [first, second] {
		let (process, port, data) = start_holder(dir.path(), &url, HOLDERS[index]);
		agents[index] = (process, port, data);
		let account = accounts[index];
		let endpoint = format!("http://127.0.0.1:{port}");
		eventually("a restarted holder back on chain", Duration::from_secs(90), || async {
			let entry = client.provider(&account).await.ok()?;
			let back = entry.is_none_or(|entry| {
				entry.endpoint == endpoint
					|| entry.status != nubes_primitives::ProviderStatus::Active
			});
			back.then_some(())
		})
		.await;
	}
	// Two gateways join.
	let mut gateways = Vec::new();
	for gateway in GATEWAYS {
		let (process, port, data) = start_holder(dir.path(), &url, gateway);
		let account = Keys::from_suri(gateway.0).unwrap().account_id();
		eventually("a gateway registered", Duration::from_secs(90), || async {
			client.provider(&account).await.ok().flatten()
		})
		.await;
		gateways.push((process, port, data, account));
	}
	let mut data_dirs: Vec<PathBuf> = agents.iter().map(|agent| agent.2.clone()).collect();
	data_dirs.extend(gateways.iter().map(|gateway| gateway.2.clone()));
	let mut everyone = accounts.clone();
	everyone.extend(gateways.iter().map(|gateway| gateway.3));
	let gateway_ports: Vec<u16> = gateways.iter().map(|gateway| gateway.1).collect();
	let gateway_dirs: Vec<PathBuf> = gateways.iter().map(|gateway| gateway.2.clone()).collect();
	names_and_gateways(
		&node,
		&client,
		dir.path(),
		&gateway_ports,
		&gateway_dirs,
		&data_dirs,
		&everyone,
	)
	.await;
}

/// Mallory's deal: `root` claimed, with the shards (2 + 1) of another content uploaded to three
/// holders, who check each against its shard root, seal it and confirm.
async fn forge_deal(client: &NubesClient, root: [u8; 32]) -> u64 {
	use api::runtime_types::bounded_collections::bounded_vec::BoundedVec;
	let mallory = Keys::from_suri("//Eve//stash").unwrap();
	let other = nubes_content::Content::from_files(vec![(
		"index.html".into(),
		b"<!doctype html><title>Mallory's page</title>".to_vec(),
	)])
	.unwrap();
	let erasure = nubes_content::Erasure { data: 2, parity: 1 };
	let shards = nubes_content::erasure::encode(&other, erasure).unwrap();
	let unit = nubes_client::amount::UNIT;
	let holders = store::choose_holders(client, erasure, 1, unit / 1000).await.unwrap();
	let call = api::tx().storage_deals().create_deal(
		root,
		other.size(),
		2,
		1,
		BoundedVec(shards.iter().map(|shard| shard.root()).collect()),
		BoundedVec(holders.iter().map(|holder| holder.provider).collect()),
		unit / 1000,
		None,
		10 * unit,
		20 * unit,
	);
	let events = client.submit(&call, &mallory).await.unwrap();
	let deal =
		events.find_first::<api::storage_deals::events::DealCreated>().unwrap().unwrap().deal;
	for assigned in events.find::<api::storage_deals::events::HolderAssigned>().flatten() {
		let index = usize::from(assigned.shard);
		store::upload(&holders[index], &mallory, assigned.lease, &shards[index]).await.unwrap();
	}
	assert_eq!(store::wait_held(client, deal, Duration::from_secs(120)).await.unwrap(), 3);
	deal
}

/// A name's page (or file) from a gateway on `port`, with `headers`.
fn from_gateway(
	name: &str,
	port: u16,
	path: &str,
	headers: &[(&str, &str)],
) -> nubes_test_support::Answer {
	let url = format!("http://{name}.localhost:{port}{path}");
	nubes_test_support::http_fetch(&url, headers).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn metric(port: u16, name: &str) -> u64 {
	let text = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
		.call()
		.unwrap()
		.into_string()
		.unwrap();
	text.lines()
		.find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
		.map_or(0, |value| value.trim().parse::<f64>().unwrap_or(0.0) as u64)
}

/// Names and gateways on the storage network: see the module's documentation.
async fn names_and_gateways(
	node: &nubes_test_support::NodeProcess,
	client: &NubesClient,
	base: &Path,
	gateways: &[u16],
	gateway_dirs: &[PathBuf],
	data_dirs: &[PathBuf],
	accounts: &[nubes_client::AccountId],
) {
	let url = node.ws_url();
	let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/site");
	let name = "nubes-demo";
	// Mallory opens a deal first, claiming the site's root but storing other bytes, each shard
	// consistent with its own root so that its holders confirm: a gateway that trusted shard
	// roots alone would serve her page under the site's name.
	let real_root = nubes_content::Content::from_path(&example).unwrap().root();
	let forged = forge_deal(client, real_root).await;
	assert_eq!(client.deals_of_root(&real_root).await.unwrap(), vec![forged]);
	// Stored at 2 + 1 (one holder per region) and named, in one command; it prints where the
	// two gateways serve it.
	let deployed = nubes(
		&url,
		&[
			"site",
			"deploy",
			example.to_str().unwrap(),
			"--name",
			name,
			"--data",
			"2",
			"--parity",
			"1",
			"--blocks",
			"4000",
			"--timeout",
			"120",
		],
	);
	let mut urls: Vec<String> =
		deployed["urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().into()).collect();
	urls.sort();
	let mut expected: Vec<String> =
		gateways.iter().map(|port| format!("http://{name}.localhost:{port}/")).collect();
	expected.sort();
	assert_eq!(urls, expected, "{deployed}");
	let root = deployed["root"].as_str().unwrap().to_string();
	assert_eq!(root, hash_hex(&real_root));
	let deal = client.deal(deployed["deal"].as_u64().unwrap()).await.unwrap().unwrap();
	assert_eq!(client.deals_of_root(&real_root).await.unwrap(), vec![forged, deal.id]);

	// The holder of shard 0 (the first a reader asks for) now serves other bytes.
	let holder = nubes_client::parse_account(&deal.shards[0].holder.as_ref().unwrap().0).unwrap();
	let at = accounts.iter().position(|a| *a == holder).unwrap();
	let sealed = data_dirs[at].join(format!("shards/{}/sealed", hash_hex(&deal.shards[0].root)));
	let mut bytes = std::fs::read(&sealed).unwrap();
	for byte in bytes.iter_mut().take(64) {
		*byte ^= 0xff;
	}
	std::fs::write(&sealed, bytes).unwrap();

	// Both gateways serve every file byte for byte, with its type, the root it came from,
	// ranges, a single-page app's routes and the site's own 404 page.
	let page = |port: u16, path: &str| from_gateway(name, port, path, &[]);
	for &port in gateways {
		let index = page(port, "/");
		assert_eq!(index.status, 200);
		assert_eq!(index.body, std::fs::read(example.join("index.html")).unwrap());
		assert!(index.header("content-type").unwrap().starts_with("text/html"));
		assert_eq!(index.header("nubes-root"), Some(root.as_str()));
		for file in ["app.js", "style.css", "README.md"] {
			let answer = page(port, &format!("/{file}"));
			assert_eq!(answer.status, 200, "{file}");
			assert_eq!(answer.body, std::fs::read(example.join(file)).unwrap(), "{file}");
		}
		let part = from_gateway(name, port, "/app.js", &[("range", "bytes=10-19")]);
		assert_eq!(part.status, 206);
		assert_eq!(part.body, std::fs::read(example.join("app.js")).unwrap()[10..20]);
		let route = from_gateway(name, port, "/settings/profile", &[("accept", "text/html")]);
		assert_eq!((route.status, route.body.clone()), (200, index.body.clone()));
		let missing = page(port, "/missing.png");
		assert_eq!(missing.status, 404);
		assert_eq!(missing.body, std::fs::read(example.join("404.html")).unwrap());
		let tag = index.header("etag").unwrap().to_string();
		let again = from_gateway(name, port, "/", &[("if-none-match", &tag)]);
		assert_eq!(again.status, 304);
		// Fetched once, from the holders that gave the committed bytes: the corrupted shard
		// was seen and passed over.
		assert_eq!(metric(port, "nubes_agent_gateway_fetches_total{outcome=\"fetched\"}"), 1);
		assert!(metric(port, "nubes_agent_gateway_bad_holders_total") >= 1, "port {port}");
	}

	// A browser opens the site by name: the page renders (its title read off the screenshot)
	// and its script reads the chain through the gateway's own origin.
	let site_url = &urls[0];
	let profile = base.join("chromium");
	let dom = nubes_test_support::browser::rendered_dom(site_url, &profile).unwrap();
	assert!(dom.contains("read from the chain at finalized block #"), "{dom}");
	assert!(dom.contains(&root), "{dom}");
	let png = base.join("site.png");
	nubes_test_support::browser::screenshot(site_url, &profile, &png).unwrap();
	let text = nubes_test_support::browser::read_text(&png).unwrap();
	assert!(text.contains("Nubes Site Demo"), "the screenshot reads: {text}");

	// Only reads go through a site's JSON-RPC door.
	let refused = nubes_test_support::http::http_post_json(
		&format!("{}.nubes/rpc", urls[0]),
		&serde_json::json!({"jsonrpc": "2.0", "id": 7, "method": "author_submitExtrinsic", "params": ["0x00"]}),
	)
	.unwrap();
	assert_eq!(refused["error"]["code"], -32601, "{refused}");

	// A new version: the name follows it on both gateways once the change is final.
	let v2 = base.join("site-v2");
	std::fs::create_dir_all(&v2).unwrap();
	for file in ["app.js", "style.css", "404.html"] {
		std::fs::copy(example.join(file), v2.join(file)).unwrap();
	}
	let index_v2 = std::fs::read_to_string(example.join("index.html"))
		.unwrap()
		.replace("Nubes Site Demo</h1>", "Nubes Site Demo, version 2</h1>");
	std::fs::write(v2.join("index.html"), &index_v2).unwrap();
	let redeployed = nubes(
		&url,
		&[
			"site",
			"deploy",
			v2.to_str().unwrap(),
			"--name",
			name,
			"--data",
			"2",
			"--parity",
			"1",
			"--timeout",
			"120",
		],
	);
	let root_v2 = redeployed["root"].as_str().unwrap().to_string();
	assert_ne!(root_v2, root);
	let changed_at = node.finalized_number().unwrap();
	for &port in gateways {
		let served = eventually("a gateway follows the name", Duration::from_secs(60), || async {
			let answer = page(port, "/");
			(answer.header("nubes-root") == Some(root_v2.as_str())).then_some(answer)
		})
		.await;
		assert_eq!(served.body, index_v2.as_bytes());
		let seen = served.header("nubes-block").unwrap().parse::<u64>().unwrap();
		eprintln!(
			"gateway {port}: new root served as of block {seen}, the change final by {changed_at}"
		);
	}

	// An operator's denylist: one gateway refuses the name, the other still serves it.
	let denylist = gateway_dirs[0].join("gateway-denylist.txt");
	std::fs::write(&denylist, format!("# refused here\n{name}\n")).unwrap();
	eventually("the denylist is read", Duration::from_secs(10), || async {
		(page(gateways[0], "/").status == 451).then_some(())
	})
	.await;
	assert_eq!(page(gateways[1], "/").status, 200);
	std::fs::write(&denylist, "").unwrap();
	eventually("the denylist is read again", Duration::from_secs(10), || async {
		(page(gateways[0], "/").status == 200).then_some(())
	})
	.await;

	// A name registered for the shortest period resolves, then expires and stops resolving.
	let short =
		nubes(&url, &["name", "register", "brief-name", "--root", &root_v2, "--blocks", "20"]);
	let expires = short["expires"].as_u64().unwrap();
	assert_eq!(from_gateway("brief-name", gateways[1], "/", &[]).status, 200);
	node.wait_finalized(expires, Duration::from_secs(60));
	eventually("an expired name stops resolving", Duration::from_secs(10), || async {
		(from_gateway("brief-name", gateways[1], "/", &[]).status == 404).then_some(())
	})
	.await;
	let shown = nubes(&url, &["name", "show", "brief-name"]);
	assert_eq!(shown["resolves"], false, "{shown}");
}
