//! Verifier time per answer and prover throughput per core.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nubes_proofs::{
	compute::{self, WorkInput},
	protocol::{Challenge, ComputeChallenge, StorageChallenge, PROTOCOL_VERSION},
	prover::{NoStorage, Prover},
	storage, verify,
};
use std::hint::black_box;

fn challenge(units: u32, difficulty: u8) -> Challenge {
	Challenge {
		version: PROTOCOL_VERSION,
		seed: [1; 32],
		provider: [2; 32],
		compute: ComputeChallenge { units, solutions_per_unit: 64, difficulty },
		storage: vec![],
		deadline_ms: 60_000,
	}
}

/// One puzzle hash on one core: the prover's unit of work.
fn prover_hash_rate(c: &mut Criterion) {
	let mut group = c.benchmark_group("prover");
	group.throughput(Throughput::Elements(1));
	let mut input = WorkInput::new(&[1; 32], &[2; 32], 0);
	let mut nonce = 0u64;
	group.bench_function("puzzle hash (one core)", |b| {
		b.iter(|| {
			nonce += 1;
			black_box(input.hash(nonce))
		})
	});
	// One unit of 64 solutions at difficulty 8: 16,384 hashes on average.
	let unit = ComputeChallenge { units: 1, solutions_per_unit: 64, difficulty: 8 };
	group.throughput(Throughput::Elements(64 << 8));
	group.bench_function("one unit, 64 solutions, difficulty 8", |b| {
		b.iter(|| compute::solve_unit(&[1; 32], &[2; 32], &unit, 0, || false))
	});
	group.finish();
}

/// The verifier's check of a whole answer (16 sampled nonces per unit).
fn verifier(c: &mut Criterion) {
	let mut group = c.benchmark_group("verifier");
	for units in [2u32, 16, 64] {
		// Verification does not depend on the difficulty: solve an easy one.
		let challenge = challenge(units, 4);
		let answer = Prover::new(2, units).answer(&challenge, &NoStorage, None).expect("solved");
		group.bench_with_input(BenchmarkId::new("compute answer, units", units), &units, |b, _| {
			b.iter(|| verify::verify(&challenge, &answer, 1, &[9; 32]).expect("valid"))
		});
	}
	let chunks: Vec<Vec<u8>> = (0..1024u32).map(|i| vec![i as u8; 4096]).collect();
	let probe = StorageChallenge {
		lease: 1,
		root: storage::commit(&chunks),
		chunks: 1024,
		indices: (0..16).map(|i| i * 61).collect(),
	};
	let answer = storage::answer(&probe, &chunks).expect("in range");
	group.bench_function("storage probe, 16 chunks of 4 KiB in 1024", |b| {
		b.iter(|| {
			storage::verify(std::slice::from_ref(&probe), std::slice::from_ref(&answer))
				.expect("valid")
		})
	});
	group.finish();
}

criterion_group!(benches, prover_hash_rate, verifier);
criterion_main!(benches);
