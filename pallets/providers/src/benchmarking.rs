//! Benchmarks of every call (frame-benchmarking v2), each with its bounded inputs at their
//! largest and the most storage work the call can do.

use super::*;
use crate::Pallet as Providers;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{traits::Get, BoundedVec};
use frame_system::RawOrigin;
use nubes_primitives::{
	attributes::{MAX_ATTRIBUTES, MAX_ATTRIBUTE_KEY_LEN, MAX_ATTRIBUTE_VALUE_LEN},
	endpoint::MAX_ENDPOINT_LEN,
	region::MAX_REGION_LEN,
	traits::ProviderBond,
	Attribute, Attributes, Endpoint, ProviderStatus, Region, ResourcePrices, Resources,
};

fn capacity() -> Resources {
	Resources { cpu_millicores: 16_000, memory_mib: 65_536, storage_gib: 1_000, gpus: 1 }
}

fn prices<T: Config>() -> ResourcePrices<T::Balance> {
	ResourcePrices {
		per_cpu_millicore: 1u32.into(),
		per_memory_mib: 1u32.into(),
		per_storage_gib: 1u32.into(),
		per_gpu: 1u32.into(),
	}
}

/// The longest valid endpoint: `https://` and a host name filling the bound.
fn longest_endpoint() -> Endpoint {
	let mut url = b"https://".to_vec();
	url.resize(MAX_ENDPOINT_LEN as usize, b'a');
	BoundedVec::truncate_from(url)
}

fn longest_region() -> Region {
	BoundedVec::truncate_from(alloc::vec![b'r'; MAX_REGION_LEN as usize])
}

/// `MAX_ATTRIBUTES` attributes with the longest keys and values; `variant` changes every value.
fn largest_attributes(variant: u8) -> Attributes {
	let list: Vec<Attribute> = (0..MAX_ATTRIBUTES)
		.map(|i| {
			let mut key = alloc::vec![b'k'; MAX_ATTRIBUTE_KEY_LEN as usize];
			key[0] = b'a' + (i / 26) as u8;
			key[1] = b'a' + (i % 26) as u8;
			let mut value = alloc::vec![b'a' + variant; MAX_ATTRIBUTE_VALUE_LEN as usize];
			value[0] = b'v';
			Attribute {
				key: BoundedVec::truncate_from(key),
				value: BoundedVec::truncate_from(value),
			}
		})
		.collect();
	BoundedVec::truncate_from(list)
}

/// A bonded account that can offer `capacity()` (and twice it).
fn bonded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let double = capacity().checked_add(&capacity()).unwrap_or(capacity());
	let required = T::Stake::required_bond(&double).unwrap_or_default();
	T::BenchmarkHelper::bond(&who, required);
	who
}

/// A registered provider with the largest description.
fn registered<T: Config>() -> T::AccountId {
	let who = bonded::<T>("provider", 0);
	Providers::<T>::do_register(
		who.clone(),
		longest_endpoint(),
		longest_region(),
		largest_attributes(0),
		capacity(),
		prices::<T>(),
	)
	.expect("registration works");
	who
}

/// Fills the auditor set and has every auditor attest every attribute of `provider`.
fn fully_attested<T: Config>(provider: &T::AccountId) -> Vec<T::AccountId> {
	let keys: AttestedKeys =
		BoundedVec::truncate_from(largest_attributes(0).iter().map(|a| a.key.clone()).collect());
	(0..T::MaxAuditors::get())
		.map(|i| {
			let auditor: T::AccountId = account("auditor", i, 0);
			Providers::<T>::do_add_auditor(auditor.clone()).expect("room for auditors");
			Providers::<T>::do_attest(auditor.clone(), provider.clone(), keys.clone())
				.expect("attestation works");
			auditor
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let who = bonded::<T>("provider", 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			longest_endpoint(),
			longest_region(),
			largest_attributes(0),
			capacity(),
			prices::<T>(),
		);

		assert!(crate::Providers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn update_endpoint() {
		let who = registered::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), longest_endpoint());

		assert_eq!(crate::Providers::<T>::get(&who).map(|i| i.endpoint), Some(longest_endpoint()));
	}

	/// Worst case: every auditor attested every attribute and every value changes.
	#[benchmark]
	fn update_attributes() {
		let who = registered::<T>();
		fully_attested::<T>(&who);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), largest_attributes(1));

		assert!(Attestations::<T>::get(&who).is_empty());
	}

	#[benchmark]
	fn update_prices() {
		let who = registered::<T>();
		let mut new = prices::<T>();
		new.per_gpu = 2u32.into();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), new);

		assert_eq!(crate::Providers::<T>::get(&who).map(|i| i.prices), Some(new));
	}

	#[benchmark]
	fn update_capacity() {
		let who = registered::<T>();
		let double = capacity().checked_add(&capacity()).unwrap_or(capacity());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), double);

		assert_eq!(crate::Providers::<T>::get(&who).map(|i| i.offered), Some(double));
	}

	#[benchmark]
	fn pause() {
		let who = registered::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(
			crate::Providers::<T>::get(&who).map(|i| i.status),
			Some(ProviderStatus::Paused)
		);
	}

	#[benchmark]
	fn resume() {
		let who = registered::<T>();
		Providers::<T>::do_pause(who.clone()).expect("pause works");

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(
			crate::Providers::<T>::get(&who).map(|i| i.status),
			Some(ProviderStatus::Active)
		);
	}

	#[benchmark]
	fn leave() {
		let who = registered::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(
			crate::Providers::<T>::get(&who).map(|i| i.status),
			Some(ProviderStatus::Leaving)
		);
	}

	/// Worst case: the set holds all but one auditor.
	#[benchmark]
	fn add_auditor() {
		for i in 1..T::MaxAuditors::get() {
			Providers::<T>::do_add_auditor(account("auditor", i, 0)).expect("room for auditors");
		}
		let auditor: T::AccountId = account("auditor", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Root, auditor.clone());

		assert!(Auditors::<T>::get().contains(&auditor));
	}

	#[benchmark]
	fn remove_auditor() {
		for i in 0..T::MaxAuditors::get() {
			Providers::<T>::do_add_auditor(account("auditor", i, 0)).expect("room for auditors");
		}
		let auditor: T::AccountId = account("auditor", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Root, auditor.clone());

		assert!(!Auditors::<T>::get().contains(&auditor));
	}

	/// Worst case: all other auditors already attest and every key is new.
	#[benchmark]
	fn attest() {
		let who = registered::<T>();
		let auditors = fully_attested::<T>(&who);
		let auditor = auditors[0].clone();
		Providers::<T>::do_revoke_attestation(auditor.clone(), who.clone()).expect("revoke works");
		let keys: AttestedKeys = BoundedVec::truncate_from(
			largest_attributes(0).iter().map(|a| a.key.clone()).collect(),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), who.clone(), keys);

		assert!(Providers::<T>::is_attested(
			&who,
			&auditor,
			largest_attributes(0)[0].key.as_slice()
		));
	}

	#[benchmark]
	fn revoke_attestation() {
		let who = registered::<T>();
		let auditors = fully_attested::<T>(&who);
		let auditor = auditors[auditors.len() - 1].clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(auditor.clone()), who.clone());

		assert!(!Providers::<T>::is_attested(
			&who,
			&auditor,
			largest_attributes(0)[0].key.as_slice()
		));
	}

	impl_benchmark_test_suite!(Providers, crate::mock::new_test_ext(), crate::mock::Test);
}
