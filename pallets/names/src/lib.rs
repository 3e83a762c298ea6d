//! # Names
//!
//! How people reach a dApp without anyone's DNS: a name (`myapp`, a DNS label, see
//! `nubes_primitives::names`) points to a site (a content root stored by storage deals, and a
//! path inside it) or to a deployment (its leases), and any provider's gateway serves it at
//! `myapp.{its domain}`, resolved at the finalized block.
//!
//! A name has an owner, who alone changes its target, transfers it or gives it up. Registering
//! holds a deposit from the owner (returned when the name goes) and pays rent for a period, to
//! the treasury; both grow as names get shorter. A name stops resolving when its period ends;
//! for `GracePeriod` blocks after that it still belongs to its owner, and anyone may renew it
//! (renewal is paid from the old expiry, so the grace is never free); after the grace anyone may
//! register it anew or reap it, and its deposit goes back to the old owner.
//!
//! No hook and no iteration: expiry is read, never scheduled.
//!
//! This file is the table of contents; the calls' rules are in `names.rs`, the record in
//! `types.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(test)]
mod attacks;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
mod names;
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
		traits::{
			fungible::{Balanced, Credit, Inspect, InspectHold, Mutate, MutateHold},
			OnUnbalanced,
		},
	};
	use frame_system::pallet_prelude::*;
	use nubes_primitives::{
		names::{Name, Target},
		traits::LeaseTenancy,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency: deposits are held in it and rent paid in it.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ Balanced<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Who rents each lease: a deployment target may name only its owner's leases.
		type Leases: LeaseTenancy<Self::AccountId>;

		/// Where rent goes (the treasury).
		type OnRent: OnUnbalanced<Credit<Self::AccountId, Self::Currency>>;

		/// Deposit of a name of eight bytes or more; shorter names hold a multiple of it
		/// (`nubes_primitives::names::length_factor`).
		#[pallet::constant]
		type NameDeposit: Get<BalanceOf<Self>>;

		/// Rent per block of a name of eight bytes or more; shorter names pay a multiple of it.
		#[pallet::constant]
		type RentPerBlock: Get<BalanceOf<Self>>;

		/// Shortest period a name is registered or renewed for.
		#[pallet::constant]
		type MinPeriod: Get<BlockNumberFor<Self>>;

		/// Furthest ahead a name's expiry may be.
		#[pallet::constant]
		type MaxPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks after expiry during which the name still belongs to its owner (it does not
		/// resolve, and may be renewed).
		#[pallet::constant]
		type GracePeriod: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Opens leases for the benchmarks of deployment targets.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A name's deposit.
		NameDeposit,
	}

	/// Every name until it is released or reaped (expired ones included, until then).
	#[pallet::storage]
	pub type Names<T: Config> = StorageMap<_, Blake2_128Concat, Name, NameRecordOf<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `owner` registered `name` pointing to `target` until `expires`, holding `deposit`
		/// and paying `rent`.
		Registered {
			name: Name,
			owner: T::AccountId,
			target: Target,
			expires: BlockNumberFor<T>,
			deposit: BalanceOf<T>,
			rent: BalanceOf<T>,
		},
		/// The owner pointed `name` to `target`.
		TargetChanged { name: Name, target: Target },
		/// `name` (and its deposit, still held) went from `from` to `to`.
		Transferred { name: Name, from: T::AccountId, to: T::AccountId },
		/// `payer` paid `rent` to keep `name` until `expires`.
		Renewed { name: Name, payer: T::AccountId, expires: BlockNumberFor<T>, rent: BalanceOf<T> },
		/// The owner gave `name` up; its deposit is back.
		Released { name: Name, owner: T::AccountId, deposit: BalanceOf<T> },
		/// `name` had passed its grace period and was removed (by `by`, or by registering it
		/// anew); the deposit went back to `owner`.
		Reaped { name: Name, owner: T::AccountId, by: T::AccountId, deposit: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A name is 3 to 63 bytes.
		NameLength,
		/// A name is lower-case letters, digits and hyphens.
		NameCharacter,
		/// A name starts with a letter (so no name is all digits).
		NameFirstCharacter,
		/// A name does not end with a hyphen.
		NameLastCharacter,
		/// A name has no `--` at its third and fourth bytes (the form of punycode labels, which
		/// browsers show as other letters).
		NamePunycode,
		/// `l` and digits is the form of a lease's own host.
		NameLeaseHost,
		/// The name is reserved.
		NameReserved,
		/// A site's path is `/`-separated segments of printable ASCII, none empty, `.` or `..`.
		BadSitePath,
		/// A deployment needs at least one lease, each named once.
		BadReplicas,
		/// A lease of the deployment is not open, or not the caller's.
		NotLeaseTenant,
		/// Someone holds the name (until its grace period ends).
		NameTaken,
		/// No such name.
		UnknownName,
		/// Only the name's owner may do this.
		NotOwner,
		/// The name's period has ended: renew it first.
		NameExpired,
		/// The name's grace period has not ended.
		NotReapable,
		/// The name's grace period has ended: anyone may register it anew.
		GraceEnded,
		/// The period is shorter than `MinPeriod`.
		PeriodTooShort,
		/// The expiry would be more than `MaxPeriod` ahead.
		PeriodTooLong,
		/// The name already belongs to that account.
		SameOwner,
		/// The new owner has no account (nothing at least the existential deposit): it could
		/// not hold the name's deposit.
		RecipientUnknown,
		/// The account cannot pay the deposit and rent and stay alive.
		InsufficientBalance,
		/// A sum overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register `name` pointing to `target` for `period` blocks: holds the name's deposit
		/// and pays its rent. A name past its grace period is reaped first (its deposit back to
		/// its old owner).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(replicas(target)))]
		pub fn register(
			origin: OriginFor<T>,
			name: Name,
			target: Target,
			period: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, name, target, period)
		}

		/// Point `name` to `target`, as its owner, while it has not expired.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update(replicas(target)))]
		pub fn update(origin: OriginFor<T>, name: Name, target: Target) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, name, target)
		}

		/// Give `name` to `to`, as its owner, while it has not expired; the deposit stays held
		/// and is `to`'s from now on. A name pointing to a deployment goes only to the tenant of
		/// its leases.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::transfer(nubes_primitives::names::MAX_REPLICAS))]
		pub fn transfer(origin: OriginFor<T>, name: Name, to: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer(who, name, to)
		}

		/// Pay rent to keep `name` `period` blocks past its current expiry, as anyone, until its
		/// grace period ends. The owner does not change.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::renew())]
		pub fn renew(
			origin: OriginFor<T>,
			name: Name,
			period: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_renew(who, name, period)
		}

		/// Give `name` up, as its owner, at any time until it is reaped (expired or not): the
		/// record goes and the deposit comes back (rent paid is not refunded).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::release())]
		pub fn release(origin: OriginFor<T>, name: Name) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release(who, name)
		}

		/// Remove `name` once its grace period has ended, as anyone: its deposit goes back to
		/// its owner and the name is free.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reap())]
		pub fn reap(origin: OriginFor<T>, name: Name) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reap(who, name)
		}
	}
}
