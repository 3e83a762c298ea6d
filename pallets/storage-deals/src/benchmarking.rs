//! Benchmarks of every call, of the market's close notice and of the hook (frame-benchmarking
//! v2), each in its worst case.

use super::*;
use crate::Pallet as StorageDeals;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get, Hooks},
	BoundedVec,
};
use frame_system::RawOrigin;
use nubes_primitives::{
	region::MAX_REGION_LEN,
	storage::CHUNK_BYTES,
	traits::{ManagedLeases, OnLeaseClosed, ProviderDirectory},
	CloseReason, DealId, Region,
};
use sp_runtime::Saturating;

fn unit<T: Config>() -> BalanceOf<T> {
	<T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance()
}

/// The longest region name, distinct for each `i`.
fn region(i: u32) -> Region {
	let mut name = alloc::vec![b'r'; MAX_REGION_LEN as usize];
	name[..4].copy_from_slice(&i.to_be_bytes().map(|b| b'a' + b % 26));
	name[4] = b'a' + (i / 26 % 26) as u8;
	name[5] = b'a' + (i % 26) as u8;
	BoundedVec::truncate_from(name)
}

/// Provider `i`, in a region of its own, with room for many shards at `per_gib` a GiB.
fn provider<T: Config>(i: u32, per_gib: BalanceOf<T>) -> T::AccountId {
	let who: T::AccountId = account("provider", i, 0);
	if T::Providers::slot_of(&who).is_none() {
		T::BenchmarkHelper::register_provider(&who, region(i), 10_000, per_gib);
	}
	who
}

fn tenant<T: Config>() -> T::AccountId {
	let who: T::AccountId = account("tenant", 0, 0);
	T::Currency::set_balance(
		&who,
		unit::<T>().saturating_mul(1_000_000_000u32.into()).saturating_mul(1_000u32.into()),
	);
	who
}

/// A holder's escrow: twice its start stake at one GiB for one unit.
fn escrow<T: Config>() -> BalanceOf<T> {
	T::Leases::start_stake(unit::<T>(), T::HolderStartTimeout::get()).saturating_mul(2u32.into())
}

/// Opens a deal of `n` shards (`n - 1` data, 1 parity) on providers `0..n`.
fn deal<T: Config>(tenant: &T::AccountId, n: u32) -> DealId {
	let holders: Vec<T::AccountId> = (0..n).map(|i| provider::<T>(i, unit::<T>())).collect();
	let roots: Vec<Root> = (0..n).map(|i| [i as u8; 32]).collect();
	let id = NextDealId::<T>::get();
	StorageDeals::<T>::do_create_deal(
		tenant.clone(),
		[9; 32],
		CHUNK_BYTES * u64::from(n - 1),
		((n - 1) as u8, 1),
		BoundedVec::truncate_from(roots),
		BoundedVec::truncate_from(holders),
		unit::<T>(),
		None,
		escrow::<T>(),
		escrow::<T>().saturating_mul(n.into()),
	)
	.expect("the deal opens");
	id
}

/// Lets every holder of `id` confirm its lease.
fn confirm_all<T: Config>(id: DealId) {
	let deal = Deals::<T>::get(id).expect("the deal exists");
	for holder in deal.shards.iter().filter_map(|shard| shard.holder.as_ref()) {
		T::BenchmarkHelper::confirm(&holder.provider, holder.lease);
	}
}

