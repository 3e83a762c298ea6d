//! The agent's duties, wired together: registration and bond at start, then on every finalized
//! block: bids on new orders, lease events, reconciliation with the chain and settlement.

use crate::{
	bidding::Strategy,
	chain::Chain,
	challengers::Challengers,
	config::Config,
	metrics::Metrics,
	shards::Shards,
	store::{DeploymentRecord, Store},
	workloads::{WorkState, Workloads},
};
use nubes_client::{
	agent_api::{hash_hex, parse_hash, LeaseStatus, Manifest, ShardReceipt, WorkloadKind},
	api, convert, parse_account, to_ss58, AccountId, ClientError,
};
use nubes_primitives::Resources;
use std::{
	collections::{HashMap, HashSet},
	sync::{Arc, Mutex},
	time::Duration,
};
use tracing::{debug, info, warn};

/// Most leases settled in one transaction (the runtime's `MaxSettleBatch`).
pub const SETTLE_BATCH: usize = 64;

/// How often a shard that cannot be rebuilt yet is tried again.
pub const REBUILD_EVERY: Duration = Duration::from_secs(20);

/// Reconcile with the chain every this many blocks (and at start and after an outage).
pub const RECONCILE_EVERY: u64 = 10;

/// Why a deployment was refused, with the HTTP status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
	/// The lease is not one of this provider's open leases.
	#[error("{0}")]
	NotFound(String),
	/// The signer is not the lease's tenant.
	#[error("{0}")]
	Forbidden(String),
	/// The deployment does not match the lease or cannot run here.
	#[error("{0}")]
	Invalid(String),
	/// Too large.
	#[error("{0}")]
	TooLarge(String),
	/// The chain cannot be asked right now; retry.
	#[error("{0}")]
	Unavailable(String),
}

/// Everything the agent is.
pub struct Agent {
	/// The validated configuration.
	pub config: Config,
	/// The chain link.
	pub chain: Chain,
	/// The embedded store.
	pub store: Arc<Store>,
	/// The workloads.
	pub workloads: Workloads,
	/// Metrics.
	pub metrics: Metrics,
	/// What the agent sells.
	pub offer: Resources,
	/// Who may challenge it.
	pub challengers: Challengers,
	/// The storage deals' shards it holds, sealed.
	pub shards: Shards,
	/// Names and the sites they point to, when the agent is a gateway.
	pub gateway: Option<crate::gateway::Gateway>,
	/// How it prices orders.
	strategy: Strategy,
	/// Leases whose confirmation is being sent.
	confirming: Mutex<HashSet<u64>>,
	/// Shard leases being rebuilt from other holders.
	rebuilding: Mutex<HashSet<u64>>,
	/// One rebuild at a time.
	rebuild_slot: Arc<tokio::sync::Semaphore>,
}

impl Agent {
	/// Assembles an agent; nothing is sent to the chain yet.
	pub fn new(
		config: Config,
		chain: Chain,
		store: Arc<Store>,
		workloads: Workloads,
		metrics: Metrics,
		offer: Resources,
		shards: Shards,
	) -> Self {
		let strategy = Strategy::from_config(&config.strategy, config.prices);
		let cores = offer.cpu_millicores.div_ceil(1000).max(1) as u32;
		let gateway = config.gateway.as_ref().map(|settings| {
			crate::gateway::Gateway::new(
				chain.clone(),
				metrics.clone(),
				settings.cache_bytes,
				settings.denylist.clone(),
			)
		});
		Self {
			gateway,
			challengers: Challengers::new(chain.clone(), cores),
			shards,
			config,
			chain,
			store,
			workloads,
			metrics,
			offer,
			strategy,
			confirming: Mutex::new(HashSet::new()),
			rebuilding: Mutex::new(HashSet::new()),
			rebuild_slot: Arc::new(tokio::sync::Semaphore::new(1)),
		}
	}

	/// The provider's account, SS58.
	pub fn account(&self) -> String {
		to_ss58(&self.chain.account())
	}

