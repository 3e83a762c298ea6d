//! `nubes store put|get|status|fund|close`: a file or a directory kept by Nubes providers.
//!
//! `put` packs the path into one content, cuts it into `data + parity` shards, chooses one
//! holder per shard (cheapest first, distinct providers, no region holding more than `parity`
//! shards), opens the deal, uploads each shard to its holder's agent (all at once), waits until
//! every holder has sealed its shard and confirmed, and prints the root: the one thing a
//! reader needs. `get` reads it back from any `data` holders, every byte checked against the
//! chain. `status` shows the deals storing a root and their holders; `fund` adds to a deal's
//! reserve and `close` ends it.

use super::{exit, keys, print, Cli, Failure};
use nubes_client::{
	agent_api::{hash_hex, parse_hash},
	amount, api,
	store::{self, Terms},
	ClientError, NubesClient,
};
use nubes_content::{erasure, Content, Erasure};
use std::{path::PathBuf, time::Duration};

/// How a content is stored: its shards, prices, escrow and reserve.
#[derive(clap::Args, Clone)]
pub struct TermsArgs {
	/// Data shards: any this many give the content back.
	#[arg(long, default_value_t = 4)]
	data: u8,
	/// Parity shards: as many holders (or a whole region) may be lost.
	#[arg(long, default_value_t = 2)]
	parity: u8,
	/// Highest price per block per holder (NUBES).
	#[arg(long, default_value = "0.001")]
	max_rate: String,
	/// Escrow each holder's lease starts with (NUBES).
	#[arg(long, default_value = "10")]
	escrow: String,
	/// Held to pay new holders when some are lost (NUBES).
	#[arg(long, default_value = "20")]
	reserve: String,
	/// Blocks the deal lasts; until closed if absent.
	#[arg(long)]
	duration: Option<u32>,
	/// Seconds to wait for every holder to confirm.
	#[arg(long, default_value_t = 600)]
	timeout: u64,
}

impl TermsArgs {
	fn terms(&self) -> Result<Terms, Failure> {
		Ok(Terms {
			erasure: Erasure { data: self.data, parity: self.parity },
			max_rate: amount::parse(&self.max_rate)?,
			duration: self.duration,
			escrow_per_shard: amount::parse(&self.escrow)?,
			reserve: amount::parse(&self.reserve)?,
		})
	}
}

/// A content stored and held.
pub struct Stored {
	/// Its root.
	pub root: [u8; 32],
	/// The deal.
	pub deal: u64,
	/// Its size in bytes.
	pub size: u64,
	/// Holders keeping their shards.
	pub held: usize,
	/// Shards in all.
	pub shards: usize,
}

/// `nubes store` subcommands.
#[derive(clap::Subcommand)]
pub enum StoreCommand {
	/// Store a file or a directory: encode it, open a deal, upload the shards, wait until every
	/// holder keeps its shard, print the root.
	///
	/// Example: nubes store put ./dist --suri //Alice
	Put {
		/// The file or directory.
		path: PathBuf,
		#[command(flatten)]
		terms: TermsArgs,
	},
	/// Read a stored content back: one file (to stdout or --output), or all of it into the
	/// directory --output.
	///
	/// Example: nubes store get 0x1234… index.html
	Get {
		/// The content's root.
		root: String,
		/// A file in it; all of them if absent.
		path: Option<String>,
		/// Where to write: a file for one path, a directory for all.
		#[arg(long, short)]
		output: Option<PathBuf>,
	},
	/// The deals storing a root: their holders, leases and reserves.
	///
	/// Example: nubes store status 0x1234…
	Status {
		/// The content's root.
		root: String,
	},
	/// Add AMOUNT (NUBES) to a deal's reserve, which pays new holders when some are lost.
	///
	/// Example: nubes store fund 3 10 --suri //Alice
	Fund {
		/// The deal.
		deal: u64,
		/// How much.
		amount: String,
	},
	/// Close a deal: every holder's lease closes under the market's rules, and the reserve and
	/// deposit come back.
	///
	/// Example: nubes store close 3 --suri //Alice
	Close {
		/// The deal.
		deal: u64,
	},
}

fn usage(message: impl Into<String>) -> Failure {
	Failure { code: exit::USAGE, message: message.into() }
}

