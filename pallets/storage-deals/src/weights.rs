// This file is part of Nubes. Generated: see below.

//! Weights of `pallet_storage_deals`. Placeholder until `scripts/benchmark-pallets.sh` runs.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// The weight of each call of `pallet_storage_deals`.
pub trait WeightInfo {
	fn create_deal(n: u32, ) -> Weight;
	fn fund_deal() -> Weight;
	fn close_deal(n: u32, ) -> Weight;
	fn holder_lost() -> Weight;
	fn deal_lapsed(n: u32, ) -> Weight;
	fn on_initialize(v: u32, ) -> Weight;
}

/// Weights measured on the Nubes runtime, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create_deal(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into())
	}
	fn fund_deal() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
	}
	fn close_deal(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into())
	}
	fn holder_lost() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
	}
	fn deal_lapsed(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into())
	}
	fn on_initialize(v: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(v.into())
	}
}

impl WeightInfo for () {
	fn create_deal(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into())
	}
	fn fund_deal() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
	}
	fn close_deal(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into())
	}
	fn holder_lost() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
	}
	fn deal_lapsed(n: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(n.into())
	}
	fn on_initialize(v: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10_000).saturating_mul(v.into())
	}
}