	/// Whether an SS58 address (in any format) is this provider.
	pub fn is_me(&self, address: &str) -> bool {
		parse_account(address).is_ok_and(|a| a == self.chain.account())
	}

	/// Bonds what the offer requires, then registers the provider or updates its entry so the
	/// chain says what this machine sells.
	pub async fn ensure_on_chain(&self) -> Result<(), ClientError> {
		let (bonded, rule) = self.chain.stake().await?;
		let needed = rule.required(&self.offer);
		match bonded {
			None => {
				info!(amount = needed, "bonding the stake the offer requires");
				self.chain.submit("bond", &api::tx().provider_stake().bond(needed)).await?;
			}
			Some(active) if active < needed => {
				info!(amount = needed - active, "bonding more stake for the offer");
				self.chain
					.submit("bond_extra", &api::tx().provider_stake().bond_extra(needed - active))
					.await?;
			}
			Some(_) => {}
		}
		let config = &self.config;
		match self.chain.provider().await? {
			None => {
				info!(endpoint = %config.public_endpoint, offer = ?self.offer, "registering the provider");
				self.chain
					.submit(
						"register",
						&api::tx().providers().register(
							convert::bytes(&config.public_endpoint),
							convert::bytes(&config.region),
							convert::attributes(&config.attributes),
							convert::resources(&self.offer),
							convert::prices(&config.prices),
						),
					)
					.await?;
			}
			Some(entry) => {
				if entry.endpoint != config.public_endpoint {
					info!(endpoint = %config.public_endpoint, "updating the endpoint");
					self.chain
						.submit(
							"update_endpoint",
							&api::tx()
								.providers()
								.update_endpoint(convert::bytes(&config.public_endpoint)),
						)
						.await?;
				}
				if entry.offered != self.offer {
					info!(offer = ?self.offer, "updating the offered capacity");
					self.chain
						.submit(
							"update_capacity",
							&api::tx().providers().update_capacity(convert::resources(&self.offer)),
						)
						.await?;
				}
				if entry.prices != config.prices {
					info!("updating the prices");
					self.chain
						.submit(
							"update_prices",
							&api::tx().providers().update_prices(convert::prices(&config.prices)),
						)
						.await?;
				}
				if entry.attributes != config.attributes {
					info!("updating the attributes");
					self.chain
						.submit(
							"update_attributes",
							&api::tx()
								.providers()
								.update_attributes(convert::attributes(&config.attributes)),
						)
						.await?;
				}
			}
		}
		Ok(())
	}

	/// After a slash: bonds what the offer requires again and resumes a provider the slash
	/// paused. A provider its operator paused stays paused unless a slash happened meanwhile.
	async fn restore_bond(&self) -> Result<(), ClientError> {
		self.ensure_on_chain().await?;
		if let Some(entry) = self.chain.provider().await? {
			if entry.status == nubes_primitives::ProviderStatus::Paused {
				info!("resuming after the slash");
				self.chain.submit("resume", &api::tx().providers().resume()).await?;
			}
		}
		Ok(())
	}

	/// Lease `lease_id` as the chain has it, if it is open, served here and `signer`'s as its
	/// tenant; `what` names the refused action.
	async fn tenants_lease(
		&self,
		lease_id: u64,
		signer: &AccountId,
		what: &str,
	) -> Result<nubes_client::rpc::Lease, IntakeError> {
		let lease = self
			.chain
			.lease(lease_id)
			.await
			.map_err(|e| {
				IntakeError::Unavailable(format!("cannot read the lease from the chain: {e}"))
			})?
			.ok_or_else(|| IntakeError::NotFound(format!("lease {lease_id} is not open")))?;
		if !self.is_me(&lease.provider) {
			return Err(IntakeError::NotFound(format!(
				"lease {lease_id} is not served by this provider"
			)));
		}
		if parse_account(&lease.tenant).ok().as_ref() != Some(signer) {
			return Err(IntakeError::Forbidden(format!(
				"only lease {lease_id}'s tenant may {what} it"
			)));
		}
		Ok(lease)
	}

