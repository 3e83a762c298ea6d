//! Settlement: paying providers for served, judged blocks out of the tenant's escrow.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{traits::ServedBlocks, LeaseId};
use sp_runtime::{
	traits::{CheckedMul, Saturating, Zero},
	SaturatedConversion,
};

/// What a settlement would pay.
pub(crate) struct Due<T: Config> {
	/// Settle up to this block.
	target: BlockNumberFor<T>,
	/// Served blocks in the range.
	served: BlockNumberFor<T>,
	/// What they cost, capped at the escrow's balance.
	cost: BalanceOf<T>,
}

impl<T: Config> Pallet<T> {
	/// Pays `escrow` for its served blocks since the last settlement, up to now, the last judged
	/// block and its end, whichever comes first. Returns whether settlement moved on, and the
	/// escrow to store with [`Self::store`].
	pub(crate) fn do_settle(
		lease: LeaseId,
		mut escrow: EscrowOf<T>,
	) -> Result<(bool, EscrowOf<T>), DispatchError> {
		let Some(Due { target, served, cost }) = Self::due(&escrow) else {
			return Ok((false, escrow));
		};
		let fee = ProtocolFee::<T>::get() * cost;
		let to_provider = cost.saturating_sub(fee);

		let reason = HoldReason::LeaseEscrow.into();
		for (to, amount) in [(&escrow.provider, to_provider), (&T::TreasuryAccount::get(), fee)] {
			if !amount.is_zero() {
				T::Currency::transfer_on_hold(
					&reason,
					&escrow.tenant,
					to,
					amount,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Polite,
				)?;
			}
		}
		escrow.balance = escrow.balance.saturating_sub(cost);
		escrow.settled_to = target;
		Self::deposit_event(Event::Settled {
			lease,
			provider: escrow.provider.clone(),
			blocks: served,
			to_provider,
			fee,
			settled_to: target,
		});
		Ok((true, escrow))
	}

	/// What settling `escrow` now would pay: up to which block, for how many served blocks,
	/// and how much. `None` if nothing is due.
	pub(crate) fn due(escrow: &EscrowOf<T>) -> Option<Due<T>> {
		escrow.start?;
		let mut target =
			frame_system::Pallet::<T>::block_number().min(T::ServedBlocks::judged_until());
		if let Some(end) = escrow.end {
			target = target.min(end);
		}
		if target <= escrow.settled_to {
			return None;
		}
		let served = T::ServedBlocks::served_between(&escrow.provider, escrow.settled_to, target)
			.min(target.saturating_sub(escrow.settled_to));
		let blocks: BalanceOf<T> = served.saturated_into::<u128>().saturated_into();
		// A product past the balance type's range is more than any escrow holds anyway.
		let cost = escrow.rate.checked_mul(&blocks).unwrap_or(escrow.balance).min(escrow.balance);
		Some(Due { target, served, cost })
	}

	/// A lease's escrow as tenants and providers see it: what it holds, how far it is settled,
	/// what settling now would pay, and when it runs out.
	pub fn escrow_status(lease: LeaseId) -> Option<EscrowStatus<BalanceOf<T>, BlockNumberFor<T>>> {
		let escrow = Escrows::<T>::get(lease)?;
		Some(EscrowStatus {
			balance: escrow.balance,
			rate: escrow.rate,
			settled_to: escrow.start.map(|_| escrow.settled_to),
			accrued: Self::due(&escrow).map(|due| due.cost).unwrap_or_default(),
			paid_until: Self::escrow_paid_until(&escrow),
		})
	}

	/// Writes `escrow` back, or, once every block up to its end is settled, refunds what is left
	/// to the tenant and removes it.
	pub(crate) fn store(lease: LeaseId, escrow: EscrowOf<T>) -> DispatchResult {
		let finished = match (escrow.start, escrow.end) {
			(_, None) => false,
			(None, Some(_)) => true,
			(Some(_), Some(end)) => escrow.settled_to >= end,
		};
		if !finished {
			Escrows::<T>::insert(lease, escrow);
			return Ok(());
		}
		Self::refund(lease, &escrow.tenant, escrow.balance)?;
		Escrows::<T>::remove(lease);
		Self::deposit_event(Event::EscrowClosed { lease });
		Ok(())
	}

	/// Releases `amount` of `tenant`'s escrow hold back to its free balance.
	pub(crate) fn refund(
		lease: LeaseId,
		tenant: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::release(&HoldReason::LeaseEscrow.into(), tenant, amount, Precision::Exact)?;
		Self::deposit_event(Event::Refunded { lease, tenant: tenant.clone(), amount });
		Ok(())
	}

	/// What the blocks of `escrow` from its last settlement to `until` can cost at most.
	pub(crate) fn cost_up_to(escrow: &EscrowOf<T>, until: BlockNumberFor<T>) -> BalanceOf<T> {
		let blocks: BalanceOf<T> =
			until.saturating_sub(escrow.settled_to).saturated_into::<u128>().saturated_into();
		escrow.rate.checked_mul(&blocks).unwrap_or(escrow.balance).min(escrow.balance)
	}

	/// The first block `escrow` no longer covers if every block is served.
	pub(crate) fn escrow_paid_until(escrow: &EscrowOf<T>) -> Option<BlockNumberFor<T>> {
		escrow.start?;
		if escrow.rate.is_zero() {
			return None;
		}
		let blocks: BlockNumberFor<T> =
			(escrow.balance / escrow.rate).saturated_into::<u128>().saturated_into();
		Some(escrow.settled_to.saturating_add(blocks))
	}

	/// Checks that every tenant's escrow hold equals the sum of its escrows' balances, and that
	/// every escrow is consistent.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let mut per_tenant = alloc::collections::BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (_, escrow) in Escrows::<T>::iter() {
			ensure!(!escrow.rate.is_zero(), "an escrow has a zero rate");
			if let (Some(start), Some(end)) = (escrow.start, escrow.end) {
				ensure!(start <= end, "an escrow ends before it starts");
			}
			let sum = per_tenant.entry(escrow.tenant.clone()).or_default();
			*sum = sum.saturating_add(escrow.balance);
		}
		for (tenant, sum) in per_tenant {
			let held = T::Currency::balance_on_hold(&HoldReason::LeaseEscrow.into(), &tenant);
			ensure!(held == sum, "a tenant's escrow hold differs from its escrows");
		}
		Ok(())
	}
}
