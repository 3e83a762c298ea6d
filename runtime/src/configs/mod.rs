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
	AccountId, Attestation, Aura, Balance, Balances, Block, BlockNumber, Hash, Market, Nonce,
	PalletInfo, Payments, ProviderStake, Providers, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask, StorageDeals, System,
	Timestamp, DAYS, EXISTENTIAL_DEPOSIT, HOURS, MINUTES, SLOT_DURATION, SS58_PREFIX, UNIT,
	VERSION,
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
	/// A tenth of every slash is burnt: a provider compensating "tenants" it controls from its
	/// own slash always nets a loss.
	pub const SlashBurn: Perbill = Perbill::from_percent(10);
}

/// Where protocol fees, tenants' forfeits and slash remainders go: the one handler every Nubes
/// pallet uses, so that a treasury pallet can take the account's place without touching them.
pub type ToTreasury =
	frame_support::traits::tokens::imbalance::ResolveTo<TreasuryAccount, Balances>;

impl pallet_provider_stake::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Capacity = Providers;
	type UnbondingPeriod = UnbondingPeriod;
	type MaxUnlockingChunks = ConstU32<32>;
	type MaxSlashBeneficiaries = ConstU32<16>;
	type OnSlash = ToTreasury;
	type SlashBurn = SlashBurn;
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
	/// Blocks of epochs the attestation verdicts judged served.
	type ServedBlocks = Attestation;
	type OnPenalty = ToTreasury;
	type MaxSettleBatch = ConstU32<64>;
	type WeightInfo = pallet_payments::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = PaymentsBenchmarkHelper;
}

/// Judges blocks for the payments benchmarks by moving the attestation pallet's judging on.
#[cfg(feature = "runtime-benchmarks")]
pub struct PaymentsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_payments::BenchmarkHelper<BlockNumber> for PaymentsBenchmarkHelper {
	fn judge_until(block: BlockNumber) {
		// The first epoch not judged yet starts at or after `block`.
		let containing = Attestation::epoch_of(block);
		let epoch = if Attestation::epoch_start(containing) < u64::from(block) {
			containing.saturating_add(1)
		} else {
			containing
		};
		pallet_attestation::NextToJudge::<Runtime>::put(epoch);
	}
}

parameter_types! {
	/// Held with each bid until it is accepted or released.
	pub const BidDeposit: Balance = 10 * UNIT;
	/// Held with each order until it ends.
	pub const OrderDeposit: Balance = UNIT;
	/// Held from the tenant with each lease until it closes.
	pub const LeaseDeposit: Balance = UNIT;
	/// The least start stake (and escrow) of a lease: what each side loses if it is left pending.
	pub const MinEscrow: Balance = UNIT;
}

impl pallet_market::Config for Runtime {
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
	/// Five minutes to fetch the manifest, start the workload and confirm.
	type StartTimeout = ConstU32<{ 5 * MINUTES }>;
	type MaxBidWindow = ConstU32<{ HOURS }>;
	type AcceptPeriod = ConstU32<{ HOURS }>;
	type MaxBidsPerOrder = ConstU32<32>;
	type MaxReplicas = ConstU32<16>;
	type AgendaPageSize = ConstU32<64>;
	/// An agenda entry that failed is tried again ten blocks later.
	type AgendaRetryDelay = ConstU32<10>;
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
		let keys = pallet_providers::ProviderAttributes::<Runtime>::get(provider)
			.iter()
			.map(|a| a.key.clone())
			.collect::<alloc::vec::Vec<_>>();
		frame_support::assert_ok!(Providers::attest(
			RuntimeOrigin::signed(auditor.clone()),
			provider.clone(),
			frame_support::BoundedVec::truncate_from(keys),
		));
	}
}

parameter_types! {
	pub const DealDepositBase: Balance = UNIT;
	pub const DealDepositPerShard: Balance = UNIT / 10;
}

impl pallet_storage_deals::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Providers = Providers;
	type Leases = Market;
	/// Up to 16 shards: 4 + 2 by default, 10 + 6 for the most cautious.
	type MaxShards = ConstU32<16>;
	/// 1 GiB of content per deal, as `nubes-content` packs it.
	type MaxDealBytes = ConstU64<{ 1 << 30 }>;
	type DealDepositBase = DealDepositBase;
	type DealDepositPerShard = DealDepositPerShard;
	/// Two hours to receive a shard and seal it: a 256 MiB shard takes some twelve minutes on
	/// two cores.
	type HolderStartTimeout = ConstU32<{ 2 * HOURS }>;
	type MaxRepairsPerBlock = ConstU32<8>;
	type RepairProbes = ConstU32<16>;
	type WeightInfo = pallet_storage_deals::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarketBenchmarkHelper;
}

/// Registers storage providers and confirms their leases for the deals' benchmarks.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_storage_deals::BenchmarkHelper<AccountId, Balance> for MarketBenchmarkHelper {
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
			nubes_primitives::Resources { storage_gib, ..nubes_primitives::Resources::ZERO },
			nubes_primitives::ResourcePrices { per_storage_gib: per_gib, ..Default::default() },
		);
	}

	fn confirm(provider: &AccountId, lease: nubes_primitives::LeaseId) {
		frame_support::assert_ok!(Market::confirm_lease(
			RuntimeOrigin::signed(provider.clone()),
			lease
		));
	}
}

