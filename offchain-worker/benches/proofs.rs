//! The verifier's time per answer and the prover's fill rate per core.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nubes_proofs::{
	capacity::{self, Fill},
	protocol::{CapacityChallenge, Challenge, StorageChallenge, PROTOCOL_VERSION},
	prover::{NoStorage, Prover},
	storage, verify,
};
use std::hint::black_box;

fn challenge(units: u32, blocks: u32) -> Challenge {
	Challenge {
		version: PROTOCOL_VERSION,
		seed: [1; 32],
		provider: [2; 32],
		capacity: CapacityChallenge { units, blocks, samples: 16 },
		storage: vec![],
		deadline_ms: 60_000,
	}
}

/// One block's compression, and one unit's fill of 8 MiB on one core: the prover's work.
fn prover(c: &mut Criterion) {
	let mut group = c.benchmark_group("prover");
	let x: capacity::Block = core::array::from_fn(|i| i as u64);
	let y: capacity::Block = core::array::from_fn(|i| !(i as u64));
	group.throughput(Throughput::Bytes(capacity::BLOCK_BYTES as u64));
	group.bench_function("compress one block", |b| {
		b.iter(|| capacity::compress(black_box(&x), &y, 7))
	});
	group.throughput(Throughput::Bytes(8 << 20));
	group.sample_size(10);
	group.bench_function("fill one unit of 8 MiB (one core)", |b| {
		b.iter(|| Fill::new(&[1; 32], &[2; 32], 0, 8 << 10, || false))
	});
	group.finish();
}

/// The verifier's check of a whole answer (16 openings), whatever the units and their size.
fn verifier(c: &mut Criterion) {
	let mut group = c.benchmark_group("verifier");
	for units in [2u32, 16, 64] {
		let challenge = challenge(units, 1 << 10);
		let proof = Prover::new(2, units).answer(&challenge, &NoStorage, None).expect("filled");
		let body = serde_json::to_vec(&proof.answer).expect("JSON");
		let opened = codec::Encode::encode(&proof.openings);
		group.bench_with_input(BenchmarkId::new("check, units", units), &units, |b, _| {
			b.iter(|| {
				verify::verify(&challenge, &proof.answer, 1).expect("valid");
				verify::verify_openings(&challenge, &proof.answer, &proof.openings).expect("valid")
			})
		});
		group.bench_with_input(
			BenchmarkId::new("parse and check, units", units),
			&units,
			|b, _| {
				b.iter(|| {
					let answer = verify::check_response(&challenge, 200, &body, 1).expect("valid");
					verify::check_openings(&challenge, &answer, 200, &opened).expect("valid")
				})
			},
		);
	}
	// One probe of a shard of 1,024 chunks: unseal the sealed chunk and walk its path.
	let chunks: Vec<Vec<u8>> = (0..1024u32).map(|i| vec![i as u8; 256 * 1024]).collect();
	let probe = StorageChallenge {
		lease: 1,
		root: storage::commit(&chunks),
		chunks: 1024,
		chunk: 611,
		window: 1_000,
	};
	let provider = [4; 32];
	let mut sealed = storage::prove_chunk(&chunks, probe.chunk).expect("in range");
	let key = nubes_proofs::seal::seal_key(&provider, &probe.root, probe.chunk);
	nubes_proofs::seal::seal(&key, nubes_proofs::seal::SEAL_ROUNDS, &mut sealed.data)
		.expect("whole chunk");
	let window = storage::answer(&probe, &sealed.data).expect("in range");
	group.sample_size(20);
	group.bench_function("storage probe, one sealed 256 KiB chunk of 1024", |b| {
		b.iter(|| {
			storage::verify_sealed(
				&provider,
				std::slice::from_ref(&probe),
				std::slice::from_ref(&window),
				std::slice::from_ref(&sealed),
			)
			.expect("valid")
		})
	});
	group.finish();
}

/// Sealing and unsealing one 256 KiB chunk: the holder's cost once per chunk it keeps, and the
/// verifier's per chunk it checks. Their ratio is the margin the lazy-holder bound rests on.
fn sealing(c: &mut Criterion) {
	use nubes_proofs::seal::{seal, seal_key, unseal, SEAL_ROUNDS};
	let mut group = c.benchmark_group("seal");
	let key = seal_key(&[1; 32], &[2; 32], 0);
	let chunk: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
	group.throughput(Throughput::Bytes(chunk.len() as u64));
	group.sample_size(10);
	group.bench_function(format!("seal a 256 KiB chunk, {SEAL_ROUNDS} rounds"), |b| {
		b.iter(|| {
			let mut data = chunk.clone();
			seal(&key, SEAL_ROUNDS, &mut data).unwrap();
			data
		})
	});
	let mut sealed = chunk.clone();
	seal(&key, SEAL_ROUNDS, &mut sealed).unwrap();
	group.bench_function(format!("unseal a 256 KiB chunk, {SEAL_ROUNDS} rounds"), |b| {
		b.iter(|| {
			let mut data = sealed.clone();
			unseal(&key, SEAL_ROUNDS, &mut data).unwrap();
			data
		})
	});
	group.finish();
}

criterion_group!(benches, prover, verifier, sealing);
criterion_main!(benches);
