//! The leases' workloads on this machine: starting them from a kept deployment, serving an
//! HTTP workload's requests (CGI over WASI: one fresh instance per request), running a job to
//! its end, stopping them when their lease closes.

use crate::{
	metrics::Metrics,
	runtime::{Invocation, Limits, LogSink, Program, RunError, Runtime},
	store::{DeploymentRecord, Store},
};
use nubes_client::agent_api::{Manifest, WorkloadKind};
use std::{
	collections::HashMap,
	sync::{atomic::AtomicBool, Arc, Mutex},
	time::Duration,
};
use tokio::sync::Semaphore;

/// The most bytes a request body or a response may have.
pub const MAX_HTTP_BODY: usize = 16 * 1024 * 1024;

/// How long a job may run at most (its lease closing stops it sooner).
pub const MAX_JOB_TIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long compiling one artifact may take, waiting for the compile slot included, before
/// its deployment is refused. Compiles run one at a time on one core; one past this bound
/// still holds the compile slot until it ends (so refused compiles never pile up) and keeps
/// nothing.
pub const COMPILE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a workload stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkState {
	/// Serving (HTTP) or running (job).
	Running,
	/// A job that ended; with how.
	Completed(String),
	/// A job that failed; with why.
	Failed(String),
}

/// One lease's running workload.
pub struct Workload {
	lease: u64,
	manifest: Manifest,
	program: Arc<dyn Program>,
	log: LogSink,
	scratch: std::path::PathBuf,
	cancel: Arc<AtomicBool>,
	permits: Arc<Semaphore>,
	instance_limits: Limits,
	state: Mutex<WorkState>,
}

impl Workload {
	/// Where it stands.
	pub fn state(&self) -> WorkState {
		self.state.lock().map(|s| s.clone()).unwrap_or(WorkState::Failed("lock poisoned".into()))
	}

	/// Its log.
	pub fn log(&self) -> &LogSink {
		&self.log
	}

	/// Its kind.
	pub fn kind(&self) -> WorkloadKind {
		self.manifest.kind
	}

	fn invocation(
		&self,
		env: Vec<(String, String)>,
		stdin: Vec<u8>,
		capture: Option<usize>,
		wall: Duration,
	) -> Invocation {
		let mut all_env: Vec<(String, String)> =
			self.manifest.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
		all_env.extend(env);
		all_env.push(("NUBES_LEASE".into(), self.lease.to_string()));
		Invocation {
			args: self.manifest.args.clone(),
			env: all_env,
			stdin,
			capture_stdout: capture,
			log: self.log.clone(),
			scratch: self.scratch.clone(),
			limits: Limits { wall, ..self.instance_limits.clone() },
			cancel: self.cancel.clone(),
		}
	}
}

/// Why a workload could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
	/// The manifest cannot be run here.
	#[error("{0}")]
	Manifest(String),
	/// The artifact is missing or does not compile.
	#[error("{0}")]
	Artifact(String),
	/// The lease directory or log cannot be made.
	#[error("{0}")]
	Io(String),
}

/// An artifact's program from the native code the store keeps for it, else compiled (and
/// its native code kept; failing to keep it only costs a compile after the next restart).
fn native_program(
	runtime: &dyn Runtime,
	store: &Store,
	hash: &str,
	artifact: &[u8],
	abandoned: &AtomicBool,
) -> Result<Arc<dyn Program>, crate::runtime::PrepareError> {
	let tag = runtime.code_tag();
	match store.compiled(hash, &tag) {
		Ok(Some(code)) => {
			// SAFETY: the store hands back only bytes whose digest it recorded when this
			// agent wrote them from `precompile`, under the same code tag.
			match unsafe { runtime.load(&code) } {
				Ok(program) => return Ok(program),
				Err(e) => {
					tracing::warn!(artifact = hash, error = %e, "kept native code not loaded")
				}
			}
		}
		Ok(None) => {}
		Err(e) => tracing::warn!(artifact = hash, error = %e, "cannot read kept native code"),
	}
	let code = runtime.precompile(artifact)?;
	// SAFETY: `precompile` of this runtime made these bytes just now.
	let program = unsafe { runtime.load(&code) }?;
	// Kept only once it loads and links, and only if its deployment still waits for it: a
	// refused artifact leaves nothing behind.
	if abandoned.load(std::sync::atomic::Ordering::Relaxed) {
		return Err(crate::runtime::PrepareError::Invalid("compiled too late".into()));
	}
	if let Err(e) = store.put_compiled(hash, &tag, &code) {
		tracing::warn!(artifact = hash, error = %e, "cannot keep native code");
	}
	Ok(program)
}

