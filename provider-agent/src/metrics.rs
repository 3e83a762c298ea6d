//! Prometheus metrics, served at `/metrics`.

use prometheus::{Encoder, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

/// The agent's metrics.
#[derive(Clone)]
pub struct Metrics {
	registry: Registry,
	/// Leases whose workload is running.
	pub workloads_running: IntGauge,
	/// HTTP requests served to workloads, by status class (`2xx`, `4xx`, `5xx`).
	pub workload_requests: IntCounterVec,
	/// Validator challenges, by outcome (`answered`, `refused`, `failed`).
	pub challenges: IntCounterVec,
	/// Bids, by outcome (`placed`, `refused`, `skipped`).
	pub bids: IntCounterVec,
	/// Transactions sent, by call and outcome (`ok`, `error`).
	pub transactions: IntCounterVec,
	/// The last finalized block seen.
	pub finalized_block: IntGauge,
	/// 1 while the chain is reachable.
	pub chain_connected: IntGauge,
}

impl Metrics {
	/// Registers every metric.
	pub fn new() -> Result<Self, prometheus::Error> {
		let registry = Registry::new_custom(Some("nubes_agent".into()), None)?;
		let workloads_running = IntGauge::new("workloads_running", "Leases whose workload runs")?;
		let workload_requests = IntCounterVec::new(
			Opts::new("workload_requests_total", "HTTP requests served to workloads"),
			&["status"],
		)?;
		let challenges = IntCounterVec::new(
			Opts::new("challenges_total", "Validator challenges by outcome"),
			&["outcome"],
		)?;
		let bids = IntCounterVec::new(Opts::new("bids_total", "Bids by outcome"), &["outcome"])?;
		let transactions = IntCounterVec::new(
			Opts::new("transactions_total", "Transactions by call and outcome"),
			&["call", "outcome"],
		)?;
		let finalized_block = IntGauge::new("finalized_block", "Last finalized block seen")?;
		let chain_connected = IntGauge::new("chain_connected", "1 while the node is reachable")?;
		registry.register(Box::new(workloads_running.clone()))?;
		registry.register(Box::new(workload_requests.clone()))?;
		registry.register(Box::new(challenges.clone()))?;
		registry.register(Box::new(bids.clone()))?;
		registry.register(Box::new(transactions.clone()))?;
		registry.register(Box::new(finalized_block.clone()))?;
		registry.register(Box::new(chain_connected.clone()))?;
		Ok(Self {
			registry,
			workloads_running,
			workload_requests,
			challenges,
			bids,
			transactions,
			finalized_block,
			chain_connected,
		})
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = Vec::new();
		let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
		String::from_utf8(out).unwrap_or_default()
	}
}
