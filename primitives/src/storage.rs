//! Stored content as the chain sees it: deal identifiers and the shape of a deal's shards, so
//! that the deals pallet, the content crate, the agent and the client size shards alike.

/// Identifies a storage deal.
pub type DealId = u64;

/// A content is cut into chunks of this many bytes (the last one zero-padded); a shard holds
/// one chunk of each stripe, and storage challenges open single chunks.
pub const CHUNK_BYTES: u64 = 256 * 1024;

/// Bytes in a GiB: storage capacity is sold in GiB.
pub const GIB: u64 = 1 << 30;

/// Chunks of a content of `size` bytes.
pub fn chunks_of(size: u64) -> u64 {
	size.div_ceil(CHUNK_BYTES)
}

/// Chunks in each shard of a content of `size` bytes spread over `data` data shards: one per
/// stripe, a stripe being `data` of the content's chunks. `None` when `data` is zero.
pub fn shard_chunks(size: u64, data: u8) -> Option<u64> {
	(data > 0).then(|| chunks_of(size).div_ceil(u64::from(data)))
}

/// Bytes in each shard: whole chunks.
pub fn shard_bytes(size: u64, data: u8) -> Option<u64> {
	shard_chunks(size, data)?.checked_mul(CHUNK_BYTES)
}

/// GiB of storage capacity a holder of one shard reserves (and is paid for): the shard's
/// bytes, rounded up to a whole GiB, at least one.
pub fn shard_gib(size: u64, data: u8) -> Option<u64> {
	Some(shard_bytes(size, data)?.div_ceil(GIB).max(1))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn shards_hold_whole_stripes() {
		// One byte still takes a chunk in every data shard's stripe.
		assert_eq!(shard_chunks(1, 4), Some(1));
		assert_eq!(shard_bytes(1, 4), Some(CHUNK_BYTES));
		// Four chunks and one byte: two stripes.
		assert_eq!(shard_chunks(4 * CHUNK_BYTES + 1, 4), Some(2));
		assert_eq!(shard_chunks(10, 0), None);
		assert_eq!(shard_gib(1, 4), Some(1));
		// 8 GiB over 4 data shards: 2 GiB each, exactly.
		assert_eq!(shard_gib(8 * GIB, 4), Some(2));
		assert_eq!(shard_gib(8 * GIB + 1, 4), Some(3));
		assert_eq!(shard_bytes(u64::MAX, 1), None);
	}
}
