//! The Nubes JSON-RPC reads (`nubes_*`), typed. Amounts are decimal strings on the wire and
//! `u128` here; accounts stay SS58 strings as the node writes them.

use nubes_primitives::{ProviderStatus, Reputation, ResourcePrices, Resources};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

fn amount<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
	let text = String::deserialize(deserializer)?;
	text.parse().map_err(serde::de::Error::custom)
}

fn prices<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ResourcePrices<u128>, D::Error> {
	let p = ResourcePrices::<String>::deserialize(deserializer)?;
	let n = |s: &str| s.parse::<u128>().map_err(serde::de::Error::custom);
	Ok(ResourcePrices {
		per_cpu_millicore: n(&p.per_cpu_millicore)?,
		per_memory_mib: n(&p.per_memory_mib)?,
		per_storage_gib: n(&p.per_storage_gib)?,
		per_gpu: n(&p.per_gpu)?,
	})
}

/// Which providers to list (`nubes_providers`).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderFilter {
	/// Free capacity at least this.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub min_free: Option<Resources>,
	/// Attributes with exactly these values.
	#[serde(skip_serializing_if = "BTreeMap::is_empty")]
	pub attributes: BTreeMap<String, String>,
	/// In one of these regions.
	#[serde(skip_serializing_if = "Vec::is_empty")]
	pub regions: Vec<String>,
	/// With this status.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub status: Option<ProviderStatus>,
}

/// A provider as the registry describes it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
	/// Its account.
	pub account: String,
	/// Its agent's endpoint.
	pub endpoint: String,
	/// Its region.
	pub region: String,
	/// What it declares.
	pub attributes: BTreeMap<String, String>,
	/// Capacity offered.
	pub offered: Resources,
	/// Capacity its leases hold.
	pub allocated: Resources,
	/// Capacity free.
	pub free: Resources,
	/// Price per unit per block.
	#[serde(deserialize_with = "prices", serialize_with = "serialize_prices")]
	pub prices: ResourcePrices<u128>,
	/// Active, paused or leaving.
	pub status: ProviderStatus,
	/// What the verdicts say of it.
	pub reputation: Reputation,
	/// Block it registered at.
	pub registered_at: u32,
}

fn serialize_prices<S: serde::Serializer>(
	p: &ResourcePrices<u128>,
	serializer: S,
) -> Result<S::Ok, S::Error> {
	ResourcePrices {
		per_cpu_millicore: p.per_cpu_millicore.to_string(),
		per_memory_mib: p.per_memory_mib.to_string(),
		per_storage_gib: p.per_storage_gib.to_string(),
		per_gpu: p.per_gpu.to_string(),
	}
	.serialize(serializer)
}

/// A page of providers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderPage {
	/// The providers.
	pub providers: Vec<Provider>,
	/// Pass as `start_after` for the next page; `None` at the end.
	pub next: Option<String>,
}

/// A provider's price for a spec.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
	/// The provider.
	pub provider: String,
	/// Its price per block for the spec.
	#[serde(deserialize_with = "amount", serialize_with = "as_string")]
	pub rate: u128,
	/// Its free capacity.
	pub free: Resources,
}

/// One page of an account's leases (`nubes_leases`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LeasePage {
	/// The leases, in storage order.
	pub leases: Vec<Lease>,
	/// Where the next page starts (pass it as `start_after`); `None` when the listing is done.
	pub next: Option<u64>,
}

/// A lease with its escrow.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
	/// Its id.
	pub id: u64,
	/// Who pays.
	pub tenant: String,
	/// Who serves.
	pub provider: String,
	/// The order it came from, if any.
	pub order: Option<u64>,
	/// What it holds.
	pub resources: Resources,
	/// Price per block.
	#[serde(deserialize_with = "amount", serialize_with = "as_string")]
	pub rate: u128,
	/// `Pending` or `Active`.
	pub state: String,
	/// For a pending lease, when the provider must have confirmed.
	pub start_deadline: Option<u32>,
	/// For an active lease, since when it is paid.
	pub active_since: Option<u32>,
	/// Blocks it runs, `None` if open-ended.
	pub duration: Option<u32>,
	/// The workload description's hash.
	pub manifest_hash: String,
	/// What its escrow holds.
	#[serde(deserialize_with = "amount", serialize_with = "as_string")]
	pub escrow: u128,
	/// Settled up to this block.
	pub settled_to: Option<u32>,
	/// Owed to the provider and not settled yet.
	#[serde(deserialize_with = "amount", serialize_with = "as_string")]
	pub accrued: u128,
	/// The first block the escrow no longer covers.
	pub paid_until: Option<u32>,
}

fn as_string<S: serde::Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(&value.to_string())
}

/// A bid on an order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Bid {
	/// Who bids.
	pub provider: String,
	/// Price per block.
	#[serde(deserialize_with = "amount", serialize_with = "as_string")]
	pub price: u128,
	/// Whether it won a lease.
	pub accepted: bool,
}

/// An open order with its bids.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Order {
	/// Its id.
	pub id: u64,
	/// Who ordered.
	pub tenant: String,
	/// What each replica needs.
	pub spec: Resources,
	/// Replicas wanted.
	pub replicas: u32,
	/// Leases opened so far.
	pub leases: u32,
	/// Highest price per block per replica.
	#[serde(deserialize_with = "amount", serialize_with = "as_string")]
	pub max_price: u128,
	/// Blocks each lease runs, `None` if open-ended.
	pub duration: Option<u32>,
	/// Bids are taken until this block.
	pub bid_window_end: u32,
	/// Whether the chain accepts the lowest bids at the window's end.
	pub auto_accept: bool,
	/// The workload description's hash.
	pub manifest_hash: String,
	/// Its bids.
	pub bids: Vec<Bid>,
}

/// A validator's standing (`AttestationApi::standings`): what governance reads to act on a
/// validator that stays silent or whose reports disagree with the verdicts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorStanding {
	/// Its `nubs` key, hex.
	pub key: String,
	/// Epochs closed in which it was a validator.
	pub epochs: u32,
	/// Of those, epochs it filed no summary for.
	pub silent: u32,
	/// Epochs whose summary it filed only after the epoch ended.
	pub late: u32,
	/// Challenges short of its share, summed over the epochs it summarized.
	pub unchallenged: u32,
	/// Failures it reported of providers judged to have served.
	pub false_failures: u32,
	/// Faults of providers assigned to it that it did not report.
	pub missed_faults: u32,
	/// Reveals of the seed's beacon it committed to and did not make.
	pub reveals_missed: u32,
	/// The last epoch counted.
	pub last_epoch: u32,
}
