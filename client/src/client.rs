//! A connection to a Nubes node: transactions, the Nubes RPC reads, balances.

use crate::{api, rpc as types, AccountId, ClientError, Keys, NubesConfig};
use nubes_primitives::Resources;
use serde::de::DeserializeOwned;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	transactions::Payload,
	OnlineClient,
};

/// `who` as the node's RPC reads accounts: SS58 in the generic format (42), which every
/// Substrate RPC server accepts.
fn rpc_account(who: &AccountId) -> String {
	use sp_core::crypto::Ss58Codec;
	sp_core::crypto::AccountId32::from(who.0).to_ss58check_with_version(
		sp_core::crypto::Ss58AddressFormatRegistry::SubstrateAccount.into(),
	)
}

/// A block's hash.
pub type BlockHash = subxt::utils::H256;

/// Leases asked for per `nubes_leases` page when listing them all.
const LEASE_PAGE: u32 = 500;

/// A finalized block's events.
pub struct FinalizedEvents {
	/// Its number.
	pub number: u64,
	/// Its hash.
	pub hash: subxt::utils::H256,
	/// Its parent's hash.
	pub parent: subxt::utils::H256,
	/// What happened in it.
	pub events: subxt::events::Events<NubesConfig>,
}

/// A transaction the node took, not yet finalized.
pub struct InFlight(
	subxt::transactions::TransactionProgress<
		NubesConfig,
		subxt::client::OnlineClientAtBlockImpl<NubesConfig>,
	>,
);

/// A connection to a Nubes node.
#[derive(Clone)]
pub struct NubesClient {
	api: OnlineClient<NubesConfig>,
	rpc: RpcClient,
	url: String,
}

impl std::fmt::Debug for NubesClient {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "NubesClient({})", self.url)
	}
}

impl NubesClient {
	/// Connects to the node at `url` (`ws://`, `wss://`, `http://` or `https://`).
	pub async fn connect(url: &str) -> Result<Self, ClientError> {
		let unreachable =
			|reason: String| ClientError::Unreachable { url: url.to_string(), reason };
		let rpc =
			RpcClient::from_insecure_url(url).await.map_err(|e| unreachable(e.to_string()))?;
		let config = NubesConfig::builder().use_historic_types(false).build();
		let api = OnlineClient::from_rpc_client_with_config(config, rpc.clone())
			.await
			.map_err(|e| unreachable(e.to_string()))?;
		Ok(Self { api, rpc, url: url.to_string() })
	}

	/// The subxt client, for everything the helpers do not cover.
	pub fn api(&self) -> &OnlineClient<NubesConfig> {
		&self.api
	}

	/// The URL this client talks to.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// Calls a JSON-RPC method.
	pub async fn request<R: DeserializeOwned>(
		&self,
		method: &str,
		params: subxt::rpcs::client::RpcParams,
	) -> Result<R, ClientError> {
		self.rpc
			.request(method, params)
			.await
			.map_err(|e| ClientError::Rpc { method: method.into(), reason: e.to_string() })
	}

