//! `0x`-prefixed hex for byte values in the JSON encoding.

use alloc::{format, string::String, vec::Vec};
use core::fmt;
use serde::{
	de::{Error, SeqAccess, Visitor},
	Deserializer, Serializer,
};

fn encode(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// The bytes of one `0x`-prefixed hex string, read in place (answers carry hundreds of
/// kilobytes of hex: no intermediate `String`).
struct HexVisitor;

impl<'de> Visitor<'de> for HexVisitor {
	type Value = Vec<u8>;

	fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
		f.write_str("0x-prefixed hex")
	}

	fn visit_str<E: Error>(self, text: &str) -> Result<Vec<u8>, E> {
		let digits =
			text.strip_prefix("0x").ok_or_else(|| E::custom("expected 0x-prefixed hex"))?;
		hex::decode(digits).map_err(E::custom)
	}
}

fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
	deserializer.deserialize_str(HexVisitor)
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
		struct ListVisitor;

		impl<'de> Visitor<'de> for ListVisitor {
			type Value = Vec<[u8; 32]>;

			fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
				f.write_str("a list of 0x-prefixed 32-byte hex values")
			}

			fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
				let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
				while let Some(Item(item)) = seq.next_element()? {
					list.push(item);
				}
				Ok(list)
			}
		}

		/// One element of the list.
		struct Item([u8; 32]);

		impl<'de> serde::Deserialize<'de> for Item {
			fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
				super::array32::deserialize(deserializer).map(Item)
			}
		}

		deserializer.deserialize_seq(ListVisitor)
	}
}
