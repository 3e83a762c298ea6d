//! The record this pallet keeps for each name.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::traits::fungible::Inspect;
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::names::Target;
use scale_info::TypeInfo;

/// Balance of the native currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A name's record as this pallet stores it.
pub type NameRecordOf<T> =
	NameRecord<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// A registered name.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct NameRecord<AccountId, Balance, BlockNumber> {
	/// Who may change, transfer or release it; its deposit is held on this account.
	pub owner: AccountId,
	/// What it points to.
	pub target: Target,
	/// The first block at which it no longer resolves.
	pub expires: BlockNumber,
	/// What is held on the owner for it.
	pub deposit: Balance,
}

impl<AccountId, Balance, BlockNumber: PartialOrd> NameRecord<AccountId, Balance, BlockNumber> {
	/// Whether the name resolves at block `now`: what a gateway asks at the finalized block.
	pub fn resolves_at(&self, now: BlockNumber) -> bool {
		now < self.expires
	}
}

/// How many leases `target` names (0 for a site): what its check reads.
pub fn replicas(target: &Target) -> u32 {
	match target {
		Target::Site { .. } => 0,
		Target::Deployment { leases } => leases.len() as u32,
	}
}

/// Opens leases for benchmarks: a deployment target must name the caller's own leases.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// An open lease rented by `tenant`, the `i`-th of its kind.
	fn open_lease(tenant: &AccountId, i: u32) -> nubes_primitives::LeaseId;
}
