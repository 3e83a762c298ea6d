//! The records this pallet keeps.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::fungible::Inspect;
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{LeaseId, OrderId, Resources};
use scale_info::TypeInfo;

/// Balance of the native currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// An order as this pallet stores it, without its placement.
pub type OrderOf<T> =
	Order<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A lease as this pallet stores it.
pub type LeaseOf<T> =
	Lease<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A bid as this pallet stores it.
pub type BidOf<T> = Bid<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// A hash binding the workload description, which stays off chain.
pub type ManifestHash = [u8; 32];

/// A tenant's request for capacity, open to bids until matched, cancelled or expired.
///
/// Its placement is kept apart ([`crate::Placements`], only when it asks for something): it is
/// most of an order's size, and only checking a provider against it needs it, so cancelling,
/// accepting and expiring read and write a small record.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Order<AccountId, Balance, BlockNumber> {
	/// Who orders and pays.
	pub tenant: AccountId,
	/// What each replica needs.
	pub spec: Resources,
	/// How many leases, each on a distinct provider.
	pub replicas: u32,
	/// Highest price per block per replica the tenant accepts.
	pub max_price: Balance,
	/// Blocks each lease runs; `None` for open-ended.
	pub duration: Option<BlockNumber>,
	/// The workload description's hash.
	pub manifest_hash: ManifestHash,
	/// Bids are taken until (excluding) this block; the call takes the window's length here.
	pub bid_window_end: BlockNumber,
	/// Whether the chain accepts the lowest bids itself when the window closes.
	pub auto_accept: bool,
	/// Initial escrow of each lease, held on the tenant until the lease opens.
	pub escrow_per_replica: Balance,
	/// Leases opened so far.
	pub leases: u32,
	/// Storage deposit for this record and its placement, held with the escrow (under
	/// `OrderEscrow`) and returned when the order ends.
	pub deposit: Balance,
}

/// A provider's offer to serve one replica of an order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Bid<AccountId, Balance> {
	/// Who bids.
	pub provider: AccountId,
	/// Price per block for one replica.
	pub price: Balance,
	/// Whether the tenant (or the chain) accepted it (its deposit stays held until the order's
	/// bids are released, like the others').
	pub accepted: bool,
	/// Its place among the order's bids, from 0: the earlier bid wins a tie on price.
	pub seq: u32,
}

/// Where a lease is in its lifecycle (closed leases are removed; their event says why).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum LeaseState<BlockNumber> {
	/// Waiting for the provider to confirm the workload runs, until `deadline`.
	Pending { deadline: BlockNumber },
	/// Running and paid since `since`.
	Active { since: BlockNumber },
}

/// Capacity of one provider rented by one tenant.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Lease<AccountId, Balance, BlockNumber> {
	/// Who pays.
	pub tenant: AccountId,
	/// Who serves.
	pub provider: AccountId,
	/// The order it came from; `None` for a direct lease.
	pub order: Option<OrderId>,
	/// The capacity it holds.
	pub resources: Resources,
	/// Price per block.
	pub rate: Balance,
	/// The workload description's hash.
	pub manifest_hash: ManifestHash,
	/// Blocks it runs once active; `None` for open-ended.
	pub duration: Option<BlockNumber>,
	/// Pending or active.
	pub state: LeaseState<BlockNumber>,
	/// Storage deposit held from the tenant for this record, returned when the lease closes.
	pub deposit: Balance,
	/// What the side that leaves it pending loses: the tenant (from its escrow) and the provider
	/// (from its stake) at the start deadline, or the side that closes it while pending.
	pub start_stake: Balance,
	/// The agenda block of its next check: the start deadline while pending (later if that
	/// check failed and is retried), the expiry check once active. Entries at other blocks are
	/// stale.
	pub slot: BlockNumber,
}

/// Work the agenda holds for a block.
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
pub enum Due {
	/// A pending lease's start deadline.
	StartDeadline(LeaseId),
	/// An active lease may have run out of escrow or reached its duration.
	Expiry(LeaseId),
	/// An order's bid window closes.
	BidWindowClose(OrderId),
	/// An order that was not matched in time ends.
	OrderExpiry(OrderId),
	/// An order ended: the deposits of its bids go back, accepted or not, and its bids
	/// are removed (`MaxBidsPerOrder` at most, so the entry is bounded).
	ReleaseBids(OrderId),
}

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Makes `who` a funded, bonded, active provider in `region` declaring `attributes` and offering
	/// `capacity` at `prices`.
	fn register_provider(
		who: &AccountId,
		region: nubes_primitives::Region,
		attributes: nubes_primitives::Attributes,
		capacity: Resources,
		prices: nubes_primitives::ResourcePrices<Balance>,
	);
	/// Makes `auditor` an auditor that attests every attribute of `provider`.
	fn attest_all(provider: &AccountId, auditor: &AccountId);
}
