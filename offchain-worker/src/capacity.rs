//! The capacity puzzle: per idle core, a memory fill only a machine holding that memory can
//! produce in time, committed by a Merkle root and opened where the roots say.
//!
//! A unit is one core and its share of memory. Its fill is `blocks` blocks of 1 KiB: blocks 0 and
//! 1 are expanded from the challenge's seed, the provider and the unit's number ([`UnitKey`]),
//! and each later block `i` compresses, at position `i`, its predecessor with two earlier blocks
//! chosen by the predecessor's first words ([`references`]), never the predecessor itself, and
//! is XORed with block 0 so that no block of one challenge's fill serves another's. The chain is
//! sequential (one core per unit) and every block reads two unpredictable earlier ones, so a
//! machine that does not hold the whole fill must recompute missing blocks, each of which needs
//! two others in turn: with half the blocks kept, a missing block needs on average one missing
//! block more, and the recomputation of a read grows without bound as the fill does. The prover commits to each unit's fill with a Merkle root over the blocks'
//! blake2-256 hashes, then opens `samples` blocks at positions drawn from the hash of every root
//! ([`openings`]): for each, the predecessor and the referenced blocks with their paths, and the
//! path of the block itself, which the verifier recomputes. So the verifier does a few hashes
//! and two compressions per opening, whatever the fill's size, while a prover whose fill is
//! wrong at a fraction `f` of its blocks passes `samples` openings with probability
//! `(1 - f)^samples`, and a prover that skipped the fill cannot answer at all: the positions are
//! only known once the roots are.

