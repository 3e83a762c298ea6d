//! A provider's lifecycle status and reputation.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Where a provider is in its lifecycle.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ProviderStatus {
	/// Takes new orders and leases.
	Active,
	/// Takes no new orders or leases; its running leases go on.
	Paused,
	/// Has left the market: its bond is unbonding and stays slashable until withdrawn.
	Leaving,
}

/// What the chain has observed of a provider's service, updated by the attestation verdicts.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Reputation {
	/// Epochs judged faulty, in all.
	pub faults: u32,
	/// Faulty epochs in a row up to the last judged one; a served epoch resets it.
	pub consecutive_faults: u32,
	/// Epochs judged served.
	pub epochs_served: u32,
}

/// A registered provider with its attributes, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ProviderInfo<Balance, BlockNumber> {
	/// Where its agent answers tenants and validators.
	pub endpoint: crate::Endpoint,
	/// Where its machines are.
	pub region: crate::Region,
	/// What it declares about itself, sorted by key.
	pub attributes: crate::Attributes,
	/// Capacity it offers; its bond covers it.
	pub offered: crate::Resources,
	/// Capacity its open leases hold; never more than `offered`.
	pub allocated: crate::Resources,
	/// Its standing price list, per resource unit per block.
	pub prices: crate::ResourcePrices<Balance>,
	/// Where it is in its lifecycle.
	pub status: ProviderStatus,
	/// What the chain has observed of its service.
	pub reputation: Reputation,
	/// Block it registered at.
	pub registered_at: BlockNumber,
}

impl<Balance, BlockNumber> ProviderInfo<Balance, BlockNumber> {
	/// Capacity offered and not allocated.
	pub fn free(&self) -> crate::Resources {
		self.offered.saturating_sub(&self.allocated)
	}

	/// The record the registry stores and the attributes it keeps apart.
	pub fn split(self) -> (ProviderRecord<Balance, BlockNumber>, crate::Attributes) {
		let ProviderInfo {
			endpoint,
			region,
			attributes,
			offered,
			allocated,
			prices,
			status,
			reputation,
			registered_at,
		} = self;
		let record = ProviderRecord {
			endpoint,
			region,
			offered,
			allocated,
			prices,
			status,
			reputation,
			registered_at,
		};
		(record, attributes)
	}
}

/// A registered provider without its attributes, as the registry stores it.
///
/// The attributes (up to 32 keys and values, most of a provider's size) are kept apart: leasing
/// capacity reads and writes this small record, and only checking a placement that asks for
/// attributes reads them.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ProviderRecord<Balance, BlockNumber> {
	/// Where its agent answers tenants and validators.
	pub endpoint: crate::Endpoint,
	/// Where its machines are.
	pub region: crate::Region,
	/// Capacity it offers; its bond covers it.
	pub offered: crate::Resources,
	/// Capacity its open leases hold; never more than `offered`.
	pub allocated: crate::Resources,
	/// Its standing price list, per resource unit per block.
	pub prices: crate::ResourcePrices<Balance>,
	/// Where it is in its lifecycle.
	pub status: ProviderStatus,
	/// What the chain has observed of its service.
	pub reputation: Reputation,
	/// Block it registered at.
	pub registered_at: BlockNumber,
}

impl<Balance, BlockNumber> ProviderRecord<Balance, BlockNumber> {
	/// Capacity offered and not allocated.
	pub fn free(&self) -> crate::Resources {
		self.offered.saturating_sub(&self.allocated)
	}

	/// The record with its attributes, as the runtime API shows it.
	pub fn with_attributes(
		self,
		attributes: crate::Attributes,
	) -> ProviderInfo<Balance, BlockNumber> {
		let ProviderRecord {
			endpoint,
			region,
			offered,
			allocated,
			prices,
			status,
			reputation,
			registered_at,
		} = self;
		ProviderInfo {
			endpoint,
			region,
			attributes,
			offered,
			allocated,
			prices,
			status,
			reputation,
			registered_at,
		}
	}
}

/// Which providers a listing returns; every given criterion must hold.
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ProviderFilter {
	/// Free capacity at least this.
	pub min_free: Option<crate::Resources>,
	/// Attributes the provider must declare with exactly these values.
	pub attributes: alloc::vec::Vec<(alloc::vec::Vec<u8>, alloc::vec::Vec<u8>)>,
	/// Regions the provider must be in (any of them); empty for any region.
	pub regions: alloc::vec::Vec<alloc::vec::Vec<u8>>,
	/// Status the provider must have.
	pub status: Option<ProviderStatus>,
}

impl ProviderFilter {
	/// Whether `info` meets every criterion.
	pub fn matches<B, N>(&self, info: &ProviderInfo<B, N>) -> bool {
		self.min_free.is_none_or(|min| min.fits_within(&info.free()))
			&& self.status.is_none_or(|status| status == info.status)
			&& (self.regions.is_empty()
				|| self.regions.iter().any(|region| region.as_slice() == info.region.as_slice()))
			&& self.attributes.iter().all(|(key, value)| {
				crate::attributes::value_of(&info.attributes, key)
					.is_some_and(|have| have.as_slice() == value.as_slice())
			})
	}
}

/// Most providers one page of a listing returns.
pub const MAX_PROVIDER_PAGE_SIZE: u32 = 100;
/// Most providers one listing call examines, matching or not; a page may end early at this
/// bound and carry on from its `next`.
pub const MAX_PROVIDERS_SCANNED: u32 = 1_000;

/// One page of a provider listing.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ProviderPage<AccountId, Balance, BlockNumber> {
	/// Matching providers, in storage order.
	pub providers: alloc::vec::Vec<(AccountId, ProviderInfo<Balance, BlockNumber>)>,
	/// Where the next page starts (pass it as `start_after`), `None` when the listing is done.
	pub next: Option<AccountId>,
}
