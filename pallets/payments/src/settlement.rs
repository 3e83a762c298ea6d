//! Settlement: paying providers for served, judged blocks out of the tenant's escrow.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, MutateHold},
		tokens::{imbalance::OnUnbalanced, Fortitude, Precision, Restriction},
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
	pub(crate) target: BlockNumberFor<T>,
	/// Served blocks in the range.
	pub(crate) served: BlockNumberFor<T>,
	/// What they cost, capped at the escrow's balance.
	pub(crate) cost: BalanceOf<T>,
	/// The provider's fault index at `target`, when `target` is the last judged block.
	pub(crate) index: Option<u64>,
}

impl<T: Config> Pallet<T> {
	/// Pays `escrow` for its served blocks since the last settlement, up to now, the last judged
	/// block and its end, whichever comes first. Returns whether settlement moved on, and the
	/// escrow to store with [`Self::store`].
	pub(crate) fn do_settle(
		lease: LeaseId,
		mut escrow: EscrowOf<T>,
	) -> Result<(bool, EscrowOf<T>), DispatchError> {
		let Some(Due { target, served, cost, index }) = Self::due(&escrow) else {
			return Ok((false, escrow));
		};
		let fee = ProtocolFee::<T>::get() * cost;
		let to_provider = cost.saturating_sub(fee);

		let reason = HoldReason::LeaseEscrow.into();
		if !to_provider.is_zero() {
			T::Currency::transfer_on_hold(
				&reason,
				&escrow.tenant,
				&escrow.provider,
				to_provider,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)?;
		}
		if !fee.is_zero() {
			let (credit, _) = <T::Currency as BalancedHold<_>>::slash(&reason, &escrow.tenant, fee);
			T::OnPenalty::on_unbalanced(credit);
		}
		escrow.balance = escrow.balance.saturating_sub(cost);
		escrow.paid = escrow.paid.saturating_add(cost);
		escrow.settled_to = target;
		if let Some(index) = index {
			escrow.fault_index = index;
			escrow.index_at = target;
		}
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
	///
	/// Up to the last judged block, the unpaid blocks are the provider's fault index now less
	/// the escrow's snapshot, less the faults the snapshot's range held before `settled_to`
	/// (the partial first epoch, from the recent-fault record; if that record has forgotten
	/// them they stay unpaid). A closed lease's last stretch, short of the last judged block, is
	/// read from the recent-fault record alone; forgotten blocks stay unpaid. Either way no
	/// faulty block is ever paid.
	pub(crate) fn due(escrow: &EscrowOf<T>) -> Option<Due<T>> {
		escrow.start?;
		let judged = T::ServedBlocks::judged_until();
		let mut target = frame_system::Pallet::<T>::block_number().min(judged);
		if let Some(end) = escrow.end {
			target = target.min(end);
		}
		if target <= escrow.settled_to {
			return None;
		}
		let blocks = target.saturating_sub(escrow.settled_to);
		let provider = &escrow.provider;
		let (faulty, index) = if target == judged {
			let index = T::ServedBlocks::fault_index(provider);
			let since_snapshot: BlockNumberFor<T> =
				index.saturating_sub(escrow.fault_index).saturated_into();
			let before_settled =
				T::ServedBlocks::recent_faulty_blocks(provider, escrow.index_at, escrow.settled_to)
					.unwrap_or_default();
			(since_snapshot.saturating_sub(before_settled), Some(index))
		} else {
			let faulty = T::ServedBlocks::recent_faulty_blocks(provider, escrow.settled_to, target)
				.unwrap_or(blocks);
			(faulty, None)
		};
		let served = blocks.saturating_sub(faulty);
		let units: BalanceOf<T> = served.saturated_into::<u128>().saturated_into();
		// A product past the balance type's range is more than any escrow holds anyway.
		let cost = escrow.rate.checked_mul(&units).unwrap_or(escrow.balance).min(escrow.balance);
		Some(Due { target, served, cost, index })
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