use crate::protocol::CapacityChallenge;
use alloc::{vec, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Bytes in a block.
pub const BLOCK_BYTES: usize = 1024;
/// 64-bit words in a block.
pub const BLOCK_WORDS: usize = BLOCK_BYTES / 8;
/// Domain tag of the unit key's expansion.
pub const KEY_DOMAIN: &[u8; 16] = b"nubes/capacity/1";
/// Domain tag of the opening positions.
pub const OPENING_DOMAIN: &[u8; 16] = b"nubes/openings/1";

/// One block of a fill.
pub type Block = [u64; BLOCK_WORDS];

/// The block-mixing of one blake2b round with multiplications (BlaMka), as in Argon2: cheap in
/// wasm, and every output bit depends on every input bit after a row and a column pass.
#[inline(always)]
fn mix(v: &mut Block, a: usize, b: usize, c: usize, d: usize) {
	#[inline(always)]
	fn f(x: u64, y: u64) -> u64 {
		let product = (x & 0xffff_ffff).wrapping_mul(y & 0xffff_ffff);
		x.wrapping_add(y).wrapping_add(product.wrapping_mul(2))
	}
	v[a] = f(v[a], v[b]);
	v[d] = (v[d] ^ v[a]).rotate_right(32);
	v[c] = f(v[c], v[d]);
	v[b] = (v[b] ^ v[c]).rotate_right(24);
	v[a] = f(v[a], v[b]);
	v[d] = (v[d] ^ v[a]).rotate_right(16);
	v[c] = f(v[c], v[d]);
	v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// One round over the 16 words at `at`.
#[inline(always)]
fn round(v: &mut Block, at: [usize; 16]) {
	mix(v, at[0], at[4], at[8], at[12]);
	mix(v, at[1], at[5], at[9], at[13]);
	mix(v, at[2], at[6], at[10], at[14]);
	mix(v, at[3], at[7], at[11], at[15]);
	mix(v, at[0], at[5], at[10], at[15]);
	mix(v, at[1], at[6], at[11], at[12]);
	mix(v, at[2], at[7], at[8], at[13]);
	mix(v, at[3], at[4], at[9], at[14]);
}

/// The compression of two blocks at a position: their XOR `r` with `tweak` in its first word,
/// permuted by rows then by columns (the block as an 8 × 8 matrix of 16-byte cells), XORed with
/// `r` again. The tweak keeps equal inputs at different positions apart: without it a fill of
/// one constant block would satisfy every step.
pub fn compress(x: &Block, y: &Block, tweak: u64) -> Block {
	let mut r = [0u64; BLOCK_WORDS];
	for (out, (a, b)) in r.iter_mut().zip(x.iter().zip(y)) {
		*out = a ^ b;
	}
	r[0] ^= tweak;
	let mut z = r;
	for row in 0..8 {
		let base = row * 16;
		round(&mut z, core::array::from_fn(|k| base + k));
	}
	for column in 0..8 {
		let base = column * 2;
		round(&mut z, core::array::from_fn(|k| base + (k / 2) * 16 + (k % 2)));
	}
	for (out, old) in z.iter_mut().zip(&r) {
		*out ^= old;
	}
	z
}

/// The first two blocks of a unit's fill, expanded from the challenge's seed, the provider and
/// the unit's number: they bind every later block to this challenge, provider and unit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnitKey {
	/// Block 0, also XORed into every block from 2 on.
	pub first: Block,
	/// Block 1.
	pub second: Block,
}

impl UnitKey {
	/// The key of `unit` of a challenge with `seed` to `provider`.
	pub fn new(seed: &[u8; 32], provider: &[u8; 32], unit: u32) -> Self {
		Self { first: expand(seed, provider, unit, 0), second: expand(seed, provider, unit, 1) }
	}

	/// Block `index` if it is one of the two the key fixes.
	pub fn fixed(&self, index: u32) -> Option<&Block> {
		match index {
			0 => Some(&self.first),
			1 => Some(&self.second),
			_ => None,
		}
	}
}

/// A block of blake2-512 output over the domain, seed, provider, unit and `tag`.
fn expand(seed: &[u8; 32], provider: &[u8; 32], unit: u32, tag: u8) -> Block {
	let mut input = [0u8; 16 + 32 + 32 + 4 + 2];
	input[..16].copy_from_slice(KEY_DOMAIN);
	input[16..48].copy_from_slice(seed);
	input[48..80].copy_from_slice(provider);
	input[80..84].copy_from_slice(&unit.to_le_bytes());
	input[84] = tag;
	let mut block = [0u64; BLOCK_WORDS];
	for (part, words) in block.chunks_mut(8).enumerate() {
		input[85] = part as u8;
		let hash = crate::hashing::blake2_512(&input);
		for (word, bytes) in words.iter_mut().zip(hash.chunks_exact(8)) {
			*word = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
		}
	}
	block
}

/// Earlier blocks each block reads besides its predecessor.
pub const REFERENCES: usize = 2;

/// The earlier blocks that block `index` (at least 2) reads: picked by its predecessor's first
/// words, each uniformly among blocks `0..index - 1` (never the predecessor: compressing a block
/// with itself would cancel it).
pub fn references(previous: &Block, index: u32) -> [u32; REFERENCES] {
	let below = u64::from(index.saturating_sub(1).max(1));
	core::array::from_fn(|k| (previous[k] % below) as u32)
}

/// Block `index` (at least 2) from its predecessor and the blocks it references.
pub fn next_block(
	key: &UnitKey,
	index: u32,
	previous: &Block,
	referenced: [&Block; REFERENCES],
) -> Block {
	let mut block = *previous;
	for (k, other) in (0u64..).zip(referenced) {
		block = compress(&block, other, (u64::from(index) << 8) | k);
	}
	for (word, key) in block.iter_mut().zip(&key.first) {
		*word ^= key;
	}
	block
}

/// A block's bytes, little-endian words.
pub fn block_bytes(block: &Block) -> [u8; BLOCK_BYTES] {
	let mut bytes = [0u8; BLOCK_BYTES];
	for (out, word) in bytes.chunks_exact_mut(8).zip(block) {
		out.copy_from_slice(&word.to_le_bytes());
	}
	bytes
}

/// A block from its bytes; `None` unless there are exactly [`BLOCK_BYTES`].
pub fn block_from_bytes(bytes: &[u8]) -> Option<Block> {
	if bytes.len() != BLOCK_BYTES {
		return None;
	}
	let mut block = [0u64; BLOCK_WORDS];
	for (word, chunk) in block.iter_mut().zip(bytes.chunks_exact(8)) {
		*word = u64::from_le_bytes(chunk.try_into().ok()?);
	}
	Some(block)
}

/// A block's leaf in its unit's Merkle tree.
pub fn leaf(block: &Block) -> [u8; 32] {
	crate::hashing::blake2_256(&block_bytes(block))
}

/// An inner node of the tree.
pub fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
	let mut both = [0u8; 64];
	both[..32].copy_from_slice(left);
	both[32..].copy_from_slice(right);
	crate::hashing::blake2_256(&both)
}

