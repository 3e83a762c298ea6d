//! Hostile tenants against the runtime: each test is one attack a tenant's workload could try
//! on the provider's machine, run with a real component, and what stops it.
//!
//! - a guest that sleeps inside a host call, where no epoch check reaches it, is stopped at
//!   its wall time and when its lease closes;
//! - a component of many core instances, each with its own memory, gets the lease's memory
//!   once, and may not make instances without end;
//! - host buffers (the request body) count in the lease's memory, and the host handles a guest
//!   may hold (files, streams, sockets) are capped;
//! - a workload granted the network reaches neither loopback (by address or by a name that
//!   resolves to it) nor this machine's own addresses;
//! - native code changed on disk is never loaded as a kept compile.

mod common;

use common::{get, limits, probe_program, record, workloads, Run};
use nubes_agent::runtime::{
	net::NetPolicy, wasm::WasmRuntime, Outcome, Program, RunError, Runtime,
};
use nubes_agent::store::DeploymentRecord;
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
	assert_eq!(result, Err(RunError::WallTime(wall)), "{}", run.log_text());
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
fn a_guest_cannot_hold_host_handles_without_end() {
	use nubes_agent::runtime::wasm::MAX_RESOURCES;
	let runtime = WasmRuntime::new().unwrap();
	let program = probe_program(&runtime);
	let run = Run::new();
	let invocation =
		run.invocation("handles", vec![], limits(64, 1000, Duration::from_secs(30), false));
	// Every handle is host memory and, for a file or socket, one of the agent's descriptors:
	// past the cap the guest is stopped, and nothing outside it is touched.
	let stopped = program.run(invocation).expect_err("the guest may not hold handles without end");
	assert!(
		matches!(&stopped, RunError::Trap(why) if why.contains("resource table has no free keys")),
		"{stopped:?} (cap {MAX_RESOURCES})"
	);
	// The same program runs again at once: nothing was left held.
	let again =
		program.run(run.invocation("ok", vec![], limits(64, 1000, Duration::from_secs(30), false)));
	assert!(again.expect("runs").success);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_started_twice_at_once_runs_once() {
	use nubes_agent::store::Store;
	use nubes_client::agent_api::WorkloadKind;
	let dir = tempfile::tempdir().unwrap();
	let store = Arc::new(Store::open(dir.path()).unwrap());
	let workloads = workloads(&store, Duration::from_secs(1));
	let job = record(&store, 5, "sandbox-probe", WorkloadKind::Job, 500);
	store.put_deployment(&job).unwrap();
	// A deployment retried while reconciliation brings the same lease up: four starts race.
	let (a, b, c, d) = tokio::join!(
		workloads.start(&job),
		workloads.start(&job),
		workloads.start(&job),
		workloads.start(&job)
	);
	let first = a.unwrap();
	for other in [b, c, d] {
		assert!(Arc::ptr_eq(&first, &other.unwrap()), "two workloads for one lease");
	}
	for _ in 0..200 {
		if store.deployment(5).unwrap().unwrap().finished.is_some() {
			break;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	tokio::time::sleep(Duration::from_millis(500)).await;
	let log = String::from_utf8_lossy(&first.log().tail(64 * 1024).unwrap()).into_owned();
	assert_eq!(log.matches("[agent] lease 5 started").count(), 1, "{log}");
	assert_eq!(log.matches("[agent] job completed").count(), 1, "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_code_changed_on_disk_is_never_loaded() {
	use nubes_agent::store::Store;
	use nubes_client::agent_api::WorkloadKind;
	use std::os::unix::fs::MetadataExt;
	let dir = tempfile::tempdir().unwrap();
	let store = Arc::new(Store::open(dir.path()).unwrap());
	let hello = record(&store, 1, "hello-http", WorkloadKind::Http, 500);
	store.put_deployment(&hello).unwrap();
	let code = dir
		.path()
		.join("compiled")
		.join(format!("{}.cwasm", hello.artifact_hash.trim_start_matches("0x")));
	// The first start compiles and keeps the native code.
	serves_hello(&store, &hello).await;
	let kept = std::fs::metadata(&code).expect("native code kept").ino();
	// After a restart it is loaded, not compiled and written again.
	serves_hello(&store, &hello).await;
	assert_eq!(std::fs::metadata(&code).unwrap().ino(), kept, "compiled again");

	// Bytes changed on disk (here: the same length, one byte flipped in the middle, in the
	// machine code, which wasmtime itself would load) are never loaded: the artifact is
	// compiled again and serves as before.
	let mut changed = std::fs::read(&code).unwrap();
	let middle = changed.len() / 2;
	changed[middle] ^= 0xff;
	std::fs::write(&code, &changed).unwrap();
	serves_hello(&store, &hello).await;
	let rewritten = std::fs::read(&code).unwrap();
	assert_ne!(rewritten, changed, "the changed code stayed");
}

/// Starts `hello` on fresh workloads of `store` (as after a restart) and checks it answers.
async fn serves_hello(store: &Arc<nubes_agent::store::Store>, hello: &DeploymentRecord) {
	let workloads = workloads(store, Duration::from_secs(1));
	workloads.start(hello).await.unwrap();
	let response = workloads.serve(hello.lease, get("/")).await;
	assert_eq!(response.body, format!("Salut from Nubes lease {}\n", hello.lease).as_bytes());
}

/// A kept deployment of the probe for `lease`, running `attempt` as a job, with `storage_gib`.
fn probe_job(
	store: &nubes_agent::store::Store,
	lease: u64,
	attempt: &str,
	storage_gib: u64,
) -> nubes_agent::store::DeploymentRecord {
	use nubes_client::agent_api::{Manifest, WorkloadKind};
	let mut job = record(store, lease, "sandbox-probe", WorkloadKind::Job, 1000);
	let mut manifest = Manifest::from_bytes(&job.manifest).unwrap();
	manifest.args = vec![attempt.into()];
	job.manifest = manifest.to_bytes();
	job.resources.storage_gib = storage_gib;
	store.put_deployment(&job).unwrap();
	job
}

/// Waits until a job has ended; how it ended.
async fn ended(store: &nubes_agent::store::Store, lease: u64) -> String {
	for _ in 0..1200 {
		if let Some(how) = store.deployment(lease).unwrap().unwrap().finished {
			return how;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	panic!("job {lease} did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_disk_is_held_to_what_the_lease_bought() {
	use nubes_agent::{disk, store::Store};
	let dir = tempfile::tempdir().unwrap();
	let store = Arc::new(Store::open(dir.path()).unwrap());
	let workloads = workloads(&store, Duration::from_secs(5));
	// Lease 7 bought 1 GiB and writes until the disk refuses; lease 8 bought 1 GiB too and
	// writes a little meanwhile; lease 9 bought none.
	let _unmount = Unmount(store.clone(), vec![7, 8, 9]);
	let filler = probe_job(&store, 7, "fill", 1);
	let neighbour = probe_job(&store, 8, "escape", 1);
	let penniless = probe_job(&store, 9, "fill", 0);
	let data_free_before = free_bytes(dir.path());
	for job in [&filler, &neighbour, &penniless] {
		workloads.start(job).await.unwrap();
	}
	let filled = ended(&store, 7).await;
	let log = String::from_utf8_lossy(&store_log(&store, 7)).into_owned();
	let written: u64 = log
		.split("disk full after ")
		.nth(1)
		.and_then(|rest| rest.split(' ').next())
		.and_then(|n| n.parse().ok())
		.unwrap_or_else(|| panic!("no clear disk-full error: {filled} {log}"));
	assert!(log.contains("[agent] the lease's scratch space is full: "), "{log}");
	assert!(written <= 1 << 30, "wrote {written} bytes on a 1 GiB lease");
	assert!(written >= 900 << 20, "stopped early, at {written} bytes");
	// The neighbour wrote its file; the lease without storage could write nothing.
	assert_eq!(ended(&store, 8).await, "completed: exit 0");
	assert_eq!(std::fs::read(store.lease_dir(8).join("scratch/inside")).unwrap(), b"inside");
	assert_eq!(ended(&store, 9).await, "exited with an error");
	let log = String::from_utf8_lossy(&store_log(&store, 9)).into_owned();
	assert!(log.contains("cannot create /fill"), "{log}");
	// The volumes were allocated when the leases started: filling one took nothing more
	// from the agent's own volume.
	let data_free_after = free_bytes(dir.path());
	assert!(
		data_free_after + (64 << 20) >= data_free_before.saturating_sub(2 << 30),
		"the agent's volume lost {} bytes",
		data_free_before - data_free_after
	);
	for lease in [7, 8, 9] {
		workloads.remove(lease);
		assert!(!disk::is_mounted(&store.lease_dir(lease).join("scratch")));
	}
}

/// Releases the leases' volumes however the test ends, so a failing run leaves no mounts.
struct Unmount(Arc<nubes_agent::store::Store>, Vec<u64>);

impl Drop for Unmount {
	fn drop(&mut self) {
		for lease in &self.1 {
			let _ = nubes_agent::disk::release(&self.0.lease_dir(*lease));
		}
	}
}

fn store_log(store: &nubes_agent::store::Store, lease: u64) -> Vec<u8> {
	nubes_agent::runtime::log::read_tail(&store.lease_dir(lease).join("workload.log"), 64 << 10)
		.unwrap()
}

/// Free bytes on the filesystem holding `path`.
fn free_bytes(path: &std::path::Path) -> u64 {
	nubes_agent::disk::space(path).expect("statvfs").0
}

// ---- Strangers against the HTTP server ----

mod server {
	use axum::{body::Bytes, routing::get, Router};
	use nubes_agent::api::{
		limited,
		server::{serve, ServerLimits},
		DoorLimits,
	};
	use std::{
		io::{Read, Write},
		net::{SocketAddr, TcpStream},
		time::{Duration, Instant},
	};

	/// Serves `router` on a free loopback port with `limits`; returns its address.
	async fn start(
		router: Router,
		limits: ServerLimits,
	) -> (SocketAddr, tokio::sync::watch::Sender<bool>) {
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let address = listener.local_addr().unwrap();
		let (stop, stopped) = tokio::sync::watch::channel(false);
		tokio::spawn(serve(listener, router, limits, None, stopped));
		(address, stop)
	}

	fn app() -> Router {
		Router::new()
			.route("/", get(|| async { "ok" }))
			.route(
				"/slow",
				get(|| async {
					tokio::time::sleep(Duration::from_secs(3)).await;
					"slow"
				}),
			)
			.route("/echo", axum::routing::post(|body: Bytes| async move { body }))
	}

	/// A plain GET from the given local address; the status line's code.
	fn get_status(server: SocketAddr, path: &str) -> u16 {
		let mut stream = TcpStream::connect(server).unwrap();
		stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
		write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
		let mut text = String::new();
		let _ = stream.read_to_string(&mut text);
		text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
	}

	/// A connection from `source` (a loopback address) that sends half a request's headers.
	fn half_open(source: &str, server: SocketAddr) -> TcpStream {
		let mut stream = connect_from(source, server);
		stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
		stream
	}

	/// Connects to `server` from the loopback address `source` (any port).
	fn connect_from(source: &str, server: SocketAddr) -> TcpStream {
		// std has no bind-before-connect; libc does it in a few lines.
		let source: std::net::Ipv4Addr = source.parse().unwrap();
		// SAFETY: plain socket calls on a descriptor we own and hand to `TcpStream`.
		unsafe {
			use std::os::fd::FromRawFd;
			let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
			assert!(fd >= 0);
			let mut local: libc::sockaddr_in = std::mem::zeroed();
			local.sin_family = libc::AF_INET as _;
			local.sin_addr.s_addr = u32::from(source).to_be();
			let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
			assert_eq!(libc::bind(fd, &local as *const _ as *const libc::sockaddr, len), 0);
			let SocketAddr::V4(v4) = server else { panic!("IPv4 server") };
			let mut remote: libc::sockaddr_in = std::mem::zeroed();
			remote.sin_family = libc::AF_INET as _;
			remote.sin_port = v4.port().to_be();
			remote.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
			assert_eq!(libc::connect(fd, &remote as *const _ as *const libc::sockaddr, len), 0);
			TcpStream::from_raw_fd(fd)
		}
	}

	/// Whether the server closed this connection (within `patience`).
	fn closed_within(stream: &mut TcpStream, patience: Duration) -> bool {
		stream.set_read_timeout(Some(patience)).unwrap();
		let mut buf = [0u8; 1024];
		loop {
			match stream.read(&mut buf) {
				Ok(0) => return true,
				Ok(_) => continue,
				Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
				Err(_) => return false,
			}
		}
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn slowloris_from_one_address_cannot_take_the_server() {
		let limits = ServerLimits {
			max_connections: 1000,
			max_connections_per_ip: 8,
			// The attacker is on 127.0.0.2 here; in production loopback is a local proxy.
			exempt_loopback: false,
			header_read_timeout: Duration::from_secs(1),
			shutdown_grace: Duration::from_secs(1),
		};
		let (server, _stop) = start(app(), limits).await;
		let outcome = tokio::task::spawn_blocking(move || {
			// The attacker, from 127.0.0.2, holds 40 connections with unfinished headers.
			let mut attackers: Vec<TcpStream> =
				(0..40).map(|_| half_open("127.0.0.2", server)).collect();
			std::thread::sleep(Duration::from_millis(200));
			// An honest client, from 127.0.0.1, is served meanwhile.
			let honest = get_status(server, "/");
			// Every attacking connection is closed: past the cap at once, the rest at the
			// header-read timeout.
			let closed = attackers
				.iter_mut()
				.map(|stream| closed_within(stream, Duration::from_secs(10)))
				.filter(|closed| *closed)
				.count();
			(honest, closed)
		})
		.await
		.unwrap();
		assert_eq!(outcome, (200, 40));
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_dribbled_body_is_cut_off() {
		let door = DoorLimits { request_time: Duration::from_secs(1), concurrency: 16 };
		let (server, _stop) = start(limited(app(), door), ServerLimits::default()).await;
		let status = tokio::task::spawn_blocking(move || {
			let mut stream = TcpStream::connect(server).unwrap();
			stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
			write!(stream, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
				.unwrap();
			let started = Instant::now();
			let mut answer = Vec::new();
			// One byte every 200 ms: 20 s for the whole body if nobody stopped it.
			while started.elapsed() < Duration::from_secs(20) {
				let _ = stream.write_all(b"x");
				let mut buf = [0u8; 512];
				match stream.read(&mut buf) {
					Ok(0) => break,
					Ok(n) => {
						answer.extend_from_slice(&buf[..n]);
						break;
					}
					Err(_) => std::thread::sleep(Duration::from_millis(100)),
				}
			}
			String::from_utf8_lossy(&answer).into_owned()
		})
		.await
		.unwrap();
		assert!(status.starts_with("HTTP/1.1 408"), "{status}");
	}

	/// A self-signed certificate for `localhost`: (certificate PEM, key PEM, certificate DER).
	fn certificate() -> (String, String, Vec<u8>) {
		let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
		(
			cert.serialize_pem().unwrap(),
			cert.serialize_private_key_pem(),
			cert.serialize_der().unwrap(),
		)
	}

	/// A GET over TLS to `server` as `localhost`, trusting only `root`; the response, or the
	/// TLS error.
	async fn tls_get(server: SocketAddr, root: &[u8]) -> Result<String, String> {
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let mut roots = rustls::RootCertStore::empty();
		roots.add(rustls::pki_types::CertificateDer::from(root.to_vec())).unwrap();
		let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
		let config = rustls::ClientConfig::builder_with_provider(provider)
			.with_safe_default_protocol_versions()
			.unwrap()
			.with_root_certificates(roots)
			.with_no_client_auth();
		let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
		let tcp = tokio::net::TcpStream::connect(server).await.unwrap();
		let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
		let mut tls = connector.connect(name, tcp).await.map_err(|e| e.to_string())?;
		tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			.await
			.unwrap();
		let mut answer = String::new();
		let _ = tls.read_to_string(&mut answer).await;
		Ok(answer)
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn tls_serves_the_providers_certificate_and_takes_a_renewal_without_restart() {
		use nubes_agent::api::tls::{read_pair, CertFiles, TlsError};
		let dir = tempfile::tempdir().unwrap();
		let (cert_file, key_file) = (dir.path().join("fullchain.pem"), dir.path().join("key.pem"));
		let (first_pem, first_key, first_der) = certificate();
		std::fs::write(&cert_file, &first_pem).unwrap();
		std::fs::write(&key_file, &first_key).unwrap();
		let files = CertFiles::load(&cert_file, &key_file).unwrap();
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let server = listener.local_addr().unwrap();
		let (_stop, stopped) = tokio::sync::watch::channel(false);
		let limits =
			ServerLimits { header_read_timeout: Duration::from_secs(1), ..ServerLimits::default() };
		let acceptor = files.acceptor().unwrap();
		tokio::spawn(serve(listener, app(), limits, Some(acceptor), stopped));

		let answer = tls_get(server, &first_der).await.unwrap();
		assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");
		// Plain HTTP gets no HTTP answer from a TLS listener (the connection may be closed
		// before the request is even written).
		let plain = tokio::task::spawn_blocking(move || {
			let mut stream = TcpStream::connect(server).unwrap();
			stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
			let _ = write!(stream, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
			let mut answer = Vec::new();
			let _ = stream.read_to_end(&mut answer);
			answer
		})
		.await
		.unwrap();
		assert!(!String::from_utf8_lossy(&plain).contains("HTTP/1.1 200"), "{plain:?}");

		// The provider renews: the new pair is served on the next check, no restart.
		assert!(!files.reload_if_changed().unwrap(), "nothing changed yet");
		let (second_pem, second_key, second_der) = certificate();
		std::fs::write(&cert_file, &second_pem).unwrap();
		std::fs::write(&key_file, &second_key).unwrap();
		assert!(files.reload_if_changed().unwrap());
		let answer = tls_get(server, &second_der).await.unwrap();
		assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
		let refused = tls_get(server, &first_der).await.unwrap_err();
		assert!(refused.contains("certificate"), "{refused}");

		// A renewal that cannot load (a key half written) keeps the served pair.
		std::fs::write(&key_file, "-----BEGIN PRIVATE KEY-----\nAAAA").unwrap();
		assert!(files.reload_if_changed().is_err());
		assert!(files.reload_if_changed().is_err(), "tried again at the next check");
		assert!(tls_get(server, &second_der).await.unwrap().starts_with("HTTP/1.1 200"));
		// A key that is not the certificate's is refused, naming the pair.
		std::fs::write(&key_file, &first_key).unwrap();
		assert!(matches!(read_pair(&cert_file, &key_file), Err(TlsError::Pair(_))));
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_stalled_tls_handshake_is_cut_off() {
		let dir = tempfile::tempdir().unwrap();
		let (pem, key, _) = certificate();
		let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
		std::fs::write(&cert_file, pem).unwrap();
		std::fs::write(&key_file, key).unwrap();
		let files = nubes_agent::api::tls::CertFiles::load(&cert_file, &key_file).unwrap();
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let server = listener.local_addr().unwrap();
		let (_stop, stopped) = tokio::sync::watch::channel(false);
		let limits =
			ServerLimits { header_read_timeout: Duration::from_secs(1), ..ServerLimits::default() };
		tokio::spawn(serve(listener, app(), limits, Some(files.acceptor().unwrap()), stopped));
		let closed = tokio::task::spawn_blocking(move || {
			// Connected, and then half a ClientHello's record header, and nothing more.
			let mut stream = TcpStream::connect(server).unwrap();
			stream.write_all(&[0x16, 0x03, 0x01]).unwrap();
			closed_within(&mut stream, Duration::from_secs(10))
		})
		.await
		.unwrap();
		assert!(closed, "a handshake that never ends holds its connection");
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn requests_past_the_doors_concurrency_are_shed_at_once() {
		let door = DoorLimits { request_time: Duration::from_secs(30), concurrency: 1 };
		let (server, _stop) = start(limited(app(), door), ServerLimits::default()).await;
		let (first, second) = tokio::task::spawn_blocking(move || {
			let slow = std::thread::spawn(move || get_status(server, "/slow"));
			std::thread::sleep(Duration::from_millis(500));
			// The slow request holds the one slot: the next is refused, not queued.
			let second = get_status(server, "/");
			(slow.join().unwrap(), second)
		})
		.await
		.unwrap();
		assert_eq!((first, second), (200, 503));
	}
}
