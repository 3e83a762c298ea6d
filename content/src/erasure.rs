//! Erasure coding: a content's chunks into `data + parity` shards, any `data` of which give the
//! content back; and the rebuilding of a lost shard from others, as a new holder does.

use crate::{Content, ContentError, CHUNK_BYTES};
use codec::{Decode, Encode};
use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// How a content is spread: `data` shards of its own chunks and `parity` shards that can stand
/// in for any `parity` lost ones.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Erasure {
	/// Shards holding the content's chunks.
	pub data: u8,
	/// Shards of parity.
	pub parity: u8,
}

impl Default for Erasure {
	/// Four data shards and two of parity: half again the content's size, and any two of six
	/// holders may be lost.
	fn default() -> Self {
		Self { data: 4, parity: 2 }
	}
}

impl Erasure {
	/// Shards in all.
	pub fn shards(&self) -> usize {
		usize::from(self.data) + usize::from(self.parity)
	}

	/// Checks the parameters: at least one data and one parity shard.
	pub fn check(&self) -> Result<(), ContentError> {
		let bad = ContentError::BadErasure { data: self.data, parity: self.parity };
		if self.data == 0 || self.parity == 0 || self.shards() > usize::from(u8::MAX) {
			return Err(bad);
		}
		if !ReedSolomonEncoder::supports(self.data.into(), self.parity.into()) {
			return Err(bad);
		}
		Ok(())
	}

	/// Stripes (and chunks per shard) of a content of `size` bytes.
	pub fn stripes(&self, size: u64) -> u32 {
		let chunks = size.div_ceil(CHUNK_BYTES as u64);
		chunks.div_ceil(u64::from(self.data.max(1))) as u32
	}
}

/// One shard: chunk `index` of every stripe, each [`CHUNK_BYTES`] long, back to back.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Shard {
	/// Its place: `0..data` for the content's own chunks, then parity.
	pub index: u8,
	bytes: Vec<u8>,
}

impl Shard {
	/// Shard `index` from its bytes (as a holder stores them): whole chunks only.
	pub fn from_bytes(index: u8, bytes: Vec<u8>) -> Result<Self, ContentError> {
		if !bytes.len().is_multiple_of(CHUNK_BYTES) {
			return Err(ContentError::BadShards("not whole chunks"));
		}
		Ok(Self { index, bytes })
	}

	/// Its bytes.
	pub fn bytes(&self) -> &[u8] {
		&self.bytes
	}

	/// Its chunks, one per stripe.
	pub fn chunks(&self) -> std::slice::Chunks<'_, u8> {
		self.bytes.chunks(CHUNK_BYTES)
	}

	/// Its chunk of stripe `stripe`.
	pub fn chunk(&self, stripe: usize) -> Option<&[u8]> {
		self.bytes.get(stripe * CHUNK_BYTES..(stripe + 1) * CHUNK_BYTES)
	}

	/// How many chunks it has.
	pub fn stripes(&self) -> usize {
		self.bytes.len() / CHUNK_BYTES
	}

	/// The root committing to its chunks: what its holder is challenged against.
	pub fn root(&self) -> [u8; 32] {
		let chunks: Vec<&[u8]> = self.chunks().collect();
		nubes_proofs::storage::commit(&chunks)
	}
}

fn coding(error: reed_solomon_simd::Error) -> ContentError {
	ContentError::Coding(error.to_string())
}

/// Splits `content` into `erasure.shards()` shards. Each chunk is copied once, into its shard;
/// only the last stripe's chunks past the content's end are padded with zeros.
pub fn encode(content: &Content, erasure: Erasure) -> Result<Vec<Shard>, ContentError> {
	erasure.check()?;
	let (data, parity) = (usize::from(erasure.data), usize::from(erasure.parity));
	let stripes = erasure.stripes(content.size()) as usize;
	let mut shards: Vec<Vec<u8>> =
		(0..erasure.shards()).map(|_| Vec::with_capacity(stripes * CHUNK_BYTES)).collect();
	let mut encoder = ReedSolomonEncoder::new(data, parity, CHUNK_BYTES).map_err(coding)?;
	let bytes = content.bytes();
	let mut pad = vec![0u8; CHUNK_BYTES];
	for stripe in 0..stripes {
		for (j, shard) in shards[..data].iter_mut().enumerate() {
			let start = ((stripe * data + j) * CHUNK_BYTES).min(bytes.len());
			let end = (start + CHUNK_BYTES).min(bytes.len());
			let chunk = if end - start == CHUNK_BYTES {
				&bytes[start..end]
			} else {
				pad.fill(0);
				pad[..end - start].copy_from_slice(&bytes[start..end]);
				&pad[..]
			};
			encoder.add_original_shard(chunk).map_err(coding)?;
			shard.extend_from_slice(chunk);
		}
		let result = encoder.encode().map_err(coding)?;
		for (shard, recovery) in shards[data..].iter_mut().zip(result.recovery_iter()) {
			shard.extend_from_slice(recovery);
		}
	}
	Ok(shards.into_iter().enumerate().map(|(i, bytes)| Shard { index: i as u8, bytes }).collect())
}