/// An HTTP request for a workload.
pub struct Request {
	/// `GET`, `POST`, ...
	pub method: String,
	/// The lease's URL path prefix (`""` on its own host, `/leases/{id}` in the path form).
	pub script_name: String,
	/// The path below the lease's URL, starting with `/`.
	pub path: String,
	/// The query string, without `?`.
	pub query: String,
	/// Headers, lower-case names.
	pub headers: Vec<(String, String)>,
	/// The body.
	pub body: Vec<u8>,
}

/// A workload's HTTP response.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
	/// The status code.
	pub status: u16,
	/// Headers.
	pub headers: Vec<(String, String)>,
	/// The body.
	pub body: Vec<u8>,
}

impl Response {
	fn text(status: u16, text: impl Into<String>) -> Self {
		Self {
			status,
			headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
			body: text.into().into_bytes(),
		}
	}
}

/// Reads a CGI response (RFC 3875 §6): header lines, a blank line, the body; `Status:` sets
/// the status. Output without a header block is a plain-text body.
pub fn parse_cgi(output: &[u8]) -> Response {
	let split = output
		.windows(4)
		.position(|w| w == b"\r\n\r\n")
		.map(|i| (i, i + 4))
		.or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2)));
	let Some((head_end, body_start)) = split else {
		return Response {
			status: 200,
			headers: vec![("content-type".into(), "text/plain".into())],
			body: output.to_vec(),
		};
	};
	let head = String::from_utf8_lossy(&output[..head_end]);
	let mut status = 200;
	let mut headers = Vec::new();
	for line in head.lines() {
		let Some((name, value)) = line.split_once(':') else {
			return Response::text(502, "the workload's response headers are malformed");
		};
		let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
		if name == "status" {
			status = value.split_whitespace().next().and_then(|s| s.parse().ok()).unwrap_or(0);
			if !(100..600).contains(&status) {
				return Response::text(502, "the workload's Status header is malformed");
			}
		} else {
			headers.push((name, value));
		}
	}
	Response { status, headers, body: output[body_start..].to_vec() }
}

/// The workloads of this agent's leases.
pub struct Workloads {
	runtime: Arc<dyn Runtime>,
	store: Arc<Store>,
	metrics: Metrics,
	request_timeout: Duration,
	log_limit: u64,
	allow_network: bool,
	volumes: bool,
	running: Mutex<HashMap<u64, Arc<Workload>>>,
	/// Compiled artifacts by hash, shared by the leases that run the same one.
	programs: Mutex<HashMap<String, std::sync::Weak<dyn Program>>>,
	/// The one compile slot.
	compiling: Arc<Semaphore>,
}

impl Workloads {
	/// Workloads run by `runtime`, kept in `store`.
	pub fn new(
		runtime: Arc<dyn Runtime>,
		store: Arc<Store>,
		metrics: Metrics,
		request_timeout: Duration,
		log_limit: u64,
		allow_network: bool,
	) -> Self {
		Self {
			runtime,
			store,
			metrics,
			request_timeout,
			log_limit,
			allow_network,
			volumes: false,
			running: Mutex::new(HashMap::new()),
			programs: Mutex::new(HashMap::new()),
			compiling: Arc::new(Semaphore::new(1)),
		}
	}

	/// The same, giving leases with storage a volume of their size ([`crate::disk`]); without
	/// volumes such leases are refused, since their storage could not be held to its size.
	pub fn with_volumes(mut self, volumes: bool) -> Self {
		self.volumes = volumes;
		self
	}

