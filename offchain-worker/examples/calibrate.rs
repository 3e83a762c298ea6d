//! Runs the capacity puzzle on this machine the way a validator judges it, over many fresh
//! challenges with one deadline, for an honest prover and for each way of claiming more than
//! the machine has:
//!
//! - **honest**: one thread per unit, every fill held;
//! - **busy**: the honest prover on the idle cores while a tenant's workload keeps the other
//!   cores busy (the challenge asks only for the idle ones);
//! - **half cores**: the same units on half the threads;
//! - **half memory**: one thread per unit keeping only the even blocks (and every leaf hash),
//!   recomputing an odd block from its stored neighbours whenever it is read;
//! - **two at once**: one machine answering two providers' challenges arriving together.
//!
//! Prints each one's pass rate and times (each runs to completion, or to four times the
//! deadline), and the verifier's time per answer.
//!
//! cargo run --release -p nubes-proofs --example calibrate -- [--units N] [--kib K]
//!     [--samples S] [--trials N] [--deadline-ms MS] [--rtt-ms R]
//!
//! Without `--deadline-ms` the deadline is 1.25 × the median of 10 honest runs plus `--rtt-ms`
//! (default 100) for the network round trip.

use nubes_proofs::{
	capacity::{self, Block, OpenedBlock, Opening, UnitKey},
	protocol::{Answer, CapacityChallenge, Challenge, Openings, PROTOCOL_VERSION},
	prover::{NoStorage, Proof, Prover},
	verify,
};
use std::{
	sync::atomic::{AtomicBool, Ordering},
	time::{Duration, Instant},
};

/// The number after `name` on the command line; a value that is not a number ends the program
/// with a one-line error.
fn arg(name: &str) -> Option<u64> {
	let args: Vec<String> = std::env::args().collect();
	let at = args.iter().position(|a| a == name)?;
	let value = args.get(at + 1)?;
	match value.parse() {
		Ok(number) => Some(number),
		Err(_) => {
			eprintln!("error: {name} takes a number, got {value:?}");
			std::process::exit(2)
		}
	}
}

fn rand_seed(salt: u64) -> [u8; 32] {
	let nanos = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_nanos())
		.unwrap_or_default();
	sp_crypto_hashing::blake2_256(&[nanos.to_le_bytes().as_slice(), &salt.to_le_bytes()].concat())
}

fn challenge(
	trial: u64,
	provider: u8,
	units: u32,
	blocks: u32,
	samples: u32,
	deadline_ms: u32,
) -> Challenge {
	Challenge {
		version: PROTOCOL_VERSION,
		seed: rand_seed(trial * 2 + u64::from(provider)),
		provider: [provider; 32],
		capacity: CapacityChallenge { units, blocks, samples },
		storage: vec![],
		deadline_ms,
	}
}

/// How one run went: whether it verified in time, and how long it took.
struct Run {
	passed: bool,
	took: Duration,
}

/// Times `answer` and judges it as a validator would: the answer with its roots in time, then
/// the openings those roots draw. The prover may run on to four times the deadline, so that
/// the table shows how long each one really needs, not when it was cut off.
fn judged(challenge: &Challenge, answer: impl FnOnce(Instant) -> Option<Proof>) -> Run {
	let start = Instant::now();
	let give_up = start + Duration::from_millis(u64::from(challenge.deadline_ms) * 4);
	let proof = answer(give_up);
	let took = start.elapsed();
	let passed = proof.is_some_and(|proof| {
		verify::verify(challenge, &proof.answer, took.as_millis() as u32).is_ok()
			&& verify::verify_openings(challenge, &proof.answer, &proof.openings).is_ok()
	});
	Run { passed, took }
}

/// A unit's fill keeping only its even blocks (half the memory) and every leaf hash.
struct LeanFill {
	key: UnitKey,
	even: Vec<Block>,
	levels: Vec<Vec<[u8; 32]>>,
}

impl LeanFill {
	fn new(
		seed: &[u8; 32],
		provider: &[u8; 32],
		unit: u32,
		blocks: u32,
		stop: &AtomicBool,
	) -> Option<Self> {
		let key = UnitKey::new(seed, provider, unit);
		let mut fill = Self {
			key: key.clone(),
			even: Vec::with_capacity(blocks as usize / 2),
			levels: vec![],
		};
		let mut leaves = Vec::with_capacity(blocks as usize);
		fill.even.push(key.first);
		leaves.push(capacity::leaf(&key.first));
		leaves.push(capacity::leaf(&key.second));
		let mut previous = key.second;
		for index in 2..blocks {
			if index.is_multiple_of(4096) && stop.load(Ordering::Relaxed) {
				return None;
			}
			let referenced = capacity::references(&previous, index).map(|at| fill.block(at));
			let block =
				capacity::next_block(&fill.key, index, &previous, [&referenced[0], &referenced[1]]);
			leaves.push(capacity::leaf(&block));
			if index.is_multiple_of(2) {
				fill.even.push(block);
			}
			previous = block;
		}
		fill.levels = capacity::tree_levels(leaves);
		Some(fill)
	}

