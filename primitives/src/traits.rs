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

/// A party to compensate from a slash: paid in proportion to `weight` (its exposure), never more
/// than `cap` (what it put in and may have lost).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Compensation<AccountId, Balance> {
	/// Who is compensated.
	pub who: AccountId,
	/// Its share of the pool is `weight / Σ weights`.
	pub weight: Balance,
	/// The most it receives.
	pub cap: Balance,
}

/// Slashing of provider stake, used by the market (start timeouts) and the attestation verdicts.
pub trait SlashStake<AccountId, Balance> {
	/// Slashes `who`, taking from the active bond first and then from unbonding chunks. A fixed
	/// share of what was slashed is burnt; of the rest, at most `pool` of it is shared among
	/// `compensation` (in proportion to their weights, each capped); what is left goes to the
	/// treasury. Returns what was actually slashed.
	fn slash(
		who: &AccountId,
		amount: SlashAmount<Balance>,
		pool: Perbill,
		compensation: &[Compensation<AccountId, Balance>],
	) -> Result<Balance, DispatchError>;
}

/// Updates of a provider's reputation, fed by the attestation verdicts.
pub trait ReputationRecorder<AccountId> {
	/// An epoch of `who`'s was judged faulty; returns the reputation after it (`None` if `who`
	/// is not a provider).
	fn record_fault(who: &AccountId) -> Option<crate::Reputation>;
	/// An epoch of `who`'s was judged served.
	fn record_served(who: &AccountId);
}

/// A provider that serves leases, as validators need it to challenge it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServingProvider<AccountId> {
	/// Its account.
	pub account: AccountId,
	/// Where its agent takes challenges.
	pub endpoint: crate::Endpoint,
	/// The capacity it sells.
	pub offered: crate::Resources,
	/// The part its open leases hold: a challenge proves the rest, the idle capacity.
	pub allocated: crate::Resources,
}

/// One step of compacting the registry's slot index.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Compaction<AccountId> {
	/// No slot is vacant.
	Done,
	/// The last slot was vacant and is gone.
	Popped,
	/// The provider in the last slot moved to a vacant one.
	Moved {
		/// The provider that moved.
		who: AccountId,
		/// The slot it had.
		from: u32,
		/// The slot it has now.
		to: u32,
	},
}

/// The registry as the attestation pallet needs it: every provider by slot in a dense index
/// (which providers each validator challenges), and a walk in pages (judging).
pub trait ProviderDirectory<AccountId> {
	/// Looks at up to `limit` registered providers after `after` (from the start if `None`) and
	/// returns them (active, paused or leaving: a provider is judged until its record goes),
	/// with the cursor to continue from (`None` once the registry is exhausted).
	fn serving_after(
		after: Option<&AccountId>,
		limit: u32,
	) -> (alloc::vec::Vec<ServingProvider<AccountId>>, Option<AccountId>);

	/// How many slots the index has, vacant ones included.
	fn slots() -> u32;

	/// The provider in `slot`, unless the slot is vacant or past the end.
	fn at_slot(slot: u32) -> Option<ServingProvider<AccountId>>;

	/// The slot of registered provider `who`.
	fn slot_of(who: &AccountId) -> Option<u32>;

	/// Removes one vacancy: pops a vacant last slot, or moves the last provider into a vacant
	/// slot. Slots move only through this, so the caller chooses when (between epochs).
	fn compact_one() -> Compaction<AccountId>;
}

