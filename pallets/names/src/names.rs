//! The rules of names: what may be registered and pointed to, what it costs, and who may change
//! it when.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		OnUnbalanced,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	names::{check_name, check_site_path, length_factor, Name, NameError, Target},
	traits::LeaseTenancy,
};
use sp_runtime::{
	traits::{CheckedAdd, CheckedMul, Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> From<NameError> for Error<T> {
	fn from(e: NameError) -> Self {
		match e {
			NameError::Length => Error::NameLength,
			NameError::Character => Error::NameCharacter,
			NameError::FirstCharacter => Error::NameFirstCharacter,
			NameError::LastCharacter => Error::NameLastCharacter,
			NameError::Punycode => Error::NamePunycode,
			NameError::LeaseHost => Error::NameLeaseHost,
			NameError::Reserved => Error::NameReserved,
		}
	}
}

impl<T: Config> Pallet<T> {
	/// What `name` resolves to now: its target while its period runs.
	pub fn resolve(name: &Name) -> Option<Target> {
		let now = frame_system::Pallet::<T>::block_number();
		Names::<T>::get(name).filter(|record| record.resolves_at(now)).map(|record| record.target)
	}

	/// The deposit held for a name of `len` bytes and the rent it pays for `period` blocks.
	pub fn price(
		len: usize,
		period: BlockNumberFor<T>,
	) -> Result<(BalanceOf<T>, BalanceOf<T>), Error<T>> {
		let factor = BalanceOf::<T>::from(length_factor(len));
		let blocks: BalanceOf<T> = period.saturated_into::<u128>().saturated_into();
		let deposit = T::NameDeposit::get().checked_mul(&factor).ok_or(Error::<T>::Overflow)?;
		let rent = T::RentPerBlock::get()
			.checked_mul(&factor)
			.and_then(|per_block| per_block.checked_mul(&blocks))
			.ok_or(Error::<T>::Overflow)?;
		Ok((deposit, rent))
	}

	pub(crate) fn do_register(
		who: T::AccountId,
		name: Name,
		target: Target,
		period: BlockNumberFor<T>,
	) -> DispatchResult {
		check_name(&name).map_err(Error::<T>::from)?;
		Self::check_target(&who, &target)?;
		ensure!(period >= T::MinPeriod::get(), Error::<T>::PeriodTooShort);
		ensure!(period <= T::MaxPeriod::get(), Error::<T>::PeriodTooLong);
		let now = frame_system::Pallet::<T>::block_number();
		if let Some(old) = Names::<T>::get(&name) {
			ensure!(now >= Self::grace_end(old.expires), Error::<T>::NameTaken);
			Self::remove(&name, old, &who);
		}
		let (deposit, rent) = Self::price(name.len(), period)?;
		let expires = now.checked_add(&period).ok_or(Error::<T>::Overflow)?;
		Self::ensure_can_pay(&who, deposit.checked_add(&rent).ok_or(Error::<T>::Overflow)?)?;
		T::Currency::hold(&HoldReason::NameDeposit.into(), &who, deposit)?;
		Self::pay_rent(&who, rent)?;
		Names::<T>::insert(
			&name,
			NameRecord { owner: who.clone(), target: target.clone(), expires, deposit },
		);
		Self::deposit_event(Event::Registered { name, owner: who, target, expires, deposit, rent });
		Ok(())
	}

	pub(crate) fn do_update(who: T::AccountId, name: Name, target: Target) -> DispatchResult {
		let mut record = Self::owned_and_running(&who, &name)?;
		Self::check_target(&who, &target)?;
		record.target = target.clone();
		Names::<T>::insert(&name, record);
		Self::deposit_event(Event::TargetChanged { name, target });
		Ok(())
	}

	pub(crate) fn do_transfer(who: T::AccountId, name: Name, to: T::AccountId) -> DispatchResult {
		let mut record = Self::owned_and_running(&who, &name)?;
		ensure!(to != who, Error::<T>::SameOwner);
		ensure!(frame_system::Pallet::<T>::account_exists(&to), Error::<T>::RecipientUnknown);
		// A deployment's leases must be the new owner's too: otherwise the old owner would
		// still choose what the name serves.
		Self::check_target(&to, &record.target)?;
		if !record.deposit.is_zero() {
			T::Currency::transfer_on_hold(
				&HoldReason::NameDeposit.into(),
				&who,
				&to,
				record.deposit,
				Precision::Exact,
				Restriction::OnHold,
				Fortitude::Polite,
			)?;
		}
		record.owner = to.clone();
		Names::<T>::insert(&name, record);
		Self::deposit_event(Event::Transferred { name, from: who, to });
		Ok(())
	}

	pub(crate) fn do_renew(
		who: T::AccountId,
		name: Name,
		period: BlockNumberFor<T>,
	) -> DispatchResult {
		let mut record = Names::<T>::get(&name).ok_or(Error::<T>::UnknownName)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < Self::grace_end(record.expires), Error::<T>::GraceEnded);
		ensure!(period >= T::MinPeriod::get(), Error::<T>::PeriodTooShort);
		// Paid from the old expiry: the blocks of grace are never free.
		let expires = record.expires.checked_add(&period).ok_or(Error::<T>::Overflow)?;
		ensure!(expires <= now.saturating_add(T::MaxPeriod::get()), Error::<T>::PeriodTooLong);
		let (_, rent) = Self::price(name.len(), period)?;
		Self::ensure_can_pay(&who, rent)?;
		Self::pay_rent(&who, rent)?;
		record.expires = expires;
		Names::<T>::insert(&name, record);
		Self::deposit_event(Event::Renewed { name, payer: who, expires, rent });
		Ok(())
	}

	pub(crate) fn do_release(who: T::AccountId, name: Name) -> DispatchResult {
		let record = Names::<T>::get(&name).ok_or(Error::<T>::UnknownName)?;
		ensure!(record.owner == who, Error::<T>::NotOwner);
		let deposit = record.deposit;
		T::Currency::release(
			&HoldReason::NameDeposit.into(),
			&who,
			deposit,
			Precision::BestEffort,
		)?;
		Names::<T>::remove(&name);
		Self::deposit_event(Event::Released { name, owner: who, deposit });
		Ok(())
	}

	pub(crate) fn do_reap(who: T::AccountId, name: Name) -> DispatchResult {
		let record = Names::<T>::get(&name).ok_or(Error::<T>::UnknownName)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= Self::grace_end(record.expires), Error::<T>::NotReapable);
		Self::remove(&name, record, &who);
		Ok(())
	}

	/// The first block at which a name expiring at `expires` may be taken by anyone.
	fn grace_end(expires: BlockNumberFor<T>) -> BlockNumberFor<T> {
		expires.saturating_add(T::GracePeriod::get())
	}

	/// The record of `name`, if `who` owns it and it has not expired.
	fn owned_and_running(who: &T::AccountId, name: &Name) -> Result<NameRecordOf<T>, Error<T>> {
		let record = Names::<T>::get(name).ok_or(Error::<T>::UnknownName)?;
		ensure!(&record.owner == who, Error::<T>::NotOwner);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(record.resolves_at(now), Error::<T>::NameExpired);
		Ok(record)
	}

	/// Removes a name past its grace period, giving its deposit back to its owner.
	fn remove(name: &Name, record: NameRecordOf<T>, by: &T::AccountId) {
		// Best effort: the deposit was held when the name was registered or transferred, and
		// only this pallet releases it.
		let _ = T::Currency::release(
			&HoldReason::NameDeposit.into(),
			&record.owner,
			record.deposit,
			Precision::BestEffort,
		);
		Names::<T>::remove(name);
		Self::deposit_event(Event::Reaped {
			name: name.clone(),
			owner: record.owner,
			by: by.clone(),
			deposit: record.deposit,
		});
	}

	/// A site's path must stay inside its content; a deployment must name the caller's own open
	/// leases, each once.
	fn check_target(who: &T::AccountId, target: &Target) -> DispatchResult {
		match target {
			Target::Site { path, .. } => {
				ensure!(check_site_path(path), Error::<T>::BadSitePath);
			}
			Target::Deployment { leases } => {
				ensure!(!leases.is_empty(), Error::<T>::BadReplicas);
				for (i, lease) in leases.iter().enumerate() {
					ensure!(!leases[..i].contains(lease), Error::<T>::BadReplicas);
					ensure!(
						T::Leases::tenant_of(*lease).as_ref() == Some(who),
						Error::<T>::NotLeaseTenant
					);
				}
			}
		}
		Ok(())
	}

	fn ensure_can_pay(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let spendable =
			T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite);
		ensure!(spendable >= amount, Error::<T>::InsufficientBalance);
		Ok(())
	}

	fn pay_rent(who: &T::AccountId, rent: BalanceOf<T>) -> DispatchResult {
		if rent.is_zero() {
			return Ok(());
		}
		let credit = <T::Currency as Balanced<_>>::withdraw(
			who,
			rent,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)?;
		T::OnRent::on_unbalanced(credit);
		Ok(())
	}

	/// Every name is valid and its deposit held: each owner's hold under this pallet's reason
	/// is exactly the sum of its names' deposits.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		use frame_support::traits::fungible::InspectHold;
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (name, record) in Names::<T>::iter() {
			ensure!(check_name(&name).is_ok(), "a stored name breaks the naming rules");
			if let Target::Site { path, .. } = &record.target {
				ensure!(check_site_path(path), "a stored site path breaks the path rules");
			}
			let sum = held.entry(record.owner.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(record.deposit);
		}
		for (owner, sum) in held {
			let on_hold = T::Currency::balance_on_hold(&HoldReason::NameDeposit.into(), &owner);
			ensure!(on_hold == sum, "an owner's name deposits differ from what is held");
		}
		Ok(())
	}
}
