//! Weights of `pallet_market`.
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

/// The weight of each call of `pallet_market`, and of its hook for `b` agenda blocks visited and
/// `n` entries handled.
pub trait WeightInfo {
	fn create_order() -> Weight;
	fn cancel_order() -> Weight;
	fn place_bid() -> Weight;
	fn accept_bid() -> Weight;
	fn lease_direct() -> Weight;
	fn confirm_lease() -> Weight;
	fn close_lease() -> Weight;
	fn top_up() -> Weight;
	fn on_initialize(b: u32, n: u32) -> Weight;
}

/// Weights measured on the Nubes runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create_order() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn cancel_order() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn place_bid() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn accept_bid() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn lease_direct() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn confirm_lease() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn close_lease() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn top_up() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	fn on_initialize(b: u32, n: u32) -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(Weight::from_parts(150_000_000, 8_000).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(150_000_000, 8_000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
}

/// For tests.
impl WeightInfo for () {
	fn create_order() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn cancel_order() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn place_bid() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn accept_bid() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn lease_direct() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn confirm_lease() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn close_lease() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn top_up() -> Weight {
		Weight::from_parts(150_000_000, 8_000)
	}
	fn on_initialize(b: u32, n: u32) -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(Weight::from_parts(150_000_000, 8_000).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(150_000_000, 8_000).saturating_mul(n.into()))
	}
}
