//! The shards this provider holds for storage deals, each in `{data_dir}/shards/0x{root}/`:
//! `sealed`, its chunks sealed under this provider's key ([`nubes_proofs::seal`]), back to
//! back; and `leaves`, the blake2-256 hash of each plain chunk, from which any chunk's Merkle
//! path is rebuilt. A shard is taken only whole and only if its chunks hash to its root; it is
//! sealed on every core before it is kept, so a probe is answered by reading one chunk, and a
//! read unseals one chunk. What the shards take is counted against a quota.

use nubes_proofs::{
	protocol::{ChunkProof, StorageChallenge, MAX_CHUNK_BYTES},
	prover::ChunkSource,
	seal::{seal, seal_key, unseal, SEAL_ROUNDS},
	storage,
};
use std::{
	fs,
	io::{Read, Seek, SeekFrom},
	path::{Path, PathBuf},
	sync::Mutex,
};

/// Why a shard cannot be taken or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
	/// The bytes are not whole chunks, or none.
	#[error("a shard is one or more whole chunks of {MAX_CHUNK_BYTES} bytes")]
	NotWholeChunks,
	/// The chunks do not hash to the root the lease is bound to.
	#[error("the chunks' Merkle root is 0x{found}, not the lease's 0x{expected}")]
	WrongRoot {
		/// The lease's root.
		expected: String,
		/// The bytes' root.
		found: String,
	},
	/// Keeping it would pass the storage this provider sells.
	#[error("no room: {needed} bytes needed, {free} free of the storage quota")]
	NoRoom {
		/// Bytes the shard needs.
		needed: u64,
		/// Bytes left.
		free: u64,
	},
	/// This provider does not hold that shard, or not that chunk of it.
	#[error("no such shard or chunk here")]
	Missing,
	/// The same shard is being sealed already (an upload and a rebuild met): that one keeps it.
	#[error("the shard is being sealed already")]
	Busy,
	/// The disk failed.
	#[error("shard store: {0}")]
	Io(String),
}

fn io(e: impl std::fmt::Display) -> ShardError {
	ShardError::Io(e.to_string())
}

/// The shards this provider holds.
pub struct Shards {
	dir: PathBuf,
	provider: [u8; 32],
	quota: u64,
	used: Mutex<u64>,
	/// Roots being sealed now.
	sealing: Mutex<std::collections::HashSet<[u8; 32]>>,
	/// The shard each paying lease keeps (from the `leases` files), so that the close of a
	/// lease that pays for none costs no disk read.
	bound: Mutex<std::collections::HashMap<u64, [u8; 32]>>,
}

impl Shards {
	/// Opens the shard store under `data_dir` for the provider whose account bytes are
	/// `provider`, allowing `quota` bytes; counts what is kept already.
	pub fn open(data_dir: &Path, provider: [u8; 32], quota: u64) -> Result<Self, ShardError> {
		let dir = data_dir.join("shards");
		fs::create_dir_all(&dir).map_err(io)?;
		let mut used = 0u64;
		let mut bound = std::collections::HashMap::new();
		for entry in fs::read_dir(&dir).map_err(io)? {
			let shard = entry.map_err(io)?.path();
			if let Ok(meta) = fs::metadata(shard.join("sealed")) {
				used = used.saturating_add(meta.len());
			}
			if let Some(root) = Self::root_of_dir(&shard) {
				for lease in Self::leases_in(&shard.join("leases")) {
					bound.insert(lease, root);
				}
			}
		}
		Ok(Self {
			dir,
			provider,
			quota,
			used: Mutex::new(used),
			sealing: Mutex::default(),
			bound: Mutex::new(bound),
		})
	}

	/// The root a shard directory (`0x{root}`) is named for.
	fn root_of_dir(dir: &Path) -> Option<[u8; 32]> {
		dir.file_name()
			.and_then(|name| name.to_str())
			.and_then(|name| name.strip_prefix("0x"))
			.and_then(|digits| hex::decode(digits).ok())
			.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
	}

	fn shard_dir(&self, root: &[u8; 32]) -> PathBuf {
		self.dir.join(format!("0x{}", hex::encode(root)))
	}

