//! The compute-capacity puzzle: per sold core, nonces whose hash meets a difficulty target.

use crate::protocol::ComputeChallenge;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Domain tag in front of every puzzle hash, so they cannot be confused with other hashes.
pub const DOMAIN: &[u8; 16] = b"nubes/compute/v1";
/// Nonces a verifier checks per unit by default: a prover that skipped a quarter of a unit's
/// work is caught with probability `1 - 0.75^16` ≈ 99 % per unit.
pub const DEFAULT_SAMPLES_PER_UNIT: u32 = 16;

/// The bytes hashed for one candidate: domain, seed, provider, unit, nonce.
#[derive(Clone)]
pub struct WorkInput([u8; 92]);

impl WorkInput {
	/// The input for `unit` of a challenge with `seed` to `provider`, nonce zero.
	pub fn new(seed: &[u8; 32], provider: &[u8; 32], unit: u32) -> Self {
		let mut bytes = [0u8; 92];
		bytes[..16].copy_from_slice(DOMAIN);
		bytes[16..48].copy_from_slice(seed);
		bytes[48..80].copy_from_slice(provider);
		bytes[80..84].copy_from_slice(&unit.to_le_bytes());
		Self(bytes)
	}

	/// The puzzle hash of `nonce`.
	pub fn hash(&mut self, nonce: u64) -> [u8; 32] {
		self.0[84..92].copy_from_slice(&nonce.to_le_bytes());
		sp_crypto_hashing::blake2_256(&self.0)
	}
}

/// Number of leading zero bits of `hash`.
pub fn leading_zero_bits(hash: &[u8; 32]) -> u32 {
	let mut bits = 0;
	for byte in hash {
		if *byte == 0 {
			bits += 8;
		} else {
			return bits + byte.leading_zeros();
		}
	}
	bits
}

/// Whether `nonce` solves `unit` of the challenge.
pub fn is_solution(
	seed: &[u8; 32],
	provider: &[u8; 32],
	difficulty: u8,
	unit: u32,
	nonce: u64,
) -> bool {
	leading_zero_bits(&WorkInput::new(seed, provider, unit).hash(nonce)) >= u32::from(difficulty)
}

/// Finds the first `count` solutions of `unit` at or above nonce zero, checking `stop` every
/// few thousand hashes; `None` if stopped.
pub fn solve_unit(
	seed: &[u8; 32],
	provider: &[u8; 32],
	challenge: &ComputeChallenge,
	unit: u32,
	stop: impl Fn() -> bool,
) -> Option<Vec<u64>> {
	let mut input = WorkInput::new(seed, provider, unit);
	let wanted = challenge.solutions_per_unit as usize;
	let difficulty = u32::from(challenge.difficulty);
	let mut found = Vec::with_capacity(wanted);
	let mut nonce = 0u64;
	while found.len() < wanted {
		if nonce.is_multiple_of(4096) && stop() {
			return None;
		}
		if leading_zero_bits(&input.hash(nonce)) >= difficulty {
			found.push(nonce);
		}
		nonce = nonce.checked_add(1)?;
	}
	Some(found)
}

/// Why a compute answer fails.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum ComputeFailure {
	/// Not one list of nonces per unit.
	WrongUnitCount,
	/// A unit has not exactly the asked number of nonces.
	WrongSolutionCount {
		/// The unit.
		unit: u32,
	},
	/// A unit's nonces are not strictly increasing (so not distinct).
	NotIncreasing {
		/// The unit.
		unit: u32,
	},
	/// A sampled nonce does not meet the difficulty.
	BadSolution {
		/// The unit.
		unit: u32,
		/// The nonce.
		nonce: u64,
	},
}

/// Checks an answer's nonces: the shape of every unit, and `samples` nonces per unit picked
/// with `sample_seed`. The verifier must draw `sample_seed` after the answer arrived, so the
/// prover cannot know which nonces will be checked.
pub fn verify(
	seed: &[u8; 32],
	provider: &[u8; 32],
	challenge: &ComputeChallenge,
	answer: &[Vec<u64>],
	samples: u32,
	sample_seed: &[u8; 32],
) -> Result<(), ComputeFailure> {
	if answer.len() != challenge.units as usize {
		return Err(ComputeFailure::WrongUnitCount);
	}
	let wanted = challenge.solutions_per_unit as usize;
	for (unit, nonces) in (0u32..).zip(answer) {
		if nonces.len() != wanted {
			return Err(ComputeFailure::WrongSolutionCount { unit });
		}
		if nonces.windows(2).any(|pair| pair[0] >= pair[1]) {
			return Err(ComputeFailure::NotIncreasing { unit });
		}
	}
	let difficulty = u32::from(challenge.difficulty);
	for (unit, nonces) in (0u32..).zip(answer) {
		let mut input = WorkInput::new(seed, provider, unit);
		let picks: Vec<usize> = if samples as usize >= wanted {
			(0..wanted).collect()
		} else {
			(0..samples).map(|j| pick(sample_seed, unit, j, wanted)).collect()
		};
		for index in picks {
			let nonce = nonces[index];
			if leading_zero_bits(&input.hash(nonce)) < difficulty {
				return Err(ComputeFailure::BadSolution { unit, nonce });
			}
		}
	}
	Ok(())
}

