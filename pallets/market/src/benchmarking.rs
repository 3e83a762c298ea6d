//! Benchmarks of every call and of the hook (frame-benchmarking v2), each in its worst case.

use super::*;
use crate::Pallet as Market;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use nubes_primitives::{
	attributes::{MAX_ATTRIBUTES, MAX_ATTRIBUTE_KEY_LEN, MAX_ATTRIBUTE_VALUE_LEN},
	market::MAX_PLACEMENT_REGIONS,
	region::MAX_REGION_LEN,
	Attribute, Attributes, MinReputation, Placement, ResourcePrices, Resources,
};
use sp_runtime::{traits::One, Saturating};

fn spec() -> Resources {
	Resources { cpu_millicores: 1_000, memory_mib: 1_024, storage_gib: 1, gpus: 0 }
}

/// Room for many leases of `spec()`.
fn capacity() -> Resources {
	Resources { cpu_millicores: 10_000_000, memory_mib: 10_000_000, storage_gib: 10_000, gpus: 0 }
}

fn unit<T: Config>() -> BalanceOf<T> {
	<T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance()
}

fn prices<T: Config>() -> ResourcePrices<BalanceOf<T>> {
	ResourcePrices {
		per_cpu_millicore: unit::<T>(),
		per_memory_mib: unit::<T>(),
		per_storage_gib: unit::<T>(),
		per_gpu: unit::<T>(),
	}
}

/// The rate of `spec()` at `prices()`.
fn rate<T: Config>() -> BalanceOf<T> {
	prices::<T>().cost_of(&spec()).unwrap_or_default()
}

/// `MAX_ATTRIBUTES` attributes with the longest keys and values.
fn largest_attributes() -> Attributes {
	let list: Vec<Attribute> = (0..MAX_ATTRIBUTES)
		.map(|i| {
			let mut key = alloc::vec![b'k'; MAX_ATTRIBUTE_KEY_LEN as usize];
			key[0] = b'a' + (i / 26) as u8;
			key[1] = b'a' + (i % 26) as u8;
			Attribute {
				key: BoundedVec::truncate_from(key),
				value: BoundedVec::truncate_from(
					alloc::vec![b'v'; MAX_ATTRIBUTE_VALUE_LEN as usize],
				),
			}
		})
		.collect();
	BoundedVec::truncate_from(list)
}

/// The costliest placement to check: every attribute, every region slot, attested.
fn largest_placement<T: Config>(auditor: &T::AccountId) -> Placement<T::AccountId> {
	let mut region = alloc::vec![b'r'; MAX_REGION_LEN as usize];
	let regions = (0..MAX_PLACEMENT_REGIONS)
		.map(|i| {
			region[0] = b'a' + i as u8;
			BoundedVec::truncate_from(region.clone())
		})
		.collect::<Vec<_>>();
	Placement {
		attributes: largest_attributes(),
		regions: BoundedVec::truncate_from(regions),
		attested_by: Some(auditor.clone()),
		min_reputation: MinReputation::default(),
	}
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, unit::<T>().saturating_mul(1_000_000_000u32.into()));
	who
}

/// A provider that meets `largest_placement` (its region is the last one the placement lists,
/// so that the check walks the whole list).
fn provider<T: Config>(index: u32, auditor: &T::AccountId) -> T::AccountId {
	let who = funded::<T>("provider", index);
	let region = largest_placement::<T>(auditor).regions.last().cloned().unwrap_or_default();
	T::BenchmarkHelper::register_provider(
		&who,
		region,
		largest_attributes(),
		capacity(),
		prices::<T>(),
	);
	T::BenchmarkHelper::attest_all(&who, auditor);
	who
}

/// An open order with the largest placement, `bids` bids on it and `replicas` replicas.
fn order_with_bids<T: Config>(replicas: u32, bids: u32) -> (OrderId, T::AccountId) {
	let tenant = funded::<T>("tenant", 0);
	let auditor: T::AccountId = account("auditor", 0, 0);
	let placement = largest_placement::<T>(&auditor);
	let order = NextOrderId::<T>::get();
	Market::<T>::create_order(
		RawOrigin::Signed(tenant.clone()).into(),
		spec(),
		replicas,
		rate::<T>(),
		None,
		placement,
		[1; 32],
		T::MaxBidWindow::get(),
		false,
		escrow::<T>(1_000),
	)
	.expect("the order opens");
	for i in 0..bids {
		let who = provider::<T>(i, &auditor);
		Market::<T>::place_bid(RawOrigin::Signed(who).into(), order, rate::<T>())
			.expect("the bid is placed");
	}
	(order, tenant)
}

