//! The prover a provider runs (`std`): fills the capacity units in parallel on its idle cores,
//! keeping every fill in memory until the openings are known, and answers storage probes from
//! its data. Its [`Proof`] is the timed answer and the openings the validator fetches after it.

use crate::{
	capacity::{self, Fill},
	protocol::{Answer, Challenge, ChallengeError, Openings, StorageAnswer, StorageChallenge},
	PROTOCOL_VERSION,
};
use std::{
	sync::{
		atomic::{AtomicBool, AtomicU32, Ordering},
		Mutex,
	},
	time::Instant,
};

/// Where the prover finds a lease's chunks.
pub trait ChunkSource: Sync {
	/// Answers `probe` from the lease's stored chunks; `None` if the data is not here.
	fn answer(&self, probe: &StorageChallenge) -> Option<StorageAnswer>;
}

/// A provider that stores no lease data.
pub struct NoStorage;

impl ChunkSource for NoStorage {
	fn answer(&self, _probe: &StorageChallenge) -> Option<StorageAnswer> {
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
		let storage_answers = challenge
			.storage
			.iter()
			.map(|probe| {
				storage.answer(probe).ok_or(ProveError::MissingData { lease: probe.lease })
			})
			.collect::<Result<Vec<_>, _>>()?;

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
				storage: storage_answers,
			},
			openings: Openings {
				version: PROTOCOL_VERSION,
				seed: challenge.seed,
				openings: capacity.openings,
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

	struct Chunks(Vec<Vec<u8>>);

	impl ChunkSource for Chunks {
		fn answer(&self, probe: &StorageChallenge) -> Option<StorageAnswer> {
			(probe.lease == 1).then(|| storage::answer(probe, &self.0)).flatten()
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
			assert_eq!(
				verify_openings(&challenge(4), &proof.answer.roots, &proof.openings),
				Ok(())
			);
		}
	}

	#[test]
	fn storage_probes_are_answered_from_the_source() {
		let chunks: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 64]).collect();
		let mut with_storage = challenge(1);
		with_storage.storage = vec![StorageChallenge {
			lease: 1,
			root: storage::commit(&chunks),
			chunks: 10,
			indices: vec![0, 9, 4],
		}];
		let proof = Prover::new(1, 8).answer(&with_storage, &Chunks(chunks.clone()), None).unwrap();
		assert_eq!(verify(&with_storage, &proof.answer, 10), Ok(()));
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
