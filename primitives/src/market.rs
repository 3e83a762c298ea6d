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
