//! A mock runtime with the real balances, stake, registry, payments and market pallets, so the
//! verdicts' effects (slashes, unpaid epochs, closed leases) are the real ones.

use crate as pallet_attestation;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use nubes_primitives::{traits::ProviderEviction, ResourcePrices, Resources};
use sp_core::{crypto::KeyTypeId, sr25519, Pair};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::{testing::UintAuthorityId, BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;
/// General transactions carry only the authorization extension here.
pub type TxExtension = (frame_system::AuthorizeCall<Test>,);
pub type Extrinsic =
	sp_runtime::generic::UncheckedExtrinsic<AccountId, RuntimeCall, UintAuthorityId, TxExtension>;

pub const TENANT: AccountId = 1;
pub const TENANT_2: AccountId = 2;
pub const PROVIDERS: [AccountId; 5] = [10, 11, 12, 13, 14];
pub const TREASURY: AccountId = 99;
pub const ED: Balance = 10;
pub const INITIAL: Balance = 1_000_000_000;
pub const BOND: Balance = 100_000;
pub const EPOCH: u64 = 10;
pub const WINDOW: u64 = 3;
/// The share of every slash burnt.
pub const SLASH_BURN_PERCENT: u32 = 10;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ProviderStake: pallet_provider_stake,
		Providers: pallet_providers,
		Payments: pallet_payments,
		Market: pallet_market,
		Attestation: pallet_attestation,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;
	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> TxExtension {
		(frame_system::AuthorizeCall::<Test>::new(),)
	}
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
	pub const BidDeposit: Balance = 500;
	pub const OrderDeposit: Balance = 300;
	pub const LeaseDeposit: Balance = 200;
	pub const MinEscrow: Balance = 1_000;
	pub const SlashBurn: Perbill = Perbill::from_percent(SLASH_BURN_PERCENT);
	pub const Defaults: crate::Parameters = crate::Parameters {
		redundancy: 3,
		unit_kib: 64,
		samples: 8,
		deadline_ms: 2_000,
		network_ms: 500,
		slash_step: Perbill::from_percent(10),
		max_slash: Perbill::from_percent(25),
		fault_window: 8,
		tolerated_faults: 1,
		exit_faults: 4,
		compensation: Perbill::from_percent(50),
	};
	pub const MockTiming: crate::Timing =
		crate::Timing { epoch_length: EPOCH as u32, report_window: WINDOW as u32 };
	// Small by default; the simulation sets the runtime's sizes.
	pub static MaxValidators: u32 = 8;
	pub static MaxFailuresPerReport: u32 = 4;
	pub static MaxJudgedPerBlock: u32 = 2;
	pub static OpeningsAtOnce: u32 = 4;
	/// The chain's time in the mock, in milliseconds.
	pub static ClockMillis: u64 = 0;
}

/// The mock's clock: [`ClockMillis`].
pub struct MockClock;

impl frame_support::traits::UnixTime for MockClock {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(ClockMillis::get())
	}
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
	type BenchmarkHelper = BenchHelper;
}

impl pallet_payments::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ServedBlocks = Attestation;
	type OnPenalty = frame_support::traits::tokens::imbalance::ResolveTo<Treasury, Balances>;
	type MaxSettleBatch = frame_support::traits::ConstU32<8>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
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
	type StartTimeout = frame_support::traits::ConstU64<5>;
	type MaxBidWindow = frame_support::traits::ConstU64<100>;
	type AcceptPeriod = frame_support::traits::ConstU64<10>;
	type MaxBidsPerOrder = frame_support::traits::ConstU32<3>;
	type MaxReplicas = frame_support::traits::ConstU32<3>;
	type AgendaPageSize = frame_support::traits::ConstU32<8>;
	type AgendaRetryDelay = frame_support::traits::ConstU64<3>;
	type MaxDueHandledPerBlock = frame_support::traits::ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// Forced exits through the registry and the market.
pub struct Eviction;
impl ProviderEviction<AccountId, Balance> for Eviction {
	fn force_out(provider: &AccountId) -> sp_runtime::DispatchResult {
		Providers::force_out(provider)
	}
	fn compensation_of(
		provider: &AccountId,
		limit: u32,
	) -> Vec<nubes_primitives::traits::Compensation<AccountId, Balance>> {
		Market::compensation_of(provider, limit)
	}
	fn close_leases(provider: &AccountId, limit: u32) -> (u32, bool) {
		Market::close_leases_of(provider, limit)
	}
	fn running_leases(provider: &AccountId, limit: u32) -> Vec<nubes_primitives::LeaseId> {
		Market::running_leases_of(provider, limit)
	}
}