/// The root a leaf's `path` leads to from position `index`.
pub fn root_from_path(mut hash: [u8; 32], mut index: u32, path: &[[u8; 32]]) -> [u8; 32] {
	for sibling in path {
		hash = if index & 1 == 0 { node(&hash, sibling) } else { node(sibling, &hash) };
		index >>= 1;
	}
	hash
}

/// Where the verifier opens the fills: `samples` (unit, block) pairs drawn from the seed and
/// every unit's root, each block at least 2 (so it is computed, not expanded).
pub fn openings(seed: &[u8; 32], roots: &[[u8; 32]], blocks: u32, samples: u32) -> Vec<(u32, u32)> {
	let units = roots.len() as u64;
	if units == 0 || blocks < 3 {
		return Vec::new();
	}
	let mut transcript = Vec::with_capacity(48 + roots.len() * 32);
	transcript.extend_from_slice(OPENING_DOMAIN);
	transcript.extend_from_slice(seed);
	for root in roots {
		transcript.extend_from_slice(root);
	}
	let digest = crate::hashing::blake2_256(&transcript);
	(0..samples)
		.map(|k| {
			let mut input = [0u8; 36];
			input[..32].copy_from_slice(&digest);
			input[32..].copy_from_slice(&k.to_le_bytes());
			let hash = crate::hashing::blake2_256(&input);
			let a = u64::from_le_bytes(hash[..8].try_into().unwrap_or_default());
			let b = u64::from_le_bytes(hash[8..16].try_into().unwrap_or_default());
			((a % units) as u32, 2 + (b % u64::from(blocks - 2)) as u32)
		})
		.collect()
}

/// A block with its Merkle path.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct OpenedBlock {
	/// The block's bytes.
	pub block: Vec<u8>,
	/// Its Merkle path, from the leaf up.
	pub path: Vec<[u8; 32]>,
}

/// One opening: what the verifier needs to recompute block `index` of a unit and check it, its
/// predecessor and the blocks it references against the unit's root.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Opening {
	/// Block `index - 1`.
	pub previous: OpenedBlock,
	/// The blocks `index` references, in [`references`] order.
	pub referenced: Vec<OpenedBlock>,
	/// Block `index`'s Merkle path (the verifier recomputes the block).
	pub path: Vec<[u8; 32]>,
}

/// The fills' roots and the openings they draw, as the prover makes them (sent in two parts:
/// the roots in the timed answer, the openings after).
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct CapacityAnswer {
	/// Each unit's root, in unit order.
	pub roots: Vec<[u8; 32]>,
	/// One opening per sample, in the order [`openings`] draws them.
	pub openings: Vec<Opening>,
}

/// Why a capacity answer fails.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum CapacityFailure {
	/// Not one root per unit.
	WrongUnitCount,
	/// Not one opening per sample.
	WrongOpeningCount,
	/// An opened block is not [`BLOCK_BYTES`] long, a path not as deep as the tree, or not one
	/// block per reference.
	Malformed {
		/// The opening.
		sample: u32,
	},
	/// An opened block does not lead to its unit's root, or the recomputed block does not:
	/// the fill is not the one the challenge asked for.
	WrongBlock {
		/// The opening.
		sample: u32,
	},
}

/// Every level of the Merkle tree over `leaves` (a power of two of them), from the leaves up to
/// the root alone.
pub fn tree_levels(leaves: Vec<[u8; 32]>) -> Vec<Vec<[u8; 32]>> {
	let mut levels = vec![leaves];
	while let Some(level) = levels.last().filter(|level| level.len() > 1) {
		let up = level.chunks(2).map(|pair| node(&pair[0], &pair[pair.len() - 1])).collect();
		levels.push(up);
	}
	levels
}

/// The Merkle path of leaf `index` in a tree given by its [`tree_levels`].
pub fn path_in(levels: &[Vec<[u8; 32]>], index: u32) -> Vec<[u8; 32]> {
	let mut at = index as usize;
	let below_root = levels.len().saturating_sub(1);
	levels[..below_root]
		.iter()
		.map(|level| {
			let sibling = level.get(at ^ 1).copied().unwrap_or_default();
			at >>= 1;
			sibling
		})
		.collect()
}

/// A unit's fill with its Merkle tree, as the prover keeps it until the openings are known.
pub struct Fill {
	blocks: Vec<Block>,
	/// Level 0 is the leaves; the last level holds the root alone.
	levels: Vec<Vec<[u8; 32]>>,
}

