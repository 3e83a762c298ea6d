//! Nubes metrics of a node, next to Substrate's at `--prometheus-port`: what this validator's
//! off-chain worker did (read from its off-chain storage, since passed challenges leave no trace
//! on chain) and what the chain decided about providers (read from each finalized block's
//! attestation events). A native task; it never affects consensus.

use std::sync::Arc;

use codec::Decode;
use futures::StreamExt;
use nubes_runtime::{opaque::Block, RuntimeEvent};
use pallet_attestation::offchain::{WorkerStats, WORKER_STATS_KEY};
use sc_client_api::{BlockchainEvents, StorageKey, StorageProvider};
use sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use sp_runtime::traits::Block as BlockT;
use substrate_prometheus_endpoint::{
	register, Counter, CounterVec, Gauge, Opts, PrometheusError, Registry, U64,
};

type Hash = <Block as BlockT>::Hash;
type EventRecords = Vec<frame_system::EventRecord<RuntimeEvent, Hash>>;

/// The Nubes metrics a node exports.
#[derive(Clone)]
pub struct NubesMetrics {
	/// This node's challenges to providers, by outcome (`sent`, `passed`, `failed`).
	challenges: CounterVec<U64>,
	/// This node's failure reports, by outcome (`submitted` to the pool, `refused`).
	reports: CounterVec<U64>,
	/// Attestation events in finalized blocks, by kind (`report`, `epoch_judged`, `fault`,
	/// `slash`, `forced_out`, `eviction_done`, `reveal`, `reveal_missed`), from every validator.
	chain_events: CounterVec<U64>,
	/// Failures listed in finalized reports, from every validator.
	failures_reported: Counter<U64>,
	/// The last epoch started, as finalized.
	epoch: Gauge<U64>,
}

impl NubesMetrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			challenges: register(
				CounterVec::new(
					Opts::new(
						"nubes_validator_challenges_total",
						"Challenges this node's off-chain worker sent, passed and failed",
					),
					&["outcome"],
				)?,
				registry,
			)?,
			reports: register(
				CounterVec::new(
					Opts::new(
						"nubes_validator_reports_total",
						"Failure reports this node's off-chain worker submitted or had refused",
					),
					&["outcome"],
				)?,
				registry,
			)?,
			chain_events: register(
				CounterVec::new(
					Opts::new(
						"nubes_attestation_events_total",
						"Attestation events in finalized blocks, by kind",
					),
					&["kind"],
				)?,
				registry,
			)?,
			failures_reported: register(
				Counter::new(
					"nubes_attestation_failures_reported_total",
					"Failures listed in finalized reports, from every validator",
				)?,
				registry,
			)?,
			epoch: register(
				Gauge::new("nubes_attestation_epoch", "The last epoch started, as finalized")?,
				registry,
			)?,
		})
	}

	/// Adds what the worker did between `before` and `now` (its stats only grow; a smaller
	/// value means a new database, counted from zero).
	fn record_worker(&self, before: WorkerStats, now: WorkerStats) {
		let delta = |old: u64, new: u64| if new >= old { new - old } else { new };
		let challenges = [
			("sent", before.challenges_sent, now.challenges_sent),
			("passed", before.passed, now.passed),
			("failed", before.failed, now.failed),
			("lease_probes", before.probes_sent, now.probes_sent),
		];
		for (outcome, old, new) in challenges {
			self.challenges.with_label_values(&[outcome]).inc_by(delta(old, new));
		}
		let reports = [
			("submitted", before.reports_submitted, now.reports_submitted),
			("refused", before.reports_refused, now.reports_refused),
		];
		for (outcome, old, new) in reports {
			self.reports.with_label_values(&[outcome]).inc_by(delta(old, new));
		}
	}

	/// Counts one finalized block's attestation events.
	fn record_events(&self, events: &EventRecords) {
		use pallet_attestation::Event as E;
		for record in events {
			let RuntimeEvent::Attestation(event) = &record.event else { continue };
			let kind = match event {
				E::FailuresReported { failures, .. } => {
					self.failures_reported.inc_by(u64::from(*failures));
					"report"
				}
				E::EpochStarted { epoch, .. } => {
					self.epoch.set(u64::from(*epoch));
					continue;
				}
				E::EpochJudged { .. } => "epoch_judged",
				E::Fault { .. } => "fault",
				E::Slashed { .. } => "slash",
				E::ForcedOut { .. } => "forced_out",
				E::EvictionDone { .. } => "eviction_done",
				E::Revealed { .. } => "reveal",
				E::RevealMissed { .. } => "reveal_missed",
				E::Summarized { .. } => "summary",
				E::ValidatorAccounted { challenged: None, .. } => "silent",
				_ => continue,
			};
			self.chain_events.with_label_values(&[kind]).inc();
		}
	}
}

