//! `nubes name register|update|transfer|renew|release|show`: names on chain, each pointing to a
//! site (a stored content's root and a path in it) or a deployment (its leases), served by any
//! gateway at `{name}.{gateway domain}`.

use super::{exit, keys, print, Cli, Failure};
use nubes_client::{
	agent_api::{hash_hex, parse_hash},
	amount,
	names::{self, NameTarget},
	NubesClient,
};

/// Blocks per day at the runtime's 3-second blocks.
pub const BLOCKS_PER_DAY: u32 = 28_800;

/// How long a name is registered or renewed for.
#[derive(clap::Args, Clone, Copy)]
pub struct PeriodArgs {
	/// Days (at the runtime's 3-second blocks).
	#[arg(long, default_value_t = 365, conflicts_with = "blocks")]
	pub days: u32,
	/// Blocks, exactly (a dev chain's blocks may be faster than the runtime's).
	#[arg(long)]
	pub blocks: Option<u32>,
}

impl PeriodArgs {
	/// The period in blocks.
	pub fn blocks(&self) -> Result<u32, Failure> {
		match self.blocks {
			Some(blocks) => Ok(blocks),
			None => self.days.checked_mul(BLOCKS_PER_DAY).ok_or_else(|| usage("too many days")),
		}
	}
}

/// What a name points to, as written on the command line.
#[derive(clap::Args, Clone)]
pub struct TargetArgs {
	/// A stored content's root (`nubes store put` prints it): the name is a site.
	#[arg(long, conflicts_with = "leases", required_unless_present = "leases")]
	pub root: Option<String>,
	/// With --root: the directory inside the content the site starts at.
	#[arg(long, default_value = "", requires = "root")]
	pub path: String,
	/// Leases whose HTTP services are the name's replicas (repeatable): the name is a
	/// deployment. They must be yours.
	#[arg(long = "lease")]
	pub leases: Vec<u64>,
}

impl TargetArgs {
	fn target(&self) -> Result<NameTarget, Failure> {
		match &self.root {
			Some(root) => Ok(NameTarget::Site {
				root: parse_hash(root).ok_or_else(|| {
					usage(format!("{root:?} is not a root (0x and 64 hex digits)"))
				})?,
				path: self.path.trim_matches('/').to_string(),
			}),
			None => Ok(NameTarget::Deployment { leases: self.leases.clone() }),
		}
	}
}

/// `nubes name` subcommands.
#[derive(clap::Subcommand)]
pub enum NameCommand {
	/// Register a name: hold its deposit, pay its rent for the period (both higher for
	/// shorter names), point it to a site or a deployment.
	///
	/// Example: nubes name register myapp --root 0x1234… --suri //Alice
	Register {
		/// The name: 3 to 63 lower-case letters, digits and hyphens, starting with a letter.
		name: String,
		#[command(flatten)]
		target: TargetArgs,
		#[command(flatten)]
		period: PeriodArgs,
	},
	/// Point a name you own to another site or deployment.
	///
	/// Example: nubes name update myapp --root 0x5678… --suri //Alice
	Update {
		/// The name.
		name: String,
		#[command(flatten)]
		target: TargetArgs,
	},
	/// Give a name you own to another account; its deposit goes with it.
	///
	/// Example: nubes name transfer myapp 5Grw… --suri //Alice
	Transfer {
		/// The name.
		name: String,
		/// The new owner (SS58 or 0x hex).
		to: String,
	},
	/// Pay to keep a name longer (anyone may, until its grace period ends).
	///
	/// Example: nubes name renew myapp --days 365 --suri //Alice
	Renew {
		/// The name.
		name: String,
		#[command(flatten)]
		period: PeriodArgs,
	},
	/// Give a name you own up: its deposit comes back.
	///
	/// Example: nubes name release myapp --suri //Alice
	Release {
		/// The name.
		name: String,
	},
	/// What a name points to, its owner and expiry, as of the last finalized block.
	///
	/// Example: nubes name show myapp
	Show {
		/// The name.
		name: String,
	},
}

fn usage(message: impl Into<String>) -> Failure {
	Failure { code: exit::USAGE, message: message.into() }
}

/// A target for people.
pub fn target_text(target: &NameTarget) -> String {
	match target {
		NameTarget::Site { root, path } if path.is_empty() => format!("site {}", hash_hex(root)),
		NameTarget::Site { root, path } => format!("site {} from {path}/", hash_hex(root)),
		NameTarget::Deployment { leases } => format!(
			"deployment of lease(s) {}",
			leases.iter().map(|l| format!("#{l}")).collect::<Vec<_>>().join(", ")
		),
	}
}

/// Runs one `nubes name` command.
pub async fn run(cli: &Cli, client: &NubesClient, command: &NameCommand) -> Result<(), Failure> {
	match command {
		NameCommand::Register { name, target, period } => {
			names::check(name).map_err(|e| usage(e.to_string()))?;
			let (keys, target) = (keys(cli)?, target.target()?);
			let expires = names::register(client, &keys, name, &target, period.blocks()?).await?;
			print(
				cli,
				serde_json::json!({ "name": name, "target": target, "expires": expires }),
				format!(
					"{name}: registered, pointing to {} until block {expires}",
					target_text(&target)
				),
			);
		}
		NameCommand::Update { name, target } => {
			names::check(name).map_err(|e| usage(e.to_string()))?;
			let (keys, target) = (keys(cli)?, target.target()?);
			names::update(client, &keys, name, &target).await?;
			print(
				cli,
				serde_json::json!({ "name": name, "target": target }),
				format!("{name}: now pointing to {}", target_text(&target)),
			);
		}
		NameCommand::Transfer { name, to } => {
			names::check(name).map_err(|e| usage(e.to_string()))?;
			names::transfer(client, &keys(cli)?, name, to).await?;
			print(
				cli,
				serde_json::json!({ "name": name, "owner": to }),
				format!("{name}: now owned by {to}"),
			);
		}
		NameCommand::Renew { name, period } => {
			names::check(name).map_err(|e| usage(e.to_string()))?;
			let expires = names::renew(client, &keys(cli)?, name, period.blocks()?).await?;
			print(
				cli,
				serde_json::json!({ "name": name, "expires": expires }),
				format!("{name}: kept until block {expires}"),
			);
		}
		NameCommand::Release { name } => {
			names::check(name).map_err(|e| usage(e.to_string()))?;
			names::release(client, &keys(cli)?, name).await?;
			print(
				cli,
				serde_json::json!({ "name": name, "released": true }),
				format!("{name}: released; its deposit is back"),
			);
		}
		NameCommand::Show { name } => {
			names::check(name).map_err(|e| usage(e.to_string()))?;
			let lookup = client.name(name).await?;
			let Some(record) = &lookup.record else {
				return Err(Failure {
					code: exit::NOT_FOUND,
					message: format!("{name} is not registered (as of block {})", lookup.block),
				});
			};
			let state = if lookup.target().is_some() {
				format!("resolves until block {}", record.expires)
			} else {
				format!("expired at block {}: it no longer resolves", record.expires)
			};
			print(
				cli,
				serde_json::json!({ "block": lookup.block, "resolves": lookup.target().is_some(), "record": record }),
				format!(
					"{name}: {}\n  owner    {}\n  {state}\n  deposit  {}\n  (as of finalized block {})",
					target_text(&record.target),
					record.owner,
					amount::format(record.deposit),
					lookup.block
				),
			);
		}
	}
	Ok(())
}
