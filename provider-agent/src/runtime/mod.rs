//! Workload runtimes behind one trait: a runtime turns a tenant's artifact into a [`Program`],
//! and a program runs invocations inside the limits of its lease. The embedded runtime is
//! WebAssembly ([`wasm`]); a container runtime would be a second implementation.

pub mod log;
pub mod net;
pub mod wasm;

use std::{
	path::PathBuf,
	sync::{atomic::AtomicBool, Arc},
	time::Duration,
};

pub use log::LogSink;

/// What one invocation may use, derived from its lease's resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
	/// Linear memory, in bytes.
	pub memory_bytes: u64,
	/// CPU share, in millicores (1000 = one core; an invocation runs on one thread).
	pub cpu_millicores: u64,
	/// Wall time before the invocation is stopped.
	pub wall: Duration,
	/// Whether outgoing network connections are allowed.
	pub network: bool,
	/// Whether the scratch directory may be written (a lease with storage; its volume holds
	/// it to its size).
	pub writable_scratch: bool,
}

/// One run of a program.
pub struct Invocation {
	/// Arguments after the program's name.
	pub args: Vec<String>,
	/// Environment variables.
	pub env: Vec<(String, String)>,
	/// What the program reads on stdin.
	pub stdin: Vec<u8>,
	/// Capture stdout up to this many bytes (an HTTP response); `None` sends it to the log.
	pub capture_stdout: Option<usize>,
	/// Where stderr (and stdout unless captured) goes.
	pub log: LogSink,
	/// The lease's private directory, the program's `/`.
	pub scratch: PathBuf,
	/// The lease's limits.
	pub limits: Limits,
	/// Set to stop the invocation (lease closed, agent shutting down).
	pub cancel: Arc<AtomicBool>,
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
	/// Whether the program reported success.
	pub success: bool,
	/// Its stdout, when captured.
	pub stdout: Vec<u8>,
}

/// Why an invocation did not run to its own end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
	/// It tried to use more memory than its lease has.
	#[error("memory limit of {0} bytes reached")]
	Memory(u64),
	/// It ran past its wall-time limit.
	#[error("stopped after {0:?} of wall time")]
	WallTime(Duration),
	/// It was stopped from outside.
	#[error("stopped")]
	Cancelled,
	/// It wrote more output than captured.
	#[error("output over {0} bytes")]
	OutputTooLarge(usize),
	/// It trapped (a bug in the workload).
	#[error("trapped: {0}")]
	Trap(String),
	/// It could not be set up (scratch directory, instantiation).
	#[error("could not start: {0}")]
	Setup(String),
}

/// Why an artifact cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
	/// Not something this runtime runs.
	#[error("{0}")]
	Unsupported(String),
	/// It does not compile or link.
	#[error("the artifact does not compile: {0}")]
	Invalid(String),
}

/// A compiled artifact, ready to run many times.
pub trait Program: Send + Sync {
	/// Runs one invocation to its end on the calling thread.
	fn run(&self, invocation: Invocation) -> Result<Outcome, RunError>;
}

/// Something that runs tenants' artifacts.
pub trait Runtime: Send + Sync {
	/// The name manifests use (`"wasm"`).
	fn name(&self) -> &'static str;
	/// Compiles and checks an artifact.
	fn prepare(&self, artifact: &[u8]) -> Result<Arc<dyn Program>, PrepareError>;
	/// Compiles an artifact into native code that [`Runtime::load`] takes (and links, which
	/// completes the checks), so that it can be kept on disk and not compiled again after a
	/// restart.
	fn precompile(&self, artifact: &[u8]) -> Result<Vec<u8>, PrepareError>;
	/// What native code from [`Runtime::precompile`] depends on (engine version and
	/// settings): code kept under another tag is compiled again, not loaded.
	fn code_tag(&self) -> String;
	/// Loads native code that [`Runtime::precompile`] made.
	///
	/// # Safety
	/// `compiled` must be exactly bytes that `precompile` of a runtime with the same
	/// [`Runtime::code_tag`] returned: other bytes are loaded as machine code unchecked.
	unsafe fn load(&self, compiled: &[u8]) -> Result<Arc<dyn Program>, PrepareError>;
}