	/// Whether the shard with `root` is kept here.
	pub fn has(&self, root: &[u8; 32]) -> bool {
		self.shard_dir(root).join("leaves").is_file()
	}

	/// Bytes kept, and the quota.
	pub fn usage(&self) -> (u64, u64) {
		(self.used.lock().map(|used| *used).unwrap_or(self.quota), self.quota)
	}

	/// Checks that `bytes` are whole chunks whose Merkle root is `root`; returns how many.
	pub fn check(root: &[u8; 32], bytes: &[u8]) -> Result<usize, ShardError> {
		if bytes.is_empty() || !bytes.len().is_multiple_of(MAX_CHUNK_BYTES) {
			return Err(ShardError::NotWholeChunks);
		}
		let chunks: Vec<&[u8]> = bytes.chunks(MAX_CHUNK_BYTES).collect();
		let found = storage::commit(&chunks);
		if &found != root {
			return Err(ShardError::WrongRoot {
				expected: hex::encode(root),
				found: hex::encode(found),
			});
		}
		Ok(chunks.len())
	}

	/// Takes the shard whose chunks are `bytes` and whose root must be `root`: checks it, seals
	/// its chunks on `threads` threads and keeps it. Taking a shard already kept does nothing.
	pub fn put(&self, root: &[u8; 32], bytes: &[u8], threads: usize) -> Result<(), ShardError> {
		Self::check(root, bytes)?;
		self.keep(root, bytes, threads)
	}

	/// [`Shards::put`] of bytes [`Shards::check`] already passed: seals and keeps them without
	/// hashing them again.
	pub fn keep(&self, root: &[u8; 32], bytes: &[u8], threads: usize) -> Result<(), ShardError> {
		if bytes.is_empty() || !bytes.len().is_multiple_of(MAX_CHUNK_BYTES) {
			return Err(ShardError::NotWholeChunks);
		}
		if self.has(root) {
			return Ok(());
		}
		if !self.sealing.lock().map_err(io)?.insert(*root) {
			return Err(ShardError::Busy);
		}
		// Kept by another sealing that ended between the two checks.
		let kept =
			if self.has(root) { Ok(()) } else { self.reserve_and_seal(root, bytes, threads) };
		if let Ok(mut sealing) = self.sealing.lock() {
			sealing.remove(root);
		}
		kept
	}

	/// Takes room for `bytes` from the quota, seals and writes them, and gives the room back if
	/// that fails.
	fn reserve_and_seal(
		&self,
		root: &[u8; 32],
		bytes: &[u8],
		threads: usize,
	) -> Result<(), ShardError> {
		let chunks: Vec<&[u8]> = bytes.chunks(MAX_CHUNK_BYTES).collect();
		let needed = bytes.len() as u64;
		{
			let mut used = self.used.lock().map_err(io)?;
			let free = self.quota.saturating_sub(*used);
			if needed > free {
				return Err(ShardError::NoRoom { needed, free });
			}
			// Reserved now, so two uploads cannot both take the last room.
			*used += needed;
		}
		let kept = self.seal_and_write(root, &chunks, threads);
		if kept.is_err() {
			if let Ok(mut used) = self.used.lock() {
				*used = used.saturating_sub(needed);
			}
			let _ = fs::remove_dir_all(self.shard_dir(root));
		}
		kept
	}

