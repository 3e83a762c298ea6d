//! The interfaces through which the Nubes pallets use one another. Each pallet depends on these
//! traits, not on the other pallets, so each builds and tests alone against a mock.

use crate::Resources;
use sp_runtime::{DispatchError, DispatchResult, Perbill};

/// What the stake pallet tells the registry about a provider's bond.
pub trait ProviderBond<AccountId, Balance> {
	/// The bond `who` holds that is not unbonding.
	fn active_bond(who: &AccountId) -> Balance;
	/// Everything `who` has staked, active and unbonding.
	fn total_stake(who: &AccountId) -> Balance;
	/// The bond that offering `capacity` requires; `None` if it does not fit in `Balance`.
	fn required_bond(capacity: &Resources) -> Option<Balance>;
	/// Moves all of `who`'s active bond into unbonding (the provider leaves the market).
	fn unbond_all(who: &AccountId) -> DispatchResult;
}

/// What the registry tells the stake pallet about the capacity a bond backs.
pub trait BackedCapacity<AccountId> {
	/// The capacity whose bond `who` must keep (zero for accounts that offer nothing).
	fn capacity_to_back(who: &AccountId) -> Resources;
	/// `who` has withdrawn its whole stake: a leaving provider can now be forgotten.
	fn on_stake_withdrawn(who: &AccountId);
	/// `who`'s stake was slashed: its bond may no longer cover its capacity.
	fn on_slashed(who: &AccountId);
}

/// Allocation of provider capacity, called by the market when leases open and close.
pub trait CapacityAllocator<AccountId> {
	/// Takes `resources` of `who`'s free capacity for a lease.
	fn allocate(who: &AccountId, resources: &Resources) -> DispatchResult;
	/// Gives back `resources` a closed lease held.
	fn release(who: &AccountId, resources: &Resources) -> DispatchResult;
	/// Capacity `who` offers and has not allocated, `None` if `who` is not a provider.
	fn free_capacity(who: &AccountId) -> Option<Resources>;
}

/// How much of a stake a slash takes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlashAmount<Balance> {
	/// A fixed amount (or all there is, if less).
	Exact(Balance),
	/// A share of everything the provider has staked, active and unbonding.
	Fraction(Perbill),
}

/// Slashing of provider stake, used by the market (start timeouts) and the attestation verdicts.
pub trait SlashStake<AccountId, Balance> {
	/// Slashes `who`, taking from the active bond first and then from unbonding chunks. Each
	/// beneficiary receives its share of what was actually slashed; the rest goes to the
	/// treasury. Returns what was actually slashed.
	fn slash(
		who: &AccountId,
		amount: SlashAmount<Balance>,
		beneficiaries: &[(AccountId, Perbill)],
	) -> Result<Balance, DispatchError>;
}

/// Updates of a provider's reputation, fed by the attestation verdicts.
pub trait ReputationRecorder<AccountId> {
	/// An epoch of `who`'s was judged faulty.
	fn record_fault(who: &AccountId);
	/// An epoch of `who`'s was judged served.
	fn record_served(who: &AccountId);
}