	/// Block `index`: stored if even, otherwise recomputed from its predecessor and reference.
	fn block(&self, index: u32) -> Block {
		if index.is_multiple_of(2) {
			return self.even[index as usize / 2];
		}
		if index == 1 {
			return self.key.second;
		}
		let previous = self.even[(index as usize - 1) / 2];
		let referenced = capacity::references(&previous, index).map(|at| self.block(at));
		capacity::next_block(&self.key, index, &previous, [&referenced[0], &referenced[1]])
	}

	fn path(&self, index: u32) -> Vec<[u8; 32]> {
		capacity::path_in(&self.levels, index)
	}

	fn open(&self, index: u32) -> Opening {
		let opened = |at: u32| OpenedBlock {
			block: capacity::block_bytes(&self.block(at)).to_vec(),
			path: self.path(at),
		};
		let previous = self.block(index - 1);
		Opening {
			previous: opened(index - 1),
			referenced: capacity::references(&previous, index).into_iter().map(opened).collect(),
			path: self.path(index),
		}
	}
}

/// The half-memory prover: one thread per unit, lean fills.
fn answer_lean(challenge: &Challenge, give_up: Instant) -> Option<Proof> {
	let work = challenge.capacity;
	let stop = AtomicBool::new(false);
	let fills: Vec<Option<LeanFill>> = std::thread::scope(|scope| {
		let handles: Vec<_> = (0..work.units)
			.map(|unit| {
				let stop = &stop;
				scope.spawn(move || {
					LeanFill::new(&challenge.seed, &challenge.provider, unit, work.blocks, stop)
				})
			})
			.collect();
		// The watchdog: a late answer fails anyway.
		while handles.iter().any(|handle| !handle.is_finished()) {
			if Instant::now() >= give_up {
				stop.store(true, Ordering::Relaxed);
			}
			std::thread::sleep(Duration::from_millis(1));
		}
		handles.into_iter().map(|handle| handle.join().ok().flatten()).collect()
	});
	let fills: Vec<LeanFill> = fills.into_iter().collect::<Option<_>>()?;
	let roots: Vec<[u8; 32]> =
		fills.iter().map(|fill| fill.levels.last().map_or([0; 32], |l| l[0])).collect();
	let openings = capacity::openings(&challenge.seed, &roots, work.blocks, work.samples)
		.into_iter()
		.map(|(unit, index)| fills[unit as usize].open(index))
		.collect();
	Some(Proof {
		answer: Answer { version: PROTOCOL_VERSION, seed: challenge.seed, roots, storage: vec![] },
		openings: Openings {
			version: PROTOCOL_VERSION,
			seed: challenge.seed,
			openings,
			storage: vec![],
		},
	})
}

/// A tenant's CPU-bound workload on `threads` threads until `done`.
fn burn(threads: u32, done: &AtomicBool) {
	std::thread::scope(|scope| {
		for _ in 0..threads {
			scope.spawn(|| {
				let mut x = 1u64;
				while !done.load(Ordering::Relaxed) {
					for _ in 0..100_000 {
						x = std::hint::black_box(
							x.wrapping_mul(6364136223846793005).wrapping_add(1),
						);
					}
				}
			});
		}
	});
}

#[derive(Default)]
struct Tally {
	passed: u32,
	runs: u32,
	times: Vec<f64>,
}

impl Tally {
	fn add(&mut self, run: Run) {
		self.runs += 1;
		self.passed += u32::from(run.passed);
		self.times.push(run.took.as_secs_f64() * 1000.0);
	}

	fn print(&mut self, name: &str) {
		self.times.sort_by(f64::total_cmp);
		let median = self.times.get(self.times.len() / 2).copied().unwrap_or_default();
		let worst = self.times.last().copied().unwrap_or_default();
		let best = self.times.first().copied().unwrap_or_default();
		println!(
			"| {name} | {}/{} | {:.1} % | {best:.0} | {median:.0} | {worst:.0} |",
			self.passed,
			self.runs,
			100.0 * f64::from(self.runs - self.passed) / f64::from(self.runs.max(1)),
		);
	}
}

