//! Slashing: taking stake from a provider for other pallets, active bond first, then unbonding
//! chunks (the latest first), so that unbonding never escapes a slash. A fixed share of every
//! slash is burnt, so that no slash can come back whole to the provider through accounts it
//! controls; compensation is proportional to exposure and capped; the rest goes to the
//! treasury through [`Config::OnSlash`].

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, BalancedHold, Credit},
		tokens::imbalance::{Imbalance, OnUnbalanced},
	},
};
use nubes_primitives::traits::{BackedCapacity, Compensation, SlashAmount, SlashStake};
use sp_runtime::{
	traits::{CheckedSub, Saturating, Zero},
	Perbill,
};

impl<T: Config> SlashStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn slash(
		who: &T::AccountId,
		amount: SlashAmount<BalanceOf<T>>,
		pool: Perbill,
		compensation: &[Compensation<T::AccountId, BalanceOf<T>>],
	) -> Result<BalanceOf<T>, DispatchError> {
		ensure!(
			compensation.len() <= T::MaxSlashBeneficiaries::get() as usize,
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

		// Take it out of the hold as a credit, then share that credit out.
		let (mut credit, _) =
			<T::Currency as BalancedHold<_>>::slash(&HoldReason::ProviderBond.into(), who, slashed);
		let taken = credit.peek();
		if taken != slashed {
			// The hold always equals the ledger (`try_state`); if it ever did not, account for
			// what was really taken rather than fail half-way through.
			log::error!(target: "runtime::provider-stake", "slashed {taken:?} of {slashed:?} held");
		}
		let slashed = taken;

		// The burnt share: dropping a credit takes it out of the total issuance.
		let burnt = credit.extract(T::SlashBurn::get() * slashed).peek();

		let shared = (pool * slashed).min(credit.peek());
		let to_beneficiaries = Self::compensate(who, &mut credit, shared, compensation);

		let to_treasury = credit.peek();
		T::OnSlash::on_unbalanced(credit);

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

impl<T: Config> Pallet<T> {
	/// Pays each of `compensation` its share of `shared` out of `credit`: proportional to its
	/// weight, at most its cap. A payment that cannot be made (below the existential deposit)
	/// stays in `credit`. Returns what was paid.
	fn compensate(
		who: &T::AccountId,
		credit: &mut Credit<T::AccountId, T::Currency>,
		shared: BalanceOf<T>,
		compensation: &[Compensation<T::AccountId, BalanceOf<T>>],
	) -> BalanceOf<T> {
		let total_weight =
			compensation.iter().fold(BalanceOf::<T>::zero(), |sum, c| sum.saturating_add(c.weight));
		let mut paid = BalanceOf::<T>::zero();
		if total_weight.is_zero() || shared.is_zero() {
			return paid;
		}
		for entry in compensation {
			let share = Perbill::from_rational(entry.weight, total_weight) * shared;
			let part = share.min(entry.cap).min(credit.peek());
			if part.is_zero() {
				continue;
			}
			match <T::Currency as Balanced<_>>::resolve(&entry.who, credit.extract(part)) {
				Ok(()) => {
					paid = paid.saturating_add(part);
					Self::deposit_event(Event::SlashPaid {
						who: who.clone(),
						beneficiary: entry.who.clone(),
						amount: part,
					});
				}
				Err(unpaid) => credit.subsume(unpaid),
			}
		}
		paid
	}
}
