//! Sealing: the form in which a holder keeps its shard. Only that holder's key makes it, and
//! making it is slow and sequential; undoing it is a hundred times faster, so a verifier checks
//! a sealed chunk against the shard's committed root cheaply.
//!
//! Why: a holder that kept nothing, and fetched and rebuilt challenged chunks from the other
//! holders on demand, would be paid for storage it does not provide. Fetching is fast on a good
//! network, but sealing a chunk takes longer than a challenge's deadline, so only a holder that
//! kept its sealed shard answers in time (the bound is in `docs/protocol.md`).
//!
//! How: a chunk is read as little-endian 64-bit words. Each of [`SEAL_ROUNDS`] rounds walks the
//! words in order, XORs each with the previous output (the key's first word to begin with) and
//! replaces it by its image under a square-root permutation of the integers modulo
//! [`P`] = 2⁶⁴ − 189 (a prime ≡ 3 mod 4, so a square root is one exponentiation, some ninety
//! multiplications, and its inverse one squaring). Every output depends on every earlier one,
//! across rounds, so the work cannot be spread over cores. Words of [`P`] or more (about one in
//! 10¹⁷) pass through unchanged, which keeps the map a bijection on all 64-bit words.

use crate::hashing::blake2_256;

/// The modulus: 2⁶⁴ − 189, the largest prime below 2⁶⁴ that is 3 modulo 4.
pub const P: u64 = u64::MAX - 188;
/// 2⁶⁴ modulo `P`, for reduction.
const FOLD: u64 = 189;
/// `(P + 1) / 4`: raising a square to it gives a square root.
const ROOT_EXPONENT: u64 = (P >> 2) + 1;
/// Bytes per word.
pub const WORD_BYTES: usize = 8;
/// Passes over a chunk: sets how long sealing takes (see `docs/performance.md`).
pub const SEAL_ROUNDS: u32 = 64;

/// Why a chunk cannot be sealed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SealError {
	/// Its length is not a whole number of words, or is a single word (whose rounds would
	/// chain it to itself).
	BadLength,
}

/// Whether a chunk of `len` bytes can be sealed: none, or two or more whole words.
fn check_length(len: usize) -> Result<(), SealError> {
	if len.is_multiple_of(WORD_BYTES) && len != WORD_BYTES {
		Ok(())
	} else {
		Err(SealError::BadLength)
	}
}

/// The key a holder seals chunk `index` of the shard with root `root` under: bound to the
/// holder's account bytes, so no other holder's sealed copy answers for it.
pub fn seal_key(provider: &[u8; 32], root: &[u8; 32], index: u32) -> [u8; 32] {
	let mut input = [0u8; 10 + 32 + 32 + 4];
	input[..10].copy_from_slice(b"nubes/seal");
	input[10..42].copy_from_slice(provider);
	input[42..74].copy_from_slice(root);
	input[74..].copy_from_slice(&index.to_le_bytes());
	blake2_256(&input)
}

/// Seals `chunk` (no bytes, or two or more whole words) in place under `key` with `rounds`
/// passes.
pub fn seal(key: &[u8; 32], rounds: u32, chunk: &mut [u8]) -> Result<(), SealError> {
	check_length(chunk.len())?;
	let mut previous = first_word(key);
	for _ in 0..rounds {
		for word in chunk.chunks_exact_mut(WORD_BYTES) {
			let sealed = forward(read(word) ^ previous);
			word.copy_from_slice(&sealed.to_le_bytes());
			previous = sealed;
		}
	}
	Ok(())
}

/// Undoes [`seal`] in place: the same key and rounds give the chunk back.
pub fn unseal(key: &[u8; 32], rounds: u32, chunk: &mut [u8]) -> Result<(), SealError> {
	check_length(chunk.len())?;
	let words = chunk.len() / WORD_BYTES;
	if words == 0 {
		return Ok(());
	}
	let word_at = |chunk: &[u8], i: usize| read(&chunk[i * WORD_BYTES..(i + 1) * WORD_BYTES]);
	for round in (0..rounds).rev() {
		for i in (0..words).rev() {
			// The word before it in this round: still as this round left it, or, for the first
			// word, the last word as the round before left it (just restored) or the key.
			let previous = match (i, round) {
				(0, 0) => first_word(key),
				(0, _) => word_at(chunk, words - 1),
				_ => word_at(chunk, i - 1),
			};
			let plain = backward(word_at(chunk, i)) ^ previous;
			chunk[i * WORD_BYTES..(i + 1) * WORD_BYTES].copy_from_slice(&plain.to_le_bytes());
		}
	}
	Ok(())
}

fn read(word: &[u8]) -> u64 {
	let mut bytes = [0u8; WORD_BYTES];
	bytes.copy_from_slice(word);
	u64::from_le_bytes(bytes)
}

fn first_word(key: &[u8; 32]) -> u64 {
	read(&key[..WORD_BYTES])
}