impl Fill {
	/// Fills `blocks` blocks (a power of two, at least 4) for `unit`, checking `stop` every few
	/// thousand blocks; `None` if stopped.
	pub fn new(
		seed: &[u8; 32],
		provider: &[u8; 32],
		unit: u32,
		blocks: u32,
		stop: impl Fn() -> bool,
	) -> Option<Self> {
		let key = UnitKey::new(seed, provider, unit);
		let count = blocks.max(4) as usize;
		let mut fill: Vec<Block> = Vec::with_capacity(count);
		let mut leaves = Vec::with_capacity(count);
		for fixed in [&key.first, &key.second] {
			fill.push(*fixed);
			leaves.push(leaf(fixed));
		}
		for index in 2..count as u32 {
			if index.is_multiple_of(4096) && stop() {
				return None;
			}
			let previous = &fill[index as usize - 1];
			let referenced = references(previous, index).map(|at| &fill[at as usize]);
			let block = next_block(&key, index, previous, referenced);
			leaves.push(leaf(&block));
			fill.push(block);
		}
		Some(Self { blocks: fill, levels: tree_levels(leaves) })
	}

	/// The fill's root.
	pub fn root(&self) -> [u8; 32] {
		self.levels.last().and_then(|level| level.first()).copied().unwrap_or_default()
	}

	/// The Merkle path of block `index`.
	pub fn path(&self, index: u32) -> Vec<[u8; 32]> {
		path_in(&self.levels, index)
	}

	/// Block `index`.
	pub fn block(&self, index: u32) -> Option<&Block> {
		self.blocks.get(index as usize)
	}

	/// The opening of block `index` (at least 2).
	pub fn open(&self, index: u32) -> Option<Opening> {
		if index < 2 {
			return None;
		}
		let opened = |at: u32| {
			Some(OpenedBlock { block: block_bytes(self.block(at)?).to_vec(), path: self.path(at) })
		};
		let previous = self.block(index - 1)?;
		Some(Opening {
			previous: opened(index - 1)?,
			referenced: references(previous, index)
				.into_iter()
				.map(opened)
				.collect::<Option<Vec<_>>>()?,
			path: self.path(index),
		})
	}
}

/// The answer of units whose fills are `fills`, in unit order.
pub fn answer(seed: &[u8; 32], fills: &[Fill], blocks: u32, samples: u32) -> CapacityAnswer {
	let roots: Vec<[u8; 32]> = fills.iter().map(Fill::root).collect();
	let openings = openings(seed, &roots, blocks, samples)
		.into_iter()
		.filter_map(|(unit, index)| fills.get(unit as usize)?.open(index))
		.collect();
	CapacityAnswer { roots, openings }
}

/// Depth of the tree over `blocks` blocks.
pub fn depth(blocks: u32) -> usize {
	blocks.max(2).next_power_of_two().trailing_zeros() as usize
}