	fn seal_and_write(
		&self,
		root: &[u8; 32],
		chunks: &[&[u8]],
		threads: usize,
	) -> Result<(), ShardError> {
		let mut sealed = vec![0u8; chunks.len() * MAX_CHUNK_BYTES];
		let per_thread = chunks.len().div_ceil(threads.max(1));
		std::thread::scope(|scope| {
			for (part, out) in sealed.chunks_mut(per_thread * MAX_CHUNK_BYTES).enumerate() {
				let provider = &self.provider;
				scope.spawn(move || {
					for (offset, target) in out.chunks_mut(MAX_CHUNK_BYTES).enumerate() {
						let index = part * per_thread + offset;
						target.copy_from_slice(chunks[index]);
						let key = seal_key(provider, root, index as u32);
						// Whole chunks of whole words: sealing cannot refuse them.
						let _ = seal(&key, SEAL_ROUNDS, target);
					}
				});
			}
		});
		let leaves: Vec<u8> = chunks.iter().flat_map(|chunk| storage::leaf_hash(chunk)).collect();
		let dir = self.shard_dir(root);
		let partial = self.dir.join(format!(".partial-0x{}", hex::encode(root)));
		let _ = fs::remove_dir_all(&partial);
		fs::create_dir_all(&partial).map_err(io)?;
		fs::write(partial.join("sealed"), &sealed).map_err(io)?;
		fs::write(partial.join("leaves"), &leaves).map_err(io)?;
		// Whole or not at all: a crash leaves a partial directory, never a shard missing chunks.
		fs::rename(&partial, &dir).map_err(io)
	}

	/// The leaf hashes of the shard with `root`.
	fn leaves(&self, root: &[u8; 32]) -> Result<Vec<[u8; 32]>, ShardError> {
		let bytes =
			fs::read(self.shard_dir(root).join("leaves")).map_err(|_| ShardError::Missing)?;
		Ok(bytes
			.chunks_exact(32)
			.map(|leaf| {
				let mut hash = [0u8; 32];
				hash.copy_from_slice(leaf);
				hash
			})
			.collect())
	}

	/// Chunk `index` of the shard with `root` as kept, sealed, with the Merkle path of the
	/// plain chunk: a storage probe's answer.
	pub fn sealed(&self, root: &[u8; 32], index: u32) -> Result<ChunkProof, ShardError> {
		self.sealed_of(root, &self.leaves(root)?, index)
	}

	/// [`Shards::sealed`] with the shard's leaf hashes already read.
	fn sealed_of(
		&self,
		root: &[u8; 32],
		leaves: &[[u8; 32]],
		index: u32,
	) -> Result<ChunkProof, ShardError> {
		if index as usize >= leaves.len() {
			return Err(ShardError::Missing);
		}
		let path = storage::path_from_leaves(leaves, index).ok_or(ShardError::Missing)?;
		Ok(ChunkProof { index, data: self.read_sealed(root, index)?, path })
	}

	/// Chunk `index` of the shard with `root` as it lies on disk, sealed.
	fn read_sealed(&self, root: &[u8; 32], index: u32) -> Result<Vec<u8>, ShardError> {
		let mut file =
			fs::File::open(self.shard_dir(root).join("sealed")).map_err(|_| ShardError::Missing)?;
		file.seek(SeekFrom::Start(u64::from(index) * MAX_CHUNK_BYTES as u64)).map_err(io)?;
		let mut data = vec![0u8; MAX_CHUNK_BYTES];
		file.read_exact(&mut data).map_err(|_| ShardError::Missing)?;
		Ok(data)
	}

	/// Chunk `index` of the shard with `root`, unsealed: what readers and new holders get.
	pub fn chunk(&self, root: &[u8; 32], index: u32) -> Result<ChunkProof, ShardError> {
		let mut proof = self.sealed(root, index)?;
		unseal(&seal_key(&self.provider, root, index), SEAL_ROUNDS, &mut proof.data)
			.map_err(|e| io(format!("{e:?}")))?;
		Ok(proof)
	}

	/// The length in bytes of the shard with `root` as kept (its chunks, back to back).
	pub fn len(&self, root: &[u8; 32]) -> Result<u64, ShardError> {
		let meta =
			fs::metadata(self.shard_dir(root).join("leaves")).map_err(|_| ShardError::Missing)?;
		Ok(meta.len() / 32 * MAX_CHUNK_BYTES as u64)
	}

	/// Chunk `index` of the shard with `root`, unsealed, without its path: what a reader of a
	/// byte range gets, checked against the root by whoever reads it.
	pub fn plain(&self, root: &[u8; 32], index: u32) -> Result<Vec<u8>, ShardError> {
		let mut data = self.read_sealed(root, index)?;
		unseal(&seal_key(&self.provider, root, index), SEAL_ROUNDS, &mut data)
			.map_err(|e| io(format!("{e:?}")))?;
		Ok(data)
	}

