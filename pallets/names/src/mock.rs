//! A mock runtime: balances, this pallet, and leases whose tenant is read from their id.

use crate as pallet_names;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use nubes_primitives::{
	names::{Name, SitePath, Target},
	traits::LeaseTenancy,
	LeaseId,
};
use sp_runtime::{BoundedVec, BuildStorage};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const MALLORY: AccountId = 3;
/// An account with no funds at all.
pub const NOBODY: AccountId = 4;
pub const TREASURY: AccountId = 99;
pub const ED: Balance = 10;
pub const INITIAL: Balance = 1_000_000;
pub const DEPOSIT: Balance = 100;
pub const RENT: Balance = 1;
pub const MIN_PERIOD: u64 = 10;
pub const MAX_PERIOD: u64 = 1_000;
pub const GRACE: u64 = 20;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Names: pallet_names,
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
	/// Leases opened by the benchmarks' helper, and their tenants.
	static OPENED: core::cell::RefCell<std::collections::BTreeMap<LeaseId, AccountId>> =
		Default::default();
}

/// Leases `10 * a .. 10 * a + 9` are rented by account `a` (for `a` in 1..=9), and those the
/// benchmarks' helper opened by their tenants; no other lease is open.
pub struct MockLeases;
impl LeaseTenancy<AccountId> for MockLeases {
	fn tenant_of(lease: LeaseId) -> Option<AccountId> {
		if (10..100).contains(&lease) {
			return Some(lease / 10);
		}
		OPENED.with(|opened| opened.borrow().get(&lease).copied())
	}
}

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
}

impl pallet_names::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Leases = MockLeases;
	type OnRent = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type NameDeposit = frame_support::traits::ConstU128<DEPOSIT>;
	type RentPerBlock = frame_support::traits::ConstU128<RENT>;
	type MinPeriod = frame_support::traits::ConstU64<MIN_PERIOD>;
	type MaxPeriod = frame_support::traits::ConstU64<MAX_PERIOD>;
	type GracePeriod = frame_support::traits::ConstU64<GRACE>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for () {
	fn open_lease(tenant: &AccountId, _i: u32) -> LeaseId {
		OPENED.with(|opened| {
			let mut opened = opened.borrow_mut();
			let lease = 1_000 + opened.len() as LeaseId;
			opened.insert(lease, *tenant);
			lease
		})
	}
}

/// A name, from text (not checked: the pallet checks it).
pub fn name(text: &str) -> Name {
	BoundedVec::truncate_from(text.as_bytes().to_vec())
}

/// A site target: content `root` (one repeated byte) from `path`.
pub fn site(root: u8, path: &str) -> Target {
	Target::Site { root: [root; 32], path: SitePath::truncate_from(path.as_bytes().to_vec()) }
}

/// A deployment target of `leases`.
pub fn deployment(leases: &[LeaseId]) -> Target {
	Target::Deployment { leases: BoundedVec::truncate_from(leases.to_vec()) }
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, INITIAL), (BOB, INITIAL), (MALLORY, INITIAL), (TREASURY, ED)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in a fresh externality and checks the pallet's invariants after it.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		pallet_names::Pallet::<Test>::do_try_state().unwrap();
	});
}

pub fn free(who: AccountId) -> Balance {
	pallet_balances::Pallet::<Test>::free_balance(who)
}

pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&crate::HoldReason::NameDeposit.into(), &who)
}

pub fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}
