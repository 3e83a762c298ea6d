//! Hostile tenants against the runtime: each test is one attack a tenant's workload could try
//! on the provider's machine, run with a real component, and what stops it.
//!
//! - a guest that sleeps inside a host call, where no epoch check reaches it, is stopped at
//!   its wall time and when its lease closes;
//! - a component of many core instances, each with its own memory, gets the lease's memory
//!   once, and may not make instances without end;
//! - host buffers (the request body) count in the lease's memory;
//! - a workload granted the network reaches neither loopback (by address or by a name that
//!   resolves to it) nor this machine's own addresses.

mod common;

use common::{limits, probe_program, Run};
use nubes_agent::runtime::{
	net::NetPolicy, wasm::WasmRuntime, Outcome, Program, RunError, Runtime,
};
use std::{
	sync::{atomic::Ordering, mpsc, Arc},
	time::Duration,
};

/// Runs an invocation on its own thread; its result, unless it is still running after
/// `patience` (then the attack worked: the guest escaped its limits).
fn run_with_patience(
	program: Arc<dyn Program>,
	invocation: nubes_agent::runtime::Invocation,
	patience: Duration,
) -> Result<Outcome, RunError> {
	let (tx, rx) = mpsc::channel();
	std::thread::spawn(move || {
		let _ = tx.send(program.run(invocation));
	});
	rx.recv_timeout(patience).expect("the guest was still running: it escaped its limits")
}

#[test]
fn a_guest_sleeping_in_a_host_call_is_stopped_at_its_wall_time() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let run = Run::new();
	let wall = Duration::from_millis(500);
	let result = run_with_patience(
		program,
		run.invocation("sleep", vec![], limits(64, 1000, wall, false)),
		Duration::from_secs(60),
	);
	assert_eq!(result, Err(RunError::WallTime(wall)));
}

#[test]
fn a_guest_sleeping_in_a_host_call_is_stopped_when_its_lease_closes() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let run = Run::new();
	let invocation =
		run.invocation("sleep", vec![], limits(64, 1000, Duration::from_secs(7200), false));
	let cancel = invocation.cancel.clone();
	let (tx, rx) = mpsc::channel();
	std::thread::spawn(move || {
		let _ = tx.send(program.run(invocation));
	});
	// Asleep in the host by now (instantiating takes milliseconds).
	std::thread::sleep(Duration::from_millis(500));
	assert!(rx.try_recv().is_err(), "the sleeper returned before it was stopped");
	cancel.store(true, Ordering::Relaxed);
	let result =
		rx.recv_timeout(Duration::from_secs(60)).expect("the sleeper ignored its lease closing");
	assert_eq!(result, Err(RunError::Cancelled));
}

/// A component whose `wasi:cli/run` is in the first of `instances` instances of one core
/// module, each with its own linear memory of `pages` 64 KiB pages (or none).
fn many_instances(instances: usize, pages: Option<u32>) -> Vec<u8> {
	let memory =
		pages.map(|pages| format!("(memory (export \"memory\") {pages})")).unwrap_or_default();
	let mut text = format!(
		"(component\n (core module $m {memory} \
		 (func (export \"run\") (result i32) i32.const 0))\n"
	);
	for i in 0..instances {
		text.push_str(&format!(" (core instance $i{i} (instantiate $m))\n"));
	}
	text.push_str(
		" (func $run (result (result)) (canon lift (core func $i0 \"run\")))\n \
		 (instance $cli (export \"run\" (func $run)))\n \
		 (export \"wasi:cli/run@0.2.0\" (instance $cli)))",
	);
	wat::parse_str(&text).expect("the test component assembles")
}

#[test]
fn many_memories_get_the_lease_memory_once() {
	let runtime = WasmRuntime::new().unwrap();
	let run = Run::new();
	// One instance of 32 MiB runs in a 64 MiB lease...
	let one = runtime.prepare(&many_instances(1, Some(512))).expect("compiles");
	let outcome =
		one.run(run.invocation("", vec![], limits(64, 1000, Duration::from_secs(30), false)));
	assert!(outcome.expect("one memory fits").success);
	// ...four of them, 128 MiB in all, do not: each memory alone is under the limit.
	let four = runtime.prepare(&many_instances(4, Some(512))).expect("compiles");
	let result =
		four.run(run.invocation("", vec![], limits(64, 1000, Duration::from_secs(30), false)));
	assert_eq!(result.err(), Some(RunError::Memory(64 << 20)));
}

#[test]
fn a_component_may_not_make_instances_without_end() {
	let runtime = WasmRuntime::new().unwrap();
	let run = Run::new();
	// 200 instances of a module that has no memory: refused when compiled or when run.
	let refusal = match runtime.prepare(&many_instances(200, None)) {
		Err(e) => e.to_string(),
		Ok(many) => match many.run(run.invocation(
			"",
			vec![],
			limits(64, 1000, Duration::from_secs(30), false),
		)) {
			Err(RunError::Trap(text)) => text,
			other => panic!("200 instances were allowed: {other:?}"),
		},
	};
	assert!(refusal.contains("instance"), "{refusal}");
}

#[test]
fn a_request_body_counts_in_the_lease_memory() {
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let run = Run::new();
	let mut invocation =
		run.invocation("ok", vec![], limits(16, 1000, Duration::from_secs(30), false));
	invocation.stdin = vec![0; 17 << 20];
	assert_eq!(program.run(invocation), Err(RunError::Memory(16 << 20)));
}

#[test]
fn a_granted_workload_reaches_neither_loopback_nor_this_machine() {
	// Listening on every address: a connection by any route would be seen here.
	let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
	listener.set_nonblocking(true).unwrap();
	let port = listener.local_addr().unwrap().port();
	let own = own_non_loopback_address();
	let mut targets = vec![
		format!("127.0.0.1:{port}"),
		format!("127.0.0.2:{port}"),
		format!("0.0.0.0:{port}"),
		// A name the resolver turns into a loopback address: checked after resolution.
		format!("localhost:{port}"),
	];
	if let Some(ip) = own {
		targets.push(format!("{ip}:{port}"));
	}
	let runtime = WasmRuntime::with_network(NetPolicy::for_this_machine(vec![])).unwrap();
	let program = probe_program(&runtime);
	for target in targets {
		let run = Run::new();
		let env = vec![("TARGET".to_string(), target.clone())];
		let outcome = program
			.run(run.invocation("connect", env, limits(64, 1000, Duration::from_secs(30), true)))
			.unwrap();
		assert!(!outcome.success, "{target}: {}", run.log_text());
		assert!(run.log_text().contains(&format!("connect {target}")), "{}", run.log_text());
		assert!(
			matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
			"a granted workload connected to {target}"
		);
	}
}

/// An address of this machine that is not loopback, if it has one.
fn own_non_loopback_address() -> Option<std::net::IpAddr> {
	// A UDP "connection" picks the outgoing interface without sending anything.
	let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
	socket.connect("192.0.2.1:9").ok()?;
	let ip = socket.local_addr().ok()?.ip();
	(!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
