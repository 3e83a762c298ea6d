//! Weights of `pallet_payments`.
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

/// The weight of each call of `pallet_payments`.
pub trait WeightInfo {
	fn settle() -> Weight;
	fn settle_batch(n: u32) -> Weight;
	fn set_protocol_fee() -> Weight;
}

/// Weights measured on the Nubes runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn settle() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn settle_batch(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(60_000_000, 4_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn set_protocol_fee() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

/// For tests.
impl WeightInfo for () {
	fn settle() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
	}
	fn settle_batch(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(60_000_000, 4_000).saturating_mul(n.into()))
	}
	fn set_protocol_fee() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
	}
}
