//! Runs the compute puzzle on this machine the way a validator would judge it: an honest prover
//! using every core it claims, and a cheating prover with half of them, over many fresh
//! challenges with the same difficulty and deadline. Prints the measured hash rate, the
//! parameters, and how often each side passed.
//!
//! cargo run --release -p nubes-proofs --example calibrate -- [--units N] [--trials N]
//!     [--solutions K] [--difficulty D] [--target-ms T] [--rtt-ms R] [--deadline-ms MS]
//!
//! Without `--deadline-ms` the deadline is 1.5 × the expected time of one unit plus `--rtt-ms`
//! (default 100) for the network round trip.

use nubes_proofs::{
	compute::WorkInput,
	protocol::{Challenge, ComputeChallenge, PROTOCOL_VERSION},
	prover::{NoStorage, Prover},
	verify,
};
use std::time::{Duration, Instant};

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

/// Puzzle hashes per second on one core, over about a second.
fn hash_rate() -> f64 {
	let mut input = WorkInput::new(&[1; 32], &[2; 32], 0);
	let start = Instant::now();
	let mut hashes = 0u64;
	while start.elapsed() < Duration::from_secs(1) {
		for _ in 0..10_000 {
			hashes += 1;
			std::hint::black_box(input.hash(hashes));
		}
	}
	hashes as f64 / start.elapsed().as_secs_f64()
}

/// Runs one challenge; true if the answer arrived in time and verified.
fn passes(prover: &Prover, challenge: &Challenge) -> bool {
	let start = Instant::now();
	let deadline = start + Duration::from_millis(challenge.deadline_ms.into());
	let Ok(answer) = prover.answer(challenge, &NoStorage, Some(deadline)) else { return false };
	let elapsed = start.elapsed().as_millis() as u32;
	verify::verify(challenge, &answer, elapsed, &rand_seed(elapsed as u64)).is_ok()
}

fn rand_seed(salt: u64) -> [u8; 32] {
	let nanos = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_nanos())
		.unwrap_or_default();
	sp_crypto_hashing::blake2_256(&[nanos.to_le_bytes().as_slice(), &salt.to_le_bytes()].concat())
}

fn main() {
	let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
	let units = arg("--units").map_or(cores, |n| n as u32);
	let trials = arg("--trials").unwrap_or(100) as u32;
	let solutions = arg("--solutions").unwrap_or(256) as u32;
	let target_ms = arg("--target-ms").unwrap_or(750);
	let rtt_ms = arg("--rtt-ms").unwrap_or(100) as f64;

	let rate = hash_rate();
	let difficulty = arg("--difficulty").map_or_else(
		|| (target_ms as f64 / 1000.0 * rate / solutions as f64).log2().round().max(1.0) as u8,
		|d| d as u8,
	);
	let expected_ms = solutions as f64 * 2f64.powi(difficulty.into()) / rate * 1000.0;
	let deadline_ms =
		arg("--deadline-ms").map_or((expected_ms * 1.5 + rtt_ms).ceil() as u32, |d| d as u32);
	println!("machine: {cores} cores; puzzle hash rate {:.0} per second per core", rate);
	println!(
		"challenge: {units} units × {solutions} solutions at difficulty {difficulty}; \
		 expected {expected_ms:.0} ms per unit on one core; deadline {deadline_ms} ms"
	);

	let honest = Prover::new(units, units);
	let half = Prover::new((units / 2).max(1), units);
	let (mut honest_passes, mut half_passes) = (0, 0);
	let (mut honest_worst, mut honest_total) = (Duration::ZERO, Duration::ZERO);
	for trial in 0..trials {
		let challenge = Challenge {
			version: PROTOCOL_VERSION,
			seed: rand_seed(trial.into()),
			provider: [7; 32],
			compute: ComputeChallenge { units, solutions_per_unit: solutions, difficulty },
			storage: vec![],
			deadline_ms,
		};
		let start = Instant::now();
		honest_passes += u32::from(passes(&honest, &challenge));
		let took = start.elapsed();
		honest_worst = honest_worst.max(took);
		honest_total += took;
		half_passes += u32::from(passes(&half, &challenge));
	}
	println!(
		"honest prover ({units} threads): passed {honest_passes}/{trials}, mean {:.0} ms, worst {:.0} ms",
		honest_total.as_secs_f64() * 1000.0 / trials as f64,
		honest_worst.as_secs_f64() * 1000.0
	);
	println!(
		"half-core prover ({} threads): passed {half_passes}/{trials} ({:.1} % failed)",
		(units / 2).max(1),
		100.0 * f64::from(trials - half_passes) / f64::from(trials)
	);
}
