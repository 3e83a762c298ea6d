//! The lease lifecycle: direct leases, opening, confirmation, top-ups and closing.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	traits::{
		CapacityAllocator, Compensation, LeaseEscrow, ManagedLeases, OnLeaseClosed, ProviderInspect,
	},
	CloseReason, LeaseId, OrderId, ProviderStatus, Resources,
};
use sp_runtime::{
	traits::{CheckedAdd, Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_lease_direct(
		tenant: T::AccountId,
		provider: T::AccountId,
		spec: Resources,
		max_rate: BalanceOf<T>,
		duration: Option<BlockNumberFor<T>>,
		manifest_hash: ManifestHash,
		escrow: BalanceOf<T>,
	) -> DispatchResult {
		Self::lease_at_posted_prices(
			tenant,
			provider,
			spec,
			max_rate,
			duration,
			manifest_hash,
			escrow,
			T::StartTimeout::get(),
		)?;
		Ok(())
	}

	/// Opens a lease of `spec` on `provider` at its posted prices, if they are at most
	/// `max_rate`, to be confirmed within `start_within` blocks: a direct lease, or a storage
	/// deal's holder. Returns the lease and its rate.
	pub(crate) fn lease_at_posted_prices(
		tenant: T::AccountId,
		provider: T::AccountId,
		spec: Resources,
		max_rate: BalanceOf<T>,
		duration: Option<BlockNumberFor<T>>,
		manifest_hash: ManifestHash,
		escrow: BalanceOf<T>,
		start_within: BlockNumberFor<T>,
	) -> Result<(LeaseId, BalanceOf<T>), DispatchError> {
		ensure!(!spec.is_zero(), Error::<T>::EmptySpec);
		ensure!(duration.is_none_or(|d| !d.is_zero()), Error::<T>::ZeroDuration);
		ensure!(!escrow.is_zero(), Error::<T>::ZeroEscrow);
		// O(1): one registry read, the posted prices, the free capacity.
		let info = T::Providers::record(&provider).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(info.status == ProviderStatus::Active, Error::<T>::ProviderNotActive);
		ensure!(spec.fits_within(&info.free()), Error::<T>::InsufficientCapacity);
		let rate = info.prices.cost_of(&spec).ok_or(Error::<T>::Overflow)?;
		ensure!(!rate.is_zero(), Error::<T>::ZeroPrice);
		ensure!(rate <= max_rate, Error::<T>::PriceTooHigh);
		let id = Self::open_lease(
			tenant,
			provider,
			None,
			spec,
			rate,
			manifest_hash,
			duration,
			escrow,
			start_within,
		)?;
		Ok((id, rate))
	}

	/// What leaving a lease at `rate` pending costs each side: `MinEscrow`, or `StartTimeout`
	/// blocks at `rate` if more (the capacity the provider kept free for it meanwhile).
	pub fn start_stake_for(rate: BalanceOf<T>) -> BalanceOf<T> {
		Self::start_stake_within(rate, T::StartTimeout::get())
	}

	/// The same for a lease to be confirmed within `blocks` blocks.
	pub fn start_stake_within(rate: BalanceOf<T>, blocks: BlockNumberFor<T>) -> BalanceOf<T> {
		let blocks: BalanceOf<T> = blocks.saturated_into::<u128>().saturated_into();
		rate.saturating_mul(blocks).max(T::MinEscrow::get())
	}

	/// Allocates the capacity, holds the tenant's storage deposit, funds the escrow (which must
	/// cover the start stake) and schedules the start deadline of a new lease, `start_within`
	/// blocks away.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn open_lease(
		tenant: T::AccountId,
		provider: T::AccountId,
		order: Option<OrderId>,
		resources: Resources,
		rate: BalanceOf<T>,
		manifest_hash: ManifestHash,
		duration: Option<BlockNumberFor<T>>,
		escrow: BalanceOf<T>,
		start_within: BlockNumberFor<T>,
	) -> Result<LeaseId, DispatchError> {
		let start_stake = Self::start_stake_within(rate, start_within);
		ensure!(escrow >= start_stake, Error::<T>::EscrowTooLow);
		T::Providers::allocate(&provider, &resources)?;
		let deposit = T::LeaseDeposit::get();
		T::Currency::hold(&HoldReason::StorageDeposit.into(), &tenant, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let id = NextLeaseId::<T>::get();
		NextLeaseId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		T::Escrow::open(id, &tenant, &provider, rate, escrow)?;
		let now = frame_system::Pallet::<T>::block_number();
		let deadline = Self::schedule(
			now.checked_add(&start_within).ok_or(Error::<T>::Overflow)?,
			Due::StartDeadline(id),
		)?;
		AccountLeases::<T>::insert(&tenant, id, ());
		AccountLeases::<T>::insert(&provider, id, ());
		LeaseCount::<T>::mutate(|count| *count = count.saturating_add(1));
		Self::deposit_event(Event::LeaseCreated {
			lease: id,
			order,
			tenant: tenant.clone(),
			provider: provider.clone(),
			resources,
			rate,
			deadline,
		});
		Leases::<T>::insert(
			id,
			LeaseOf::<T> {
				tenant,
				provider,
				order,
				resources,
				rate,
				manifest_hash,
				duration,
				state: LeaseState::Pending { deadline },
				deposit,
				start_stake,
				slot: deadline,
			},
		);
		Ok(id)
	}

	pub(crate) fn do_confirm_lease(provider: T::AccountId, id: LeaseId) -> DispatchResult {
		let mut lease = Leases::<T>::get(id).ok_or(Error::<T>::UnknownLease)?;
		ensure!(lease.provider == provider, Error::<T>::NotProvider);
		let LeaseState::Pending { deadline } = lease.state else {
			return Err(Error::<T>::NotPending.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < deadline, Error::<T>::NotPending);
		T::Escrow::start(id, now)?;
		lease.state = LeaseState::Active { since: now };
		lease.slot = Self::schedule(Self::expiry_of(id, &lease), Due::Expiry(id))?;
		Leases::<T>::insert(id, lease);
		Self::deposit_event(Event::LeaseActivated { lease: id, since: now });
		Ok(())
	}

	pub(crate) fn do_close_lease_by(who: T::AccountId, id: LeaseId) -> DispatchResult {
		let lease = Leases::<T>::get(id).ok_or(Error::<T>::UnknownLease)?;
		let reason = if who == lease.tenant {
			CloseReason::TenantClosed
		} else if who == lease.provider {
			CloseReason::ProviderClosed
		} else {
			return Err(Error::<T>::NotParty.into());
		};
		if matches!(lease.state, LeaseState::Pending { .. }) {
			// Walking away from a pending lease costs what the deadline would have cost the
			// closer; the other side, which cannot have caused it, loses nothing.
			let by_tenant = reason == CloseReason::TenantClosed;
			Self::take_start_stake(id, &lease, by_tenant, !by_tenant)?;
		}
		Self::end_lease(id, lease, reason, frame_system::Pallet::<T>::block_number())
	}

	pub(crate) fn do_top_up(
		tenant: T::AccountId,
		id: LeaseId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let mut lease = Leases::<T>::get(id).ok_or(Error::<T>::UnknownLease)?;
		ensure!(lease.tenant == tenant, Error::<T>::NotTenant);
		T::Escrow::top_up(id, amount)?;
		let expiry_check = match lease.state {
			LeaseState::Active { .. } => {
				// The old agenda entry goes stale; the hook skips it.
				let slot = Self::schedule(Self::expiry_of(id, &lease), Due::Expiry(id))?;
				lease.slot = slot;
				Leases::<T>::insert(id, &lease);
				slot
			}
			LeaseState::Pending { .. } => lease.slot,
		};
		Self::deposit_event(Event::LeaseToppedUp { lease: id, amount, expiry_check });
		Ok(())
	}

	/// Closes a lease at block `at`: releases its capacity and the tenant's storage deposit,
	/// settles and refunds its escrow, and forgets it.
	pub(crate) fn end_lease(
		id: LeaseId,
		lease: LeaseOf<T>,
		reason: CloseReason,
		at: BlockNumberFor<T>,
	) -> DispatchResult {
		T::Providers::release(&lease.provider, &lease.resources)?;
		let refunded = T::Escrow::close(id, at)?;
		T::Currency::release(
			&HoldReason::StorageDeposit.into(),
			&lease.tenant,
			lease.deposit,
			Precision::BestEffort,
		)?;
		AccountLeases::<T>::remove(&lease.tenant, id);
		AccountLeases::<T>::remove(&lease.provider, id);
		Leases::<T>::remove(id);
		LeaseCount::<T>::mutate(|count| *count = count.saturating_sub(1));
		Self::deposit_event(Event::LeaseClosed { lease: id, reason });
		T::OnLeaseClosed::lease_closed(id, &lease.tenant, &lease.provider, reason, refunded);
		Ok(())
	}

	/// When an active lease must next be checked: its escrow runs out or its duration ends,
	/// whichever comes first.
	pub(crate) fn expiry_of(id: LeaseId, lease: &LeaseOf<T>) -> BlockNumberFor<T> {
		let paid_until =
			T::Escrow::paid_until(id).unwrap_or_else(frame_system::Pallet::<T>::block_number);
		match (lease.state, lease.duration) {
			(LeaseState::Active { since }, Some(duration)) => {
				paid_until.min(since.saturating_add(duration))
			}
			_ => paid_until,
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The tenants of `provider`'s leases (looking at no more than eight times `limit` of its
	/// account's leases, and keeping at most `limit` tenants), each weighted by the escrow it
	/// has at risk with the provider and capped at what it has paid it: who to compensate from
	/// the provider's slash.
	pub fn compensation_of(
		provider: &T::AccountId,
		limit: u32,
	) -> alloc::vec::Vec<Compensation<T::AccountId, BalanceOf<T>>> {
		let mut tenants: alloc::vec::Vec<Compensation<T::AccountId, BalanceOf<T>>> =
			alloc::vec::Vec::new();
		for id in
			AccountLeases::<T>::iter_key_prefix(provider).take(limit.saturating_mul(8) as usize)
		{
			let Some(lease) = Leases::<T>::get(id) else { continue };
			if &lease.provider != provider {
				continue;
			}
			let (at_risk, paid) = T::Escrow::exposure(id).unwrap_or_default();
			let room = tenants.len() < limit as usize;
			match tenants.iter_mut().find(|entry| entry.who == lease.tenant) {
				Some(entry) => {
					entry.weight = entry.weight.saturating_add(at_risk);
					entry.cap = entry.cap.saturating_add(paid);
				}
				None if room => {
					tenants.push(Compensation { who: lease.tenant, weight: at_risk, cap: paid })
				}
				None => {}
			}
		}
		tenants
	}

	/// Up to `limit` of the active leases `provider` serves (as provider, not as tenant),
	/// looking at no more than eight times `limit` of its account's leases: what validators'
	/// liveness probes sample (off-chain; the caller charges any weight).
	pub fn running_leases_of(provider: &T::AccountId, limit: u32) -> alloc::vec::Vec<LeaseId> {
		AccountLeases::<T>::iter_key_prefix(provider)
			.take(limit.saturating_mul(8) as usize)
			.filter(|id| {
				Leases::<T>::get(id).is_some_and(|lease| {
					&lease.provider == provider && matches!(lease.state, LeaseState::Active { .. })
				})
			})
			.take(limit as usize)
			.collect()
	}

	/// Closes up to `limit` of `provider`'s leases as `ProviderFaulty` (leases where it is the
	/// tenant are left alone); returns how many closed and whether more may remain. Its weight
	/// is the caller's to benchmark (the attestation pallet's eviction step).
	pub fn close_leases_of(provider: &T::AccountId, limit: u32) -> (u32, bool) {
		let now = frame_system::Pallet::<T>::block_number();
		let ids: alloc::vec::Vec<LeaseId> = AccountLeases::<T>::iter_key_prefix(provider)
			.take(limit.saturating_mul(8) as usize)
			.collect();
		let mut closed = 0u32;
		for id in ids {
			if closed >= limit {
				break;
			}
			let Some(lease) = Leases::<T>::get(id) else { continue };
			if &lease.provider != provider {
				continue;
			}
			// Each close commits whole or not at all.
			let outcome = frame_support::storage::with_storage_layer(|| {
				Self::end_lease(id, lease, CloseReason::ProviderFaulty, now)
			});
			if outcome.is_ok() {
				closed = closed.saturating_add(1);
			}
		}
		(closed, closed >= limit)
	}
}

/// Storage deals open and close their holders' leases through this, under the same rules as a
/// tenant's own direct lease.
impl<T: Config> ManagedLeases<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
	fn open(
		tenant: &T::AccountId,
		provider: &T::AccountId,
		resources: Resources,
		max_rate: BalanceOf<T>,
		duration: Option<BlockNumberFor<T>>,
		binding: [u8; 32],
		escrow: BalanceOf<T>,
		start_within: BlockNumberFor<T>,
	) -> Result<(LeaseId, BalanceOf<T>), DispatchError> {
		Self::lease_at_posted_prices(
			tenant.clone(),
			provider.clone(),
			resources,
			max_rate,
			duration,
			binding,
			escrow,
			start_within,
		)
	}

	fn close(tenant: &T::AccountId, lease: LeaseId) -> DispatchResult {
		Self::do_close_lease_by(tenant.clone(), lease)
	}

	fn start_stake(rate: BalanceOf<T>, start_within: BlockNumberFor<T>) -> BalanceOf<T> {
		Self::start_stake_within(rate, start_within)
	}

	fn is_running(lease: LeaseId) -> bool {
		Leases::<T>::get(lease)
			.is_some_and(|lease| matches!(lease.state, LeaseState::Active { .. }))
	}
}

impl<T: Config> nubes_primitives::traits::LeaseTenancy<T::AccountId> for Pallet<T> {
	fn tenant_of(lease: LeaseId) -> Option<T::AccountId> {
		Leases::<T>::get(lease).map(|lease| lease.tenant)
	}
}
