//! A mock runtime with the real registry, stake, payments and market pallets, so the deals'
//! tests see real leases, holds, capacity and settlement.

use crate as pallet_storage_deals;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use nubes_primitives::{ResourcePrices, Resources};
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

pub const TENANT: AccountId = 1;
pub const STRANGER: AccountId = 2;
pub const TREASURY: AccountId = 99;
/// Three providers in each of three regions: `eu` (10–12), `us` (20–22), `ap` (30–32).
pub const EU: [AccountId; 3] = [10, 11, 12];
pub const US: [AccountId; 3] = [20, 21, 22];
pub const AP: [AccountId; 3] = [30, 31, 32];
pub const ED: Balance = 10;
pub const INITIAL: Balance = 1_000_000_000;
pub const LEASE_DEPOSIT: Balance = 200;
pub const DEAL_DEPOSIT_BASE: Balance = 1_000;
pub const DEAL_DEPOSIT_PER_SHARD: Balance = 100;
/// The least start stake: a one-GiB shard at 10 a block stakes 5 × 10 = 50 below it.
pub const MIN_ESCROW: Balance = 5_000;
pub const START_TIMEOUT: u64 = 5;
/// Blocks a holder has to confirm: longer than a workload's, for sealing.
pub const HOLDER_START_TIMEOUT: u64 = 8;
pub const BOND: Balance = 100_000;
/// Each provider's storage price per GiB per block.
pub const PER_GIB: Balance = 10;
/// Each provider's storage capacity in GiB.
pub const STORAGE_GIB: u64 = 4;
pub const SLASH_BURN_PERCENT: u32 = 10;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ProviderStake: pallet_provider_stake,
		Providers: pallet_providers,
		Payments: pallet_payments,
		Market: pallet_market,
		StorageDeals: pallet_storage_deals,
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

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const SlashBurn: Perbill = Perbill::from_percent(SLASH_BURN_PERCENT);
}

impl pallet_provider_stake::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Capacity = Providers;
	type UnbondingPeriod = frame_support::traits::ConstU64<100>;
	type MaxUnlockingChunks = frame_support::traits::ConstU32<4>;
	type MaxSlashBeneficiaries = frame_support::traits::ConstU32<4>;
	type OnSlash = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type SlashBurn = SlashBurn;
	type WeightInfo = ();
}

impl pallet_providers::Config for Test {
	type Balance = Balance;
	type Stake = ProviderStake;
	type MaxAuditors = frame_support::traits::ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondHelper;
}

/// Bonds and registers accounts for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BondHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_providers::BenchmarkHelper<AccountId, Balance> for BondHelper {
	fn bond(who: &AccountId, amount: Balance) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, amount * 2 + ED);
		frame_support::assert_ok!(ProviderStake::bond(RuntimeOrigin::signed(*who), amount));
	}
}

impl pallet_payments::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ServedBlocks = pallet_payments::EveryBlockServed<Test>;
	type OnPenalty = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type MaxSettleBatch = frame_support::traits::ConstU32<8>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

parameter_types! {
	pub const BidDeposit: Balance = 500;
	pub const OrderDeposit: Balance = 300;
	pub const LeaseDeposit: Balance = LEASE_DEPOSIT;
	pub const MinEscrow: Balance = MIN_ESCROW;
}

