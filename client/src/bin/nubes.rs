//! `nubes`: the Nubes command line for tenants and for providers who script by hand.

use anyhow::Context;
use clap::{Parser, Subcommand};
use nubes_client::{amount, api, rpc::ProviderFilter, ClientError, Keys, NubesClient};
use nubes_primitives::Resources;
use std::process::ExitCode;

/// Exit codes scripts can rely on.
mod exit {
	/// A bad argument or input file.
	pub const USAGE: u8 = 2;
	/// The node could not be reached.
	pub const UNREACHABLE: u8 = 3;
	/// The chain refused the call (a pallet's named error).
	pub const REFUSED: u8 = 4;
	/// Not found (unknown lease, order, provider).
	pub const NOT_FOUND: u8 = 5;
	/// Anything else.
	pub const OTHER: u8 = 1;
}

#[derive(Parser)]
#[command(name = "nubes", version, about = "Rent and sell compute on the Nubes chain.", long_about = None)]
struct Cli {
	/// The node to talk to.
	#[arg(long, global = true, env = "NUBES_URL", default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// The signing key: a secret URI (`//Alice` on dev chains), a mnemonic, or `@FILE` for a key
	/// file. Never printed.
	#[arg(long, global = true, env = "NUBES_SURI", hide_env_values = true)]
	suri: Option<String>,
	/// Print machine-readable JSON instead of text.
	#[arg(long, global = true)]
	json: bool,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// List providers, optionally only those with enough free capacity or in some regions.
	///
	/// Example: nubes providers --min-cpu 2000 --region eu-central
	Providers {
		/// Free CPU at least this, in millicores.
		#[arg(long)]
		min_cpu: Option<u64>,
		/// Free memory at least this, in MiB.
		#[arg(long)]
		min_memory: Option<u64>,
		/// Only these regions (repeatable).
		#[arg(long = "region")]
		regions: Vec<String>,
	},
	/// Price a spec: the cheapest providers that can serve it, per block.
	///
	/// Example: nubes quote --cpu 1000 --memory 1024 --storage 1
	Quote {
		#[command(flatten)]
		spec: SpecArgs,
		/// How many quotes.
		#[arg(long, default_value_t = 5)]
		limit: u32,
	},
	/// Leases: list yours, show one, close one.
	#[command(subcommand)]
	Lease(LeaseCommand),
	/// Escrow of a lease.
	#[command(subcommand)]
	Escrow(EscrowCommand),
	/// Provider stake, for providers who script by hand.
	#[command(subcommand)]
	Provider(ProviderCommand),
}

#[derive(clap::Args)]
struct SpecArgs {
	/// CPU in millicores (1000 = one core).
	#[arg(long)]
	cpu: u64,
	/// Memory in MiB.
	#[arg(long)]
	memory: u64,
	/// Storage in GiB.
	#[arg(long, default_value_t = 0)]
	storage: u64,
	/// GPUs.
	#[arg(long, default_value_t = 0)]
	gpus: u32,
}

impl SpecArgs {
	fn resources(&self) -> Resources {
		Resources {
			cpu_millicores: self.cpu,
			memory_mib: self.memory,
			storage_gib: self.storage,
			gpus: self.gpus,
		}
	}
}

#[derive(Subcommand)]
enum LeaseCommand {
	/// Your leases (or ACCOUNT's), as tenant or provider.
	///
	/// Example: nubes lease list --suri //Alice
	List {
		/// Whose leases; default: the --suri account.
		#[arg(long)]
		account: Option<String>,
	},
	/// One lease: state, escrow, accrued, paid-until.
	///
	/// Example: nubes lease status 7
	Status { id: u64 },
	/// Close a lease, as its tenant or provider; the rest of the escrow is refunded.
	///
	/// Example: nubes lease close 7 --suri //Alice
	Close { id: u64 },
}

#[derive(Subcommand)]
enum EscrowCommand {
	/// Add AMOUNT (NUBES, or smallest units with a `u` suffix) to a lease's escrow.
	///
	/// Example: nubes escrow top-up 7 2.5 --suri //Alice
	TopUp { lease: u64, amount: String },
}

#[derive(Subcommand)]
enum ProviderCommand {
	/// Bond AMOUNT (NUBES) as provider stake.
	///
	/// Example: nubes provider bond 1000 --suri //Ferdie
	Bond { amount: String },
	/// Start unbonding AMOUNT of the stake.
	Unbond { amount: String },
	/// Withdraw stake whose unbonding is over.
	Withdraw,
}

/// A failure with the exit code it maps to.
struct Failure {
	code: u8,
	message: String,
}

impl From<ClientError> for Failure {
	fn from(error: ClientError) -> Self {
		let code = match &error {
			ClientError::Unreachable { .. } => exit::UNREACHABLE,
			ClientError::Module { error, .. } if error.starts_with("Unknown") => exit::NOT_FOUND,
			ClientError::Module { .. } | ClientError::Dispatch(_) | ClientError::NotIncluded(_) => {
				exit::REFUSED
			}
			ClientError::BadInput(_) | ClientError::BadKey(_) => exit::USAGE,
			_ => exit::OTHER,
		};
		Self { code, message: error.to_string() }
	}
}

impl From<anyhow::Error> for Failure {
	fn from(error: anyhow::Error) -> Self {
		match error.downcast::<ClientError>() {
			Ok(client) => client.into(),
			Err(other) => Self { code: exit::OTHER, message: format!("{other:#}") },
		}
	}
}

fn keys(cli: &Cli) -> Result<Keys, Failure> {
	let Some(secret) = cli.suri.as_deref() else {
		return Err(Failure {
			code: exit::USAGE,
			message: "this command signs: pass --suri (or NUBES_SURI), e.g. --suri //Alice on a dev chain".into(),
		});
	};
	let keys = match secret.strip_prefix('@') {
		Some(path) => Keys::from_file(std::path::Path::new(path)),
		None => Keys::from_secret(secret),
	};
	Ok(keys?)
}