	/// Takes a tenant's deployment for `lease`: checks it against the lease on chain, keeps it,
	/// starts the workload and has the lease confirmed.
	pub async fn accept_deployment(
		self: &Arc<Self>,
		lease_id: u64,
		signer: &AccountId,
		manifest_bytes: Vec<u8>,
		artifact: Vec<u8>,
	) -> Result<LeaseStatus, IntakeError> {
		let lease = self.tenants_lease(lease_id, signer, "deploy to").await?;
		let expected = parse_hash(&lease.manifest_hash)
			.ok_or_else(|| IntakeError::Invalid("the lease's manifest hash is malformed".into()))?;
		if Manifest::hash_of(&manifest_bytes) != expected {
			return Err(IntakeError::Invalid(format!(
				"the manifest does not hash to the lease's manifest hash {}",
				lease.manifest_hash
			)));
		}
		let manifest = Manifest::from_bytes(&manifest_bytes).map_err(IntakeError::Invalid)?;
		if artifact.len() as u64 > self.config.max_artifact_bytes {
			return Err(IntakeError::TooLarge(format!(
				"the artifact is {} bytes; this provider takes at most {}",
				artifact.len(),
				self.config.max_artifact_bytes
			)));
		}
		let artifact_hash = hash_hex(&sp_crypto_hashing::blake2_256(&artifact));
		if artifact_hash != manifest.artifact_hash
			|| artifact.len() as u64 != manifest.artifact_size
		{
			return Err(IntakeError::Invalid(
				"the artifact does not match the manifest's artifactHash and artifactSize".into(),
			));
		}
		self.workloads.admit(&manifest).map_err(|e| IntakeError::Invalid(e.to_string()))?;
		// A new deployment is compiled once: the workload started below takes the program
		// from the cache while `_compiled` holds it.
		let (record, _compiled) = match self.store.deployment(lease_id).ok().flatten() {
			Some(record) => (record, None),
			None => {
				let program = self
					.workloads
					.compile(&artifact_hash, artifact.clone())
					.await
					.map_err(|e| IntakeError::Invalid(e.to_string()))?;
				self.store
					.put_artifact(&artifact_hash, &artifact)
					.map_err(|e| IntakeError::Unavailable(e.to_string()))?;
				let record = DeploymentRecord {
					lease: lease_id,
					tenant: lease.tenant.clone(),
					resources: lease.resources,
					manifest: manifest_bytes,
					artifact_hash,
					confirmed: lease.state == "Active",
					finished: None,
				};
				self.store
					.put_deployment(&record)
					.map_err(|e| IntakeError::Unavailable(e.to_string()))?;
				info!(lease = lease_id, kind = ?manifest.kind, "deployment accepted");
				(record, Some(program))
			}
		};
		self.bring_up(record, lease.state == "Active").await;
		Ok(self.status(lease_id))
	}

	/// Takes the shard a storage deal's holder `lease_id` is bound to, uploaded by the lease's
	/// tenant: checks it against the lease (this provider's, storage only, within the storage
	/// it pays for, chunks under the lease's root), then seals and keeps it and confirms the
	/// lease in the background (sealing takes about a second per chunk per core). `permit` is
	/// held until the shard is sealed and let go: what bounds the shards in memory.
	pub async fn accept_shard(
		self: &Arc<Self>,
		lease_id: u64,
		signer: &AccountId,
		shard: Vec<u8>,
		permit: tokio::sync::OwnedSemaphorePermit,
	) -> Result<ShardReceipt, IntakeError> {
		let lease = self.tenants_lease(lease_id, signer, "upload to").await?;
		let resources = lease.resources;
		if resources.cpu_millicores != 0 || resources.memory_mib != 0 || resources.gpus != 0 {
			return Err(IntakeError::Invalid(format!(
				"lease {lease_id} holds a workload, not a storage deal's shard"
			)));
		}
		let room = resources.storage_gib.saturating_mul(nubes_primitives::storage::GIB);
		if shard.len() as u64 > room {
			return Err(IntakeError::TooLarge(format!(
				"the shard is {} bytes; lease {lease_id} pays for {room}",
				shard.len()
			)));
		}
		let root = parse_hash(&lease.manifest_hash)
			.ok_or_else(|| IntakeError::Invalid("the lease's root is malformed".into()))?;
		let shard = Arc::new(shard);
		let checked = shard.clone();
		let chunks = tokio::task::spawn_blocking(move || Shards::check(&root, &checked))
			.await
			.map_err(|e| IntakeError::Unavailable(e.to_string()))?
			.map_err(|e| IntakeError::Invalid(e.to_string()))?;
		let receipt =
			ShardReceipt { lease: lease_id, root: hash_hex(&root), chunks: chunks as u32 };
		self.keep_and_confirm(lease_id, root, shard, lease.state == "Active", permit);
		Ok(receipt)
	}

