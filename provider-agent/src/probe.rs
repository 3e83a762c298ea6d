//! What the machine really has, and what the agent may therefore sell: never more than the
//! hardware, whatever the configuration asks.

use crate::config::CapacityLimits;
use nubes_primitives::Resources;
use serde::Serialize;
use std::path::Path;

/// The machine as probed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hardware {
	/// CPUs this process may run on (affinity and cgroup quota respected).
	pub cores: u32,
	/// Memory, in MiB (the cgroup limit if lower).
	pub memory_mib: u64,
	/// Space free on the data directory's file system, in GiB.
	pub disk_gib: u64,
	/// GPU models, one per GPU, from `nvidia-smi`.
	pub gpus: Vec<String>,
}

/// Probes the machine; `data_dir` decides which disk counts.
pub fn probe(data_dir: &Path) -> Hardware {
	let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
	let mut system = sysinfo::System::new();
	system.refresh_memory();
	let mut memory = system.total_memory();
	if let Some(limits) = system.cgroup_limits() {
		memory = memory.min(limits.total_memory);
	}
	let disks = sysinfo::Disks::new_with_refreshed_list();
	let data_dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
	let disk = disks
		.list()
		.iter()
		.filter(|d| data_dir.starts_with(d.mount_point()))
		.max_by_key(|d| d.mount_point().as_os_str().len())
		.map(|d| d.available_space())
		.unwrap_or(0);
	Hardware {
		cores,
		memory_mib: memory / (1024 * 1024),
		disk_gib: disk / (1024 * 1024 * 1024),
		gpus: nvidia_gpus(),
	}
}

/// GPU names from `nvidia-smi`, empty when there is none or no driver.
fn nvidia_gpus() -> Vec<String> {
	let Ok(output) = std::process::Command::new("nvidia-smi")
		.args(["--query-gpu=name", "--format=csv,noheader"])
		.output()
	else {
		return Vec::new();
	};
	if !output.status.success() {
		return Vec::new();
	}
	String::from_utf8_lossy(&output.stdout)
		.lines()
		.map(str::trim)
		.filter(|l| !l.is_empty())
		.map(str::to_string)
		.collect()
}

/// What to sell: each resource the smaller of the configured limit and the hardware (memory
/// less the reserve). Returns the offer and a note for every limit the hardware cut.
pub fn offer(hardware: &Hardware, limits: &CapacityLimits) -> (Resources, Vec<String>) {
	let mut notes = Vec::new();
	let mut cap = |name: &str, limit: Option<u64>, have: u64| match limit {
		Some(limit) if limit > have => {
			notes.push(format!(
				"{name}: configured {limit}, the machine has {have}; selling {have}"
			));
			have
		}
		Some(limit) => limit,
		None => have,
	};
	let memory_have = hardware.memory_mib.saturating_sub(limits.reserve_memory_mib);
	let offer = Resources {
		cpu_millicores: cap(
			"cpu_millicores",
			limits.cpu_millicores,
			u64::from(hardware.cores) * 1000,
		),
		memory_mib: cap("memory_mib", limits.memory_mib, memory_have),
		storage_gib: cap("storage_gib", limits.storage_gib, hardware.disk_gib),
		// No runtime here runs GPU work yet: GPUs the probe finds are not sold.
		gpus: 0,
	};
	if !hardware.gpus.is_empty() || limits.gpus.unwrap_or(0) > 0 {
		notes.push(format!(
			"{} GPU(s) found but not offered: no workload runtime here can use them yet",
			hardware.gpus.len()
		));
	}
	(offer, notes)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_offer_never_exceeds_the_machine() {
		let hw = Hardware { cores: 4, memory_mib: 8192, disk_gib: 100, gpus: vec![] };
		let (offer, notes) =
			offer(&hw, &CapacityLimits { reserve_memory_mib: 512, ..Default::default() });
		assert_eq!(
			offer,
			Resources { cpu_millicores: 4000, memory_mib: 7680, storage_gib: 100, gpus: 0 }
		);
		assert!(notes.is_empty());

		let limits = CapacityLimits {
			cpu_millicores: Some(2000),
			memory_mib: Some(100_000),
			storage_gib: Some(10),
			gpus: Some(2),
			reserve_memory_mib: 1024,
		};
		let (offer, notes) = super::offer(&hw, &limits);
		assert_eq!(
			offer,
			Resources { cpu_millicores: 2000, memory_mib: 7168, storage_gib: 10, gpus: 0 }
		);
		assert_eq!(notes.len(), 2, "{notes:?}");
		assert!(notes[0].contains("memory_mib"));
		assert!(notes[1].contains("not offered"), "{notes:?}");
	}

	#[test]
	fn gpus_are_not_sold_without_a_runtime_for_them() {
		let hw = Hardware { cores: 4, memory_mib: 8192, disk_gib: 100, gpus: vec!["A100".into()] };
		let (offer, notes) =
			offer(&hw, &CapacityLimits { reserve_memory_mib: 512, ..Default::default() });
		assert_eq!(offer.gpus, 0);
		assert!(notes.iter().any(|n| n.contains("1 GPU(s) found but not offered")), "{notes:?}");
	}

	#[test]
	fn the_probe_sees_this_machine() {
		let dir = tempfile::tempdir().unwrap();
		let hw = probe(dir.path());
		assert!(hw.cores >= 1);
		assert!(hw.memory_mib >= 64, "{hw:?}");
	}
}
