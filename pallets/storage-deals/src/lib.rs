//! # Storage deals
//!
//! Where a dApp keeps its content. A tenant cuts its content (a file or a directory, see
//! `nubes-content`) into `data + parity` erasure-coded shards and opens a deal committing to the
//! content's root, its size and each shard's root, naming one holder per shard: distinct
//! providers, no region holding more than `parity` shards, so losing any one region loses
//! nothing. Each holder is a market lease of the shard's storage at the holder's posted price
//! per GiB, bound to the shard's root: the provider confirms once it holds the shard, under the
//! same start rules, escrow, lazy settlement, faults and forced exits as any lease.
//!
//! When a holder is lost (forced out, leaving, closing, never confirming, running out of
//! escrow), the shard becomes vacant and the chain picks a new holder itself, walking the
//! registry's slots from a point drawn from the block's parent hash, under the region rule and
//! the tenant's price cap, funded from the deal's reserve (into which whatever the lost holder's
//! escrow gave back goes). The new holder rebuilds the shard from any `data` others and
//! confirms. Vacancies are visited `MaxRepairsPerBlock` at a time, in a ring.
//!
//! This file is the table of contents. Opening, funding and closing deals are in `deals.rs`;
//! losing and replacing holders in `repair.rs`; the records in `types.rs`.

#![cfg_attr(not(feature = "std"), no_std)]
// `create_deal` takes each term of a deal as its own argument, as the protocol names them.
#![allow(clippy::too_many_arguments)]

extern crate alloc;

pub use pallet::*;

#[cfg(test)]
mod attacks;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod deals;
#[cfg(test)]
mod mock;
mod repair;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, InspectHold, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use nubes_primitives::{
		traits::{ManagedLeases, ProviderDirectory, ProviderInspect},
		CloseReason, DealId, LeaseId,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency: reserves and deposits are held in it.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// The provider registry: records (region, status, prices, free capacity) and the slot
		/// index walked to find new holders.
		type Providers: ProviderInspect<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>
			+ ProviderDirectory<Self::AccountId>;

		/// The market, which opens and closes the holders' leases.
		type Leases: ManagedLeases<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;

		/// Most shards (data and parity) of one deal.
		#[pallet::constant]
		type MaxShards: Get<u32>;

		/// Largest content a deal may store, in bytes.
		#[pallet::constant]
		type MaxDealBytes: Get<u64>;

		/// Storage deposit of a deal record, whatever its size.
		#[pallet::constant]
		type DealDepositBase: Get<BalanceOf<Self>>;

		/// Storage deposit of each shard of a deal (its place in the record and its lease
		/// index).
		#[pallet::constant]
		type DealDepositPerShard: Get<BalanceOf<Self>>;

		/// Blocks a holder has to confirm its lease: to receive its shard (or rebuild it from
		/// the others) and seal it, which takes about a second per 256 KiB chunk per core.
		#[pallet::constant]
		type HolderStartTimeout: Get<BlockNumberFor<Self>>;

		/// Most vacancies the hook tries to fill in one block.
		#[pallet::constant]
		type MaxRepairsPerBlock: Get<u32>;