/// The `j`-th sampled position among `len` nonces of `unit`.
fn pick(sample_seed: &[u8; 32], unit: u32, j: u32, len: usize) -> usize {
	let mut bytes = [0u8; 40];
	bytes[..32].copy_from_slice(sample_seed);
	bytes[32..36].copy_from_slice(&unit.to_le_bytes());
	bytes[36..40].copy_from_slice(&j.to_le_bytes());
	let hash = sp_crypto_hashing::blake2_128(&bytes);
	let value = u128::from_le_bytes(hash);
	(value % len as u128) as usize
}

#[cfg(test)]
mod tests {
	use super::*;

	const SEED: [u8; 32] = [7; 32];
	const PROVIDER: [u8; 32] = [9; 32];
	const CHALLENGE: ComputeChallenge =
		ComputeChallenge { units: 3, solutions_per_unit: 8, difficulty: 6 };

	fn solved() -> Vec<Vec<u64>> {
		(0..CHALLENGE.units)
			.map(|unit| solve_unit(&SEED, &PROVIDER, &CHALLENGE, unit, || false).unwrap())
			.collect()
	}

	#[test]
	fn leading_zero_bits_counts_across_bytes() {
		let mut hash = [0xffu8; 32];
		assert_eq!(leading_zero_bits(&hash), 0);
		hash[0] = 0;
		hash[1] = 0b0001_0000;
		assert_eq!(leading_zero_bits(&hash), 11);
		assert_eq!(leading_zero_bits(&[0; 32]), 256);
	}

	#[test]
	fn solutions_verify_fully_and_by_sample() {
		let answer = solved();
		for (unit, nonces) in (0u32..).zip(&answer) {
			assert!(nonces.iter().all(|&n| is_solution(&SEED, &PROVIDER, 6, unit, n)));
		}
		assert_eq!(verify(&SEED, &PROVIDER, &CHALLENGE, &answer, 100, &[1; 32]), Ok(()));
		assert_eq!(verify(&SEED, &PROVIDER, &CHALLENGE, &answer, 3, &[1; 32]), Ok(()));
	}

	#[test]
	fn answers_bound_to_seed_provider_and_unit() {
		let answer = solved();
		// The same nonces for another provider or seed are (almost surely) not solutions.
		assert!(verify(&SEED, &[8; 32], &CHALLENGE, &answer, 100, &[1; 32]).is_err());
		assert!(verify(&[6; 32], &PROVIDER, &CHALLENGE, &answer, 100, &[1; 32]).is_err());
		// Unit 0's nonces do not solve unit 1.
		let mut swapped = answer.clone();
		swapped.swap(0, 1);
		assert!(verify(&SEED, &PROVIDER, &CHALLENGE, &swapped, 100, &[1; 32]).is_err());
	}

	#[test]
	fn malformed_answers_fail_with_their_reason() {
		let answer = solved();
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &answer[..2], 100, &[1; 32]),
			Err(ComputeFailure::WrongUnitCount)
		);
		let mut short = answer.clone();
		short[1].pop();
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &short, 100, &[1; 32]),
			Err(ComputeFailure::WrongSolutionCount { unit: 1 })
		);
		let mut repeated = answer.clone();
		repeated[2][1] = repeated[2][0];
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &repeated, 100, &[1; 32]),
			Err(ComputeFailure::NotIncreasing { unit: 2 })
		);
		// A forged nonce: the largest one pushed past the real solutions, to a non-solution.
		let mut forged = answer.clone();
		let last = forged[0].len() - 1;
		let mut bad = forged[0][last] + 1;
		while is_solution(&SEED, &PROVIDER, 6, 0, bad) {
			bad += 1;
		}
		forged[0][last] = bad;
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &forged, 100, &[1; 32]),
			Err(ComputeFailure::BadSolution { unit: 0, nonce: bad })
		);
	}

	#[test]
	fn sampling_catches_half_forged_units() {
		// Half of every unit's nonces forged: 16 samples over 3 units miss them all with
		// probability 2^-48; over 50 sample seeds none may pass.
		let challenge = ComputeChallenge { units: 3, solutions_per_unit: 32, difficulty: 4 };
		let forged: Vec<Vec<u64>> = (0..3)
			.map(|unit| {
				let mut real = solve_unit(&SEED, &PROVIDER, &challenge, unit, || false).unwrap();
				real.truncate(16);
				let mut next = real[15] + 1;
				while real.len() < 32 {
					if !is_solution(&SEED, &PROVIDER, 4, unit, next) {
						real.push(next);
					}
					next += 1;
				}
				real
			})
			.collect();
		for s in 0..50u8 {
			assert!(verify(&SEED, &PROVIDER, &challenge, &forged, 16, &[s; 32]).is_err());
		}
	}

	#[test]
	fn stopping_abandons_the_search() {
		assert_eq!(solve_unit(&SEED, &PROVIDER, &CHALLENGE, 0, || true), None);
	}
}