/// Forcing a provider out of the market after repeated faults.
pub trait ProviderEviction<AccountId, Balance> {
	/// `provider` takes no new leases and its whole bond starts unbonding (still slashable); it
	/// can never resume.
	fn force_out(provider: &AccountId) -> DispatchResult;
	/// The tenants of up to `limit` of `provider`'s leases, each with its exposure (escrow at
	/// risk) as weight and what it paid the provider as cap, to compensate from its slash.
	fn compensation_of(
		provider: &AccountId,
		limit: u32,
	) -> alloc::vec::Vec<Compensation<AccountId, Balance>>;
	/// Closes up to `limit` of `provider`'s leases with `CloseReason::ProviderFaulty`; returns
	/// how many it closed and whether any may remain.
	fn close_leases(provider: &AccountId, limit: u32) -> (u32, bool);
	/// Up to `limit` of the active leases `provider` serves (it confirmed their workloads run),
	/// looking at no more than eight times `limit` of its account's leases: what validators'
	/// liveness probes sample. Off-chain only: it reads without charging weight.
	fn running_leases(provider: &AccountId, limit: u32) -> alloc::vec::Vec<crate::LeaseId>;
}

/// The blocks a provider served, as the attestation verdicts judge them: settlement pays only
/// for these ("no proof, no pay") and never past the last judged block. Settlement keeps a
/// snapshot of the provider's fault index and subtracts it from the index now, so it is O(1)
/// whatever the number of faults in between.
pub trait ServedBlocks<AccountId, BlockNumber> {
	/// `provider`'s fault index: its faulty blocks in every epoch before `judged_until()`. It
	/// grows only when a fault is judged.
	fn fault_index(provider: &AccountId) -> u64;
	/// `provider`'s faulty blocks in `[from, to)`, a range of judged blocks, from its record of
	/// recent faults; `None` if part of the range is older than that record remembers.
	fn recent_faulty_blocks(
		provider: &AccountId,
		from: BlockNumber,
		to: BlockNumber,
	) -> Option<BlockNumber>;
	/// Settlement may not reach past this block: later blocks are not judged yet.
	fn judged_until() -> BlockNumber;
}

/// Escrow of leases, used by the market: it opens, starts, funds and closes each lease's escrow
/// in the payments pallet. Settlement itself is lazy: the provider or anyone settles.
pub trait LeaseEscrow<AccountId, Balance, BlockNumber> {
	/// Holds `deposit` from `tenant` for `lease`, to pay `provider` `rate` per served block once
	/// the lease starts.
	fn open(
		lease: crate::LeaseId,
		tenant: &AccountId,
		provider: &AccountId,
		rate: Balance,
		deposit: Balance,
	) -> DispatchResult;
	/// The lease started (the provider confirmed it runs): blocks from `at` are chargeable.
	fn start(lease: crate::LeaseId, at: BlockNumber) -> DispatchResult;
	/// Adds `amount` from the tenant to the escrow of `lease`.
	fn top_up(lease: crate::LeaseId, amount: Balance) -> DispatchResult;
	/// The lease ended at `at`: nothing after it is chargeable. Releases to the tenant what the
	/// blocks up to `at` cannot cost, settles what is judged, and removes the escrow once every
	/// block up to `at` is judged and paid. Returns what was refunded now.
	fn close(lease: crate::LeaseId, at: BlockNumber) -> Result<Balance, DispatchError>;
	/// The first block the escrow of `lease` no longer covers if every block is served; `None`
	/// if there is no escrow or the lease has not started.
	fn paid_until(lease: crate::LeaseId) -> Option<BlockNumber>;
	/// Takes up to `amount` of the escrow of `lease` as a penalty of its tenant (to the treasury);
	/// returns what was taken.
	fn forfeit(lease: crate::LeaseId, amount: Balance) -> Result<Balance, DispatchError>;
	/// What the tenant of `lease` has at risk (the escrow's balance) and what it has paid the
	/// provider so far; `None` if there is no escrow.
	fn exposure(lease: crate::LeaseId) -> Option<(Balance, Balance)>;
}

/// Read access to the provider registry, used by the market to check bids and direct leases.
pub trait ProviderInspect<AccountId, Balance, BlockNumber> {
	/// `who`'s registry record with its attributes, `None` if `who` is not a provider.
	fn provider(who: &AccountId) -> Option<crate::ProviderInfo<Balance, BlockNumber>>;
	/// `who`'s registry record without its attributes (one small read), `None` if `who` is not
	/// a provider.
	fn record(who: &AccountId) -> Option<crate::ProviderRecord<Balance, BlockNumber>>;
	/// The attributes `who` declares, sorted by key (none if `who` is not a provider).
	fn attributes(who: &AccountId) -> crate::Attributes;
	/// Which of `provider`'s attributes, as declared now, `auditor` attests (none once it is no
	/// longer an auditor).
	fn attested(provider: &AccountId, auditor: &AccountId) -> crate::AttributeMask;
}