	/// Compiles an artifact (refusing a bad one) and keeps the result for the leases that run
	/// it while any holds it, and its native code on disk for after a restart. Code kept on
	/// disk is loaded instead of compiled when the store vouches for its bytes.
	pub async fn compile(
		&self,
		hash: &str,
		artifact: Vec<u8>,
	) -> Result<Arc<dyn Program>, StartError> {
		let abandoned = Arc::new(AtomicBool::new(false));
		let compiled = {
			let (runtime, store, key) =
				(self.runtime.clone(), self.store.clone(), hash.to_string());
			let (compiling, abandoned) = (self.compiling.clone(), abandoned.clone());
			async move {
				let slot = compiling
					.acquire_owned()
					.await
					.map_err(|e| crate::runtime::PrepareError::Invalid(e.to_string()))?;
				tokio::task::spawn_blocking(move || {
					let _slot = slot;
					native_program(runtime.as_ref(), &store, &key, &artifact, &abandoned)
				})
				.await
				.map_err(|e| crate::runtime::PrepareError::Invalid(e.to_string()))?
			}
		};
		// The wait for the compile slot counts in the bound too.
		let program = match tokio::time::timeout(COMPILE_TIMEOUT, compiled).await {
			Ok(compiled) => compiled.map_err(|e| StartError::Artifact(e.to_string()))?,
			Err(_) => {
				abandoned.store(true, std::sync::atomic::Ordering::Relaxed);
				return Err(StartError::Artifact(format!(
					"the artifact did not compile within {} s",
					COMPILE_TIMEOUT.as_secs()
				)));
			}
		};
		if let Ok(mut programs) = self.programs.lock() {
			programs.retain(|_, p| p.strong_count() > 0);
			programs.insert(hash.to_string(), Arc::downgrade(&program));
		}
		Ok(program)
	}

	/// The compiled form of a kept artifact: from the cache, else compiled from the store.
	async fn program(&self, hash: &str) -> Result<Arc<dyn Program>, StartError> {
		if let Some(program) = self.programs.lock().ok().and_then(|p| p.get(hash)?.upgrade()) {
			return Ok(program);
		}
		let artifact =
			self.store.artifact(hash).map_err(|e| StartError::Artifact(e.to_string()))?;
		self.compile(hash, artifact).await
	}

	/// A lease's workload, if it runs here.
	pub fn get(&self, lease: u64) -> Option<Arc<Workload>> {
		self.running.lock().ok()?.get(&lease).cloned()
	}

	/// The leases whose workloads are here.
	pub fn leases(&self) -> Vec<u64> {
		self.running.lock().map(|r| r.keys().copied().collect()).unwrap_or_default()
	}

	/// Checks a manifest against what this agent runs.
	pub fn admit(&self, manifest: &Manifest) -> Result<(), StartError> {
		if manifest.runtime != self.runtime.name() {
			return Err(StartError::Manifest(format!(
				"runtime {:?} is not offered here (only {:?})",
				manifest.runtime,
				self.runtime.name()
			)));
		}
		if manifest.network && !self.allow_network {
			return Err(StartError::Manifest(
				"this provider does not grant network access to workloads".into(),
			));
		}
		Ok(())
	}

