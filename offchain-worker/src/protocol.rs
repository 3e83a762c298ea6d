//! The challenge and answer exchanged between a validator and a provider, with their bounds.

use crate::hex_serde;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Version of the exchange this crate speaks; a challenge or answer of another version fails.
/// Version 2 sends each challenge signed by its validator ([`SignedChallenge`]); version 3
/// replaces the hash puzzle with the memory fill of idle cores ([`crate::capacity`]); version 4
/// splits the answer in two: the timed [`Answer`] commits to the fills' roots, and the
/// [`Openings`] are fetched afterwards, untimed, so a validator can time a whole turn of
/// providers at one moment and read their openings at its own pace; version 5 probes stored
/// shards through their sealed form ([`crate::seal`]): a window of the sealed chunk in time, the
/// whole sealed chunk with its Merkle path among the openings.
pub const PROTOCOL_VERSION: u16 = 5;
/// Path, under a provider's endpoint, that takes challenges.
pub const CHALLENGE_PATH: &str = "/nubes/v1/challenge";

/// Path, under a provider's endpoint, of the openings of the challenge with `seed`, once its
/// [`Answer`] was given: `GET {endpoint}/nubes/v1/challenge/0x{seed}/openings`, answered with
/// [`Openings`] (SCALE-encoded). The seed is fresh and known only to the validator and the
/// provider.
pub fn openings_path(seed: &[u8; 32]) -> alloc::string::String {
	alloc::format!("{CHALLENGE_PATH}/0x{}/openings", hex::encode(seed))
}
/// Largest liveness answer a verifier reads, in bytes.
pub const MAX_LIVENESS_BYTES: usize = 1024;

/// Path, under a provider's endpoint, where its agent says whether it runs `lease`'s workload:
/// `GET {endpoint}/nubes/v1/leases/{lease}/live`, answered with a [`Liveness`].
pub fn liveness_path(lease: u64) -> alloc::string::String {
	alloc::format!("/nubes/v1/leases/{lease}/live")
}

/// What an agent answers for a lease it runs: the lease, and whether its workload is running
/// (an HTTP service loaded and taking requests, or a job not yet ended in failure).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Liveness {
	/// The lease.
	pub lease: u64,
	/// Whether its workload runs.
	pub running: bool,
}
/// Largest answer body a verifier reads, in bytes.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// Most units (idle cores) one challenge asks for.
pub const MAX_UNITS: u32 = 1024;
/// Most blocks of [`BLOCK_BYTES`](crate::capacity::BLOCK_BYTES) one unit fills: 4 GiB.
pub const MAX_BLOCKS_PER_UNIT: u32 = 1 << 22;
/// Fewest blocks a unit fills.
pub const MIN_BLOCKS_PER_UNIT: u32 = 64;
/// Most openings one challenge asks for.
pub const MAX_SAMPLES: u32 = 64;
/// Most leases one challenge probes for storage.
pub const MAX_STORAGE_CHALLENGES: usize = 8;
/// Largest chunk, in bytes; a shard's chunks all have exactly this size.
pub const MAX_CHUNK_BYTES: usize = 256 * 1024;
/// Words of a sealed chunk a probe's timed answer gives.
pub const WINDOW_WORDS: u32 = 8;
/// Bytes of a probe's window.
pub const WINDOW_BYTES: usize = WINDOW_WORDS as usize * crate::seal::WORD_BYTES;
/// Where the last window of a chunk may start, in words.
pub const MAX_WINDOW_START: u32 = (MAX_CHUNK_BYTES / crate::seal::WORD_BYTES) as u32 - WINDOW_WORDS;

/// The capacity a provider has not leased, to prove: `units` idle cores, each filling `blocks`
/// KiB of memory ([`capacity`](crate::capacity)).
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
pub struct CapacityChallenge {
	/// Units, one per idle core; zero when every core is leased.
	pub units: u32,
	/// Blocks (KiB) each unit fills: a power of two.
	pub blocks: u32,
	/// Blocks opened across all units.
	pub samples: u32,
}

/// One random chunk of one lease's committed shard, read through its holder's seal.
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
	/// The chunk probed.
	pub chunk: u32,
	/// The first word of the window of the sealed chunk to give in time.
	pub window: u32,
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
	/// The capacity puzzle.
	pub capacity: CapacityChallenge,
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

/// A probe's timed answer: the window of the sealed chunk. Only a holder that keeps the chunk
/// sealed can give it in time; the whole sealed chunk follows among the [`Openings`].
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
	/// [`WINDOW_BYTES`] bytes of the sealed chunk from the probe's window.
	#[serde(with = "hex_serde::bytes")]
	pub window: Vec<u8>,
}

/// What a provider answers in time: its commitment to the fills, and the storage probes.
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
	/// Each capacity unit's root, in unit order.
	#[serde(with = "hex_serde::array32_list")]
	pub roots: Vec<[u8; 32]>,
	/// One entry per storage probe, in the challenge's order.
	#[serde(default)]
	pub storage: Vec<StorageAnswer>,
}