/// Follows finality and keeps `metrics` current. Runs until the node stops.
pub async fn run<C, B, S>(client: Arc<C>, offchain: Option<S>, metrics: NubesMetrics)
where
	C: BlockchainEvents<Block> + StorageProvider<Block, B> + Send + Sync + 'static,
	B: sc_client_api::Backend<Block> + 'static,
	S: OffchainStorage + 'static,
{
	// `System::Events` is not public in frame-system: its key from the pallet and item names.
	let events_key = StorageKey(
		[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")]
			.concat()
			.to_vec(),
	);
	let mut worker = WorkerStats::default();
	let mut finality = client.finality_notification_stream();
	while let Some(notification) = finality.next().await {
		// Every finalized block since the last notification, so no event is missed.
		let hashes = notification.tree_route.iter().copied().chain([notification.hash]);
		for hash in hashes {
			match client.storage(hash, &events_key) {
				Ok(Some(data)) => match EventRecords::decode(&mut &data.0[..]) {
					Ok(events) => metrics.record_events(&events),
					// A runtime upgraded past this node's build: its events are not ours to read.
					Err(error) => {
						log::debug!(target: "nubes", "events of {hash} undecodable: {error}")
					}
				},
				Ok(None) => {}
				Err(error) => log::debug!(target: "nubes", "events of {hash} unreadable: {error}"),
			}
		}
		if let Some(storage) = &offchain {
			let stats = storage
				.get(STORAGE_PREFIX, WORKER_STATS_KEY)
				.and_then(|raw| WorkerStats::decode(&mut &raw[..]).ok())
				.unwrap_or_default();
			metrics.record_worker(worker, stats);
			worker = stats;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use nubes_runtime::Runtime;
	use sp_runtime::AccountId32;

	fn record(
		event: pallet_attestation::Event<Runtime>,
	) -> frame_system::EventRecord<RuntimeEvent, Hash> {
		frame_system::EventRecord {
			phase: frame_system::Phase::Finalization,
			event: RuntimeEvent::Attestation(event),
			topics: vec![],
		}
	}

	#[test]
	fn worker_stats_and_events_are_counted() {
		let registry = Registry::new();
		let metrics = NubesMetrics::register(&registry).unwrap();
		let first = WorkerStats { challenges_sent: 4, passed: 3, failed: 1, ..Default::default() };
		metrics.record_worker(WorkerStats::default(), first);
		let second = WorkerStats { challenges_sent: 6, passed: 5, reports_submitted: 1, ..first };
		metrics.record_worker(first, second);
		assert_eq!(metrics.challenges.with_label_values(&["sent"]).get(), 6);
		assert_eq!(metrics.challenges.with_label_values(&["failed"]).get(), 1);
		assert_eq!(metrics.reports.with_label_values(&["submitted"]).get(), 1);

		use pallet_attestation::Event as E;
		let provider = AccountId32::new([7; 32]);
		let validator =
			pallet_attestation::crypto::Public::from(sp_core::sr25519::Public::from_raw([8; 32]));
		metrics.record_events(&vec![
			record(E::EpochStarted { epoch: 3, validators: 1, reveals: 1 }),
			record(E::FailuresReported { epoch: 2, validator: 0, failures: 2 }),
			record(E::Fault { provider: provider.clone(), epoch: 2, recent: 1 }),
			record(E::EpochJudged { epoch: 2, faults: 1 }),
			record(E::Revealed { validator: validator.clone(), epoch: 3 }),
			record(E::Committed { validator: validator.clone(), epoch: 4 }),
			record(E::RevealMissed { validator: validator.clone(), epoch: 3 }),
			record(E::Summarized {
				epoch: 2,
				validator: 0,
				challenged: 4,
				failed: 2,
				outcomes: [0; 32],
			}),
			record(E::ValidatorAccounted {
				validator,
				epoch: 1,
				share: 4,
				challenged: None,
				false_failures: 0,
				missed_faults: 0,
			}),
		]);
		assert_eq!(metrics.epoch.get(), 3);
		assert_eq!(metrics.failures_reported.get(), 2);
		assert_eq!(metrics.chain_events.with_label_values(&["report"]).get(), 1);
		assert_eq!(metrics.chain_events.with_label_values(&["fault"]).get(), 1);
		assert_eq!(metrics.chain_events.with_label_values(&["slash"]).get(), 0);
		assert_eq!(metrics.chain_events.with_label_values(&["reveal"]).get(), 1);
		assert_eq!(metrics.chain_events.with_label_values(&["reveal_missed"]).get(), 1);
		assert_eq!(metrics.chain_events.with_label_values(&["summary"]).get(), 1);
		assert_eq!(metrics.chain_events.with_label_values(&["silent"]).get(), 1);
	}
}
