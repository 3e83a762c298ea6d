//! Which validators challenge which provider in an epoch. At the epoch's start its validators
//! are put in an order drawn from the seed; a provider is assigned the `redundancy` validators
//! that follow a position its own hash picks in that order. Every node computes the same answer,
//! the load spreads evenly, the groups change every epoch, and checking one validator costs one
//! hash, so a report's check does not grow with the validator set.

use alloc::vec::Vec;
use codec::Encode;

/// The order of the epoch's validators: by the hash of each key with the seed.
pub fn shuffle<K: Encode>(seed: &[u8; 32], validators: &mut [K]) {
	validators.sort_by_cached_key(|key| {
		sp_crypto_hashing::blake2_256(&(b"nubes/order", seed, key).encode())
	});
}

/// Where `provider`'s group starts among `validators` validators.
fn start(seed: &[u8; 32], provider: &[u8], validators: u32) -> u32 {
	let hash = sp_crypto_hashing::blake2_256(&(b"nubes/assign", seed, provider).encode());
	let value = u64::from_le_bytes([
		hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
	]);
	(value % u64::from(validators.max(1))) as u32
}

/// The indices (into the epoch's validator list of `validators` entries) of the at most
/// `redundancy` validators assigned to `provider`.
pub fn assigned(seed: &[u8; 32], provider: &[u8], validators: u32, redundancy: u32) -> Vec<u32> {
	if validators == 0 {
		return Vec::new();
	}
	let first = start(seed, provider, validators);
	(0..redundancy.min(validators)).map(|k| (first + k) % validators).collect()
}

/// Whether validator `index` is among those assigned to `provider`.
pub fn is_assigned(
	seed: &[u8; 32],
	provider: &[u8],
	validators: u32,
	redundancy: u32,
	index: u32,
) -> bool {
	if index >= validators {
		return false;
	}
	let first = start(seed, provider, validators);
	let offset = (index + validators - first) % validators;
	offset < redundancy.min(validators)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn deterministic_distinct_and_bounded() {
		let a = assigned(&[1; 32], b"provider-1", 7, 3);
		assert_eq!(a, assigned(&[1; 32], b"provider-1", 7, 3));
		assert_eq!(a.len(), 3);
		let mut sorted = a.clone();
		sorted.sort();
		sorted.dedup();
		assert_eq!(sorted.len(), 3, "three distinct validators");
		assert!(a.iter().all(|&i| i < 7));
		// Fewer validators than the redundancy: every one of them.
		let mut small = assigned(&[1; 32], b"provider-1", 2, 3);
		small.sort();
		assert_eq!(small, vec![0, 1]);
		assert!(assigned(&[1; 32], b"provider-1", 0, 3).is_empty());
	}

	#[test]
	fn a_new_seed_reshuffles() {
		let differing = (0..50u32)
			.filter(|p| {
				let provider = p.to_le_bytes();
				assigned(&[1; 32], &provider, 10, 1) != assigned(&[2; 32], &provider, 10, 1)
			})
			.count();
		assert!(differing > 30, "only {differing} of 50 moved");
	}

	#[test]
	fn membership_agrees_with_the_list() {
		for p in 0..200u32 {
			let provider = p.to_le_bytes();
			for validators in [1u32, 2, 3, 5, 64] {
				let list = assigned(&[3; 32], &provider, validators, 3);
				for index in 0..validators + 1 {
					assert_eq!(
						is_assigned(&[3; 32], &provider, validators, 3, index),
						list.contains(&index)
					);
				}
			}
		}
	}

	#[test]
	fn the_order_is_drawn_from_the_seed() {
		let mut a: Vec<u32> = (0..16).collect();
		let mut b = a.clone();
		shuffle(&[1; 32], &mut a);
		shuffle(&[2; 32], &mut b);
		assert_ne!(a, b);
		let mut sorted = a.clone();
		sorted.sort();
		assert_eq!(sorted, (0..16).collect::<Vec<_>>());
	}

	#[test]
	fn load_spreads_evenly() {
		// 3,000 providers, 10 validators, 3 each: 900 per validator on average.
		let mut load = [0u32; 10];
		for p in 0..3_000u32 {
			for i in assigned(&[7; 32], &p.to_le_bytes(), 10, 3) {
				load[i as usize] += 1;
			}
		}
		assert_eq!(load.iter().sum::<u32>(), 9_000);
		assert!(load.iter().all(|&l| (800..=1_000).contains(&l)), "{load:?}");
	}
}
