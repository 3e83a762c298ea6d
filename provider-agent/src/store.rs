//! The agent's state in an embedded database (redb) in the data directory: the deployments it
//! took (so a restart brings them back) and the capacity its open bids reserve. Artifacts
//! are files beside it, named by their hash, and so is their compiled native code, whose
//! digest the database keeps so that only bytes the agent wrote are ever loaded.

use nubes_client::agent_api::{hash_hex, Manifest, WorkloadKind};
use nubes_primitives::Resources;
use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const DEPLOYMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("deployments");
const BIDS: TableDefinition<u64, &[u8]> = TableDefinition::new("bids");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Artifact hash → the kept native code's [`CompiledRecord`].
const COMPILED: TableDefinition<&str, &[u8]> = TableDefinition::new("compiled");
/// The key of the last finalized block whose events were handled.
const LAST_BLOCK: &str = "last-block";

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[error("agent store: {0}")]
pub struct StoreError(String);

fn err(e: impl std::fmt::Display) -> StoreError {
	StoreError(e.to_string())
}

/// A deployment the agent took for a lease.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentRecord {
	/// The lease.
	pub lease: u64,
	/// Its tenant, SS58.
	pub tenant: String,
	/// What it holds.
	pub resources: Resources,
	/// The manifest's bytes, as delivered (their hash is on chain).
	pub manifest: Vec<u8>,
	/// The artifact's hash, `0x` hex (the file name under `artifacts/`).
	pub artifact_hash: String,
	/// Whether the lease was confirmed on chain.
	pub confirmed: bool,
	/// For a job: how it ended, once it did.
	pub finished: Option<String>,
}

impl DeploymentRecord {
	/// Service or job, as its manifest says (`None` if the kept manifest no longer reads).
	pub fn kind(&self) -> Option<WorkloadKind> {
		Manifest::from_bytes(&self.manifest).ok().map(|m| m.kind)
	}
}

/// What the database knows of an artifact's kept native code.
#[derive(Serialize, Deserialize)]
struct CompiledRecord {
	/// The runtime's code tag it was compiled under.
	tag: String,
	/// blake2-256 of the file's bytes, `0x` hex.
	digest: String,
}

/// The agent's database and files.
pub struct Store {
	db: Database,
	dir: PathBuf,
}

