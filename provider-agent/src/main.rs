//! `nubes-agent`: the Nubes provider agent.

use anyhow::Context;
use clap::{Parser, Subcommand};
use nubes_agent::{
	agent::Agent,
	api,
	chain::Chain,
	config::{self, Config},
	metrics::Metrics,
	probe,
	runtime::{net::NetPolicy, wasm::WasmRuntime},
	shards::Shards,
	store::Store,
	workloads::Workloads,
};
use nubes_client::Keys;
use std::{path::PathBuf, sync::Arc};
use tracing::{info, warn};

#[derive(Parser)]
#[command(
	name = "nubes-agent",
	version,
	about = "The Nubes provider agent: sell this machine's capacity and run tenants' workloads."
)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Write a commented default configuration to edit.
	///
	/// Example: nubes-agent init --config /etc/nubes-agent.toml
	Init {
		/// Where to write it.
		#[arg(long, default_value = "nubes-agent.toml")]
		config: PathBuf,
		/// Overwrite an existing file.
		#[arg(long)]
		force: bool,
	},
	/// Show what the machine has and what the configuration would sell.
	///
	/// Example: nubes-agent probe --config /etc/nubes-agent.toml
	Probe {
		/// The configuration.
		#[arg(long, env = "NUBES_AGENT_CONFIG", default_value = "nubes-agent.toml")]
		config: PathBuf,
	},
	/// Run the agent until SIGTERM or Ctrl-C.
	///
	/// Example: nubes-agent run --config /etc/nubes-agent.toml
	Run {
		/// The configuration.
		#[arg(long, env = "NUBES_AGENT_CONFIG", default_value = "nubes-agent.toml")]
		config: PathBuf,
	},
}

async fn shutdown_signal() {
	let terminate = async {
		match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
			Ok(mut signal) => {
				signal.recv().await;
			}
			Err(_) => std::future::pending::<()>().await,
		}
	};
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = terminate => {},
	}
}

/// Raises this process's open-files limit to its hard limit, and returns the limit now in
/// force: every connection, and every file or socket a workload holds, is a descriptor, and
/// the usual soft limit (1,024) would run out long before the connection caps.
fn raise_open_files_limit() -> u64 {
	let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
	// SAFETY: `getrlimit` and `setrlimit` read and write one `rlimit` through valid pointers.
	unsafe {
		if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
			return 0;
		}
		let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
		if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
			return raised.rlim_cur;
		}
	}
	limit.rlim_cur
}

async fn run(path: PathBuf) -> anyhow::Result<()> {
	let config = Config::load(&path)?;
	std::fs::create_dir_all(&config.data_dir).with_context(|| {
		format!("cannot create the data directory {}", config.data_dir.display())
	})?;
	let keys = Keys::from_spec(&config.key.0)?;
	let hardware = probe::probe(&config.data_dir);
	let (mut offer, notes) = probe::offer(&hardware, &config.capacity);
	for note in notes {
		warn!("{note}");
	}
	// Storage is sold only if each lease's share can be held to its size.
	let volumes = match nubes_agent::disk::probe(&config.data_dir) {
		Ok(()) => true,
		Err(e) => {
			if offer.storage_gib > 0 {
				warn!(
					error = %e,
					"cannot mount per-lease volumes (run as root, with e2fsprogs): selling no storage"
				);
			}
			offer.storage_gib = 0;
			false
		}
	};
	info!(?hardware, ?offer, volumes, "machine probed");
	if config.public_endpoint.starts_with("http://")
		&& config.lease_domain.as_deref() != Some("localhost")
	{
		warn!(
			endpoint = %config.public_endpoint,
			"THE PUBLIC ENDPOINT IS PLAIN HTTP: tenants' environment (their secrets), artifacts \
			 and logs, and their users' traffic, cross the network in clear. Set [tls] with a \
			 certificate (or put a TLS proxy in front of `listen`) and register an https:// \
			 endpoint."
		);
	}
	let open_files = raise_open_files_limit();
	info!(open_files, "open-files limit");
	let metrics = Metrics::new()?;
	let store = Arc::new(Store::open(&config.data_dir)?);
	let runtime = Arc::new(WasmRuntime::with_network(NetPolicy::for_this_machine(
		config.network_allow.clone(),
	))?);
	let workloads = Workloads::new(
		runtime,
		store.clone(),
		metrics.clone(),
		config.request_timeout,
		config.log_limit_bytes,
		config.allow_network,
	)
	.with_volumes(volumes);
	let chain = Chain::new(&config.chain_url, keys, metrics.clone());
	let listen = config.listen;
	// The storage it sells bounds what the shards it holds may take on disk.
	let shards = Shards::open(
		&config.data_dir,
		chain.account().0,
		offer.storage_gib.saturating_mul(nubes_primitives::storage::GIB),
	)?;
	let agent = Arc::new(Agent::new(config, chain, store, workloads, metrics, offer, shards));
	info!(account = %agent.account(), "provider agent starting");

	let listener = tokio::net::TcpListener::bind(listen)
		.await
		.with_context(|| format!("cannot listen on {listen}"))?;
	let (stop, stopped) = tokio::sync::watch::channel(false);
	let tls = match &agent.config.tls {
		Some((cert, key)) => {
			let files = api::tls::CertFiles::load(cert, key)
				.with_context(|| format!("cannot serve TLS with {}", cert.display()))?;
			tokio::spawn(files.clone().watch(stopped.clone()));
			Some(files.acceptor()?)
		}
		None => None,
	};
	info!(%listen, tls = tls.is_some(), "HTTP server listening");
	let limits = api::server::ServerLimits::default();
	let server = tokio::spawn(api::server::serve(
		listener,
		api::public_router(agent.clone()),
		limits.clone(),
		tls,
		stopped.clone(),
	));
	let ops_server = match agent.config.metrics_listen {
		Some(address) => {
			let listener = tokio::net::TcpListener::bind(address)
				.await
				.with_context(|| format!("cannot listen on {address} (metrics_listen)"))?;
			info!(%address, "metrics listening");
			Some(tokio::spawn(api::server::serve(
				listener,
				api::ops::router(agent.clone(), false),
				limits,
				None,
				stopped.clone(),
			)))
		}
		None => None,
	};
	let follower = tokio::spawn(agent.clone().follow(stopped));
	shutdown_signal().await;
	info!("shutting down");
	let _ = stop.send(true);
	agent.stop_all();
	let _ = follower.await;
	let _ = server.await;
	if let Some(ops_server) = ops_server {
		let _ = ops_server.await;
	}
	info!("stopped");
	Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.init();
	let cli = Cli::parse();
	let result = match cli.command {
		Command::Init { config: path, force } => {
			if path.exists() && !force {
				Err(anyhow::anyhow!("{} exists; pass --force to overwrite it", path.display()))
			} else {
				std::fs::write(&path, config::DEFAULT)
					.with_context(|| format!("cannot write {}", path.display()))
					.map(|()| {
						println!(
							"wrote {}; edit it, then `nubes-agent run --config {}`",
							path.display(),
							path.display()
						)
					})
			}
		}
		Command::Probe { config: path } => (|| {
			let config = Config::load(&path)?;
			let hardware = probe::probe(&config.data_dir);
			let (offer, notes) = probe::offer(&hardware, &config.capacity);
			println!(
				"{}",
				serde_json::json!({ "hardware": hardware, "offer": offer, "notes": notes })
			);
			Ok(())
		})(),
		Command::Run { config } => run(config).await,
	};
	match result {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("nubes-agent: {e:#}");
			std::process::ExitCode::from(1)
		}
	}
}
