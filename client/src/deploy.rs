//! Deployment files (`app.toml`): what `nubes deploy` reads, checked before anything touches
//! the chain. A file names the resources of each replica, how many replicas, the price and
//! escrow, where they may run and the workload (a WASI 0.2 component beside the file).
//!
//! ```toml
//! name = "hello"
//! replicas = 1
//! max_price = "0.001"   # NUBES per block per replica, at most
//! escrow = "10"         # NUBES per replica, held up front
//! duration = 14400      # blocks; leave out for open-ended
//!
//! [resources]
//! cpu = "500m"          # millicores ("500m"), or cores ("0.5", "2")
//! memory = "128Mi"      # Mi or Gi
//! storage = "1Gi"       # Gi or Ti
//! gpus = 0
//!
//! [placement]           # optional
//! regions = ["eu-central"]
//! attributes = { tier = "community" }
//!
//! [workload]
//! kind = "http"         # or "job"
//! artifact = "hello.wasm"
//! args = []
//! env = { GREETING = "hi" }
//! network = false       # outgoing connections
//! ```

use crate::{
	agent_api::{hash_hex, is_component, is_core_module, Manifest, WorkloadKind, MANIFEST_VERSION},
	amount,
};
use nubes_primitives::Resources;
use serde::Deserialize;
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
};

/// The largest artifact `nubes deploy` sends; agents may take less.
pub const MAX_ARTIFACT_BYTES: u64 = 32 * 1024 * 1024;

/// The largest deployment file read.
const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Why a deployment file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeployFileError {
	/// The file cannot be read.
	#[error("cannot read {path}: {reason}")]
	Unreadable {
		/// The file.
		path: PathBuf,
		/// What the system said.
		reason: String,
	},
	/// The TOML does not parse or lacks a field.
	#[error("{path}: {reason}")]
	Syntax {
		/// The file.
		path: PathBuf,
		/// The parser's message, with the line.
		reason: String,
	},
	/// A value with a wrong or missing unit, or out of range.
	#[error("{path}: {field} = {value:?}: {reason}")]
	Value {
		/// The file.
		path: PathBuf,
		/// The field, e.g. `resources.memory`.
		field: &'static str,
		/// The value given.
		value: String,
		/// What is expected.
		reason: String,
	},
	/// The artifact cannot be used.
	#[error("artifact {path}: {reason}")]
	Artifact {
		/// The artifact.
		path: PathBuf,
		/// Why.
		reason: String,
	},
}

/// A number or a string, as TOML users write quantities.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum Quantity {
	Number(f64),
	Text(String),
}

impl Quantity {
	fn text(&self) -> String {
		match self {
			Quantity::Number(n) => n.to_string(),
			Quantity::Text(t) => t.clone(),
		}
	}
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
	name: String,
	#[serde(default = "one")]
	replicas: u32,
	max_price: String,
	escrow: String,
	duration: Option<u32>,
	resources: ResourcesFile,
	#[serde(default)]
	placement: PlacementFile,
	workload: WorkloadFile,
}

