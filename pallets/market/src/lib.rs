//! # Market
//!
//! Where tenants rent providers' capacity. A tenant opens an order (spec, replicas, highest
//! price, duration, placement, manifest hash, bid window) with its initial escrow held;
//! providers bid; the tenant accepts bids, or the chain accepts the lowest ones when the window
//! closes. Or the tenant leases straight from a provider at its posted prices (`lease_direct`,
//! one block, no bid round). Each lease is `Pending` until its provider confirms the workload
//! runs, then `Active` and paid block by block through pallet-payments, until the tenant or the
//! provider closes it, its escrow runs out or its duration ends.
//!
//! Nothing needs a keeper to stay correct: start deadlines, expiries and bid windows sit in a
//! per-block agenda, in pages, so it is never full; `on_initialize` works through a bounded
//! number of entries at a time, carrying the rest to the next block, skipping entries that a
//! top-up or a close made stale, and retrying (with an event) an entry that failed.
//!
//! Every record a caller creates carries a storage deposit (orders and leases from the tenant,
//! bids from the provider), returned when the record goes. A lease left pending costs whoever
//! may have caused it its start stake: see `docs/protocol.md` for why no party profits.
//!
//! This file is the table of contents. Orders and bids are in `orders.rs`, the lease lifecycle
//! in `leases.rs`, the agenda and its hook in `agenda.rs`, the records in `types.rs`, upgrades
//! of stored records in `migrations.rs`.

#![cfg_attr(not(feature = "std"), no_std)]
// `create_order` and `lease_direct` take each term of an order as its own argument, as the
// protocol names them, so that clients and explorers show them one by one.
#![allow(clippy::too_many_arguments)]

extern crate alloc;

pub use pallet::*;

