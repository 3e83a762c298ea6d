//! The embedded runtime: WASI 0.2 components on wasmtime (the 36.x line the node's executor
//! already builds). Each invocation gets a fresh instance in its own store, run with the
//! asynchronous WASI bindings on the invocation's thread:
//!
//! - **memory**: one resource limiter for the whole store counts every linear memory and
//!   table of every core instance together, and caps how many instances, memories and tables
//!   a component may make, so a component of many modules gets the lease's memory once, not
//!   once per memory; the host buffers of the invocation (its stdin, its captured stdout) are
//!   counted in the same budget. Growth past it fails in the guest, and the invocation ends
//!   as [`RunError::Memory`];
//! - **CPU**: an epoch ticks every [`TICK`]; at each tick the invocation's thread CPU time is
//!   compared with its share (millicores) of the wall time elapsed, and the thread sleeps off
//!   any excess, so a 250-millicore lease gets a quarter of a core however hard it spins;
//! - **wall time and cancellation**: the same tick stops a guest that computes; a guest that
//!   waits in a host call (a sleep, a read, a poll) is stopped by dropping its future when
//!   the wall time runs out or the lease closes, so no host call outlives its lease;
//! - **files**: only the lease's scratch directory, mounted as `/`;
//! - **network**: none (no address passes the socket check, TCP, UDP and name lookup are
//!   off) unless the manifest asks and the provider allows; then only public addresses, as
//!   [`super::net::NetPolicy`] decides at connect time.