/// Checks that `shards` can stand together for `erasure` and a content of `size` bytes: known
/// and distinct indices, one whole chunk per stripe each, at least `data` of them.
fn check_shards(erasure: Erasure, size: u64, shards: &[&Shard]) -> Result<(), ContentError> {
	erasure.check()?;
	let stripes = erasure.stripes(size) as usize;
	let mut seen = vec![false; erasure.shards()];
	for shard in shards {
		let slot = seen
			.get_mut(usize::from(shard.index))
			.ok_or(ContentError::BadShards("an index past the shards"))?;
		if std::mem::replace(slot, true) {
			return Err(ContentError::BadShards("a shard given twice"));
		}
		if shard.bytes.len() != stripes * CHUNK_BYTES {
			return Err(ContentError::BadShards("not one whole chunk per stripe"));
		}
	}
	if shards.len() < usize::from(erasure.data) {
		return Err(ContentError::BadShards("fewer shards than data shards"));
	}
	Ok(())
}

/// Goes through the stripes, giving `emit` the chunk of each shard in `wanted` (stripe after
/// stripe, in `wanted`'s order), from any `data` of the `shards`: given chunks are passed on,
/// missing data chunks decoded, parity chunks encoded again from the data chunks.
fn restore(
	erasure: Erasure,
	size: u64,
	shards: &[&Shard],
	wanted: &[u8],
	mut emit: impl FnMut(&[u8]),
) -> Result<(), ContentError> {
	check_shards(erasure, size, shards)?;
	let (data, parity) = (usize::from(erasure.data), usize::from(erasure.parity));
	let mut given: Vec<Option<&Shard>> = vec![None; erasure.shards()];
	for shard in shards {
		given[usize::from(shard.index)] = Some(shard);
	}
	let missing_data = given[..data].iter().any(Option::is_none);
	let parity_wanted = wanted.iter().any(|&index| usize::from(index) >= data);
	let mut decoder = ReedSolomonDecoder::new(data, parity, CHUNK_BYTES).map_err(coding)?;
	let mut encoder = ReedSolomonEncoder::new(data, parity, CHUNK_BYTES).map_err(coding)?;
	let chunk_of = |index: usize, stripe: usize| given[index].and_then(|shard| shard.chunk(stripe));
	for stripe in 0..erasure.stripes(size) as usize {
		let decoded = if missing_data {
			for (index, shard) in given.iter().enumerate() {
				let Some(chunk) = shard.and_then(|shard| shard.chunk(stripe)) else { continue };
				if index < data {
					decoder.add_original_shard(index, chunk).map_err(coding)?;
				} else {
					decoder.add_recovery_shard(index - data, chunk).map_err(coding)?;
				}
			}
			Some(decoder.decode().map_err(coding)?)
		} else {
			None
		};
		let original = |j: usize| {
			chunk_of(j, stripe)
				.or_else(|| decoded.as_ref().and_then(|result| result.restored_original(j)))
				.ok_or(ContentError::BadShards("a chunk not restored"))
		};
		let encoded = if parity_wanted {
			for j in 0..data {
				encoder.add_original_shard(original(j)?).map_err(coding)?;
			}
			Some(encoder.encode().map_err(coding)?)
		} else {
			None
		};
		for &index in wanted {
			let index = usize::from(index);
			let chunk = if index < data {
				original(index)?
			} else {
				encoded
					.as_ref()
					.and_then(|result| result.recovery(index - data))
					.ok_or(ContentError::BadShards("a parity chunk not encoded"))?
			};
			emit(chunk);
		}
	}
	Ok(())
}

/// The content of `size` bytes, from any `erasure.data` of its shards; checked as a content
/// stream. Check each shard against its committed root before: this does not know the roots.
pub fn decode(erasure: Erasure, size: u64, shards: &[&Shard]) -> Result<Content, ContentError> {
	if size > crate::MAX_CONTENT_BYTES {
		return Err(ContentError::TooLarge(size));
	}
	let wanted: Vec<u8> = (0..erasure.data).collect();
	let stripes = erasure.stripes(size) as usize;
	let mut bytes = Vec::with_capacity(stripes * usize::from(erasure.data) * CHUNK_BYTES);
	restore(erasure, size, shards, &wanted, |chunk| bytes.extend_from_slice(chunk))?;
	bytes.truncate(size as usize);
	Content::parse(bytes)
}