impl Store {
	/// Opens (creating) the store in `data_dir`.
	pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
		for sub in ["artifacts", "leases"] {
			std::fs::create_dir_all(data_dir.join(sub)).map_err(err)?;
		}
		// Native code is loaded as machine code: only the agent's user may write or read it.
		let compiled = data_dir.join("compiled");
		std::fs::create_dir_all(&compiled).map_err(err)?;
		std::fs::set_permissions(&compiled, std::os::unix::fs::PermissionsExt::from_mode(0o700))
			.map_err(err)?;
		let db = Database::create(data_dir.join("agent.redb")).map_err(err)?;
		let txn = db.begin_write().map_err(err)?;
		txn.open_table(DEPLOYMENTS).map_err(err)?;
		txn.open_table(BIDS).map_err(err)?;
		txn.open_table(META).map_err(err)?;
		txn.open_table(COMPILED).map_err(err)?;
		txn.commit().map_err(err)?;
		let store = Self { db, dir: data_dir.to_path_buf() };
		store.sweep_compiled()?;
		Ok(store)
	}

	/// The directory of a lease's scratch space and log.
	pub fn lease_dir(&self, lease: u64) -> PathBuf {
		self.dir.join("leases").join(lease.to_string())
	}

	/// Where an artifact is kept.
	pub fn artifact_path(&self, hash: &str) -> PathBuf {
		self.dir.join("artifacts").join(format!("{}.wasm", hash.trim_start_matches("0x")))
	}

	/// Keeps an artifact (written to a temporary name, then renamed: never half a file).
	pub fn put_artifact(&self, hash: &str, bytes: &[u8]) -> Result<(), StoreError> {
		let path = self.artifact_path(hash);
		if path.exists() {
			return Ok(());
		}
		let tmp = path.with_extension("part");
		std::fs::write(&tmp, bytes).map_err(err)?;
		std::fs::rename(&tmp, &path).map_err(err)
	}

	/// Reads an artifact.
	pub fn artifact(&self, hash: &str) -> Result<Vec<u8>, StoreError> {
		std::fs::read(self.artifact_path(hash)).map_err(err)
	}

	/// Where an artifact's native code is kept.
	fn compiled_path(&self, hash: &str) -> PathBuf {
		self.dir.join("compiled").join(format!("{}.cwasm", hash.trim_start_matches("0x")))
	}

	/// Keeps the native code compiled from artifact `hash` under the runtime's code `tag`,
	/// and records its digest (file first, record last: a crash between them leaves a file no
	/// record vouches for, which is never loaded).
	pub fn put_compiled(&self, hash: &str, tag: &str, code: &[u8]) -> Result<(), StoreError> {
		use std::{io::Write, os::unix::fs::OpenOptionsExt};
		let path = self.compiled_path(hash);
		let tmp = path.with_extension("part");
		let mut file = std::fs::OpenOptions::new()
			.write(true)
			.create(true)
			.truncate(true)
			.mode(0o600)
			.open(&tmp)
			.map_err(err)?;
		file.write_all(code).and_then(|()| file.sync_all()).map_err(err)?;
		std::fs::rename(&tmp, &path).map_err(err)?;
		let record = CompiledRecord {
			tag: tag.to_string(),
			digest: hash_hex(&sp_crypto_hashing::blake2_256(code)),
		};
		let bytes = serde_json::to_vec(&record).map_err(err)?;
		let txn = self.db.begin_write().map_err(err)?;
		txn.open_table(COMPILED).map_err(err)?.insert(hash, bytes.as_slice()).map_err(err)?;
		txn.commit().map_err(err)
	}

	/// The native code kept for artifact `hash` under code `tag`, if its bytes still hash to
	/// the digest recorded when the agent wrote them. Code of another tag, a changed or
	/// truncated file, or a file without a record is deleted and `None`: the caller compiles
	/// again.
	pub fn compiled(&self, hash: &str, tag: &str) -> Result<Option<Vec<u8>>, StoreError> {
		let record: Option<CompiledRecord> = {
			let txn = self.db.begin_read().map_err(err)?;
			let table = txn.open_table(COMPILED).map_err(err)?;
			let value = table.get(hash).map_err(err)?;
			value.and_then(|v| serde_json::from_slice(v.value()).ok())
		};
		// Nothing kept at all (an artifact's first compile): nothing to read or delete.
		if record.is_none() && !self.compiled_path(hash).exists() {
			return Ok(None);
		}
		if let Some(record) = record.filter(|r| r.tag == tag) {
			match std::fs::read(self.compiled_path(hash)) {
				Ok(code) if hash_hex(&sp_crypto_hashing::blake2_256(&code)) == record.digest => {
					return Ok(Some(code))
				}
				Ok(_) => {
					tracing::warn!(artifact = hash, "kept native code changed on disk; dropped")
				}
				Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
				Err(e) => return Err(err(e)),
			}
		}
		self.forget_compiled(hash)?;
		Ok(None)
	}

	/// Deletes native code whose artifact is gone (a crash between the two deletions).
	fn sweep_compiled(&self) -> Result<(), StoreError> {
		let hashes: Vec<String> = {
			let txn = self.db.begin_read().map_err(err)?;
			let table = txn.open_table(COMPILED).map_err(err)?;
			let mut hashes = Vec::new();
			for entry in table.iter().map_err(err)? {
				hashes.push(entry.map_err(err)?.0.value().to_string());
			}
			hashes
		};
		for hash in hashes.iter().filter(|hash| !self.artifact_path(hash).exists()) {
			self.forget_compiled(hash)?;
		}
		Ok(())
	}

	/// Deletes an artifact's native code and its record.
	fn forget_compiled(&self, hash: &str) -> Result<(), StoreError> {
		let txn = self.db.begin_write().map_err(err)?;
		txn.open_table(COMPILED).map_err(err)?.remove(hash).map_err(err)?;
		txn.commit().map_err(err)?;
		match std::fs::remove_file(self.compiled_path(hash)) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
			_ => Ok(()),
		}
	}

	fn put<T: Serialize>(
		&self,
		table: TableDefinition<u64, &[u8]>,
		key: u64,
		value: &T,
	) -> Result<(), StoreError> {
		let bytes = serde_json::to_vec(value).map_err(err)?;
		let txn = self.db.begin_write().map_err(err)?;
		txn.open_table(table).map_err(err)?.insert(key, bytes.as_slice()).map_err(err)?;
		txn.commit().map_err(err)
	}

	fn remove(&self, table: TableDefinition<u64, &[u8]>, key: u64) -> Result<(), StoreError> {
		let txn = self.db.begin_write().map_err(err)?;
		txn.open_table(table).map_err(err)?.remove(key).map_err(err)?;
		txn.commit().map_err(err)
	}

	fn all<T: for<'de> Deserialize<'de>>(
		&self,
		table: TableDefinition<u64, &[u8]>,
	) -> Result<Vec<(u64, T)>, StoreError> {
		let txn = self.db.begin_read().map_err(err)?;
		let table = txn.open_table(table).map_err(err)?;
		let mut out = Vec::new();
		for entry in table.iter().map_err(err)? {
			let (key, value) = entry.map_err(err)?;
			out.push((key.value(), serde_json::from_slice(value.value()).map_err(err)?));
		}
		Ok(out)
	}

	/// Records (or updates) a deployment.
	pub fn put_deployment(&self, record: &DeploymentRecord) -> Result<(), StoreError> {
		self.put(DEPLOYMENTS, record.lease, record)
	}

	/// A lease's deployment.
	pub fn deployment(&self, lease: u64) -> Result<Option<DeploymentRecord>, StoreError> {
		let txn = self.db.begin_read().map_err(err)?;
		let table = txn.open_table(DEPLOYMENTS).map_err(err)?;
		match table.get(lease).map_err(err)? {
			Some(value) => Ok(Some(serde_json::from_slice(value.value()).map_err(err)?)),
			None => Ok(None),
		}
	}

	/// Every deployment kept.
	pub fn deployments(&self) -> Result<Vec<DeploymentRecord>, StoreError> {
		Ok(self.all(DEPLOYMENTS)?.into_iter().map(|(_, r)| r).collect())
	}

	/// Forgets a closed lease's deployment and deletes its directory, and its artifact when no
	/// other kept deployment uses it (deployments are the artifacts' reference counts).
	pub fn forget_deployment(&self, lease: u64) -> Result<(), StoreError> {
		let artifact = self.deployment(lease)?.map(|record| record.artifact_hash);
		self.remove(DEPLOYMENTS, lease)?;
		if let Some(hash) = artifact {
			if !self.deployments()?.iter().any(|other| other.artifact_hash == hash) {
				match std::fs::remove_file(self.artifact_path(&hash)) {
					Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
					_ => {}
				}
				self.forget_compiled(&hash)?;
			}
		}
		match std::fs::remove_dir_all(self.lease_dir(lease)) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
			_ => Ok(()),
		}
	}

	/// Reserves capacity for a bid on `order`.
	pub fn put_bid(&self, order: u64, spec: &Resources) -> Result<(), StoreError> {
		self.put(BIDS, order, spec)
	}

	/// Reserves `spec` for a bid on `order` if it fits in `free` (the capacity free on chain)
	/// less every other open bid's reservation; `false` if it does not fit or `order` already
	/// has one. Check and reservation are one write transaction, and write transactions run
	/// one at a time, so bids considered at once never reserve more than is free.
	pub fn reserve_bid(
		&self,
		order: u64,
		spec: &Resources,
		free: &Resources,
	) -> Result<bool, StoreError> {
		let txn = self.db.begin_write().map_err(err)?;
		{
			let mut table = txn.open_table(BIDS).map_err(err)?;
			let mut left = *free;
			for entry in table.iter().map_err(err)? {
				let (key, value) = entry.map_err(err)?;
				if key.value() == order {
					return Ok(false);
				}
				let reserved: Resources = serde_json::from_slice(value.value()).map_err(err)?;
				left = crate::bidding::minus(&left, &reserved);
			}
			if !crate::bidding::fits(spec, &left) {
				return Ok(false);
			}
			let bytes = serde_json::to_vec(spec).map_err(err)?;
			table.insert(order, bytes.as_slice()).map_err(err)?;
		}
		txn.commit().map_err(err)?;
		Ok(true)
	}

	/// The last finalized block whose events were handled, if any.
	pub fn last_block(&self) -> Result<Option<u64>, StoreError> {
		let txn = self.db.begin_read().map_err(err)?;
		let table = txn.open_table(META).map_err(err)?;
		Ok(table.get(LAST_BLOCK).map_err(err)?.map(|v| v.value()))
	}

	/// Records that a finalized block's events were handled.
	pub fn set_last_block(&self, number: u64) -> Result<(), StoreError> {
		let txn = self.db.begin_write().map_err(err)?;
		txn.open_table(META).map_err(err)?.insert(LAST_BLOCK, number).map_err(err)?;
		txn.commit().map_err(err)
	}

	/// Releases a bid's reservation.
	pub fn forget_bid(&self, order: u64) -> Result<(), StoreError> {
		self.remove(BIDS, order)
	}

	/// The open bids' reservations.
	pub fn bids(&self) -> Result<Vec<(u64, Resources)>, StoreError> {
		self.all(BIDS)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn state_survives_reopening() {
		let dir = tempfile::tempdir().unwrap();
		let record = DeploymentRecord {
			lease: 7,
			tenant: "t".into(),
			resources: Resources { cpu_millicores: 500, memory_mib: 64, storage_gib: 0, gpus: 0 },
			manifest: b"{}".to_vec(),
			artifact_hash: "0xab".into(),
			confirmed: false,
			finished: None,
		};
		{
			let store = Store::open(dir.path()).unwrap();
			store.put_deployment(&record).unwrap();
			store.put_artifact("0xab", b"wasm").unwrap();
			store.put_bid(3, &record.resources).unwrap();
			store.put_bid(4, &record.resources).unwrap();
			store.forget_bid(4).unwrap();
		}
		let store = Store::open(dir.path()).unwrap();
		assert_eq!(store.deployment(7).unwrap(), Some(record.clone()));
		assert_eq!(store.deployments().unwrap(), vec![record.clone()]);
		assert_eq!(store.artifact("0xab").unwrap(), b"wasm");
		assert_eq!(store.bids().unwrap(), vec![(3, record.resources)]);
		std::fs::create_dir_all(store.lease_dir(7)).unwrap();
		store.forget_deployment(7).unwrap();
		assert_eq!(store.deployment(7).unwrap(), None);
		assert!(!store.lease_dir(7).exists());
		assert_eq!(store.last_block().unwrap(), None);
		store.set_last_block(42).unwrap();
		drop(store);
		assert_eq!(Store::open(dir.path()).unwrap().last_block().unwrap(), Some(42));
	}

	fn record(lease: u64, artifact: &str) -> DeploymentRecord {
		DeploymentRecord {
			lease,
			tenant: "t".into(),
			resources: Resources { cpu_millicores: 500, memory_mib: 64, storage_gib: 0, gpus: 0 },
			manifest: b"{}".to_vec(),
			artifact_hash: artifact.into(),
			confirmed: true,
			finished: None,
		}
	}

	#[test]
	fn an_artifact_goes_with_the_last_deployment_that_uses_it() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(dir.path()).unwrap();
		store.put_artifact("0xaa", b"shared").unwrap();
		store.put_artifact("0xbb", b"alone").unwrap();
		for r in [record(1, "0xaa"), record(2, "0xaa"), record(3, "0xbb")] {
			store.put_deployment(&r).unwrap();
		}
		store.forget_deployment(3).unwrap();
		assert!(!store.artifact_path("0xbb").exists());
		store.forget_deployment(1).unwrap();
		assert_eq!(store.artifact("0xaa").unwrap(), b"shared", "lease 2 still runs it");
		store.forget_deployment(2).unwrap();
		assert!(!store.artifact_path("0xaa").exists());
	}

	#[test]
	fn only_native_code_the_agent_wrote_is_handed_back() {
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(dir.path()).unwrap();
		let mode = std::fs::metadata(dir.path().join("compiled")).unwrap().permissions().mode();
		assert_eq!(mode & 0o777, 0o700, "nobody else may write or read native code");
		store.put_artifact("0xaa", b"wasm").unwrap();
		store.put_deployment(&record(1, "0xaa")).unwrap();
		store.put_compiled("0xaa", "tag-1", b"native code").unwrap();
		let file = store.compiled_path("0xaa");
		assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
		assert_eq!(store.compiled("0xaa", "tag-1").unwrap().as_deref(), Some(&b"native code"[..]));
		drop(store);
		let store = Store::open(dir.path()).unwrap();
		assert!(store.compiled("0xaa", "tag-1").unwrap().is_some(), "kept across a restart");

		// Bytes changed on disk (same length) are refused and deleted, never handed back.
		std::fs::write(&file, b"native cod3").unwrap();
		assert_eq!(store.compiled("0xaa", "tag-1").unwrap(), None);
		assert!(!file.exists());
		// A file placed without a record is not loaded either.
		std::fs::write(&file, b"planted").unwrap();
		assert_eq!(store.compiled("0xaa", "tag-1").unwrap(), None);
		assert!(!file.exists());
		// Code of another engine is compiled again.
		store.put_compiled("0xaa", "tag-1", b"native code").unwrap();
		assert_eq!(store.compiled("0xaa", "tag-2").unwrap(), None);
		// It goes with the artifact.
		store.put_compiled("0xaa", "tag-1", b"native code").unwrap();
		store.forget_deployment(1).unwrap();
		assert!(!file.exists());
		assert_eq!(store.compiled("0xaa", "tag-1").unwrap(), None);
	}

	#[test]
	fn bids_considered_at_once_never_reserve_more_than_is_free() {
		let dir = tempfile::tempdir().unwrap();
		let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
		let free = Resources { cpu_millicores: 2000, memory_mib: 4096, storage_gib: 10, gpus: 0 };
		let spec = Resources { cpu_millicores: 600, memory_mib: 512, storage_gib: 1, gpus: 0 };
		// Sixteen orders considered at once against the same free capacity.
		let handles: Vec<_> = (0..16u64)
			.map(|order| {
				let store = store.clone();
				std::thread::spawn(move || store.reserve_bid(order, &spec, &free).unwrap())
			})
			.collect();
		let won = handles.into_iter().map(|h| h.join().unwrap()).filter(|won| *won).count();
		assert_eq!(won, 3, "2000 millicores hold three bids of 600");
		assert_eq!(store.bids().unwrap().len(), 3);
		let (order, _) = store.bids().unwrap()[0];
		assert!(!store.reserve_bid(order, &Resources::default(), &free).unwrap(), "one per order");
	}
}
