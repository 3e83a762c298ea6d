//! The per-block agenda: start deadlines, expiries and bid windows, handled by `on_initialize`
//! a bounded number at a time, stale entries skipped.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	traits::{LeaseEscrow, SlashAmount, SlashStake},
	CloseReason,
};
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill, TransactionOutcome,
};

/// How many blocks after the requested one `schedule` tries when a block's agenda is full.
const SCHEDULE_PROBES: u32 = 16;
/// Empty agenda blocks the hook may pass on top of its entry budget, so the cursor catches up.
const EXTRA_BLOCKS_VISITED: u32 = 2;

impl<T: Config> Pallet<T> {
	/// Puts `due` on the agenda at `at` (never earlier than the next block), or at the first
	/// later block with room. Returns the block used.
	pub(crate) fn schedule(
		at: BlockNumberFor<T>,
		due: Due,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		let mut slot = at.max(next);
		for _ in 0..SCHEDULE_PROBES {
			if Agenda::<T>::try_mutate(slot, |entries| entries.try_push(due)).is_ok() {
				return Ok(slot);
			}
			slot = slot.saturating_add(One::one());
		}
		Err(Error::<T>::AgendaFull.into())
	}

	/// Handles what is due up to `now`, at most `MaxDueHandledPerBlock` entries, and returns the
	/// weight used.
	pub(crate) fn handle_agenda(now: BlockNumberFor<T>) -> Weight {
		let (mut block, mut done) = AgendaCursor::<T>::get();
		if block.is_zero() {
			// First run (genesis, or the pallet added to a running chain): start here.
			block = now;
		}
		let budget = T::MaxDueHandledPerBlock::get();
		let max_blocks = budget.saturating_add(EXTRA_BLOCKS_VISITED);
		let (mut handled, mut visited) = (0u32, 0u32);
		while block <= now && handled < budget && visited < max_blocks {
			let entries = Agenda::<T>::get(block);
			visited += 1;
			while (done as usize) < entries.len() && handled < budget {
				if let Some(due) = entries.get(done as usize) {
					Self::handle_due(*due, block, now);
				}
				done += 1;
				handled += 1;
			}
			if (done as usize) < entries.len() {
				break;
			}
			Agenda::<T>::remove(block);
			block = block.saturating_add(One::one());
			done = 0;
		}
		AgendaCursor::<T>::put((block, done));
		T::WeightInfo::on_initialize(visited, handled, LeaseCount::<T>::get())
	}

	/// Handles one entry of the agenda block `slot`; a stale entry does nothing. A failure rolls
	/// the entry's changes back and leaves the rest of the agenda to go on.
	fn handle_due(due: Due, slot: BlockNumberFor<T>, now: BlockNumberFor<T>) {
		let _ = frame_support::storage::with_transaction(|| {
			let result = match due {
				Due::StartDeadline(id) => Self::start_deadline(id, slot, now),
				Due::Expiry(id) => Self::expiry(id, slot, now),
				Due::BidWindowClose(id) => Self::bid_window_close(id),
				Due::OrderExpiry(id) => match Orders::<T>::get(id) {
					Some(order) => Self::end_order(id, &order, Bids::<T>::take(id)).map(|_| {
						Self::deposit_event(Event::OrderExpired { order: id, leases: order.leases })
					}),
					None => Ok(()),
				},
			};
			match result {
				Ok(()) => TransactionOutcome::Commit(Ok::<_, DispatchError>(())),
				Err(error) => {
					log::warn!(target: "runtime::market", "agenda entry {due:?} failed: {error:?}");
					TransactionOutcome::Rollback(Err(error))
				}
			}
		});
	}

	/// A pending lease past its deadline closes with `StartTimeout`; the tenant receives the
	/// provider's bid deposit or, for a direct lease, a slash of its stake.
	fn start_deadline(
		id: nubes_primitives::LeaseId,
		slot: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let Some(mut lease) = Leases::<T>::get(id) else { return Ok(()) };
		if lease.state != (LeaseState::Pending { deadline: slot }) {
			return Ok(());
		}
		if lease.bid_deposit.is_zero() {
			// Best effort: a provider with no stake left has nothing to give.
			let _ = T::Slash::slash(
				&lease.provider,
				SlashAmount::Exact(T::DirectStartSlash::get()),
				&[(lease.tenant.clone(), Perbill::one())],
			);
		} else {
			T::Currency::transfer_on_hold(
				&HoldReason::BidDeposit.into(),
				&lease.provider,
				&lease.tenant,
				lease.bid_deposit,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)?;
			lease.bid_deposit = Zero::zero();
		}
		Self::end_lease(id, lease, CloseReason::StartTimeout, now)
	}

