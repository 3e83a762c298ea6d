//! Pricing orders: a strategy says what to bid on an order, or to skip it. The default bids
//! the order's spec at the provider's price list; a script strategy asks an external program
//! (as Akash's bid price scripts do).

use crate::config::Strategy as StrategyConfig;
use nubes_client::rpc::Order;
use nubes_primitives::{ResourcePrices, Resources};
use std::{path::PathBuf, time::Duration};
use tokio::io::AsyncWriteExt;

/// How long a pricing script may take.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The price per block of `spec` at `prices`, `None` on overflow.
pub fn price_of(spec: &Resources, prices: &ResourcePrices<u128>) -> Option<u128> {
	prices
		.per_cpu_millicore
		.checked_mul(spec.cpu_millicores.into())?
		.checked_add(prices.per_memory_mib.checked_mul(spec.memory_mib.into())?)?
		.checked_add(prices.per_storage_gib.checked_mul(spec.storage_gib.into())?)?
		.checked_add(prices.per_gpu.checked_mul(spec.gpus.into())?)
}

/// Whether `spec` fits in `free`.
pub fn fits(spec: &Resources, free: &Resources) -> bool {
	spec.cpu_millicores <= free.cpu_millicores
		&& spec.memory_mib <= free.memory_mib
		&& spec.storage_gib <= free.storage_gib
		&& spec.gpus <= free.gpus
}

/// `a - b`, each resource floored at zero.
pub fn minus(a: &Resources, b: &Resources) -> Resources {
	Resources {
		cpu_millicores: a.cpu_millicores.saturating_sub(b.cpu_millicores),
		memory_mib: a.memory_mib.saturating_sub(b.memory_mib),
		storage_gib: a.storage_gib.saturating_sub(b.storage_gib),
		gpus: a.gpus.saturating_sub(b.gpus),
	}
}

/// Why a strategy gave no price.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PriceError {
	/// The strategy chose not to bid.
	#[error("skipped: {0}")]
	Skip(String),
	/// The script failed.
	#[error("pricing script: {0}")]
	Script(String),
}

/// Prices orders.
pub enum Strategy {
	/// The spec at these prices.
	PriceList(ResourcePrices<u128>),
	/// What this program prints.
	Script(PathBuf),
}

impl Strategy {
	/// The strategy the configuration names.
	pub fn from_config(config: &StrategyConfig, prices: ResourcePrices<u128>) -> Self {
		match config {
			StrategyConfig::PriceList => Self::PriceList(prices),
			StrategyConfig::Script(path) => Self::Script(path.clone()),
		}
	}

	/// The price per block to bid on `order` (never above its maximum).
	pub async fn price(&self, order: &Order) -> Result<u128, PriceError> {
		let price = match self {
			Self::PriceList(prices) => price_of(&order.spec, prices)
				.ok_or_else(|| PriceError::Skip("price overflows".into()))?,
			Self::Script(path) => run_script(path, order).await?,
		};
		if price > order.max_price {
			return Err(PriceError::Skip(format!(
				"our price {price} is above the order's maximum {}",
				order.max_price
			)));
		}
		Ok(price)
	}
}

