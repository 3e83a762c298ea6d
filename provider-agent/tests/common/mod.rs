//! What the agent's runtime test suites share: the sample components and one invocation's
//! directory and log.
#![allow(dead_code)]

use nubes_agent::{
	metrics::Metrics,
	runtime::{
		wasm::{thread_cpu_time, WasmRuntime},
		Invocation, Limits, LogSink, Program, RunError, Runtime,
	},
	store::{DeploymentRecord, Store},
	workloads::{Request, Workloads},
};
use nubes_client::agent_api::{hash_hex, Manifest, WorkloadKind, MANIFEST_VERSION};
use nubes_primitives::Resources;
use std::{
	path::{Path, PathBuf},
	sync::{atomic::AtomicBool, Arc, OnceLock},
	time::Duration,
};

pub fn example(name: &str) -> Vec<u8> {
	static BUILT: OnceLock<PathBuf> = OnceLock::new();
	let dir = BUILT.get_or_init(|| {
		let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
		let status = std::process::Command::new("bash")
			.arg(root.join("scripts/build-examples.sh"))
			.status()
			.expect("run scripts/build-examples.sh");
		assert!(status.success(), "scripts/build-examples.sh failed");
		root.join("examples/workloads/build")
	});
	std::fs::read(dir.join(format!("{name}.wasm"))).expect("built example")
}

pub fn probe_program(runtime: &WasmRuntime) -> Arc<dyn Program> {
	runtime.prepare(&example("sandbox-probe")).expect("the probe compiles")
}

pub fn limits(memory_mib: u64, millicores: u64, wall: Duration, network: bool) -> Limits {
	Limits {
		memory_bytes: memory_mib << 20,
		cpu_millicores: millicores,
		wall,
		network,
		writable_scratch: true,
	}
}

pub struct Run {
	pub dir: tempfile::TempDir,
	pub log: LogSink,
}

impl Run {
	pub fn new() -> Self {
		let dir = tempfile::tempdir().unwrap();
		let log = LogSink::open(&dir.path().join("workload.log"), 64 * 1024).unwrap();
		Self { dir, log }
	}

	pub fn scratch(&self) -> PathBuf {
		self.dir.path().join("scratch")
	}

	pub fn invocation(
		&self,
		attempt: &str,
		env: Vec<(String, String)>,
		limits: Limits,
	) -> Invocation {
		Invocation {
			args: vec![attempt.to_string()],
			env,
			stdin: Vec::new(),
			capture_stdout: Some(4096),
			log: self.log.clone(),
			scratch: self.scratch(),
			limits,
			cancel: Arc::new(AtomicBool::new(false)),
		}
	}

	pub fn log_text(&self) -> String {
		String::from_utf8_lossy(&self.log.tail(64 * 1024).unwrap()).into_owned()
	}
}

/// Runs on a fresh thread and returns the result with the thread's CPU time.
pub fn run_measured(
	program: Arc<dyn Program>,
	invocation: Invocation,
) -> std::thread::JoinHandle<(Result<nubes_agent::runtime::Outcome, RunError>, Duration)> {
	std::thread::spawn(move || {
		let result = program.run(invocation);
		(result, thread_cpu_time())
	})
}

/// A kept deployment of the example `name` for `lease`.
pub fn record(
	store: &Store,
	lease: u64,
	name: &str,
	kind: WorkloadKind,
	cpu: u64,
) -> DeploymentRecord {
	let artifact = example(name);
	let hash = hash_hex(&sp_crypto_hashing::blake2_256(&artifact));
	store.put_artifact(&hash, &artifact).unwrap();
	let manifest = Manifest {
		version: MANIFEST_VERSION,
		kind,
		runtime: "wasm".into(),
		artifact_hash: hash.clone(),
		artifact_size: artifact.len() as u64,
		args: if kind == WorkloadKind::Job { vec!["ok".into()] } else { vec![] },
		env: [("GREETING".to_string(), "Salut".to_string())].into(),
		network: false,
	};
	DeploymentRecord {
		lease,
		tenant: "tenant".into(),
		resources: Resources { cpu_millicores: cpu, memory_mib: 64, storage_gib: 0, gpus: 0 },
		manifest: manifest.to_bytes(),
		artifact_hash: hash,
		confirmed: true,
		finished: None,
	}
}

/// A GET request for a workload.
pub fn get(path: &str) -> Request {
	Request {
		method: "GET".into(),
		script_name: String::new(),
		path: path.into(),
		query: String::new(),
		headers: vec![],
		body: vec![],
	}
}

/// The workloads of a store, with volumes for leases that bought storage (this machine mounts
/// them: the tests run as root), 64 KiB of log per lease and no network grants.
pub fn workloads(store: &Arc<Store>, request_timeout: Duration) -> Workloads {
	Workloads::new(
		Arc::new(WasmRuntime::new().unwrap()),
		store.clone(),
		Metrics::new().unwrap(),
		request_timeout,
		64 * 1024,
		false,
	)
	.with_volumes(true)
}
