//! Benchmarks of every call and of the hook (frame-benchmarking v2), each in its worst case.

use super::*;
use crate::Pallet as Market;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get, Hooks},
	BoundedVec,
};
use frame_system::RawOrigin;
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
	order_with_bids_of::<T>(replicas, bids, false)
}

/// The same, accepted by the chain at the close of its bid window if `auto_accept`.
fn order_with_bids_of<T: Config>(
	replicas: u32,
	bids: u32,
	auto_accept: bool,
) -> (OrderId, T::AccountId) {
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
		auto_accept,
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

/// The provider of the bid placed `seq`-th on `order`.
fn bidder<T: Config>(order: OrderId, seq: u32) -> T::AccountId {
	Bids::<T>::iter_prefix_values(order)
		.find(|bid| bid.seq == seq)
		.map(|bid| bid.provider)
		.expect("the bid exists")
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

/// A lease that `open` makes (100 blocks of escrow), with the clock at its agenda slot: the
/// block whose entry the hook benchmarks handle.
fn at_its_slot<T: Config>(
	open: impl FnOnce(&T::AccountId, &T::AccountId, u32, Option<u32>) -> nubes_primitives::LeaseId,
) -> (nubes_primitives::LeaseId, frame_system::pallet_prelude::BlockNumberFor<T>) {
	let auditor: T::AccountId = account("auditor", 0, 0);
	let provider = provider::<T>(0, &auditor);
	let tenant = funded::<T>("tenant", 0);
	let lease = open(&provider, &tenant, 100, None);
	let slot = Leases::<T>::get(lease).map(|l| l.slot).expect("the lease");
	frame_system::Pallet::<T>::set_block_number(slot);
	(lease, slot)
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

	/// The most bids an order may have, released later by the agenda.
	#[benchmark]
	fn cancel_order() {
		let (order, tenant) = order_with_bids::<T>(1, T::MaxBidsPerOrder::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(tenant), order);

		assert!(!Orders::<T>::contains_key(order));
	}

	/// Worst case: the last free bid slot, the largest attested placement.
	#[benchmark]
	fn place_bid() {
		let (order, _) = order_with_bids::<T>(1, T::MaxBidsPerOrder::get().saturating_sub(1));
		let auditor: T::AccountId = account("auditor", 0, 0);
		let bidder = provider::<T>(T::MaxBidsPerOrder::get(), &auditor);

		#[extrinsic_call]
		_(RawOrigin::Signed(bidder), order, rate::<T>());

		assert_eq!(BidCount::<T>::get(order), T::MaxBidsPerOrder::get());
	}

	/// The last replica, so the order ends (its other bids wait for the agenda).
	#[benchmark]
	fn accept_bid() {
		let bids = T::MaxBidsPerOrder::get();
		let (order, tenant) = order_with_bids::<T>(1, bids);
		let winner = bidder::<T>(order, bids - 1);

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
		let winner = bidder::<T>(order, 0);
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

	/// The hook walking `b` agenda blocks with nothing due; each entry it handles is charged
	/// on top by the `due_*` benchmarks below.
	#[benchmark]
	fn on_initialize(b: Linear<1, { T::MaxDueHandledPerBlock::get() + 2 }>) {
		let due = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		let first = due.saturating_sub(b.saturating_sub(1).into());
		AgendaCursor::<T>::put((first, 0u32, 0u32));
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Market::<T>::on_initialize(due);
		}

		assert_eq!(AgendaCursor::<T>::get().0, due.saturating_add(One::one()));
	}

	/// A pending lease at its deadline: the tenant's escrow forfeits and the provider's stake
	/// is slashed by the start stake, then the lease closes.
	#[benchmark]
	fn due_start_deadline() {
		let (lease, slot) = at_its_slot::<T>(pending_lease::<T>);

		#[block]
		{
			Market::<T>::handle_due(Due::StartDeadline(lease), slot, slot);
		}

		assert!(!Leases::<T>::contains_key(lease));
	}

	/// An active lease at the end of its duration, with blocks to settle and escrow to refund.
	#[benchmark]
	fn due_expiry() {
		let (lease, slot) = at_its_slot::<T>(|provider, tenant, blocks, _| {
			active_lease::<T>(provider, tenant, blocks, Some(10))
		});

		#[block]
		{
			Market::<T>::handle_due(Due::Expiry(lease), slot, slot);
		}

		assert!(!Leases::<T>::contains_key(lease));
	}

	/// An auto-accept order's window closing with `b` bids and `r` replicas (at least `r`
	/// bids): the chain ranks the bids and opens `r` leases.
	#[benchmark]
	fn due_bid_window_close(
		b: Linear<1, { T::MaxBidsPerOrder::get() }>,
		r: Linear<1, { T::MaxReplicas::get() }>,
	) {
		let (order, _) = order_with_bids_of::<T>(r, b.max(r), true);
		let slot = Orders::<T>::get(order).map(|o| o.bid_window_end).expect("the order");
		frame_system::Pallet::<T>::set_block_number(slot);

		#[block]
		{
			Market::<T>::handle_due(Due::BidWindowClose(order), slot, slot);
		}

		assert!(!Orders::<T>::contains_key(order));
		assert_eq!(LeaseCount::<T>::get(), r);
	}

	/// A manual order that nobody accepted ends at its accept deadline.
	#[benchmark]
	fn due_order_expiry() {
		let (order, _) = order_with_bids::<T>(T::MaxReplicas::get(), T::MaxBidsPerOrder::get());
		let slot = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(slot);

		#[block]
		{
			Market::<T>::handle_due(Due::OrderExpiry(order), slot, slot);
		}

		assert!(!Orders::<T>::contains_key(order));
	}

	/// An ended order's `b` bids released.
	#[benchmark]
	fn due_release_bids(b: Linear<0, { T::MaxBidsPerOrder::get() }>) {
		let (order, tenant) = order_with_bids::<T>(1, b);
		Market::<T>::cancel_order(RawOrigin::Signed(tenant).into(), order).expect("cancelled");
		let slot = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(slot);

		#[block]
		{
			Market::<T>::handle_due(Due::ReleaseBids(order), slot, slot);
		}

		assert_eq!(BidCount::<T>::get(order), 0);
		assert_eq!(Bids::<T>::iter_prefix(order).count(), 0);
	}

	impl_benchmark_test_suite!(Market, crate::mock::new_test_ext(), crate::mock::Test);
}
