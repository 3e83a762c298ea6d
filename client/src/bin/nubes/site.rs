//! `nubes site deploy DIR --name NAME`: a dApp's front end on Nubes in one command. It stores
//! the directory (a storage deal, as `nubes store put`), registers the name or points it to the
//! new root (renewing it first if it has expired but is still in its grace period), and prints
//! where gateways serve it.

use super::{
	exit, keys,
	name::{target_text, PeriodArgs},
	print,
	store::{store_path, TermsArgs},
	Cli, Failure,
};
use nubes_client::{
	agent_api::hash_hex,
	names::{self, NameTarget},
	NubesClient,
};
use std::path::PathBuf;

/// `nubes site` subcommands.
#[derive(clap::Subcommand)]
pub enum SiteCommand {
	/// Store a directory and point a name to it; print the URLs gateways serve it at.
	///
	/// Example: nubes site deploy ./dist --name myapp --suri //Alice
	Deploy {
		/// The site's directory (or one file).
		dir: PathBuf,
		/// The name to serve it under: registered if free, pointed to the new content if
		/// yours.
		#[arg(long)]
		name: String,
		/// With a new name: how long to register it for.
		#[command(flatten)]
		period: PeriodArgs,
		#[command(flatten)]
		terms: TermsArgs,
	},
}

/// Runs one `nubes site` command.
pub async fn run(cli: &Cli, client: &NubesClient, command: &SiteCommand) -> Result<(), Failure> {
	let SiteCommand::Deploy { dir, name, period, terms } = command;
	names::check(name).map_err(|e| Failure { code: exit::USAGE, message: e.to_string() })?;
	let keys = keys(cli)?;
	let me = nubes_client::to_ss58(&keys.account_id());
	// Before anything is paid for: the name must be free or ours. A name stays its owner's
	// until its grace period ends.
	let grace = client.name_grace().await?;
	let lookup = client.name(name).await?;
	if let Some(record) = &lookup.record {
		if record.owner != me && lookup.block < record.expires.saturating_add(grace) {
			return Err(Failure {
				code: exit::REFUSED,
				message: format!(
					"{name} belongs to {} until block {} (its expiry and grace)",
					record.owner,
					record.expires.saturating_add(grace)
				),
			});
		}
	}
	let stored = store_path(cli, client, dir, terms).await?;
	if stored.held < stored.shards {
		return Err(Failure {
			code: exit::OTHER,
			message: format!(
				"only {} of {} holders confirmed: the name was left as it was (`nubes store status {}`)",
				stored.held,
				stored.shards,
				hash_hex(&stored.root)
			),
		});
	}
	let target = NameTarget::Site { root: stored.root, path: String::new() };
	// Read again: the store took a while.
	let lookup = client.name(name).await?;
	let expires = match &lookup.record {
		Some(record)
			if record.owner == me && lookup.block < record.expires.saturating_add(grace) =>
		{
			let expires = if lookup.target().is_none() {
				eprintln!("{name} has expired: renewing it");
				names::renew(client, &keys, name, period.blocks()?).await?
			} else {
				record.expires
			};
			names::update(client, &keys, name, &target).await?;
			expires
		}
		// Free, or past its grace (registering reaps it).
		_ => names::register(client, &keys, name, &target, period.blocks()?).await?,
	};
	let gateways = names::gateways(client, 5).await?;
	let urls: Vec<String> = gateways.iter().filter_map(|g| g.url(name)).collect();
	let mut text = format!(
		"{name} -> {} (deal #{}, {} bytes), until block {expires}",
		target_text(&target),
		stored.deal,
		stored.size
	);
	match urls.first() {
		Some(_) => {
			for url in &urls {
				text.push_str(&format!("\n{url}"));
			}
		}
		None => text
			.push_str("\nno gateway is registered yet: any agent with `gateway = true` serves it"),
	}
	print(
		cli,
		serde_json::json!({
			"name": name,
			"root": hash_hex(&stored.root),
			"deal": stored.deal,
			"expires": expires,
			"urls": urls,
		}),
		text,
	);
	Ok(())
}