parameter_types! {
	/// A name of eight bytes or more holds 1 NUBES; three bytes hold 32.
	pub const NameDeposit: Balance = UNIT;
	/// A name of eight bytes or more pays about 1 NUBES a year; three bytes about 32.
	pub const NameRentPerBlock: Balance = UNIT / (365 * DAYS as Balance);
}

impl pallet_names::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Leases = Market;
	type OnRent = ToTreasury;
	type NameDeposit = NameDeposit;
	type RentPerBlock = NameRentPerBlock;
	/// Rent is paid per block, so a short period costs no less per block than a long one; the
	/// least is a minute, so a name does not flicker.
	type MinPeriod = ConstU32<MINUTES>;
	type MaxPeriod = ConstU32<{ 5 * 365 * DAYS }>;
	/// A month after expiry to notice and renew before anyone may take the name.
	type GracePeriod = ConstU32<{ 30 * DAYS }>;
	type WeightInfo = pallet_names::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarketBenchmarkHelper;
}

/// Opens leases, each on a storage provider of its own, for the names' benchmarks.
#[cfg(feature = "runtime-benchmarks")]
impl pallet_names::BenchmarkHelper<AccountId> for MarketBenchmarkHelper {
	fn open_lease(tenant: &AccountId, i: u32) -> nubes_primitives::LeaseId {
		use frame_support::traits::fungible::Mutate;
		use nubes_primitives::traits::ManagedLeases;
		let provider: AccountId = frame_benchmarking::account("names-provider", i, 0);
		let region =
			nubes_primitives::Region::truncate_from(alloc::vec![b'n', b'a' + (i % 26) as u8]);
		<Self as pallet_storage_deals::BenchmarkHelper<_, _>>::register_provider(
			&provider,
			region,
			1,
			super::MILLI_UNIT,
		);
		let _ = Balances::mint_into(tenant, 1_000 * UNIT);
		let resources =
			nubes_primitives::Resources { storage_gib: 1, ..nubes_primitives::Resources::ZERO };
		let (lease, _) =
			Market::open(tenant, &provider, resources, UNIT, None, [0; 32], 100 * UNIT, 100)
				.expect("a lease opens on a fresh provider");
		lease
	}
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = super::UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = super::TxExtension;

