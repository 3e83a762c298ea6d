//! `nubes_quote`, `nubes_order`, `nubes_leases` and `nubes_lease`: the market over JSON-RPC.
//! Amounts are decimal strings, accounts SS58 strings, hashes `0x` hex.

use std::sync::Arc;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use nubes_primitives::{LeaseId, OrderId, Placement, Resources};
use nubes_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use pallet_market::LeaseState;
use pallet_market_runtime_api::{LeaseDetails, MarketApi};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::Block as BlockT;

use super::providers::{invalid_params, parse_account, runtime_error};

/// Where a quoted lease may run.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlacementJson {
	/// Attributes the provider must declare with exactly these values.
	#[serde(default)]
	pub attributes: std::collections::BTreeMap<String, String>,
	/// Regions the provider may be in; empty for any.
	#[serde(default)]
	pub regions: Vec<String>,
	/// Auditor (SS58) that must attest every required attribute.
	#[serde(default)]
	pub attested_by: Option<String>,
	/// Epochs the provider must have served.
	#[serde(default)]
	pub min_epochs_served: u32,
	/// Faulty epochs in a row the provider may have at most.
	#[serde(default)]
	pub max_consecutive_faults: Option<u32>,
}

/// `text` as a bounded byte list, or which field is too long.
fn bounded<S: sp_core::Get<u32>>(
	text: String,
	what: &str,
) -> Result<sp_runtime::BoundedVec<u8, S>, String> {
	text.into_bytes().try_into().map_err(|_| format!("{what} too long"))
}

impl PlacementJson {
	/// The on-chain placement, or why it cannot be one.
	pub fn into_placement(self) -> Result<Placement<AccountId>, String> {
		let attributes = self
			.attributes
			.into_iter()
			.map(|(key, value)| {
				Ok(nubes_primitives::Attribute {
					key: bounded(key, "attribute key")?,
					value: bounded(value, "attribute value")?,
				})
			})
			.collect::<Result<Vec<_>, String>>()?
			.try_into()
			.map_err(|_| "too many attributes".to_string())?;
		let regions = self
			.regions
			.into_iter()
			.map(|region| bounded(region, "region"))
			.collect::<Result<Vec<_>, String>>()?
			.try_into()
			.map_err(|_| "too many regions".to_string())?;
		let attested_by = self
			.attested_by
			.map(|who| {
				AccountId::from_ss58check(&who).map_err(|e| format!("bad auditor {who:?}: {e:?}"))
			})
			.transpose()?;
		Ok(Placement {
			attributes,
			regions,
			attested_by,
			min_reputation: nubes_primitives::MinReputation {
				min_epochs_served: self.min_epochs_served,
				max_consecutive_faults: self.max_consecutive_faults.unwrap_or(u32::MAX),
			},
		})
	}
}

/// A provider's offer for a spec.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QuoteJson {
	/// The provider (SS58).
	pub provider: String,
	/// Price per block for the spec.
	pub rate: String,
	/// Its free capacity.
	pub free: Resources,
}

/// A bid on an order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BidJson {
	/// The bidding provider (SS58).
	pub provider: String,
	/// Price per block for one replica.
	pub price: String,
	/// Whether it was accepted.
	pub accepted: bool,
}

/// An open order with its bids.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderJson {
	/// The order's id.
	pub id: OrderId,
	/// The tenant (SS58).
	pub tenant: String,
	/// Capacity per replica.
	pub spec: Resources,
	/// Replicas ordered.
	pub replicas: u32,
	/// Leases opened so far.
	pub leases: u32,
	/// Highest price per block per replica.
	pub max_price: String,
	/// Blocks each lease runs; `null` for open-ended.
	pub duration: Option<BlockNumber>,
	/// Bids are taken until (excluding) this block.
	pub bid_window_end: BlockNumber,
	/// Whether the chain accepts the lowest bids at the window's close.
	pub auto_accept: bool,
	/// The manifest hash.
	pub manifest_hash: String,
	/// Its bids.
	pub bids: Vec<BidJson>,
}

/// A lease with its escrow.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeaseJson {
	/// The lease's id.
	pub id: LeaseId,
	/// The tenant (SS58).
	pub tenant: String,
	/// The provider (SS58).
	pub provider: String,
	/// The order it came from, if any.
	pub order: Option<OrderId>,
	/// Capacity it holds.
	pub resources: Resources,
	/// Price per block.
	pub rate: String,
	/// `Pending` or `Active`.
	pub state: String,
	/// Pending: the block by which the provider must confirm.
	pub start_deadline: Option<BlockNumber>,
	/// Active: paid since this block.
	pub active_since: Option<BlockNumber>,
	/// Blocks it runs once active; `null` for open-ended.
	pub duration: Option<BlockNumber>,
	/// The manifest hash.
	pub manifest_hash: String,
	/// Escrow held and not yet paid or refunded.
	pub escrow: String,
	/// Settled up to (excluding) this block.
	pub settled_to: Option<BlockNumber>,
	/// What settling now would pay.
	pub accrued: String,
	/// The first block the escrow no longer covers.
	pub paid_until: Option<BlockNumber>,
}

