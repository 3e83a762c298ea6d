//! `nubes deploy app.toml`: from a deployment file to running replicas with their URLs.
//!
//! 1. Read and check the file (nothing touches the chain if it is wrong).
//! 2. Open one lease per replica: by default directly (`lease_direct`) with the cheapest
//!    providers quoting within the maximum price; with `--auction` through an order whose
//!    lowest bids are accepted when the bid window ends.
//! 3. Deliver the manifest and artifact to each provider's agent, signed by the tenant.
//! 4. Wait until every replica runs and its lease is confirmed; print the URLs.
//!
//! Ctrl-C stops at once and lists the leases opened so far: each is on chain, visible with
//! `nubes lease list`, and either closed by the tenant or, never confirmed, closed with
//! `StartTimeout`. Either way a lease left pending costs the tenant its start stake (see
//! `docs/protocol.md`).

use super::{exit, keys, print, spec_text, Cli, Failure};
use nubes_client::{
	agent_api::{AgentClient, LeaseStatus, WorkloadKind},
	amount, api, convert, deploy, parse_account, ClientError, Keys, NubesClient,
};
use std::{path::Path, time::Duration};

/// One replica as it comes up.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Replica {
	lease: u64,
	provider: String,
	#[serde(serialize_with = "as_string")]
	rate: u128,
	endpoint: String,
	state: String,
	url: Option<String>,
}

fn as_string<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&v.to_string())
}

fn progress(cli: &Cli, text: String) {
	if !cli.json {
		eprintln!("{text}");
	}
}

/// The options of `nubes deploy`.
pub struct Options<'a> {
	pub file: &'a Path,
	pub auction: bool,
	pub bid_window: u32,
	pub timeout: Duration,
}

/// Runs a deployment; Ctrl-C interrupts it with a summary of what is on chain.
pub async fn run(cli: &Cli, client: &NubesClient, options: Options<'_>) -> Result<(), Failure> {
	let plan = deploy::load(options.file)
		.map_err(|e| Failure { code: exit::USAGE, message: e.to_string() })?;
	let keys = keys(cli)?;
	let mut replicas: Vec<Replica> = Vec::new();
	let outcome = tokio::select! {
		outcome = deploy_plan(cli, client, &keys, &plan, &options, &mut replicas) => outcome,
		_ = tokio::signal::ctrl_c() => Err(Failure { code: 130, message: interrupted(&replicas) }),
	};
	outcome?;
	let urls: Vec<String> = replicas.iter().filter_map(|r| r.url.clone()).collect();
	let text = replicas
		.iter()
		.map(|r| {
			format!(
				"lease #{}  {}  {} per block  {}{}",
				r.lease,
				r.state,
				amount::format(r.rate),
				r.provider,
				r.url.as_ref().map(|u| format!("\n  {u}")).unwrap_or_default()
			)
		})
		.collect::<Vec<_>>()
		.join("\n");
	print(
		cli,
		serde_json::json!({ "name": plan.name, "replicas": replicas, "urls": urls }),
		format!("{} is up:\n{text}", plan.name),
	);
	Ok(())
}

fn interrupted(replicas: &[Replica]) -> String {
	if replicas.is_empty() {
		return "interrupted before any lease opened (a transaction in flight may still land: check `nubes lease list`)".into();
	}
	let ids = replicas.iter().map(|r| format!("#{}", r.lease)).collect::<Vec<_>>().join(", ");
	format!(
		"interrupted: leases {ids} are open on chain (`nubes lease list` shows them; `nubes lease close ID` closes one; unconfirmed ones close by themselves with StartTimeout)"
	)
}

async fn deploy_plan(
	cli: &Cli,
	client: &NubesClient,
	keys: &Keys,
	plan: &deploy::Plan,
	options: &Options<'_>,
	replicas: &mut Vec<Replica>,
) -> Result<(), Failure> {
	let need = plan.escrow.saturating_mul(plan.replicas.into());
	let have = client.free_balance(&keys.account_id()).await?;
	if have < need {
		return Err(Failure {
			code: exit::REFUSED,
			message: format!(
				"insufficient balance: {} replica(s) × {} escrow needs {}, the account has {}",
				plan.replicas,
				amount::format(plan.escrow),
				amount::format(need),
				amount::format(have)
			),
		});
	}
	progress(
		cli,
		format!(
			"deploying {}: {} replica(s) of {}",
			plan.name,
			plan.replicas,
			spec_text(&plan.spec)
		),
	);
	if options.auction {
		open_by_auction(cli, client, keys, plan, options.bid_window, replicas).await?;
	} else {
		open_directly(cli, client, keys, plan, replicas).await?;
	}
	for replica in replicas.iter_mut() {
		progress(
			cli,
			format!("lease #{}: delivering the workload to {}", replica.lease, replica.endpoint),
		);
		let provider = nubes_client::parse_account(&replica.provider)?;
		let status = deliver(&replica.endpoint, &provider, keys, replica.lease, plan).await?;
		replica.state = status.state;
	}
	let deadline = tokio::time::Instant::now() + options.timeout;
	for replica in replicas.iter_mut() {
		let provider = nubes_client::parse_account(&replica.provider)?;
		let status = wait_running(
			&replica.endpoint,
			&provider,
			keys,
			replica.lease,
			plan.manifest.kind,
			deadline,
		)
		.await?;
		progress(cli, format!("lease #{}: {}", replica.lease, status.state));
		replica.state = status.state;
		replica.url = status.url;
	}
	Ok(())
}

