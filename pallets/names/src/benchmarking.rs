//! Benchmarks of every call (frame-benchmarking v2), each in its worst case: the longest target,
//! a deployment's every lease read, an expired name reaped on the way.

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use nubes_primitives::names::{Name, SitePath, Target, MAX_NAME, MAX_REPLICAS, MAX_SITE_PATH};
use sp_runtime::Saturating;

/// An account with enough for any name's deposit and rent.
fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	let (deposit, rent) = Pallet::<T>::price(3, T::MaxPeriod::get()).unwrap_or_default();
	let unit = <T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance();
	T::Currency::set_balance(
		&who,
		deposit.saturating_add(rent).saturating_mul(4u32.into()).saturating_add(unit),
	);
	who
}

/// The shortest name: the highest deposit and rent (the same weight as any other).
fn short_name() -> Name {
	BoundedVec::truncate_from(b"abc".to_vec())
}

/// A name of the most bytes, as its key is hashed.
fn long_name() -> Name {
	let mut bytes = alloc::vec![b'a'; MAX_NAME];
	bytes[MAX_NAME - 1] = b'z';
	BoundedVec::truncate_from(bytes)
}

/// A site target with the longest path (`n == 0`), or a deployment of `n` of `owner`'s leases.
fn target<T: Config>(owner: &T::AccountId, n: u32) -> Target {
	if n == 0 {
		let path: Vec<u8> =
			(0..MAX_SITE_PATH).map(|i| if i % 8 == 7 { b'/' } else { b'd' }).collect();
		return Target::Site { root: [7; 32], path: SitePath::truncate_from(path) };
	}
	let leases = (0..n).map(|i| T::BenchmarkHelper::open_lease(owner, i)).collect::<Vec<_>>();
	Target::Deployment { leases: BoundedVec::truncate_from(leases) }
}

fn register_as<T: Config>(owner: &T::AccountId, name: Name) {
	let period = T::MinPeriod::get();
	Pallet::<T>::do_register(owner.clone(), name, target::<T>(owner, 0), period)
		.expect("a fresh name registers");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Registers over a name past its grace (reaped first), with a target of `n` leases.
	#[benchmark]
	fn register(n: Linear<0, MAX_REPLICAS>) {
		let old = funded::<T>("old", 0);
		register_as::<T>(&old, long_name());
		let expires = frame_system::Pallet::<T>::block_number().saturating_add(T::MinPeriod::get());
		frame_system::Pallet::<T>::set_block_number(expires.saturating_add(T::GracePeriod::get()));
		let owner = funded::<T>("owner", 0);
		let target = target::<T>(&owner, n);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), long_name(), target, T::MaxPeriod::get());
		assert_eq!(Names::<T>::get(long_name()).map(|record| record.owner), Some(owner));
	}

	#[benchmark]
	fn update(n: Linear<0, MAX_REPLICAS>) {
		let owner = funded::<T>("owner", 0);
		register_as::<T>(&owner, long_name());
		let target = target::<T>(&owner, n);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), long_name(), target.clone());
		assert_eq!(Names::<T>::get(long_name()).map(|record| record.target), Some(target));
	}

	/// A name pointing to `n` leases (0: a site), each checked to be the new owner's.
	#[benchmark]
	fn transfer(n: Linear<0, MAX_REPLICAS>) {
		let owner = funded::<T>("owner", 0);
		let to = funded::<T>("to", 0);
		register_as::<T>(&owner, short_name());
		if n > 0 {
			// The worst case: `n` leases to check, the new owner's (set directly: no call makes
			// a name point to leases its owner does not rent).
			let target = target::<T>(&to, n);
			Names::<T>::mutate(short_name(), |record| {
				if let Some(record) = record {
					record.target = target;
				}
			});
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), short_name(), to.clone());
		assert_eq!(Names::<T>::get(short_name()).map(|record| record.owner), Some(to));
	}

	#[benchmark]
	fn renew() {
		let owner = funded::<T>("owner", 0);
		let payer = funded::<T>("payer", 0);
		register_as::<T>(&owner, short_name());
		#[extrinsic_call]
		_(RawOrigin::Signed(payer), short_name(), T::MinPeriod::get());
		assert!(Names::<T>::get(short_name()).is_some());
	}

	#[benchmark]
	fn release() {
		let owner = funded::<T>("owner", 0);
		register_as::<T>(&owner, short_name());
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), short_name());
		assert!(Names::<T>::get(short_name()).is_none());
	}

	#[benchmark]
	fn reap() {
		let owner = funded::<T>("owner", 0);
		register_as::<T>(&owner, short_name());
		let expires = frame_system::Pallet::<T>::block_number().saturating_add(T::MinPeriod::get());
		frame_system::Pallet::<T>::set_block_number(expires.saturating_add(T::GracePeriod::get()));
		let reaper = funded::<T>("reaper", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(reaper), short_name());
		assert!(Names::<T>::get(short_name()).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
