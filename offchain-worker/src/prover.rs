//! The prover a provider runs (`std`): fills the capacity units in parallel on its idle cores,
//! keeping every fill in memory until the openings are known, and answers storage probes from
//! its sealed shards. Its [`Proof`] is the timed answer and the openings the validator fetches after it.

use crate::{
	capacity::{self, Fill},
	protocol::{Answer, Challenge, ChallengeError, ChunkProof, Openings, StorageChallenge},
	storage, PROTOCOL_VERSION,
};
use std::{
	sync::{
		atomic::{AtomicBool, AtomicU32, Ordering},
		Mutex,
	},
	time::Instant,
};

/// Where the prover finds the shards it holds.
pub trait ChunkSource: Sync {
	/// The probed chunk of the lease's shard as this holder keeps it, sealed under its key
	/// ([`crate::seal`]), with the Merkle path of the chunk it unseals to; `None` if the shard
	/// is not here.
	fn sealed(&self, probe: &StorageChallenge) -> Option<ChunkProof>;
}

/// A provider that holds no shards.
pub struct NoStorage;

impl ChunkSource for NoStorage {
	fn sealed(&self, _probe: &StorageChallenge) -> Option<ChunkProof> {
		None
	}
}

/// Why the prover gave no answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProveError {
	/// The challenge is outside the protocol's bounds.
	BadChallenge(ChallengeError),
	/// The challenge asks for more units than this prover is set to serve.
	TooManyUnits {
		/// Units asked.
		asked: u32,
		/// Units this prover serves.
		served: u32,
	},
	/// The challenge asks units to fill more memory than this prover sells per core.
	UnitTooLarge {
		/// Blocks (KiB) asked per unit.
		asked: u32,
		/// Blocks this prover serves per unit.
		served: u32,
	},
	/// A probed lease's data is not here.
	MissingData {
		/// The lease.
		lease: u64,
	},
	/// The time allowed ran out before every unit was filled.
	OutOfTime,
}

impl std::fmt::Display for ProveError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::BadChallenge(error) => write!(f, "challenge out of bounds: {error:?}"),
			Self::TooManyUnits { asked, served } => {
				write!(f, "challenge asks {asked} units, this machine serves {served}")
			}
			Self::UnitTooLarge { asked, served } => {
				write!(f, "challenge asks {asked} KiB per unit, this machine serves {served}")
			}
			Self::MissingData { lease } => write!(f, "no data of lease {lease} here"),
			Self::OutOfTime => write!(f, "ran out of time"),
		}
	}
}

impl std::error::Error for ProveError {}

/// A challenge answered: the commitment sent in time, and the openings kept for the validator
/// to fetch (the fills themselves are dropped: the openings are all that is asked of them).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Proof {
	/// The timed answer.
	pub answer: Answer,
	/// The openings its roots draw.
	pub openings: Openings,
}

/// Answers challenges on a fixed number of threads.
pub struct Prover {
	threads: u32,
	max_units: u32,
	max_blocks: u32,
}

impl Prover {
	/// A prover running up to `threads` threads (the cores sold) and refusing challenges of
	/// more than `max_units` units.
	pub fn new(threads: u32, max_units: u32) -> Self {
		Self {
			threads: threads.max(1),
			max_units,
			max_blocks: crate::protocol::MAX_BLOCKS_PER_UNIT,
		}
	}

	/// The same, also refusing units of more than `max_blocks` blocks (the memory per core the
	/// provider sells).
	pub fn with_max_blocks(mut self, max_blocks: u32) -> Self {
		self.max_blocks = max_blocks;
		self
	}