	/// An active lease whose check is due: ended (`Expired`), out of escrow
	/// (`InsufficientFunds`), or, if unserved blocks left it funds, checked again later.
	fn expiry(
		id: nubes_primitives::LeaseId,
		slot: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let Some(mut lease) = Leases::<T>::get(id) else { return Ok(()) };
		let LeaseState::Active { since } = lease.state else { return Ok(()) };
		if lease.expiry_slot != Some(slot) {
			return Ok(());
		}
		if let Some(end) = lease.duration.map(|d| since.saturating_add(d)) {
			if end <= now {
				return Self::end_lease(id, lease, CloseReason::Expired, end);
			}
		}
		let paid_until = T::Escrow::paid_until(id).unwrap_or(now);
		if paid_until > now {
			lease.expiry_slot = Some(Self::schedule(Self::expiry_of(id, &lease), Due::Expiry(id))?);
			Leases::<T>::insert(id, lease);
			return Ok(());
		}
		Self::end_lease(id, lease, CloseReason::InsufficientFunds, now)
	}

	/// An order's bid window closed: the chain accepts for an auto-accept order; a manual one
	/// waits `AcceptPeriod` more for its tenant.
	fn bid_window_close(id: nubes_primitives::OrderId) -> DispatchResult {
		let Some(order) = Orders::<T>::get(id) else { return Ok(()) };
		if order.auto_accept {
			return Self::auto_accept(id);
		}
		Self::schedule(
			order.bid_window_end.saturating_add(T::AcceptPeriod::get()),
			Due::OrderExpiry(id),
		)
		.map(|_| ())
	}

	/// Checks the market's invariants: each provider's allocation is exactly the sum of its
	/// leases; every lease has an escrow and a live agenda entry; held order escrows and bid
	/// deposits are exactly what the orders, bids and leases account for.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		use frame_support::{ensure, traits::fungible::InspectHold};
		use nubes_primitives::{traits::ProviderInspect, Resources};

		let mut allocated = BTreeMap::<T::AccountId, Resources>::new();
		let mut deposits = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut order_escrow = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, lease) in Leases::<T>::iter() {
			let sum = allocated.entry(lease.provider.clone()).or_default();
			*sum = sum.checked_add(&lease.resources).ok_or("allocation overflows")?;
			let held = deposits.entry(lease.provider.clone()).or_default();
			*held = held.saturating_add(lease.bid_deposit);
			ensure!(AccountLeases::<T>::contains_key(&lease.tenant, id), "tenant index missing");
			ensure!(
				AccountLeases::<T>::contains_key(&lease.provider, id),
				"provider index missing"
			);
			let (slot, due) = match lease.state {
				LeaseState::Pending { deadline } => (deadline, Due::StartDeadline(id)),
				LeaseState::Active { .. } => {
					ensure!(T::Escrow::paid_until(id).is_some(), "active lease without escrow");
					(lease.expiry_slot.ok_or("active lease without expiry check")?, Due::Expiry(id))
				}
			};
			ensure!(Agenda::<T>::get(slot).contains(&due), "lease missing from the agenda");
		}
		for (id, order) in Orders::<T>::iter() {
			let unused = order
				.escrow_per_replica
				.saturating_mul(order.replicas.saturating_sub(order.leases).into());
			let held = order_escrow.entry(order.tenant.clone()).or_default();
			*held = held.saturating_add(unused);
			for bid in Bids::<T>::get(id).iter().filter(|bid| !bid.accepted) {
				let held = deposits.entry(bid.provider.clone()).or_default();
				*held = held.saturating_add(T::BidDeposit::get());
			}
		}
		ensure!(
			Leases::<T>::iter_keys().count() as u32 == LeaseCount::<T>::get(),
			"lease count is off"
		);
		for (provider, sum) in allocated {
			let info = T::Providers::provider(&provider).ok_or("lease of an unknown provider")?;
			ensure!(info.allocated == sum, "provider allocation differs from its leases");
		}
		for (provider, sum) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::BidDeposit.into(), &provider);
			ensure!(held == sum, "bid deposit hold differs from bids and leases");
		}
		for (tenant, sum) in order_escrow {
			let held = T::Currency::balance_on_hold(&HoldReason::OrderEscrow.into(), &tenant);
			ensure!(held == sum, "order escrow hold differs from open orders");
		}
		Ok(())
	}
}
