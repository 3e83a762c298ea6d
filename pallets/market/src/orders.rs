//! Orders and bids: opening, bidding, accepting (by the tenant or, at the window's close, by the
//! chain), cancelling and expiring.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use nubes_primitives::{traits::ProviderInspect, OrderId, Placement, ProviderStatus};
use sp_runtime::traits::{CheckedAdd, CheckedMul, Saturating, Zero};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_order(
		tenant: T::AccountId,
		mut order: OrderOf<T>,
		placement: Placement<T::AccountId>,
	) -> DispatchResult {
		ensure!(!order.spec.is_zero(), Error::<T>::EmptySpec);
		ensure!(
			order.replicas >= 1 && order.replicas <= T::MaxReplicas::get(),
			Error::<T>::BadReplicaCount
		);
		ensure!(order.duration.is_none_or(|d| !d.is_zero()), Error::<T>::ZeroDuration);
		let window = order.bid_window_end;
		ensure!(!window.is_zero() && window <= T::MaxBidWindow::get(), Error::<T>::BadBidWindow);
		ensure!(!order.max_price.is_zero(), Error::<T>::ZeroPrice);
		ensure!(!order.escrow_per_replica.is_zero(), Error::<T>::ZeroEscrow);
		// Every lease the order opens must cover its start stake; no bid can exceed the price.
		ensure!(
			order.escrow_per_replica >= Self::start_stake_for(order.max_price),
			Error::<T>::EscrowTooLow
		);

		let now = frame_system::Pallet::<T>::block_number();
		order.bid_window_end = now.checked_add(&window).ok_or(Error::<T>::Overflow)?;
		order.leases = 0;
		order.deposit = T::OrderDeposit::get();
		// The escrow of every replica and the deposit, in one hold.
		let total = order
			.escrow_per_replica
			.checked_mul(&order.replicas.into())
			.and_then(|escrow| escrow.checked_add(&order.deposit))
			.ok_or(Error::<T>::Overflow)?;
		T::Currency::hold(&HoldReason::OrderEscrow.into(), &tenant, total)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let id = NextOrderId::<T>::get();
		NextOrderId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Self::schedule(order.bid_window_end, Due::BidWindowClose(id))?;
		Self::deposit_event(Event::OrderCreated {
			order: id,
			tenant,
			spec: order.spec,
			replicas: order.replicas,
			max_price: order.max_price,
			bid_window_end: order.bid_window_end,
		});
		Orders::<T>::insert(id, order);
		if !placement.admits_any() {
			Placements::<T>::insert(id, placement);
		}
		Ok(())
	}

	pub(crate) fn do_cancel_order(who: T::AccountId, id: OrderId) -> DispatchResult {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
		ensure!(order.tenant == who, Error::<T>::NotTenant);
		Self::end_order(id, &order, Zero::zero())?;
		Self::deposit_event(Event::OrderCancelled { order: id });
		Ok(())
	}

	pub(crate) fn do_place_bid(
		provider: T::AccountId,
		id: OrderId,
		price: BalanceOf<T>,
	) -> DispatchResult {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < order.bid_window_end, Error::<T>::BidWindowClosed);
		ensure!(!price.is_zero(), Error::<T>::ZeroPrice);
		ensure!(price <= order.max_price, Error::<T>::PriceTooHigh);
		ensure!(!Bids::<T>::contains_key(id, &provider), Error::<T>::AlreadyBid);
		let seq = BidCount::<T>::get(id);
		ensure!(seq < T::MaxBidsPerOrder::get(), Error::<T>::TooManyBids);
		Self::ensure_can_serve(&provider, id, &order)?;
		T::Currency::hold(&HoldReason::BidDeposit.into(), &provider, T::BidDeposit::get())
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		BidCount::<T>::insert(id, seq.saturating_add(1));
		Bids::<T>::insert(
			id,
			&provider,
			BidOf::<T> { provider: provider.clone(), price, accepted: false, seq },
		);
		Self::deposit_event(Event::BidPlaced { order: id, provider, price });
		Ok(())
	}

	pub(crate) fn do_accept_bid(
		tenant: T::AccountId,
		id: OrderId,
		provider: T::AccountId,
	) -> DispatchResult {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
		ensure!(order.tenant == tenant, Error::<T>::NotTenant);
		let bid = Bids::<T>::get(id, &provider).ok_or(Error::<T>::NoSuchBid)?;
		ensure!(!bid.accepted, Error::<T>::ProviderAlreadyLeased);
		Self::accept(id, order, bid)
	}

	/// Opens a lease for `bid` and ends the order once every replica has one.
	pub(crate) fn accept(id: OrderId, mut order: OrderOf<T>, mut bid: BidOf<T>) -> DispatchResult {
		Self::ensure_can_serve(&bid.provider, id, &order)?;
		order.leases = order.leases.saturating_add(1);
		let last = order.leases >= order.replicas;
		// The escrow moves from the order's hold to the lease's; with the last replica the
		// order ends, and its deposit comes back in the same release.
		if last {
			Self::end_order(id, &order, order.escrow_per_replica)?;
		} else {
			T::Currency::release(
				&HoldReason::OrderEscrow.into(),
				&order.tenant,
				order.escrow_per_replica,
				Precision::Exact,
			)?;
		}
		Self::open_lease(
			order.tenant.clone(),
			bid.provider.clone(),
			Some(id),
			order.spec,
			bid.price,
			order.manifest_hash,
			order.duration,
			order.escrow_per_replica,
			T::StartTimeout::get(),
		)?;
		// The bid's deposit comes back with the other bids' when the order ends (the lease
		// carries its own deposit and start stake).
		bid.accepted = true;
		Bids::<T>::insert(id, bid.provider.clone(), bid);
		if last {
			Self::deposit_event(Event::OrderMatched { order: id });
		} else {
			Orders::<T>::insert(id, order);
		}
		Ok(())
	}

	/// At the close of an auto-accept order's bid window: accepts the lowest bids (earliest
	/// first among equal prices) whose providers can still serve, one per missing replica.
	/// Returns how many bids it ranked and how many leases it opened, for the hook's weight.
	pub(crate) fn auto_accept(id: OrderId) -> Result<(u32, u32), DispatchError> {
		if !Orders::<T>::contains_key(id) {
			return Ok((0, 0));
		}
		let mut ranked: alloc::vec::Vec<BidOf<T>> =
			Bids::<T>::iter_prefix_values(id).filter(|bid| !bid.accepted).collect();
		ranked.sort_by(|a, b| a.price.cmp(&b.price).then(a.seq.cmp(&b.seq)));
		let considered = ranked.len() as u32;
		let mut opened = 0u32;
		for bid in ranked {
			let Some(order) = Orders::<T>::get(id) else { break };
			// A provider that can no longer serve is skipped, with nothing half-done.
			let outcome =
				frame_support::storage::with_storage_layer(|| Self::accept(id, order, bid));
			if outcome.is_ok() {
				opened = opened.saturating_add(1);
			}
		}
		if let Some(order) = Orders::<T>::get(id) {
			Self::end_order(id, &order, Zero::zero())?;
			Self::deposit_event(Event::OrderExpired { order: id, leases: order.leases });
		}
		Ok((considered, opened))
	}

	/// Removes an order: releases, in one release, the escrow of replicas without a lease, the
	/// order's deposit and `also` (the escrow of a lease opening with it), and puts the
	/// release of its bids on the next block's agenda.
	pub(crate) fn end_order(id: OrderId, order: &OrderOf<T>, also: BalanceOf<T>) -> DispatchResult {
		let amount = order
			.escrow_per_replica
			.saturating_mul(order.replicas.saturating_sub(order.leases).into())
			.saturating_add(order.deposit)
			.saturating_add(also);
		T::Currency::release(
			&HoldReason::OrderEscrow.into(),
			&order.tenant,
			amount,
			Precision::Exact,
		)?;
		Orders::<T>::remove(id);
		Placements::<T>::remove(id);
		if BidCount::<T>::contains_key(id) {
			Self::schedule(frame_system::Pallet::<T>::block_number(), Due::ReleaseBids(id))?;
		}
		Ok(())
	}

	/// Releases the deposits of an ended order's bids, accepted or not, and removes them; returns
	/// how many bids it removed. Nothing happens while the order is open.
	pub(crate) fn release_bids(id: OrderId) -> u32 {
		if Orders::<T>::contains_key(id) {
			return 0;
		}
		let mut removed = 0u32;
		for bid in Bids::<T>::drain_prefix(id).map(|(_, bid)| bid) {
			removed = removed.saturating_add(1);
			// A shortfall cannot happen (the deposit was held with the bid), and a release
			// never fails the entry: the bid would otherwise be retried without its record.
			let _ = T::Currency::release(
				&HoldReason::BidDeposit.into(),
				&bid.provider,
				T::BidDeposit::get(),
				Precision::BestEffort,
			);
			Self::deposit_event(Event::BidReleased { order: id, provider: bid.provider });
		}
		BidCount::<T>::remove(id);
		removed
	}

	/// Fails unless `provider` is active, has the free capacity and meets order `id`'s placement
	/// (read only if the order has one).
	pub(crate) fn ensure_can_serve(
		provider: &T::AccountId,
		id: OrderId,
		order: &OrderOf<T>,
	) -> DispatchResult {
		let record = T::Providers::record(provider).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(record.status == ProviderStatus::Active, Error::<T>::ProviderNotActive);
		ensure!(order.spec.fits_within(&record.free()), Error::<T>::InsufficientCapacity);
		if let Some(placement) = Placements::<T>::get(id) {
			ensure!(
				placement.admits(
					&record,
					|| T::Providers::attributes(provider),
					|auditor| T::Providers::attested(provider, auditor)
				),
				Error::<T>::PlacementNotMet
			);
		}
		Ok(())
	}
}