	/// Starts (or finds already running) the workload of a kept deployment.
	pub async fn start(&self, record: &DeploymentRecord) -> Result<Arc<Workload>, StartError> {
		if let Some(running) = self.get(record.lease) {
			return Ok(running);
		}
		let manifest = Manifest::from_bytes(&record.manifest).map_err(StartError::Manifest)?;
		self.admit(&manifest)?;
		let program = self.program(&record.artifact_hash).await?;
		let dir = self.store.lease_dir(record.lease);
		let storage = record.resources.storage_gib;
		let scratch = if storage == 0 {
			let scratch = dir.join("scratch");
			std::fs::create_dir_all(&scratch).map_err(|e| StartError::Io(e.to_string()))?;
			scratch
		} else if self.volumes {
			let lease_dir = dir.clone();
			tokio::task::spawn_blocking(move || crate::disk::mount(&lease_dir, storage << 30))
				.await
				.map_err(|e| StartError::Io(e.to_string()))?
				.map_err(|e| StartError::Io(e.to_string()))?
		} else {
			return Err(StartError::Manifest(
				"this agent cannot hold scratch storage to its size (no volumes), so it runs no \
				 lease with storage"
					.into(),
			));
		};
		let log = LogSink::open(&dir.join("workload.log"), self.log_limit)
			.map_err(|e| StartError::Io(e.to_string()))?;
		// One concurrent instance per core of the lease, each with its share of the memory.
		let slots = (record.resources.cpu_millicores / 1000).clamp(1, 8);
		let instance_limits = Limits {
			memory_bytes: record.resources.memory_mib.saturating_mul(1024 * 1024) / slots,
			cpu_millicores: (record.resources.cpu_millicores / slots).max(1),
			wall: MAX_JOB_TIME,
			network: manifest.network,
			writable_scratch: storage > 0,
		};
		let state = match &record.finished {
			Some(how) if how.starts_with("completed") => WorkState::Completed(how.clone()),
			Some(how) => WorkState::Failed(how.clone()),
			None => WorkState::Running,
		};
		let workload = Arc::new(Workload {
			lease: record.lease,
			manifest,
			program,
			log,
			scratch,
			cancel: Arc::new(AtomicBool::new(false)),
			permits: Arc::new(Semaphore::new(slots as usize)),
			instance_limits,
			state: Mutex::new(state.clone()),
		});
		// A deployment retried while reconciliation starts the same lease: both got here, one
		// inserts, the other takes the running one and starts nothing.
		{
			let Ok(mut running) = self.running.lock() else {
				return Err(StartError::Io("workloads lock poisoned".into()));
			};
			if let Some(first) = running.get(&record.lease) {
				return Ok(first.clone());
			}
			running.insert(record.lease, workload.clone());
			self.metrics.workloads_running.set(running.len() as i64);
		}
		let _ = workload.log.write(format!("[agent] lease {} started\n", record.lease).as_bytes());
		if workload.kind() == WorkloadKind::Job && state == WorkState::Running {
			self.spawn_job(workload.clone());
		}
		Ok(workload)
	}

	fn spawn_job(&self, workload: Arc<Workload>) {
		let store = self.store.clone();
		// A job has a thread of its own for its whole life, so it never holds one of the
		// shared pool that serves requests and compiles artifacts.
		let spawned =
			std::thread::Builder::new().name(format!("job-{}", workload.lease)).spawn(move || {
				let invocation = workload.invocation(Vec::new(), Vec::new(), None, MAX_JOB_TIME);
				let result = workload.program.run(invocation);
				let end = match result {
					Ok(outcome) if outcome.success => {
						WorkState::Completed("completed: exit 0".into())
					}
					Ok(_) => WorkState::Failed("exited with an error".into()),
					Err(RunError::Cancelled) => return,
					Err(e) => WorkState::Failed(e.to_string()),
				};
				let text = match &end {
					WorkState::Completed(t) | WorkState::Failed(t) => t.clone(),
					WorkState::Running => String::new(),
				};
				if let Some(note) = crate::disk::full_note(&workload.scratch) {
					let _ = workload.log.write(note.as_bytes());
				}
				let _ = workload.log.write(format!("[agent] job {text}\n").as_bytes());
				if let Ok(mut state) = workload.state.lock() {
					*state = end;
				}
				if let Ok(Some(mut record)) = store.deployment(workload.lease) {
					record.finished = Some(text);
					let _ = store.put_deployment(&record);
				}
			});
		if let Err(e) = spawned {
			tracing::error!(error = %e, "cannot start a job's thread");
		}
	}

	/// Stops a lease's workload for good: stopped, and its volume released.
	pub fn remove(&self, lease: u64) -> bool {
		let stopped = self.stop(lease);
		let dir = self.store.lease_dir(lease);
		if let Err(e) = crate::disk::release(&dir) {
			tracing::warn!(lease, error = %e, "cannot release the lease's volume");
		}
		stopped
	}

	/// Stops a lease's workload (its running instances stop at their next tick).
	pub fn stop(&self, lease: u64) -> bool {
		let Ok(mut running) = self.running.lock() else { return false };
		let stopped = running.remove(&lease);
		self.metrics.workloads_running.set(running.len() as i64);
		match stopped {
			Some(workload) => {
				workload.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
				let _ = workload.log.write(format!("[agent] lease {lease} stopped\n").as_bytes());
				true
			}
			None => false,
		}
	}

