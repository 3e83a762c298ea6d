//! `nubes_providers` and `nubes_provider`: the provider registry over JSON-RPC, for wallets,
//! the CLI and agents. Amounts are decimal strings (JavaScript numbers cannot hold them),
//! accounts SS58 strings, bytes UTF-8 text.

use std::{collections::BTreeMap, sync::Arc};

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorObjectOwned, ErrorCode},
};
use nubes_primitives::{
	ProviderFilter, ProviderInfo, ProviderPage, ProviderStatus, Reputation, ResourcePrices,
	Resources,
};
use nubes_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use pallet_providers_runtime_api::ProvidersApi;
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::Block as BlockT;

/// Which providers to list; every given criterion must hold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderFilterJson {
	/// Free capacity at least this.
	#[serde(default)]
	pub min_free: Option<Resources>,
	/// Attributes the provider must declare with exactly these values.
	#[serde(default)]
	pub attributes: BTreeMap<String, String>,
	/// Regions the provider may be in; empty for any.
	#[serde(default)]
	pub regions: Vec<String>,
	/// Status the provider must have.
	#[serde(default)]
	pub status: Option<ProviderStatus>,
}

impl From<ProviderFilterJson> for ProviderFilter {
	fn from(json: ProviderFilterJson) -> Self {
		ProviderFilter {
			min_free: json.min_free,
			attributes: json
				.attributes
				.into_iter()
				.map(|(key, value)| (key.into_bytes(), value.into_bytes()))
				.collect(),
			regions: json.regions.into_iter().map(String::into_bytes).collect(),
			status: json.status,
		}
	}
}

/// A provider as the RPC shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderJson {
	/// The provider's account (SS58).
	pub account: String,
	/// Its agent's endpoint URL.
	pub endpoint: String,
	/// Its region.
	pub region: String,
	/// Its attributes.
	pub attributes: BTreeMap<String, String>,
	/// Capacity offered.
	pub offered: Resources,
	/// Capacity held by open leases.
	pub allocated: Resources,
	/// Capacity offered and free.
	pub free: Resources,
	/// Price per resource unit per block, in the smallest token unit.
	pub prices: ResourcePrices<String>,
	/// Lifecycle status.
	pub status: ProviderStatus,
	/// Observed service record.
	pub reputation: Reputation,
	/// Block it registered at.
	pub registered_at: BlockNumber,
}

/// One page of providers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderPageJson {
	/// Matching providers.
	pub providers: Vec<ProviderJson>,
	/// Pass as `startAfter` for the next page; `null` when done.
	pub next: Option<String>,
}

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

fn provider_json(account: &AccountId, info: &ProviderInfo<Balance, BlockNumber>) -> ProviderJson {
	ProviderJson {
		account: account.to_ss58check(),
		endpoint: text(&info.endpoint),
		region: text(&info.region),
		attributes: info.attributes.iter().map(|a| (text(&a.key), text(&a.value))).collect(),
		offered: info.offered,
		allocated: info.allocated,
		free: info.free(),
		prices: ResourcePrices {
			per_cpu_millicore: info.prices.per_cpu_millicore.to_string(),
			per_memory_mib: info.prices.per_memory_mib.to_string(),
			per_storage_gib: info.prices.per_storage_gib.to_string(),
			per_gpu: info.prices.per_gpu.to_string(),
		},
		status: info.status,
		reputation: info.reputation,
		registered_at: info.registered_at,
	}
}

/// The provider registry's RPC methods.
#[rpc(server, namespace = "nubes")]
pub trait ProvidersRpc<BlockHash> {
	/// Providers matching `filter`, after the SS58 account `startAfter`, at most `limit` (≤ 100).
	#[method(name = "providers")]
	fn providers(
		&self,
		filter: Option<ProviderFilterJson>,
		start_after: Option<String>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<ProviderPageJson>;

	/// One provider, or `null` if the account is not a provider.
	#[method(name = "provider")]
	fn provider(&self, account: String, at: Option<BlockHash>) -> RpcResult<Option<ProviderJson>>;
}

/// Serves [`ProvidersRpcServer`] from the runtime API.
pub struct Providers<C> {
	client: Arc<C>,
}

impl<C> Providers<C> {
	/// Serves the registry of `client`'s chain.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

pub(crate) fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(ErrorCode::InvalidParams.code(), message.into(), None::<()>)
}

pub(crate) fn runtime_error(error: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(
		ErrorCode::InternalError.code(),
		format!("runtime API call failed: {error}"),
		None::<()>,
	)
}

pub(crate) fn parse_account(text: &str) -> Result<AccountId, ErrorObjectOwned> {
	AccountId::from_ss58check(text)
		.map_err(|e| invalid_params(format!("bad account {text:?}: {e:?}")))
}

impl<C> ProvidersRpcServer<<Block as BlockT>::Hash> for Providers<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ProvidersApi<Block, AccountId, Balance, BlockNumber>,
{
	fn providers(
		&self,
		filter: Option<ProviderFilterJson>,
		start_after: Option<String>,
		limit: Option<u32>,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<ProviderPageJson> {
		let start_after = start_after.as_deref().map(parse_account).transpose()?;
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let page: ProviderPage<AccountId, Balance, BlockNumber> = self
			.client
			.runtime_api()
			.providers(at, filter.unwrap_or_default().into(), start_after, limit.unwrap_or(100))
			.map_err(runtime_error)?;
		Ok(ProviderPageJson {
			providers: page.providers.iter().map(|(who, info)| provider_json(who, info)).collect(),
			next: page.next.map(|who| who.to_ss58check()),
		})
	}

	fn provider(
		&self,
		account: String,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<ProviderJson>> {
		let who = parse_account(&account)?;
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let info = self.client.runtime_api().provider(at, who.clone()).map_err(runtime_error)?;
		Ok(info.map(|info| provider_json(&who, &info)))
	}
}
