//! The WebAssembly runtime keeps each lease inside its limits: a memory bomb, an endless loop,
//! a write outside its directory and a connection without the grant are each contained, and
//! other leases go on unharmed (the attacks of `hostile.rs` go further). The workloads are the sample components of
//! `examples/workloads` (built by `scripts/build-examples.sh`).

mod common;

use common::{example, get, limits, probe_program, record, run_measured, workloads, Run};
use nubes_agent::{
	runtime::{net::NetPolicy, wasm::WasmRuntime, RunError, Runtime},
	store::Store,
	workloads::Request,
};
use nubes_client::agent_api::WorkloadKind;
use std::{
	sync::Arc,
	time::{Duration, Instant},
};

#[test]
fn a_memory_bomb_hits_its_lease_limit_and_harms_no_one_else() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let (bomb, neighbour) = (Run::new(), Run::new());
	let bombing = run_measured(
		program.clone(),
		bomb.invocation("memory", vec![], limits(64, 1000, Duration::from_secs(30), false)),
	);
	let quiet = run_measured(
		program.clone(),
		neighbour.invocation("ok", vec![], limits(64, 1000, Duration::from_secs(30), false)),
	);
	let (bombed, _) = bombing.join().unwrap();
	assert_eq!(bombed, Err(RunError::Memory(64 << 20)));
	let (ok, _) = quiet.join().unwrap();
	let ok = ok.unwrap();
	assert!(ok.success);
	assert_eq!(ok.stdout, b"ok\n");
}

#[test]
fn an_endless_loop_is_stopped_at_its_wall_time_and_held_to_its_cpu_share() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let wall = Duration::from_millis(1500);

	let quarter = Run::new();
	let started = Instant::now();
	let (result, cpu) = run_measured(
		program.clone(),
		quarter.invocation("spin", vec![], limits(64, 250, wall, false)),
	)
	.join()
	.unwrap();
	let elapsed = started.elapsed();
	assert_eq!(result, Err(RunError::WallTime(wall)));
	assert!(elapsed >= wall, "stopped after {elapsed:?}");
	// A quarter core: the thread slept off everything above 25 % of the wall time (with the
	// slack of one tick and of compiling the instance).
	assert!(cpu < wall.mul_f64(0.40), "used {cpu:?} of CPU in {elapsed:?}");

	let full = Run::new();
	let (result, cpu) =
		run_measured(program, full.invocation("spin", vec![], limits(64, 1000, wall, false)))
			.join()
			.unwrap();
	assert_eq!(result, Err(RunError::WallTime(wall)));
	// A whole core is not throttled: the same loop uses far more CPU.
	assert!(cpu > wall.mul_f64(0.5), "used only {cpu:?}");
}

#[test]
fn a_cancelled_invocation_stops() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let run = Run::new();
	let invocation =
		run.invocation("spin", vec![], limits(64, 1000, Duration::from_secs(60), false));
	let cancel = invocation.cancel.clone();
	let handle = run_measured(program, invocation);
	std::thread::sleep(Duration::from_millis(300));
	cancel.store(true, std::sync::atomic::Ordering::Relaxed);
	assert_eq!(handle.join().unwrap().0, Err(RunError::Cancelled));
}

#[test]
fn writes_outside_the_lease_directory_are_refused() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let run = Run::new();
	let outside = run.dir.path().join("outside.txt");
	let env = vec![("HOST_PATH".to_string(), outside.display().to_string())];
	let outcome = program
		.run(run.invocation("escape", env, limits(64, 1000, Duration::from_secs(30), false)))
		.unwrap();
	let text = String::from_utf8_lossy(&outcome.stdout).into_owned();
	assert!(outcome.success, "{text} {}", run.log_text());
	assert!(text.starts_with("refused:"), "{text}");
	assert!(!outside.exists(), "the host path was written");
	assert!(
		!run.dir.path().join("escaped").exists(),
		"the parent of the scratch directory was written"
	);
	assert_eq!(std::fs::read(run.scratch().join("inside")).unwrap(), b"inside");
}

