//! Market identifiers and lease lifecycle types shared by the market and payments pallets, their
//! runtime APIs, the client and the agent.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifies an order.
pub type OrderId = u64;
/// Identifies a lease.
pub type LeaseId = u64;

/// Why a lease closed.
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
pub enum CloseReason {
	/// The tenant closed it.
	TenantClosed,
	/// The provider closed it.
	ProviderClosed,
	/// Its escrow ran out.
	InsufficientFunds,
	/// The provider did not confirm the start in time.
	StartTimeout,
	/// The provider was forced out for repeated faults.
	ProviderFaulty,
	/// The provider left the market.
	ProviderLeft,
	/// Its duration ended.
	Expired,
}

/// Most regions an order may accept.
pub const MAX_PLACEMENT_REGIONS: u32 = 16;

/// The least reputation a provider must have to serve an order.
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
#[serde(rename_all = "camelCase")]
pub struct MinReputation {
	/// Epochs the provider must have served.
	pub min_epochs_served: u32,
	/// Faulty epochs in a row the provider may have at most.
	pub max_consecutive_faults: u32,
}

impl Default for MinReputation {
	fn default() -> Self {
		Self { min_epochs_served: 0, max_consecutive_faults: u32::MAX }
	}
}

/// Where an order may run: every criterion must hold for a provider to bid or be leased.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Placement<AccountId> {
	/// Attributes the provider must declare with exactly these values.
	pub attributes: crate::Attributes,
	/// Regions the provider may be in (any of them); empty for any region.
	pub regions:
		sp_runtime::BoundedVec<crate::Region, sp_runtime::traits::ConstU32<MAX_PLACEMENT_REGIONS>>,
	/// If set, this auditor must attest every required attribute.
	pub attested_by: Option<AccountId>,
	/// The least reputation the provider must have.
	pub min_reputation: MinReputation,
}

impl<AccountId> Placement<AccountId> {
	/// Whether a provider described by `info` may serve this placement; `attested(auditor)` gives
	/// the provider's attributes `auditor` attests, asked at most once and only when the
	/// placement names an auditor.
	pub fn admits<B, N>(
		&self,
		info: &crate::ProviderInfo<B, N>,
		attested: impl FnOnce(&AccountId) -> crate::AttributeMask,
	) -> bool {
		let attested = self.attested_by.as_ref().map(attested);
		let attributes_hold = self.attributes.iter().all(|required| {
			let Some(index) = crate::attributes::index_of(&info.attributes, &required.key) else {
				return false;
			};
			info.attributes.get(index).is_some_and(|declared| declared.value == required.value)
				&& attested.is_none_or(|mask| mask & crate::attributes::bit(index) != 0)
		});
		let region_holds = self.regions.is_empty() || self.regions.contains(&info.region);
		let reputation_holds = info.reputation.epochs_served
			>= self.min_reputation.min_epochs_served
			&& info.reputation.consecutive_faults <= self.min_reputation.max_consecutive_faults;
		attributes_hold && region_holds && reputation_holds
	}
}
