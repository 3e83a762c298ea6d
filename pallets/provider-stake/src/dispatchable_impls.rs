//! What the calls do, and the bond interface the registry uses.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	traits::{BackedCapacity, ProviderBond},
	Resources,
};
use sp_runtime::traits::{CheckedAdd, CheckedSub, Zero};

impl<T: Config> Pallet<T> {
	/// Holds `value` as `who`'s first bond.
	pub(crate) fn do_bond(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		ensure!(!Ledgers::<T>::contains_key(who), Error::<T>::AlreadyBonded);
		Self::hold(who, value)?;
		Ledgers::<T>::insert(who, LedgerOf::<T> { active: value, unlocking: Default::default() });
		Self::deposit_event(Event::Bonded { who: who.clone(), amount: value });
		Ok(())
	}

	/// Adds `value` to `who`'s active bond.
	pub(crate) fn do_bond_extra(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		let mut ledger = Ledgers::<T>::get(who).ok_or(Error::<T>::NotBonded)?;
		ledger.active = ledger.active.checked_add(&value).ok_or(Error::<T>::Overflow)?;
		Self::hold(who, value)?;
		Ledgers::<T>::insert(who, ledger);
		Self::deposit_event(Event::Bonded { who: who.clone(), amount: value });
		Ok(())
	}

	/// Moves `value` of `who`'s active bond into a chunk that matures after the unbonding
	/// period, keeping what the offered capacity requires.
	pub(crate) fn do_unbond(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		let mut ledger = Ledgers::<T>::get(who).ok_or(Error::<T>::NotBonded)?;
		let remaining =
			ledger.active.checked_sub(&value).ok_or(Error::<T>::InsufficientActiveBond)?;
		let required =
			Self::required_bond(&T::Capacity::capacity_to_back(who)).ok_or(Error::<T>::Overflow)?;
		ensure!(remaining >= required, Error::<T>::BelowRequiredBond);
		let unlock_at = Self::push_chunk(&mut ledger, value, false)?;
		ledger.active = remaining;
		Ledgers::<T>::insert(who, ledger);
		Self::deposit_event(Event::Unbonded { who: who.clone(), amount: value, unlock_at });
		Ok(())
	}

	/// Releases every matured chunk of `who`; forgets `who` once nothing is left.
	pub(crate) fn do_withdraw_unbonded(who: &T::AccountId) -> DispatchResult {
		let mut ledger = Ledgers::<T>::get(who).ok_or(Error::<T>::NotBonded)?;
		let now = frame_system::Pallet::<T>::block_number();
		let mut matured = BalanceOf::<T>::zero();
		for chunk in ledger.unlocking.iter().filter(|chunk| chunk.unlock_at <= now) {
			matured = matured.checked_add(&chunk.value).ok_or(Error::<T>::Overflow)?;
		}
		ensure!(!matured.is_zero(), Error::<T>::NothingToWithdraw);
		ledger.unlocking.retain(|chunk| chunk.unlock_at > now);
		T::Currency::release(&HoldReason::ProviderBond.into(), who, matured, Precision::Exact)?;
		Self::deposit_event(Event::Withdrawn { who: who.clone(), amount: matured });
		Self::store_or_remove(who, ledger);
		Ok(())
	}

	/// Holds `value` of `who`'s free balance under the bond reason.
	fn hold(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		T::Currency::hold(&HoldReason::ProviderBond.into(), who, value)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Adds an unbonding chunk of `value` maturing after the unbonding period; merges it into a
	/// chunk maturing at the same block, or, with `merge_when_full` and no room left, into the
	/// last chunk, whose maturity moves to the new one (later, never earlier: nothing escapes the
	/// unbonding delay). Returns the block it matures at.
	fn push_chunk(
		ledger: &mut LedgerOf<T>,
		value: BalanceOf<T>,
		merge_when_full: bool,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let unlock_at = frame_system::Pallet::<T>::block_number()
			.checked_add(&T::UnbondingPeriod::get())
			.ok_or(Error::<T>::Overflow)?;
		let full = ledger.unlocking.is_full();
		match ledger.unlocking.last_mut() {
			Some(last) if last.unlock_at == unlock_at => {
				last.value = last.value.checked_add(&value).ok_or(Error::<T>::Overflow)?;
			}
			Some(last) if merge_when_full && full => {
				last.value = last.value.checked_add(&value).ok_or(Error::<T>::Overflow)?;
				last.unlock_at = unlock_at;
			}
			_ => ledger
				.unlocking
				.try_push(UnlockChunk { value, unlock_at })
				.map_err(|_| Error::<T>::TooManyUnlockingChunks)?,
		}
		Ok(unlock_at)
	}

	/// Writes `ledger` back, or removes it (telling the registry) if nothing is left.
	pub(crate) fn store_or_remove(who: &T::AccountId, ledger: LedgerOf<T>) {
		if ledger.is_empty() {
			Ledgers::<T>::remove(who);
			Self::deposit_event(Event::StakeRemoved { who: who.clone() });
			T::Capacity::on_stake_withdrawn(who);
		} else {
			Ledgers::<T>::insert(who, ledger);
		}
	}

	/// The bond that offering `capacity` requires under the current parameters.
	pub fn required_bond(capacity: &Resources) -> Option<BalanceOf<T>> {
		if capacity.is_zero() {
			return Some(Zero::zero());
		}
		let params = BondRequirement::<T>::get();
		params.per_unit.cost_of(capacity)?.checked_add(&params.base)
	}

	/// Checks this pallet's invariants: every ledger is non-empty, holds exactly what it
	/// records, and keeps its chunks in maturity order.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		for (who, ledger) in Ledgers::<T>::iter() {
			ensure!(!ledger.is_empty(), "an empty ledger is stored");
			let total = ledger.total().ok_or("ledger total overflows")?;
			let held = T::Currency::balance_on_hold(&HoldReason::ProviderBond.into(), &who);
			ensure!(held == total, "held bond differs from the ledger");
			ensure!(
				ledger.unlocking.windows(2).all(|pair| pair[0].unlock_at < pair[1].unlock_at),
				"unbonding chunks out of order"
			);
		}
		Ok(())
	}
}

impl<T: Config> ProviderBond<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn active_bond(who: &T::AccountId) -> BalanceOf<T> {
		Ledgers::<T>::get(who).map(|ledger| ledger.active).unwrap_or_default()
	}

	fn total_stake(who: &T::AccountId) -> BalanceOf<T> {
		Ledgers::<T>::get(who).and_then(|ledger| ledger.total()).unwrap_or_default()
	}

	fn required_bond(capacity: &Resources) -> Option<BalanceOf<T>> {
		Self::required_bond(capacity)
	}

	fn unbond_all(who: &T::AccountId) -> DispatchResult {
		let Some(mut ledger) = Ledgers::<T>::get(who) else { return Ok(()) };
		let value = ledger.active;
		if value.is_zero() {
			return Ok(());
		}
		// Leaving and forced exits must never fail for want of a chunk.
		let unlock_at = Self::push_chunk(&mut ledger, value, true)?;
		ledger.active = Zero::zero();
		Ledgers::<T>::insert(who, ledger);
		Self::deposit_event(Event::Unbonded { who: who.clone(), amount: value, unlock_at });
		Ok(())
	}
}
