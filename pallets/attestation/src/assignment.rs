//! Which validators challenge which provider in an epoch: rendezvous hashing over the epoch's
//! seed, so every node computes the same answer, the load spreads evenly, and a validator
//! joining or leaving moves only the providers it scores best on.

use alloc::vec::Vec;
use codec::Encode;

/// The score of validator `index` for `provider` in the epoch with `seed`: lower wins.
fn score(seed: &[u8; 32], provider: &[u8], index: u32) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"nubes/assign", seed, provider, index).encode())
}

/// The indices (into the epoch's validator list of `validators` entries) of the at most
/// `redundancy` validators assigned to `provider`, best score first.
pub fn assigned(seed: &[u8; 32], provider: &[u8], validators: u32, redundancy: u32) -> Vec<u32> {
	let mut scored: Vec<([u8; 32], u32)> =
		(0..validators).map(|index| (score(seed, provider, index), index)).collect();
	scored.sort_unstable();
	scored.truncate(redundancy.min(validators) as usize);
	scored.into_iter().map(|(_, index)| index).collect()
}

/// Whether validator `index` is among those assigned to `provider`.
pub fn is_assigned(
	seed: &[u8; 32],
	provider: &[u8],
	validators: u32,
	redundancy: u32,
	index: u32,
) -> bool {
	assigned(seed, provider, validators, redundancy).contains(&index)
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
