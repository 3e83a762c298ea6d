//! A mock runtime with the real registry, stake and payments pallets, so the market's tests
//! see real holds, capacity and settlement.

use crate as pallet_market;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use nubes_primitives::{ResourcePrices, Resources};
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

pub const TENANT: AccountId = 1;
pub const TENANT_2: AccountId = 2;
pub const PROVIDER: AccountId = 10;
pub const PROVIDER_2: AccountId = 11;
pub const PROVIDER_3: AccountId = 12;
pub const STRANGER: AccountId = 20;
pub const TREASURY: AccountId = 99;
pub const ED: Balance = 10;
pub const INITIAL: Balance = 1_000_000_000;
pub const BID_DEPOSIT: Balance = 500;
pub const ORDER_DEPOSIT: Balance = 300;
pub const LEASE_DEPOSIT: Balance = 200;
/// The least start stake: below `START_TIMEOUT` blocks of `spec()` at `prices()` (10,500), so a
/// lease of `spec()` stakes 10,500 and one of a single millicore (rate 1) stakes 5,000.
pub const MIN_ESCROW: Balance = 5_000;
/// The share of every slash burnt.
pub const SLASH_BURN_PERCENT: u32 = 10;
pub const RETRY_DELAY: u64 = 3;
pub const START_TIMEOUT: u64 = 5;
pub const ACCEPT_PERIOD: u64 = 10;
pub const BOND: Balance = 100_000;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ProviderStake: pallet_provider_stake,
		Providers: pallet_providers,
		Payments: pallet_payments,
		Market: pallet_market,
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

/// Bonds accounts for the registry's benchmarks.
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
	pub const BidDeposit: Balance = BID_DEPOSIT;
	pub const OrderDeposit: Balance = ORDER_DEPOSIT;
	pub const LeaseDeposit: Balance = LEASE_DEPOSIT;
	pub const MinEscrow: Balance = MIN_ESCROW;
}

impl pallet_market::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = Providers;
	type Escrow = Payments;
	type Slash = ProviderStake;
	type OnLeaseClosed = ();
	type BidDeposit = BidDeposit;
	type OrderDeposit = OrderDeposit;
	type LeaseDeposit = LeaseDeposit;
	type MinEscrow = MinEscrow;
	type StartTimeout = frame_support::traits::ConstU64<START_TIMEOUT>;
	type MaxBidWindow = frame_support::traits::ConstU64<100>;
	type AcceptPeriod = frame_support::traits::ConstU64<ACCEPT_PERIOD>;
	type MaxBidsPerOrder = frame_support::traits::ConstU32<3>;
	type MaxReplicas = frame_support::traits::ConstU32<3>;
	type AgendaPageSize = frame_support::traits::ConstU32<4>;
	type AgendaRetryDelay = frame_support::traits::ConstU64<RETRY_DELAY>;
	type MaxDueHandledPerBlock = frame_support::traits::ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BondHelper;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for BondHelper {
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

	fn attest_all(provider: &AccountId, auditor: &AccountId) {
		let _ = Providers::add_auditor(RuntimeOrigin::root(), *auditor);
		let keys = pallet_providers::ProviderAttributes::<Test>::get(provider)
			.iter()
			.map(|a| a.key.clone())
			.collect::<Vec<_>>();
		frame_support::assert_ok!(Providers::attest(
			RuntimeOrigin::signed(*auditor),
			*provider,
			keys.try_into().unwrap()
		));
	}
}

/// Every provider offers this much.
pub fn capacity() -> Resources {
	Resources { cpu_millicores: 8_000, memory_mib: 16_384, storage_gib: 100, gpus: 0 }
}

/// What the tests order per replica.
pub fn spec() -> Resources {
	Resources { cpu_millicores: 2_000, memory_mib: 4_096, storage_gib: 10, gpus: 0 }
}

/// Every provider's prices: 1 per millicore, 0 per MiB, 10 per GiB: `spec()` costs 2,100 a block.
pub fn prices() -> ResourcePrices<Balance> {
	ResourcePrices { per_cpu_millicore: 1, per_memory_mib: 0, per_storage_gib: 10, per_gpu: 0 }
}

/// Three bonded, registered providers; two funded tenants; a 10 % protocol fee; no bond
/// requirement beyond 1,000.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let providers = [PROVIDER, PROVIDER_2, PROVIDER_3];
	pallet_balances::GenesisConfig::<Test> {
		balances: [TENANT, TENANT_2, STRANGER]
			.into_iter()
			.chain(providers)
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
				region: if *who == PROVIDER_3 { "us-east".into() } else { "eu-central".into() },
				attributes: vec![("tier".into(), "datacenter".into())],
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

/// Runs the market's hook for every block up to `n`.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Market::on_initialize(next);
	}
}
