//! Benchmarks of every call (frame-benchmarking v2), each in its worst case: a settlement that
//! pays the provider and the treasury, then refunds the tenant and removes the ended escrow.

use super::*;
use crate::Pallet as Payments;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_support::BoundedVec;
use frame_system::RawOrigin;
use nubes_primitives::traits::LeaseEscrow;
use sp_runtime::{Perbill, Saturating};

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(
		&who,
		T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into()),
	);
	who
}

/// An escrow started at block 1 that ended at block 11, with a 10 % fee and every block due.
fn ended_escrow<T: Config>(lease: u64) {
	let tenant = funded::<T>("tenant", lease as u32);
	let provider = funded::<T>("provider", lease as u32);
	ProtocolFee::<T>::put(Perbill::from_percent(10));
	let rate = T::Currency::minimum_balance();
	let deposit = rate.saturating_mul(1_000u32.into());
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	<Payments<T> as LeaseEscrow<_, _, _>>::open(lease, &tenant, &provider, rate, deposit)
		.expect("open works");
	<Payments<T> as LeaseEscrow<_, _, _>>::start(lease, 1u32.into()).expect("start works");
	Escrows::<T>::mutate(lease, |escrow| {
		if let Some(escrow) = escrow {
			escrow.end = Some(11u32.into());
		}
	});
	frame_system::Pallet::<T>::set_block_number(21u32.into());
	T::BenchmarkHelper::judge_until(21u32.into());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn settle() {
		ended_escrow::<T>(0);
		let keeper = funded::<T>("keeper", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(keeper), 0);

		assert!(Escrows::<T>::get(0).is_none());
	}

	#[benchmark]
	fn settle_batch(n: Linear<1, { T::MaxSettleBatch::get() }>) {
		for lease in 0..n {
			ended_escrow::<T>(lease.into());
		}
		let keeper = funded::<T>("keeper", 0);
		let leases: BoundedVec<u64, T::MaxSettleBatch> =
			BoundedVec::truncate_from((0..n).map(u64::from).collect());

		#[extrinsic_call]
		_(RawOrigin::Signed(keeper), leases);

		assert!(Escrows::<T>::iter().next().is_none());
	}

	#[benchmark]
	fn set_protocol_fee() {
		#[extrinsic_call]
		_(RawOrigin::Root, Perbill::from_percent(5));

		assert_eq!(ProtocolFee::<T>::get(), Perbill::from_percent(5));
	}

	impl_benchmark_test_suite!(Payments, crate::mock::new_test_ext(), crate::mock::Test);
}
