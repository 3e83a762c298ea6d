//! Weights of `pallet_providers`.
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

/// Weight functions needed for `pallet_providers`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update_endpoint() -> Weight;
	fn update_attributes() -> Weight;
	fn update_prices() -> Weight;
	fn update_capacity() -> Weight;
	fn pause() -> Weight;
	fn resume() -> Weight;
	fn leave() -> Weight;
	fn add_auditor() -> Weight;
	fn remove_auditor() -> Weight;
	fn attest() -> Weight;
	fn revoke_attestation() -> Weight;
}

/// Weights for `pallet_providers` using the Nubes runtime and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn update_endpoint() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn update_attributes() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn update_prices() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn update_capacity() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn pause() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn resume() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn leave() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn add_auditor() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn remove_auditor() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn attest() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn revoke_attestation() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
}

// For tests.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn update_endpoint() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn update_attributes() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn update_prices() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn update_capacity() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn pause() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn resume() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn leave() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn add_auditor() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn remove_auditor() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn attest() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
	fn revoke_attestation() -> Weight {
		Weight::from_parts(50_000_000, 20_000)
	}
}