fn root_of(text: &str) -> Result<[u8; 32], Failure> {
	parse_hash(text).ok_or_else(|| usage(format!("{text:?} is not a root (0x and 64 hex digits)")))
}

fn progress(cli: &Cli, text: String) {
	if !cli.json {
		eprintln!("{text}");
	}
}

/// Runs one `nubes store` command.
pub async fn run(cli: &Cli, client: &NubesClient, command: &StoreCommand) -> Result<(), Failure> {
	match command {
		StoreCommand::Put { path, terms } => {
			let stored = store_path(cli, client, path, terms).await?;
			let root = hash_hex(&stored.root);
			let text = format!(
				"{root}\ndeal #{}: {} of {} holders keep their shards",
				stored.deal, stored.held, stored.shards
			);
			print(
				cli,
				serde_json::json!({ "root": root, "deal": stored.deal, "size": stored.size, "held": stored.held, "shards": stored.shards }),
				text,
			);
			if stored.held < stored.shards {
				return Err(Failure {
					code: exit::OTHER,
					message: format!(
						"only {} of {} holders confirmed within the timeout: `nubes store status {root}` tells which",
						stored.held, stored.shards
					),
				});
			}
			Ok(())
		}
		StoreCommand::Get { root, path, output } => {
			get(cli, client, root_of(root)?, path.as_deref(), output.as_ref()).await
		}
		StoreCommand::Status { root } => status(cli, client, root_of(root)?).await,
		StoreCommand::Fund { deal, amount } => {
			let keys = keys(cli)?;
			let amount = amount::parse(amount)?;
			client.submit(&api::tx().storage_deals().fund_deal(*deal, amount), &keys).await?;
			print(
				cli,
				serde_json::json!({ "deal": deal, "funded": amount.to_string() }),
				format!("deal #{deal}: {} added to its reserve", amount::format(amount)),
			);
			Ok(())
		}
		StoreCommand::Close { deal } => {
			let keys = keys(cli)?;
			client.submit(&api::tx().storage_deals().close_deal(*deal), &keys).await?;
			print(
				cli,
				serde_json::json!({ "deal": deal, "closed": true }),
				format!("deal #{deal} closed: its holders' leases are closing, its reserve and deposit are back"),
			);
			Ok(())
		}
	}
}

/// Stores the file or directory at `path` under `terms`: encodes it, opens the deal, uploads
/// the shards and waits for the holders (progress on stderr).
pub async fn store_path(
	cli: &Cli,
	client: &NubesClient,
	path: &std::path::Path,
	terms: &TermsArgs,
) -> Result<Stored, Failure> {
	let (timeout, terms) = (Duration::from_secs(terms.timeout), terms.terms()?);
	let keys = keys(cli)?;
	terms.erasure.check().map_err(|e| usage(e.to_string()))?;
	let (content, shards) = {
		let (file, erasure) = (path.to_path_buf(), terms.erasure);
		tokio::task::spawn_blocking(move || {
			let content = Content::from_path(&file)?;
			let shards = erasure::encode(&content, erasure)?;
			Ok::<_, nubes_content::ContentError>((content, shards))
		})
		.await
		.map_err(|e| Failure { code: exit::OTHER, message: e.to_string() })?
		.map_err(|e| usage(format!("{}: {e}", path.display())))?
	};
	let root = hash_hex(&content.root());
	let gib = nubes_primitives::storage::shard_gib(content.size(), terms.erasure.data)
		.ok_or_else(|| usage("no data shards"))?;
	progress(
		cli,
		format!(
			"{}: {} file(s), {} bytes, root {root}; {} + {} shards of {} chunk(s)",
			path.display(),
			content.index().entries.len(),
			content.size(),
			terms.erasure.data,
			terms.erasure.parity,
			shards.first().map_or(0, |s| s.stripes()),
		),
	);
	let holders = store::choose_holders(client, terms.erasure, gib, terms.max_rate).await?;
	let opened = store::open_deal(client, &keys, &content, &shards, holders, &terms).await?;
	progress(cli, format!("deal #{} opened; uploading the shards", opened.deal));
	let uploads = opened.holders.iter().map(|(index, holder, lease)| {
		let keys = &keys;
		let shard = &shards[usize::from(*index)];
		async move { (*index, store::upload(holder, keys, *lease, shard).await) }
	});
	for (index, outcome) in futures::future::join_all(uploads).await {
		if let Err(e) = outcome {
			return Err(Failure {
				code: exit::REFUSED,
				message: format!(
					"deal #{}: shard {index} could not be uploaded: {e} (the deal is open: `nubes store status {root}`; the chain replaces a holder that never confirms)",
					opened.deal
				),
			});
		}
	}
	progress(
		cli,
		format!(
			"deal #{}: shards uploaded; waiting for the holders to seal and confirm",
			opened.deal
		),
	);
	let held = store::wait_held(client, opened.deal, timeout).await?;
	Ok(Stored {
		root: content.root(),
		deal: opened.deal,
		size: content.size(),
		held,
		shards: terms.erasure.shards(),
	})
}