fn print(cli: &Cli, json: serde_json::Value, text: String) {
	if cli.json {
		println!("{json}");
	} else {
		println!("{text}");
	}
}

fn spec_text(r: &Resources) -> String {
	format!(
		"{} mCPU, {} MiB, {} GiB, {} GPU",
		r.cpu_millicores, r.memory_mib, r.storage_gib, r.gpus
	)
}

async fn run(cli: &Cli) -> Result<(), Failure> {
	let client = NubesClient::connect(&cli.url).await?;
	match &cli.command {
		Command::Providers { min_cpu, min_memory, regions } => {
			let min_free = (min_cpu.is_some() || min_memory.is_some()).then(|| Resources {
				cpu_millicores: min_cpu.unwrap_or(0),
				memory_mib: min_memory.unwrap_or(0),
				storage_gib: 0,
				gpus: 0,
			});
			let filter =
				ProviderFilter { min_free, regions: regions.clone(), ..Default::default() };
			let page = client.providers(&filter, None, None).await?;
			let text = if page.providers.is_empty() {
				"no provider matches".to_string()
			} else {
				page.providers
					.iter()
					.map(|p| {
						format!(
							"{}  {}  {:?}  free {}  {}",
							p.account,
							p.region,
							p.status,
							spec_text(&p.free),
							p.endpoint
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			};
			print(cli, serde_json::to_value(&page).context("JSON")?, text);
		}
		Command::Quote { spec, limit } => {
			let quotes = client.quote(&spec.resources(), Some(*limit)).await?;
			if quotes.is_empty() {
				return Err(Failure {
					code: exit::NOT_FOUND,
					message: format!(
						"no provider matches {}: ask for less, or wait for capacity",
						spec_text(&spec.resources())
					),
				});
			}
			let text = quotes
				.iter()
				.map(|q| format!("{}  {} per block", q.provider, amount::format(q.rate)))
				.collect::<Vec<_>>()
				.join("\n");
			print(cli, serde_json::to_value(&quotes).context("JSON")?, text);
		}
		Command::Lease(LeaseCommand::List { account }) => {
			let who = match account {
				Some(text) => nubes_client::parse_account(text)?,
				None => keys(cli)?.account_id(),
			};
			let leases = client.leases(&who).await?;
			let text = if leases.is_empty() {
				"no leases".to_string()
			} else {
				leases
					.iter()
					.map(|l| {
						format!(
							"#{}  {}  {}  {} per block  escrow {}",
							l.id,
							l.state,
							l.provider,
							amount::format(l.rate),
							amount::format(l.escrow)
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			};
			print(cli, serde_json::to_value(&leases).context("JSON")?, text);
		}
		Command::Lease(LeaseCommand::Status { id }) => {
			let Some(lease) = client.lease(*id).await? else {
				return Err(Failure {
					code: exit::NOT_FOUND,
					message: format!("no open lease #{id}: `nubes lease list` shows yours"),
				});
			};
			let text = format!(
				"lease #{}: {}\n  tenant   {}\n  provider {}\n  spec     {}\n  rate     {} per block\n  escrow   {} (accrued {})\n  paid until block {}",
				lease.id,
				lease.state,
				lease.tenant,
				lease.provider,
				spec_text(&lease.resources),
				amount::format(lease.rate),
				amount::format(lease.escrow),
				amount::format(lease.accrued),
				lease.paid_until.map_or("-".into(), |b| b.to_string()),
			);
			print(cli, serde_json::to_value(&lease).context("JSON")?, text);
		}
		Command::Lease(LeaseCommand::Close { id }) => {
			let keys = keys(cli)?;
			client.submit(&api::tx().market().close_lease(*id), &keys).await?;
			print(cli, serde_json::json!({ "closed": id }), format!("lease #{id} closed"));
		}
		Command::Escrow(EscrowCommand::TopUp { lease, amount: text }) => {
			let value = amount::parse(text)?;
			let keys = keys(cli)?;
			client.submit(&api::tx().market().top_up(*lease, value), &keys).await?;
			print(
				cli,
				serde_json::json!({ "lease": lease, "added": value.to_string() }),
				format!("added {} to lease #{lease}", amount::format(value)),
			);
		}
		Command::Provider(command) => {
			let keys = keys(cli)?;
			let (done, json) = match command {
				ProviderCommand::Bond { amount: text } => {
					let value = amount::parse(text)?;
					client.submit(&api::tx().provider_stake().bond(value), &keys).await?;
					(
						format!("bonded {}", amount::format(value)),
						serde_json::json!({ "bonded": value.to_string() }),
					)
				}
				ProviderCommand::Unbond { amount: text } => {
					let value = amount::parse(text)?;
					client.submit(&api::tx().provider_stake().unbond(value), &keys).await?;
					(
						format!("unbonding {}", amount::format(value)),
						serde_json::json!({ "unbonding": value.to_string() }),
					)
				}
				ProviderCommand::Withdraw => {
					client.submit(&api::tx().provider_stake().withdraw_unbonded(), &keys).await?;
					(
						"withdrew the unbonded stake".to_string(),
						serde_json::json!({ "withdrawn": true }),
					)
				}
			};
			print(cli, json, done);
		}
	}
	Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	match run(&cli).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(failure) => {
			if cli.json {
				println!(
					"{}",
					serde_json::json!({ "error": failure.message, "code": failure.code })
				);
			}
			eprintln!("error: {}", failure.message);
			ExitCode::from(failure.code)
		}
	}
}