	fn create_transaction(
		call: RuntimeCall,
		extension: super::TxExtension,
	) -> super::UncheckedExtrinsic {
		super::UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// Validators' off-chain workers submit their verdicts as general transactions: `AuthorizeCall`
/// lets the attestation pallet authorize them by the `nubs` signature; the other extensions
/// skip origins without an account (no nonce, no fee).
impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> super::TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

/// Forced exits go through the registry (status, unbonding) and the market (leases).
pub struct Eviction;
impl nubes_primitives::traits::ProviderEviction<AccountId, Balance> for Eviction {
	fn force_out(provider: &AccountId) -> sp_runtime::DispatchResult {
		Providers::force_out(provider)
	}

	fn compensation_of(
		provider: &AccountId,
		limit: u32,
	) -> alloc::vec::Vec<nubes_primitives::traits::Compensation<AccountId, Balance>> {
		Market::compensation_of(provider, limit)
	}

	fn close_leases(provider: &AccountId, limit: u32) -> (u32, bool) {
		Market::close_leases_of(provider, limit)
	}

	fn running_leases(
		provider: &AccountId,
		limit: u32,
	) -> alloc::vec::Vec<nubes_primitives::LeaseId> {
		Market::running_leases_of(provider, limit)
	}
}

parameter_types! {
	/// Challenge sizing (see `nubes-proofs` for the calibration) and penalties of development
	/// chains (one-minute epochs): within ten minutes, one fault is forgiven, the second and
	/// third slash, the fourth forces the provider out. The default when a chain's genesis sets
	/// no parameters.
	pub const AttestationParameters: pallet_attestation::Parameters = pallet_attestation::Parameters {
		redundancy: 3,
		unit_kib: ATTESTATION_UNIT_KIB,
		samples: 16,
		deadline_ms: ATTESTATION_DEADLINE_MS,
		network_ms: ATTESTATION_NETWORK_MS,
		slash_step: Perbill::from_percent(5),
		max_slash: Perbill::from_percent(20),
		fault_window: 10,
		tolerated_faults: 1,
		exit_faults: 4,
		compensation: Perbill::from_percent(50),
	};
	/// The same challenges with the penalties of a live chain (hour-long epochs): within a day,
	/// two faulty hours cost only their pay, from the third each slashes, and six force the
	/// provider out, so a provider has hours to mend a machine before it loses its place.
	pub const LiveAttestationParameters: pallet_attestation::Parameters = pallet_attestation::Parameters {
		fault_window: 24,
		tolerated_faults: 2,
		exit_faults: 6,
		..AttestationParameters::get()
	};
}

/// Memory each idle core fills per challenge, at most: 64 MiB. On the 2-core machine the
/// project is built on, two such units take an honest prover about 216 ms; a prover with one of
/// the two cores about 406 ms, one keeping half the memory about 1,030 ms, one machine answering
/// two providers at once about 437 ms (`cargo run --release -p nubes-proofs --example calibrate
/// -- --kib 65536 --samples 16`, figures in `docs/performance.md`).
pub const ATTESTATION_UNIT_KIB: u32 = 64 * 1024;
/// The answer's deadline for a full unit. Development chains are lenient: a provider on a
/// laptop that also runs the node, the agent and a build must not be judged late, so the
/// deadline is six times the honest time, and a cheating prover would pass. A chain that means
/// to catch cheaters sets `deadline_ms − network_ms` to about 1.35 × its reference machine's
/// honest time and keeps `network_ms` small against it (see `docs/protocol.md`).
pub const ATTESTATION_DEADLINE_MS: u32 = 1_300;
/// The share of the deadline left for the network and the answer's transfer.
pub const ATTESTATION_NETWORK_MS: u32 = 1_000;

impl pallet_attestation::Config for Runtime {
	type AuthorityId = pallet_attestation::crypto::Public;
	type Balance = Balance;
	type Directory = Providers;
	type Reputation = Providers;
	type Slash = ProviderStake;
	type Eviction = Eviction;
	type Shards = StorageDeals;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type DefaultTiming = DevelopmentTiming;
	type MaxValidators = ConstU32<128>;
	type MaxFailuresPerReport = ConstU32<32>;
	type MaxJudgedPerBlock = ConstU32<32>;
	type MaxEvicting = ConstU32<16>;
	type MaxClosedPerBlock = ConstU32<8>;
	type MaxCompensated = ConstU32<8>;
	type OpeningsAtOnce = ConstU32<16>;
	type Clock = Timestamp;
	/// Half a block: every validator has imported a block by then on a healthy network.
	type TurnSendDelayMs = ConstU64<{ SLOT_DURATION / 2 }>;
	type DefaultParameters = AttestationParameters;
	type WeightInfo = pallet_attestation::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AttestationBenchmarkHelper;
}

parameter_types! {
	/// Epochs of one minute of 3-second blocks, reports taken for a quarter of one: development
	/// chains see verdicts quickly. The default when a chain's genesis sets no timing.
	pub const DevelopmentTiming: pallet_attestation::Timing =
		pallet_attestation::Timing { epoch_length: 20, report_window: 5 };
	/// Epochs of an hour of 3-second blocks, reports taken for a quarter of one: the timing of
	/// the `local_testnet` preset and of a live chain, where a provider's transient trouble
	/// must not cost it its stake within minutes. Root may change it (`set_timing`).
	pub const LiveTiming: pallet_attestation::Timing =
		pallet_attestation::Timing { epoch_length: 1_200, report_window: 300 };
}

/// A serving provider with leases, for the attestation benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct AttestationBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_attestation::BenchmarkHelper<AccountId> for AttestationBenchmarkHelper {
	fn serving_provider(who: &AccountId, leases: u32, tenants: u32) {
		use frame_support::traits::fungible::Mutate;
		use pallet_market::BenchmarkHelper;
		// Room for a lease of one core per lease slot the benchmarks ask for.
		let capacity = nubes_primitives::Resources {
			cpu_millicores: 64_000,
			memory_mib: 65_536,
			storage_gib: 100,
			gpus: 0,
		};
		let prices = nubes_primitives::ResourcePrices {
			per_cpu_millicore: 1,
			per_memory_mib: 1,
			per_storage_gib: 1,
			per_gpu: 1,
		};
		MarketBenchmarkHelper::register_provider(
			who,
			frame_support::BoundedVec::truncate_from(b"eu".to_vec()),
			Default::default(),
			capacity,
			prices,
		);
		let tenants: alloc::vec::Vec<AccountId> = (0..tenants.max(1))
			.map(|i| {
				let tenant: AccountId = frame_benchmarking::account("tenant", i, 0);
				Balances::set_balance(&tenant, 1_000_000 * UNIT);
				tenant
			})
			.collect();
		for i in 0..leases {
			let tenant = &tenants[i as usize % tenants.len()];
			frame_support::assert_ok!(Market::lease_direct(
				RuntimeOrigin::signed(tenant.clone()),
				who.clone(),
				nubes_primitives::Resources {
					cpu_millicores: 1_000,
					memory_mib: 1_024,
					storage_gib: 1,
					gpus: 0,
				},
				Balance::MAX,
				None,
				[0; 32],
				1_000 * UNIT,
			));
		}
	}

	fn remove_provider(who: &AccountId) {
		use nubes_primitives::traits::BackedCapacity;
		frame_support::assert_ok!(Providers::leave(RuntimeOrigin::signed(who.clone())));
		Providers::on_stake_withdrawn(who);
	}
}
