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
	/// A placement that asks for nothing: every provider meets it (the default, for any
	/// account type).
	pub fn any() -> Self {
		Placement {
			attributes: Default::default(),
			regions: Default::default(),
			attested_by: None,
			min_reputation: MinReputation::default(),
		}
	}

	/// Whether it asks for nothing, so that every provider meets it (the default).
	pub fn admits_any(&self) -> bool {
		self.attributes.is_empty()
			&& self.regions.is_empty()
			&& self.attested_by.is_none()
			&& self.min_reputation == MinReputation::default()
	}

	/// Whether a provider described by `record` may serve this placement. `attributes()` gives
	/// the attributes it declares and `attested(auditor)` those `auditor` attests; each is asked
	/// at most once, and only when the placement requires attributes (and, for the second,
	/// names an auditor), so a placement without attributes never reads them.
	pub fn admits<B, N>(
		&self,
		record: &crate::ProviderRecord<B, N>,
		attributes: impl FnOnce() -> crate::Attributes,
		attested: impl FnOnce(&AccountId) -> crate::AttributeMask,
	) -> bool {
		let region_holds = self.regions.is_empty() || self.regions.contains(&record.region);
		let reputation_holds = record.reputation.epochs_served
			>= self.min_reputation.min_epochs_served
			&& record.reputation.consecutive_faults <= self.min_reputation.max_consecutive_faults;
		if !(region_holds && reputation_holds) {
			return false;
		}
		if self.attributes.is_empty() {
			return true;
		}
		let declared = attributes();
		let attested = self.attested_by.as_ref().map(attested);
		self.attributes.iter().all(|required| {
			let Some(index) = crate::attributes::index_of(&declared, &required.key) else {
				return false;
			};
			declared.get(index).is_some_and(|have| have.value == required.value)
				&& attested.is_none_or(|mask| mask & crate::attributes::bit(index) != 0)
		})
	}
}