/// Empties `shard` of `id` as a lost holder would, leaving the vacancy `vacancy` if given.
fn vacate<T: Config>(id: DealId, shard: u8, vacancy: Option<VacancyOf<T>>) {
	Deals::<T>::mutate(id, |deal| {
		if let Some(holder) =
			deal.as_mut().and_then(|deal| deal.shards[usize::from(shard)].holder.take())
		{
			ShardOf::<T>::remove(holder.lease);
		}
	});
	if let Some(vacancy) = vacancy {
		Vacancies::<T>::insert(id, shard, vacancy);
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_deal(n: Linear<2, { T::MaxShards::get() }>) {
		let tenant = tenant::<T>();
		let holders: Vec<T::AccountId> = (0..n).map(|i| provider::<T>(i, unit::<T>())).collect();
		let roots: Vec<Root> = (0..n).map(|i| [i as u8; 32]).collect();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(tenant),
			[9; 32],
			CHUNK_BYTES * u64::from(n - 1),
			(n - 1) as u8,
			1,
			BoundedVec::truncate_from(roots),
			BoundedVec::truncate_from(holders),
			unit::<T>(),
			None,
			escrow::<T>(),
			escrow::<T>(),
		);

		assert_eq!(Deals::<T>::get(0).map(|deal| deal.shards.len() as u32), Some(n));
	}

	#[benchmark]
	fn fund_deal() {
		let tenant = tenant::<T>();
		let n = T::MaxShards::get();
		let id = deal::<T>(&tenant, n);
		// Every shard waits for a funded replacement: each vacancy is told of the new funds.
		for shard in 0..n as u8 {
			let lost = provider::<T>(u32::from(shard), unit::<T>());
			let vacancy = Vacancy { lost, next_slot: 0, looked: 0, unfunded: true };
			vacate::<T>(id, shard, Some(vacancy));
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), id, unit::<T>());

		assert!(Vacancies::<T>::iter_prefix_values(id).all(|vacancy| !vacancy.unfunded));
	}

	#[benchmark]
	fn close_deal(n: Linear<2, { T::MaxShards::get() }>) {
		let tenant = tenant::<T>();
		// Pending holders: each close also takes the lease's start stake.
		let id = deal::<T>(&tenant, n);

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), id);

		assert!(Deals::<T>::get(id).is_none());
	}

	#[benchmark]
	fn holder_lost() {
		let tenant = tenant::<T>();
		let id = deal::<T>(&tenant, T::MaxShards::get());
		let holder =
			Deals::<T>::get(id).and_then(|deal| deal.shards[0].holder.clone()).expect("held");

		#[block]
		{
			<StorageDeals<T> as OnLeaseClosed<_, _>>::lease_closed(
				holder.lease,
				&tenant,
				&holder.provider,
				CloseReason::ProviderFaulty,
				escrow::<T>(),
			);
		}

		assert!(Vacancies::<T>::contains_key(id, 0));
	}

	#[benchmark]
	fn deal_lapsed(n: Linear<2, { T::MaxShards::get() }>) {
		let tenant = tenant::<T>();
		let id = deal::<T>(&tenant, n);
		for shard in 1..n as u8 {
			vacate::<T>(id, shard, None);
		}
		let holder =
			Deals::<T>::get(id).and_then(|deal| deal.shards[0].holder.clone()).expect("held");

		#[block]
		{
			<StorageDeals<T> as OnLeaseClosed<_, _>>::lease_closed(
				holder.lease,
				&tenant,
				&holder.provider,
				CloseReason::Expired,
				escrow::<T>(),
			);
		}

		assert!(Deals::<T>::get(id).is_none());
	}

	#[benchmark]
	fn on_initialize(v: Linear<0, { T::MaxRepairsPerBlock::get() }>) {
		let tenant = tenant::<T>();
		let shards = T::MaxShards::get();
		let probes = T::RepairProbes::get();
		// `probes - 1` providers that ask too much, then one that fits: every vacancy looks at
		// every probe and fills on the last.
		let dear = unit::<T>().saturating_mul(2u32.into());
		let probed: Vec<T::AccountId> = (0..probes)
			.map(|j| provider::<T>(shards + j, if j + 1 == probes { unit::<T>() } else { dear }))
			.collect();
		let next_slot = probed.first().and_then(T::Providers::slot_of).expect("registered");
		let mut deals = Vec::new();
		for _ in 0..v {
			let id = deal::<T>(&tenant, shards);
			confirm_all::<T>(id);
			let lost = provider::<T>(0, unit::<T>());
			vacate::<T>(id, 0, Some(Vacancy { lost, next_slot, looked: 0, unfunded: false }));
			deals.push(id);
		}
		let now = frame_system::Pallet::<T>::block_number();

		#[block]
		{
			StorageDeals::<T>::on_initialize(now);
		}

		for id in deals {
			assert!(!Vacancies::<T>::contains_key(id, 0), "every vacancy filled");
		}
	}

	impl_benchmark_test_suite!(StorageDeals, crate::mock::new_test_ext(), crate::mock::Test);
}
