//! Provider attributes: a bounded list of `key=value` pairs (`gpu.model=a100`, `country=DE`) that
//! orders can require and auditors can attest.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{traits::ConstU32, BoundedVec};

/// Longest attribute key, in bytes.
pub const MAX_ATTRIBUTE_KEY_LEN: u32 = 64;
/// Longest attribute value, in bytes.
pub const MAX_ATTRIBUTE_VALUE_LEN: u32 = 128;
/// Most attributes a provider may declare (and an order may require).
pub const MAX_ATTRIBUTES: u32 = 32;

/// An attribute name: lowercase ASCII letters, digits, `.`, `-` and `_`.
pub type AttributeKey = BoundedVec<u8, ConstU32<MAX_ATTRIBUTE_KEY_LEN>>;
/// An attribute value: printable ASCII without spaces.
pub type AttributeValue = BoundedVec<u8, ConstU32<MAX_ATTRIBUTE_VALUE_LEN>>;
/// A provider's attributes, sorted by key, keys unique.
pub type Attributes = BoundedVec<Attribute, ConstU32<MAX_ATTRIBUTES>>;

/// One `key=value` pair.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Attribute {
	/// What the attribute is about.
	pub key: AttributeKey,
	/// Its value.
	pub value: AttributeValue,
}

/// Why a list of attributes was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AttributeError {
	/// A key is empty.
	EmptyKey,
	/// A key holds a character other than `a-z 0-9 . - _`.
	BadKeyCharacter,
	/// A value is empty.
	EmptyValue,
	/// A value holds a space, a control or a non-ASCII character.
	BadValueCharacter,
	/// Two attributes have the same key.
	DuplicateKey,
}

fn is_key_byte(b: u8) -> bool {
	b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
}

fn is_value_byte(b: u8) -> bool {
	b.is_ascii_graphic()
}

/// Checks every key and value, and sorts the list by key; duplicate keys are refused.
pub fn normalize(mut attributes: Attributes) -> Result<Attributes, AttributeError> {
	for attribute in attributes.iter() {
		if attribute.key.is_empty() {
			return Err(AttributeError::EmptyKey);
		}
		if !attribute.key.iter().copied().all(is_key_byte) {
			return Err(AttributeError::BadKeyCharacter);
		}
		if attribute.value.is_empty() {
			return Err(AttributeError::EmptyValue);
		}
		if !attribute.value.iter().copied().all(is_value_byte) {
			return Err(AttributeError::BadValueCharacter);
		}
	}
	attributes.sort_by(|a, b| a.key.cmp(&b.key));
	if attributes.windows(2).any(|pair| pair[0].key == pair[1].key) {
		return Err(AttributeError::DuplicateKey);
	}
	Ok(attributes)
}

/// The value of `key` in a normalized (sorted) list.
pub fn value_of<'a>(attributes: &'a Attributes, key: &[u8]) -> Option<&'a AttributeValue> {
	attributes
		.binary_search_by(|attribute| attribute.key.as_slice().cmp(key))
		.ok()
		.and_then(|index| attributes.get(index))
		.map(|attribute| &attribute.value)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec::Vec;

	fn attrs(pairs: &[(&str, &str)]) -> Attributes {
		let list: Vec<Attribute> = pairs
			.iter()
			.map(|(k, v)| Attribute {
				key: k.as_bytes().to_vec().try_into().unwrap(),
				value: v.as_bytes().to_vec().try_into().unwrap(),
			})
			.collect();
		list.try_into().unwrap()
	}

	#[test]
	fn normalize_sorts_and_accepts_good_lists() {
		let list = normalize(attrs(&[("tier", "datacenter"), ("country", "DE")])).unwrap();
		assert_eq!(list[0].key.as_slice(), b"country");
		assert_eq!(value_of(&list, b"tier").map(|v| v.as_slice()), Some(&b"datacenter"[..]));
		assert_eq!(value_of(&list, b"gpu"), None);
	}

	#[test]
	fn normalize_refuses_bad_lists() {
		assert_eq!(normalize(attrs(&[("", "x")])), Err(AttributeError::EmptyKey));
		assert_eq!(normalize(attrs(&[("Gpu", "x")])), Err(AttributeError::BadKeyCharacter));
		assert_eq!(normalize(attrs(&[("gpu", "")])), Err(AttributeError::EmptyValue));
		assert_eq!(normalize(attrs(&[("gpu", "a b")])), Err(AttributeError::BadValueCharacter));
		assert_eq!(normalize(attrs(&[("a", "1"), ("a", "2")])), Err(AttributeError::DuplicateKey));
	}
}
