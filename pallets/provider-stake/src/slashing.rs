//! Slashing: taking stake from a provider for other pallets, active bond first, then unbonding
//! chunks (the latest first), so that unbonding never escapes a slash.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use nubes_primitives::traits::{BackedCapacity, SlashAmount, SlashStake};
use sp_runtime::{
	traits::{CheckedSub, Saturating, Zero},
	Perbill,
};

impl<T: Config> SlashStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn slash(
		who: &T::AccountId,
		amount: SlashAmount<BalanceOf<T>>,
		beneficiaries: &[(T::AccountId, Perbill)],
	) -> Result<BalanceOf<T>, DispatchError> {
		ensure!(
			beneficiaries.len() <= T::MaxSlashBeneficiaries::get() as usize,
			Error::<T>::TooManyBeneficiaries
		);
		let mut ledger = Ledgers::<T>::get(who).ok_or(Error::<T>::NotBonded)?;
		let total = ledger.total().ok_or(Error::<T>::Overflow)?;
		let target = match amount {
			SlashAmount::Exact(value) => value.min(total),
			SlashAmount::Fraction(share) => share * total,
		};
		if target.is_zero() {
			return Ok(Zero::zero());
		}

		// Take from the ledger: active first, then the chunks that mature last.
		let mut left = target;
		let from_active = left.min(ledger.active);
		ledger.active = ledger.active.saturating_sub(from_active);
		left = left.saturating_sub(from_active);
		for chunk in ledger.unlocking.iter_mut().rev() {
			if left.is_zero() {
				break;
			}
			let take = left.min(chunk.value);
			chunk.value = chunk.value.saturating_sub(take);
			left = left.saturating_sub(take);
		}
		ledger.unlocking.retain(|chunk| !chunk.value.is_zero());
		let slashed = target.checked_sub(&left).ok_or(Error::<T>::Overflow)?;

		// Pay it out of the hold: beneficiaries their shares, the treasury the rest.
		let reason = HoldReason::ProviderBond.into();
		let mut to_beneficiaries = BalanceOf::<T>::zero();
		for (beneficiary, share) in beneficiaries {
			let part = (*share * slashed).min(slashed.saturating_sub(to_beneficiaries));
			if part.is_zero() {
				continue;
			}
			// A payment below the beneficiary's existential deposit fails; it then goes to
			// the treasury with the rest.
			if let Ok(paid) = T::Currency::transfer_on_hold(
				&reason,
				who,
				beneficiary,
				part,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			) {
				to_beneficiaries = to_beneficiaries.saturating_add(paid);
				Self::deposit_event(Event::SlashPaid {
					who: who.clone(),
					beneficiary: beneficiary.clone(),
					amount: paid,
				});
			}
		}
		let rest = slashed.saturating_sub(to_beneficiaries);
		let (to_treasury, burnt) = if rest.is_zero() {
			(Zero::zero(), Zero::zero())
		} else {
			match T::Currency::transfer_on_hold(
				&reason,
				who,
				&T::TreasuryAccount::get(),
				rest,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			) {
				Ok(paid) => (paid, Zero::zero()),
				Err(_) => {
					let burnt = T::Currency::burn_held(
						&reason,
						who,
						rest,
						Precision::Exact,
						Fortitude::Force,
					)?;
					(Zero::zero(), burnt)
				}
			}
		};

		Self::deposit_event(Event::Slashed {
			who: who.clone(),
			amount: slashed,
			to_beneficiaries,
			to_treasury,
			burnt,
		});
		Self::store_or_remove(who, ledger);
		T::Capacity::on_slashed(who);
		Ok(slashed)
	}
}
