// This file is part of Nubes. Generated: see below.

//! Weights of `pallet_names`: PROVISIONAL, to be replaced by `scripts/benchmark-pallets.sh
//! pallet_names` before this pallet lands.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// The weight of each call of `pallet_names`.
pub trait WeightInfo {
	fn register(n: u32, ) -> Weight;
	fn update(n: u32, ) -> Weight;
	fn transfer(n: u32, ) -> Weight;
	fn renew() -> Weight;
	fn release() -> Weight;
	fn reap() -> Weight;
}

/// Weights measured on the Nubes runtime, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register(n: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_add(Weight::from_parts(0, 0).saturating_mul(n.into())) }
	fn update(n: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_add(Weight::from_parts(0, 0).saturating_mul(n.into())) }
	fn transfer(_n: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0) }
	fn renew() -> Weight { Weight::from_parts(1_000_000_000, 0) }
	fn release() -> Weight { Weight::from_parts(1_000_000_000, 0) }
	fn reap() -> Weight { Weight::from_parts(1_000_000_000, 0) }
}

impl WeightInfo for () {
	fn register(_n: u32, ) -> Weight { Weight::zero() }
	fn update(_n: u32, ) -> Weight { Weight::zero() }
	fn transfer(_n: u32, ) -> Weight { Weight::zero() }
	fn renew() -> Weight { Weight::zero() }
	fn release() -> Weight { Weight::zero() }
	fn reap() -> Weight { Weight::zero() }
}
