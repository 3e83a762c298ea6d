//! What the registry offers other pallets: the capacity each bond backs (stake), capacity
//! allocation (market) and reputation updates (attestation).

use crate::*;
use frame_support::{ensure, pallet_prelude::*};
use nubes_primitives::{
	traits::{
		BackedCapacity, CapacityAllocator, Compaction, ProviderBond, ProviderDirectory,
		ReputationRecorder, ServingProvider,
	},
	ProviderStatus, Reputation, Resources,
};
use sp_runtime::traits::Zero;

impl<T: Config> BackedCapacity<T::AccountId> for Pallet<T> {
	fn capacity_to_back(who: &T::AccountId) -> Resources {
		match Providers::<T>::get(who) {
			Some(info) if info.status != ProviderStatus::Leaving => info.offered,
			_ => Resources::ZERO,
		}
	}

	fn on_stake_withdrawn(who: &T::AccountId) {
		// A provider forced out may still have leases closing: it goes with its last lease.
		if Providers::<T>::get(who)
			.is_some_and(|info| info.status == ProviderStatus::Leaving && info.allocated.is_zero())
		{
			Self::remove_provider(who);
		}
	}

	fn on_slashed(who: &T::AccountId) {
		let Some(mut info) = Providers::<T>::get(who) else { return };
		if info.status == ProviderStatus::Active
			&& Self::ensure_bond_covers(who, &info.offered).is_err()
		{
			info.status = ProviderStatus::Paused;
			Providers::<T>::insert(who, info);
			Self::deposit_event(Event::ProviderUnderbonded { provider: who.clone() });
		}
	}
}

impl<T: Config> CapacityAllocator<T::AccountId> for Pallet<T> {
	fn allocate(who: &T::AccountId, resources: &Resources) -> DispatchResult {
		Providers::<T>::try_mutate(who, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::UnknownProvider)?;
			ensure!(info.status == ProviderStatus::Active, Error::<T>::NotActive);
			let allocated = info.allocated.checked_add(resources).ok_or(Error::<T>::Overflow)?;
			ensure!(allocated.fits_within(&info.offered), Error::<T>::InsufficientCapacity);
			info.allocated = allocated;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::CapacityAllocated {
			provider: who.clone(),
			resources: *resources,
		});
		Ok(())
	}

	fn release(who: &T::AccountId, resources: &Resources) -> DispatchResult {
		let gone = Providers::<T>::try_mutate(who, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::UnknownProvider)?;
			info.allocated = info
				.allocated
				.checked_sub(resources)
				.ok_or(Error::<T>::ReleaseExceedsAllocation)?;
			Ok::<_, DispatchError>(
				info.status == ProviderStatus::Leaving
					&& info.allocated.is_zero()
					&& T::Stake::total_stake(who).is_zero(),
			)
		})?;
		Self::deposit_event(Event::CapacityReleased {
			provider: who.clone(),
			resources: *resources,
		});
		// The last lease of a provider forced out whose stake is already withdrawn.
		if gone {
			Self::remove_provider(who);
		}
		Ok(())
	}

	fn free_capacity(who: &T::AccountId) -> Option<Resources> {
		Providers::<T>::get(who).map(|info| info.free())
	}
}

impl<T: Config> ReputationRecorder<T::AccountId> for Pallet<T> {
	fn record_fault(who: &T::AccountId) -> Option<Reputation> {
		Self::update_reputation(who, |reputation| {
			reputation.faults = reputation.faults.saturating_add(1);
			reputation.consecutive_faults = reputation.consecutive_faults.saturating_add(1);
		})
	}

	fn record_served(who: &T::AccountId) {
		Self::update_reputation(who, |reputation| {
			reputation.epochs_served = reputation.epochs_served.saturating_add(1);
			reputation.consecutive_faults = 0;
		});
	}
}

impl<T: Config> ProviderDirectory<T::AccountId> for Pallet<T> {
	fn serving_after(
		after: Option<&T::AccountId>,
		limit: u32,
	) -> (alloc::vec::Vec<ServingProvider<T::AccountId>>, Option<T::AccountId>) {
		let iter = match after {
			Some(after) => Providers::<T>::iter_from(Providers::<T>::hashed_key_for(after)),
			None => Providers::<T>::iter(),
		};
		let mut serving = alloc::vec::Vec::new();
		let mut last = None;
		let mut scanned = 0u32;
		for (account, info) in iter.take(limit as usize) {
			scanned = scanned.saturating_add(1);
			// Leaving providers too: a provider is judged (and slashable) until its record goes
			// with the last of its stake, so leaving never dodges a verdict.
			serving.push(ServingProvider {
				account: account.clone(),
				endpoint: info.endpoint,
				offered: info.offered,
				allocated: info.allocated,
			});
			last = Some(account);
		}
		(serving, if scanned < limit { None } else { last })
	}

	fn slots() -> u32 {
		SlotCount::<T>::get()
	}

	fn at_slot(slot: u32) -> Option<ServingProvider<T::AccountId>> {
		Self::provider_at(slot)
	}

	fn slot_of(who: &T::AccountId) -> Option<u32> {
		SlotOf::<T>::get(who)
	}

	fn compact_one() -> Compaction<T::AccountId> {
		Pallet::<T>::compact_one()
	}
}

impl<T: Config> Pallet<T> {
	/// `who`'s record with its attributes, `None` if `who` is not a provider.
	pub fn info(who: &T::AccountId) -> Option<ProviderInfoOf<T>> {
		Providers::<T>::get(who)
			.map(|record| record.with_attributes(ProviderAttributes::<T>::get(who)))
	}

	/// Forces `who` out after repeated faults: no new leases, its whole bond unbonding, and it
	/// can never resume. Its leases are closed by the market; it is forgotten once they are and
	/// its stake is gone. A provider that already left is marked too.
	pub fn force_out(who: &T::AccountId) -> DispatchResult {
		let mut info = Providers::<T>::get(who).ok_or(Error::<T>::UnknownProvider)?;
		ForcedOut::<T>::insert(who, ());
		if info.status == ProviderStatus::Leaving {
			return Ok(());
		}
		T::Stake::unbond_all(who)?;
		info.status = ProviderStatus::Leaving;
		Providers::<T>::insert(who, info);
		Self::deposit_event(Event::ProviderForcedOut { provider: who.clone() });
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	fn update_reputation(
		who: &T::AccountId,
		f: impl FnOnce(&mut nubes_primitives::Reputation),
	) -> Option<Reputation> {
		let reputation = Providers::<T>::mutate(who, |maybe| {
			maybe.as_mut().map(|info| {
				f(&mut info.reputation);
				info.reputation
			})
		});
		if let Some(reputation) = reputation {
			Self::deposit_event(Event::ReputationUpdated { provider: who.clone(), reputation });
		}
		reputation
	}
}

impl<T: Config>
	nubes_primitives::traits::ProviderInspect<
		T::AccountId,
		T::Balance,
		frame_system::pallet_prelude::BlockNumberFor<T>,
	> for Pallet<T>
{
	fn provider(who: &T::AccountId) -> Option<ProviderInfoOf<T>> {
		Self::info(who)
	}

	fn record(who: &T::AccountId) -> Option<ProviderRecordOf<T>> {
		Providers::<T>::get(who)
	}

	fn attributes(who: &T::AccountId) -> nubes_primitives::Attributes {
		ProviderAttributes::<T>::get(who)
	}

	fn attested(
		provider: &T::AccountId,
		auditor: &T::AccountId,
	) -> nubes_primitives::AttributeMask {
		Self::attested(provider, auditor)
	}
}
