//! Runtime API of the market, for the node's `nubes_*` RPC methods, the CLI and the agent:
//! quote a spec, read an order with its bids, list an account's leases, read a lease with its
//! escrow.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use nubes_primitives::{LeaseId, OrderId, Placement, Resources};
use pallet_market::{Bid, Lease, Order};
use pallet_payments::EscrowStatus;
use scale_info::TypeInfo;

/// Most quotes one call returns.
pub const MAX_QUOTES: u32 = 100;
/// Most providers one quote examines.
pub const MAX_QUOTE_SCAN: u32 = 10_000;
/// Most leases one page of a listing returns; callers page on with [`LeasePage::next`].
pub const MAX_LEASES_LISTED: u32 = 1_000;

/// A provider's standing offer for a spec.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Quote<AccountId, Balance> {
	/// The provider.
	pub provider: AccountId,
	/// What the spec costs per block at its posted prices.
	pub rate: Balance,
	/// Its free capacity.
	pub free: Resources,
}

/// An open order and its bids.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct OrderDetails<AccountId, Balance, BlockNumber> {
	/// The order.
	pub order: Order<AccountId, Balance, BlockNumber>,
	/// Where it may run (the default, which admits any provider, if it asked nothing).
	pub placement: Placement<AccountId>,
	/// Its bids, in the order they came.
	pub bids: Vec<Bid<AccountId, Balance>>,
}

/// A lease and its escrow.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct LeaseDetails<AccountId, Balance, BlockNumber> {
	/// The lease's id.
	pub id: LeaseId,
	/// The lease.
	pub lease: Lease<AccountId, Balance, BlockNumber>,
	/// Its escrow: balance, settled-to block, accrued pay, paid-until block.
	pub escrow: Option<EscrowStatus<Balance, BlockNumber>>,
}

/// One page of an account's leases.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct LeasePage<AccountId, Balance, BlockNumber> {
	/// The leases, in storage order.
	pub leases: Vec<LeaseDetails<AccountId, Balance, BlockNumber>>,
	/// Where the next page starts (pass it as `start_after`), `None` when the listing is done.
	pub next: Option<LeaseId>,
}

sp_api::decl_runtime_apis! {
	/// Reads of the market.
	pub trait MarketApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The cheapest active providers that can take `spec` under `placement` now, cheapest
		/// first, at most `limit` (capped at [`MAX_QUOTES`]).
		fn quote(spec: Resources, placement: Placement<AccountId>, limit: u32) -> Vec<Quote<AccountId, Balance>>;

		/// An open order with its bids.
		fn order(id: OrderId) -> Option<OrderDetails<AccountId, Balance, BlockNumber>>;

		/// The leases of `who`, as tenant or provider, in storage order: those after
		/// `start_after`, at most `limit` (capped at [`MAX_LEASES_LISTED`]). Every lease is
		/// reached by following [`LeasePage::next`], however many the account has.
		fn leases_of(who: AccountId, start_after: Option<LeaseId>, limit: u32) -> LeasePage<AccountId, Balance, BlockNumber>;

		/// One lease with its escrow.
		fn lease(id: LeaseId) -> Option<LeaseDetails<AccountId, Balance, BlockNumber>>;
	}
}