/// Runs the pricing script with the order as JSON on stdin; its stdout is a price in NUBES
/// (or smallest units with a `u` suffix), or empty to skip.
async fn run_script(path: &PathBuf, order: &Order) -> Result<u128, PriceError> {
	let input = serde_json::to_vec(order).map_err(|e| PriceError::Script(e.to_string()))?;
	let mut child = tokio::process::Command::new(path)
		.stdin(std::process::Stdio::piped())
		.stdout(std::process::Stdio::piped())
		.stderr(std::process::Stdio::null())
		.kill_on_drop(true)
		.spawn()
		.map_err(|e| PriceError::Script(format!("cannot run {}: {e}", path.display())))?;
	if let Some(mut stdin) = child.stdin.take() {
		// A script that prices without reading the order closes its stdin early: not an error.
		let _ = stdin.write_all(&input).await;
	}
	let output = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
		.await
		.map_err(|_| PriceError::Script(format!("no answer within {SCRIPT_TIMEOUT:?}")))?
		.map_err(|e| PriceError::Script(e.to_string()))?;
	if !output.status.success() {
		return Err(PriceError::Script(format!("exited with {}", output.status)));
	}
	let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
	if text.is_empty() {
		return Err(PriceError::Skip("the script declined".into()));
	}
	nubes_client::amount::parse(&text)
		.map_err(|e| PriceError::Script(format!("printed {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn order(spec: Resources, max_price: u128) -> Order {
		Order {
			id: 1,
			tenant: "t".into(),
			spec,
			replicas: 1,
			leases: 0,
			max_price,
			duration: None,
			bid_window_end: 10,
			auto_accept: false,
			manifest_hash: "0x00".into(),
			bids: vec![],
		}
	}

	const SPEC: Resources =
		Resources { cpu_millicores: 500, memory_mib: 128, storage_gib: 1, gpus: 0 };

	#[tokio::test]
	async fn the_price_list_prices_the_spec_within_the_maximum() {
		let prices = ResourcePrices {
			per_cpu_millicore: 2,
			per_memory_mib: 3,
			per_storage_gib: 5,
			per_gpu: 7,
		};
		assert_eq!(price_of(&SPEC, &prices), Some(500 * 2 + 128 * 3 + 5));
		let strategy = Strategy::PriceList(prices);
		assert_eq!(strategy.price(&order(SPEC, 10_000)).await, Ok(1389));
		assert!(matches!(strategy.price(&order(SPEC, 1000)).await, Err(PriceError::Skip(_))));
		let huge = ResourcePrices { per_cpu_millicore: u128::MAX, ..prices };
		assert_eq!(price_of(&SPEC, &huge), None);
	}

	#[test]
	fn capacity_arithmetic() {
		let free = Resources { cpu_millicores: 1000, memory_mib: 128, storage_gib: 1, gpus: 0 };
		assert!(fits(&SPEC, &free));
		assert!(!fits(&SPEC, &minus(&free, &SPEC)));
		assert_eq!(minus(&SPEC, &free).cpu_millicores, 0);
	}

	#[tokio::test]
	async fn scripts_price_skip_and_fail_clearly() {
		let dir = tempfile::tempdir().unwrap();
		let script = |name: &str, body: &str| {
			let path = dir.path().join(name);
			std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
			use std::os::unix::fs::PermissionsExt;
			std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
			Strategy::Script(path)
		};
		// The script sees the order: it bids 7 units per requested millicore.
		let reads = script(
			"reads",
			"cpu=$(sed 's/.*\"cpuMillicores\":\\([0-9]*\\).*/\\1/'); echo \"$((cpu * 7))u\"",
		);
		assert_eq!(reads.price(&order(SPEC, 10_000)).await, Ok(3500));
		assert!(matches!(reads.price(&order(SPEC, 100)).await, Err(PriceError::Skip(_))));
		let declines = script("declines", "cat >/dev/null");
		assert!(matches!(declines.price(&order(SPEC, 10)).await, Err(PriceError::Skip(_))));
		let fails = script("fails", "exit 3");
		assert!(
			matches!(fails.price(&order(SPEC, 10)).await, Err(PriceError::Script(e)) if e.contains("exit"))
		);
		let garbage = script("garbage", "echo lots");
		assert!(
			matches!(garbage.price(&order(SPEC, 10)).await, Err(PriceError::Script(e)) if e.contains("lots"))
		);
		let missing = Strategy::Script(dir.path().join("absent"));
		assert!(
			matches!(missing.price(&order(SPEC, 10)).await, Err(PriceError::Script(e)) if e.contains("cannot run"))
		);
	}
}