	/// Seals and keeps a checked shard in the background, lets `permit` go, and confirms the
	/// lease unless it is `active` already.
	fn keep_and_confirm(
		self: &Arc<Self>,
		lease_id: u64,
		root: [u8; 32],
		shard: Arc<Vec<u8>>,
		active: bool,
		permit: tokio::sync::OwnedSemaphorePermit,
	) {
		let agent = self.clone();
		let threads = std::thread::available_parallelism().map_or(1, usize::from);
		tokio::spawn(async move {
			let holder = agent.clone();
			let kept =
				tokio::task::spawn_blocking(move || holder.shards.keep(&root, &shard, threads))
					.await;
			drop(permit);
			match kept {
				Ok(Ok(())) => {
					info!(lease = lease_id, "shard sealed and kept");
					if let Err(e) = agent.shards.bind(&root, lease_id) {
						warn!(lease = lease_id, error = %e, "cannot record the shard's lease");
					}
					if !active {
						agent.confirm(lease_id);
					}
				}
				Ok(Err(e)) => warn!(lease = lease_id, error = %e, "cannot keep the shard"),
				Err(e) => warn!(lease = lease_id, error = %e, "sealing the shard failed"),
			}
		});
	}

	/// Rebuilds the shard pending lease `lease_id` was given from the deal's other holders
	/// (see [`crate::repair`]), trying again every [`REBUILD_EVERY`] while too few of them keep
	/// theirs, until the shard is kept here (rebuilt or uploaded) or the lease is no longer
	/// pending. One rebuild at a time: each holds `data` shards in memory.
	pub fn rebuild_shard(self: &Arc<Self>, lease_id: u64) {
		if let Ok(mut rebuilding) = self.rebuilding.lock() {
			if !rebuilding.insert(lease_id) {
				return;
			}
		}
		let agent = self.clone();
		tokio::spawn(async move {
			agent.rebuild_until_kept(lease_id).await;
			if let Ok(mut rebuilding) = agent.rebuilding.lock() {
				rebuilding.remove(&lease_id);
			}
		});
	}

	async fn rebuild_until_kept(self: &Arc<Self>, lease_id: u64) {
		loop {
			let lease = match self.chain.lease(lease_id).await {
				Ok(Some(lease)) => lease,
				Ok(None) => return,
				Err(e) => {
					debug!(lease = lease_id, error = %e, "cannot read the lease; will retry");
					tokio::time::sleep(REBUILD_EVERY).await;
					continue;
				}
			};
			let Some(root) = parse_hash(&lease.manifest_hash) else { return };
			if lease.state != "Pending" || self.shards.has(&root) {
				return;
			}
			let Ok(permit) = self.rebuild_slot.clone().acquire_owned().await else { return };
			let outcome = match self.chain.client().await {
				Ok(client) => crate::repair::rebuild(&client, lease_id).await,
				Err(e) => Err(e.into()),
			};
			match outcome {
				Ok(Some((root, bytes))) if !self.shards.has(&root) => {
					info!(
						lease = lease_id,
						bytes = bytes.len(),
						"shard rebuilt from the other holders"
					);
					self.metrics.shard_rebuilds.with_label_values(&["rebuilt"]).inc();
					self.keep_and_confirm(lease_id, root, Arc::new(bytes), false, permit);
					return;
				}
				Ok(_) => return,
				Err(crate::repair::RepairError::TooFewHolders { running, needed }) => {
					debug!(
						lease = lease_id,
						running, needed, "too few holders keep their shards yet"
					);
				}
				Err(e) => {
					self.metrics.shard_rebuilds.with_label_values(&["failed"]).inc();
					warn!(lease = lease_id, error = %e, "cannot rebuild the shard; will retry");
				}
			}
			drop(permit);
			tokio::time::sleep(REBUILD_EVERY).await;
		}
	}