impl pallet_attestation::Config for Test {
	type AuthorityId = crate::crypto::Public;
	type Balance = Balance;
	type Directory = Providers;
	type Reputation = Providers;
	type Slash = ProviderStake;
	type Eviction = Eviction;
	type Shards = MockShards;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type DefaultTiming = MockTiming;
	type MaxValidators = MaxValidators;
	type MaxFailuresPerReport = MaxFailuresPerReport;
	type MaxJudgedPerBlock = MaxJudgedPerBlock;
	type MaxEvicting = frame_support::traits::ConstU32<4>;
	type MaxClosedPerBlock = frame_support::traits::ConstU32<1>;
	type MaxCompensated = frame_support::traits::ConstU32<4>;
	type OpeningsAtOnce = OpeningsAtOnce;
	type Clock = MockClock;
	type TurnSendDelayMs = frame_support::traits::ConstU64<500>;
	type DefaultParameters = Defaults;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

/// What the benchmarks of the pallets in this mock need.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_providers::BenchmarkHelper<AccountId, Balance> for BenchHelper {
	fn bond(who: &AccountId, amount: Balance) {
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, amount * 2 + ED);
		frame_support::assert_ok!(ProviderStake::bond(RuntimeOrigin::signed(*who), amount));
	}
}
#[cfg(feature = "runtime-benchmarks")]
impl pallet_market::BenchmarkHelper<AccountId, Balance> for BenchHelper {
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
impl crate::BenchmarkHelper<AccountId> for BenchHelper {
	fn serving_provider(who: &AccountId, leases: u32, tenants: u32) {
		use frame_support::traits::fungible::Mutate;
		// Room for as many leases of `spec()` as the benchmarks ask for.
		let room = Resources {
			cpu_millicores: 1_000_000,
			memory_mib: 10_000_000,
			storage_gib: 10_000,
			gpus: 0,
		};
		<Self as pallet_market::BenchmarkHelper<_, _>>::register_provider(
			who,
			b"eu".to_vec().try_into().unwrap(),
			Default::default(),
			room,
			prices(),
		);
		let tenants = tenants.max(1);
		for i in 0..tenants {
			Balances::set_balance(&(who + 1_000 + u64::from(i)), INITIAL);
		}
		for i in 0..leases {
			frame_support::assert_ok!(Market::lease_direct(
				RuntimeOrigin::signed(who + 1_000 + u64::from(i % tenants)),
				*who,
				spec(),
				u128::MAX,
				None,
				[0; 32],
				1_000_000,
			));
		}
	}

	fn remove_provider(who: &AccountId) {
		use nubes_primitives::traits::BackedCapacity;
		frame_support::assert_ok!(Providers::leave(RuntimeOrigin::signed(*who)));
		Providers::on_stake_withdrawn(who);
	}
}

/// Every provider offers this much: 8 cores.
pub fn capacity() -> Resources {
	Resources { cpu_millicores: 8_000, memory_mib: 16_384, storage_gib: 100, gpus: 0 }
}

/// What the tests lease: 2 cores.
pub fn spec() -> Resources {
	Resources { cpu_millicores: 2_000, memory_mib: 4_096, storage_gib: 10, gpus: 0 }
}

/// 1 per millicore, 10 per GiB: `spec()` costs 2,100 a block.
pub fn prices() -> ResourcePrices<Balance> {
	ResourcePrices { per_cpu_millicore: 1, per_memory_mib: 0, per_storage_gib: 10, per_gpu: 0 }
}

/// The `nubs` key of validator `i` (`//Validator{i}`).
pub fn validator_pair(i: u32) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//Validator{i}"), None).unwrap()
}

/// The public `nubs` key of validator `i`.
pub fn validator(i: u32) -> crate::crypto::Public {
	validator_pair(i).public().into()
}

/// A keystore holding the `nubs` keys of the given validators.
pub fn keystore_with(validators: &[u32]) -> MemoryKeystore {
	let keystore = MemoryKeystore::new();
	for i in validators {
		keystore
			.sr25519_generate_new(KeyTypeId(*b"nubs"), Some(&format!("//Validator{i}")))
			.unwrap();
	}
	keystore
}

/// Five bonded providers; two funded tenants; a 10 % protocol fee; `validators` (indices of
/// `//Validator{i}` keys) at genesis; their keys in the keystore.
pub fn new_test_ext(validators: &[u32]) -> sp_io::TestExternalities {
	let mut ext = genesis_ext(&PROVIDERS, validators, None);
	ext.register_extension(KeystoreExt::new(keystore_with(validators)));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// The genesis of `providers` (funded, bonded, registered in this order, so in slots from 0),
/// two funded tenants, a 10 % protocol fee, the validators `//Validator{i}` for `validators`,
/// and `timing` (the mock's default if `None`).
pub fn genesis_ext(
	providers: &[AccountId],
	validators: &[u32],
	timing: Option<crate::Timing>,
) -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [TENANT, TENANT_2]
			.iter()
			.chain(providers)
			.map(|who| (*who, INITIAL))
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
				endpoint: format!("http://provider-{who}.example:8080"),
				region: "eu-central".into(),
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
	pallet_attestation::GenesisConfig::<Test> {
		validators: validators.iter().map(|i| validator(*i)).collect(),
		timing,
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage)
}

/// Runs every pallet's hook for every block up to `n`.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Market::on_initialize(next);
		Attestation::on_initialize(next);
	}
}

std::thread_local! {
	/// The leases the tests made storage deals' holders, with their shards.
	pub static SHARDS: core::cell::RefCell<
		std::collections::BTreeMap<nubes_primitives::LeaseId, nubes_primitives::traits::HeldShard>,
	> = Default::default();
}

/// Storage deals as the tests set them up: a lease in [`SHARDS`] holds that shard.
pub struct MockShards;
impl nubes_primitives::traits::ShardLookup for MockShards {
	fn shard_of(lease: nubes_primitives::LeaseId) -> Option<nubes_primitives::traits::HeldShard> {
		SHARDS.with(|shards| shards.borrow().get(&lease).copied())
	}
}
