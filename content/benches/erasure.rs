//! Erasure coding throughput at the default 4 + 2, to set beside `reed-solomon-simd`'s own
//! benchmark: encoding a 64 MiB content into six shards, decoding it from the four that are
//! left when two data shards are lost (the most work a reader does), and rebuilding one lost
//! parity shard (a repair).
//!
//! cargo bench -p nubes-content --bench erasure

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nubes_content::{erasure, Content, Erasure, Shard};

fn content() -> Content {
	let bytes: Vec<u8> =
		(0..64u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
	Content::from_files(vec![("data.bin".into(), bytes)]).expect("a content")
}

fn coding(c: &mut Criterion) {
	let content = content();
	let params = Erasure::default();
	let shards = erasure::encode(&content, params).expect("encoded");
	let mut group = c.benchmark_group("erasure 4+2, 64 MiB");
	group.throughput(Throughput::Bytes(content.size()));
	group.sample_size(10);
	group.bench_function("encode", |b| b.iter(|| erasure::encode(&content, params)));
	let without_two_data: Vec<&Shard> = shards.iter().skip(2).collect();
	group.bench_function("decode without two data shards", |b| {
		b.iter(|| erasure::decode(params, content.size(), &without_two_data))
	});
	let data_only: Vec<&Shard> = shards.iter().take(4).collect();
	group.bench_function("rebuild a parity shard", |b| {
		b.iter(|| erasure::rebuild(params, content.size(), 5, &data_only))
	});
	// The floor of making six shards: copying one and a half times the content into fresh
	// memory, as the shards are.
	group.bench_function("copy 1.5 x the content into fresh memory", |b| {
		b.iter(|| {
			let mut copy = Vec::with_capacity(content.bytes().len() * 3 / 2);
			copy.extend_from_slice(content.bytes());
			copy.extend_from_slice(&content.bytes()[..content.bytes().len() / 2]);
			copy
		})
	});
	// The coder alone on the same bytes, stripe by stripe, no copies: what the crate costs.
	let stripes: Vec<Vec<&[u8]>> = content
		.bytes()
		.chunks(nubes_content::CHUNK_BYTES * 4)
		.filter(|stripe| stripe.len() == nubes_content::CHUNK_BYTES * 4)
		.map(|stripe| stripe.chunks(nubes_content::CHUNK_BYTES).collect())
		.collect();
	let mut encoder =
		reed_solomon_simd::ReedSolomonEncoder::new(4, 2, nubes_content::CHUNK_BYTES).expect("4+2");
	group.bench_function("reed-solomon-simd alone: encode the same stripes", |b| {
		b.iter(|| {
			for stripe in &stripes {
				for chunk in stripe {
					encoder.add_original_shard(chunk).expect("a chunk");
				}
				encoder.encode().expect("encoded");
			}
		})
	});
	group.finish();
}

criterion_group!(benches, coding);
criterion_main!(benches);