/// An escrow of `blocks` blocks at `rate()`, at least the start stake.
fn escrow<T: Config>(blocks: u32) -> BalanceOf<T> {
	rate::<T>().saturating_mul(blocks.into()).max(Market::<T>::start_stake_for(rate::<T>()))
}

/// A pending direct lease of `provider` for `tenant` with `blocks` blocks of escrow (at least
/// the start stake), ending after `duration` blocks if given.
fn pending_lease<T: Config>(
	provider: &T::AccountId,
	tenant: &T::AccountId,
	blocks: u32,
	duration: Option<u32>,
) -> nubes_primitives::LeaseId {
	let lease = NextLeaseId::<T>::get();
	Market::<T>::lease_direct(
		RawOrigin::Signed(tenant.clone()).into(),
		provider.clone(),
		spec(),
		rate::<T>(),
		duration.map(Into::into),
		[2; 32],
		escrow::<T>(blocks),
	)
	.expect("the lease opens");
	lease
}

/// An active direct lease of `provider` for `tenant` with `blocks` blocks of escrow (at least
/// the start stake), ending after `duration` blocks if given.
fn active_lease<T: Config>(
	provider: &T::AccountId,
	tenant: &T::AccountId,
	blocks: u32,
	duration: Option<u32>,
) -> nubes_primitives::LeaseId {
	let lease = pending_lease::<T>(provider, tenant, blocks, duration);
	Market::<T>::confirm_lease(RawOrigin::Signed(provider.clone()).into(), lease)
		.expect("the lease starts");
	lease
}

