//! The records this pallet keeps.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{fungible::Inspect, Get},
	BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::ResourcePrices;
use scale_info::TypeInfo;
use sp_runtime::traits::{CheckedAdd, Zero};

/// Balance of the currency bonds are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A provider's stake as this pallet stores it.
pub type LedgerOf<T> =
	StakeLedger<BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxUnlockingChunks>;

/// The bond requirement as this pallet stores it.
pub type BondParamsOf<T> = BondParams<BalanceOf<T>>;

/// Part of a bond on its way out: slashable until withdrawn at `unlock_at`.
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
)]
pub struct UnlockChunk<Balance, BlockNumber> {
	/// Amount unbonding.
	pub value: Balance,
	/// First block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// A provider's stake: all of it is held under the bond hold reason.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxChunks))]
pub struct StakeLedger<
	Balance: Clone + PartialEq + Eq + core::fmt::Debug + Default,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxChunks: Get<u32>,
> {
	/// Bond backing the offered capacity.
	pub active: Balance,
	/// Bond unbonding, oldest first.
	pub unlocking: BoundedVec<UnlockChunk<Balance, BlockNumber>, MaxChunks>,
}

impl<Balance, BlockNumber, MaxChunks> StakeLedger<Balance, BlockNumber, MaxChunks>
where
	Balance: Copy + PartialEq + Eq + core::fmt::Debug + Default + CheckedAdd + Zero,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxChunks: Get<u32>,
{
	/// Everything held: active plus unbonding. `None` on overflow (which holds cannot reach).
	pub fn total(&self) -> Option<Balance> {
		self.unlocking.iter().try_fold(self.active, |sum, chunk| sum.checked_add(&chunk.value))
	}

	/// Whether nothing is left, active or unbonding.
	pub fn is_empty(&self) -> bool {
		self.active.is_zero() && self.unlocking.iter().all(|chunk| chunk.value.is_zero())
	}
}

/// The bond offered capacity requires: `base + per_unit × capacity` (zero for zero capacity).
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
pub struct BondParams<Balance> {
	/// Bond any provider needs, whatever it offers.
	pub base: Balance,
	/// Bond per unit of each offered resource.
	pub per_unit: ResourcePrices<Balance>,
}