/// Shard `wanted` of a content of `size` bytes, rebuilt from any `erasure.data` others: what a
/// new holder stores when it replaces one that left.
pub fn rebuild(
	erasure: Erasure,
	size: u64,
	wanted: u8,
	shards: &[&Shard],
) -> Result<Shard, ContentError> {
	if usize::from(wanted) >= erasure.shards() {
		return Err(ContentError::BadShards("an index past the shards"));
	}
	let mut bytes = Vec::with_capacity(erasure.stripes(size) as usize * CHUNK_BYTES);
	restore(erasure, size, shards, &[wanted], |chunk| bytes.extend_from_slice(chunk))?;
	Ok(Shard { index: wanted, bytes })
}

#[cfg(test)]
mod tests {
	use super::*;

	fn content(bytes: usize) -> Content {
		let data: Vec<u8> =
			(0..bytes as u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
		Content::from_files(vec![
			("site/data.bin".into(), data),
			("index.html".into(), b"hi".to_vec()),
		])
		.unwrap()
	}

	#[test]
	fn any_data_shards_give_the_content_back() {
		// Four and a half chunks: two stripes, the second mostly padding.
		let content = content(4 * CHUNK_BYTES + CHUNK_BYTES / 2);
		let erasure = Erasure::default();
		let shards = encode(&content, erasure).unwrap();
		assert_eq!(shards.len(), 6);
		assert!(shards.iter().all(|shard| shard.stripes() == 2));
		// Every choice of four of the six.
		for lost_a in 0..6 {
			for lost_b in lost_a + 1..6 {
				let kept: Vec<&Shard> =
					shards.iter().filter(|s| s.index != lost_a && s.index != lost_b).collect();
				let back = decode(erasure, content.size(), &kept).unwrap();
				assert_eq!(back, content, "lost {lost_a} and {lost_b}");
			}
		}
	}

	#[test]
	fn a_lost_shard_is_rebuilt_identical_from_any_others() {
		let content = content(3 * CHUNK_BYTES);
		let erasure = Erasure::default();
		let shards = encode(&content, erasure).unwrap();
		for wanted in 0..6u8 {
			let others: Vec<&Shard> =
				shards.iter().filter(|s| s.index != wanted).rev().take(4).collect();
			let rebuilt = rebuild(erasure, content.size(), wanted, &others).unwrap();
			assert_eq!(rebuilt, shards[usize::from(wanted)], "shard {wanted}");
			assert_eq!(rebuilt.root(), shards[usize::from(wanted)].root());
		}
	}

	#[test]
	fn shards_that_do_not_fit_are_refused() {
		let content = content(CHUNK_BYTES);
		let erasure = Erasure::default();
		let shards = encode(&content, erasure).unwrap();
		let three: Vec<&Shard> = shards.iter().take(3).collect();
		assert!(matches!(decode(erasure, content.size(), &three), Err(ContentError::BadShards(_))));
		let twice = vec![&shards[0], &shards[0], &shards[1], &shards[2]];
		assert!(matches!(decode(erasure, content.size(), &twice), Err(ContentError::BadShards(_))));
		let mut bytes = shards[5].bytes().to_vec();
		bytes.truncate(bytes.len() - CHUNK_BYTES);
		let short = Shard::from_bytes(5, bytes).unwrap();
		assert!(Shard::from_bytes(5, vec![0; CHUNK_BYTES + 1]).is_err());
		let with_short = vec![&shards[0], &shards[1], &shards[2], &short];
		assert!(matches!(
			decode(erasure, content.size(), &with_short),
			Err(ContentError::BadShards(_))
		));
		let mut stranger = shards[5].clone();
		stranger.index = 9;
		let with_stranger = vec![&shards[0], &shards[1], &shards[2], &stranger];
		assert!(decode(erasure, content.size(), &with_stranger).is_err());
		assert!(rebuild(erasure, content.size(), 6, &three).is_err());
		for bad in [
			Erasure { data: 0, parity: 2 },
			Erasure { data: 4, parity: 0 },
			Erasure { data: 200, parity: 60 },
		] {
			assert!(matches!(encode(&content, bad), Err(ContentError::BadErasure { .. })));
		}
		// A corrupted shard gives back another stream: the index or the root catches it (the
		// reader checks every shard against its root first).
		let mut bytes = shards[4].bytes().to_vec();
		bytes[7] ^= 1;
		let corrupt = Shard::from_bytes(4, bytes).unwrap();
		let with_corrupt = vec![&shards[1], &shards[2], &shards[3], &corrupt];
		match decode(erasure, content.size(), &with_corrupt) {
			Ok(back) => assert_ne!(back.root(), content.root()),
			Err(error) => assert!(matches!(
				error,
				ContentError::BadIndex | ContentError::IndexMismatch(_) | ContentError::NotContent
			)),
		}
	}
}
