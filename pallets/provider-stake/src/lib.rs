//! # Provider stake
//!
//! The bond that makes lying expensive. A provider holds a bond of at least
//! `base + per-unit rate × offered capacity` (fungible holds under [`HoldReason::ProviderBond`]);
//! the registry refuses capacity the bond does not cover. Unbonding goes through
//! [`Config::UnbondingPeriod`] in chunks that stay slashable until withdrawn. Other pallets slash
//! through [`nubes_primitives::traits::SlashStake`], paying tenants and the treasury.
//!
//! This file is the table of contents: configuration, storage, events, errors and calls. What
//! the calls do is in `dispatchable_impls.rs`, slashing in `slashing.rs`, the records in
//! `types.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
#[cfg(test)]
mod mock;
mod slashing;
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
			fungible::{Balanced, BalancedHold, Credit, Inspect, InspectHold, Mutate, MutateHold},
			tokens::imbalance::OnUnbalanced,
		},
	};
	use frame_system::pallet_prelude::*;
	use nubes_primitives::traits::BackedCapacity;
	use sp_runtime::Perbill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency bonds are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Balanced<Self::AccountId>
			+ BalancedHold<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// The registry: which capacity each bond backs.
		type Capacity: BackedCapacity<Self::AccountId>;

		/// Blocks an unbonding chunk waits before it can be withdrawn. Long enough for faults
		/// committed before unbonding to be judged and slashed.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Most unbonding chunks a provider may have at once.
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;

		/// Most beneficiaries one slash may pay.
		#[pallet::constant]
		type MaxSlashBeneficiaries: Get<u32>;

		/// Where slashed funds neither burnt nor paid to beneficiaries go (the treasury).
		type OnSlash: OnUnbalanced<Credit<Self::AccountId, Self::Currency>>;

		/// The share of every slash that is burnt, so that a provider paying itself compensation
		/// through accounts it controls always nets a loss.
		#[pallet::constant]
		type SlashBurn: Get<Perbill>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's bond, active or unbonding.
		ProviderBond,
	}

	/// Each bonded provider's stake: its active bond and its unbonding chunks.
	#[pallet::storage]
	pub type Ledgers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, LedgerOf<T>>;

	/// The bond offered capacity requires: a base plus a rate per resource unit. Set by root.
	#[pallet::storage]
	pub type BondRequirement<T: Config> = StorageValue<_, BondParamsOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial bond requirement.
		pub bond_requirement: BondParamsOf<T>,
		/// Accounts bonded at genesis, with their bond.
		pub bonds: alloc::vec::Vec<(T::AccountId, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			BondRequirement::<T>::put(self.bond_requirement);
			for (who, value) in &self.bonds {
				if let Err(error) = Pallet::<T>::do_bond(who, *value) {
					panic!("genesis bond of {who:?} failed: {error:?}");
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` bonded `amount` (its first bond or an extra one).
		Bonded { who: T::AccountId, amount: BalanceOf<T> },
		/// `who` started unbonding `amount`, withdrawable from block `unlock_at`.
		Unbonded { who: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// `who` withdrew `amount` of matured unbonding chunks back to its free balance.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// `who` has no stake left; its ledger is gone.
		StakeRemoved { who: T::AccountId },
		/// `who` lost `amount` of stake: `burnt` (the fixed share) left the issuance,
		/// `to_beneficiaries` went to the compensated tenants (one [`Event::SlashPaid`] each) and
		/// `to_treasury` to the treasury.
		Slashed {
			who: T::AccountId,
			amount: BalanceOf<T>,
			to_beneficiaries: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
			burnt: BalanceOf<T>,
		},
		/// `beneficiary` received `amount` from a slash of `who`.
		SlashPaid { who: T::AccountId, beneficiary: T::AccountId, amount: BalanceOf<T> },
		/// Root set the bond requirement.
		BondRequirementSet { params: BondParamsOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The amount is zero.
		ZeroAmount,
		/// The account already has a bond; use `bond_extra`.
		AlreadyBonded,
		/// The account has no bond.
		NotBonded,
		/// The account's free balance cannot cover the amount.
		InsufficientBalance,
		/// The amount is larger than the active (not unbonding) bond.
		InsufficientActiveBond,
		/// What would stay bonded is below what the offered capacity requires.
		BelowRequiredBond,
		/// The account already has the maximum number of unbonding chunks; withdraw first (a
		/// forced exit or `leave` merges into the last chunk instead).
		TooManyUnlockingChunks,
		/// No unbonding chunk has matured yet.
		NothingToWithdraw,
		/// A sum of balances or block numbers overflowed.
		Overflow,
		/// A slash names more beneficiaries than allowed.
		TooManyBeneficiaries,
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
		/// Bond `value` from the caller's free balance: its first bond.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond(&who, value)
		}

		/// Add `value` from the caller's free balance to its active bond.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(&who, value)
		}

		/// Start unbonding `value` of the active bond; it stays slashable until withdrawn after
		/// the unbonding period. What stays active must cover the offered capacity.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(&who, value)
		}

		/// Return every matured unbonding chunk to the caller's free balance.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(&who)
		}

		/// Set the bond that offered capacity requires (root). Providers already registered keep
		/// their capacity; the new requirement applies when they change it or unbond.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_bond_requirement())]
		pub fn set_bond_requirement(
			origin: OriginFor<T>,
			params: BondParamsOf<T>,
		) -> DispatchResult {
			ensure_root(origin)?;
			BondRequirement::<T>::put(params);
			Self::deposit_event(Event::BondRequirementSet { params });
			Ok(())
		}
	}
}