/// Checks a capacity answer, its `roots` and its `openings`: one root per unit, and every
/// opening drawn from the roots recomputes to a block under its unit's root, from a predecessor
/// and referenced blocks that are under it too. Cost: per opening, two compressions and
/// `4 × (depth + 1)` hashes.
pub fn verify(
	seed: &[u8; 32],
	provider: &[u8; 32],
	challenge: &CapacityChallenge,
	roots: &[[u8; 32]],
	openings: &[Opening],
) -> Result<(), CapacityFailure> {
	if roots.len() != challenge.units as usize {
		return Err(CapacityFailure::WrongUnitCount);
	}
	let positions = self::openings(seed, roots, challenge.blocks, challenge.samples);
	if openings.len() != positions.len() {
		return Err(CapacityFailure::WrongOpeningCount);
	}
	let depth = depth(challenge.blocks);
	let mut key_of: Option<(u32, UnitKey)> = None;
	for (sample, ((unit, index), opening)) in (0u32..).zip(positions.into_iter().zip(openings)) {
		let malformed = CapacityFailure::Malformed { sample };
		let wrong = CapacityFailure::WrongBlock { sample };
		let read = |opened: &OpenedBlock| {
			(opened.path.len() == depth).then(|| block_from_bytes(&opened.block)).flatten()
		};
		let previous = read(&opening.previous).ok_or(malformed)?;
		if opening.referenced.len() != REFERENCES || opening.path.len() != depth {
			return Err(malformed);
		}
		let mut referenced = [[0u64; BLOCK_WORDS]; REFERENCES];
		for (block, opened) in referenced.iter_mut().zip(&opening.referenced) {
			*block = read(opened).ok_or(malformed)?;
		}
		if key_of.as_ref().is_none_or(|(cached, _)| *cached != unit) {
			key_of = Some((unit, UnitKey::new(seed, provider, unit)));
		}
		let Some((_, key)) = key_of.as_ref() else { return Err(wrong) };
		let root = roots[unit as usize];
		let under_root = |block: &Block, index: u32, path: &[[u8; 32]]| {
			root_from_path(leaf(block), index, path) == root
				&& key.fixed(index).is_none_or(|fixed| fixed == block)
		};
		// Blocks 0 and 1 are the key's; any other block is checked through the chain.
		if !under_root(&previous, index - 1, &opening.previous.path) {
			return Err(wrong);
		}
		let at = references(&previous, index);
		for ((block, at), opened) in referenced.iter().zip(at).zip(&opening.referenced) {
			if !under_root(block, at, &opened.path) {
				return Err(wrong);
			}
		}
		let block = next_block(key, index, &previous, core::array::from_fn(|k| &referenced[k]));
		if !under_root(&block, index, &opening.path) {
			return Err(wrong);
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	const SEED: [u8; 32] = [7; 32];
	const PROVIDER: [u8; 32] = [9; 32];
	const CHALLENGE: CapacityChallenge = CapacityChallenge { units: 3, blocks: 256, samples: 16 };

	fn fills(seed: &[u8; 32], provider: &[u8; 32]) -> Vec<Fill> {
		(0..CHALLENGE.units)
			.map(|unit| Fill::new(seed, provider, unit, CHALLENGE.blocks, || false).unwrap())
			.collect()
	}

	fn honest() -> CapacityAnswer {
		answer(&SEED, &fills(&SEED, &PROVIDER), CHALLENGE.blocks, CHALLENGE.samples)
	}

	#[test]
	fn compression_depends_on_every_word_of_both_blocks() {
		let x: Block = core::array::from_fn(|i| i as u64 * 0x9e37_79b9);
		let y: Block = core::array::from_fn(|i| !(i as u64));
		let base = compress(&x, &y, 0);
		// Equal inputs cancel (hence no block references its predecessor); the tweak stays.
		assert_eq!(compress(&x, &x, 5), compress(&y, &y, 5));
		assert_ne!(compress(&x, &x, 5), compress(&x, &x, 6));
		for word in [0, 1, 17, 64, 127] {
			let mut x2 = x;
			x2[word] ^= 1;
			let mut y2 = y;
			y2[word] ^= 1 << 40;
			let (a, b) = (compress(&x2, &y, 0), compress(&x, &y2, 0));
			// A one-bit change reaches (nearly) every output word.
			assert!(a.iter().zip(&base).filter(|(p, q)| p != q).count() > 120, "x word {word}");
			assert!(b.iter().zip(&base).filter(|(p, q)| p != q).count() > 120, "y word {word}");
		}
	}

	#[test]
	fn an_honest_fill_verifies() {
		let answer = honest();
		assert_eq!(verify(&SEED, &PROVIDER, &CHALLENGE, &answer.roots, &answer.openings), Ok(()));
		assert_eq!(answer.openings.len(), 16);
	}

	#[test]
	fn a_fill_is_bound_to_its_seed_provider_and_unit() {
		// Another provider's fill (or another challenge's) answers nothing here.
		let theirs = answer(&SEED, &fills(&SEED, &[8; 32]), CHALLENGE.blocks, CHALLENGE.samples);
		assert!(verify(&SEED, &PROVIDER, &CHALLENGE, &theirs.roots, &theirs.openings).is_err());
		let old = answer(&SEED, &fills(&[6; 32], &PROVIDER), CHALLENGE.blocks, CHALLENGE.samples);
		assert!(verify(&SEED, &PROVIDER, &CHALLENGE, &old.roots, &old.openings).is_err());
		// Units swapped: each unit's blocks are keyed by its number.
		let mut swapped = fills(&SEED, &PROVIDER);
		swapped.swap(0, 1);
		let swapped = answer(&SEED, &swapped, CHALLENGE.blocks, CHALLENGE.samples);
		assert!(verify(&SEED, &PROVIDER, &CHALLENGE, &swapped.roots, &swapped.openings).is_err());
	}

	#[test]
	fn malformed_answers_fail_with_their_reason() {
		let good = honest();
		let mut short = good.clone();
		short.roots.pop();
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &short.roots, &short.openings),
			Err(CapacityFailure::WrongUnitCount)
		);
		let mut fewer = good.clone();
		fewer.openings.pop();
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &fewer.roots, &fewer.openings),
			Err(CapacityFailure::WrongOpeningCount)
		);
		let mut cut = good.clone();
		cut.openings[3].previous.block.pop();
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &cut.roots, &cut.openings),
			Err(CapacityFailure::Malformed { sample: 3 })
		);
		let mut shallow = good.clone();
		shallow.openings[5].path.pop();
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &shallow.roots, &shallow.openings),
			Err(CapacityFailure::Malformed { sample: 5 })
		);
		let mut flipped = good;
		flipped.openings[7].referenced[1].block[100] ^= 1;
		assert_eq!(
			verify(&SEED, &PROVIDER, &CHALLENGE, &flipped.roots, &flipped.openings),
			Err(CapacityFailure::WrongBlock { sample: 7 })
		);
	}

	/// A fill that skipped a reference of a fraction of its blocks (reading the predecessor
	/// instead, so less of what is earlier needs keeping) and committed to what it computed.
	fn skipping_fill(seed: &[u8; 32], unit: u32, blocks: u32, skip_every: u32) -> Fill {
		let key = UnitKey::new(seed, &PROVIDER, unit);
		let mut fill = vec![key.first, key.second];
		for index in 2..blocks {
			let previous = &fill[index as usize - 1];
			let mut referenced = references(previous, index).map(|at| &fill[at as usize]);
			if index.is_multiple_of(skip_every) {
				referenced[0] = previous;
			}
			fill.push(next_block(&key, index, previous, referenced));
		}
		let levels = tree_levels(fill.iter().map(leaf).collect());
		Fill { blocks: fill, levels }
	}

	#[test]
	fn a_fill_that_cut_no_corner_is_the_honest_one() {
		let fill = skipping_fill(&SEED, 0, 256, u32::MAX);
		let honest = Fill::new(&SEED, &PROVIDER, 0, 256, || false).unwrap();
		assert_eq!(fill.root(), honest.root());
		// Blocks are all distinct: no constant or short cycle in the chain.
		let mut blocks: Vec<Block> = (0..256).map(|i| *honest.block(i).unwrap()).collect();
		blocks.sort();
		blocks.dedup();
		assert_eq!(blocks.len(), 256);
	}

	#[test]
	fn a_fill_that_cut_corners_is_caught_by_the_openings() {
		// Every other reference skipped: 16 openings all miss the skipped blocks with
		// probability 2^-16; over 50 seeds none may pass.
		for s in 0..50u8 {
			let seed = [s; 32];
			let cheat: Vec<Fill> = (0..CHALLENGE.units)
				.map(|unit| skipping_fill(&seed, unit, CHALLENGE.blocks, 2))
				.collect();
			let answer = answer(&seed, &cheat, CHALLENGE.blocks, CHALLENGE.samples);
			assert!(
				verify(&seed, &PROVIDER, &CHALLENGE, &answer.roots, &answer.openings).is_err(),
				"seed {s}"
			);
		}
	}

	#[test]
	fn openings_are_spread_over_units_and_blocks() {
		let roots: Vec<[u8; 32]> = (0..4u8).map(|i| [i; 32]).collect();
		let picks = openings(&SEED, &roots, 1024, 4096);
		for unit in 0..4 {
			let share = picks.iter().filter(|(u, _)| *u == unit).count();
			assert!((850..1200).contains(&share), "unit {unit}: {share}");
		}
		assert!(picks.iter().all(|&(_, index)| (2..1024).contains(&index)));
		// Another root, other positions.
		let mut moved = roots.clone();
		moved[2][0] ^= 1;
		assert_ne!(openings(&SEED, &moved, 1024, 64), openings(&SEED, &roots, 1024, 64));
	}

	#[test]
	fn stopping_abandons_the_fill() {
		assert!(Fill::new(&SEED, &PROVIDER, 0, 8192, || true).is_none());
	}
}