use super::{net::NetPolicy, Invocation, Outcome, PrepareError, Program, RunError, Runtime};
use std::{
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use wasmtime::{
	component::{Component, Linker, ResourceTable},
	Engine, ResourceLimiter, Store, UpdateDeadline,
};
use wasmtime_wasi::{
	p2::{
		bindings::CommandPre,
		pipe::{MemoryInputPipe, MemoryOutputPipe},
	},
	DirPerms, FilePerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

/// How often running instances are checked for their CPU share, wall time and cancellation.
pub const TICK: Duration = Duration::from_millis(10);

/// The most core instances one component may make in a store.
pub const MAX_INSTANCES: usize = 32;
/// The most linear memories one store may hold.
pub const MAX_MEMORIES: usize = 8;
/// The most tables one store may hold.
pub const MAX_TABLES: usize = 32;
/// The most table elements, all tables together (each is a host-side word or two).
pub const MAX_TABLE_ELEMENTS: usize = 1_000_000;
/// Most WASI resources (open files and directories, streams, pollables, sockets) one instance
/// may hold at once: each is host memory, and a file or socket also one of the agent's file
/// descriptors.
pub const MAX_RESOURCES: usize = 1024;
/// Host memory charged to the lease's memory for each resource an instance may hold, whether
/// or not it opens them.
pub const RESOURCE_BYTES: usize = 256;

/// Why an instance was stopped from outside.
#[derive(Debug, thiserror::Error)]
enum Interrupt {
	#[error("wall time")]
	WallTime,
	#[error("cancelled")]
	Cancelled,
}

/// The store's resource budget: every memory and table of every instance counted together.
struct Limiter {
	/// Bytes the store may hold in linear memories.
	memory_bytes: usize,
	/// Bytes its memories hold now.
	memory_used: usize,
	/// Table elements its tables hold now.
	table_elements: usize,
	/// Whether a growth was refused for memory.
	hit: bool,
}

impl Limiter {
	fn new(memory_bytes: usize) -> Self {
		Self { memory_bytes, memory_used: 0, table_elements: 0, hit: false }
	}
}

impl ResourceLimiter for Limiter {
	fn memory_growing(
		&mut self,
		current: usize,
		desired: usize,
		_maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		let total = (self.memory_used - current.min(self.memory_used)).saturating_add(desired);
		if total > self.memory_bytes {
			self.hit = true;
			return Ok(false);
		}
		self.memory_used = total;
		Ok(true)
	}

	fn table_growing(
		&mut self,
		current: usize,
		desired: usize,
		_maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		let total =
			(self.table_elements - current.min(self.table_elements)).saturating_add(desired);
		if total > MAX_TABLE_ELEMENTS {
			return Ok(false);
		}
		self.table_elements = total;
		Ok(true)
	}

	fn instances(&self) -> usize {
		MAX_INSTANCES
	}

	fn memories(&self) -> usize {
		MAX_MEMORIES
	}

	fn tables(&self) -> usize {
		MAX_TABLES
	}
}

/// Instances that may run at once on this machine, all leases together.
pub const MAX_LIVE_INSTANCES: u32 = 512;

/// The pool instances come from: an instance per request is the common case, and taking its
/// memories, tables and stack from a pool (reset, not unmapped) spares each request the
/// mapping and unmapping (and the TLB shootdowns across cores) that dominate a fresh
/// instance's cost. Each memory slot reserves address space for a whole 32-bit memory; the
/// lease's limit is the store's limiter, not the slot.
fn pool() -> wasmtime::PoolingAllocationConfig {
	let mut pool = wasmtime::PoolingAllocationConfig::default();
	pool.total_component_instances(MAX_LIVE_INSTANCES)
		.total_core_instances(MAX_LIVE_INSTANCES * 8)
		.total_memories(MAX_LIVE_INSTANCES * 2)
		.total_tables(MAX_LIVE_INSTANCES * 8)
		.total_stacks(MAX_LIVE_INSTANCES)
		.max_core_instances_per_component(MAX_INSTANCES as u32)
		.max_memories_per_component(MAX_MEMORIES as u32)
		.max_tables_per_component(MAX_TABLES as u32)
		.max_memory_size(1 << 32)
		.table_elements(100_000);
	pool
}

/// What a store holds for one instance.
struct State {
	ctx: WasiCtx,
	table: ResourceTable,
	limiter: Limiter,
}

impl WasiView for State {
	fn ctx(&mut self) -> WasiCtxView<'_> {
		WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
	}
}

/// CPU time the calling thread has used.
pub fn thread_cpu_time() -> Duration {
	let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
	// SAFETY: `clock_gettime` writes one `timespec` through a valid pointer.
	let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
	if rc != 0 {
		return Duration::ZERO;
	}
	Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

thread_local! {
	/// The executor of the invocations run on this thread: the host calls' futures run on
	/// it, and the CPU-share check reads this thread's clock.
	static EXECUTOR: Option<tokio::runtime::Runtime> =
		tokio::runtime::Builder::new_current_thread().enable_all().build().ok();
}

/// WASI 0.2 components on one shared engine.
pub struct WasmRuntime {
	engine: Engine,
	linker: Linker<State>,
	network: Arc<NetPolicy>,
	ticking: Arc<AtomicBool>,
	resources: usize,
}

/// Handles one instance may hold: [`MAX_RESOURCES`], or less if this process's open-files
/// limit (less 1,024 for connections and the agent's own files) cannot give that many to each
/// of the [`MAX_LIVE_INSTANCES`] instances that may run at once; at least 64.
pub fn resource_cap() -> usize {
	let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
	// SAFETY: `getrlimit` writes one `rlimit` through a valid pointer.
	let open_files = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
		usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
	} else {
		1024
	};
	(open_files.saturating_sub(1024) / MAX_LIVE_INSTANCES as usize).clamp(64, MAX_RESOURCES)
}

impl Drop for WasmRuntime {
	fn drop(&mut self) {
		self.ticking.store(false, Ordering::Relaxed);
	}
}

impl WasmRuntime {
	/// An engine with epoch interruption and its ticker thread, a linker with WASI 0.2, and
	/// this machine's network policy with no exceptions.
	pub fn new() -> anyhow::Result<Self> {
		Self::with_network(NetPolicy::for_this_machine(Vec::new()))
	}

	/// The same, with the given network policy for workloads granted the network.
	pub fn with_network(network: NetPolicy) -> anyhow::Result<Self> {
		let mut config = wasmtime::Config::new();
		config.epoch_interruption(true);
		config.wasm_component_model(true);
		config.async_support(true);
		config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool()));
		// One compile takes one core: a tenant's artifact never takes every core the
		// provider sold to others (compiles also run one at a time, see `Workloads`).
		config.parallel_compilation(false);
		let engine = Engine::new(&config)?;
		let mut linker = Linker::new(&engine);
		wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
		let ticking = Arc::new(AtomicBool::new(true));
		let (ticker, running) = (engine.weak(), ticking.clone());
		std::thread::Builder::new().name("wasm-epoch".into()).spawn(move || {
			while running.load(Ordering::Relaxed) {
				std::thread::sleep(TICK);
				match ticker.upgrade() {
					Some(engine) => engine.increment_epoch(),
					None => return,
				}
			}
		})?;
		Ok(Self { engine, linker, network: Arc::new(network), ticking, resources: resource_cap() })
	}
}

