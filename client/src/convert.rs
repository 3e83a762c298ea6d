//! Plain Rust values into the chain's generated types, for building calls by hand.

use crate::{api::runtime_types as rt, ClientError};
use nubes_primitives::{ResourcePrices, Resources};
use rt::bounded_collections::bounded_vec::BoundedVec;
use std::collections::BTreeMap;

/// A spec in the chain's type.
pub fn resources(r: &Resources) -> rt::nubes_primitives::resources::Resources {
	rt::nubes_primitives::resources::Resources {
		cpu_millicores: r.cpu_millicores,
		memory_mib: r.memory_mib,
		storage_gib: r.storage_gib,
		gpus: r.gpus,
	}
}

/// A price list in the chain's type.
pub fn prices(p: &ResourcePrices<u128>) -> rt::nubes_primitives::resources::ResourcePrices<u128> {
	rt::nubes_primitives::resources::ResourcePrices {
		per_cpu_millicore: p.per_cpu_millicore,
		per_memory_mib: p.per_memory_mib,
		per_storage_gib: p.per_storage_gib,
		per_gpu: p.per_gpu,
	}
}

/// Attributes in the chain's type; the chain checks their bounds and normalizes their order.
pub fn attributes(
	attributes: &BTreeMap<String, String>,
) -> BoundedVec<rt::nubes_primitives::attributes::Attribute> {
	BoundedVec(
		attributes
			.iter()
			.map(|(key, value)| rt::nubes_primitives::attributes::Attribute {
				key: BoundedVec(key.as_bytes().to_vec()),
				value: BoundedVec(value.as_bytes().to_vec()),
			})
			.collect(),
	)
}

/// Bytes (an endpoint, a region) in the chain's bounded type.
pub fn bytes(text: &str) -> BoundedVec<u8> {
	BoundedVec(text.as_bytes().to_vec())
}

/// Reads `key=value` pairs.
pub fn key_values(pairs: &[String]) -> Result<BTreeMap<String, String>, ClientError> {
	pairs
		.iter()
		.map(|pair| {
			pair.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| {
				ClientError::BadInput(format!("attribute {pair:?} is not key=value"))
			})
		})
		.collect()
}