mod agenda;
#[cfg(test)]
mod attacks;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod leases;
pub mod migrations;
#[cfg(test)]
mod mock;
mod orders;
#[cfg(test)]
mod proptests;
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
		traits::{CapacityAllocator, LeaseEscrow, OnLeaseClosed, ProviderInspect, SlashStake},
		CloseReason, LeaseId, OrderId, Placement, Resources,
	};

	/// The in-code storage version: 1 since placements left the order and an order's deposit
	/// joined its escrow's hold ([`crate::migrations`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency: order escrows and bid deposits are held in it.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// The provider registry.
		type Providers: ProviderInspect<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>
			+ CapacityAllocator<Self::AccountId>;

		/// Lease escrows (pallet-payments).
		type Escrow: LeaseEscrow<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;

		/// Provider stake, slashed (to the treasury) when a lease is never started.
		type Slash: SlashStake<Self::AccountId, BalanceOf<Self>>;

		/// Told of every lease that closes (storage deals replace the holders they lose).
		type OnLeaseClosed: OnLeaseClosed<Self::AccountId, BalanceOf<Self>>;

		/// Storage deposit a provider holds with each bid, back when its order has ended and
		/// its bids are released (the block after), won or lost.
		#[pallet::constant]
		type BidDeposit: Get<BalanceOf<Self>>;

		/// Storage deposit a tenant holds with each order, back when the order ends.
		#[pallet::constant]
		type OrderDeposit: Get<BalanceOf<Self>>;

		/// Storage deposit a tenant holds with each lease, back when the lease closes.
		#[pallet::constant]
		type LeaseDeposit: Get<BalanceOf<Self>>;

		/// The least start stake and escrow of any lease. A lease's start stake is the larger
		/// of this and `StartTimeout` blocks at its rate; its escrow must cover it.
		#[pallet::constant]
		type MinEscrow: Get<BalanceOf<Self>>;

		/// Blocks a provider has to confirm a lease runs.
		#[pallet::constant]
		type StartTimeout: Get<BlockNumberFor<Self>>;

		/// Longest bid window an order may ask for.
		#[pallet::constant]
		type MaxBidWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after its bid window a tenant has to accept bids of a manual order.
		#[pallet::constant]
		type AcceptPeriod: Get<BlockNumberFor<Self>>;

		/// Most bids on one order.
		#[pallet::constant]
		type MaxBidsPerOrder: Get<u32>;

		/// Most replicas of one order.
		#[pallet::constant]
		type MaxReplicas: Get<u32>;

		/// Agenda entries per storage page; a block takes any number of pages.
		#[pallet::constant]
		type AgendaPageSize: Get<u32>;

		/// Blocks after which an agenda entry that failed is tried again.
		#[pallet::constant]
		type AgendaRetryDelay: Get<BlockNumberFor<Self>>;

		/// Most agenda entries the hook handles in one block; the rest waits for the next.
		#[pallet::constant]
		type MaxDueHandledPerBlock: Get<u32>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up what the benchmarks need from other pallets (providers, auditors).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// What an open order holds from its tenant: the initial escrow of the leases it has
		/// not opened yet and the order's storage deposit, in one hold.
		OrderEscrow,
		/// A provider's bid deposit.
		BidDeposit,
		/// A tenant's storage deposit for a lease.
		StorageDeposit,
	}

	/// The next order's id.
	#[pallet::storage]
	pub type NextOrderId<T: Config> = StorageValue<_, OrderId, ValueQuery>;

	/// The next lease's id.
	#[pallet::storage]
	pub type NextLeaseId<T: Config> = StorageValue<_, LeaseId, ValueQuery>;

	/// Open orders.
	#[pallet::storage]
	pub type Orders<T: Config> = StorageMap<_, Twox64Concat, OrderId, OrderOf<T>>;

	/// The placement of each open order that asks for one (none for the default, which admits
	/// any provider); read only to check a provider against it.
	#[pallet::storage]
	pub type Placements<T: Config> = StorageMap<_, Twox64Concat, OrderId, Placement<T::AccountId>>;

	/// The bids on each order, by provider: a bid is read and written alone, so bidding and
	/// accepting cost the same whatever the number of bids. An ended order's bids wait for the
	/// agenda to release them.
	#[pallet::storage]
	pub type Bids<T: Config> =
		StorageDoubleMap<_, Twox64Concat, OrderId, Blake2_128Concat, T::AccountId, BidOf<T>>;

	/// How many bids each order has had (at most `MaxBidsPerOrder`); the next bid's `seq`.
	#[pallet::storage]
	pub type BidCount<T: Config> = StorageMap<_, Twox64Concat, OrderId, u32, ValueQuery>;

	/// Pending and active leases.
	#[pallet::storage]
	pub type Leases<T: Config> = StorageMap<_, Twox64Concat, LeaseId, LeaseOf<T>>;

	/// Number of pending and active leases (the hook's weight depends on it through storage
	/// depth).
	#[pallet::storage]
	pub type LeaseCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Every lease of each account, as tenant or as provider.
	#[pallet::storage]
	pub type AccountLeases<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, LeaseId, ()>;

	/// Work due at each block (start deadlines, expiries, bid windows), in pages.
	#[pallet::storage]
	pub type Agenda<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Twox64Concat,
		u32,
		BoundedVec<Due, T::AgendaPageSize>,
		ValueQuery,
	>;

	/// How many agenda pages each block has.
	#[pallet::storage]
	pub type AgendaPages<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, u32, ValueQuery>;

	/// The first agenda block not fully handled yet, its page, and how many of that page's
	/// entries are done.
	#[pallet::storage]
	pub type AgendaCursor<T: Config> = StorageValue<_, (BlockNumberFor<T>, u32, u32), ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `tenant` opened `order`; bids are taken until `bid_window_end`.
		OrderCreated {
			order: OrderId,
			tenant: T::AccountId,
			spec: Resources,
			replicas: u32,
			max_price: BalanceOf<T>,
			bid_window_end: BlockNumberFor<T>,
		},
		/// The tenant cancelled `order`.
		OrderCancelled { order: OrderId },
		/// Every replica of `order` has a lease.
		OrderMatched { order: OrderId },
		/// `order` ended without a lease for every replica.
		OrderExpired { order: OrderId, leases: u32 },
		/// `provider` bid `price` per block on `order`.
		BidPlaced { order: OrderId, provider: T::AccountId, price: BalanceOf<T> },
		/// `order` has ended and `provider`'s bid on it (won, lost or lapsed) is removed; its
		/// deposit is back.
		BidReleased { order: OrderId, provider: T::AccountId },
		/// A lease of `provider`'s capacity for `tenant` at `rate` per block, waiting for the
		/// provider to confirm by `deadline`.
		LeaseCreated {
			lease: LeaseId,
			order: Option<OrderId>,
			tenant: T::AccountId,
			provider: T::AccountId,
			resources: Resources,
			rate: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
		},
		/// The provider confirmed `lease` runs; it is paid from `since`.
		LeaseActivated { lease: LeaseId, since: BlockNumberFor<T> },
		/// The tenant added `amount` to `lease`'s escrow; it is next checked at `expiry_check`.
		LeaseToppedUp { lease: LeaseId, amount: BalanceOf<T>, expiry_check: BlockNumberFor<T> },
		/// `lease` closed.
		LeaseClosed { lease: LeaseId, reason: CloseReason },
		/// `lease` was left pending: `tenant_forfeit` of the tenant's escrow and
		/// `provider_slash` of the provider's stake went to the treasury.
		StartPenalty { lease: LeaseId, tenant_forfeit: BalanceOf<T>, provider_slash: BalanceOf<T> },
		/// An agenda entry failed with `error`; nothing of it was kept and it is tried again
		/// at `retry_at`.
		AgendaEntryFailed { due: Due, error: DispatchError, retry_at: BlockNumberFor<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The spec asks for no capacity.
		EmptySpec,
		/// Replicas must be at least one and at most `MaxReplicas`.
		BadReplicaCount,
		/// A duration, if given, must be at least one block.
		ZeroDuration,
		/// The bid window must be at least one block and at most `MaxBidWindow`.
		BadBidWindow,
		/// The escrow must be more than zero.
		ZeroEscrow,
		/// The escrow must cover the lease's start stake: `MinEscrow`, or `StartTimeout` blocks
		/// at the lease's rate (at the order's highest price for an order) if more.
		EscrowTooLow,
		/// The account's free balance cannot cover the amount.
		InsufficientBalance,
		/// No such order (or it is no longer open).
		UnknownOrder,
		/// No such lease (or it is closed).
		UnknownLease,
		/// Only the order's or lease's tenant may do this.
		NotTenant,
		/// Only the lease's provider may do this.
		NotProvider,
		/// Only the lease's tenant or provider may do this.
		NotParty,
		/// The account is not a registered provider.
		UnknownProvider,
		/// The provider is paused or leaving.
		ProviderNotActive,
		/// The provider's free capacity cannot fit the spec.
		InsufficientCapacity,
		/// The provider does not meet the order's placement requirements.
		PlacementNotMet,
		/// The price is above what the tenant accepts.
		PriceTooHigh,
		/// The price is zero.
		ZeroPrice,
		/// The bid window has closed.
		BidWindowClosed,
		/// The provider already bid on this order.
		AlreadyBid,
		/// The order has the most bids it may have.
		TooManyBids,
		/// The provider has no bid on this order.
		NoSuchBid,
		/// The provider already serves a replica of this order.
		ProviderAlreadyLeased,
		/// The lease is not pending.
		NotPending,
		/// The lease is not active.
		NotActive,
		/// A sum overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::handle_agenda(now)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Open an order for `replicas` leases of `spec`, each on a distinct provider, at most
		/// `max_price` per block each, holding `escrow_per_replica × replicas` as their initial
		/// escrow. Bids are taken for `bid_window` blocks; with `auto_accept` the chain then
		/// accepts the lowest.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_order())]
		pub fn create_order(
			origin: OriginFor<T>,
			spec: Resources,
			replicas: u32,
			max_price: BalanceOf<T>,
			duration: Option<BlockNumberFor<T>>,
			placement: Placement<T::AccountId>,
			manifest_hash: ManifestHash,
			bid_window: BlockNumberFor<T>,
			auto_accept: bool,
			escrow_per_replica: BalanceOf<T>,
		) -> DispatchResult {
			let tenant = ensure_signed(origin)?;
			Self::do_create_order(
				tenant.clone(),
				OrderOf::<T> {
					tenant,
					spec,
					replicas,
					max_price,
					duration,
					manifest_hash,
					bid_window_end: bid_window,
					auto_accept,
					escrow_per_replica,
					leases: 0,
					deposit: Default::default(),
				},
				placement,
			)
		}

		/// Cancel an open order: the remaining escrow and the order's deposit are released at
		/// once, the bids' deposits by the agenda in the next block. Leases it already opened go
		/// on.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::cancel_order())]
		pub fn cancel_order(origin: OriginFor<T>, order: OrderId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_order(who, order)
		}

		/// Bid `price` per block to serve one replica of `order`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::place_bid())]
		pub fn place_bid(
			origin: OriginFor<T>,
			order: OrderId,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::do_place_bid(provider, order, price)
		}

		/// Accept `provider`'s bid on `order`: a lease of one replica at the bid's price. When
		/// that was the last replica, the order ends; the agenda releases the other bids in the
		/// next block.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::accept_bid())]
		pub fn accept_bid(
			origin: OriginFor<T>,
			order: OrderId,
			provider: T::AccountId,
		) -> DispatchResult {
			let tenant = ensure_signed(origin)?;
			Self::do_accept_bid(tenant, order, provider)
		}

		/// Lease `spec` straight from `provider` at its posted prices (at most `max_rate` per
		/// block), funding the escrow with `escrow`: placed in this block, no bid round.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::lease_direct())]
		pub fn lease_direct(
			origin: OriginFor<T>,
			provider: T::AccountId,
			spec: Resources,
			max_rate: BalanceOf<T>,
			duration: Option<BlockNumberFor<T>>,
			manifest_hash: ManifestHash,
			escrow: BalanceOf<T>,
		) -> DispatchResult {
			let tenant = ensure_signed(origin)?;
			Self::do_lease_direct(tenant, provider, spec, max_rate, duration, manifest_hash, escrow)
		}

		/// Confirm, as the lease's provider, that the workload runs: the lease becomes active
		/// and is paid from this block.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::confirm_lease())]
		pub fn confirm_lease(origin: OriginFor<T>, lease: LeaseId) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::do_confirm_lease(provider, lease)
		}

		/// Close a lease, as its tenant or its provider: capacity is released, the escrow
		/// settled and the rest refunded. Closing a lease that is still pending costs the closer
		/// the lease's start stake, as the start deadline would.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::close_lease()
			.max(T::WeightInfo::close_pending_lease())
			.saturating_add(T::OnLeaseClosed::weight()))]
		pub fn close_lease(origin: OriginFor<T>, lease: LeaseId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_close_lease_by(who, lease)
		}

		/// Add `amount` to a lease's escrow, as its tenant.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::top_up())]
		pub fn top_up(
			origin: OriginFor<T>,
			lease: LeaseId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let tenant = ensure_signed(origin)?;
			Self::do_top_up(tenant, lease, amount)
		}
	}
}
