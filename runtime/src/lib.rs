//! The Nubes runtime: FRAME system pallets (Aura + GRANDPA consensus, balances, fees, sudo for
//! dev and test networks) plus the Nubes market pallets as they land.
//!
//! `lib.rs` is the table of contents: the chain's basic types, its version, the pallets it is
//! made of. Each pallet's configuration lives in [`configs`], the runtime APIs in [`apis`], the
//! genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` / `impl_runtime_apis` expand to large types.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
#[cfg(feature = "std")]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format, so that it keeps syncing
/// across runtime upgrades that change that format.
pub mod opaque {
	use super::*;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The keys a validator registers: Aura for authoring, GRANDPA for finality, `nubs` for
	/// signing its verdicts on providers.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub nubs: Attestation,
	}
}

/// The runtime's version; `spec_version` must grow with every upgrade that changes behaviour.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("nubes"),
	impl_name: alloc::borrow::Cow::Borrowed("nubes-node"),
	authoring_version: 1,
	spec_version: 110,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time of the networks that run real Aura + GRANDPA consensus. Three seconds keeps
/// a direct lease (one block) close to interactive while leaving a loaded validator ample room.
/// `--dev` seals its own blocks faster (see the node's `--dev-block-time`).
pub const MILLI_SECS_PER_BLOCK: u64 = 3000;
/// Aura slot length. It cannot change once a chain has started.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks in a minute at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks in an hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks in a day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Number of decimals of the NUBES token.
pub const TOKEN_DECIMALS: u8 = 12;
/// Ticker of the native token, shown by wallets.
pub const TOKEN_SYMBOL: &str = "NUBES";
/// One NUBES in its smallest unit.
pub const UNIT: Balance = 10u128.pow(TOKEN_DECIMALS as u32);
/// One thousandth of a NUBES.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// One millionth of a NUBES.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// Smallest balance an account may hold; below it the account is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
/// Address format of Nubes accounts (SS58 network prefix).
pub const SS58_PREFIX: u16 = 4747;

/// Transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// An account: the public key of the signature scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Amount of the native token, in its smallest unit.
pub type Balance = u128;
/// Per-account transaction counter.
pub type Nonce = u32;
/// Block and storage hashes.
pub type Hash = sp_core::H256;
/// Block height.
pub type BlockNumber = u32;
/// How a call names an account.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header of this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block of this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks and charges every transaction goes through, in order. `AuthorizeCall` comes first
/// so that calls authorized by their pallet (validators' verdicts) need no signed account.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Extrinsic format of this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on upgrade besides the pallets' own.
type Migrations = (
	pallet_providers::migrations::v1::MigrateToV1<Runtime>,
	pallet_market::migrations::v1::MigrateToV1<Runtime>,
);

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	/// The Nubes runtime.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	// The Nubes market. The stake pallet comes before the registry: genesis bonds must exist
	// before genesis providers register.
	#[runtime::pallet_index(10)]
	pub type ProviderStake = pallet_provider_stake;

	#[runtime::pallet_index(11)]
	pub type Providers = pallet_providers;

	#[runtime::pallet_index(12)]
	pub type Market = pallet_market;

	#[runtime::pallet_index(13)]
	pub type Payments = pallet_payments;

	#[runtime::pallet_index(14)]
	pub type Attestation = pallet_attestation;

	#[runtime::pallet_index(15)]
	pub type StorageDeals = pallet_storage_deals;

	#[runtime::pallet_index(16)]
	pub type Names = pallet_names;
}
