//! Orders and bids: opening, bidding, accepting (by the tenant or, at the window's close, by the
//! chain), cancelling and expiring.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use nubes_primitives::{traits::ProviderInspect, OrderId, ProviderStatus};
use sp_runtime::traits::{CheckedAdd, CheckedMul, Saturating, Zero};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_order(tenant: T::AccountId, mut order: OrderOf<T>) -> DispatchResult {
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
		let total = order
			.escrow_per_replica
			.checked_mul(&order.replicas.into())
			.ok_or(Error::<T>::Overflow)?;
		T::Currency::hold(&HoldReason::OrderEscrow.into(), &tenant, total)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		order.deposit = T::OrderDeposit::get();
		T::Currency::hold(&HoldReason::StorageDeposit.into(), &tenant, order.deposit)
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
		Ok(())
	}

	/// Returns how many bids it released.
	pub(crate) fn do_cancel_order(who: T::AccountId, id: OrderId) -> Result<u32, DispatchError> {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
		ensure!(order.tenant == who, Error::<T>::NotTenant);
		let released = Self::end_order(id, &order, Bids::<T>::take(id))?;
		Self::deposit_event(Event::OrderCancelled { order: id });
		Ok(released)
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
		Self::ensure_can_serve(&provider, &order)?;
		Bids::<T>::try_mutate(id, |bids| {
			ensure!(bids.iter().all(|bid| bid.provider != provider), Error::<T>::AlreadyBid);
			bids.try_push(BidOf::<T> { provider: provider.clone(), price, accepted: false })
				.map_err(|_| Error::<T>::TooManyBids)?;
			T::Currency::hold(&HoldReason::BidDeposit.into(), &provider, T::BidDeposit::get())
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::BidPlaced { order: id, provider, price });
		Ok(())
	}

	/// Returns how many losing bids it released (none unless the order ended).
	pub(crate) fn do_accept_bid(
		tenant: T::AccountId,
		id: OrderId,
		provider: T::AccountId,
	) -> Result<u32, DispatchError> {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::UnknownOrder)?;
		ensure!(order.tenant == tenant, Error::<T>::NotTenant);
		let bids = Bids::<T>::get(id);
		let index =
			bids.iter().position(|bid| bid.provider == provider).ok_or(Error::<T>::NoSuchBid)?;
		ensure!(!bids[index].accepted, Error::<T>::ProviderAlreadyLeased);
		Self::accept(id, order, bids, index)
	}

	/// Opens a lease for the bid at `index` and closes the order once every replica has one;
	/// returns how many losing bids that released.
	pub(crate) fn accept(
		id: OrderId,
		mut order: OrderOf<T>,
		mut bids: BoundedVec<BidOf<T>, T::MaxBidsPerOrder>,
		index: usize,
	) -> Result<u32, DispatchError> {
		let bid = bids.get_mut(index).ok_or(Error::<T>::NoSuchBid)?;
		Self::ensure_can_serve(&bid.provider, &order)?;
		// The escrow moves from the order's hold to the lease's.
		T::Currency::release(
			&HoldReason::OrderEscrow.into(),
			&order.tenant,
			order.escrow_per_replica,
			Precision::Exact,
		)?;
		Self::open_lease(
			order.tenant.clone(),
			bid.provider.clone(),
			Some(id),
			order.spec,
			bid.price,
			order.manifest_hash,
			order.duration,
			order.escrow_per_replica,
		)?;
		// The bid has done its work; the lease carries its own deposit and start stake.
		T::Currency::release(
			&HoldReason::BidDeposit.into(),
			&bid.provider,
			T::BidDeposit::get(),
			Precision::BestEffort,
		)?;
		bid.accepted = true;
		order.leases = order.leases.saturating_add(1);
		if order.leases >= order.replicas {
			Bids::<T>::remove(id);
			let released = Self::end_order(id, &order, bids)?;
			Self::deposit_event(Event::OrderMatched { order: id });
			Ok(released)
		} else {
			Bids::<T>::insert(id, bids);
			Orders::<T>::insert(id, order);
			Ok(0)
		}
	}

	/// At the close of an auto-accept order's bid window: accepts the lowest bids (earliest
	/// first among equal prices) whose providers can still serve, one per missing replica.
	pub(crate) fn auto_accept(id: OrderId) -> DispatchResult {
		if !Orders::<T>::contains_key(id) {
			return Ok(());
		}
		let bids = Bids::<T>::get(id);
		let mut ranked: alloc::vec::Vec<usize> =
			(0..bids.len()).filter(|&i| !bids[i].accepted).collect();
		ranked.sort_by(|&a, &b| bids[a].price.cmp(&bids[b].price).then(a.cmp(&b)));
		for index in ranked {
			let Some(order) = Orders::<T>::get(id) else { break };
			let bids = Bids::<T>::get(id);
			// A provider that can no longer serve is skipped, with nothing half-done.
			let _ = frame_support::storage::with_transaction(|| {
				match Self::accept(id, order, bids, index) {
					Ok(_) => sp_runtime::TransactionOutcome::Commit(Ok(())),
					Err(error) => sp_runtime::TransactionOutcome::Rollback(Err(error)),
				}
			});
		}
		if let Some(order) = Orders::<T>::get(id) {
			Self::end_order(id, &order, Bids::<T>::take(id))?;
			Self::deposit_event(Event::OrderExpired { order: id, leases: order.leases });
		}
		Ok(())
	}

	/// Removes an order whose `bids` were taken from storage: releases the bids not accepted,
	/// the escrow of replicas without a lease and the order's deposit. Returns how many bids it
	/// released.
	pub(crate) fn end_order(
		id: OrderId,
		order: &OrderOf<T>,
		bids: BoundedVec<BidOf<T>, T::MaxBidsPerOrder>,
	) -> Result<u32, DispatchError> {
		let mut released = 0u32;
		for bid in bids.into_iter().filter(|bid| !bid.accepted) {
			released = released.saturating_add(1);
			T::Currency::release(
				&HoldReason::BidDeposit.into(),
				&bid.provider,
				T::BidDeposit::get(),
				Precision::BestEffort,
			)?;
			Self::deposit_event(Event::BidReleased { order: id, provider: bid.provider });
		}
		let unused = order
			.escrow_per_replica
			.saturating_mul(order.replicas.saturating_sub(order.leases).into());
		T::Currency::release(
			&HoldReason::OrderEscrow.into(),
			&order.tenant,
			unused,
			Precision::Exact,
		)?;
		T::Currency::release(
			&HoldReason::StorageDeposit.into(),
			&order.tenant,
			order.deposit,
			Precision::Exact,
		)?;
		Orders::<T>::remove(id);
		Ok(released)
	}

	/// Fails unless `provider` is active, has the free capacity and meets the placement.
	pub(crate) fn ensure_can_serve(provider: &T::AccountId, order: &OrderOf<T>) -> DispatchResult {
		let info = T::Providers::provider(provider).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(info.status == ProviderStatus::Active, Error::<T>::ProviderNotActive);
		ensure!(order.spec.fits_within(&info.free()), Error::<T>::InsufficientCapacity);
		ensure!(
			order.placement.admits(&info, |auditor| T::Providers::attested(provider, auditor)),
			Error::<T>::PlacementNotMet
		);
		Ok(())
	}
}