	/// Serves one HTTP request with a fresh instance of the lease's workload.
	pub async fn serve(&self, lease: u64, request: Request) -> Response {
		let response = self.serve_inner(lease, request).await;
		let class = format!("{}xx", response.status / 100);
		self.metrics.workload_requests.with_label_values(&[class.as_str()]).inc();
		response
	}

	async fn serve_inner(&self, lease: u64, request: Request) -> Response {
		let Some(workload) = self.get(lease) else {
			return Response::text(404, format!("lease {lease} runs nothing here"));
		};
		if workload.kind() != WorkloadKind::Http {
			return Response::text(404, format!("lease {lease} runs a job, not an HTTP service"));
		}
		// Waiting for an instance slot is bounded: long enough for the request holding it to
		// run out its own time, no longer.
		let permit = match tokio::time::timeout(
			self.request_timeout.saturating_mul(2),
			workload.permits.clone().acquire_owned(),
		)
		.await
		{
			Ok(Ok(permit)) => permit,
			Ok(Err(_)) => return Response::text(503, "the workload is stopping"),
			Err(_) => return Response::text(503, "the workload is busy: try again shortly"),
		};
		let mut env = vec![
			("GATEWAY_INTERFACE".to_string(), "CGI/1.1".to_string()),
			("SERVER_PROTOCOL".into(), "HTTP/1.1".into()),
			("REQUEST_METHOD".into(), request.method.clone()),
			("SCRIPT_NAME".into(), request.script_name.clone()),
			("PATH_INFO".into(), request.path.clone()),
			("QUERY_STRING".into(), request.query.clone()),
			("CONTENT_LENGTH".into(), request.body.len().to_string()),
		];
		for (name, value) in &request.headers {
			if name == "content-type" {
				env.push(("CONTENT_TYPE".into(), value.clone()));
			} else if name != "authorization" && name != "proxy-authorization" {
				env.push((
					format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
					value.clone(),
				));
			}
		}
		// The captured response is a host buffer counted in the instance's memory: at most a
		// quarter of it.
		let capture = MAX_HTTP_BODY.min(
			usize::try_from(workload.instance_limits.memory_bytes / 4).unwrap_or(MAX_HTTP_BODY),
		);
		let invocation =
			workload.invocation(env, request.body, Some(capture), self.request_timeout);
		let program = workload.program.clone();
		let result = tokio::task::spawn_blocking(move || {
			let result = program.run(invocation);
			drop(permit);
			result
		})
		.await;
		match result {
			Ok(Ok(outcome)) => parse_cgi(&outcome.stdout),
			Ok(Err(RunError::WallTime(limit))) => {
				Response::text(504, format!("the workload ran past the {limit:?} request limit"))
			}
			Ok(Err(RunError::Memory(limit))) => {
				Response::text(502, format!("the workload ran out of memory ({limit} bytes)"))
			}
			Ok(Err(RunError::Cancelled)) => Response::text(503, "the workload is stopping"),
			Ok(Err(e)) => {
				let _ = workload.log.write(format!("[agent] request failed: {e}\n").as_bytes());
				Response::text(502, format!("the workload failed: {e}"))
			}
			Err(e) => Response::text(500, format!("agent error: {e}")),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn cgi_responses_are_read() {
		let r = parse_cgi(b"Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>no</p>");
		assert_eq!(r.status, 404);
		assert_eq!(r.headers, vec![("content-type".to_string(), "text/html".to_string())]);
		assert_eq!(r.body, b"<p>no</p>");
		let r = parse_cgi(b"Content-Type: text/plain\n\nhello\n\nworld");
		assert_eq!((r.status, r.body.as_slice()), (200, b"hello\n\nworld".as_slice()));
		assert_eq!(parse_cgi(b"just text").body, b"just text");
		assert_eq!(parse_cgi(b"no header here\n\nbody").status, 502);
		assert_eq!(parse_cgi(b"Status: banana\n\n").status, 502);
	}
}