async fn get(
	cli: &Cli,
	client: &NubesClient,
	root: [u8; 32],
	path: Option<&str>,
	output: Option<&PathBuf>,
) -> Result<(), Failure> {
	let content = store::read(client, &root).await.map_err(|e| match e {
		ClientError::BadInput(message) if message.starts_with("no deal") => {
			Failure { code: exit::NOT_FOUND, message }
		}
		other => other.into(),
	})?;
	match path {
		Some(path) => {
			let bytes = content.file(path).ok_or_else(|| Failure {
				code: exit::NOT_FOUND,
				message: format!("no {path:?} in {}", hash_hex(&root)),
			})?;
			match output {
				Some(out) => write(out, bytes)?,
				None => {
					use std::io::Write;
					std::io::stdout()
						.write_all(bytes)
						.map_err(|e| Failure { code: exit::OTHER, message: e.to_string() })?;
				}
			}
		}
		None => {
			let Some(dir) = output else {
				return Err(usage("give --output DIR to write every file, or name one PATH"));
			};
			for entry in &content.index().entries {
				let bytes = content.file(&entry.path).unwrap_or_default();
				// Paths are checked when the index is read: relative, no `.` or `..`.
				write(&dir.join(&entry.path), bytes)?;
			}
			progress(
				cli,
				format!(
					"{} file(s) written under {}",
					content.index().entries.len(),
					dir.display()
				),
			);
		}
	}
	Ok(())
}

fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
	let fail = |e: std::io::Error| Failure {
		code: exit::OTHER,
		message: format!("{}: {e}", path.display()),
	};
	if let Some(parent) = path.parent() {
		std::fs::create_dir_all(parent).map_err(fail)?;
	}
	std::fs::write(path, bytes).map_err(fail)
}

async fn status(cli: &Cli, client: &NubesClient, root: [u8; 32]) -> Result<(), Failure> {
	let ids = client.deals_of_root(&root).await?;
	if ids.is_empty() {
		return Err(Failure {
			code: exit::NOT_FOUND,
			message: format!("no deal stores {}", hash_hex(&root)),
		});
	}
	let mut deals = Vec::new();
	let mut lines = Vec::new();
	for id in ids {
		let Some(deal) = client.deal(id).await? else { continue };
		lines.push(format!(
			"deal #{id}  tenant {}  {} bytes  {} + {} shards  {} GiB each  reserve {}{}",
			deal.tenant,
			deal.size,
			deal.data,
			deal.parity,
			deal.shard_gib,
			amount::format(deal.reserve),
			deal.ends_at.map(|end| format!("  ends at block {end}")).unwrap_or_default()
		));
		let mut shards = Vec::new();
		for (index, shard) in deal.shards.iter().enumerate() {
			let state = match &shard.holder {
				Some((_, lease)) => client
					.lease(*lease)
					.await?
					.map_or_else(|| "closing".to_string(), |lease| lease.state.to_lowercase()),
				None => "seeking a holder".into(),
			};
			lines.push(format!(
				"  shard {index}  {}  {}  {state}",
				hash_hex(&shard.root),
				shard
					.holder
					.as_ref()
					.map(|(who, lease)| format!("{who} lease #{lease}"))
					.unwrap_or_else(|| "-".into()),
			));
			shards.push(serde_json::json!({ "index": index, "state": state }));
		}
		deals.push(serde_json::json!({ "deal": deal, "states": shards }));
	}
	print(cli, serde_json::json!({ "root": hash_hex(&root), "deals": deals }), lines.join("\n"));
	Ok(())
}