#[test]
fn connections_need_the_network_grant_and_an_allowed_address() {
	let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
	listener.set_nonblocking(true).unwrap();
	let target = listener.local_addr().unwrap();
	// The operator allows this one loopback pair, as it might a database on its LAN.
	let runtime = WasmRuntime::with_network(NetPolicy::new(vec![], vec![target])).unwrap();
	let program = probe_program(&runtime);
	let env = vec![("TARGET".to_string(), target.to_string())];

	let denied = Run::new();
	let outcome = program
		.run(denied.invocation(
			"connect",
			env.clone(),
			limits(64, 1000, Duration::from_secs(30), false),
		))
		.unwrap();
	assert!(!outcome.success);
	assert!(denied.log_text().contains("connect 127.0.0.1"), "{}", denied.log_text());
	assert!(
		matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
		"a connection got through without the grant"
	);

	let granted = Run::new();
	let outcome = program
		.run(granted.invocation("connect", env, limits(64, 1000, Duration::from_secs(30), true)))
		.unwrap();
	assert!(outcome.success, "{}", granted.log_text());
	listener.set_nonblocking(false).unwrap();
	let (mut stream, _) = listener.accept().unwrap();
	let mut got = String::new();
	std::io::Read::read_to_string(&mut stream, &mut got).unwrap();
	assert_eq!(got, "hello from the sandbox");
}

#[test]
fn core_modules_and_garbage_are_refused() {
	let runtime = WasmRuntime::new().unwrap();
	let core_module = [0, b'a', b's', b'm', 1, 0, 0, 0];
	let e = runtime.prepare(&core_module).err().unwrap().to_string();
	assert!(e.contains("wasm32-wasip2"), "{e}");
	let mut broken = example("hello-http");
	broken.truncate(broken.len() / 2);
	let e = runtime.prepare(&broken).err().unwrap().to_string();
	assert!(e.contains("does not compile"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_workloads_serve_requests_and_survive_a_neighbours_runaway() {
	let dir = tempfile::tempdir().unwrap();
	let store = Arc::new(Store::open(dir.path()).unwrap());
	let workloads = workloads(&store, Duration::from_secs(1));
	let lease_dir = store.lease_dir(1);
	let _unmount = Unmount(lease_dir.clone());
	// The hello service counts visits in its scratch space: it buys 1 GiB of it.
	let mut hello = record(&store, 1, "hello-http", WorkloadKind::Http, 500);
	hello.resources.storage_gib = 1;
	let probe = record(&store, 2, "sandbox-probe", WorkloadKind::Http, 500);
	for r in [&hello, &probe] {
		store.put_deployment(r).unwrap();
		workloads.start(r).await.unwrap();
	}

	let response = workloads.serve(1, get("/")).await;
	assert_eq!(response.status, 200);
	assert_eq!(response.body, b"Salut from Nubes lease 1\n");
	for expected in ["1\n", "2\n"] {
		let response = workloads.serve(1, get("/counter")).await;
		assert_eq!(String::from_utf8_lossy(&response.body), expected);
	}
	assert_eq!(std::fs::read_to_string(store.lease_dir(1).join("scratch/counter")).unwrap(), "2");
	let echo = Request { method: "POST".into(), body: b"ping".to_vec(), ..get("/echo") };
	assert_eq!(workloads.serve(1, echo).await.body, b"ping");
	assert_eq!(workloads.serve(1, get("/nowhere")).await.status, 404);
	assert_eq!(workloads.serve(9, get("/")).await.status, 404);

	// Lease 2 spins and bombs; lease 1 keeps answering meanwhile.
	let (spin, bomb, meanwhile) = tokio::join!(
		workloads.serve(2, get("/spin")),
		workloads.serve(2, get("/memory")),
		workloads.serve(1, get("/")),
	);
	assert_eq!(spin.status, 504, "{}", String::from_utf8_lossy(&spin.body));
	assert_eq!(bomb.status, 502, "{}", String::from_utf8_lossy(&bomb.body));
	assert!(String::from_utf8_lossy(&bomb.body).contains("out of memory"));
	assert_eq!(meanwhile.status, 200);
	assert_eq!(workloads.serve(2, get("/ok")).await.body, b"ok");

	// A job runs to its end; stopping a lease ends its service.
	let job = record(&store, 3, "sandbox-probe", WorkloadKind::Job, 500);
	store.put_deployment(&job).unwrap();
	let running = workloads.start(&job).await.unwrap();
	for _ in 0..100 {
		if store.deployment(3).unwrap().unwrap().finished.is_some() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	assert_eq!(
		store.deployment(3).unwrap().unwrap().finished.as_deref(),
		Some("completed: exit 0")
	);
	let log = String::from_utf8_lossy(&running.log().tail(4096).unwrap()).into_owned();
	assert!(log.contains("ok\n") && log.contains("[agent] job completed"), "{log}");
	assert!(workloads.remove(1));
	assert_eq!(workloads.serve(1, get("/")).await.status, 404);
	assert!(!nubes_agent::disk::is_mounted(&store.lease_dir(1).join("scratch")));
}

/// Releases a lease's volume however the test ends, so a failing run leaves no mount.
struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
	fn drop(&mut self) {
		let _ = nubes_agent::disk::release(&self.0);
	}
}
