//! A mock runtime: system and this pallet, with a stake stand-in whose bonds the tests set.

use crate as pallet_providers;
use core::cell::RefCell;
use frame_support::{derive_impl, parameter_types};
use nubes_primitives::{traits::ProviderBond, Resources};
use sp_runtime::{BuildStorage, DispatchResult};
use std::collections::BTreeMap;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const AUDITOR: AccountId = 10;
pub const AUDITOR_2: AccountId = 11;
pub const MAX_AUDITORS: u32 = 3;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Providers: pallet_providers,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

thread_local! {
	static ACTIVE: RefCell<BTreeMap<AccountId, Balance>> = const { RefCell::new(BTreeMap::new()) };
	static UNBONDING: RefCell<BTreeMap<AccountId, Balance>> = const { RefCell::new(BTreeMap::new()) };
}

/// The stake stand-in: required bond = 1,000 + 1 per millicore + 1 per MiB + 10^38 per GPU (so
/// that four GPUs overflow a `u128`).
pub struct MockStake;
impl MockStake {
	pub fn set_bond(who: AccountId, amount: Balance) {
		ACTIVE.with(|a| a.borrow_mut().insert(who, amount));
	}
	pub fn unbonding(who: AccountId) -> Balance {
		UNBONDING.with(|u| u.borrow().get(&who).copied().unwrap_or_default())
	}
}
impl ProviderBond<AccountId, Balance> for MockStake {
	fn active_bond(who: &AccountId) -> Balance {
		ACTIVE.with(|a| a.borrow().get(who).copied().unwrap_or_default())
	}
	fn total_stake(who: &AccountId) -> Balance {
		Self::active_bond(who) + Self::unbonding(*who)
	}
	fn required_bond(capacity: &Resources) -> Option<Balance> {
		if capacity.is_zero() {
			return Some(0);
		}
		1_000u128
			.checked_add(u128::from(capacity.cpu_millicores))?
			.checked_add(u128::from(capacity.memory_mib))?
			.checked_add(10u128.pow(38).checked_mul(u128::from(capacity.gpus))?)
	}
	fn unbond_all(who: &AccountId) -> DispatchResult {
		let active = ACTIVE.with(|a| a.borrow_mut().remove(who)).unwrap_or_default();
		UNBONDING.with(|u| *u.borrow_mut().entry(*who).or_default() += active);
		Ok(())
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for MockStake {
	fn bond(who: &AccountId, amount: Balance) {
		Self::set_bond(*who, amount);
	}
}

parameter_types! {
	pub const MaxAuditors: u32 = MAX_AUDITORS;
}

impl pallet_providers::Config for Test {
	type Balance = Balance;
	type Stake = MockStake;
	type MaxAuditors = MaxAuditors;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockStake;
}

/// An empty registry; nobody is bonded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ACTIVE.with(|a| a.borrow_mut().clear());
	UNBONDING.with(|u| u.borrow_mut().clear());
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
