//! Storage proofs: a holder's sealed chunks against the shard's Merkle root committed on chain.
//!
//! A probe names one chunk and a window in it. In time, the holder gives the window of the
//! chunk as it keeps it, sealed under its own key ([`crate::seal`]); among the openings, the
//! whole sealed chunk and the Merkle path of the chunk it unseals to. The verifier checks that
//! the window is part of that sealed chunk, unseals it and walks the path to the root.

use crate::{
	protocol::{ChunkProof, StorageAnswer, StorageChallenge, MAX_CHUNK_BYTES, WINDOW_BYTES},
	seal::{seal_key, unseal, SEAL_ROUNDS, WORD_BYTES},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// blake2-256 as the Merkle tree's hash, usable inside the runtime.
#[derive(Debug)]
pub struct Blake2Hasher;

impl hash_db::Hasher for Blake2Hasher {
	type Out = [u8; 32];
	type StdHasher = hash256_std_hasher::Hash256StdHasher;
	const LENGTH: usize = 32;

	fn hash(x: &[u8]) -> Self::Out {
		crate::hashing::blake2_256(x)
	}
}

/// Deepest path a tree of `u32` chunks can need.
pub const MAX_PATH_LEN: usize = 32;

/// The root committing to `chunks`, in order.
pub fn commit<C: AsRef<[u8]>>(chunks: &[C]) -> [u8; 32] {
	binary_merkle_tree::merkle_root::<Blake2Hasher, _>(chunks.iter().map(AsRef::as_ref))
}

/// Chunk `index` of `chunks` with its Merkle path; `None` if there is no such chunk.
pub fn prove_chunk<C: AsRef<[u8]>>(chunks: &[C], index: u32) -> Option<ChunkProof> {
	let chunk = chunks.get(index as usize)?;
	let proof = binary_merkle_tree::merkle_proof::<Blake2Hasher, _, _>(
		chunks.iter().map(AsRef::as_ref),
		index,
	);
	Some(ChunkProof { index, data: chunk.as_ref().to_vec(), path: proof.proof })
}

/// The hash a shard's Merkle tree takes for a chunk (its leaf).
pub fn leaf_hash(chunk: &[u8]) -> [u8; 32] {
	crate::hashing::blake2_256(chunk)
}

/// The Merkle path of chunk `index` from the leaf hashes of all the chunks ([`leaf_hash`]), so
/// a holder keeps 32 bytes per chunk instead of re-reading the shard; `None` if out of range.
pub fn path_from_leaves(leaves: &[[u8; 32]], index: u32) -> Option<Vec<[u8; 32]>> {
	if index as usize >= leaves.len() {
		return None;
	}
	Some(
		binary_merkle_tree::merkle_proof_raw::<Blake2Hasher, _>(leaves.iter().copied(), index)
			.proof,
	)
}

/// The timed answer to `probe` from `sealed`, the holder's sealed copy of the probed chunk;
/// `None` if the chunk is not a whole chunk.
pub fn answer(probe: &StorageChallenge, sealed: &[u8]) -> Option<StorageAnswer> {
	if sealed.len() != MAX_CHUNK_BYTES {
		return None;
	}
	let start = (probe.window as usize).checked_mul(WORD_BYTES)?;
	let window = sealed.get(start..start.checked_add(WINDOW_BYTES)?)?.to_vec();
	Some(StorageAnswer { lease: probe.lease, window })
}

/// Why a storage answer fails.
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
pub enum StorageFailure {
	/// Not one answer per probe, or an answer for another lease.
	WrongLease {
		/// The probe's position in the challenge.
		probe: u32,
	},
	/// A window of the wrong size.
	WrongWindow {
		/// The probe's position in the challenge.
		probe: u32,
	},
	/// Not one sealed chunk per probe, or another chunk, a chunk of the wrong size, or a path
	/// deeper than any tree.
	WrongChunk {
		/// The probe's position in the challenge.
		probe: u32,
	},
	/// The sealed chunk does not hold the window given in time.
	WindowMismatch {
		/// The probe's position in the challenge.
		probe: u32,
	},
	/// The chunk the sealed one unseals to is not under the committed root: the holder does not
	/// keep the shard, or not under its own seal.
	BadPath {
		/// The probe's position in the challenge.
		probe: u32,
		/// The chunk.
		index: u32,
	},
}

/// Checks the timed answers' shape: one window of the right size per probe, for its lease.
pub fn verify(
	probes: &[StorageChallenge],
	answers: &[StorageAnswer],
) -> Result<(), StorageFailure> {
	if answers.len() != probes.len() {
		return Err(StorageFailure::WrongLease { probe: probes.len().min(answers.len()) as u32 });
	}
	for (probe_index, (probe, answer)) in (0u32..).zip(probes.iter().zip(answers)) {
		if answer.lease != probe.lease {
			return Err(StorageFailure::WrongLease { probe: probe_index });
		}
		if answer.window.len() != WINDOW_BYTES {
			return Err(StorageFailure::WrongWindow { probe: probe_index });
		}
	}
	Ok(())
}

/// Checks the sealed chunks among the openings against the windows given in time ([`verify`]
/// passed) and, unsealed under `provider`'s key, against each probe's committed root.
pub fn verify_sealed(
	provider: &[u8; 32],
	probes: &[StorageChallenge],
	answers: &[StorageAnswer],
	sealed: &[ChunkProof],
) -> Result<(), StorageFailure> {
	verify(probes, answers)?;
	if sealed.len() != probes.len() {
		return Err(StorageFailure::WrongChunk { probe: probes.len().min(sealed.len()) as u32 });
	}
	for (probe_index, ((probe, answer), proof)) in
		(0u32..).zip(probes.iter().zip(answers).zip(sealed))
	{
		if proof.index != probe.chunk
			|| proof.data.len() != MAX_CHUNK_BYTES
			|| proof.path.len() > MAX_PATH_LEN
		{
			return Err(StorageFailure::WrongChunk { probe: probe_index });
		}
		let start = probe.window as usize * WORD_BYTES;
		if proof.data.get(start..start + WINDOW_BYTES) != Some(&answer.window[..]) {
			return Err(StorageFailure::WindowMismatch { probe: probe_index });
		}
		let mut plain = proof.data.clone();
		let key = seal_key(provider, &probe.root, probe.chunk);
		let leads_to_root = unseal(&key, SEAL_ROUNDS, &mut plain).is_ok()
			&& verify_leaf(&probe.root, probe.chunks, probe.chunk, &plain, &proof.path);
		if !leads_to_root {
			return Err(StorageFailure::BadPath { probe: probe_index, index: probe.chunk });
		}
	}
	Ok(())
}

/// Whether `proof` opens chunk `proof.index` of a commitment ([`commit`]) to `chunks` chunks
/// whose root is `root`.
pub fn verify_chunk(root: &[u8; 32], chunks: u32, proof: &ChunkProof) -> bool {
	verify_leaf(root, chunks, proof.index, &proof.data, &proof.path)
}

/// Whether `data` is chunk `index` of a commitment to `chunks` chunks under `root`, by `path`.
fn verify_leaf(root: &[u8; 32], chunks: u32, index: u32, data: &[u8], path: &[[u8; 32]]) -> bool {
	binary_merkle_tree::verify_proof::<Blake2Hasher, _, _>(
		root,
		path.iter().copied(),
		chunks,
		index,
		binary_merkle_tree::Leaf::Value(data),
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::seal::seal;
	use alloc::vec;

	const PROVIDER: [u8; 32] = [5; 32];

	/// `n` whole chunks, each different.
	fn data(n: u32) -> Vec<Vec<u8>> {
		(0..n)
			.map(|i| (0..MAX_CHUNK_BYTES).map(|b| (b as u32 * 7 + i * 13) as u8).collect())
			.collect()
	}

	fn probe(chunks: &[Vec<u8>], chunk: u32, window: u32) -> StorageChallenge {
		StorageChallenge {
			lease: 7,
			root: commit(chunks),
			chunks: chunks.len() as u32,
			chunk,
			window,
		}
	}

	/// What an honest holder keeps for chunk `index`: the chunk sealed under its key, with the
	/// chunk's Merkle path.
	fn kept(chunks: &[Vec<u8>], index: u32, holder: &[u8; 32]) -> ChunkProof {
		let mut proof = prove_chunk(chunks, index).unwrap();
		seal(&seal_key(holder, &commit(chunks), index), SEAL_ROUNDS, &mut proof.data).unwrap();
		proof
	}

	#[test]
	fn an_honest_holder_verifies() {
		let chunks = data(3);
		for (chunk, window) in [(0, 0), (2, crate::protocol::MAX_WINDOW_START), (1, 1_000)] {
			let probe = probe(&chunks, chunk, window);
			let sealed = kept(&chunks, chunk, &PROVIDER);
			let answer = answer(&probe, &sealed.data).unwrap();
			let (probes, answers) = (vec![probe], vec![answer]);
			assert_eq!(verify(&probes, &answers), Ok(()));
			assert_eq!(verify_sealed(&PROVIDER, &probes, &answers, &[sealed]), Ok(()));
		}
	}

	#[test]
	fn the_plain_chunk_or_another_holders_seal_fails() {
		let chunks = data(2);
		let probe = probe(&chunks, 1, 5);
		// A holder that keeps the chunk unsealed (or fetched it from a reader) gives it as is.
		let plain = prove_chunk(&chunks, 1).unwrap();
		let answer_plain = answer(&probe, &plain.data).unwrap();
		assert_eq!(
			verify_sealed(&PROVIDER, std::slice::from_ref(&probe), &[answer_plain], &[plain]),
			Err(StorageFailure::BadPath { probe: 0, index: 1 })
		);
		// Another holder's sealed copy does not answer for this one.
		let theirs = kept(&chunks, 1, &[6; 32]);
		let answer_theirs = answer(&probe, &theirs.data).unwrap();
		assert_eq!(
			verify_sealed(&PROVIDER, &[probe], &[answer_theirs], &[theirs]),
			Err(StorageFailure::BadPath { probe: 0, index: 1 })
		);
	}

	#[test]
	fn the_window_given_in_time_binds_the_chunk_given_later() {
		let chunks = data(2);
		let probe = probe(&chunks, 0, 9);
		let sealed = kept(&chunks, 0, &PROVIDER);
		let mut answer = answer(&probe, &sealed.data).unwrap();
		answer.window[3] ^= 1;
		assert_eq!(
			verify_sealed(
				&PROVIDER,
				std::slice::from_ref(&probe),
				std::slice::from_ref(&answer),
				std::slice::from_ref(&sealed)
			),
			Err(StorageFailure::WindowMismatch { probe: 0 })
		);
		answer.window.pop();
		assert_eq!(verify(&[probe], &[answer]), Err(StorageFailure::WrongWindow { probe: 0 }));
	}

	#[test]
	fn wrong_shapes_fail() {
		let chunks = data(2);
		let probe = probe(&chunks, 1, 0);
		let sealed = kept(&chunks, 1, &PROVIDER);
		let good = answer(&probe, &sealed.data).unwrap();
		let probes = vec![probe];
		let mut other_lease = good.clone();
		other_lease.lease = 8;
		assert_eq!(verify(&probes, &[other_lease]), Err(StorageFailure::WrongLease { probe: 0 }));
		assert_eq!(verify(&probes, &[]), Err(StorageFailure::WrongLease { probe: 0 }));
		let answers = vec![good];
		assert_eq!(
			verify_sealed(&PROVIDER, &probes, &answers, &[]),
			Err(StorageFailure::WrongChunk { probe: 0 })
		);
		let mut other_chunk = sealed.clone();
		other_chunk.index = 0;
		assert_eq!(
			verify_sealed(&PROVIDER, &probes, &answers, &[other_chunk]),
			Err(StorageFailure::WrongChunk { probe: 0 })
		);
		let mut short = sealed.clone();
		short.data.truncate(MAX_CHUNK_BYTES - 8);
		assert_eq!(
			verify_sealed(&PROVIDER, &probes, &answers, &[short]),
			Err(StorageFailure::WrongChunk { probe: 0 })
		);
		let mut deep = sealed;
		deep.path = vec![[0; 32]; MAX_PATH_LEN + 1];
		assert_eq!(
			verify_sealed(&PROVIDER, &probes, &answers, &[deep]),
			Err(StorageFailure::WrongChunk { probe: 0 })
		);
	}

	#[test]
	fn out_of_range_chunks_and_windows_are_refused_not_panicked() {
		let chunks = data(1);
		assert!(prove_chunk(&chunks, 1).is_none());
		let far = probe(&chunks, 0, u32::MAX);
		assert!(answer(&far, &chunks[0]).is_none());
		assert!(answer(&probe(&chunks, 0, 0), &chunks[0][..8]).is_none());
	}

	#[test]
	fn paths_from_leaf_hashes_are_the_chunks_paths() {
		let chunks: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 40 + i as usize]).collect();
		let leaves: Vec<[u8; 32]> = chunks.iter().map(|chunk| leaf_hash(chunk)).collect();
		for i in 0..5 {
			assert_eq!(path_from_leaves(&leaves, i), Some(prove_chunk(&chunks, i).unwrap().path));
		}
		assert_eq!(path_from_leaves(&leaves, 5), None);
	}

	#[test]
	fn plain_chunks_verify_for_every_tree_shape() {
		for n in [1u32, 2, 3, 5] {
			let chunks: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 100 + i as usize]).collect();
			let root = commit(&chunks);
			for i in 0..n {
				assert!(verify_chunk(&root, n, &prove_chunk(&chunks, i).unwrap()), "{n}/{i}");
			}
			let mut bad = prove_chunk(&chunks, 0).unwrap();
			bad.data[0] ^= 1;
			assert!(!verify_chunk(&root, n, &bad));
		}
	}
}
