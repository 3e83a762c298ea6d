//! The registry's dense slot index: every provider holds a slot in `0..SlotCount`, so that a
//! validator can find the providers assigned to it by slot (in closed form) instead of walking
//! the whole registry. A provider that registers takes the next slot; one whose record goes
//! leaves its slot vacant; vacancies are removed one step at a time by [`Pallet::compact_one`],
//! which the attestation pallet calls only between epochs, so a provider's slot never changes
//! while an epoch's challenges are under way.

use crate::*;
use frame_support::pallet_prelude::*;
use nubes_primitives::traits::{Compaction, ServingProvider};

impl<T: Config> Pallet<T> {
	/// Gives newly registered `who` the next slot.
	pub(crate) fn take_slot(who: &T::AccountId) -> DispatchResult {
		let slot = SlotCount::<T>::get();
		SlotCount::<T>::put(slot.checked_add(1).ok_or(Error::<T>::Overflow)?);
		Slots::<T>::insert(slot, who);
		SlotOf::<T>::insert(who, slot);
		Ok(())
	}

	/// Marks `who`'s slot vacant (its record is gone). The slot keeps its place until
	/// compaction.
	pub(crate) fn vacate_slot(who: &T::AccountId) {
		if let Some(slot) = SlotOf::<T>::take(who) {
			VacantSlots::<T>::insert(slot, ());
		}
	}

	/// The provider in `slot`, if the slot is held (its provider's current slot is this one).
	pub fn provider_at(slot: u32) -> Option<ServingProvider<T::AccountId>> {
		let who = Slots::<T>::get(slot)?;
		if SlotOf::<T>::get(&who) != Some(slot) {
			return None;
		}
		let info = Providers::<T>::get(&who)?;
		Some(ServingProvider {
			account: who,
			endpoint: info.endpoint,
			offered: info.offered,
			allocated: info.allocated,
		})
	}

	/// One step of compaction: pops the last slot if it is vacant, or else moves the last
	/// provider into some vacant slot.
	pub fn compact_one() -> Compaction<T::AccountId> {
		let count = SlotCount::<T>::get();
		let Some(last) = count.checked_sub(1) else { return Compaction::Done };
		if VacantSlots::<T>::take(last).is_some() {
			Slots::<T>::remove(last);
			SlotCount::<T>::put(last);
			return Compaction::Popped;
		}
		let Some(to) = VacantSlots::<T>::iter_keys().next() else { return Compaction::Done };
		VacantSlots::<T>::remove(to);
		// The last slot is held: it is not vacant, and a slot is either vacant or held.
		let Some(who) = Slots::<T>::take(last) else { return Compaction::Done };
		Slots::<T>::insert(to, &who);
		SlotOf::<T>::insert(&who, to);
		SlotCount::<T>::put(last);
		Compaction::Moved { who, from: last, to }
	}

	/// Every provider holds exactly one slot below the count; every other slot is vacant.
	#[cfg(any(feature = "try-runtime", test))]
	pub(crate) fn slots_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let count = SlotCount::<T>::get();
		let mut held = 0u32;
		for (who, slot) in SlotOf::<T>::iter() {
			held += 1;
			ensure!(slot < count, "a slot past the count");
			ensure!(Providers::<T>::contains_key(&who), "a slot of an unknown provider");
			ensure!(Slots::<T>::get(slot).as_ref() == Some(&who), "a slot names someone else");
			ensure!(!VacantSlots::<T>::contains_key(slot), "a held slot marked vacant");
		}
		ensure!(held == ProviderCount::<T>::get(), "a provider without a slot");
		let mut vacant = 0u32;
		for slot in VacantSlots::<T>::iter_keys() {
			vacant += 1;
			ensure!(slot < count, "a vacancy past the count");
		}
		ensure!(held.saturating_add(vacant) == count, "slots neither held nor vacant");
		ensure!(Slots::<T>::iter_keys().all(|slot| slot < count), "a slot entry past the count");
		Ok(())
	}
}