/// Leases another pallet opens and closes on a tenant's behalf: each holder of a storage deal's
/// shard is a market lease, so it keeps the market's start rules, escrow, settlement, faults and
/// forced exits.
pub trait ManagedLeases<AccountId, Balance, BlockNumber> {
	/// Opens a lease of `resources` on `provider` for `tenant` at the provider's posted prices
	/// (at most `max_rate` per block), bound to `binding` (what the provider must hold or run),
	/// funded with `escrow` from the tenant's free balance, to be confirmed within
	/// `start_within` blocks (a holder seals its shard first). Returns the lease and its rate.
	#[allow(clippy::too_many_arguments)]
	fn open(
		tenant: &AccountId,
		provider: &AccountId,
		resources: Resources,
		max_rate: Balance,
		duration: Option<BlockNumber>,
		binding: [u8; 32],
		escrow: Balance,
		start_within: BlockNumber,
	) -> Result<(crate::LeaseId, Balance), DispatchError>;
	/// Closes `lease` as its tenant, under the market's rules (a pending lease costs the
	/// tenant its start stake).
	fn close(tenant: &AccountId, lease: crate::LeaseId) -> DispatchResult;
	/// What a lease at `rate` to be confirmed within `start_within` blocks stakes at its
	/// start: the least escrow it may be opened with.
	fn start_stake(rate: Balance, start_within: BlockNumber) -> Balance;
	/// Whether `lease` is open and its provider confirmed it (holds what it is bound to).
	fn is_running(lease: crate::LeaseId) -> bool;
}

/// Who rents each lease: a name may point only to its owner's own leases, so nobody can aim
/// gateways' traffic at a deployment that did not ask for it.
pub trait LeaseTenancy<AccountId> {
	/// The tenant of `lease`, while it is open.
	fn tenant_of(lease: crate::LeaseId) -> Option<AccountId>;
}

/// Told when a market lease closes, whatever closed it (the tenant, the provider, the start
/// deadline, a forced exit, the escrow running out): how a storage deal learns it lost a
/// holder.
pub trait OnLeaseClosed<AccountId, Balance> {
	/// `lease` of `tenant` on `provider` closed for `reason`; `refunded` of its escrow went back
	/// to the tenant's free balance.
	fn lease_closed(
		lease: crate::LeaseId,
		tenant: &AccountId,
		provider: &AccountId,
		reason: crate::CloseReason,
		refunded: Balance,
	);
	/// The most `lease_closed` can weigh: the market charges it on every close.
	fn weight() -> sp_runtime::Weight;
}

impl<AccountId, Balance> OnLeaseClosed<AccountId, Balance> for () {
	fn lease_closed(
		_lease: crate::LeaseId,
		_tenant: &AccountId,
		_provider: &AccountId,
		_reason: crate::CloseReason,
		_refunded: Balance,
	) {
	}

	fn weight() -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}
}

/// A shard of a storage deal as validators probe it: the root its holder's lease is bound to and
/// the number of chunks under it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HeldShard {
	/// The shard's Merkle root, committed on chain.
	pub root: [u8; 32],
	/// Chunks under the root.
	pub chunks: u32,
}

/// Which leases hold storage deals' shards: validators probe those through the holder's seal,
/// not through a workload's liveness.
pub trait ShardLookup {
	/// The shard `lease` holds, if it is a storage deal's holder.
	fn shard_of(lease: crate::LeaseId) -> Option<HeldShard>;
}

impl ShardLookup for () {
	fn shard_of(_lease: crate::LeaseId) -> Option<HeldShard> {
		None
	}
}
