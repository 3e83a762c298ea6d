//! The agent's state in an embedded database (redb) in the data directory: the deployments it
//! took (so a restart brings them back) and the capacity its open bids reserve. Artifacts
//! are files beside it, named by their hash.

use nubes_client::agent_api::{Manifest, WorkloadKind};
use nubes_primitives::Resources;
use redb::{Database, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const DEPLOYMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("deployments");
const BIDS: TableDefinition<u64, &[u8]> = TableDefinition::new("bids");

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
		let db = Database::create(data_dir.join("agent.redb")).map_err(err)?;
		let txn = db.begin_write().map_err(err)?;
		txn.open_table(DEPLOYMENTS).map_err(err)?;
		txn.open_table(BIDS).map_err(err)?;
		txn.commit().map_err(err)?;
		Ok(Self { db, dir: data_dir.to_path_buf() })
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

	/// Forgets a closed lease's deployment and deletes its directory.
	pub fn forget_deployment(&self, lease: u64) -> Result<(), StoreError> {
		self.remove(DEPLOYMENTS, lease)?;
		match std::fs::remove_dir_all(self.lease_dir(lease)) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
			_ => Ok(()),
		}
	}

	/// Reserves capacity for a bid on `order`.
	pub fn put_bid(&self, order: u64, spec: &Resources) -> Result<(), StoreError> {
		self.put(BIDS, order, spec)
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
	}
}
