//! The embedded runtime: WASI 0.2 components on wasmtime (the 36.x line the node's executor
//! already builds). Each invocation gets a fresh instance in its own store:
//!
//! - **memory**: a resource limiter refuses growth past the lease's memory; the guest sees an
//!   allocation failure and the invocation ends as [`RunError::Memory`];
//! - **CPU**: an epoch ticks every [`TICK`]; at each tick the invocation's thread CPU time is
//!   compared with its share (millicores) of the wall time elapsed, and the thread sleeps off
//!   any excess, so a 250-millicore lease gets a quarter of a core however hard it spins;
//! - **wall time**: the same tick stops it past its limit, or when cancelled;
//! - **files**: only the lease's scratch directory, mounted as `/`;
//! - **network**: none (no address passes the socket check, TCP, UDP and name lookup are
//!   off) unless the manifest asks and the provider allows.

use super::{Invocation, Outcome, PrepareError, Program, RunError, Runtime};
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
		bindings::sync::CommandPre,
		pipe::{MemoryInputPipe, MemoryOutputPipe},
	},
	DirPerms, FilePerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

/// How often running instances are checked for their CPU share, wall time and cancellation.
pub const TICK: Duration = Duration::from_millis(10);

/// Why the epoch callback stopped an instance.
#[derive(Debug, thiserror::Error)]
enum Interrupt {
	#[error("wall time")]
	WallTime,
	#[error("cancelled")]
	Cancelled,
}

/// Refuses memory and table growth past the lease's limit, remembering that it did.
struct Limiter {
	memory_bytes: usize,
	hit: bool,
}

impl ResourceLimiter for Limiter {
	fn memory_growing(
		&mut self,
		_current: usize,
		desired: usize,
		_maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		let ok = desired <= self.memory_bytes;
		self.hit |= !ok;
		Ok(ok)
	}

	fn table_growing(
		&mut self,
		_current: usize,
		desired: usize,
		_maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		Ok(desired <= 100_000)
	}
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

/// WASI 0.2 components on one shared engine.
pub struct WasmRuntime {
	engine: Engine,
	linker: Linker<State>,
	ticking: Arc<AtomicBool>,
}

impl Drop for WasmRuntime {
	fn drop(&mut self) {
		self.ticking.store(false, Ordering::Relaxed);
	}
}

impl WasmRuntime {
	/// An engine with epoch interruption and its ticker thread, and a linker with WASI 0.2.
	pub fn new() -> anyhow::Result<Self> {
		let mut config = wasmtime::Config::new();
		config.epoch_interruption(true);
		config.wasm_component_model(true);
		let engine = Engine::new(&config)?;
		let mut linker = Linker::new(&engine);
		wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
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
		Ok(Self { engine, linker, ticking })
	}
}

impl Runtime for WasmRuntime {
	fn name(&self) -> &'static str {
		"wasm"
	}

	fn prepare(&self, artifact: &[u8]) -> Result<Arc<dyn Program>, PrepareError> {
		if !nubes_client::agent_api::is_component(artifact) {
			return Err(PrepareError::Unsupported(
				"the artifact is not a WASI 0.2 component (build with --target wasm32-wasip2)"
					.into(),
			));
		}
		let component = Component::new(&self.engine, artifact)
			.map_err(|e| PrepareError::Invalid(format!("{e:#}")))?;
		let pre = self
			.linker
			.instantiate_pre(&component)
			.and_then(CommandPre::new)
			.map_err(|e| PrepareError::Invalid(format!("{e:#}")))?;
		Ok(Arc::new(WasmProgram { engine: self.engine.clone(), pre }))
	}
}

struct WasmProgram {
	engine: Engine,
	pre: CommandPre<State>,
}

impl Program for WasmProgram {
	fn run(&self, invocation: Invocation) -> Result<Outcome, RunError> {
		let Invocation { args, env, stdin, capture_stdout, log, scratch, limits, cancel } =
			invocation;
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
		builder
			.preopened_dir(&scratch, "/", DirPerms::all(), FilePerms::all())
			.map_err(|e| RunError::Setup(format!("{e:#}")))?;
		if limits.network {
			builder.inherit_network().allow_ip_name_lookup(true);
		} else {
			builder.allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false);
		}
		let memory_bytes = usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX);
		let mut store = Store::new(
			&self.engine,
			State {
				ctx: builder.build(),
				table: ResourceTable::new(),
				limiter: Limiter { memory_bytes, hit: false },
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

		let result = self
			.pre
			.instantiate(&mut store)
			.and_then(|command| command.wasi_cli_run().call_run(&mut store));
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
