//! The challenge and answer exchanged between a validator and a provider, with their bounds.

use crate::hex_serde;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Version of the exchange this crate speaks; a challenge or answer of another version fails.
pub const PROTOCOL_VERSION: u16 = 1;
/// Path, under a provider's endpoint, that takes challenges.
pub const CHALLENGE_PATH: &str = "/nubes/v1/challenge";
/// Largest answer body a verifier reads, in bytes.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// Most compute units one challenge asks for.
pub const MAX_UNITS: u32 = 1024;
/// Most solutions one unit asks for.
pub const MAX_SOLUTIONS_PER_UNIT: u32 = 256;
/// Hardest difficulty, in leading zero bits.
pub const MAX_DIFFICULTY: u8 = 40;
/// Most leases one challenge probes for storage.
pub const MAX_STORAGE_CHALLENGES: usize = 8;
/// Most chunks asked of one lease.
pub const MAX_CHUNK_INDICES: usize = 16;
/// Largest chunk, in bytes.
pub const MAX_CHUNK_BYTES: usize = 256 * 1024;

/// Work proportional to the cores a provider sells.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComputeChallenge {
	/// Units of work, one per sold core.
	pub units: u32,
	/// Nonces to find per unit.
	pub solutions_per_unit: u32,
	/// Leading zero bits a solution's hash needs.
	pub difficulty: u8,
}

/// Random chunks of one lease's committed data.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StorageChallenge {
	/// The lease whose data is probed.
	pub lease: u64,
	/// The Merkle root committed on chain.
	#[serde(with = "hex_serde::array32")]
	pub root: [u8; 32],
	/// Number of chunks the root covers.
	pub chunks: u32,
	/// The chunks to return.
	pub indices: Vec<u32>,
}

/// What a validator asks a provider.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Challenge {
	/// [`PROTOCOL_VERSION`].
	pub version: u16,
	/// Fresh randomness; the answer echoes it.
	#[serde(with = "hex_serde::array32")]
	pub seed: [u8; 32],
	/// The challenged provider's account, bound into every hash so answers cannot be shared.
	#[serde(with = "hex_serde::array32")]
	pub provider: [u8; 32],
	/// The compute puzzle.
	pub compute: ComputeChallenge,
	/// Storage probes, possibly none.
	#[serde(default)]
	pub storage: Vec<StorageChallenge>,
	/// Milliseconds from sending the request to receiving the whole answer.
	pub deadline_ms: u32,
}

/// One chunk with its Merkle path.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChunkProof {
	/// Which chunk.
	pub index: u32,
	/// Its bytes.
	#[serde(with = "hex_serde::bytes")]
	pub data: Vec<u8>,
	/// Sibling hashes from the leaf up to (not including) the root.
	#[serde(with = "hex_serde::array32_list")]
	pub path: Vec<[u8; 32]>,
}

/// The chunks returned for one lease, in the order the challenge listed them.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StorageAnswer {
	/// The lease.
	pub lease: u64,
	/// One proof per requested index.
	pub chunks: Vec<ChunkProof>,
}

/// What a provider answers.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
	/// [`PROTOCOL_VERSION`].
	pub version: u16,
	/// The challenge's seed.
	#[serde(with = "hex_serde::array32")]
	pub seed: [u8; 32],
	/// For each unit, its nonces in increasing order.
	pub compute: Vec<Vec<u64>>,
	/// One entry per storage probe, in the challenge's order.
	#[serde(default)]
	pub storage: Vec<StorageAnswer>,
}

/// The 32 bytes that stand for a provider's account in challenges: its SCALE encoding when that
/// is 32 bytes (an `AccountId32`), otherwise the blake2-256 hash of it.
pub fn account_bytes(encoded: &[u8]) -> [u8; 32] {
	match <[u8; 32]>::try_from(encoded) {
		Ok(bytes) => bytes,
		Err(_) => sp_crypto_hashing::blake2_256(encoded),
	}
}

/// Why a challenge is not worth answering (a prover refuses it rather than burn its cores).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChallengeError {
	/// Not [`PROTOCOL_VERSION`].
	WrongVersion,
	/// No unit or no solution asked, or more than the bounds allow.
	BadComputeSize,
	/// Difficulty above [`MAX_DIFFICULTY`].
	TooHard,
	/// Too many storage probes or chunk indices, or an index outside the committed chunks.
	BadStorageProbe,
}

impl Challenge {
	/// Checks the challenge is within the protocol's bounds.
	pub fn check(&self) -> Result<(), ChallengeError> {
		if self.version != PROTOCOL_VERSION {
			return Err(ChallengeError::WrongVersion);
		}
		let c = &self.compute;
		if c.units == 0
			|| c.units > MAX_UNITS
			|| c.solutions_per_unit == 0
			|| c.solutions_per_unit > MAX_SOLUTIONS_PER_UNIT
		{
			return Err(ChallengeError::BadComputeSize);
		}
		if c.difficulty > MAX_DIFFICULTY {
			return Err(ChallengeError::TooHard);
		}
		if self.storage.len() > MAX_STORAGE_CHALLENGES
			|| self.storage.iter().any(|probe| {
				probe.indices.is_empty()
					|| probe.indices.len() > MAX_CHUNK_INDICES
					|| probe.indices.iter().any(|&i| i >= probe.chunks)
			}) {
			return Err(ChallengeError::BadStorageProbe);
		}
		Ok(())
	}
}