	/// Starts a kept deployment's workload and, for a pending lease, confirms it.
	async fn bring_up(self: &Arc<Self>, mut record: DeploymentRecord, active_on_chain: bool) {
		let lease = record.lease;
		if let Err(e) = self.workloads.start(&record).await {
			warn!(lease, error = %e, "cannot start the workload");
			return;
		}
		if active_on_chain {
			if !record.confirmed {
				record.confirmed = true;
				let _ = self.store.put_deployment(&record);
			}
			return;
		}
		self.confirm(lease);
	}

	/// Sends `lease`'s confirmation (once at a time), and marks a kept deployment confirmed.
	fn confirm(self: &Arc<Self>, lease: u64) {
		if let Ok(mut confirming) = self.confirming.lock() {
			if !confirming.insert(lease) {
				return;
			}
		}
		let agent = self.clone();
		tokio::spawn(async move {
			let result =
				agent.chain.submit("confirm_lease", &api::tx().market().confirm_lease(lease)).await;
			match result {
				Ok(_) => {
					info!(lease, "lease confirmed");
					if let Ok(Some(mut record)) = agent.store.deployment(lease) {
						record.confirmed = true;
						let _ = agent.store.put_deployment(&record);
					}
				}
				Err(e) => warn!(lease, error = %e, "cannot confirm the lease; will retry"),
			}
			if let Ok(mut confirming) = agent.confirming.lock() {
				confirming.remove(&lease);
			}
		});
	}

	/// Where a lease's HTTP service answers: its own host under the lease domain, else the
	/// path form under the endpoint.
	pub fn lease_url(&self, lease: u64) -> String {
		let endpoint = &self.config.public_endpoint;
		match &self.config.lease_domain {
			Some(domain) => {
				let (scheme, host) = endpoint.split_once("://").unwrap_or(("http", endpoint));
				let port = match host.rsplit_once(':') {
					Some((_, port)) if !host.ends_with(']') => format!(":{port}"),
					_ => String::new(),
				};
				format!("{scheme}://l{lease}.{domain}{port}/")
			}
			None => format!("{endpoint}/leases/{lease}/"),
		}
	}

	/// A lease's status as its tenant sees it.
	pub fn status(&self, lease: u64) -> LeaseStatus {
		let record = self.store.deployment(lease).ok().flatten();
		let workload = self.workloads.get(lease);
		let (state, detail) = match (&record, &workload) {
			(None, _) => ("waiting".to_string(), None),
			(Some(_), None) => ("starting".to_string(), None),
			(Some(_), Some(w)) => match w.state() {
				WorkState::Running => ("running".to_string(), None),
				WorkState::Completed(how) => ("completed".to_string(), Some(how)),
				WorkState::Failed(why) => ("failed".to_string(), Some(why)),
			},
		};
		let url = record
			.as_ref()
			.filter(|r| r.kind() == Some(WorkloadKind::Http))
			.map(|_| self.lease_url(lease));
		LeaseStatus { lease, state, detail, url, confirmed: record.is_some_and(|r| r.confirmed) }
	}

