//! The agent's link to the chain: one connection, reopened after an outage, and the
//! provider's transactions sent one at a time (so their nonces never collide) and awaited
//! concurrently.

use crate::{
	challengers::{Epoch, Rules},
	metrics::Metrics,
};
use nubes_client::{api, rpc, AccountId, BlockHash, ClientError, Keys, NubesClient};
use std::sync::Arc;
use subxt::{rpcs::rpc_params, transactions::Payload};
use tokio::sync::Mutex;

/// The connection, the provider's keys, and the lock its transactions are sent under.
#[derive(Clone)]
pub struct Chain {
	url: String,
	keys: Arc<Keys>,
	client: Arc<Mutex<Option<NubesClient>>>,
	sending: Arc<Mutex<()>>,
	metrics: Metrics,
}

impl Chain {
	/// A link to the node at `url`, signing with `keys`; connects on first use.
	pub fn new(url: &str, keys: Keys, metrics: Metrics) -> Self {
		Self {
			url: url.to_string(),
			keys: Arc::new(keys),
			client: Arc::new(Mutex::new(None)),
			sending: Arc::new(Mutex::new(())),
			metrics,
		}
	}

	/// The provider's account.
	pub fn account(&self) -> AccountId {
		self.keys.account_id()
	}

	/// A connected client, connecting if needed.
	pub async fn client(&self) -> Result<NubesClient, ClientError> {
		let mut slot = self.client.lock().await;
		if let Some(client) = slot.as_ref() {
			return Ok(client.clone());
		}
		match NubesClient::connect(&self.url).await {
			Ok(client) => {
				self.metrics.chain_connected.set(1);
				*slot = Some(client.clone());
				Ok(client)
			}
			Err(e) => {
				self.metrics.chain_connected.set(0);
				Err(e)
			}
		}
	}

	/// Drops the connection after an error that may mean it is gone; the next call reconnects.
	pub async fn reset(&self, error: &ClientError) {
		if matches!(
			error,
			ClientError::Unreachable { .. }
				| ClientError::Rpc { .. }
				| ClientError::Subxt(_)
				| ClientError::NotIncluded(_)
		) {
			*self.client.lock().await = None;
			self.metrics.chain_connected.set(0);
		}
	}

	/// Runs a read, dropping the connection if it fails.
	async fn read<T, F, Fut>(&self, f: F) -> Result<T, ClientError>
	where
		F: FnOnce(NubesClient) -> Fut,
		Fut: std::future::Future<Output = Result<T, ClientError>>,
	{
		let client = self.client().await?;
		let result = f(client).await;
		if let Err(e) = &result {
			self.reset(e).await;
		}
		result
	}

	/// Sends a transaction of the provider and waits until it is finalized.
	pub async fn submit<Call: Payload>(
		&self,
		name: &str,
		call: &Call,
	) -> Result<subxt::extrinsics::ExtrinsicEvents<nubes_client::NubesConfig>, ClientError> {
		let client = self.client().await?;
		let in_flight = {
			let _sending = self.sending.lock().await;
			client.sign_and_send(call, &self.keys).await
		};
		let result = match in_flight {
			Ok(in_flight) => NubesClient::finalized(in_flight).await,
			Err(e) => Err(e),
		};
		let outcome = if result.is_ok() { "ok" } else { "error" };
		self.metrics.transactions.with_label_values(&[name, outcome]).inc();
		if let Err(e) = &result {
			self.reset(e).await;
		}
		result
	}

	/// Runs a read at the last finalized block. Whatever the agent deletes, stops or refuses
	/// because of what it read is decided on finalized state, which no fork can undo.
	async fn read_final<T, F, Fut>(&self, f: F) -> Result<T, ClientError>
	where
		F: FnOnce(NubesClient, BlockHash) -> Fut,
		Fut: std::future::Future<Output = Result<T, ClientError>>,
	{
		self.read(|c| async move {
			let at = c.finalized_head().await?;
			f(c, at).await
		})
		.await
	}

	/// The provider's registry entry, as finalized.
	pub async fn provider(&self) -> Result<Option<rpc::Provider>, ClientError> {
		let me = self.account();
		self.read_final(|c, at| async move { c.provider_at(&me, at).await }).await
	}

	/// Every lease the provider serves (and any it rents), as finalized, however many.
	pub async fn leases(&self) -> Result<Vec<rpc::Lease>, ClientError> {
		let me = self.account();
		self.read_final(|c, at| async move { c.leases_at(&me, at).await }).await
	}

	/// One lease as finalized, `None` once closed.
	pub async fn lease(&self, id: u64) -> Result<Option<rpc::Lease>, ClientError> {
		self.read_final(|c, at| async move { c.lease_at(id, at).await }).await
	}

	/// An open order, as finalized.
	pub async fn order(&self, id: u64) -> Result<Option<rpc::Order>, ClientError> {
		self.read_final(|c, at| async move { c.order_at(id, at).await }).await
	}

	/// The provider's active stake (`None` if it never bonded) and the bond rule.
	pub async fn stake(&self) -> Result<(Option<u128>, BondRule), ClientError> {
		let me = self.account();
		self.read(|c| async move {
			let at = c.api().at_current_block().await.map_err(ClientError::subxt)?;
			let ledger = at
				.storage()
				.try_fetch(api::storage().provider_stake().ledgers(), (me,))
				.await
				.map_err(ClientError::subxt)?;
			let bonded = match ledger {
				Some(value) => Some(value.decode().map_err(ClientError::subxt)?.active),
				None => None,
			};
			let rule = at
				.storage()
				.fetch(api::storage().provider_stake().bond_requirement(), ())
				.await
				.map_err(ClientError::subxt)?
				.decode()
				.map_err(ClientError::subxt)?;
			let rule = BondRule {
				base: rule.base,
				per_cpu_millicore: rule.per_unit.per_cpu_millicore,
				per_memory_mib: rule.per_unit.per_memory_mib,
				per_storage_gib: rule.per_unit.per_storage_gib,
				per_gpu: rule.per_unit.per_gpu,
			};
			Ok((bonded, rule))
		})
		.await
	}
}

