//! What a request to a lease's HTTP service costs the agent: a fresh instance of the
//! component (from its pre-instantiated form), a CGI run of `GET /`, the response captured;
//! and, once per deployment, compiling the component.
//!
//! `cargo bench -p nubes-agent --bench instantiate` (builds the examples first).

use criterion::{criterion_group, criterion_main, Criterion};
use nubes_agent::runtime::{wasm::WasmRuntime, Invocation, Limits, LogSink, Runtime};
use std::{
	path::Path,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};

fn hello() -> Vec<u8> {
	let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
	let status = std::process::Command::new("bash")
		.arg(root.join("scripts/build-examples.sh"))
		.status()
		.expect("run scripts/build-examples.sh");
	assert!(status.success());
	std::fs::read(root.join("examples/workloads/build/hello-http.wasm")).expect("built example")
}

fn instantiate(c: &mut Criterion) {
	let artifact = hello();
	let runtime = WasmRuntime::new().expect("engine");
	let program = runtime.prepare(&artifact).expect("compiles");
	let dir = tempfile::tempdir().expect("temp dir");
	let log = LogSink::open(&dir.path().join("bench.log"), 1 << 20).expect("log");
	let cancel = Arc::new(AtomicBool::new(false));
	let request = || Invocation {
		args: vec![],
		env: vec![
			("REQUEST_METHOD".into(), "GET".into()),
			("PATH_INFO".into(), "/".into()),
			("NUBES_LEASE".into(), "1".into()),
		],
		stdin: vec![],
		capture_stdout: Some(1 << 20),
		log: log.clone(),
		scratch: dir.path().join("scratch"),
		limits: Limits {
			memory_bytes: 128 << 20,
			cpu_millicores: 1000,
			wall: Duration::from_secs(30),
			network: false,
			writable_scratch: true,
		},
		cancel: cancel.clone(),
	};
	let outcome = program.run(request()).expect("runs");
	assert!(String::from_utf8_lossy(&outcome.stdout).contains("Hello from Nubes lease 1"));

	c.bench_function("hello-http: instantiate and serve GET /", |b| {
		b.iter(|| program.run(request()).expect("runs"))
	});
	let mut group = c.benchmark_group("compile");
	group.sample_size(10);
	group.bench_function("hello-http: compile the component", |b| {
		b.iter(|| runtime.prepare(&artifact).expect("compiles"))
	});
	// What a restart costs per kept artifact instead: loading its native code.
	let native = runtime.precompile(&artifact).expect("compiles");
	group.bench_function("hello-http: load the kept native code", |b| {
		// SAFETY: `precompile` of this runtime made these bytes.
		b.iter(|| unsafe { runtime.load(&native) }.expect("loads"))
	});
	group.finish();
}

criterion_group!(benches, instantiate);
criterion_main!(benches);
