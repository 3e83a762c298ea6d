//! Weights of `pallet_provider_stake`.
//!
//! PLACEHOLDER until `scripts/benchmark-pallets.sh` regenerates this file with
//! frame-omni-bencher from the runtime wasm.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// Weight functions needed for `pallet_provider_stake`.
pub trait WeightInfo {
	fn bond() -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn set_bond_requirement() -> Weight;
	fn slash(b: u32) -> Weight;
}

/// Weights for `pallet_provider_stake` using the Nubes runtime and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn bond() -> Weight {
		Weight::from_parts(50_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn unbond() -> Weight {
		Weight::from_parts(40_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(60_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn set_bond_requirement() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn slash(b: u32) -> Weight {
		Weight::from_parts(80_000_000, 3_600)
			.saturating_add(Weight::from_parts(40_000_000, 2_600).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(b.into())))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(b.into())))
	}
}

// For tests: the same weights with a fixed database cost.
impl WeightInfo for () {
	fn bond() -> Weight {
		Weight::from_parts(50_000_000, 3_600)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 3_600)
	}
	fn unbond() -> Weight {
		Weight::from_parts(40_000_000, 3_600)
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(60_000_000, 3_600)
	}
	fn set_bond_requirement() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn slash(b: u32) -> Weight {
		Weight::from_parts(80_000_000, 3_600)
			.saturating_add(Weight::from_parts(40_000_000, 2_600).saturating_mul(b.into()))
	}
}