impl Runtime for WasmRuntime {
	fn name(&self) -> &'static str {
		"wasm"
	}

	fn prepare(&self, artifact: &[u8]) -> Result<Arc<dyn Program>, PrepareError> {
		check_component(artifact)?;
		let component = Component::new(&self.engine, artifact)
			.map_err(|e| PrepareError::Invalid(format!("{e:#}")))?;
		self.program(component)
	}

	fn precompile(&self, artifact: &[u8]) -> Result<Vec<u8>, PrepareError> {
		check_component(artifact)?;
		let compiled = self
			.engine
			.precompile_component(artifact)
			.map_err(|e| PrepareError::Invalid(format!("{e:#}")))?;
		Ok(compiled)
	}

	fn code_tag(&self) -> String {
		use std::hash::{Hash, Hasher};
		let mut hasher = std::collections::hash_map::DefaultHasher::new();
		self.engine.precompile_compatibility_hash().hash(&mut hasher);
		format!("wasmtime-{:016x}", hasher.finish())
	}

	unsafe fn load(&self, compiled: &[u8]) -> Result<Arc<dyn Program>, PrepareError> {
		// SAFETY: the caller vouches that `compiled` came from `precompile` of this engine's
		// kind; wasmtime still refuses bytes made by another version or configuration.
		let component = unsafe { Component::deserialize(&self.engine, compiled) }
			.map_err(|e| PrepareError::Invalid(format!("{e:#}")))?;
		self.program(component)
	}
}

/// Refuses anything but a WASI 0.2 component, before any compiling.
fn check_component(artifact: &[u8]) -> Result<(), PrepareError> {
	if !nubes_client::agent_api::is_component(artifact) {
		return Err(PrepareError::Unsupported(
			"the artifact is not a WASI 0.2 component (build with --target wasm32-wasip2)".into(),
		));
	}
	Ok(())
}

impl WasmRuntime {
	/// A compiled component linked against WASI, ready to run.
	fn program(&self, component: Component) -> Result<Arc<dyn Program>, PrepareError> {
		let pre = self
			.linker
			.instantiate_pre(&component)
			.and_then(CommandPre::new)
			.map_err(|e| PrepareError::Invalid(format!("{e:#}")))?;
		Ok(Arc::new(WasmProgram {
			engine: self.engine.clone(),
			pre,
			network: self.network.clone(),
			resources: self.resources,
		}))
	}
}

struct WasmProgram {
	engine: Engine,
	pre: CommandPre<State>,
	network: Arc<NetPolicy>,
	resources: usize,
}

impl Program for WasmProgram {
	fn run(&self, invocation: Invocation) -> Result<Outcome, RunError> {
		EXECUTOR.with(|executor| match executor {
			Some(executor) => executor.block_on(self.run_async(invocation)),
			None => Err(RunError::Setup("no executor on this thread".into())),
		})
	}
}

/// Resolves when `cancel` is set (checked every tick).
async fn cancelled(cancel: Arc<AtomicBool>) {
	while !cancel.load(Ordering::Relaxed) {
		tokio::time::sleep(TICK).await;
	}
}

