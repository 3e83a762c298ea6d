//! `0x`-prefixed hex for byte values in the JSON encoding.

use alloc::{format, string::String, vec::Vec};
use serde::{de::Error, Deserialize, Deserializer, Serializer};

fn encode(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
	let text = String::deserialize(deserializer)?;
	let digits =
		text.strip_prefix("0x").ok_or_else(|| D::Error::custom("expected 0x-prefixed hex"))?;
	hex::decode(digits).map_err(D::Error::custom)
}

/// A 32-byte value.
pub mod array32 {
	use super::*;

	pub fn serialize<S: Serializer>(value: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&encode(value))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
		decode(deserializer)?.try_into().map_err(|_| D::Error::custom("expected 32 bytes"))
	}
}

/// A 64-byte value (a signature).
pub mod array64 {
	use super::*;

	pub fn serialize<S: Serializer>(value: &[u8; 64], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&encode(value))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 64], D::Error> {
		decode(deserializer)?.try_into().map_err(|_| D::Error::custom("expected 64 bytes"))
	}
}

/// A byte string of any length.
pub mod bytes {
	use super::*;

	pub fn serialize<S: Serializer>(value: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.serialize_str(&encode(value))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
		decode(deserializer)
	}
}

/// A list of 32-byte values.
pub mod array32_list {
	use super::*;
	use serde::ser::SerializeSeq;

	pub fn serialize<S: Serializer>(value: &[[u8; 32]], serializer: S) -> Result<S::Ok, S::Error> {
		let mut seq = serializer.serialize_seq(Some(value.len()))?;
		for item in value {
			seq.serialize_element(&encode(item))?;
		}
		seq.end()
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(
		deserializer: D,
	) -> Result<Vec<[u8; 32]>, D::Error> {
		Vec::<String>::deserialize(deserializer)?
			.into_iter()
			.map(|text| {
				let digits = text
					.strip_prefix("0x")
					.ok_or_else(|| D::Error::custom("expected 0x-prefixed hex"))?;
				hex::decode(digits)
					.map_err(D::Error::custom)?
					.try_into()
					.map_err(|_| D::Error::custom("expected 32 bytes"))
			})
			.collect()
	}
}
