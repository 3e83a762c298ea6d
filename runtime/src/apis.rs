//! The runtime APIs the node, polkadot.js and subxt call: block execution, metadata (V14–V16),
//! transaction validation, consensus, nonces, fee queries, genesis presets, benchmarks and
//! try-runtime.

use alloc::vec::Vec;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Block, BlockNumber, Executive, Grandpa, InherentDataExt, Nonce,
	Providers, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, TransactionPayment,
	VERSION,
};
use nubes_primitives::{
	LeaseId, OrderId, Placement, ProviderFilter, ProviderInfo, ProviderPage, ProviderStatus,
	Resources,
};
use pallet_market_runtime_api::{LeaseDetails, LeasePage, OrderDetails, Quote};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			// Without a session pallet there is no key-ownership proof to report against.
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_providers_runtime_api::ProvidersApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn providers(
			filter: ProviderFilter,
			start_after: Option<AccountId>,
			limit: u32,
		) -> ProviderPage<AccountId, Balance, BlockNumber> {
			Providers::providers_page(&filter, start_after, limit)
		}

		fn provider(who: AccountId) -> Option<ProviderInfo<Balance, BlockNumber>> {
			pallet_providers::Pallet::<Runtime>::info(&who)
		}
	}

	impl pallet_attestation_runtime_api::AttestationApi<Block, pallet_attestation::crypto::Public> for Runtime {
		fn standings() -> Vec<(pallet_attestation::crypto::Public, pallet_attestation::Standing)> {
			pallet_attestation::Pallet::<Runtime>::standings()
		}

		fn ledgers(epoch: pallet_attestation::EpochIndex) -> Vec<(u32, pallet_attestation::Ledger)> {
			pallet_attestation::Pallet::<Runtime>::ledgers(epoch)
		}
	}

	impl pallet_market_runtime_api::MarketApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn quote(
			spec: Resources,
			placement: Placement<AccountId>,
			limit: u32,
		) -> Vec<Quote<AccountId, Balance>> {
			let mut quotes: Vec<Quote<AccountId, Balance>> = pallet_providers::Providers::<Runtime>::iter()
				.take(pallet_market_runtime_api::MAX_QUOTE_SCAN as usize)
				.filter(|(who, record)| {
					record.status == ProviderStatus::Active &&
						spec.fits_within(&record.free()) &&
						placement.admits(
							record,
							|| pallet_providers::ProviderAttributes::<Runtime>::get(who),
							|auditor| Providers::attested(who, auditor),
						)
				})
				.filter_map(|(provider, info)| {
					let rate = info.prices.cost_of(&spec).filter(|rate| *rate > 0)?;
					Some(Quote { provider, rate, free: info.free() })
				})
				.collect();
			quotes.sort_by_key(|quote| quote.rate);
			quotes.truncate(limit.min(pallet_market_runtime_api::MAX_QUOTES) as usize);
			quotes
		}

		fn order(id: OrderId) -> Option<OrderDetails<AccountId, Balance, BlockNumber>> {
			let order = pallet_market::Orders::<Runtime>::get(id)?;
			// At most `MaxBidsPerOrder`, in the order they came.
			let mut bids: Vec<_> = pallet_market::Bids::<Runtime>::iter_prefix_values(id).collect();
			bids.sort_by_key(|bid| bid.seq);
			let placement = pallet_market::Placements::<Runtime>::get(id).unwrap_or_else(Placement::any);
			Some(OrderDetails { order, placement, bids })
		}

		fn leases_of(
			who: AccountId,
			start_after: Option<LeaseId>,
			limit: u32,
		) -> LeasePage<AccountId, Balance, BlockNumber> {
			let limit = limit.clamp(1, pallet_market_runtime_api::MAX_LEASES_LISTED) as usize;
			let mut ids = match start_after {
				Some(after) => pallet_market::AccountLeases::<Runtime>::iter_key_prefix_from(
					&who,
					pallet_market::AccountLeases::<Runtime>::hashed_key_for(&who, after),
				),
				None => pallet_market::AccountLeases::<Runtime>::iter_key_prefix(&who),
			};
			let mut leases = Vec::new();
			let mut last = None;
			while leases.len() < limit {
				let Some(id) = ids.next() else {
					return LeasePage { leases, next: None };
				};
				last = Some(id);
				leases.extend(Self::lease(id));
			}
			// Stopped at the limit: more may follow unless the prefix is exhausted.
			let next = if ids.next().is_some() { last } else { None };
			LeasePage { leases, next }
		}

		fn lease(id: LeaseId) -> Option<LeaseDetails<AccountId, Balance, BlockNumber>> {
			let lease = pallet_market::Leases::<Runtime>::get(id)?;
			Some(LeaseDetails { id, lease, escrow: pallet_payments::Pallet::<Runtime>::escrow_status(id) })
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::{baseline, BenchmarkList};
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;
			use frame_system_benchmarking::extensions::Pallet as SystemExtensionsBench;
			use baseline::Pallet as BaselineBench;
			use super::*;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);

			let storage_info = AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{baseline, BenchmarkBatch};
			use sp_storage::TrackedStorageKey;
			use frame_system_benchmarking::Pallet as SystemBench;
			use frame_system_benchmarking::extensions::Pallet as SystemExtensionsBench;
			use baseline::Pallet as BaselineBench;
			use frame_support::traits::WhitelistedStorageKeys;
			use super::*;

			impl frame_system_benchmarking::Config for Runtime {}
			impl baseline::Config for Runtime {}

			let whitelist: Vec<TrackedStorageKey> = AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			// try-runtime is an off-chain tool: a failed check must stop it with a backtrace.
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, super::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("execute-block failed")
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
