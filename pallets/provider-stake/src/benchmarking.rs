//! Benchmarks of every call (frame-benchmarking v2), each in its worst case.

use super::*;
use crate::Pallet as Stake;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_system::RawOrigin;
use nubes_primitives::{traits::SlashStake, ResourcePrices};
use sp_runtime::{Perbill, Saturating};

/// A funded account, able to bond `bond_amount` many times over.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(
		&who,
		T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into()),
	);
	who
}

fn bond_amount<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().saturating_mul(1_000_000u32.into())
}

/// A bonded account with `chunks` unbonding chunks, each maturing at a different block.
fn bonded_with_chunks<T: Config>(chunks: u32) -> T::AccountId {
	let who = funded::<T>("provider", 0);
	Stake::<T>::do_bond(&who, bond_amount::<T>()).expect("bond works");
	for i in 0..chunks {
		frame_system::Pallet::<T>::set_block_number((i + 1).into());
		Stake::<T>::do_unbond(&who, T::Currency::minimum_balance()).expect("unbond works");
	}
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bond() {
		let who = funded::<T>("provider", 0);
		let amount = bond_amount::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(Ledgers::<T>::get(&who).map(|l| l.active), Some(amount));
	}

	#[benchmark]
	fn bond_extra() {
		let who = bonded_with_chunks::<T>(0);
		let amount = bond_amount::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(
			Ledgers::<T>::get(&who).map(|l| l.active),
			Some(amount.saturating_mul(2u32.into()))
		);
	}

	/// Worst case: a new chunk appended after `MaxUnlockingChunks - 1` others.
	#[benchmark]
	fn unbond() {
		let chunks = T::MaxUnlockingChunks::get().saturating_sub(1);
		let who = bonded_with_chunks::<T>(chunks);
		frame_system::Pallet::<T>::set_block_number((chunks + 1).into());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::Currency::minimum_balance());

		assert_eq!(Ledgers::<T>::get(&who).map(|l| l.unlocking.len() as u32), Some(chunks + 1));
	}

	/// Worst case: every chunk matured and the ledger emptied and removed.
	#[benchmark]
	fn withdraw_unbonded() {
		let who = funded::<T>("provider", 0);
		let amount = bond_amount::<T>();
		Stake::<T>::do_bond(&who, amount).expect("bond works");
		let chunks = T::MaxUnlockingChunks::get();
		let part = amount / chunks.into();
		for i in 0..chunks {
			frame_system::Pallet::<T>::set_block_number((i + 1).into());
			let value = if i + 1 == chunks {
				Ledgers::<T>::get(&who).map(|l| l.active).unwrap_or(part)
			} else {
				part
			};
			Stake::<T>::do_unbond(&who, value).expect("unbond works");
		}
		frame_system::Pallet::<T>::set_block_number(
			T::UnbondingPeriod::get().saturating_add((chunks + 1).into()),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Ledgers::<T>::get(&who).is_none());
	}

	#[benchmark]
	fn set_bond_requirement() {
		let params = BondParams {
			base: T::Currency::minimum_balance(),
			per_unit: ResourcePrices {
				per_cpu_millicore: 1u32.into(),
				per_memory_mib: 1u32.into(),
				per_storage_gib: 1u32.into(),
				per_gpu: 1u32.into(),
			},
		};

		#[extrinsic_call]
		_(RawOrigin::Root, params);

		assert_eq!(BondRequirement::<T>::get(), params);
	}

	/// Slashing (used inside other pallets' calls and hooks): every chunk touched and `b`
	/// beneficiaries paid.
	#[benchmark]
	fn slash(b: Linear<0, { T::MaxSlashBeneficiaries::get() }>) {
		let who = bonded_with_chunks::<T>(T::MaxUnlockingChunks::get());
		let total = Ledgers::<T>::get(&who).and_then(|l| l.total()).unwrap_or_default();
		let compensation: alloc::vec::Vec<_> = (0..b)
			.map(|i| nubes_primitives::traits::Compensation {
				who: funded::<T>("tenant", i),
				weight: 1u32.into(),
				cap: total,
			})
			.collect();

		#[block]
		{
			let slashed = <Stake<T> as SlashStake<_, _>>::slash(
				&who,
				nubes_primitives::traits::SlashAmount::Fraction(Perbill::one()),
				Perbill::from_percent(50),
				&compensation,
			);
			assert_eq!(slashed, Ok(total));
		}
	}

	impl_benchmark_test_suite!(Stake, crate::mock::new_test_ext(), crate::mock::Test);
}