fn lease_json(details: LeaseDetails<AccountId, Balance, BlockNumber>) -> LeaseJson {
	let LeaseDetails { id, lease, escrow } = details;
	let (state, start_deadline, active_since) = match lease.state {
		LeaseState::Pending { deadline } => ("Pending", Some(deadline), None),
		LeaseState::Active { since } => ("Active", None, Some(since)),
	};
	LeaseJson {
		id,
		tenant: lease.tenant.to_ss58check(),
		provider: lease.provider.to_ss58check(),
		order: lease.order,
		resources: lease.resources,
		rate: lease.rate.to_string(),
		state: state.into(),
		start_deadline,
		active_since,
		duration: lease.duration,
		manifest_hash: format!("0x{}", hex::encode(lease.manifest_hash)),
		escrow: escrow.as_ref().map(|e| e.balance).unwrap_or_default().to_string(),
		settled_to: escrow.as_ref().and_then(|e| e.settled_to),
		accrued: escrow.as_ref().map(|e| e.accrued).unwrap_or_default().to_string(),
		paid_until: escrow.as_ref().and_then(|e| e.paid_until),
	}
}

/// One page of an account's leases.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeasePageJson {
	/// The leases, in storage order.
	pub leases: Vec<LeaseJson>,
	/// Pass as `startAfter` for the next page; `null` when done.
	pub next: Option<LeaseId>,
}

/// The market's RPC methods.
#[rpc(server, namespace = "nubes")]
pub trait MarketRpc<BlockHash> {
	/// The cheapest providers that can take `spec` under `placement` now, cheapest first.
	#[method(name = "quote")]
	fn quote(
		&self,
		spec: Resources,
		placement: Option<PlacementJson>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<QuoteJson>>;

	/// An open order with its bids, or `null`.
	#[method(name = "order")]
	fn order(&self, id: OrderId, at: Option<BlockHash>) -> RpcResult<Option<OrderJson>>;

	/// A page of an account's (SS58) leases, as tenant or provider: those after `start_after`,
	/// at most `limit` (100 if not given, 1,000 at most); follow `next` for the rest.
	#[method(name = "leases")]
	fn leases(
		&self,
		account: String,
		start_after: Option<LeaseId>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<LeasePageJson>;

	/// One lease with its escrow, or `null`.
	#[method(name = "lease")]
	fn lease(&self, id: LeaseId, at: Option<BlockHash>) -> RpcResult<Option<LeaseJson>>;
}

/// Serves [`MarketRpcServer`] from the runtime API.
pub struct Market<C> {
	client: Arc<C>,
}

impl<C> Market<C> {
	/// Serves the market of `client`'s chain.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> MarketRpcServer<<Block as BlockT>::Hash> for Market<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: MarketApi<Block, AccountId, Balance, BlockNumber>,
{
	fn quote(
		&self,
		spec: Resources,
		placement: Option<PlacementJson>,
		limit: Option<u32>,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Vec<QuoteJson>> {
		let placement = placement.unwrap_or_default().into_placement().map_err(invalid_params)?;
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let quotes = self
			.client
			.runtime_api()
			.quote(at, spec, placement, limit.unwrap_or(10))
			.map_err(runtime_error)?;
		Ok(quotes
			.into_iter()
			.map(|q| QuoteJson {
				provider: q.provider.to_ss58check(),
				rate: q.rate.to_string(),
				free: q.free,
			})
			.collect())
	}

	fn order(
		&self,
		id: OrderId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<OrderJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let details = self.client.runtime_api().order(at, id).map_err(runtime_error)?;
		Ok(details.map(|details| {
			let order = details.order;
			OrderJson {
				id,
				tenant: order.tenant.to_ss58check(),
				spec: order.spec,
				replicas: order.replicas,
				leases: order.leases,
				max_price: order.max_price.to_string(),
				duration: order.duration,
				bid_window_end: order.bid_window_end,
				auto_accept: order.auto_accept,
				manifest_hash: format!("0x{}", hex::encode(order.manifest_hash)),
				bids: details
					.bids
					.into_iter()
					.map(|bid| BidJson {
						provider: bid.provider.to_ss58check(),
						price: bid.price.to_string(),
						accepted: bid.accepted,
					})
					.collect(),
			}
		}))
	}

	fn leases(
		&self,
		account: String,
		start_after: Option<LeaseId>,
		limit: Option<u32>,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<LeasePageJson> {
		let who = parse_account(&account)?;
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let page = self
			.client
			.runtime_api()
			.leases_of(at, who, start_after, limit.unwrap_or(100))
			.map_err(runtime_error)?;
		Ok(LeasePageJson {
			leases: page.leases.into_iter().map(lease_json).collect(),
			next: page.next,
		})
	}

	fn lease(
		&self,
		id: LeaseId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<LeaseJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let details = self.client.runtime_api().lease(at, id).map_err(runtime_error)?;
		Ok(details.map(lease_json))
	}
}
