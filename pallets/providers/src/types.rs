//! The records this pallet keeps and the helpers its genesis and benchmarks need.

use crate::Config;
use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	attributes::MAX_ATTRIBUTES, AttributeKey, AttributeMask, ProviderInfo, ProviderRecord,
	ResourcePrices, Resources,
};
use scale_info::TypeInfo;

/// A provider with its attributes, as the runtime API shows it.
pub type ProviderInfoOf<T> = ProviderInfo<<T as Config>::Balance, BlockNumberFor<T>>;
/// A provider's record as this pallet stores it, without its attributes.
pub type ProviderRecordOf<T> = ProviderRecord<<T as Config>::Balance, BlockNumberFor<T>>;

/// Attribute keys an auditor attests, sorted.
pub type AttestedKeys = BoundedVec<AttributeKey, ConstU32<MAX_ATTRIBUTES>>;

/// What one auditor attests of one provider: a set over the provider's current attribute list,
/// remapped whenever the provider changes its attributes (a changed value drops out).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Attestation<AccountId> {
	/// Who attests.
	pub auditor: AccountId,
	/// The attested attributes, never empty.
	pub attested: AttributeMask,
}

/// A provider's attestations as this pallet stores them: at most one per auditor.
pub type AttestationsOf<T> =
	BoundedVec<Attestation<<T as frame_system::Config>::AccountId>, <T as Config>::MaxAuditors>;

/// A provider registered at genesis (dev and test networks), in human-readable form.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenesisProvider<AccountId, Balance> {
	/// The provider's account; its bond comes from the stake pallet's genesis.
	pub account: AccountId,
	/// Its agent's endpoint URL.
	pub endpoint: String,
	/// Its region.
	pub region: String,
	/// Its attributes as `(key, value)`.
	pub attributes: Vec<(String, String)>,
	/// Capacity it offers.
	pub capacity: Resources,
	/// Its price list.
	pub prices: ResourcePrices<Balance>,
}

/// What the benchmarks need from the runtime: a way to bond an account.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Funds `who` and bonds `amount` of it.
	fn bond(who: &AccountId, amount: Balance);
}