		/// Registry slots looked at per vacancy per try.
		#[pallet::constant]
		type RepairProbes: Get<u32>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up the providers the benchmarks need.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A deal's reserve for replacing lost holders.
		DealReserve,
		/// A tenant's storage deposit for a deal.
		StorageDeposit,
	}

	/// The next deal's id.
	#[pallet::storage]
	pub type NextDealId<T: Config> = StorageValue<_, DealId, ValueQuery>;

	/// Every deal until it is closed or all its shards have lapsed.
	#[pallet::storage]
	pub type Deals<T: Config> = StorageMap<_, Twox64Concat, DealId, DealOf<T>>;

	/// The deals storing each content root: how a reader (`nubes store get ROOT`, a gateway)
	/// finds a deal's holders from the root alone. Several tenants may store the same content;
	/// each entry is paid for by its deal's deposit and goes with its deal. The root is chosen
	/// by the tenant, so it is hashed again before it places the key.
	#[pallet::storage]
	pub type DealsByRoot<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, Root, Twox64Concat, DealId, ()>;

	/// The deal and shard each holder's lease keeps: how a closed lease is traced to its shard,
	/// and what validators challenge a provider on.
	#[pallet::storage]
	pub type ShardOf<T: Config> = StorageMap<_, Twox64Concat, LeaseId, (DealId, u8)>;

	/// Shards waiting for a new holder (at most `MaxShards` per deal, each paid for by the
	/// deal's deposit).
	#[pallet::storage]
	pub type Vacancies<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DealId, Twox64Concat, u8, VacancyOf<T>>;

	/// The vacancy the hook visited last: it goes on after it, in a ring.
	#[pallet::storage]
	pub type RepairCursor<T: Config> = StorageValue<_, (DealId, u8)>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `tenant` opened `deal` for content `root` of `size` bytes in `data + parity` shards
		/// of `shard_gib` GiB each.
		DealCreated {
			deal: DealId,
			tenant: T::AccountId,
			root: Root,
			size: u64,
			data: u8,
			parity: u8,
			shard_gib: u64,
		},
		/// `provider` was chosen to hold `shard` of `deal` under `lease`; it confirms the lease
		/// once it holds the shard.
		HolderAssigned { deal: DealId, shard: u8, provider: T::AccountId, lease: LeaseId },
		/// `provider` no longer holds `shard` of `deal` (its lease closed for `reason`); the chain
		/// looks for a new holder.
		HolderLost { deal: DealId, shard: u8, provider: T::AccountId, reason: CloseReason },
		/// `shard` of `deal` reached the end of its duration and is no longer kept.
		ShardLapsed { deal: DealId, shard: u8 },
		/// The reserve of `deal` (`reserve`) cannot fund a new holder for `shard`, which needs
		/// `needed`: the tenant may fund the deal.
		RepairUnfunded { deal: DealId, shard: u8, reserve: BalanceOf<T>, needed: BalanceOf<T> },
		/// No provider in the registry could take `shard` of `deal` (capacity, price, region);
		/// the search starts over.
		NoHolderFound { deal: DealId, shard: u8 },
		/// The tenant added `amount` to the reserve of `deal`.
		DealFunded { deal: DealId, amount: BalanceOf<T> },
		/// The tenant closed `deal`: its holders' leases closed, its reserve and deposit are back.
		DealClosed { deal: DealId },
		/// Every shard of `deal` lapsed: its reserve and deposit are back.
		DealEnded { deal: DealId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The content is empty.
		EmptyContent,
		/// The content is larger than `MaxDealBytes`.
		ContentTooLarge,
		/// There must be at least one data and one parity shard, and at most `MaxShards` in all.
		BadErasure,
		/// One shard root and one holder are needed for each shard.
		ShardCountMismatch,
		/// A provider may hold only one shard of a deal.
		DuplicateHolder,
		/// A region would hold more shards than the deal's parity: losing it would lose the
		/// content.
		RegionOverloaded,
		/// A holder is not a registered provider.
		UnknownProvider,
		/// No such deal.
		UnknownDeal,
		/// Only the deal's tenant may do this.
		NotTenant,
		/// The amount is zero.
		ZeroAmount,
		/// The account's free balance cannot cover the amount.
		InsufficientBalance,
		/// A sum overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_now: BlockNumberFor<T>) -> Weight {
			Self::repair_some()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Store content `root` of `size` bytes as `data + parity` shards whose roots are
		/// `shard_roots`, shard `i` held by `holders[i]` at its posted price (at most `max_rate`
		/// per block per holder) with `escrow_per_shard` in escrow, for `duration` blocks or
		/// until closed; `reserve` is held to fund replacements of lost holders.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_deal(holders.len() as u32))]
		pub fn create_deal(
			origin: OriginFor<T>,
			root: Root,
			size: u64,
			data: u8,
			parity: u8,
			shard_roots: BoundedVec<Root, T::MaxShards>,
			holders: BoundedVec<T::AccountId, T::MaxShards>,
			max_rate: BalanceOf<T>,
			duration: Option<BlockNumberFor<T>>,
			escrow_per_shard: BalanceOf<T>,
			reserve: BalanceOf<T>,
		) -> DispatchResult {
			let tenant = ensure_signed(origin)?;
			Self::do_create_deal(
				tenant,
				root,
				size,
				(data, parity),
				shard_roots,
				holders,
				max_rate,
				duration,
				escrow_per_shard,
				reserve,
			)
		}

		/// Add `amount` to the reserve that funds replacement holders of `deal`, as its tenant.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::fund_deal())]
		pub fn fund_deal(
			origin: OriginFor<T>,
			deal: DealId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let tenant = ensure_signed(origin)?;
			Self::do_fund_deal(tenant, deal, amount)
		}

		/// Close `deal`, as its tenant: every holder's lease closes under the market's rules (a
		/// holder that has not confirmed yet costs the tenant that lease's start stake), and
		/// the reserve and deposit are released.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::close_deal(T::MaxShards::get()))]
		pub fn close_deal(origin: OriginFor<T>, deal: DealId) -> DispatchResultWithPostInfo {
			let tenant = ensure_signed(origin)?;
			let shards = Self::do_close_deal(tenant, deal)?;
			Ok(Some(T::WeightInfo::close_deal(shards)).into())
		}
	}
}
