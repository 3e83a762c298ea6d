//! A mock runtime: system, balances and this pallet, with a registry stand-in whose capacities
//! and callbacks the tests control and observe.

use crate as pallet_provider_stake;
use core::cell::RefCell;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use nubes_primitives::{traits::BackedCapacity, ResourcePrices, Resources};
use sp_runtime::BuildStorage;
use std::collections::BTreeMap;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const TENANT: AccountId = 3;
pub const TREASURY: AccountId = 99;
/// The share of every slash burnt.
pub const SLASH_BURN_PERCENT: u32 = 10;
/// An account with nothing, not even the existential deposit.
pub const NOBODY: AccountId = 42;
pub const ED: Balance = 10;
pub const INITIAL: Balance = 1_000_000;
pub const UNBONDING_PERIOD: u64 = 10;
pub const MAX_CHUNKS: u32 = 3;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Stake: pallet_provider_stake,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = frame_support::traits::ConstU128<ED>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

thread_local! {
	static CAPACITY: RefCell<BTreeMap<AccountId, Resources>> = const { RefCell::new(BTreeMap::new()) };
	static WITHDRAWN: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static SLASHED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// The registry stand-in.
pub struct MockCapacity;
impl MockCapacity {
	pub fn set(who: AccountId, capacity: Resources) {
		CAPACITY.with(|c| c.borrow_mut().insert(who, capacity));
	}
	pub fn withdrawn() -> Vec<AccountId> {
		WITHDRAWN.with(|w| w.borrow().clone())
	}
	pub fn slashed() -> Vec<AccountId> {
		SLASHED.with(|s| s.borrow().clone())
	}
}
impl BackedCapacity<AccountId> for MockCapacity {
	fn capacity_to_back(who: &AccountId) -> Resources {
		CAPACITY.with(|c| c.borrow().get(who).copied().unwrap_or_default())
	}
	fn on_stake_withdrawn(who: &AccountId) {
		WITHDRAWN.with(|w| w.borrow_mut().push(*who));
	}
	fn on_slashed(who: &AccountId) {
		SLASHED.with(|s| s.borrow_mut().push(*who));
	}
}

parameter_types! {
	pub const UnbondingPeriod: u64 = UNBONDING_PERIOD;
	pub const MaxUnlockingChunks: u32 = MAX_CHUNKS;
	pub const MaxSlashBeneficiaries: u32 = 4;
	pub const Treasury: AccountId = TREASURY;
	pub const SlashBurn: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(SLASH_BURN_PERCENT);
}

impl pallet_provider_stake::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Capacity = MockCapacity;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxUnlockingChunks = MaxUnlockingChunks;
	type MaxSlashBeneficiaries = MaxSlashBeneficiaries;
	type OnSlash = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type SlashBurn = SlashBurn;
	type WeightInfo = ();
}

/// Bond requirement of the tests: 1,000 base plus 1 per millicore, 2 per MiB, 3 per GiB and
/// 100 per GPU.
pub fn test_bond_params() -> crate::BondParams<Balance> {
	crate::BondParams {
		base: 1_000,
		per_unit: ResourcePrices {
			per_cpu_millicore: 1,
			per_memory_mib: 2,
			per_storage_gib: 3,
			per_gpu: 100,
		},
	}
}

/// Alice, Bob and the tenant hold `INITIAL`, the treasury the existential deposit.
pub fn new_test_ext() -> sp_io::TestExternalities {
	CAPACITY.with(|c| c.borrow_mut().clear());
	WITHDRAWN.with(|w| w.borrow_mut().clear());
	SLASHED.with(|s| s.borrow_mut().clear());
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, INITIAL), (BOB, INITIAL), (TENANT, INITIAL), (TREASURY, ED)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_provider_stake::GenesisConfig::<Test> {
		bond_requirement: test_bond_params(),
		bonds: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