	/// Records that `lease` pays for keeping the shard with `root` (two deals storing the same
	/// content may both pick this provider for one shard: it is kept once, for both).
	pub fn bind(&self, root: &[u8; 32], lease: u64) -> Result<(), ShardError> {
		let path = self.shard_dir(root).join("leases");
		let mut leases = Self::leases_in(&path);
		if !leases.contains(&lease) {
			leases.push(lease);
			Self::write_leases(&path, &leases)?;
		}
		self.bound.lock().map_err(io)?.insert(lease, *root);
		Ok(())
	}

	fn write_leases(path: &Path, leases: &[u64]) -> Result<(), ShardError> {
		let bytes: Vec<u8> = leases.iter().flat_map(|lease| lease.to_le_bytes()).collect();
		fs::write(path, bytes).map_err(io)
	}

	fn leases_in(path: &Path) -> Vec<u64> {
		fs::read(path)
			.map(|bytes| {
				bytes
					.chunks_exact(8)
					.map(|word| {
						let mut le = [0u8; 8];
						le.copy_from_slice(word);
						u64::from_le_bytes(le)
					})
					.collect()
			})
			.unwrap_or_default()
	}

	/// Forgets closed `lease`: the shards no open lease pays for any more are removed and their
	/// room freed, so the quota follows what the chain allocates. Returns their roots.
	pub fn release(&self, lease: u64) -> Result<Vec<[u8; 32]>, ShardError> {
		let Some(root) = self.bound.lock().map_err(io)?.remove(&lease) else {
			return Ok(Vec::new());
		};
		let path = self.shard_dir(&root).join("leases");
		let mut leases = Self::leases_in(&path);
		leases.retain(|held| *held != lease);
		if leases.is_empty() {
			self.remove(&root)?;
			return Ok(vec![root]);
		}
		Self::write_leases(&path, &leases)?;
		Ok(Vec::new())
	}

	/// Forgets the shard with `root` and frees its room.
	pub fn remove(&self, root: &[u8; 32]) -> Result<(), ShardError> {
		let dir = self.shard_dir(root);
		let size = fs::metadata(dir.join("sealed")).map(|meta| meta.len()).unwrap_or(0);
		match fs::remove_dir_all(&dir) {
			Ok(()) => {
				if let Ok(mut used) = self.used.lock() {
					*used = used.saturating_sub(size);
				}
				Ok(())
			}
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
			Err(e) => Err(io(e)),
		}
	}
}