/// Leases directly from the cheapest providers quoting within the maximum price.
async fn open_directly(
	cli: &Cli,
	client: &NubesClient,
	keys: &Keys,
	plan: &deploy::Plan,
	replicas: &mut Vec<Replica>,
) -> Result<(), Failure> {
	let quotes = client
		.quote_placed(&plan.spec, &plan.regions, &plan.attributes, Some(plan.replicas * 4))
		.await?;
	let within: Vec<_> = quotes.into_iter().filter(|q| q.rate <= plan.max_price).collect();
	if (within.len() as u32) < plan.replicas {
		return Err(Failure {
			code: exit::NOT_FOUND,
			message: format!(
				"no provider matches: {} of {} replica(s) can be placed at {} per block at most (raise max_price, ask for less, or try --auction)",
				within.len(),
				plan.replicas,
				amount::format(plan.max_price)
			),
		});
	}
	let hash = plan.manifest_hash();
	for quote in within.into_iter().take(plan.replicas as usize) {
		let provider = parse_account(&quote.provider)?;
		let endpoint = endpoint_of(client, &provider).await?;
		let call = api::tx().market().lease_direct(
			provider,
			convert::resources(&plan.spec),
			plan.max_price,
			plan.duration,
			hash,
			plan.escrow,
		);
		let events = client.submit(&call, keys).await?;
		replicas.push(opened(cli, &events, quote.provider, endpoint)?);
	}
	Ok(())
}

