//! Assembles the node: client, database (ParityDB), transaction pool, networking (litep2p by
//! default), consensus, off-chain workers and RPC.
//!
//! Two consensus set-ups share everything else:
//! - a development chain (chain type `Development`, i.e. `--dev` or `--chain dev`) seals and
//!   finalizes a block on a timer (manual seal), so a single node runs fast tests;
//! - every other chain runs Aura authoring with GRANDPA finality, the real multi-validator
//!   consensus.

use std::{sync::Arc, time::Duration};

use futures::{channel::mpsc, FutureExt, SinkExt};
use nubes_runtime::{apis::RuntimeApi, opaque::Block};
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_consensus_manual_seal::{consensus::aura::AuraConsensusDataProvider, EngineCommand};
use sc_service::{
	error::Error as ServiceError, ChainType, Configuration, TaskManager, WarpSyncConfig,
};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_consensus_aura::sr25519::{AuthorityPair as AuraPair, AuthoritySignature as AuraSignature};

/// The node's client: native types, runtime executed from its wasm blob.
pub type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// Blocks between two GRANDPA justifications kept for light clients and warp sync.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// How the chain reaches consensus, decided by its chain type.
// Built once when the node starts: the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Consensus {
	/// A development chain: one node seals and finalizes blocks on a timer.
	ManualSeal,
	/// A real network: Aura authoring, GRANDPA finality.
	AuraGrandpa { block_import: GrandpaBlockImport, link: GrandpaLink },
}

/// The node's components before networking starts; also what maintenance subcommands use.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(Consensus, Option<Telemetry>),
>;

/// Whether a chain is sealed by a single dev node rather than by Aura + GRANDPA.
pub fn is_dev_chain(config: &Configuration) -> bool {
	config.chain_spec.chain_type() == ChainType::Development
}

/// Builds client, database, pool and import queue.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (import_queue, consensus) = if is_dev_chain(config) {
		let queue = sc_consensus_manual_seal::import_queue(
			Box::new(client.clone()),
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
		);
		(queue, Consensus::ManualSeal)
	} else {
		let (block_import, link) = sc_consensus_grandpa::block_import(
			client.clone(),
			GRANDPA_JUSTIFICATION_PERIOD,
			&client,
			select_chain.clone(),
			telemetry.as_ref().map(|x| x.handle()),
		)?;
		let cidp_client = client.clone();
		let queue =
			sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
				block_import: block_import.clone(),
				justification_import: Some(Box::new(block_import.clone())),
				client: client.clone(),
				create_inherent_data_providers: move |parent_hash, _| {
					let cidp_client = cidp_client.clone();
					async move {
						let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
							&*cidp_client,
							parent_hash,
						)?;
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot =
						sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
						Ok((slot, timestamp))
					}
				},
				spawner: &task_manager.spawn_essential_handle(),
				registry: config.prometheus_registry(),
				check_for_equivocation: Default::default(),
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			})?;
		(queue, Consensus::AuraGrandpa { block_import, link })
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (consensus, telemetry),
	})
}

