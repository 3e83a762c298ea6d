//! The escrow interface the market uses to open, start, fund and close lease escrows.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, MutateHold},
		tokens::imbalance::{Imbalance, OnUnbalanced},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	traits::{LeaseEscrow, ServedBlocks},
	LeaseId,
};
use sp_runtime::traits::{CheckedAdd, Saturating, Zero};

impl<T: Config> LeaseEscrow<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
	fn open(
		lease: LeaseId,
		tenant: &T::AccountId,
		provider: &T::AccountId,
		rate: BalanceOf<T>,
		deposit: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Escrows::<T>::contains_key(lease), Error::<T>::EscrowExists);
		ensure!(!rate.is_zero(), Error::<T>::ZeroRate);
		ensure!(!deposit.is_zero(), Error::<T>::ZeroAmount);
		T::Currency::hold(&HoldReason::LeaseEscrow.into(), tenant, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		Escrows::<T>::insert(
			lease,
			EscrowOf::<T> {
				tenant: tenant.clone(),
				provider: provider.clone(),
				rate,
				balance: deposit,
				start: None,
				settled_to: Zero::zero(),
				end: None,
				paid: Zero::zero(),
				fault_index: 0,
				index_at: Zero::zero(),
			},
		);
		Self::deposit_event(Event::EscrowOpened {
			lease,
			tenant: tenant.clone(),
			provider: provider.clone(),
			rate,
			deposit,
		});
		Ok(())
	}

	fn start(lease: LeaseId, at: BlockNumberFor<T>) -> DispatchResult {
		Escrows::<T>::try_mutate(lease, |maybe| {
			let escrow = maybe.as_mut().ok_or(Error::<T>::UnknownEscrow)?;
			ensure!(escrow.start.is_none(), Error::<T>::AlreadyStarted);
			ensure!(escrow.end.is_none(), Error::<T>::Ended);
			escrow.start = Some(at);
			escrow.settled_to = at;
			// Faults of the epochs judged so far are none of this lease's business.
			escrow.fault_index = T::ServedBlocks::fault_index(&escrow.provider);
			escrow.index_at = T::ServedBlocks::judged_until().min(at);
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::EscrowStarted { lease, at });
		Ok(())
	}

	fn top_up(lease: LeaseId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		Escrows::<T>::try_mutate(lease, |maybe| {
			let escrow = maybe.as_mut().ok_or(Error::<T>::UnknownEscrow)?;
			ensure!(escrow.end.is_none(), Error::<T>::Ended);
			escrow.balance = escrow.balance.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			T::Currency::hold(&HoldReason::LeaseEscrow.into(), &escrow.tenant, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::EscrowToppedUp { lease, amount });
		Ok(())
	}

	fn close(lease: LeaseId, at: BlockNumberFor<T>) -> Result<BalanceOf<T>, DispatchError> {
		let mut escrow = Escrows::<T>::get(lease).ok_or(Error::<T>::UnknownEscrow)?;
		ensure!(escrow.end.is_none(), Error::<T>::Ended);
		let end = escrow.start.map_or(at, |start| at.max(start));
		escrow.end = Some(end);
		// What the unsettled blocks up to the end can still cost stays; the rest goes back now.
		let reserve = match escrow.start {
			Some(_) => Self::cost_up_to(&escrow, end),
			None => Zero::zero(),
		};
		let refund = escrow.balance.saturating_sub(reserve);
		Self::refund(lease, &escrow.tenant, refund)?;
		escrow.balance = reserve;
		let (_, escrow) = Self::do_settle(lease, escrow)?;
		Self::store(lease, escrow)?;
		Ok(refund)
	}

	fn paid_until(lease: LeaseId) -> Option<BlockNumberFor<T>> {
		Escrows::<T>::get(lease).and_then(|escrow| Self::escrow_paid_until(&escrow))
	}

	fn forfeit(lease: LeaseId, amount: BalanceOf<T>) -> Result<BalanceOf<T>, DispatchError> {
		let mut escrow = Escrows::<T>::get(lease).ok_or(Error::<T>::UnknownEscrow)?;
		let amount = amount.min(escrow.balance);
		if amount.is_zero() {
			return Ok(amount);
		}
		let (credit, _) = <T::Currency as BalancedHold<_>>::slash(
			&HoldReason::LeaseEscrow.into(),
			&escrow.tenant,
			amount,
		);
		let taken = credit.peek();
		T::OnPenalty::on_unbalanced(credit);
		escrow.balance = escrow.balance.saturating_sub(taken);
		Escrows::<T>::insert(lease, &escrow);
		Self::deposit_event(Event::Forfeited { lease, tenant: escrow.tenant, amount: taken });
		Ok(taken)
	}

	fn exposure(lease: LeaseId) -> Option<(BalanceOf<T>, BalanceOf<T>)> {
		// What is due for judged, served blocks is paid already in all but name.
		Escrows::<T>::get(lease).map(|escrow| {
			let due = Self::due(&escrow).map(|due| due.cost).unwrap_or_default();
			(escrow.balance, escrow.paid.saturating_add(due))
		})
	}
}