fn one() -> u32 {
	1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourcesFile {
	cpu: Quantity,
	memory: Quantity,
	#[serde(default)]
	storage: Option<Quantity>,
	#[serde(default)]
	gpus: u32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PlacementFile {
	#[serde(default)]
	regions: Vec<String>,
	#[serde(default)]
	attributes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadFile {
	kind: WorkloadKind,
	artifact: PathBuf,
	#[serde(default)]
	args: Vec<String>,
	#[serde(default)]
	env: BTreeMap<String, String>,
	#[serde(default)]
	network: bool,
}

/// A checked deployment: everything `nubes deploy` needs.
#[derive(Clone, Debug)]
pub struct Plan {
	/// The deployment's name, for people.
	pub name: String,
	/// Leases wanted, each on a distinct provider.
	pub replicas: u32,
	/// What each replica needs.
	pub spec: Resources,
	/// Highest price per block per replica.
	pub max_price: u128,
	/// Escrow per replica.
	pub escrow: u128,
	/// Blocks each lease runs; `None` is open-ended.
	pub duration: Option<u32>,
	/// Regions the providers must be in (any if empty).
	pub regions: Vec<String>,
	/// Attributes the providers must declare.
	pub attributes: BTreeMap<String, String>,
	/// The manifest agents get.
	pub manifest: Manifest,
	/// Its bytes, whose hash goes on chain.
	pub manifest_bytes: Vec<u8>,
	/// The workload's component.
	pub artifact: Vec<u8>,
}

impl Plan {
	/// The hash the leases carry.
	pub fn manifest_hash(&self) -> [u8; 32] {
		Manifest::hash_of(&self.manifest_bytes)
	}
}

/// Millicores from `"500m"`, `"0.5"`, `"2"` or `2`.
pub fn parse_cpu(q: &str) -> Result<u64, String> {
	let hint = "give millicores (\"500m\") or cores (\"0.5\", \"2\")";
	let value = if let Some(milli) = q.strip_suffix('m') {
		milli.trim().parse::<u64>().map_err(|_| hint.to_string())?
	} else {
		let cores: f64 = q.trim().parse().map_err(|_| hint.to_string())?;
		if !cores.is_finite() || !(0.0..=1.0e6).contains(&cores) {
			return Err(hint.into());
		}
		(cores * 1000.0).round() as u64
	};
	if value == 0 {
		return Err("must be more than zero".into());
	}
	Ok(value)
}

/// MiB from `"128Mi"` or `"2Gi"`.
pub fn parse_memory(q: &str) -> Result<u64, String> {
	let hint = "give a size in Mi or Gi, e.g. \"512Mi\" or \"2Gi\"";
	let q = q.trim();
	let (digits, factor) = if let Some(d) = q.strip_suffix("Mi") {
		(d, 1)
	} else if let Some(d) = q.strip_suffix("Gi") {
		(d, 1024)
	} else {
		return Err(hint.into());
	};
	let n: u64 = digits.trim().parse().map_err(|_| hint.to_string())?;
	let value = n.checked_mul(factor).ok_or_else(|| "too large".to_string())?;
	if value == 0 {
		return Err("must be more than zero".into());
	}
	Ok(value)
}

/// GiB from `"10Gi"`, `"1Ti"` or `"0"`.
pub fn parse_storage(q: &str) -> Result<u64, String> {
	let hint = "give a size in Gi or Ti, e.g. \"10Gi\"";
	let q = q.trim();
	if q == "0" {
		return Ok(0);
	}
	let (digits, factor) = if let Some(d) = q.strip_suffix("Gi") {
		(d, 1)
	} else if let Some(d) = q.strip_suffix("Ti") {
		(d, 1024)
	} else {
		return Err(hint.into());
	};
	let n: u64 = digits.trim().parse().map_err(|_| hint.to_string())?;
	n.checked_mul(factor).ok_or_else(|| "too large".to_string())
}

/// Reads and checks the WASI component an artifact must be.
pub fn check_artifact(path: &Path, max_bytes: u64) -> Result<Vec<u8>, DeployFileError> {
	let fail = |reason: String| DeployFileError::Artifact { path: path.to_path_buf(), reason };
	let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
	if meta.len() > max_bytes {
		return Err(fail(format!("{} bytes is over the {} byte limit", meta.len(), max_bytes)));
	}
	let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
	if is_component(&bytes) {
		Ok(bytes)
	} else if is_core_module(&bytes) {
		Err(fail(
			"is a core WebAssembly module; Nubes runs WASI 0.2 components (build with --target wasm32-wasip2)".into(),
		))
	} else {
		Err(fail("is not WebAssembly".into()))
	}
}

/// Reads and checks a deployment file; the artifact path is relative to the file.
pub fn load(path: &Path) -> Result<Plan, DeployFileError> {
	let unreadable =
		|reason: String| DeployFileError::Unreadable { path: path.to_path_buf(), reason };
	let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
	if meta.len() > MAX_FILE_BYTES {
		return Err(unreadable(format!(
			"{} bytes; a deployment file is at most {MAX_FILE_BYTES}",
			meta.len()
		)));
	}
	let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
	let file: File = toml::from_str(&text).map_err(|e| DeployFileError::Syntax {
		path: path.to_path_buf(),
		reason: e.to_string().trim_end().replace('\n', " "),
	})?;
	let value = |field: &'static str, value: String, reason: String| DeployFileError::Value {
		path: path.to_path_buf(),
		field,
		value,
		reason,
	};
	let cpu_text = file.resources.cpu.text();
	let cpu = parse_cpu(&cpu_text).map_err(|r| value("resources.cpu", cpu_text, r))?;
	let memory = match &file.resources.memory {
		Quantity::Text(t) => {
			parse_memory(t).map_err(|r| value("resources.memory", t.clone(), r))?
		}
		Quantity::Number(n) => {
			return Err(value(
				"resources.memory",
				n.to_string(),
				"give a unit, e.g. \"512Mi\" or \"2Gi\"".into(),
			))
		}
	};
	let storage = match &file.resources.storage {
		None => 0,
		Some(Quantity::Text(t)) => {
			parse_storage(t).map_err(|r| value("resources.storage", t.clone(), r))?
		}
		Some(Quantity::Number(n)) if *n == 0.0 => 0,
		Some(Quantity::Number(n)) => {
			return Err(value(
				"resources.storage",
				n.to_string(),
				"give a unit, e.g. \"10Gi\"".into(),
			))
		}
	};
	if file.replicas == 0 || file.replicas > 16 {
		return Err(value("replicas", file.replicas.to_string(), "between 1 and 16".into()));
	}
	if file.duration == Some(0) {
		return Err(value("duration", "0".into(), "blocks, more than zero (or leave out)".into()));
	}
	let max_price = amount::parse(&file.max_price)
		.map_err(|e| value("max_price", file.max_price.clone(), e.to_string()))?;
	let escrow = amount::parse(&file.escrow)
		.map_err(|e| value("escrow", file.escrow.clone(), e.to_string()))?;
	if escrow == 0 {
		return Err(value("escrow", file.escrow.clone(), "must be more than zero".into()));
	}
	let artifact_path = path.parent().unwrap_or(Path::new(".")).join(&file.workload.artifact);
	let artifact = check_artifact(&artifact_path, MAX_ARTIFACT_BYTES)?;
	let manifest = Manifest {
		version: MANIFEST_VERSION,
		kind: file.workload.kind,
		runtime: "wasm".into(),
		artifact_hash: hash_hex(&sp_crypto_hashing::blake2_256(&artifact)),
		artifact_size: artifact.len() as u64,
		args: file.workload.args,
		env: file.workload.env,
		network: file.workload.network,
	};
	manifest.check().map_err(|r| value("workload", String::new(), r))?;
	let manifest_bytes = manifest.to_bytes();
	Ok(Plan {
		name: file.name,
		replicas: file.replicas,
		spec: Resources {
			cpu_millicores: cpu,
			memory_mib: memory,
			storage_gib: storage,
			gpus: file.resources.gpus,
		},
		max_price,
		escrow,
		duration: file.duration,
		regions: file.placement.regions,
		attributes: file.placement.attributes,
		manifest,
		manifest_bytes,
		artifact,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	const COMPONENT: &[u8] = &[0, b'a', b's', b'm', 0x0d, 0x00, 0x01, 0x00];
	const GOOD: &str = r#"
name = "hello"
max_price = "0.001"
escrow = "10"
duration = 100
[resources]
cpu = "500m"
memory = "128Mi"
storage = "1Gi"
[workload]
kind = "http"
artifact = "app.wasm"
env = { A = "b" }
"#;

	fn write(dir: &Path, toml: &str, artifact: &[u8]) -> PathBuf {
		std::fs::write(dir.join("app.wasm"), artifact).unwrap();
		let path = dir.join("app.toml");
		std::fs::write(&path, toml).unwrap();
		path
	}

	fn error(toml: &str) -> String {
		let dir = tempfile::tempdir().unwrap();
		load(&write(dir.path(), toml, COMPONENT)).unwrap_err().to_string()
	}

	#[test]
	fn a_good_file_becomes_a_plan() {
		let dir = tempfile::tempdir().unwrap();
		let plan = load(&write(dir.path(), GOOD, COMPONENT)).unwrap();
		assert_eq!(
			plan.spec,
			Resources { cpu_millicores: 500, memory_mib: 128, storage_gib: 1, gpus: 0 }
		);
		assert_eq!((plan.replicas, plan.duration), (1, Some(100)));
		assert_eq!(plan.max_price, 1_000_000_000);
		assert_eq!(plan.escrow, 10_000_000_000_000);
		assert_eq!(plan.artifact, COMPONENT);
		assert_eq!(
			plan.manifest.artifact_hash,
			hash_hex(&sp_crypto_hashing::blake2_256(COMPONENT))
		);
		assert_eq!(Manifest::from_bytes(&plan.manifest_bytes).unwrap(), plan.manifest);
		assert_eq!(plan.manifest_hash(), sp_crypto_hashing::blake2_256(&plan.manifest_bytes));
	}

	#[test]
	fn units_are_read_and_wrong_ones_explained() {
		assert_eq!(parse_cpu("500m"), Ok(500));
		assert_eq!(parse_cpu("0.25"), Ok(250));
		assert_eq!(parse_cpu("2"), Ok(2000));
		assert!(parse_cpu("2 cores").is_err());
		assert!(parse_cpu("0").is_err());
		assert_eq!(parse_memory("2Gi"), Ok(2048));
		assert!(parse_memory("128MB").unwrap_err().contains("Mi or Gi"));
		assert_eq!(parse_storage("1Ti"), Ok(1024));
		assert!(parse_storage("5GB").is_err());

		let e = error(&GOOD.replace("\"128Mi\"", "\"128MB\""));
		assert!(e.contains("resources.memory = \"128MB\"") && e.contains("Mi or Gi"), "{e}");
		let e = error(&GOOD.replace("\"128Mi\"", "128"));
		assert!(e.contains("resources.memory") && e.contains("give a unit"), "{e}");
		let e = error(&GOOD.replace("\"500m\"", "\"fast\""));
		assert!(e.contains("resources.cpu") && e.contains("millicores"), "{e}");
		let e = error(&GOOD.replace("\"0.001\"", "\"cheap\""));
		assert!(e.contains("max_price"), "{e}");
		let e = error(&GOOD.replace("duration = 100", "duration = 0"));
		assert!(e.contains("duration"), "{e}");
		let e = error(&GOOD.replace("name = \"hello\"", "name = \"hello\"\nreplicas = 0"));
		assert!(e.contains("replicas"), "{e}");
	}

	#[test]
	fn missing_and_unknown_fields_are_named() {
		let e = error(&GOOD.replace("memory = \"128Mi\"\n", ""));
		assert!(e.contains("missing field `memory`"), "{e}");
		let e = error(&GOOD.replace("escrow = \"10\"\n", ""));
		assert!(e.contains("missing field `escrow`"), "{e}");
		let e = error(&GOOD.replace("duration = 100", "duraton = 100"));
		assert!(e.contains("unknown field `duraton`"), "{e}");
		let e = error(&GOOD.replace("kind = \"http\"", "kind = \"daemon\""));
		assert!(e.contains("daemon"), "{e}");
		let e = error("name = ");
		assert!(e.contains("app.toml"), "{e}");
	}

	#[test]
	fn unreadable_files_and_bad_artifacts_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let e = load(&dir.path().join("absent.toml")).unwrap_err().to_string();
		assert!(e.contains("cannot read") && e.contains("absent.toml"), "{e}");

		let path = write(dir.path(), &GOOD.replace("app.wasm", "gone.wasm"), COMPONENT);
		let e = load(&path).unwrap_err().to_string();
		assert!(e.contains("gone.wasm"), "{e}");

		let path = write(dir.path(), GOOD, &[0, b'a', b's', b'm', 1, 0, 0, 0]);
		let e = load(&path).unwrap_err().to_string();
		assert!(e.contains("core WebAssembly module") && e.contains("wasm32-wasip2"), "{e}");

		let path = write(dir.path(), GOOD, b"#!/bin/sh\n");
		assert!(load(&path).unwrap_err().to_string().contains("not WebAssembly"));

		let mut big = COMPONENT.to_vec();
		big.resize(MAX_ARTIFACT_BYTES as usize + 1, 0);
		let path = write(dir.path(), GOOD, &big);
		let e = load(&path).unwrap_err().to_string();
		assert!(e.contains("over the") && e.contains("limit"), "{e}");
	}
}