/// Builds and starts the full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	config: Configuration,
	dev_block_time: Duration,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (consensus, mut telemetry),
	} = new_partial(&config)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	// GRANDPA gossip and warp sync exist only where GRANDPA runs.
	let genesis_hash = client
		.block_hash(0)?
		.ok_or_else(|| ServiceError::Other("the database has no genesis block".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let (grandpa_notification_service, warp_sync_config) = match &consensus {
		Consensus::AuraGrandpa { link, .. } => {
			let (protocol_config, notification_service) =
				sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
					grandpa_protocol_name.clone(),
					metrics.clone(),
					net_config.peer_store_handle(),
				);
			net_config.add_notification_protocol(protocol_config);
			let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
				backend.clone(),
				link.shared_authority_set().clone(),
				Vec::default(),
			));
			(Some(notification_service), Some(WarpSyncConfig::WithProvider(warp_sync)))
		}
		Consensus::ManualSeal => (None, None),
	};

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				// Validators' off-chain workers challenge providers over HTTP.
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();
	let offchain_storage = backend.offchain_storage();

	// The dev engine's command channel: fed by the block timer and by `engine_*` RPC calls.
	let manual_seal_channel = matches!(consensus, Consensus::ManualSeal).then(|| mpsc::channel(64));
	let rpc_manual_seal = manual_seal_channel.as_ref().map(|(sender, _)| sender.clone());

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				manual_seal: rpc_manual_seal.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if let Some(registry) = prometheus_registry.as_ref() {
		let metrics = crate::metrics::NubesMetrics::register(registry)
			.map_err(|error| ServiceError::Other(format!("Nubes metrics: {error}")))?;
		task_manager.spawn_handle().spawn(
			"nubes-metrics",
			None,
			crate::metrics::run::<_, FullBackend, _>(client.clone(), offchain_storage, metrics),
		);
	}

	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|x| x.handle()),
	);

	match consensus {
		Consensus::ManualSeal => {
			let Some((sender, commands_stream)) = manual_seal_channel else {
				return Err(ServiceError::Other("manual seal channel missing".into()));
			};
			task_manager.spawn_essential_handle().spawn(
				"dev-block-timer",
				Some("block-authoring"),
				seal_on_timer(sender, dev_block_time),
			);
			let slot_duration = sc_consensus_aura::slot_duration(&*client)?;
			let cidp_client = client.clone();
			let authorship = sc_consensus_manual_seal::run_manual_seal(
				sc_consensus_manual_seal::ManualSealParams {
					block_import: client.clone(),
					env: proposer_factory,
					client: client.clone(),
					pool: transaction_pool.clone(),
					commands_stream,
					select_chain,
					consensus_data_provider: Some(Box::new(
						AuraConsensusDataProvider::new_with_slot_duration(slot_duration),
					)),
					create_inherent_data_providers: move |parent, ()| {
						let client = cidp_client.clone();
						async move {
							let header = client.header(parent)?.ok_or_else(|| {
								sp_blockchain::Error::UnknownBlock(format!("{parent:?}"))
							})?;
							let parent_slot =
								sc_consensus_aura::find_pre_digest::<Block, AuraSignature>(&header)
									.map(u64::from)
									.unwrap_or_default();
							Ok(dev_timestamp(parent_slot, slot_duration.as_millis()))
						}
					},
				},
			);
			task_manager.spawn_essential_handle().spawn_blocking(
				"manual-seal",
				Some("block-authoring"),
				authorship,
			);
		}
		Consensus::AuraGrandpa { block_import, link } => {
			if role.is_authority() {
				let slot_duration = sc_consensus_aura::slot_duration(&*client)?;
				let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
					StartAuraParams {
						slot_duration,
						client: client.clone(),
						select_chain,
						block_import,
						proposer_factory,
						create_inherent_data_providers: move |_, ()| async move {
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot =
								sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
									*timestamp,
									slot_duration,
								);
							Ok((slot, timestamp))
						},
						force_authoring,
						backoff_authoring_blocks: None::<()>,
						keystore: keystore_container.keystore(),
						sync_oracle: sync_service.clone(),
						justification_sync_link: sync_service.clone(),
						block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
						max_block_proposal_slot_portion: None,
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						compatibility_mode: Default::default(),
					},
				)?;
				task_manager.spawn_essential_handle().spawn_blocking(
					"aura",
					Some("block-authoring"),
					aura,
				);
			}

			if enable_grandpa {
				let Some(notification_service) = grandpa_notification_service else {
					return Err(ServiceError::Other("GRANDPA protocol not configured".into()));
				};
				let keystore =
					if role.is_authority() { Some(keystore_container.keystore()) } else { None };
				let grandpa_config = sc_consensus_grandpa::Config {
					gossip_duration: Duration::from_millis(333),
					justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
					name: Some(name),
					observer_enabled: false,
					keystore,
					local_role: role,
					telemetry: telemetry.as_ref().map(|x| x.handle()),
					protocol_name: grandpa_protocol_name,
				};
				let voter =
					sc_consensus_grandpa::run_grandpa_voter(sc_consensus_grandpa::GrandpaParams {
						config: grandpa_config,
						link,
						network,
						sync: sync_service,
						notification_service,
						voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
						prometheus_registry,
						shared_voter_state: SharedVoterState::empty(),
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(
							transaction_pool,
						),
					})?;
				task_manager.spawn_essential_handle().spawn_blocking("grandpa-voter", None, voter);
			}
		}
	}

	Ok(task_manager)
}

/// Asks the dev engine for a new, finalized block every `interval`, empty or not, so that chain
/// time moves for tests and tools.
async fn seal_on_timer(
	mut engine: mpsc::Sender<EngineCommand<nubes_runtime::opaque::Hash>>,
	interval: Duration,
) {
	let mut ticks = tokio::time::interval(interval);
	ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		ticks.tick().await;
		let command = EngineCommand::SealNewBlock {
			create_empty: true,
			finalize: true,
			parent_hash: None,
			sender: None,
		};
		if engine.send(command).await.is_err() {
			log::warn!(target: "nubes", "dev block engine stopped; no more blocks are sealed");
			return;
		}
	}
}

/// The timestamp of a dev block: the start of the first Aura slot after its parent's that is not
/// in the past. Dev blocks may come faster than Aura slots, so chain time can run ahead of wall
/// time; Nubes measures every protocol duration in blocks, never in timestamps.
fn dev_timestamp(parent_slot: u64, slot_duration_ms: u64) -> sp_timestamp::InherentDataProvider {
	let now_ms = sp_timestamp::Timestamp::current().as_millis();
	let now_slot = now_ms / slot_duration_ms.max(1);
	let slot = now_slot.max(parent_slot.saturating_add(1));
	sp_timestamp::InherentDataProvider::new(slot.saturating_mul(slot_duration_ms).into())
}