impl WasmProgram {
	async fn run_async(&self, invocation: Invocation) -> Result<Outcome, RunError> {
		let Invocation { args, env, stdin, capture_stdout, log, scratch, limits, cancel } =
			invocation;
		// Host buffers and the resource table come out of the lease's memory first.
		let memory_bytes = usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX);
		let host_buffers = stdin
			.len()
			.saturating_add(capture_stdout.unwrap_or(0))
			.saturating_add(MAX_RESOURCES * RESOURCE_BYTES);
		let Some(guest_bytes) = memory_bytes.checked_sub(host_buffers) else {
			return Err(RunError::Memory(limits.memory_bytes));
		};
		let mut builder = WasiCtxBuilder::new();
		builder.arg("workload").args(&args).envs(&env);
		builder.stdin(MemoryInputPipe::new(stdin));
		let captured = capture_stdout.map(MemoryOutputPipe::new);
		match &captured {
			Some(pipe) => builder.stdout(pipe.clone()),
			None => builder.stdout(log.clone()),
		};
		builder.stderr(log.clone());
		builder.allow_blocking_current_thread(true);
		std::fs::create_dir_all(&scratch).map_err(|e| RunError::Setup(e.to_string()))?;
		let (dir_perms, file_perms) = if limits.writable_scratch {
			(DirPerms::all(), FilePerms::all())
		} else {
			(DirPerms::READ, FilePerms::READ)
		};
		builder
			.preopened_dir(&scratch, "/", dir_perms, file_perms)
			.map_err(|e| RunError::Setup(format!("{e:#}")))?;
		if limits.network {
			let policy = self.network.clone();
			builder.allow_tcp(true).allow_udp(true).allow_ip_name_lookup(true);
			builder.socket_addr_check(move |addr, usage| {
				let allowed = policy.allows(addr, usage);
				Box::pin(async move { allowed })
			});
		} else {
			builder.allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false);
		}
		let mut store = Store::new(
			&self.engine,
			State {
				ctx: builder.build(),
				table: {
					let mut table = ResourceTable::new();
					table.set_max_capacity(self.resources);
					table
				},
				limiter: Limiter::new(guest_bytes),
			},
		);
		store.limiter(|state| &mut state.limiter);
		let started = Instant::now();
		let cpu_started = thread_cpu_time();
		let share = limits.cpu_millicores.min(1000) as f64 / 1000.0;
		let wall = limits.wall;
		let stop = cancel.clone();
		store.set_epoch_deadline(1);
		store.epoch_deadline_callback(move |_| {
			if stop.load(Ordering::Relaxed) {
				return Err(Interrupt::Cancelled.into());
			}
			let elapsed = started.elapsed();
			if elapsed >= wall {
				return Err(Interrupt::WallTime.into());
			}
			if share < 1.0 {
				let used = thread_cpu_time().saturating_sub(cpu_started);
				let allowed = elapsed.mul_f64(share);
				if used > allowed {
					// Sleep until the share catches up with what was used.
					let owed = (used - allowed).div_f64(share).min(Duration::from_millis(100));
					std::thread::sleep(owed);
				}
			}
			Ok(UpdateDeadline::Continue(1))
		});

		// A guest waiting in a host call never reaches an epoch check: the wall clock and the
		// cancel flag stop it by dropping the call's future.
		let result = tokio::select! {
			result = async {
				let command = self.pre.instantiate_async(&mut store).await?;
				command.wasi_cli_run().call_run(&mut store).await
			} => result,
			_ = tokio::time::sleep(wall) => Err(Interrupt::WallTime.into()),
			_ = cancelled(cancel.clone()) => Err(Interrupt::Cancelled.into()),
		};
		let hit_memory = store.data().limiter.hit;
		drop(store);
		let success = match result {
			Ok(Ok(())) => true,
			Ok(Err(())) => false,
			Err(error) => {
				if let Some(exit) = error.downcast_ref::<I32Exit>() {
					exit.0 == 0
				} else if let Some(interrupt) = error.downcast_ref::<Interrupt>() {
					return Err(match interrupt {
						Interrupt::WallTime => RunError::WallTime(wall),
						Interrupt::Cancelled => RunError::Cancelled,
					});
				} else if hit_memory {
					return Err(RunError::Memory(limits.memory_bytes));
				} else if cancel.load(Ordering::Relaxed) {
					return Err(RunError::Cancelled);
				} else {
					let text = format!("{error:#}");
					if text.contains("beyond capacity") {
						return Err(RunError::OutputTooLarge(capture_stdout.unwrap_or(0)));
					}
					return Err(RunError::Trap(text));
				}
			}
		};
		if hit_memory && !success {
			return Err(RunError::Memory(limits.memory_bytes));
		}
		let stdout = captured.map(|pipe| pipe.contents().to_vec()).unwrap_or_default();
		Ok(Outcome { success, stdout })
	}
}