use nubes_primitives::OrderId;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_order() {
		let tenant = funded::<T>("tenant", 0);
		let placement = largest_placement::<T>(&account("auditor", 0, 0));

		#[extrinsic_call]
		_(
			RawOrigin::Signed(tenant),
			spec(),
			T::MaxReplicas::get(),
			rate::<T>(),
			Some(100u32.into()),
			placement,
			[1; 32],
			T::MaxBidWindow::get(),
			true,
			escrow::<T>(1),
		);

		assert!(Orders::<T>::contains_key(0));
	}

	/// `b` bids released.
	#[benchmark]
	fn cancel_order(b: Linear<1, { T::MaxBidsPerOrder::get() }>) {
		let (order, tenant) = order_with_bids::<T>(1, b);

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), order);

		assert!(!Orders::<T>::contains_key(order));
	}

	/// Worst case: the last free bid slot, all others scanned, the largest attested placement.
	#[benchmark]
	fn place_bid() {
		let (order, _) = order_with_bids::<T>(1, T::MaxBidsPerOrder::get().saturating_sub(1));
		let auditor: T::AccountId = account("auditor", 0, 0);
		let bidder = provider::<T>(T::MaxBidsPerOrder::get(), &auditor);

		#[extrinsic_call]
		_(RawOrigin::Signed(bidder), order, rate::<T>());

		assert_eq!(Bids::<T>::get(order).len() as u32, T::MaxBidsPerOrder::get());
	}

	/// The last replica, so the order ends and the `b` other bids are released.
	#[benchmark]
	fn accept_bid(b: Linear<0, { T::MaxBidsPerOrder::get() - 1 }>) {
		let (order, tenant) = order_with_bids::<T>(1, b + 1);
		let winner = Bids::<T>::get(order).last().map(|bid| bid.provider.clone()).expect("bids");

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), order, winner);

		assert!(!Orders::<T>::contains_key(order));
	}

	#[benchmark]
	fn lease_direct() {
		let auditor: T::AccountId = account("auditor", 0, 0);
		let provider = provider::<T>(0, &auditor);
		let tenant = funded::<T>("tenant", 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(tenant),
			provider,
			spec(),
			rate::<T>(),
			Some(100u32.into()),
			[2; 32],
			escrow::<T>(100),
		);

		assert!(Leases::<T>::contains_key(0));
	}

	/// A lease from a bid.
	#[benchmark]
	fn confirm_lease() {
		let (order, tenant) = order_with_bids::<T>(1, 1);
		let winner = Bids::<T>::get(order)[0].provider.clone();
		Market::<T>::accept_bid(RawOrigin::Signed(tenant).into(), order, winner.clone())
			.expect("accepted");
		let lease = NextLeaseId::<T>::get().saturating_sub(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(winner), lease);

		assert!(matches!(
			Leases::<T>::get(lease).map(|l| l.state),
			Some(LeaseState::Active { .. })
		));
	}

	/// Worst case: an active lease with blocks to settle and escrow to refund.
	#[benchmark]
	fn close_lease() {
		let auditor: T::AccountId = account("auditor", 0, 0);
		let provider = provider::<T>(0, &auditor);
		let tenant = funded::<T>("tenant", 0);
		let lease = active_lease::<T>(&provider, &tenant, 100, None);
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number().saturating_add(10u32.into()),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), lease);

		assert!(!Leases::<T>::contains_key(lease));
	}

	/// A pending lease closed by its provider, who pays the start stake from its bond.
	#[benchmark]
	fn close_pending_lease() {
		let auditor: T::AccountId = account("auditor", 0, 0);
		let provider = provider::<T>(0, &auditor);
		let tenant = funded::<T>("tenant", 0);
		let lease = pending_lease::<T>(&provider, &tenant, 100, None);

		#[extrinsic_call]
		close_lease(RawOrigin::Signed(provider), lease);

		assert!(!Leases::<T>::contains_key(lease));
	}

	#[benchmark]
	fn top_up() {
		let auditor: T::AccountId = account("auditor", 0, 0);
		let provider = provider::<T>(0, &auditor);
		let tenant = funded::<T>("tenant", 0);
		let lease = active_lease::<T>(&provider, &tenant, 100, None);

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), lease, rate::<T>().saturating_mul(100u32.into()));

		assert!(Leases::<T>::get(lease).is_some_and(|l| l.slot > 1u32.into()));
	}

	/// The hook visiting `b` agenda blocks and handling `n` entries, each an active lease whose
	/// escrow ran out (the costliest entry: settlement, refund, capacity release, removal),
	/// with `l` other leases in storage to show the hook does not depend on them.
	#[benchmark]
	fn on_initialize(
		b: Linear<1, { T::MaxDueHandledPerBlock::get() + 2 }>,
		n: Linear<0, { T::MaxDueHandledPerBlock::get() }>,
		l: Linear<0, 100_000>,
	) {
		let auditor: T::AccountId = account("auditor", 0, 0);
		let provider = provider::<T>(0, &auditor);
		let tenant = funded::<T>("tenant", 0);
		let start = frame_system::Pallet::<T>::block_number();
		// `l` unrelated leases: stored, never touched by the hook below.
		for i in 0..l {
			let id = u64::from(i) + 1_000_000_000;
			Leases::<T>::insert(
				id,
				LeaseOf::<T> {
					tenant: tenant.clone(),
					provider: provider.clone(),
					order: None,
					resources: spec(),
					rate: rate::<T>(),
					manifest_hash: [3; 32],
					duration: None,
					state: LeaseState::Active { since: start },
					deposit: Default::default(),
					start_stake: Default::default(),
					slot: start,
				},
			);
		}
		LeaseCount::<T>::put(l);
		// `n` leases that end after one block, with blocks to settle and escrow to refund.
		for _ in 0..n {
			active_lease::<T>(&provider, &tenant, 100, Some(1));
		}
		let due: BlockNumberFor<T> = start.saturating_add(One::one());
		// The cursor starts `b - 1` empty blocks before the block that holds the entries.
		let first = due.saturating_sub(b.saturating_sub(1).into());
		AgendaCursor::<T>::put((first, 0u32, 0u32));
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Market::<T>::on_initialize(due);
		}

		assert_eq!(Leases::<T>::iter().count() as u32, l);
	}

	impl_benchmark_test_suite!(Market, crate::mock::new_test_ext(), crate::mock::Test);
}
