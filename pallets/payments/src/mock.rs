//! A mock runtime: system, balances and this pallet, with served blocks the tests control.

use crate as pallet_payments;
use core::cell::RefCell;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use nubes_primitives::traits::ServedBlocks;
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

pub const TENANT: AccountId = 1;
pub const PROVIDER: AccountId = 2;
pub const KEEPER: AccountId = 3;
pub const TREASURY: AccountId = 99;
pub const ED: Balance = 10;
pub const INITIAL: Balance = 1_000_000_000;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Payments: pallet_payments,
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
	static JUDGED_UNTIL: RefCell<Option<u64>> = const { RefCell::new(None) };
	static UNSERVED: RefCell<Vec<(AccountId, u64, u64)>> = const { RefCell::new(Vec::new()) };
}

/// The verdicts stand-in: every block served and judged unless a test says otherwise.
pub struct MockServed;
impl MockServed {
	/// Judge blocks only up to `block` (exclusive).
	pub fn judge_until(block: u64) {
		JUDGED_UNTIL.with(|j| *j.borrow_mut() = Some(block));
	}
	/// `provider` did not serve blocks `[from, to)`.
	pub fn unserved(provider: AccountId, from: u64, to: u64) {
		UNSERVED.with(|u| u.borrow_mut().push((provider, from, to)));
	}
}
impl MockServed {
	/// Unserved blocks of `provider` in `[from, to)`.
	fn missed(provider: &AccountId, from: u64, to: u64) -> u64 {
		UNSERVED.with(|u| {
			u.borrow()
				.iter()
				.filter(|(who, _, _)| who == provider)
				.map(|(_, a, b)| b.min(&to).saturating_sub(*a.max(&from)))
				.sum()
		})
	}
}
impl ServedBlocks<AccountId, u64> for MockServed {
	fn fault_index(provider: &AccountId) -> u64 {
		Self::missed(provider, 0, Self::judged_until())
	}
	fn recent_faulty_blocks(provider: &AccountId, from: u64, to: u64) -> Option<u64> {
		Some(Self::missed(provider, from, to))
	}
	fn judged_until() -> u64 {
		JUDGED_UNTIL.with(|j| j.borrow().unwrap_or_else(System::block_number))
	}
}

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const MaxSettleBatch: u32 = 8;
}

impl pallet_payments::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ServedBlocks = MockServed;
	type OnPenalty = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type MaxSettleBatch = MaxSettleBatch;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

/// The tenant and provider hold `INITIAL`, the treasury the existential deposit; the protocol
/// fee is 10 %.
pub fn new_test_ext() -> sp_io::TestExternalities {
	JUDGED_UNTIL.with(|j| *j.borrow_mut() = None);
	UNSERVED.with(|u| u.borrow_mut().clear());
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(TENANT, INITIAL), (PROVIDER, INITIAL), (KEEPER, INITIAL), (TREASURY, ED)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_payments::GenesisConfig::<Test> {
		protocol_fee: Perbill::from_percent(10),
		_config: Default::default(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