impl pallet_market::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = Providers;
	type Escrow = Payments;
	type Slash = ProviderStake;
	type OnLeaseClosed = StorageDeals;
	type BidDeposit = BidDeposit;
	type OrderDeposit = OrderDeposit;
	type LeaseDeposit = LeaseDeposit;
	type MinEscrow = MinEscrow;
	type StartTimeout = frame_support::traits::ConstU64<START_TIMEOUT>;
	type MaxBidWindow = frame_support::traits::ConstU64<100>;
	type AcceptPeriod = frame_support::traits::ConstU64<10>;
	type MaxBidsPerOrder = frame_support::traits::ConstU32<3>;
	type MaxReplicas = frame_support::traits::ConstU32<3>;
	type AgendaPageSize = frame_support::traits::ConstU32<4>;
	type AgendaRetryDelay = frame_support::traits::ConstU64<3>;
	type MaxDueHandledPerBlock = frame_support::traits::ConstU32<16>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondHelper;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_market::BenchmarkHelper<AccountId, Balance> for BondHelper {
	fn register_provider(
		who: &AccountId,
		region: nubes_primitives::Region,
		attributes: nubes_primitives::Attributes,
		capacity: Resources,
		prices: ResourcePrices<Balance>,
	) {
		<Self as pallet_providers::BenchmarkHelper<_, _>>::bond(who, BOND);
		frame_support::assert_ok!(Providers::register(
			RuntimeOrigin::signed(*who),
			b"https://bench.example".to_vec().try_into().unwrap(),
			region,
			attributes,
			capacity,
			prices,
		));
	}

	fn attest_all(_provider: &AccountId, _auditor: &AccountId) {}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for BondHelper {
	fn register_provider(
		who: &AccountId,
		region: nubes_primitives::Region,
		storage_gib: u64,
		per_gib: Balance,
	) {
		<Self as pallet_market::BenchmarkHelper<_, _>>::register_provider(
			who,
			region,
			Default::default(),
			Resources { storage_gib, ..Resources::ZERO },
			ResourcePrices { per_storage_gib: per_gib, ..Default::default() },
		);
	}

	fn confirm(provider: &AccountId, lease: nubes_primitives::LeaseId) {
		frame_support::assert_ok!(Market::confirm_lease(RuntimeOrigin::signed(*provider), lease));
	}
}

parameter_types! {
	pub const DealDepositBase: Balance = DEAL_DEPOSIT_BASE;
	pub const DealDepositPerShard: Balance = DEAL_DEPOSIT_PER_SHARD;
}

impl pallet_storage_deals::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = Providers;
	type Leases = Market;
	type MaxShards = frame_support::traits::ConstU32<8>;
	type MaxDealBytes = frame_support::traits::ConstU64<{ 16 << 30 }>;
	type DealDepositBase = DealDepositBase;
	type DealDepositPerShard = DealDepositPerShard;
	type HolderStartTimeout = frame_support::traits::ConstU64<HOLDER_START_TIMEOUT>;
	type MaxRepairsPerBlock = frame_support::traits::ConstU32<2>;
	type RepairProbes = frame_support::traits::ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondHelper;
}

/// Every provider's offer: storage only.
pub fn capacity() -> Resources {
	Resources { cpu_millicores: 1_000, memory_mib: 1_024, storage_gib: STORAGE_GIB, gpus: 0 }
}

/// Every provider's prices: `PER_GIB` per GiB of storage, 1 per millicore.
pub fn prices() -> ResourcePrices<Balance> {
	ResourcePrices { per_cpu_millicore: 1, per_memory_mib: 0, per_storage_gib: PER_GIB, per_gpu: 0 }
}

/// The region of a mock provider.
pub fn region_of(who: AccountId) -> &'static str {
	match who / 10 {
		1 => "eu",
		2 => "us",
		_ => "ap",
	}
}

/// Nine bonded, registered providers in three regions; a funded tenant and stranger; a 10 %
/// protocol fee.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let providers: Vec<AccountId> = EU.into_iter().chain(US).chain(AP).collect();
	pallet_balances::GenesisConfig::<Test> {
		balances: [TENANT, STRANGER]
			.into_iter()
			.chain(providers.iter().copied())
			.map(|who| (who, INITIAL))
			.chain([(TREASURY, ED)])
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_provider_stake::GenesisConfig::<Test> {
		bond_requirement: pallet_provider_stake::BondParams {
			base: 1_000,
			per_unit: Default::default(),
		},
		bonds: providers.iter().map(|who| (*who, BOND)).collect(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_providers::GenesisConfig::<Test> {
		providers: providers
			.iter()
			.map(|who| pallet_providers::GenesisProvider {
				account: *who,
				endpoint: "https://provider.example".into(),
				region: region_of(*who).into(),
				attributes: vec![],
				capacity: capacity(),
				prices: prices(),
			})
			.collect(),
		auditors: vec![],
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

/// Runs the market's and the deals' hooks for every block up to `n`, checking every pallet's
/// invariants after each.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Market::on_initialize(next);
		StorageDeals::on_initialize(next);
		check_state();
	}
}

/// This pallet's `try_state` checks (the other pallets check theirs in their own tests).
pub fn check_state() {
	StorageDeals::do_try_state().expect("deals consistent");
}
