//! Capacity (`Resources`) and per-unit rates (`ResourcePrices`).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::traits::{CheckedAdd, CheckedMul, Zero};

/// An amount of machine capacity: what a provider offers, what a lease uses.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
	/// CPU in thousandths of a core.
	pub cpu_millicores: u64,
	/// Memory in MiB.
	pub memory_mib: u64,
	/// Persistent storage in GiB.
	pub storage_gib: u64,
	/// Whole GPUs.
	pub gpus: u32,
}

impl Resources {
	/// No capacity at all.
	pub const ZERO: Self = Self { cpu_millicores: 0, memory_mib: 0, storage_gib: 0, gpus: 0 };

	/// Whether every component is zero.
	pub fn is_zero(&self) -> bool {
		*self == Self::ZERO
	}

	/// Whether every component of `self` is at most the same component of `limit`.
	pub fn fits_within(&self, limit: &Self) -> bool {
		self.cpu_millicores <= limit.cpu_millicores
			&& self.memory_mib <= limit.memory_mib
			&& self.storage_gib <= limit.storage_gib
			&& self.gpus <= limit.gpus
	}

	/// Component-wise sum, `None` on overflow.
	pub fn checked_add(&self, other: &Self) -> Option<Self> {
		Some(Self {
			cpu_millicores: self.cpu_millicores.checked_add(other.cpu_millicores)?,
			memory_mib: self.memory_mib.checked_add(other.memory_mib)?,
			storage_gib: self.storage_gib.checked_add(other.storage_gib)?,
			gpus: self.gpus.checked_add(other.gpus)?,
		})
	}

	/// Component-wise difference, `None` if any component would go below zero.
	pub fn checked_sub(&self, other: &Self) -> Option<Self> {
		Some(Self {
			cpu_millicores: self.cpu_millicores.checked_sub(other.cpu_millicores)?,
			memory_mib: self.memory_mib.checked_sub(other.memory_mib)?,
			storage_gib: self.storage_gib.checked_sub(other.storage_gib)?,
			gpus: self.gpus.checked_sub(other.gpus)?,
		})
	}

	/// Component-wise difference, stopping at zero.
	pub fn saturating_sub(&self, other: &Self) -> Self {
		Self {
			cpu_millicores: self.cpu_millicores.saturating_sub(other.cpu_millicores),
			memory_mib: self.memory_mib.saturating_sub(other.memory_mib),
			storage_gib: self.storage_gib.saturating_sub(other.storage_gib),
			gpus: self.gpus.saturating_sub(other.gpus),
		}
	}
}

/// A rate for each resource unit: a provider's price list (per block) or the bond that each
/// unit of offered capacity requires.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePrices<Balance> {
	/// Per thousandth of a CPU core.
	pub per_cpu_millicore: Balance,
	/// Per MiB of memory.
	pub per_memory_mib: Balance,
	/// Per GiB of storage.
	pub per_storage_gib: Balance,
	/// Per GPU.
	pub per_gpu: Balance,
}

impl<Balance: Copy + Zero + CheckedAdd + CheckedMul + From<u32> + TryFrom<u64>>
	ResourcePrices<Balance>
{
	/// What `resources` cost at these rates, `None` if it does not fit in `Balance`.
	pub fn cost_of(&self, resources: &Resources) -> Option<Balance> {
		let units = |n: u64| Balance::try_from(n).ok();
		self.per_cpu_millicore
			.checked_mul(&units(resources.cpu_millicores)?)?
			.checked_add(&self.per_memory_mib.checked_mul(&units(resources.memory_mib)?)?)?
			.checked_add(&self.per_storage_gib.checked_mul(&units(resources.storage_gib)?)?)?
			.checked_add(&self.per_gpu.checked_mul(&Balance::from(resources.gpus))?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn res(cpu: u64, mem: u64, sto: u64, gpus: u32) -> Resources {
		Resources { cpu_millicores: cpu, memory_mib: mem, storage_gib: sto, gpus }
	}

	#[test]
	fn fits_within_is_component_wise() {
		assert!(res(1, 2, 3, 0).fits_within(&res(1, 2, 3, 0)));
		assert!(!res(1, 2, 3, 1).fits_within(&res(9, 9, 9, 0)));
		assert!(!res(2, 0, 0, 0).fits_within(&res(1, 9, 9, 9)));
	}

	#[test]
	fn arithmetic_is_checked() {
		assert_eq!(res(1, 1, 1, 1).checked_add(&res(u64::MAX, 0, 0, 0)), None);
		assert_eq!(res(1, 1, 1, 1).checked_sub(&res(0, 2, 0, 0)), None);
		assert_eq!(res(5, 5, 5, 5).checked_sub(&res(1, 2, 3, 4)), Some(res(4, 3, 2, 1)));
		assert_eq!(res(1, 5, 0, 0).saturating_sub(&res(2, 2, 2, 2)), res(0, 3, 0, 0));
	}

	#[test]
	fn cost_sums_every_resource_and_detects_overflow() {
		let prices = ResourcePrices::<u128> {
			per_cpu_millicore: 2,
			per_memory_mib: 3,
			per_storage_gib: 5,
			per_gpu: 7,
		};
		assert_eq!(prices.cost_of(&res(1000, 100, 10, 1)), Some(2000 + 300 + 50 + 7));
		let huge = ResourcePrices::<u128> { per_cpu_millicore: u128::MAX, ..prices };
		assert_eq!(huge.cost_of(&res(2, 0, 0, 0)), None);
		assert_eq!(
			ResourcePrices::<u64> { per_gpu: 1, ..Default::default() }.cost_of(&res(0, 0, 0, 3)),
			Some(3)
		);
	}
}
