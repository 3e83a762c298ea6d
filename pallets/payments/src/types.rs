//! The records this pallet keeps.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::traits::fungible::Inspect;
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

/// Balance of the currency escrows are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// An escrow as this pallet stores it.
pub type EscrowOf<T> =
	Escrow<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// The escrow of one lease.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Escrow<AccountId, Balance, BlockNumber> {
	/// Who pays; the escrow is held on this account.
	pub tenant: AccountId,
	/// Who is paid.
	pub provider: AccountId,
	/// Price per served block.
	pub rate: Balance,
	/// Held and neither paid nor refunded yet.
	pub balance: Balance,
	/// First chargeable block, once the lease started.
	pub start: Option<BlockNumber>,
	/// Blocks before this one are settled (meaningful once started).
	pub settled_to: BlockNumber,
	/// The lease ended here: nothing from this block on is chargeable.
	pub end: Option<BlockNumber>,
	/// Paid out of it so far for served blocks (provider and fee): what the tenant has put into
	/// this provider, which caps the compensation it may receive from the provider's slash.
	pub paid: Balance,
	/// The provider's fault index at `index_at`, kept to subtract from the index at the next
	/// settlement ("no proof, no pay" in O(1), whatever the number of faults between).
	pub fault_index: u64,
	/// The judged-until block the snapshot `fault_index` was taken at (at most `settled_to`).
	pub index_at: BlockNumber,
}

/// A lease's escrow as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct EscrowStatus<Balance, BlockNumber> {
	/// Held and neither paid nor refunded yet.
	pub balance: Balance,
	/// Price per served block.
	pub rate: Balance,
	/// Blocks before this one are settled; `None` before the lease starts.
	pub settled_to: Option<BlockNumber>,
	/// What settling now would pay (fee included).
	pub accrued: Balance,
	/// The first block the escrow no longer covers if every block is served.
	pub paid_until: Option<BlockNumber>,
}

/// Until the attestation verdicts exist: every block counts as served and is judged as soon as
/// it is produced.
pub struct EveryBlockServed<T>(core::marker::PhantomData<T>);
impl<T: frame_system::Config>
	nubes_primitives::traits::ServedBlocks<T::AccountId, BlockNumberFor<T>> for EveryBlockServed<T>
{
	fn fault_index(_provider: &T::AccountId) -> u64 {
		0
	}

	fn recent_faulty_blocks(
		_provider: &T::AccountId,
		_from: BlockNumberFor<T>,
		_to: BlockNumberFor<T>,
	) -> Option<BlockNumberFor<T>> {
		Some(sp_runtime::traits::Zero::zero())
	}

	fn judged_until() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}
}