	/// Brings local state in line with the chain: deployments of open leases run (pending ones
	/// get confirmed), those of closed leases stop and are forgotten. A chain that cannot be
	/// read changes nothing: no workload stops because of an outage.
	pub async fn reconcile(self: &Arc<Self>) -> Result<(), ClientError> {
		// Open leases of this provider, and whether each is active.
		let mine: Vec<_> =
			self.chain.leases().await?.into_iter().filter(|l| self.is_me(&l.provider)).collect();
		// Shards given to this provider and not kept yet: rebuilt unless uploaded.
		for lease in &mine {
			let storage_only =
				lease.resources.cpu_millicores == 0 && lease.resources.memory_mib == 0;
			let kept = parse_hash(&lease.manifest_hash).is_some_and(|root| self.shards.has(&root));
			if storage_only && lease.state == "Pending" && !kept {
				self.rebuild_shard(lease.id);
			}
		}
		let open: HashMap<u64, bool> =
			mine.into_iter().map(|l| (l.id, l.state == "Active")).collect();
		for record in self.store.deployments().unwrap_or_default() {
			match open.get(&record.lease) {
				Some(&active) => self.bring_up(record, active).await,
				// Ask for the lease itself before forgetting it: a short list must not stop it.
				None => {
					if self.chain.lease(record.lease).await?.is_none() {
						self.close_locally(record.lease);
					}
				}
			}
		}
		// Reservations of bids whose orders closed while the agent was not watching.
		for (order, _) in self.store.bids().unwrap_or_default() {
			if self.chain.order(order).await?.is_none() {
				let _ = self.store.forget_bid(order);
			}
		}
		Ok(())
	}

	/// Stops and forgets a closed lease's workload.
	fn close_locally(&self, lease: u64) {
		if self.workloads.remove(lease) {
			info!(lease, "lease closed; workload stopped");
		}
		if let Err(e) = self.store.forget_deployment(lease) {
			warn!(lease, error = %e, "cannot forget the lease's deployment");
		}
	}

	/// Settles the accrued payments of this provider's active leases, in batches.
	pub async fn settle(&self) -> Result<usize, ClientError> {
		let due: Vec<u64> = self
			.chain
			.leases()
			.await?
			.into_iter()
			.filter(|l| self.is_me(&l.provider) && l.state == "Active" && l.accrued > 0)
			.map(|l| l.id)
			.collect();
		for batch in due.chunks(SETTLE_BATCH) {
			let call = api::tx().payments().settle_batch(
				api::runtime_types::bounded_collections::bounded_vec::BoundedVec(batch.to_vec()),
			);
			self.chain.submit("settle_batch", &call).await?;
			info!(leases = batch.len(), "settled");
		}
		Ok(due.len())
	}

	/// The capacity free on chain: offered, less what leases hold (open bids' reservations
	/// are taken off it when a bid is reserved).
	async fn free_for_bids(&self) -> Result<Resources, ClientError> {
		let entry = self
			.chain
			.provider()
			.await?
			.ok_or_else(|| ClientError::BadInput("the provider is not registered".into()))?;
		Ok(entry.free)
	}

	/// Considers a new order: bids if it fits and the strategy prices it within its maximum.
	async fn consider(&self, order_id: u64) {
		let order = match self.chain.order(order_id).await {
			Ok(Some(order)) => order,
			Ok(None) => return,
			Err(e) => {
				warn!(order = order_id, error = %e, "cannot read the order");
				return;
			}
		};
		let free = match self.free_for_bids().await {
			Ok(free) => free,
			Err(e) => {
				warn!(error = %e, "cannot read the provider's capacity");
				return;
			}
		};
		let price = match self.strategy.price(&order).await {
			Ok(price) => price,
			Err(e) => {
				debug!(order = order_id, reason = %e, "not bidding");
				self.metrics.bids.with_label_values(&["skipped"]).inc();
				return;
			}
		};
		// Check and reserve at once: orders considered together cannot overcommit.
		match self.store.reserve_bid(order_id, &order.spec, &free) {
			Ok(true) => {}
			Ok(false) => {
				debug!(order = order_id, "order does not fit the free capacity");
				self.metrics.bids.with_label_values(&["skipped"]).inc();
				return;
			}
			Err(e) => {
				warn!(order = order_id, error = %e, "cannot reserve the bid's capacity");
				return;
			}
		}
		match self.chain.submit("place_bid", &api::tx().market().place_bid(order_id, price)).await {
			Ok(_) => {
				info!(order = order_id, price, "bid placed");
				self.metrics.bids.with_label_values(&["placed"]).inc();
			}
			Err(e) => {
				info!(order = order_id, error = %e, "bid refused");
				self.metrics.bids.with_label_values(&["refused"]).inc();
				let _ = self.store.forget_bid(order_id);
			}
		}
	}