	/// The next nonce of `who`, counting transactions waiting in the pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u64, ClientError> {
		self.request("system_accountNextIndex", rpc_params![rpc_account(who)]).await
	}

	/// Signs `call` with `keys`, submits it and waits until a finalized block holds it; a call
	/// a pallet refused comes back as [`ClientError::Module`] with the error's name.
	pub async fn submit<Call: Payload>(
		&self,
		call: &Call,
		keys: &Keys,
	) -> Result<ExtrinsicEvents<NubesConfig>, ClientError> {
		let progress = self.sign_and_send(call, keys).await?;
		Self::finalized(progress).await
	}

	/// Signs `call` with the next nonce of `keys` and hands it to the node; whoever sends
	/// several transactions of one account at once sends them one after the other through
	/// this, then waits for each with [`Self::finalized`].
	pub async fn sign_and_send<Call: Payload>(
		&self,
		call: &Call,
		keys: &Keys,
	) -> Result<InFlight, ClientError> {
		let nonce = self.next_nonce(&keys.account_id()).await?;
		let params = DefaultExtrinsicParamsBuilder::<NubesConfig>::new().nonce(nonce).build();
		let progress = self
			.api
			.tx()
			.await
			.map_err(ClientError::subxt)?
			.sign_and_submit_then_watch(call, keys.signer(), params)
			.await
			.map_err(|e| ClientError::NotIncluded(e.to_string()))?;
		Ok(InFlight(progress))
	}

	/// Waits until a finalized block holds a sent transaction; a pallet's refusal comes back
	/// as [`ClientError::Module`].
	pub async fn finalized(
		in_flight: InFlight,
	) -> Result<ExtrinsicEvents<NubesConfig>, ClientError> {
		Ok(in_flight.0.wait_for_finalized_success().await?)
	}

	/// A provider as the registry describes it (`nubes_provider`).
	pub async fn provider(&self, who: &AccountId) -> Result<Option<types::Provider>, ClientError> {
		self.request("nubes_provider", rpc_params![rpc_account(who)]).await
	}

	/// [`Self::provider`] as of block `at`.
	pub async fn provider_at(
		&self,
		who: &AccountId,
		at: BlockHash,
	) -> Result<Option<types::Provider>, ClientError> {
		self.request("nubes_provider", rpc_params![rpc_account(who), at]).await
	}

	/// The hash of the last finalized block: reads that must not be undone by a fork (what a
	/// provider deletes or refuses because of them) are made at it.
	pub async fn finalized_head(&self) -> Result<BlockHash, ClientError> {
		self.request("chain_getFinalizedHead", rpc_params![]).await
	}

	/// Every finalized block from now on, with its number, hash and events: the stream dApps
	/// and agents follow the chain with (`find::<api::market::events::LeaseClosed>()` and so on).
	/// It ends when the connection does.
	pub async fn finalized_events(
		&self,
	) -> Result<
		impl futures::Stream<Item = Result<FinalizedEvents, ClientError>> + Send + use<>,
		ClientError,
	> {
		let blocks = self.api.stream_blocks().await.map_err(ClientError::subxt)?;
		Ok(futures::stream::unfold(blocks, |mut blocks| async move {
			let block = match blocks.next().await? {
				Ok(block) => block,
				Err(e) => return Some((Err(ClientError::subxt(e)), blocks)),
			};
			let events = async {
				block
					.at()
					.await
					.map_err(ClientError::subxt)?
					.events()
					.fetch()
					.await
					.map_err(ClientError::subxt)
			}
			.await;
			let item = events.map(|events| FinalizedEvents {
				number: block.number(),
				hash: block.hash(),
				parent: block.header().parent_hash,
				events,
			});
			Some((item, blocks))
		}))
	}

	/// Free balance of `who`, in the smallest unit.
	pub async fn free_balance(&self, who: &AccountId) -> Result<u128, ClientError> {
		let at = self.api.at_current_block().await.map_err(ClientError::subxt)?;
		let account = at
			.storage()
			.try_fetch(api::storage().system().account(), (*who,))
			.await
			.map_err(ClientError::subxt)?;
		match account {
			None => Ok(0),
			Some(value) => Ok(value.decode().map_err(ClientError::subxt)?.data.free),
		}
	}

	/// Every validator of the current set with its standing, in key order (the
	/// `AttestationApi` runtime API at the best block).
	pub async fn validator_standings(&self) -> Result<Vec<types::ValidatorStanding>, ClientError> {
		let at = self.api.at_current_block().await.map_err(ClientError::subxt)?;
		let standings = at
			.runtime_apis()
			.call(api::runtime_apis().attestation_api().standings())
			.await
			.map_err(ClientError::subxt)?;
		Ok(standings
			.into_iter()
			.map(|(key, standing)| types::ValidatorStanding {
				key: format!("0x{}", hex::encode(key.0)),
				epochs: standing.epochs,
				silent: standing.silent,
				late: standing.late,
				unchallenged: standing.unchallenged,
				false_failures: standing.false_failures,
				missed_faults: standing.missed_faults,
				reveals_missed: standing.reveals_missed,
				last_epoch: standing.last_epoch,
			})
			.collect())
	}

	/// A page of providers matching `filter` (`nubes_providers`).
	pub async fn providers(
		&self,
		filter: &types::ProviderFilter,
		start_after: Option<&str>,
		limit: Option<u32>,
	) -> Result<types::ProviderPage, ClientError> {
		self.request("nubes_providers", rpc_params![filter, start_after, limit]).await
	}

	/// The cheapest providers that can serve `spec`, cheapest first (`nubes_quote`).
	pub async fn quote(
		&self,
		spec: &Resources,
		limit: Option<u32>,
	) -> Result<Vec<types::Quote>, ClientError> {
		self.request("nubes_quote", rpc_params![spec, Option::<()>::None, limit]).await
	}

	/// The cheapest providers that can serve `spec` in one of `regions` (any if empty) with
	/// `attributes`, cheapest first (`nubes_quote`).
	pub async fn quote_placed(
		&self,
		spec: &Resources,
		regions: &[String],
		attributes: &std::collections::BTreeMap<String, String>,
		limit: Option<u32>,
	) -> Result<Vec<types::Quote>, ClientError> {
		let placement = serde_json::json!({ "regions": regions, "attributes": attributes });
		self.request("nubes_quote", rpc_params![spec, placement, limit]).await
	}

	/// Every lease of `who`, as tenant or provider, as of the last finalized block.
	pub async fn leases(&self, who: &AccountId) -> Result<Vec<types::Lease>, ClientError> {
		let at = self.finalized_head().await?;
		self.leases_at(who, at).await
	}

	/// Every lease of `who` as of block `at`, page after page of `nubes_leases` (one block for
	/// all of them, so that no lease is missed or seen twice while the chain moves on).
	pub async fn leases_at(
		&self,
		who: &AccountId,
		at: BlockHash,
	) -> Result<Vec<types::Lease>, ClientError> {
		let mut leases = Vec::new();
		let mut start_after = None;
		loop {
			let page = self.leases_page(who, start_after, Some(LEASE_PAGE), Some(at)).await?;
			leases.extend(page.leases);
			match page.next {
				// A node that does not move forward would page for ever.
				Some(next) if Some(next) != start_after => start_after = Some(next),
				Some(_) => {
					return Err(ClientError::Rpc {
						method: "nubes_leases".into(),
						reason: "the listing does not move forward".into(),
					})
				}
				None => return Ok(leases),
			}
		}
	}

	/// One page of the leases of `who` (`nubes_leases`): those after `start_after`, at most
	/// `limit`, at block `at` (the best block if `None`).
	pub async fn leases_page(
		&self,
		who: &AccountId,
		start_after: Option<u64>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> Result<types::LeasePage, ClientError> {
		self.request("nubes_leases", rpc_params![rpc_account(who), start_after, limit, at]).await
	}

	/// An open order with its bids (`nubes_order`).
	pub async fn order(&self, id: u64) -> Result<Option<types::Order>, ClientError> {
		self.request("nubes_order", rpc_params![id]).await
	}

	/// [`Self::order`] as of block `at`.
	pub async fn order_at(
		&self,
		id: u64,
		at: BlockHash,
	) -> Result<Option<types::Order>, ClientError> {
		self.request("nubes_order", rpc_params![id, at]).await
	}

	/// One lease with its escrow (`nubes_lease`).
	pub async fn lease(&self, id: u64) -> Result<Option<types::Lease>, ClientError> {
		self.request("nubes_lease", rpc_params![id]).await
	}

	/// [`Self::lease`] as of block `at`.
	pub async fn lease_at(
		&self,
		id: u64,
		at: BlockHash,
	) -> Result<Option<types::Lease>, ClientError> {
		self.request("nubes_lease", rpc_params![id, at]).await
	}
}