/// Orders, waits for the bid window, accepts the lowest bids.
async fn open_by_auction(
	cli: &Cli,
	client: &NubesClient,
	keys: &Keys,
	plan: &deploy::Plan,
	bid_window: u32,
	replicas: &mut Vec<Replica>,
) -> Result<(), Failure> {
	use api::runtime_types::{
		bounded_collections::bounded_vec::BoundedVec,
		nubes_primitives::market::{MinReputation, Placement},
	};
	let placement = Placement {
		attributes: convert::attributes(&plan.attributes),
		regions: BoundedVec(plan.regions.iter().map(|r| convert::bytes(r)).collect()),
		attested_by: None,
		min_reputation: MinReputation { min_epochs_served: 0, max_consecutive_faults: u32::MAX },
	};
	let call = api::tx().market().create_order(
		convert::resources(&plan.spec),
		plan.replicas,
		plan.max_price,
		plan.duration,
		placement,
		plan.manifest_hash(),
		bid_window,
		false,
		plan.escrow,
	);
	let events = client.submit(&call, keys).await?;
	let created = events
		.find_first::<api::market::events::OrderCreated>()
		.and_then(Result::ok)
		.ok_or_else(|| Failure { code: exit::OTHER, message: "no OrderCreated event".into() })?;
	let order = created.order;
	progress(cli, format!("order #{order} open for bids until block {}", created.bid_window_end));
	// Wait for the window to end (the best block passes it), watching the bids come in.
	let mut seen = 0;
	let bids = loop {
		let current = client.order(order).await?.ok_or_else(|| Failure {
			code: exit::NOT_FOUND,
			message: format!("order #{order} is gone before the bid window ended"),
		})?;
		if current.bids.len() != seen {
			seen = current.bids.len();
			progress(cli, format!("order #{order}: {seen} bid(s)"));
		}
		let best = best_block(client).await?;
		if best > current.bid_window_end {
			break current.bids;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let mut bids: Vec<_> = bids.into_iter().filter(|b| !b.accepted).collect();
	bids.sort_by_key(|b| b.price);
	if bids.is_empty() {
		client.submit(&api::tx().market().cancel_order(order), keys).await?;
		return Err(Failure {
			code: exit::NOT_FOUND,
			message: format!("no provider bid on order #{order} (cancelled, escrow released): raise max_price or widen the placement"),
		});
	}
	for bid in bids.into_iter().take(plan.replicas as usize) {
		let provider = parse_account(&bid.provider)?;
		let endpoint = endpoint_of(client, &provider).await?;
		let events = client.submit(&api::tx().market().accept_bid(order, provider), keys).await?;
		replicas.push(opened(cli, &events, bid.provider, endpoint)?);
	}
	if (replicas.len() as u32) < plan.replicas {
		client.submit(&api::tx().market().cancel_order(order), keys).await?;
		progress(cli, format!("only {} bid(s) for {} replica(s): order #{order} cancelled, the rest of the escrow released", replicas.len(), plan.replicas));
	}
	Ok(())
}

async fn best_block(client: &NubesClient) -> Result<u32, ClientError> {
	let header: serde_json::Value =
		client.request("chain_getHeader", subxt::rpcs::rpc_params![]).await?;
	header
		.get("number")
		.and_then(|n| n.as_str())
		.and_then(|n| u32::from_str_radix(n.trim_start_matches("0x"), 16).ok())
		.ok_or_else(|| ClientError::Rpc {
			method: "chain_getHeader".into(),
			reason: "no block number".into(),
		})
}

/// The replica a finalized `lease_direct` or `accept_bid` opened, announced.
fn opened(
	cli: &Cli,
	events: &subxt::extrinsics::ExtrinsicEvents<nubes_client::NubesConfig>,
	provider: String,
	endpoint: String,
) -> Result<Replica, Failure> {
	let created = events
		.find_first::<api::market::events::LeaseCreated>()
		.and_then(Result::ok)
		.ok_or_else(|| Failure { code: exit::OTHER, message: "no LeaseCreated event".into() })?;
	progress(
		cli,
		format!(
			"lease #{} opened with {provider} at {} per block",
			created.lease,
			amount::format(created.rate)
		),
	);
	Ok(Replica {
		lease: created.lease,
		provider,
		rate: created.rate,
		endpoint,
		state: "pending".into(),
		url: None,
	})
}

/// A provider's agent endpoint, from the registry.
pub async fn endpoint_of(
	client: &NubesClient,
	provider: &nubes_client::AccountId,
) -> Result<String, Failure> {
	Ok(client
		.provider(provider)
		.await?
		.ok_or_else(|| Failure {
			code: exit::NOT_FOUND,
			message: "the provider left the registry".into(),
		})?
		.endpoint)
}

/// Delivers the workload, retrying while the agent is unreachable or has not seen the lease.
async fn deliver(
	endpoint: &str,
	provider: &nubes_client::AccountId,
	keys: &Keys,
	lease: u64,
	plan: &deploy::Plan,
) -> Result<LeaseStatus, Failure> {
	let mut attempt = 0;
	loop {
		let (agent, keys2, manifest, artifact) = (
			AgentClient::new(endpoint, *provider),
			keys.clone(),
			plan.manifest_bytes.clone(),
			plan.artifact.clone(),
		);
		let result =
			tokio::task::spawn_blocking(move || agent.deploy(&keys2, lease, &manifest, &artifact))
				.await
				.map_err(|e| Failure { code: exit::OTHER, message: e.to_string() })?;
		attempt += 1;
		match result {
			Ok(status) => return Ok(status),
			Err(ClientError::Agent { .. })
			| Err(ClientError::AgentRefused { status: 404 | 503, .. })
				if attempt < 10 =>
			{
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
			Err(e) => return Err(agent_failure(e)),
		}
	}
}

/// Polls the agent until the replica runs (or, for a job, ended) and its lease is confirmed.
async fn wait_running(
	endpoint: &str,
	provider: &nubes_client::AccountId,
	keys: &Keys,
	lease: u64,
	kind: WorkloadKind,
	deadline: tokio::time::Instant,
) -> Result<LeaseStatus, Failure> {
	loop {
		let (agent, keys2) = (AgentClient::new(endpoint, *provider), keys.clone());
		let status = tokio::task::spawn_blocking(move || agent.status(&keys2, lease))
			.await
			.map_err(|e| Failure { code: exit::OTHER, message: e.to_string() })?
			.map_err(agent_failure)?;
		let up = match kind {
			WorkloadKind::Http => status.state == "running",
			WorkloadKind::Job => matches!(status.state.as_str(), "running" | "completed"),
		};
		if status.state == "failed" {
			return Err(Failure {
				code: exit::OTHER,
				message: format!(
					"lease #{lease}: the workload failed: {}",
					status.detail.unwrap_or_default()
				),
			});
		}
		if up && status.confirmed {
			return Ok(status);
		}
		if tokio::time::Instant::now() >= deadline {
			return Err(Failure {
				code: exit::OTHER,
				message: format!("lease #{lease} is {} after the timeout; `nubes lease status {lease}` and `nubes lease logs {lease}` tell more", status.state),
			});
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

fn agent_failure(e: ClientError) -> Failure {
	let code = match &e {
		ClientError::Agent { .. } => exit::UNREACHABLE,
		ClientError::AgentRefused { status: 404, .. } => exit::NOT_FOUND,
		_ => exit::REFUSED,
	};
	Failure { code, message: e.to_string() }
}
