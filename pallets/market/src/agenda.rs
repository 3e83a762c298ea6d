//! The per-block agenda: start deadlines, expiries and bid windows, handled by `on_initialize`
//! a bounded number at a time, stale entries skipped.

use crate::*;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	traits::{LeaseEscrow, OnLeaseClosed, SlashAmount, SlashStake},
	CloseReason,
};
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};

/// Empty agenda blocks the hook may pass on top of its entry budget, so the cursor catches up.
const EXTRA_BLOCKS_VISITED: u32 = 2;

impl<T: Config> Pallet<T> {
	/// Puts `due` on the agenda at `at` (never earlier than the next block), on the block's last
	/// page or a new one: the agenda is never full, so nobody's call is refused because others
	/// filled a block. Returns the block used.
	pub(crate) fn schedule(
		at: BlockNumberFor<T>,
		due: Due,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		let slot = at.max(next);
		let pages = AgendaPages::<T>::get(slot);
		if let Some(last) = pages.checked_sub(1) {
			if Agenda::<T>::try_mutate(slot, last, |entries| entries.try_push(due)).is_ok() {
				return Ok(slot);
			}
		}
		let page = BoundedVec::try_from(alloc::vec![due]).map_err(|_| Error::<T>::Overflow)?;
		Agenda::<T>::insert(slot, pages, page);
		AgendaPages::<T>::insert(slot, pages.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Ok(slot)
	}

	/// Handles what is due up to `now`, at most `MaxDueHandledPerBlock` entries, and returns the
	/// weight used: the walk over agenda blocks plus each handled entry's own benchmarked
	/// weight.
	pub(crate) fn handle_agenda(now: BlockNumberFor<T>) -> Weight {
		let (mut block, mut page, mut done) = AgendaCursor::<T>::get();
		if block.is_zero() {
			// First run (genesis, or the pallet added to a running chain): start here.
			block = now;
		}
		let budget = T::MaxDueHandledPerBlock::get();
		let max_visits = budget.saturating_add(EXTRA_BLOCKS_VISITED);
		let (mut handled, mut visited) = (0u32, 0u32);
		let mut weight = Weight::zero();
		// Entries handled here only ever schedule later blocks, so a block's page count is read
		// once.
		let mut pages = None;
		while block <= now && handled < budget && visited < max_visits {
			visited += 1;
			if page >= *pages.get_or_insert_with(|| AgendaPages::<T>::get(block)) {
				AgendaPages::<T>::remove(block);
				block = block.saturating_add(One::one());
				(page, done, pages) = (0, 0, None);
				continue;
			}
			let entries = Agenda::<T>::get(block, page);
			while (done as usize) < entries.len() && handled < budget {
				if let Some(due) = entries.get(done as usize) {
					weight.saturating_accrue(Self::handle_due(*due, block, now));
				}
				done += 1;
				handled += 1;
			}
			if (done as usize) < entries.len() {
				break;
			}
			Agenda::<T>::remove(block, page);
			page += 1;
			done = 0;
		}
		AgendaCursor::<T>::put((block, page, done));
		weight.saturating_add(T::WeightInfo::on_initialize(visited))
	}

	/// Handles one entry of the agenda block `slot`; a stale entry does nothing. A failure rolls
	/// the entry's changes back, puts it on the agenda again `AgendaRetryDelay` blocks later and
	/// says so in an event: nothing due is ever dropped. Returns the entry's weight (its
	/// kind's worst case when it failed).
	pub(crate) fn handle_due(due: Due, slot: BlockNumberFor<T>, now: BlockNumberFor<T>) -> Weight {
		let outcome = frame_support::storage::with_storage_layer(|| match due {
			Due::StartDeadline(id) => {
				Self::start_deadline(id, slot, now).map(|()| T::WeightInfo::due_start_deadline())
			}
			Due::Expiry(id) => Self::expiry(id, slot, now).map(|()| T::WeightInfo::due_expiry()),
			Due::BidWindowClose(id) => Self::bid_window_close(id)
				.map(|(bids, leases)| T::WeightInfo::due_bid_window_close(bids, leases)),
			Due::OrderExpiry(id) => match Orders::<T>::get(id) {
				Some(order) => Self::end_order(id, &order, Zero::zero()).map(|()| {
					Self::deposit_event(Event::OrderExpired { order: id, leases: order.leases })
				}),
				None => Ok(()),
			}
			.map(|()| T::WeightInfo::due_order_expiry()),
			Due::ReleaseBids(id) => Ok(T::WeightInfo::due_release_bids(Self::release_bids(id))),
		});
		let weight = match outcome {
			Ok(weight) => weight,
			Err(error) => {
				Self::retry(due, error, now);
				Self::worst_due_weight(due)
			}
		};
		match due {
			// These may close a lease, which its observer is told of.
			Due::StartDeadline(_) | Due::Expiry(_) => {
				weight.saturating_add(T::OnLeaseClosed::weight())
			}
			_ => weight,
		}
	}

	/// The most an entry of `due`'s kind can weigh.
	fn worst_due_weight(due: Due) -> Weight {
		match due {
			Due::StartDeadline(_) => T::WeightInfo::due_start_deadline(),
			Due::Expiry(_) => T::WeightInfo::due_expiry(),
			Due::BidWindowClose(_) => T::WeightInfo::due_bid_window_close(
				T::MaxBidsPerOrder::get(),
				T::MaxReplicas::get(),
			),
			Due::OrderExpiry(_) => T::WeightInfo::due_order_expiry(),
			Due::ReleaseBids(_) => T::WeightInfo::due_release_bids(T::MaxBidsPerOrder::get()),
		}
	}

	/// Puts a failed entry on the agenda again and points its lease at the new block.
	fn retry(due: Due, error: DispatchError, now: BlockNumberFor<T>) {
		let at = now.saturating_add(T::AgendaRetryDelay::get().max(One::one()));
		let Ok(retry_at) = Self::schedule(at, due) else {
			// Only a page counter at `u32::MAX` gets here.
			log::error!(target: "runtime::market", "agenda entry {due:?} could not be retried");
			return;
		};
		if let Due::StartDeadline(id) | Due::Expiry(id) = due {
			Leases::<T>::mutate(id, |lease| {
				if let Some(lease) = lease {
					lease.slot = retry_at;
				}
			});
		}
		log::warn!(target: "runtime::market", "agenda entry {due:?} failed: {error:?}");
		Self::deposit_event(Event::AgendaEntryFailed { due, error, retry_at });
	}

	/// A pending lease past its deadline closes with `StartTimeout`. Either side may have caused
	/// it, and the chain cannot tell which: both lose the lease's start stake, to the treasury.
	fn start_deadline(
		id: nubes_primitives::LeaseId,
		slot: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let Some(lease) = Leases::<T>::get(id) else { return Ok(()) };
		if lease.slot != slot || !matches!(lease.state, LeaseState::Pending { .. }) {
			return Ok(());
		}
		Self::take_start_stake(id, &lease, true, true)?;
		Self::end_lease(id, lease, CloseReason::StartTimeout, now)
	}

	/// Takes a pending lease's start stake, to the treasury, from the tenant's escrow and/or the
	/// provider's bond (all the provider has, if less), and says so in `StartPenalty`.
	pub(crate) fn take_start_stake(
		id: nubes_primitives::LeaseId,
		lease: &LeaseOf<T>,
		from_tenant: bool,
		from_provider: bool,
	) -> DispatchResult {
		let tenant_forfeit =
			if from_tenant { T::Escrow::forfeit(id, lease.start_stake)? } else { Zero::zero() };
		let provider_slash = if from_provider {
			// A provider with no ledger left has nothing to take; that is not the lease's
			// failure.
			T::Slash::slash(
				&lease.provider,
				SlashAmount::Exact(lease.start_stake),
				Perbill::zero(),
				&[],
			)
			.unwrap_or_default()
		} else {
			Zero::zero()
		};
		Self::deposit_event(Event::StartPenalty { lease: id, tenant_forfeit, provider_slash });
		Ok(())
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
		if lease.slot != slot {
			return Ok(());
		}
		if let Some(end) = lease.duration.map(|d| since.saturating_add(d)) {
			if end <= now {
				return Self::end_lease(id, lease, CloseReason::Expired, end);
			}
		}
		let paid_until = T::Escrow::paid_until(id).unwrap_or(now);
		if paid_until > now {
			lease.slot = Self::schedule(Self::expiry_of(id, &lease), Due::Expiry(id))?;
			Leases::<T>::insert(id, lease);
			return Ok(());
		}
		Self::end_lease(id, lease, CloseReason::InsufficientFunds, now)
	}

	/// An order's bid window closed: the chain accepts for an auto-accept order; a manual one
	/// waits `AcceptPeriod` more for its tenant.
	/// Returns how many bids it ranked and how many leases it opened.
	fn bid_window_close(id: nubes_primitives::OrderId) -> Result<(u32, u32), DispatchError> {
		let Some(order) = Orders::<T>::get(id) else { return Ok((0, 0)) };
		if order.auto_accept {
			return Self::auto_accept(id);
		}
		Self::schedule(
			order.bid_window_end.saturating_add(T::AcceptPeriod::get()),
			Due::OrderExpiry(id),
		)
		.map(|_| (0, 0))
	}

	/// Checks the market's invariants: each provider's allocation is exactly the sum of its
	/// leases; every lease has an escrow and a live agenda entry; held order escrows, bid
	/// deposits and storage deposits are exactly what the orders, bids and leases account for;
	/// every agenda page belongs to a counted page of its block.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		use frame_support::{ensure, traits::fungible::InspectHold};
		use nubes_primitives::OrderId;
		use nubes_primitives::{traits::ProviderInspect, Resources};

		let mut allocated = BTreeMap::<T::AccountId, Resources>::new();
		let mut deposits = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut storage = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut order_escrow = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, lease) in Leases::<T>::iter() {
			let sum = allocated.entry(lease.provider.clone()).or_default();
			*sum = sum.checked_add(&lease.resources).ok_or("allocation overflows")?;
			let held = storage.entry(lease.tenant.clone()).or_default();
			*held = held.saturating_add(lease.deposit);
			ensure!(AccountLeases::<T>::contains_key(&lease.tenant, id), "tenant index missing");
			ensure!(
				AccountLeases::<T>::contains_key(&lease.provider, id),
				"provider index missing"
			);
			let due = match lease.state {
				LeaseState::Pending { .. } => Due::StartDeadline(id),
				LeaseState::Active { .. } => {
					ensure!(T::Escrow::paid_until(id).is_some(), "active lease without escrow");
					Due::Expiry(id)
				}
			};
			ensure!(
				Agenda::<T>::iter_prefix_values(lease.slot).any(|page| page.contains(&due)),
				"lease missing from the agenda"
			);
		}
		for (id, order) in Orders::<T>::iter() {
			let unused = order
				.escrow_per_replica
				.saturating_mul(order.replicas.saturating_sub(order.leases).into());
			let held = order_escrow.entry(order.tenant.clone()).or_default();
			*held = held.saturating_add(unused).saturating_add(order.deposit);
			ensure!(
				BidCount::<T>::get(id) <= T::MaxBidsPerOrder::get(),
				"an order with more bids than it may have"
			);
		}
		for id in Placements::<T>::iter_keys() {
			ensure!(Orders::<T>::contains_key(id), "a placement without its order");
		}
		// Every bid is counted; an ended order's bids wait for their release on the agenda.
		let releases: alloc::collections::BTreeSet<OrderId> = Agenda::<T>::iter_values()
			.flat_map(|page| page.into_iter())
			.filter_map(|due| match due {
				Due::ReleaseBids(id) => Some(id),
				_ => None,
			})
			.collect();
		for (id, provider, bid) in Bids::<T>::iter() {
			ensure!(bid.provider == provider, "a bid stored under another provider");
			ensure!(bid.seq < BidCount::<T>::get(id), "a bid beyond its order's count");
			ensure!(
				Orders::<T>::contains_key(id) || releases.contains(&id),
				"bids of an ended order with no release on the agenda"
			);
			// Every bid holds its deposit, accepted or not, until its order's bids are released.
			let held = deposits.entry(bid.provider.clone()).or_default();
			*held = held.saturating_add(T::BidDeposit::get());
		}
		for (block, page, _) in Agenda::<T>::iter() {
			ensure!(page < AgendaPages::<T>::get(block), "an agenda page beyond its block's count");
		}
		ensure!(
			Leases::<T>::iter_keys().count() as u32 == LeaseCount::<T>::get(),
			"lease count is off"
		);
		for (provider, sum) in allocated {
			let info = T::Providers::record(&provider).ok_or("lease of an unknown provider")?;
			ensure!(info.allocated == sum, "provider allocation differs from its leases");
		}
		for (provider, sum) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::BidDeposit.into(), &provider);
			ensure!(held == sum, "bid deposit hold differs from the bids kept");
		}
		for (tenant, sum) in storage {
			let held = T::Currency::balance_on_hold(&HoldReason::StorageDeposit.into(), &tenant);
			ensure!(held == sum, "storage deposit hold differs from leases");
		}
		for (tenant, sum) in order_escrow {
			let held = T::Currency::balance_on_hold(&HoldReason::OrderEscrow.into(), &tenant);
			ensure!(held == sum, "order hold differs from open orders' escrow and deposits");
		}
		Ok(())
	}
}