	/// Handles one finalized block's events.
	async fn on_block(
		self: &Arc<Self>,
		block: &subxt::client::Block<nubes_client::NubesConfig>,
	) -> Result<(), ClientError> {
		use api::market::events as ev;
		let events = block
			.at()
			.await
			.map_err(ClientError::subxt)?
			.events()
			.fetch()
			.await
			.map_err(ClientError::subxt)?;
		let me = self.chain.account();
		// Our bid's reservation ends when the bid is released or its order closes.
		let settled_orders = events
			.find::<ev::BidReleased>()
			.flatten()
			.filter(|e| e.provider == me)
			.map(|e| e.order)
			.chain(events.find::<ev::OrderCancelled>().flatten().map(|e| e.order))
			.chain(events.find::<ev::OrderExpired>().flatten().map(|e| e.order))
			.chain(events.find::<ev::OrderMatched>().flatten().map(|e| e.order));
		for order in settled_orders {
			let _ = self.store.forget_bid(order);
		}
		for event in events.find::<ev::LeaseCreated>().flatten() {
			if event.provider == me {
				if let Some(order) = event.order {
					let _ = self.store.forget_bid(order);
				}
				info!(
					lease = event.lease,
					deadline = event.deadline,
					"new lease; waiting for its deployment"
				);
			}
		}
		// A shard given to this provider is rebuilt from the other holders if nobody uploads it.
		for event in events.find::<api::storage_deals::events::HolderAssigned>().flatten() {
			if event.provider == me {
				info!(
					lease = event.lease,
					deal = event.deal,
					shard = event.shard,
					"holding a shard"
				);
				self.rebuild_shard(event.lease);
			}
		}
		// A slash (a start deadline, a fault) may leave the bond short of the offer, which
		// pauses the provider: bond what is missing and come back, so that a griefer costs it
		// the stated penalty and not its place in the market.
		let (mut earned, mut blocks) = (0u128, 0u64);
		for event in events.find::<api::payments::events::Settled>().flatten() {
			if event.provider == me {
				earned = earned.saturating_add(event.to_provider);
				blocks = blocks.saturating_add(u64::from(event.blocks));
			}
		}
		let faults = events
			.find::<api::attestation::events::Fault>()
			.flatten()
			.filter(|event| event.provider == me)
			.count() as u64;
		let (slashes, slashed) = events
			.find::<api::provider_stake::events::Slashed>()
			.flatten()
			.filter(|event| event.who == me)
			.fold((0u32, 0u128), |(count, sum), event| {
				(count.saturating_add(1), sum.saturating_add(event.amount))
			});
		self.metrics.record_money(earned, blocks, faults, slashed);
		if slashes > 0 {
			let agent = self.clone();
			tokio::spawn(async move {
				if let Err(error) = agent.restore_bond().await {
					warn!(%error, "could not restore the bond after a slash");
				}
			});
		}
		for event in events.find::<ev::LeaseClosed>().flatten() {
			// A shard no open lease pays for is deleted: the chain has freed its room.
			match self.shards.release(event.lease) {
				Ok(removed) if !removed.is_empty() => {
					info!(
						lease = event.lease,
						shards = removed.len(),
						"lease closed; shard deleted"
					)
				}
				Ok(_) => {}
				Err(e) => warn!(lease = event.lease, error = %e, "cannot delete the lease's shard"),
			}
			if self.store.deployment(event.lease).ok().flatten().is_some()
				|| self.workloads.get(event.lease).is_some()
			{
				info!(lease = event.lease, reason = ?event.reason, "lease closed");
				self.close_locally(event.lease);
			}
		}
		if self.config.bidding {
			for order in events.find::<ev::OrderCreated>().flatten().map(|e| e.order) {
				let agent = self.clone();
				tokio::spawn(async move { agent.consider(order).await });
			}
		}
		Ok(())
	}