/// The openings of the blocks the roots of an [`Answer`] drew, fetched after it
/// ([`openings_path`]). Sent SCALE-encoded, not as JSON: they are some 85 KB of blocks and
/// hashes, which JSON's hex would double and a verifier in wasm would spend longer parsing than
/// checking.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Openings {
	/// [`PROTOCOL_VERSION`].
	pub version: u16,
	/// The challenge's seed.
	pub seed: [u8; 32],
	/// One opening per sample, in the order [`crate::capacity::openings`] draws them.
	pub openings: Vec<crate::capacity::Opening>,
	/// One sealed chunk per storage probe, in the challenge's order, each with the Merkle path
	/// of the chunk it unseals to.
	pub storage: Vec<ChunkProof>,
}

/// The 32 bytes that stand for a provider's account in challenges: its SCALE encoding when that
/// is 32 bytes (an `AccountId32`), otherwise the blake2-256 hash of it.
pub fn account_bytes(encoded: &[u8]) -> [u8; 32] {
	match <[u8; 32]>::try_from(encoded) {
		Ok(bytes) => bytes,
		Err(_) => crate::hashing::blake2_256(encoded),
	}
}

/// Why a challenge is not worth answering (a prover refuses it rather than burn its cores).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChallengeError {
	/// Not [`PROTOCOL_VERSION`].
	WrongVersion,
	/// More units, blocks or samples than the bounds allow, or a unit size that is not a
	/// power of two.
	BadCapacitySize,
	/// Too many storage probes, or a chunk or window outside the committed shard.
	BadStorageProbe,
}

/// A challenge as it travels: bound to its epoch and signed by the validator that sends it,
/// so a provider checks who asks (a validator of the epoch, assigned to it) before doing any
/// work, and answers each assigned validator once per epoch.
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
pub struct SignedChallenge {
	/// The challenge.
	pub challenge: Challenge,
	/// The epoch it belongs to.
	pub epoch: u32,
	/// The sending validator, by its index in the epoch's validator list.
	pub validator: u32,
	/// The validator's `nubs` key's sr25519 signature of [`SignedChallenge::signing_payload`].
	#[serde(with = "hex_serde::array64")]
	pub signature: [u8; 64],
}

impl SignedChallenge {
	/// The bytes the validator signs: a domain tag, the epoch, the validator's index and the
	/// challenge (which names the provider and carries the seed, the work and the deadline).
	pub fn signing_payload(challenge: &Challenge, epoch: u32, validator: u32) -> Vec<u8> {
		(b"nubes/challenge", epoch, validator, challenge).encode()
	}

	/// [`SignedChallenge::signing_payload`] of this challenge.
	pub fn payload(&self) -> Vec<u8> {
		Self::signing_payload(&self.challenge, self.epoch, self.validator)
	}
}

impl Challenge {
	/// Checks the challenge is within the protocol's bounds.
	pub fn check(&self) -> Result<(), ChallengeError> {
		if self.version != PROTOCOL_VERSION {
			return Err(ChallengeError::WrongVersion);
		}
		let c = &self.capacity;
		if c.units > MAX_UNITS
			|| c.blocks < MIN_BLOCKS_PER_UNIT
			|| c.blocks > MAX_BLOCKS_PER_UNIT
			|| !c.blocks.is_power_of_two()
			|| c.samples > MAX_SAMPLES
			|| (c.units > 0 && c.samples == 0)
		{
			return Err(ChallengeError::BadCapacitySize);
		}
		if self.storage.len() > MAX_STORAGE_CHALLENGES
			|| self
				.storage
				.iter()
				.any(|probe| probe.chunk >= probe.chunks || probe.window > MAX_WINDOW_START)
		{
			return Err(ChallengeError::BadStorageProbe);
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn challenge(provider: u8) -> Challenge {
		Challenge {
			version: PROTOCOL_VERSION,
			seed: [1; 32],
			provider: [provider; 32],
			capacity: CapacityChallenge { units: 1, blocks: 64, samples: 4 },
			storage: Vec::new(),
			deadline_ms: 1_000,
		}
	}

	#[test]
	fn a_signature_binds_the_epoch_the_validator_and_the_whole_challenge() {
		let payload = SignedChallenge::signing_payload(&challenge(7), 3, 1);
		assert_ne!(payload, SignedChallenge::signing_payload(&challenge(7), 4, 1), "epoch");
		assert_ne!(payload, SignedChallenge::signing_payload(&challenge(7), 3, 2), "validator");
		assert_ne!(payload, SignedChallenge::signing_payload(&challenge(8), 3, 1), "provider");
		let mut slower = challenge(7);
		slower.deadline_ms = 60_000;
		assert_ne!(payload, SignedChallenge::signing_payload(&slower, 3, 1), "deadline");
		let signed =
			SignedChallenge { challenge: challenge(7), epoch: 3, validator: 1, signature: [9; 64] };
		assert_eq!(signed.payload(), payload);
		let json = serde_json::to_string(&signed).unwrap();
		assert!(json.contains(&format!("\"signature\":\"0x{}\"", "09".repeat(64))), "{json}");
		assert_eq!(serde_json::from_str::<SignedChallenge>(&json).unwrap(), signed);
	}
}
