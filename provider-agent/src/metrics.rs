//! Prometheus metrics, served at `/metrics`.

use prometheus::{
	Counter, Encoder, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The agent's metrics.
#[derive(Clone)]
pub struct Metrics {
	registry: Registry,
	/// Leases whose workload is running.
	pub workloads_running: IntGauge,
	/// HTTP requests served to workloads, by status class (`2xx`, `4xx`, `5xx`).
	pub workload_requests: IntCounterVec,
	/// Validator challenges, by outcome (`answered`, `refused`, `failed`), their openings read
	/// (`opened`) and the storage probes answered from sealed shards (`sealed`).
	pub challenges: IntCounterVec,
	/// Liveness probes of leases, by answer (`running`: the workload is held here; `unknown`:
	/// it is not, which validators count as a failure).
	pub lease_probes: IntCounterVec,
	/// Bids, by outcome (`placed`, `refused`, `skipped`).
	pub bids: IntCounterVec,
	/// Shards rebuilt from other holders, by outcome (`rebuilt`, `failed`).
	pub shard_rebuilds: IntCounterVec,
	/// Transactions sent, by call and outcome (`ok`, `error`).
	pub transactions: IntCounterVec,
	/// NUBES paid to this provider by settlements (after the protocol fee), as seen in
	/// finalized `Settled` events: what the provider earned.
	pub earnings_settled: Counter,
	/// Served blocks paid by those settlements.
	pub blocks_paid: IntCounter,
	/// Epochs judged faulty for this provider (`Fault` events): not paid, and slashed past the
	/// faults the chain tolerates within its window.
	pub faults: IntCounter,
	/// NUBES slashed from this provider's bond (`Slashed` events).
	pub slashed: Counter,
	/// The last finalized block seen.
	pub finalized_block: IntGauge,
	/// Requests to named sites, by status class (`2xx`, `3xx`, `4xx`, `5xx`).
	pub gateway_requests: IntCounterVec,
	/// Site contents asked for, by outcome (`cached`, `fetched`: from holders and checked,
	/// `failed`).
	pub gateway_fetches: IntCounterVec,
	/// Holders that did not give back the shard committed on chain (unreachable, or other
	/// bytes) while the gateway fetched a site.
	pub gateway_bad_holders: IntCounter,
	/// Bytes of site contents cached.
	pub gateway_cache_bytes: IntGauge,
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
		let lease_probes = IntCounterVec::new(
			Opts::new("lease_probes_total", "Liveness probes of leases by answer"),
			&["answer"],
		)?;
		let bids = IntCounterVec::new(Opts::new("bids_total", "Bids by outcome"), &["outcome"])?;
		let shard_rebuilds = IntCounterVec::new(
			Opts::new("shard_rebuilds_total", "Shards rebuilt from other holders by outcome"),
			&["outcome"],
		)?;
		let transactions = IntCounterVec::new(
			Opts::new("transactions_total", "Transactions by call and outcome"),
			&["call", "outcome"],
		)?;
		let earnings_settled = Counter::new(
			"earnings_settled_nubes_total",
			"NUBES paid to this provider by settlements, after the protocol fee",
		)?;
		let blocks_paid = IntCounter::new("blocks_paid_total", "Served blocks paid")?;
		let faults = IntCounter::new("faults_total", "Epochs judged faulty for this provider")?;
		let slashed = Counter::new("slashed_nubes_total", "NUBES slashed from the bond")?;
		let finalized_block = IntGauge::new("finalized_block", "Last finalized block seen")?;
		let chain_connected = IntGauge::new("chain_connected", "1 while the node is reachable")?;
		let gateway_requests = IntCounterVec::new(
			Opts::new("gateway_requests_total", "Requests to named sites by status class"),
			&["status"],
		)?;
		let gateway_fetches = IntCounterVec::new(
			Opts::new("gateway_fetches_total", "Site contents asked for by outcome"),
			&["outcome"],
		)?;
		let gateway_bad_holders = IntCounter::new(
			"gateway_bad_holders_total",
			"Holders that did not give back their committed shard to the gateway",
		)?;
		let gateway_cache_bytes =
			IntGauge::new("gateway_cache_bytes", "Bytes of site contents cached")?;
		registry.register(Box::new(workloads_running.clone()))?;
		registry.register(Box::new(workload_requests.clone()))?;
		registry.register(Box::new(challenges.clone()))?;
		registry.register(Box::new(lease_probes.clone()))?;
		registry.register(Box::new(bids.clone()))?;
		registry.register(Box::new(shard_rebuilds.clone()))?;
		registry.register(Box::new(transactions.clone()))?;
		registry.register(Box::new(earnings_settled.clone()))?;
		registry.register(Box::new(blocks_paid.clone()))?;
		registry.register(Box::new(faults.clone()))?;
		registry.register(Box::new(slashed.clone()))?;
		registry.register(Box::new(finalized_block.clone()))?;
		registry.register(Box::new(chain_connected.clone()))?;
		registry.register(Box::new(gateway_requests.clone()))?;
		registry.register(Box::new(gateway_fetches.clone()))?;
		registry.register(Box::new(gateway_bad_holders.clone()))?;
		registry.register(Box::new(gateway_cache_bytes.clone()))?;
		Ok(Self {
			registry,
			workloads_running,
			workload_requests,
			challenges,
			lease_probes,
			bids,
			shard_rebuilds,
			transactions,
			earnings_settled,
			blocks_paid,
			faults,
			slashed,
			finalized_block,
			chain_connected,
			gateway_requests,
			gateway_fetches,
			gateway_bad_holders,
			gateway_cache_bytes,
		})
	}

	/// Counts what one finalized block's events paid, faulted or slashed this provider.
	pub fn record_money(&self, earned: u128, blocks: u64, faults: u64, slashed: u128) {
		self.earnings_settled.inc_by(nubes(earned));
		self.blocks_paid.inc_by(blocks);
		self.faults.inc_by(faults);
		self.slashed.inc_by(nubes(slashed));
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = Vec::new();
		let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
		String::from_utf8(out).unwrap_or_default()
	}
}

/// An amount in NUBES, for a dashboard (a float loses the smallest units of large sums).
fn nubes(planck: u128) -> f64 {
	planck as f64 / nubes_client::amount::UNIT as f64
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn money_is_counted_in_nubes() {
		let metrics = Metrics::new().unwrap();
		metrics.record_money(2_500_000_000_000, 10, 1, 500_000_000_000);
		metrics.record_money(500_000_000_000, 2, 0, 0);
		let text = metrics.render();
		assert!(text.contains("nubes_agent_earnings_settled_nubes_total 3\n"), "{text}");
		assert!(text.contains("nubes_agent_blocks_paid_total 12\n"), "{text}");
		assert!(text.contains("nubes_agent_faults_total 1\n"), "{text}");
		assert!(text.contains("nubes_agent_slashed_nubes_total 0.5\n"), "{text}");
	}
}