fn main() {
	let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
	let units = arg("--units").map_or(cores, |n| n as u32);
	let trials = arg("--trials").unwrap_or(100);
	let kib = arg("--kib").unwrap_or(128 * 1024) as u32;
	let samples = arg("--samples").unwrap_or(32) as u32;
	let rtt_ms = arg("--rtt-ms").unwrap_or(100) as f64;
	let blocks = kib.next_power_of_two();

	let honest = Prover::new(units, units);
	let deadline_ms = arg("--deadline-ms").map_or_else(
		|| {
			let mut times: Vec<f64> = (0..10)
				.map(|trial| {
					let c = challenge(1_000 + trial, 7, units, blocks, samples, u32::MAX);
					judged(&c, |_| honest.answer(&c, &NoStorage, None).ok()).took.as_secs_f64()
				})
				.collect();
			times.sort_by(f64::total_cmp);
			(times[5] * 1250.0 + rtt_ms).ceil() as u32
		},
		|d| d as u32,
	);
	println!(
		"machine: {cores} cores; challenge: {units} units × {blocks} KiB, {samples} openings; \
		 deadline {deadline_ms} ms"
	);

	let half_cores = Prover::new((units / 2).max(1), units);
	let idle = units.saturating_sub(1).max(1);
	let busy_prover = Prover::new(idle, idle);
	let mut tallies: Vec<(String, Tally)> = vec![
		(format!("honest ({units} threads)"), Tally::default()),
		(
			format!("busy ({idle} idle units, {} cores burnt by a tenant)", units - idle),
			Tally::default(),
		),
		(format!("half cores ({} threads)", (units / 2).max(1)), Tally::default()),
		("half memory (even blocks kept)".into(), Tally::default()),
		("two at once (two providers' challenges together)".into(), Tally::default()),
	];
	let mut verifier = Vec::new();
	for trial in 0..trials {
		let c = challenge(trial, 7, units, blocks, samples, deadline_ms);
		let mut kept = None;
		tallies[0].1.add(judged(&c, |at| {
			let answer = honest.answer(&c, &NoStorage, Some(at)).ok();
			kept.clone_from(&answer);
			answer
		}));
		if let Some(proof) = kept {
			// Both bodies, as a validator reads them: the answer, then the openings.
			let start = Instant::now();
			let body = serde_json::to_vec(&proof.answer).unwrap_or_default();
			let opened = codec::Encode::encode(&proof.openings);
			let encode = start.elapsed();
			let start = Instant::now();
			let parsed = verify::parse_answer(&body);
			let parsed_openings = verify::parse_openings(&opened);
			let parse = start.elapsed();
			let start = Instant::now();
			let ok = match (parsed, parsed_openings) {
				(Ok(answer), Ok(openings)) => {
					verify::verify(&c, &answer, 0).is_ok()
						&& verify::verify_openings(&c, &answer, &openings).is_ok()
				}
				_ => false,
			};
			verifier.push((start.elapsed(), parse, encode, body.len() + opened.len(), ok));
		}

		let busy = challenge(trial, 7, idle, blocks, samples, deadline_ms);
		let done = AtomicBool::new(false);
		let run = std::thread::scope(|scope| {
			scope.spawn(|| burn(units - idle, &done));
			let run = judged(&busy, |at| busy_prover.answer(&busy, &NoStorage, Some(at)).ok());
			done.store(true, Ordering::Relaxed);
			run
		});
		tallies[1].1.add(run);

		tallies[2].1.add(judged(&c, |at| half_cores.answer(&c, &NoStorage, Some(at)).ok()));
		tallies[3].1.add(judged(&c, |at| answer_lean(&c, at)));

		let other = challenge(trial, 8, units, blocks, samples, deadline_ms);
		let (first, second) = std::thread::scope(|scope| {
			let a = scope.spawn(|| judged(&c, |at| honest.answer(&c, &NoStorage, Some(at)).ok()));
			let b = scope
				.spawn(|| judged(&other, |at| honest.answer(&other, &NoStorage, Some(at)).ok()));
			(a.join(), b.join())
		});
		if let (Ok(first), Ok(second)) = (first, second) {
			// The pretence passes only if both providers pass.
			tallies[4].1.add(Run {
				passed: first.passed && second.passed,
				took: first.took.max(second.took),
			});
		}
	}
	println!("\n| prover | passed | failed | fastest (ms) | median (ms) | slowest (ms) |");
	println!("|---|---|---|---|---|---|");
	for (name, tally) in &mut tallies {
		tally.print(name);
	}
	verifier.sort();
	if let Some((check, parse, encode, bytes, _)) = verifier.get(verifier.len() / 2) {
		let all_ok = verifier.iter().all(|v| v.4);
		println!(
			"\nverifier, per answer (median): check {:.3} ms, parse {:.3} ms ({bytes} bytes: the \
			 answer's JSON and the openings' SCALE); all honest answers verified: {all_ok}; the \
			 prover's encoding {:.3} ms",
			check.as_secs_f64() * 1000.0,
			parse.as_secs_f64() * 1000.0,
			encode.as_secs_f64() * 1000.0
		);
	}
}
