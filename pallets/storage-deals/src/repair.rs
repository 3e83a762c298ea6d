//! Losing holders and choosing new ones: the market tells this pallet of every lease that
//! closes; a closed holder's shard becomes vacant (or lapses, when the deal's time is up), and
//! `on_initialize` fills vacancies a bounded number at a time.

use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	traits::{ManagedLeases, OnLeaseClosed, ProviderDirectory, ProviderInspect},
	CloseReason, DealId, LeaseId, ProviderStatus, Region,
};
use sp_runtime::traits::{Hash, Saturating, Zero};

impl<T: Config> OnLeaseClosed<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn lease_closed(
		lease: LeaseId,
		tenant: &T::AccountId,
		provider: &T::AccountId,
		reason: CloseReason,
		refunded: BalanceOf<T>,
	) {
		let Some((id, index)) = ShardOf::<T>::take(lease) else { return };
		let Some(mut deal) = Deals::<T>::get(id) else { return };
		let Some(shard) = deal.shards.get_mut(usize::from(index)) else { return };
		shard.holder = None;
		// What the lost holder's escrow gave back funds its replacement.
		if !refunded.is_zero()
			&& T::Currency::hold(&HoldReason::DealReserve.into(), tenant, refunded).is_ok()
		{
			deal.reserve = deal.reserve.saturating_add(refunded);
		}
		let now = frame_system::Pallet::<T>::block_number();
		if reason == CloseReason::Expired || Self::time_is_up(&deal, now) {
			Self::deposit_event(Event::ShardLapsed { deal: id, shard: index });
			Self::end_if_lapsed(id, deal);
			return;
		}
		Vacancies::<T>::insert(
			id,
			index,
			VacancyOf::<T> {
				lost: provider.clone(),
				next_slot: Self::first_slot(id, index),
				looked: 0,
				unfunded: false,
			},
		);
		Deals::<T>::insert(id, deal);
		Self::deposit_event(Event::HolderLost {
			deal: id,
			shard: index,
			provider: provider.clone(),
			reason,
		});
	}

	fn weight() -> Weight {
		T::WeightInfo::holder_lost().max(T::WeightInfo::deal_lapsed(T::MaxShards::get()))
	}
}

impl<T: Config> Pallet<T> {
	/// Tries to fill up to `MaxRepairsPerBlock` vacancies, going on from where the last block
	/// stopped (in a ring), and returns the weight used.
	pub(crate) fn repair_some() -> Weight {
		let budget = T::MaxRepairsPerBlock::get() as usize;
		let cursor = RepairCursor::<T>::get();
		let visits: alloc::vec::Vec<(DealId, u8, VacancyOf<T>)> = match &cursor {
			Some((deal, shard)) => {
				Vacancies::<T>::iter_from(Vacancies::<T>::hashed_key_for(deal, shard))
					.take(budget)
					.collect()
			}
			None => Vacancies::<T>::iter().take(budget).collect(),
		};
		let visited = visits.len() as u32;
		match visits.last() {
			// Fewer than the budget: the ring's end; the next block starts from its beginning.
			Some((deal, shard, _)) if visits.len() == budget => {
				RepairCursor::<T>::put((*deal, *shard))
			}
			_ if cursor.is_some() => RepairCursor::<T>::kill(),
			_ => {}
		}
		for (deal, shard, vacancy) in visits {
			Self::fill(deal, shard, vacancy);
		}
		T::WeightInfo::on_initialize(visited)
	}

