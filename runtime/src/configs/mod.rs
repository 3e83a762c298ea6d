//! Configuration of every pallet in the runtime, one `impl Config` each.

use frame_support::PalletId;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{AccountIdConversion, One},
	Perbill,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Payments,
	ProviderStake, Providers, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, RuntimeOrigin, RuntimeTask, System, DAYS, EXISTENTIAL_DEPOSIT, HOURS,
	MINUTES, SLOT_DURATION, SS58_PREFIX, UNIT, VERSION,
};

/// Share of a block that ordinary (non-operational) extrinsics may fill.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// One second of compute in a three-second block: the rest is for import and gossip.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB blocks, of which ordinary extrinsics may fill `NORMAL_DISPATCH_RATIO`.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB only.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees are burnt until the treasury account of the payments pallet exists.
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The protocol treasury: it receives slashed stake not paid to tenants, and protocol fees.
	pub const TreasuryPalletId: PalletId = PalletId(*b"nubes/tr");
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
	/// A week: long enough for faults committed before unbonding to be judged and slashed.
	pub const UnbondingPeriod: BlockNumber = 7 * DAYS;
}

impl pallet_provider_stake::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Capacity = Providers;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxUnlockingChunks = ConstU32<32>;
	type MaxSlashBeneficiaries = ConstU32<16>;
	type TreasuryAccount = TreasuryAccount;
	type WeightInfo = pallet_provider_stake::weights::SubstrateWeight<Runtime>;
}

impl pallet_providers::Config for Runtime {
	type Balance = Balance;
	type Stake = ProviderStake;
	type MaxAuditors = ConstU32<16>;
	type WeightInfo = pallet_providers::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ProvidersBenchmarkHelper;
}

/// Bonds accounts for the registry's benchmarks through the real stake pallet.
#[cfg(feature = "runtime-benchmarks")]
pub struct ProvidersBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_providers::BenchmarkHelper<AccountId, Balance> for ProvidersBenchmarkHelper {
	fn bond(who: &AccountId, amount: Balance) {
		use frame_support::traits::fungible::Mutate;
		let amount = amount.max(EXISTENTIAL_DEPOSIT);
		Balances::set_balance(who, amount.saturating_mul(2));
		// Benchmark set-up only: a failure must stop the benchmark.
		frame_support::assert_ok!(ProviderStake::bond(RuntimeOrigin::signed(who.clone()), amount));
	}
}

impl pallet_payments::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Every block counts as served until the attestation verdicts judge them.
	type ServedBlocks = pallet_payments::EveryBlockServed<Runtime>;
	type TreasuryAccount = TreasuryAccount;
	type MaxSettleBatch = ConstU32<64>;
	type WeightInfo = pallet_payments::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held with each bid; the tenant gets it if the accepted bid's lease is never started.
	pub const BidDeposit: Balance = 10 * UNIT;
	/// Slashed from a provider, to the tenant, when a direct lease is never started.
	pub const DirectStartSlash: Balance = 50 * UNIT;
}

impl pallet_market::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = Providers;
	type Escrow = Payments;
	type Slash = ProviderStake;
	type BidDeposit = BidDeposit;
	type DirectStartSlash = DirectStartSlash;
	/// Five minutes to fetch the manifest, start the workload and confirm.
	type StartTimeout = ConstU32<{ 5 * MINUTES }>;
	type MaxBidWindow = ConstU32<{ HOURS }>;
	type AcceptPeriod = ConstU32<{ HOURS }>;
	type MaxBidsPerOrder = ConstU32<32>;
	type MaxReplicas = ConstU32<16>;
	type MaxDuePerBlock = ConstU32<512>;
	type MaxDueHandledPerBlock = ConstU32<64>;
	type WeightInfo = pallet_market::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarketBenchmarkHelper;
}

/// Registers providers and auditors for the market's benchmarks through the real pallets.
#[cfg(feature = "runtime-benchmarks")]
pub struct MarketBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_market::BenchmarkHelper<AccountId, Balance> for MarketBenchmarkHelper {
	fn register_provider(
		who: &AccountId,
		region: nubes_primitives::Region,
		attributes: nubes_primitives::Attributes,
		capacity: nubes_primitives::Resources,
		prices: nubes_primitives::ResourcePrices<Balance>,
	) {
		use pallet_providers::BenchmarkHelper;
		let bond =
			pallet_provider_stake::Pallet::<Runtime>::required_bond(&capacity).unwrap_or(UNIT);
		ProvidersBenchmarkHelper::bond(who, bond);
		frame_support::assert_ok!(Providers::register(
			RuntimeOrigin::signed(who.clone()),
			frame_support::BoundedVec::truncate_from(b"https://bench.example".to_vec()),
			region,
			attributes,
			capacity,
			prices,
		));
	}

	fn attest_all(provider: &AccountId, auditor: &AccountId) {
		let _ = Providers::add_auditor(RuntimeOrigin::root(), auditor.clone());
		let keys = pallet_providers::Providers::<Runtime>::get(provider)
			.map(|info| {
				info.attributes.iter().map(|a| a.key.clone()).collect::<alloc::vec::Vec<_>>()
			})
			.unwrap_or_default();
		frame_support::assert_ok!(Providers::attest(
			RuntimeOrigin::signed(auditor.clone()),
			provider.clone(),
			frame_support::BoundedVec::truncate_from(keys),
		));
	}
}
