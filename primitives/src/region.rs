//! A provider's region (`eu-central`, `us-east-2`): where its machines are, for placement.

use sp_runtime::{traits::ConstU32, BoundedVec};

/// Longest region name, in bytes.
pub const MAX_REGION_LEN: u32 = 32;

/// A region name: lowercase ASCII letters, digits and `-`.
pub type Region = BoundedVec<u8, ConstU32<MAX_REGION_LEN>>;

/// Why a region name was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RegionError {
	/// The name is empty.
	Empty,
	/// The name holds a character other than `a-z 0-9 -`.
	BadCharacter,
}

/// Checks a region name.
pub fn validate(region: &[u8]) -> Result<(), RegionError> {
	if region.is_empty() {
		return Err(RegionError::Empty);
	}
	if !region.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-') {
		return Err(RegionError::BadCharacter);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn region_names() {
		assert_eq!(validate(b"eu-central-1"), Ok(()));
		assert_eq!(validate(b""), Err(RegionError::Empty));
		assert_eq!(validate(b"EU"), Err(RegionError::BadCharacter));
	}
}