/// `x` modulo `P`.
fn reduce(x: u128) -> u64 {
	// x = hi·2⁶⁴ + lo ≡ hi·189 + lo; twice brings it below 2⁶⁴ + 189², then a subtraction or two.
	let once = u128::from((x >> 64) as u64) * u128::from(FOLD) + u128::from(x as u64);
	let mut twice = u128::from((once >> 64) as u64) * u128::from(FOLD) + u128::from(once as u64);
	while twice >= u128::from(P) {
		twice -= u128::from(P);
	}
	twice as u64
}

fn mul(a: u64, b: u64) -> u64 {
	reduce(u128::from(a) * u128::from(b))
}

fn power(mut base: u64, mut exponent: u64) -> u64 {
	let mut result = 1;
	while exponent > 0 {
		if exponent & 1 == 1 {
			result = mul(result, base);
		}
		base = mul(base, base);
		exponent >>= 1;
	}
	result
}

/// The slow direction: a square root. A square maps to its even root, a non-square `x` to the
/// odd root of `−x` (−1 is not a square modulo `P`); words of `P` or more are kept.
fn forward(x: u64) -> u64 {
	if x >= P {
		return x;
	}
	let root = power(x, ROOT_EXPONENT);
	let is_square = mul(root, root) == x;
	let odd = root & 1 == 1;
	if is_square == odd {
		// A square wants the even root, a non-square the odd one; 0 is even and its own root.
		P - root
	} else {
		root
	}
}

/// The fast direction: one squaring, negated for odd roots.
fn backward(y: u64) -> u64 {
	if y >= P {
		return y;
	}
	let square = mul(y, y);
	if y & 1 == 0 {
		square
	} else {
		P - square
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec::Vec;

	fn chunk(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i * 31 % 251) as u8).collect()
	}

	#[test]
	fn the_modulus_is_what_it_says() {
		assert_eq!(P, (1u128 << 64).wrapping_sub(189) as u64);
		assert_eq!(P % 4, 3);
		assert_eq!(reduce(u128::from(P)), 0);
		assert_eq!(reduce(1u128 << 64), FOLD);
		assert_eq!(reduce(u128::from(P - 1) * u128::from(P - 1)), 1);
		assert_eq!(mul(P - 1, 2), P - 2);
	}

	#[test]
	fn the_permutation_is_undone_by_one_squaring() {
		let edges = [0, 1, 2, 3, 4, P / 2, P - 2, P - 1, P, P + 1, u64::MAX];
		let spread = (0..2_000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
		for x in edges.into_iter().chain(spread) {
			let y = forward(x);
			assert_eq!(backward(y), x, "x = {x}");
			assert_eq!(y >= P, x >= P);
		}
		// Two inputs never share an image: a root and its negation stand for different words.
		assert_ne!(forward(4), forward(P - 4));
	}

	#[test]
	fn a_sealed_chunk_unseals_to_itself() {
		let key = seal_key(&[1; 32], &[2; 32], 3);
		for len in [0, 16, 64, 4096] {
			let original = chunk(len);
			let mut data = original.clone();
			seal(&key, 3, &mut data).unwrap();
			if len > 0 {
				assert_ne!(data, original);
			}
			unseal(&key, 3, &mut data).unwrap();
			assert_eq!(data, original, "{len} bytes");
		}
		assert_eq!(seal(&key, 1, &mut [0u8; 7]), Err(SealError::BadLength));
		assert_eq!(seal(&key, 1, &mut [0u8; 8]), Err(SealError::BadLength));
		assert_eq!(unseal(&key, 1, &mut [0u8; 9]), Err(SealError::BadLength));
	}

	#[test]
	fn each_holder_and_chunk_seals_differently() {
		let original = chunk(4096);
		let sealed = |key: [u8; 32]| {
			let mut data = original.clone();
			seal(&key, 2, &mut data).unwrap();
			data
		};
		let mine = sealed(seal_key(&[1; 32], &[2; 32], 0));
		assert_ne!(mine, sealed(seal_key(&[9; 32], &[2; 32], 0)), "another holder");
		assert_ne!(mine, sealed(seal_key(&[1; 32], &[2; 32], 1)), "another chunk");
		assert_ne!(mine, sealed(seal_key(&[1; 32], &[3; 32], 0)), "another shard");
		// Unsealing with another holder's key does not give the chunk back.
		let mut wrong = mine.clone();
		unseal(&seal_key(&[9; 32], &[2; 32], 0), 2, &mut wrong).unwrap();
		assert_ne!(wrong, original);
	}

	#[test]
	fn every_sealed_word_depends_on_every_word_before_it() {
		// One changed word in the chunk changes every word after it in the first round, and
		// through the wrap into the next round, every word of the sealed chunk.
		let key = seal_key(&[1; 32], &[2; 32], 0);
		let mut a = chunk(1024);
		let mut b = a.clone();
		b[1016] ^= 1;
		seal(&key, 2, &mut a).unwrap();
		seal(&key, 2, &mut b).unwrap();
		for (i, (x, y)) in a.chunks(WORD_BYTES).zip(b.chunks(WORD_BYTES)).enumerate() {
			assert_ne!(x, y, "word {i}");
		}
	}
}