	/// Tries to give `shard` of deal `id` a new holder: the first provider, walking up to
	/// `RepairProbes` registry slots from the vacancy's next one, that is active, has the
	/// shard's storage free, does not hold another shard of the deal (and is not the holder
	/// lost), keeps its region within the deal's parity, asks at most the deal's rate and
	/// whose start stake the reserve covers. Nothing is tried while fewer than `data` holders
	/// have confirmed theirs. Each attempt commits whole or not at all.
	pub(crate) fn fill(id: DealId, index: u8, mut vacancy: VacancyOf<T>) {
		let Some(mut deal) = Deals::<T>::get(id) else {
			Vacancies::<T>::remove(id, index);
			return;
		};
		let now = frame_system::Pallet::<T>::block_number();
		if Self::time_is_up(&deal, now) {
			Vacancies::<T>::remove(id, index);
			Self::deposit_event(Event::ShardLapsed { deal: id, shard: index });
			Self::end_if_lapsed(id, deal);
			return;
		}
		let Some(root) = deal.shards.get(usize::from(index)).map(|shard| shard.root) else {
			Vacancies::<T>::remove(id, index);
			return;
		};
		let slots = T::Providers::slots();
		if slots == 0 {
			return;
		}
		// A new holder rebuilds the shard from `data` others: until that many hold theirs (they
		// confirmed), no provider is asked to do what it cannot.
		let running = deal
			.shards
			.iter()
			.filter(|shard| shard.holder.as_ref().is_some_and(|h| T::Leases::is_running(h.lease)))
			.count();
		if running < usize::from(deal.data) {
			return;
		}
		let holders: alloc::vec::Vec<T::AccountId> = deal
			.shards
			.iter()
			.filter_map(|shard| shard.holder.as_ref().map(|holder| holder.provider.clone()))
			.collect();
		let regions: alloc::vec::Vec<Region> = holders
			.iter()
			.filter_map(|holder| T::Providers::record(holder).map(|info| info.region))
			.collect();
		let escrow = deal.escrow_per_shard.min(deal.reserve);
		let duration = deal.ends_at.map(|end| end.saturating_sub(now));
		let storage = Self::storage_of(deal.shard_gib);
		let mut short_of = None;
		let probes = T::RepairProbes::get().min(slots);
		for step in 0..probes {
			let slot = vacancy.next_slot.saturating_add(step) % slots;
			let Some(candidate) = T::Providers::at_slot(slot) else { continue };
			let who = candidate.account;
			if who == vacancy.lost || holders.contains(&who) {
				continue;
			}
			let Some(info) = T::Providers::record(&who) else { continue };
			if info.status != ProviderStatus::Active
				|| !storage.fits_within(&info.free())
				|| Self::count_region(&regions, &info.region) >= u32::from(deal.parity)
			{
				continue;
			}
			let Some(rate) = info.prices.cost_of(&storage) else { continue };
			if rate.is_zero() || rate > deal.max_rate {
				continue;
			}
			let needed = T::Leases::start_stake(rate, T::HolderStartTimeout::get());
			if needed > escrow {
				short_of = Some(short_of.map_or(needed, |least: BalanceOf<T>| least.min(needed)));
				continue;
			}
			let opened = frame_support::storage::with_storage_layer(|| {
				T::Currency::release(
					&HoldReason::DealReserve.into(),
					&deal.tenant,
					escrow,
					Precision::Exact,
				)?;
				T::Leases::open(
					&deal.tenant,
					&who,
					storage,
					deal.max_rate,
					duration,
					root,
					escrow,
					T::HolderStartTimeout::get(),
				)
			});
			let Ok((lease, _rate)) = opened else { continue };
			deal.reserve = deal.reserve.saturating_sub(escrow);
			if let Some(shard) = deal.shards.get_mut(usize::from(index)) {
				shard.holder = Some(Holder { provider: who.clone(), lease });
			}
			Deals::<T>::insert(id, deal);
			ShardOf::<T>::insert(lease, (id, index));
			Vacancies::<T>::remove(id, index);
			Self::deposit_event(Event::HolderAssigned {
				deal: id,
				shard: index,
				provider: who,
				lease,
			});
			return;
		}
		vacancy.next_slot = vacancy.next_slot.saturating_add(probes) % slots;
		vacancy.looked = vacancy.looked.saturating_add(probes);
		if let Some(needed) = short_of {
			if !vacancy.unfunded {
				vacancy.unfunded = true;
				Self::deposit_event(Event::RepairUnfunded {
					deal: id,
					shard: index,
					reserve: deal.reserve,
					needed,
				});
			}
		} else if vacancy.looked >= slots {
			vacancy.looked = 0;
			Self::deposit_event(Event::NoHolderFound { deal: id, shard: index });
		}
		Vacancies::<T>::insert(id, index, vacancy);
	}

	/// Whether a deal with a duration has reached its end.
	fn time_is_up(deal: &DealOf<T>, now: BlockNumberFor<T>) -> bool {
		deal.ends_at.is_some_and(|end| now >= end)
	}

	/// Stores `deal`, or ends it when no shard is held or waiting for a holder any more.
	fn end_if_lapsed(id: DealId, deal: DealOf<T>) {
		let held = deal.shards.iter().any(|shard| shard.holder.is_some());
		if held || Vacancies::<T>::iter_prefix(id).next().is_some() {
			Deals::<T>::insert(id, deal);
			return;
		}
		if Self::forget(id, &deal).is_ok() {
			Self::deposit_event(Event::DealEnded { deal: id });
		} else {
			// Only a broken hold gets here; the record stays for `close_deal`.
			Deals::<T>::insert(id, deal);
		}
	}

	/// Where the search for a new holder of `shard` of deal `id` starts: a slot drawn from the
	/// parent block's hash, so no tenant or provider picks the replacement.
	fn first_slot(id: DealId, shard: u8) -> u32 {
		let slots = T::Providers::slots().max(1);
		let seed = T::Hashing::hash_of(&(frame_system::Pallet::<T>::parent_hash(), id, shard));
		let mut word = [0u8; 4];
		word.copy_from_slice(&seed.as_ref()[..4]);
		u32::from_le_bytes(word) % slots
	}
}

/// Validators find the shard behind a holder's lease here, to probe it.
impl<T: Config> nubes_primitives::traits::ShardLookup for Pallet<T> {
	fn shard_of(lease: LeaseId) -> Option<nubes_primitives::traits::HeldShard> {
		let (id, index) = ShardOf::<T>::get(lease)?;
		let deal = Deals::<T>::get(id)?;
		let root = deal.shards.get(usize::from(index))?.root;
		let chunks = nubes_primitives::storage::shard_chunks(deal.size, deal.data)?;
		Some(nubes_primitives::traits::HeldShard { root, chunks: u32::try_from(chunks).ok()? })
	}
}
