//! The records this pallet keeps.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{traits::fungible::Inspect, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::LeaseId;
use scale_info::TypeInfo;

/// Balance of the native currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A deal as this pallet stores it.
pub type DealOf<T> = Deal<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxShards,
>;
/// A vacancy as this pallet stores it.
pub type VacancyOf<T> = Vacancy<<T as frame_system::Config>::AccountId>;

/// A Merkle root over 32-byte leaf hashes (`nubes-proofs`' storage commitment).
pub type Root = [u8; 32];

/// Who holds a shard: the provider and the market lease that pays it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Holder<AccountId> {
	/// The provider keeping the shard.
	pub provider: AccountId,
	/// Its lease: pending until the provider confirms it holds the shard, then paid.
	pub lease: LeaseId,
}

/// One shard of a deal: its committed root and its holder, if any.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Shard<AccountId> {
	/// The Merkle root of the shard's chunks: what its holder must hold and is challenged on.
	pub root: Root,
	/// Its holder; `None` while the shard waits for a new one or has lapsed.
	pub holder: Option<Holder<AccountId>>,
}

/// A dApp's content kept by `data + parity` holders, any `data` of which give it back.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxShards))]
pub struct Deal<AccountId, Balance, BlockNumber, MaxShards: frame_support::traits::Get<u32>> {
	/// Who stores and pays.
	pub tenant: AccountId,
	/// The content's root (`nubes-content`): what readers check every byte against.
	pub root: Root,
	/// The content's size in bytes.
	pub size: u64,
	/// Shards holding the content's own chunks.
	pub data: u8,
	/// Shards of parity: as many holders may be lost, and no region holds more shards.
	pub parity: u8,
	/// GiB of storage capacity each holder reserves and is paid for.
	pub shard_gib: u64,
	/// The shards, data first, then parity.
	pub shards: BoundedVec<Shard<AccountId>, MaxShards>,
	/// Highest rate per block the tenant pays one holder.
	pub max_rate: Balance,
	/// What each new holder's escrow is funded with (a replacement's from `reserve`).
	pub escrow_per_shard: Balance,
	/// The block the deal ends at, if it has a duration: replacements run until then.
	pub ends_at: Option<BlockNumber>,
	/// Held on the tenant to fund replacement holders; what a lost holder's escrow gives back
	/// comes here.
	pub reserve: Balance,
	/// Storage deposit held on the tenant for this record, back when the deal goes.
	pub deposit: Balance,
}

/// A shard waiting for a new holder.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Vacancy<AccountId> {
	/// The holder it lost: never chosen again for this shard.
	pub lost: AccountId,
	/// The next registry slot to look at for a new holder.
	pub next_slot: u32,
	/// Slots looked at so far: once all were seen without a fit, the search starts over
	/// (capacity frees up) and says so.
	pub looked: u32,
	/// Whether the tenant was told the reserve cannot fund a replacement (said once).
	pub unfunded: bool,
}

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Makes `who` a funded, bonded, active provider in `region` offering `storage_gib` GiB of
	/// storage at `per_gib` per GiB per block.
	fn register_provider(
		who: &AccountId,
		region: nubes_primitives::Region,
		storage_gib: u64,
		per_gib: Balance,
	);
	/// Lets `provider` confirm `lease` (it holds its shard).
	fn confirm(provider: &AccountId, lease: nubes_primitives::LeaseId);
}
