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

/// A set of a provider's attributes, as bits over its sorted list: bit `i` stands for
/// `attributes[i]`. Attestations are stored this way, so checking one costs a bit test rather
/// than key comparisons, and changing attributes remaps bits instead of rewriting key lists.
pub type AttributeMask = u32;

// Every attribute of the longest list has a bit.
const _: () = assert!(MAX_ATTRIBUTES <= AttributeMask::BITS);

/// The position of `key` in a normalized (sorted) list.
pub fn index_of(attributes: &Attributes, key: &[u8]) -> Option<usize> {
	attributes.binary_search_by(|attribute| attribute.key.as_slice().cmp(key)).ok()
}

/// The bit of `attributes[index]` in an [`AttributeMask`].
pub fn bit(index: usize) -> AttributeMask {
	1u32.checked_shl(index as u32).unwrap_or(0)
}

/// Every attribute of a list of `len` attributes.
pub fn full_mask(len: usize) -> AttributeMask {
	match 1u32.checked_shl(len as u32) {
		Some(next) => next.wrapping_sub(1),
		None => AttributeMask::MAX,
	}
}

/// Carries `mask`, a set over `old`, over to `new`: an attribute stays in the set only if `new`
/// declares it with the same value. Both lists are normalized; the walk is linear.
pub fn remap(mask: AttributeMask, old: &Attributes, new: &Attributes) -> AttributeMask {
	let mut result = 0;
	let mut j = 0;
	for (i, attribute) in old.iter().enumerate() {
		while j < new.len() && new[j].key < attribute.key {
			j += 1;
		}
		if mask & bit(i) != 0
			&& j < new.len()
			&& new[j].key == attribute.key
			&& new[j].value == attribute.value
		{
			result |= bit(j);
		}
	}
	result
}

/// The keys of `attributes` whose bits `mask` sets, in order.
pub fn keys_in(
	attributes: &Attributes,
	mask: AttributeMask,
) -> impl Iterator<Item = &AttributeKey> {
	attributes
		.iter()
		.enumerate()
		.filter(move |(i, _)| mask & bit(*i) != 0)
		.map(|(_, attribute)| &attribute.key)
}

/// The value of `key` in a normalized (sorted) list.
pub fn value_of<'a>(attributes: &'a Attributes, key: &[u8]) -> Option<&'a AttributeValue> {
	index_of(attributes, key)
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
	fn masks_follow_attributes_across_changes() {
		let old = normalize(attrs(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")])).unwrap();
		// `a` keeps its value but moves to index 1, `b` changes, `c` is dropped, `d` stays.
		let new = normalize(attrs(&[("0", "x"), ("a", "1"), ("b", "9"), ("d", "4")])).unwrap();
		let every = full_mask(old.len());
		assert_eq!(every, 0b1111);
		assert_eq!(remap(every, &old, &new), bit(1) | bit(3));
		assert_eq!(remap(bit(1) | bit(2), &old, &new), 0);
		assert_eq!(index_of(&new, b"d"), Some(3));
		assert_eq!(index_of(&new, b"c"), None);
		let kept: Vec<&[u8]> = keys_in(&new, bit(1) | bit(3)).map(|k| k.as_slice()).collect();
		assert_eq!(kept, vec![&b"a"[..], &b"d"[..]]);
		assert_eq!(full_mask(32), u32::MAX);
		assert_eq!(bit(32), 0);
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