	/// Answers `challenge`, giving up at `give_up` (pass the deadline: a late answer fails).
	pub fn answer(
		&self,
		challenge: &Challenge,
		storage: &dyn ChunkSource,
		give_up: Option<Instant>,
	) -> Result<Proof, ProveError> {
		challenge.check().map_err(ProveError::BadChallenge)?;
		let work = challenge.capacity;
		let units = work.units;
		if units > self.max_units {
			return Err(ProveError::TooManyUnits { asked: units, served: self.max_units });
		}
		if work.blocks > self.max_blocks {
			return Err(ProveError::UnitTooLarge { asked: work.blocks, served: self.max_blocks });
		}
		// The shards first: reading a chunk from disk is quick, and a missing one makes the
		// fills pointless.
		let mut windows = Vec::with_capacity(challenge.storage.len());
		let mut sealed = Vec::with_capacity(challenge.storage.len());
		for probe in &challenge.storage {
			let missing = ProveError::MissingData { lease: probe.lease };
			let kept = storage.sealed(probe).ok_or(missing)?;
			windows.push(storage::answer(probe, &kept.data).ok_or(missing)?);
			sealed.push(kept);
		}

		let next_unit = AtomicU32::new(0);
		let stopped = AtomicBool::new(false);
		let filled: Mutex<Vec<Option<Fill>>> = Mutex::new((0..units).map(|_| None).collect());
		let stop = || {
			if give_up.is_some_and(|at| Instant::now() >= at) {
				stopped.store(true, Ordering::Relaxed);
			}
			stopped.load(Ordering::Relaxed)
		};
		std::thread::scope(|scope| {
			for _ in 0..self.threads.min(units) {
				scope.spawn(|| loop {
					let unit = next_unit.fetch_add(1, Ordering::Relaxed);
					if unit >= units {
						return;
					}
					let Some(fill) =
						Fill::new(&challenge.seed, &challenge.provider, unit, work.blocks, stop)
					else {
						return;
					};
					if let Ok(mut filled) = filled.lock() {
						filled[unit as usize] = Some(fill);
					}
				});
			}
		});
		if stopped.load(Ordering::Relaxed) {
			return Err(ProveError::OutOfTime);
		}
		let fills = filled
			.into_inner()
			.map_err(|_| ProveError::OutOfTime)?
			.into_iter()
			.collect::<Option<Vec<Fill>>>()
			.ok_or(ProveError::OutOfTime)?;
		let capacity = capacity::answer(&challenge.seed, &fills, work.blocks, work.samples);
		Ok(Proof {
			answer: Answer {
				version: PROTOCOL_VERSION,
				seed: challenge.seed,
				roots: capacity.roots,
				storage: windows,
			},
			openings: Openings {
				version: PROTOCOL_VERSION,
				seed: challenge.seed,
				openings: capacity.openings,
				storage: sealed,
			},
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		protocol::CapacityChallenge,
		storage,
		verify::{verify, verify_openings},
	};

	/// Lease 1's shard, sealed as the holder `[4; 32]` keeps it.
	struct Chunks(Vec<Vec<u8>>);

	impl ChunkSource for Chunks {
		fn sealed(&self, probe: &StorageChallenge) -> Option<ChunkProof> {
			if probe.lease != 1 {
				return None;
			}
			let mut proof = storage::prove_chunk(&self.0, probe.chunk)?;
			let key = crate::seal::seal_key(&[4; 32], &probe.root, probe.chunk);
			crate::seal::seal(&key, crate::seal::SEAL_ROUNDS, &mut proof.data).ok()?;
			Some(proof)
		}
	}

	fn challenge(units: u32) -> Challenge {
		Challenge {
			version: PROTOCOL_VERSION,
			seed: [3; 32],
			provider: [4; 32],
			capacity: CapacityChallenge { units, blocks: 256, samples: 16 },
			storage: vec![],
			deadline_ms: 60_000,
		}
	}

	#[test]
	fn answers_verify_whatever_the_thread_count() {
		for threads in [1, 2, 5] {
			let proof = Prover::new(threads, 8).answer(&challenge(4), &NoStorage, None).unwrap();
			assert_eq!(verify(&challenge(4), &proof.answer, 10), Ok(()));
			assert_eq!(verify_openings(&challenge(4), &proof.answer, &proof.openings), Ok(()));
		}
	}

	#[test]
	fn storage_probes_are_answered_from_the_source() {
		let chunks: Vec<Vec<u8>> =
			(0..3u8).map(|i| vec![i; crate::protocol::MAX_CHUNK_BYTES]).collect();
		let mut with_storage = challenge(1);
		with_storage.storage = vec![StorageChallenge {
			lease: 1,
			root: storage::commit(&chunks),
			chunks: 3,
			chunk: 2,
			window: 77,
		}];
		let proof = Prover::new(1, 8).answer(&with_storage, &Chunks(chunks.clone()), None).unwrap();
		assert_eq!(verify(&with_storage, &proof.answer, 10), Ok(()));
		assert_eq!(verify_openings(&with_storage, &proof.answer, &proof.openings), Ok(()));
		with_storage.storage[0].lease = 2;
		assert_eq!(
			Prover::new(1, 8).answer(&with_storage, &Chunks(chunks), None),
			Err(ProveError::MissingData { lease: 2 })
		);
	}

	#[test]
	fn refuses_what_it_should_not_spend_cores_on() {
		assert_eq!(
			Prover::new(2, 2).answer(&challenge(3), &NoStorage, None),
			Err(ProveError::TooManyUnits { asked: 3, served: 2 })
		);
		let mut huge = challenge(1);
		huge.capacity.blocks = 1 << 23;
		assert_eq!(
			Prover::new(1, 8).answer(&huge, &NoStorage, None),
			Err(ProveError::BadChallenge(ChallengeError::BadCapacitySize))
		);
		let mut larger = challenge(1);
		larger.capacity.blocks = 1 << 12;
		assert_eq!(
			Prover::new(1, 8).with_max_blocks(1 << 11).answer(&larger, &NoStorage, None),
			Err(ProveError::UnitTooLarge { asked: 1 << 12, served: 1 << 11 })
		);
		let mut impossible = challenge(1);
		impossible.capacity.blocks = 1 << 16;
		assert_eq!(
			Prover::new(1, 8).answer(&impossible, &NoStorage, Some(Instant::now())),
			Err(ProveError::OutOfTime)
		);
	}
}
