//! Opening, funding and closing deals.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{
	storage::shard_gib,
	traits::{ManagedLeases, ProviderInspect},
	DealId, Region, Resources,
};
use sp_runtime::traits::{CheckedAdd, Saturating, Zero};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_deal(
		tenant: T::AccountId,
		root: Root,
		size: u64,
		(data, parity): (u8, u8),
		shard_roots: BoundedVec<Root, T::MaxShards>,
		holders: BoundedVec<T::AccountId, T::MaxShards>,
		max_rate: BalanceOf<T>,
		duration: Option<BlockNumberFor<T>>,
		escrow_per_shard: BalanceOf<T>,
		reserve: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(size > 0, Error::<T>::EmptyContent);
		ensure!(size <= T::MaxDealBytes::get(), Error::<T>::ContentTooLarge);
		let shards = u32::from(data).saturating_add(u32::from(parity));
		ensure!(data > 0 && parity > 0 && shards <= T::MaxShards::get(), Error::<T>::BadErasure);
		ensure!(
			shard_roots.len() == shards as usize && holders.len() == shards as usize,
			Error::<T>::ShardCountMismatch
		);
		for (i, holder) in holders.iter().enumerate() {
			ensure!(!holders[..i].contains(holder), Error::<T>::DuplicateHolder);
		}
		let mut regions = alloc::vec::Vec::with_capacity(holders.len());
		for holder in holders.iter() {
			let info = T::Providers::record(holder).ok_or(Error::<T>::UnknownProvider)?;
			regions.push(info.region);
		}
		for region in &regions {
			ensure!(
				Self::count_region(&regions, region) <= u32::from(parity),
				Error::<T>::RegionOverloaded
			);
		}
		let gib = shard_gib(size, data).ok_or(Error::<T>::Overflow)?;
		let deposit = Self::deposit_for(shards)?;
		T::Currency::hold(&HoldReason::StorageDeposit.into(), &tenant, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		if !reserve.is_zero() {
			T::Currency::hold(&HoldReason::DealReserve.into(), &tenant, reserve)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		let id = NextDealId::<T>::get();
		NextDealId::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
		let now = frame_system::Pallet::<T>::block_number();
		let ends_at = match duration {
			Some(blocks) => Some(now.checked_add(&blocks).ok_or(Error::<T>::Overflow)?),
			None => None,
		};
		Self::deposit_event(Event::DealCreated {
			deal: id,
			tenant: tenant.clone(),
			root,
			size,
			data,
			parity,
			shard_gib: gib,
		});
		let mut placed = BoundedVec::<Shard<T::AccountId>, T::MaxShards>::new();
		for (index, (shard_root, provider)) in shard_roots.into_iter().zip(holders).enumerate() {
			// `index` < `MaxShards`, itself at most 255 shards (`data + parity` are `u8`s).
			let index = index as u8;
			let (lease, _rate) = T::Leases::open(
				&tenant,
				&provider,
				Self::storage_of(gib),
				max_rate,
				duration,
				shard_root,
				escrow_per_shard,
				T::HolderStartTimeout::get(),
			)?;
			ShardOf::<T>::insert(lease, (id, index));
			Self::deposit_event(Event::HolderAssigned {
				deal: id,
				shard: index,
				provider: provider.clone(),
				lease,
			});
			placed
				.try_push(Shard { root: shard_root, holder: Some(Holder { provider, lease }) })
				.map_err(|_| Error::<T>::BadErasure)?;
		}
		DealsByRoot::<T>::insert(root, id, ());
		Deals::<T>::insert(
			id,
			DealOf::<T> {
				tenant,
				root,
				size,
				data,
				parity,
				shard_gib: gib,
				shards: placed,
				max_rate,
				escrow_per_shard,
				ends_at,
				reserve,
				deposit,
			},
		);
		Ok(())
	}

	pub(crate) fn do_fund_deal(
		tenant: T::AccountId,
		id: DealId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		ensure!(deal.tenant == tenant, Error::<T>::NotTenant);
		T::Currency::hold(&HoldReason::DealReserve.into(), &tenant, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		deal.reserve = deal.reserve.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		Deals::<T>::insert(id, deal);
		// Vacancies that could not be funded are told again if this is still not enough.
		for (shard, mut vacancy) in Vacancies::<T>::iter_prefix(id) {
			if vacancy.unfunded {
				vacancy.unfunded = false;
				Vacancies::<T>::insert(id, shard, vacancy);
			}
		}
		Self::deposit_event(Event::DealFunded { deal: id, amount });
		Ok(())
	}

	/// Closes every holder's lease and forgets the deal; returns how many shards it had.
	pub(crate) fn do_close_deal(tenant: T::AccountId, id: DealId) -> Result<u32, DispatchError> {
		let deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		ensure!(deal.tenant == tenant, Error::<T>::NotTenant);
		// The deal goes first, so the market's close notices find no shard to replace.
		Self::forget(id, &deal)?;
		for holder in deal.shards.iter().filter_map(|shard| shard.holder.as_ref()) {
			T::Leases::close(&tenant, holder.lease)?;
		}
		Self::deposit_event(Event::DealClosed { deal: id });
		Ok(deal.shards.len() as u32)
	}

	/// Removes `deal` with its lease index and vacancies, and releases its reserve and deposit.
	pub(crate) fn forget(id: DealId, deal: &DealOf<T>) -> DispatchResult {
		for holder in deal.shards.iter().filter_map(|shard| shard.holder.as_ref()) {
			ShardOf::<T>::remove(holder.lease);
		}
		let _ = Vacancies::<T>::clear_prefix(id, T::MaxShards::get(), None);
		T::Currency::release(
			&HoldReason::DealReserve.into(),
			&deal.tenant,
			deal.reserve,
			Precision::BestEffort,
		)?;
		T::Currency::release(
			&HoldReason::StorageDeposit.into(),
			&deal.tenant,
			deal.deposit,
			Precision::BestEffort,
		)?;
		DealsByRoot::<T>::remove(deal.root, id);
		Deals::<T>::remove(id);
		Ok(())
	}

	/// The storage deposit of a deal of `shards` shards.
	pub fn deposit_for(shards: u32) -> Result<BalanceOf<T>, DispatchError> {
		T::DealDepositPerShard::get()
			.saturating_mul(shards.into())
			.checked_add(&T::DealDepositBase::get())
			.ok_or_else(|| Error::<T>::Overflow.into())
	}

	/// What a holder's lease reserves: the shard's storage, nothing else.
	pub(crate) fn storage_of(gib: u64) -> Resources {
		Resources { storage_gib: gib, ..Resources::ZERO }
	}

	/// How many of `regions` are `region`.
	pub(crate) fn count_region(regions: &[Region], region: &Region) -> u32 {
		regions.iter().filter(|r| *r == region).count() as u32
	}

	/// Checks every deal against its leases, vacancies and holds.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		use frame_support::traits::fungible::InspectHold;
		let mut reserves = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		let mut deposits = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, deal) in Deals::<T>::iter() {
			ensure!(
				deal.shards.len() == usize::from(deal.data) + usize::from(deal.parity),
				"a deal has the wrong number of shards"
			);
			for (index, shard) in deal.shards.iter().enumerate() {
				let vacant = Vacancies::<T>::contains_key(id, index as u8);
				if let Some(holder) = &shard.holder {
					ensure!(
						ShardOf::<T>::get(holder.lease) == Some((id, index as u8)),
						"a holder's lease does not point back to its shard"
					);
					ensure!(!vacant, "a held shard is vacant");
				}
			}
			let reserve = reserves.entry(deal.tenant.clone()).or_default();
			*reserve = reserve.saturating_add(deal.reserve);
			let deposit = deposits.entry(deal.tenant.clone()).or_default();
			*deposit = deposit.saturating_add(deal.deposit);
		}
		for (root, id, ()) in DealsByRoot::<T>::iter() {
			ensure!(
				Deals::<T>::get(id).is_some_and(|deal| deal.root == root),
				"a root points to a deal that does not store it"
			);
		}
		for (id, deal) in Deals::<T>::iter() {
			ensure!(
				DealsByRoot::<T>::contains_key(deal.root, id),
				"a deal is not found by its root"
			);
		}
		for (lease, (id, index)) in ShardOf::<T>::iter() {
			let holder = Deals::<T>::get(id)
				.and_then(|deal| deal.shards.get(usize::from(index)).cloned())
				.and_then(|shard| shard.holder);
			ensure!(
				holder.is_some_and(|holder| holder.lease == lease),
				"a lease points to a shard it does not hold"
			);
		}
		for (id, index, _) in Vacancies::<T>::iter() {
			let shard =
				Deals::<T>::get(id).and_then(|deal| deal.shards.get(usize::from(index)).cloned());
			ensure!(
				shard.is_some_and(|shard| shard.holder.is_none()),
				"a vacancy of a held or unknown shard"
			);
		}
		for (who, reserve) in reserves {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::DealReserve.into(), &who) == reserve,
				"reserve holds do not match the deals"
			);
		}
		for (who, deposit) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::StorageDeposit.into(), &who) == deposit,
				"deposit holds do not match the deals"
			);
		}
		Ok(())
	}
}