impl Chain {
	/// Attestation epoch `index` as finalized (`true`) or, while finality has not reached its
	/// start yet, as the best block has it (`false`); `None` if neither knows it.
	pub async fn epoch(&self, index: u32) -> Result<Option<(Epoch, bool)>, ClientError> {
		let me = self.account();
		self.read(move |c| async move {
			let finalized = c.api().at_current_block().await.map_err(ClientError::subxt)?;
			if let Some(epoch) = epoch_at(&finalized, index, &me).await? {
				return Ok(Some((epoch, true)));
			}
			let at = at_best(&c).await?;
			Ok(epoch_at(&at, index, &me).await?.map(|epoch| (epoch, false)))
		})
		.await
	}

	/// The running attestation epoch at the node's best block.
	pub async fn current_epoch(&self) -> Result<u32, ClientError> {
		self.read(|c| async move {
			at_best(&c)
				.await?
				.storage()
				.fetch(api::storage().attestation().current_epoch(), ())
				.await
				.map_err(ClientError::subxt)?
				.decode()
				.map_err(ClientError::subxt)
		})
		.await
	}

	/// The chain's rules for a challenge's work and deadline, at the best block (validators
	/// challenge from their best block: rules changed there apply to the next challenge).
	pub async fn challenge_rules_best(&self) -> Result<Rules, ClientError> {
		self.read(|c| async move { rules_at(&at_best(&c).await?).await }).await
	}

	/// The chain's rules for a challenge's work and deadline, as finalized.
	pub async fn challenge_rules(&self) -> Result<Rules, ClientError> {
		self.read(|c| async move {
			let at = c.api().at_current_block().await.map_err(ClientError::subxt)?;
			rules_at(&at).await
		})
		.await
	}
}

/// The client at the node's best block.
async fn at_best(
	c: &NubesClient,
) -> Result<subxt::client::OnlineClientAtBlock<nubes_client::NubesConfig>, ClientError> {
	let best: BlockHash = c.request("chain_getBlockHash", rpc_params![]).await?;
	c.api().at_block(best).await.map_err(ClientError::subxt)
}

/// The challenge rules in the state of block `at`.
async fn rules_at(
	at: &subxt::client::OnlineClientAtBlock<nubes_client::NubesConfig>,
) -> Result<Rules, ClientError> {
	let params = at
		.storage()
		.fetch(api::storage().attestation().params(), ())
		.await
		.map_err(ClientError::subxt)?
		.decode()
		.map_err(ClientError::subxt)?;
	Ok(Rules {
		unit_kib: params.unit_kib,
		samples: params.samples,
		deadline_ms: params.deadline_ms,
	})
}

/// Attestation epoch `index` in the state of block `at`, with `me`'s slot in that epoch (as
/// the chain works it out for a report of the epoch).
async fn epoch_at(
	at: &subxt::client::OnlineClientAtBlock<nubes_client::NubesConfig>,
	index: u32,
	me: &AccountId,
) -> Result<Option<Epoch>, ClientError> {
	let storage = at.storage();
	let found = storage
		.try_fetch(api::storage().attestation().epochs(), (index,))
		.await
		.map_err(ClientError::subxt)?;
	let Some(value) = found else { return Ok(None) };
	let data = value.decode().map_err(ClientError::subxt)?;
	let slot_now = storage
		.try_fetch(api::storage().providers().slot_of(), (*me,))
		.await
		.map_err(ClientError::subxt)?
		.map(|value| value.decode())
		.transpose()
		.map_err(ClientError::subxt)?;
	// The chain's rule (`slot_in`): since a compaction after the epoch, a provider has the slot
	// it moved from, or its slot now if that is below the count the compaction left.
	let since = storage
		.try_fetch(api::storage().attestation().last_compaction(), ())
		.await
		.map_err(ClientError::subxt)?
		.map(|value| value.decode())
		.transpose()
		.map_err(ClientError::subxt)?
		.filter(|last| index < last.epoch);
	let slot = match since {
		None => slot_now,
		Some(last) => last
			.moves
			.0
			.into_iter()
			.find_map(|(who, from)| (&who == me).then_some(from))
			.or(slot_now.filter(|slot| *slot < last.floor)),
	};
	Ok(Some(Epoch {
		seed: data.seed,
		validators: data.validators.0.into_iter().map(|key| key.0).collect(),
		redundancy: data.redundancy,
		providers: data.providers,
		slot,
	}))
}

/// The bond the chain requires: a base plus an amount per unit of offered capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BondRule {
	/// Whatever the capacity.
	pub base: u128,
	/// Per millicore.
	pub per_cpu_millicore: u128,
	/// Per MiB.
	pub per_memory_mib: u128,
	/// Per GiB of storage.
	pub per_storage_gib: u128,
	/// Per GPU.
	pub per_gpu: u128,
}

impl BondRule {
	/// The bond `capacity` requires.
	pub fn required(&self, capacity: &nubes_primitives::Resources) -> u128 {
		self.base
			.saturating_add(self.per_cpu_millicore.saturating_mul(capacity.cpu_millicores.into()))
			.saturating_add(self.per_memory_mib.saturating_mul(capacity.memory_mib.into()))
			.saturating_add(self.per_storage_gib.saturating_mul(capacity.storage_gib.into()))
			.saturating_add(self.per_gpu.saturating_mul(capacity.gpus.into()))
	}
}