/// Storage probes are answered from the kept sealed chunks.
impl ChunkSource for Shards {
	fn sealed(&self, probe: &StorageChallenge) -> Option<ChunkProof> {
		let leaves = self.leaves(&probe.root).ok()?;
		if leaves.len() != probe.chunks as usize {
			return None;
		}
		self.sealed_of(&probe.root, &leaves, probe.chunk).ok()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use nubes_proofs::storage::verify_sealed;

	const PROVIDER: [u8; 32] = [3; 32];

	fn shard(chunks: u8) -> Vec<u8> {
		(0..chunks as usize * MAX_CHUNK_BYTES).map(|i| (i % 253) as u8 ^ chunks).collect()
	}

	fn root_of(bytes: &[u8]) -> [u8; 32] {
		storage::commit(&bytes.chunks(MAX_CHUNK_BYTES).collect::<Vec<_>>())
	}

	#[test]
	fn a_kept_shard_answers_probes_and_reads_back() {
		let dir = tempfile::tempdir().unwrap();
		let shards = Shards::open(dir.path(), PROVIDER, 1 << 30).unwrap();
		let bytes = shard(3);
		let root = root_of(&bytes);
		shards.put(&root, &bytes, 2).unwrap();
		assert!(shards.has(&root));
		assert_eq!(shards.usage().0, bytes.len() as u64);
		// The sealed chunk on disk is not the plain one.
		let sealed = shards.sealed(&root, 1).unwrap();
		assert_ne!(sealed.data, bytes[MAX_CHUNK_BYTES..2 * MAX_CHUNK_BYTES]);
		// A probe's answer verifies as the validator checks it.
		let probe = StorageChallenge { lease: 9, root, chunks: 3, chunk: 1, window: 500 };
		let kept = ChunkSource::sealed(&shards, &probe).unwrap();
		let window = storage::answer(&probe, &kept.data).unwrap();
		assert_eq!(verify_sealed(&PROVIDER, &[probe], &[window], &[kept]), Ok(()));
		// A reader gets the plain chunk, under the root.
		let plain = shards.chunk(&root, 2).unwrap();
		assert_eq!(plain.data, bytes[2 * MAX_CHUNK_BYTES..]);
		assert!(storage::verify_chunk(&root, 3, &plain));
		// A range reader gets the same bytes, without the path.
		assert_eq!(shards.len(&root), Ok(bytes.len() as u64));
		assert_eq!(shards.plain(&root, 1).unwrap(), bytes[MAX_CHUNK_BYTES..2 * MAX_CHUNK_BYTES]);
		assert_eq!(shards.plain(&root, 3), Err(ShardError::Missing));
		// Reopened, the store still counts it and still answers.
		drop(shards);
		let shards = Shards::open(dir.path(), PROVIDER, 1 << 30).unwrap();
		assert_eq!(shards.usage().0, bytes.len() as u64);
		assert_eq!(shards.chunk(&root, 0).unwrap().data, bytes[..MAX_CHUNK_BYTES]);
		shards.remove(&root).unwrap();
		assert!(!shards.has(&root));
		assert_eq!(shards.usage().0, 0);
		assert_eq!(shards.sealed(&root, 0), Err(ShardError::Missing));
		assert_eq!(shards.len(&root), Err(ShardError::Missing));
	}

	#[test]
	fn bad_shards_are_refused_and_cost_nothing() {
		let dir = tempfile::tempdir().unwrap();
		let shards = Shards::open(dir.path(), PROVIDER, 2 * MAX_CHUNK_BYTES as u64).unwrap();
		let bytes = shard(2);
		let root = root_of(&bytes);
		assert_eq!(shards.put(&root, &[], 1), Err(ShardError::NotWholeChunks));
		assert_eq!(shards.put(&root, &bytes[..100], 1), Err(ShardError::NotWholeChunks));
		let mut altered = bytes.clone();
		altered[7] ^= 1;
		assert!(matches!(shards.put(&root, &altered, 1), Err(ShardError::WrongRoot { .. })));
		let bigger = shard(3);
		assert_eq!(
			shards.put(&root_of(&bigger), &bigger, 1),
			Err(ShardError::NoRoom {
				needed: 3 * MAX_CHUNK_BYTES as u64,
				free: 2 * MAX_CHUNK_BYTES as u64
			})
		);
		assert_eq!(shards.usage().0, 0);
		assert!(fs::read_dir(dir.path().join("shards")).unwrap().next().is_none());
		// An upload and a rebuild of one shard meet: the second is told, and costs nothing.
		shards.sealing.lock().unwrap().insert(root);
		assert_eq!(shards.put(&root, &bytes, 1), Err(ShardError::Busy));
		assert_eq!(shards.usage().0, 0);
		shards.sealing.lock().unwrap().clear();
		shards.put(&root, &bytes, 1).unwrap();
		assert!(shards.has(&root));
		// Kept for two leases, it goes with the second to close, and its room with it.
		shards.bind(&root, 7).unwrap();
		shards.bind(&root, 8).unwrap();
		shards.bind(&root, 8).unwrap();
		assert_eq!(shards.release(9), Ok(vec![]));
		assert_eq!(shards.release(7), Ok(vec![]));
		assert!(shards.has(&root));
		assert_eq!(shards.release(8), Ok(vec![root]));
		assert!(!shards.has(&root));
		assert_eq!(shards.usage().0, 0);
		// A probe for a shard not kept, or with another chunk count, has no answer.
		shards.put(&root, &bytes, 1).unwrap();
		let probe = StorageChallenge { lease: 1, root, chunks: 3, chunk: 0, window: 0 };
		assert!(ChunkSource::sealed(&shards, &probe).is_none());
		assert_eq!(shards.sealed(&root, 2), Err(ShardError::Missing));
	}
}
