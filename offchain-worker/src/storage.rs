//! Storage proofs: chunks of a lease's data against the Merkle root committed on chain.

use crate::protocol::{ChunkProof, StorageAnswer, StorageChallenge, MAX_CHUNK_BYTES};
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

/// Answers one storage probe from the lease's chunks; `None` if an index is out of range.
pub fn answer<C: AsRef<[u8]>>(probe: &StorageChallenge, chunks: &[C]) -> Option<StorageAnswer> {
	let proofs = probe
		.indices
		.iter()
		.map(|&index| prove_chunk(chunks, index))
		.collect::<Option<Vec<_>>>()?;
	Some(StorageAnswer { lease: probe.lease, chunks: proofs })
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
	/// Not one chunk per requested index, in order.
	WrongChunks {
		/// The probe's position in the challenge.
		probe: u32,
	},
	/// A chunk larger than the protocol allows or a path deeper than any tree.
	Oversize {
		/// The probe's position in the challenge.
		probe: u32,
	},
	/// A chunk whose path does not lead to the committed root.
	BadPath {
		/// The probe's position in the challenge.
		probe: u32,
		/// The chunk.
		index: u32,
	},
}

/// Checks every probe's chunks against its committed root.
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
		if answer.chunks.len() != probe.indices.len()
			|| answer.chunks.iter().zip(&probe.indices).any(|(chunk, &index)| chunk.index != index)
		{
			return Err(StorageFailure::WrongChunks { probe: probe_index });
		}
		for chunk in &answer.chunks {
			if chunk.data.len() > MAX_CHUNK_BYTES || chunk.path.len() > MAX_PATH_LEN {
				return Err(StorageFailure::Oversize { probe: probe_index });
			}
			if !verify_chunk(&probe.root, probe.chunks, chunk) {
				return Err(StorageFailure::BadPath { probe: probe_index, index: chunk.index });
			}
		}
	}
	Ok(())
}

/// Whether `proof` opens chunk `proof.index` of a commitment ([`commit`]) to `chunks` chunks
/// whose root is `root`.
pub fn verify_chunk(root: &[u8; 32], chunks: u32, proof: &ChunkProof) -> bool {
	binary_merkle_tree::verify_proof::<Blake2Hasher, _, _>(
		root,
		proof.path.iter().copied(),
		chunks,
		proof.index,
		&proof.data,
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn data(chunks: u32) -> Vec<Vec<u8>> {
		(0..chunks).map(|i| vec![i as u8; 100 + i as usize]).collect()
	}

	fn probe(chunks: &[Vec<u8>], indices: Vec<u32>) -> StorageChallenge {
		StorageChallenge { lease: 7, root: commit(chunks), chunks: chunks.len() as u32, indices }
	}

	#[test]
	fn honest_answers_verify_for_every_tree_shape() {
		for n in [1u32, 2, 3, 5, 8, 13] {
			let chunks = data(n);
			let probe = probe(&chunks, (0..n).collect());
			let answer = answer(&probe, &chunks).unwrap();
			assert_eq!(verify(&[probe], &[answer]), Ok(()), "{n} chunks");
		}
	}

	#[test]
	fn altered_chunks_or_paths_fail() {
		let chunks = data(9);
		let probe = probe(&chunks, vec![4, 8]);
		let good = answer(&probe, &chunks).unwrap();

		let mut altered = good.clone();
		altered.chunks[0].data[0] ^= 1;
		assert_eq!(
			verify(std::slice::from_ref(&probe), &[altered]),
			Err(StorageFailure::BadPath { probe: 0, index: 4 })
		);
		let mut bad_path = good.clone();
		bad_path.chunks[1].path[0][0] ^= 1;
		assert_eq!(
			verify(std::slice::from_ref(&probe), &[bad_path]),
			Err(StorageFailure::BadPath { probe: 0, index: 8 })
		);
		// The right data at the wrong index.
		let mut moved = good.clone();
		moved.chunks[0] = prove_chunk(&chunks, 5).unwrap();
		moved.chunks[0].index = 4;
		assert!(verify(std::slice::from_ref(&probe), &[moved]).is_err());
		let mut reordered = good.clone();
		reordered.chunks.swap(0, 1);
		assert_eq!(
			verify(std::slice::from_ref(&probe), &[reordered]),
			Err(StorageFailure::WrongChunks { probe: 0 })
		);
		let mut other_lease = good.clone();
		other_lease.lease = 8;
		assert_eq!(
			verify(std::slice::from_ref(&probe), &[other_lease]),
			Err(StorageFailure::WrongLease { probe: 0 })
		);
		assert_eq!(
			verify(std::slice::from_ref(&probe), &[]),
			Err(StorageFailure::WrongLease { probe: 0 })
		);
		let mut huge = good;
		huge.chunks[0].data = vec![0; MAX_CHUNK_BYTES + 1];
		assert_eq!(verify(&[probe], &[huge]), Err(StorageFailure::Oversize { probe: 0 }));
	}

	#[test]
	fn out_of_range_indices_are_refused_not_panicked() {
		let chunks = data(4);
		assert!(prove_chunk(&chunks, 4).is_none());
		assert!(answer(&probe(&chunks, vec![1, 9]), &chunks).is_none());
	}
}