	/// Follows finalized blocks until `shutdown` fires, reconnecting after outages.
	pub async fn follow(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
		let mut backoff = Duration::from_secs(1);
		let mut last_settle: Option<u64> = None;
		// The last finalized block handled: read once, then kept here and in the store.
		let mut handled = self.store.last_block().ok().flatten();
		'outer: loop {
			if *shutdown.borrow() {
				return;
			}
			let client = match self.chain.client().await {
				Ok(client) => client,
				Err(e) => {
					warn!(error = %e, "chain unreachable; workloads keep running");
					tokio::select! {
						_ = tokio::time::sleep(backoff) => {},
						_ = shutdown.changed() => return,
					}
					backoff = (backoff * 2).min(Duration::from_secs(30));
					continue;
				}
			};
			if let Err(e) = self.ensure_on_chain().await {
				warn!(error = %e, "cannot bring the registry entry up to date");
			}
			if let Err(e) = self.reconcile().await {
				warn!(error = %e, "cannot reconcile with the chain");
			}
			let mut blocks = match client.api().stream_blocks().await {
				Ok(blocks) => blocks,
				Err(e) => {
					warn!(error = %e, ?backoff, "cannot follow blocks");
					self.chain.reset(&ClientError::Subxt(e.to_string())).await;
					if self.pause(backoff, &mut shutdown).await {
						return;
					}
					backoff = (backoff * 2).min(Duration::from_secs(30));
					continue;
				}
			};
			loop {
				let next = tokio::select! {
					next = blocks.next() => next,
					_ = shutdown.changed() => break 'outer,
				};
				let block = match next {
					Some(Ok(block)) => block,
					Some(Err(e)) => {
						warn!(error = %e, ?backoff, "block stream failed; reconnecting");
						self.chain.reset(&ClientError::Subxt(e.to_string())).await;
						if self.pause(backoff, &mut shutdown).await {
							return;
						}
						backoff = (backoff * 2).min(Duration::from_secs(30));
						continue 'outer;
					}
					None => {
						warn!(?backoff, "block stream ended; reconnecting");
						self.chain.reset(&ClientError::Subxt("block stream ended".into())).await;
						if self.pause(backoff, &mut shutdown).await {
							return;
						}
						backoff = (backoff * 2).min(Duration::from_secs(30));
						continue 'outer;
					}
				};
				let number = block.number();
				backoff = Duration::from_secs(1);
				self.metrics.finalized_block.set(number as i64);
				if let Some(gateway) = &self.gateway {
					gateway.finalized(number);
				}
				// After a reconnect the stream may deliver a block already handled: its events
				// (a bid released, a lease closed) must not act twice.
				if handled.is_some_and(|last| number <= last) {
					continue;
				}
				match self.on_block(&block).await {
					Ok(()) => {
						handled = Some(number);
						let _ = self.store.set_last_block(number);
					}
					Err(e) => warn!(block = number, error = %e, "cannot read the block's events"),
				}
				if number % RECONCILE_EVERY == 0 {
					if let Err(e) = self.reconcile().await {
						warn!(error = %e, "cannot reconcile with the chain");
					}
				}
				let every = u64::from(self.config.settle_every_blocks);
				if last_settle.is_none_or(|at| number >= at + every) {
					last_settle = Some(number);
					let agent = self.clone();
					tokio::spawn(async move {
						if let Err(e) = agent.settle().await {
							warn!(error = %e, "settlement failed; will retry");
						}
					});
				}
			}
		}
	}

	/// Waits `time` before a reconnection; `true` if shutdown came first.
	async fn pause(
		&self,
		time: Duration,
		shutdown: &mut tokio::sync::watch::Receiver<bool>,
	) -> bool {
		tokio::select! {
			_ = tokio::time::sleep(time) => false,
			_ = shutdown.changed() => true,
		}
	}

	/// Stops every workload (graceful shutdown); the deployments stay kept for the restart.
	pub fn stop_all(&self) {
		for lease in self.workloads.leases() {
			self.workloads.stop(lease);
		}
	}
}
