//! `nubes`: the Nubes command line for tenants and for providers who script by hand.

use anyhow::Context;
use clap::{Parser, Subcommand};
use nubes_client::{amount, api, convert, rpc::ProviderFilter, ClientError, Keys, NubesClient};
use nubes_primitives::Resources;
use std::process::ExitCode;

mod deploy;
mod name;
mod site;
mod store;

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
	/// The validators and how each stands: epochs accounted for, silent and late epochs,
	/// challenges short of its share, disagreements with the verdicts, missed reveals.
	///
	/// Example: nubes validators
	Validators,
	/// Orders: open one for bids, see its bids, accept one, cancel it.
	#[command(subcommand)]
	Order(OrderCommand),
	/// Leases: list yours, show one, close one.
	#[command(subcommand)]
	Lease(LeaseCommand),
	/// Escrow of a lease.
	#[command(subcommand)]
	Escrow(EscrowCommand),
	/// Provider registration and stake, for providers who script by hand.
	#[command(subcommand)]
	Provider(ProviderCommand),
	/// Storage deals: store a file or a directory with Nubes providers, read it back, see who
	/// keeps it.
	#[command(subcommand)]
	Store(store::StoreCommand),
	/// Names: register one, point it to a site or a deployment, transfer, renew, release it.
	#[command(subcommand)]
	Name(name::NameCommand),
	/// Sites: store a front end and serve it under a name, in one command.
	#[command(subcommand)]
	Site(site::SiteCommand),
	/// Deploy a workload from a deployment file: lease, deliver, wait until it runs, print URLs.
	///
	/// By default the cheapest providers quoting within max_price are leased directly (one
	/// block); --auction opens an order instead, waits for the bid window and accepts the
	/// lowest bids. See examples/workloads/hello-http.toml for the file format.
	///
	/// Example: nubes deploy examples/workloads/hello-http.toml --suri //Alice
	Deploy {
		/// The deployment file (TOML).
		file: std::path::PathBuf,
		/// Take bids through an order instead of leasing directly.
		#[arg(long)]
		auction: bool,
		/// With --auction: blocks bids are taken for.
		#[arg(long, default_value_t = 10)]
		bid_window: u32,
		/// Seconds to wait for every replica to run.
		#[arg(long, default_value_t = 300)]
		timeout: u64,
	},
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
enum OrderCommand {
	/// Open an order for REPLICAS leases of a spec, each on a distinct provider, taking bids for
	/// BID_WINDOW blocks; ESCROW per replica is held until its lease opens.
	///
	/// Example: nubes order create --cpu 1000 --memory 1024 --max-price 0.01 --escrow 10 --suri //Alice
	Create {
		#[command(flatten)]
		spec: SpecArgs,
		/// Leases wanted, each on a distinct provider.
		#[arg(long, default_value_t = 1)]
		replicas: u32,
		/// Highest price per block per replica (NUBES).
		#[arg(long)]
		max_price: String,
		/// Initial escrow per replica (NUBES).
		#[arg(long)]
		escrow: String,
		/// Blocks each lease runs; open-ended if absent.
		#[arg(long)]
		duration: Option<u32>,
		/// Blocks bids are taken for.
		#[arg(long, default_value_t = 10)]
		bid_window: u32,
		/// Let the chain accept the lowest bids when the window closes.
		#[arg(long)]
		auto_accept: bool,
		/// The workload description's hash (`0x` + 64 hex digits); zero if absent.
		#[arg(long)]
		manifest_hash: Option<String>,
	},
	/// An open order and its bids.
	///
	/// Example: nubes order bids 3
	Bids { id: u64 },
	/// Accept PROVIDER's bid on order ID: a lease at the bid's price.
	///
	/// Example: nubes order accept 3 5Grw... --suri //Alice
	Accept { id: u64, provider: String },
	/// Cancel an open order; bids and unused escrow are released.
	Cancel { id: u64 },
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
	/// The last bytes of a lease's workload logs, from its provider's agent (tenant only).
	///
	/// Example: nubes lease logs 7 --tail 4096 --suri //Alice
	Logs {
		id: u64,
		/// How many bytes from the end.
		#[arg(long, default_value_t = 65536)]
		tail: u64,
	},
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
	/// Register as a provider offering a capacity at a price list (per unit per block, NUBES).
	/// The bond must already cover the capacity.
	///
	/// Example: nubes provider register --endpoint https://node.example:8443 --region eu-central
	///   --cpu 8000 --memory 16384 --storage 500 --price-cpu 0.000001 --suri //Ferdie
	Register {
		/// Where the agent answers tenants and validators.
		#[arg(long)]
		endpoint: String,
		/// Where the machines are.
		#[arg(long)]
		region: String,
		#[command(flatten)]
		spec: SpecArgs,
		/// Price per CPU millicore per block.
		#[arg(long, default_value = "0")]
		price_cpu: String,
		/// Price per MiB of memory per block.
		#[arg(long, default_value = "0")]
		price_memory: String,
		/// Price per GiB of storage per block.
		#[arg(long, default_value = "0")]
		price_storage: String,
		/// Price per GPU per block.
		#[arg(long, default_value = "0")]
		price_gpu: String,
		/// Attributes as key=value (repeatable).
		#[arg(long = "attribute")]
		attributes: Vec<String>,
	},
	/// Change what the registry says of you: endpoint, capacity, prices, attributes. Only the
	/// fields given change.
	///
	/// Example: nubes provider update --endpoint https://new.example:8443 --suri //Ferdie
	Update {
		/// A new endpoint.
		#[arg(long)]
		endpoint: Option<String>,
		/// New capacity: CPU millicores (give --memory, --storage and --gpus with it).
		#[arg(long, requires = "memory")]
		cpu: Option<u64>,
		/// New capacity: memory in MiB.
		#[arg(long, requires = "cpu")]
		memory: Option<u64>,
		/// New capacity: storage in GiB.
		#[arg(long, default_value_t = 0)]
		storage: u64,
		/// New capacity: GPUs.
		#[arg(long, default_value_t = 0)]
		gpus: u32,
		/// New prices, all four: per millicore, MiB, GiB, GPU per block (NUBES), comma-separated.
		#[arg(long)]
		prices: Option<String>,
		/// New attributes as key=value (repeatable; replaces the whole set).
		#[arg(long = "attribute")]
		attributes: Option<Vec<String>>,
	},
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
			ClientError::Agent { .. } => exit::UNREACHABLE,
			ClientError::AgentRefused { status: 404, .. } => exit::NOT_FOUND,
			ClientError::AgentRefused { .. } => exit::REFUSED,
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
	Ok(Keys::from_spec(secret)?)
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
		Command::Validators => {
			let standings = client.validator_standings().await?;
			let text = if standings.is_empty() {
				"no validators".to_string()
			} else {
				let mut lines = vec![
					"key  epochs  silent  late  unchallenged  false-failures  missed-faults  reveals-missed"
						.to_string(),
				];
				lines.extend(standings.iter().map(|v| {
					format!(
						"{}  {}  {}  {}  {}  {}  {}  {}",
						v.key,
						v.epochs,
						v.silent,
						v.late,
						v.unchallenged,
						v.false_failures,
						v.missed_faults,
						v.reveals_missed
					)
				}));
				lines.join("\n")
			};
			print(cli, serde_json::to_value(&standings).context("JSON")?, text);
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
		Command::Order(command) => order(cli, &client, command).await?,
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
		Command::Store(command) => store::run(cli, &client, command).await?,
		Command::Name(command) => name::run(cli, &client, command).await?,
		Command::Site(command) => site::run(cli, &client, command).await?,
		Command::Deploy { file, auction, bid_window, timeout } => {
			deploy::run(
				cli,
				&client,
				deploy::Options {
					file,
					auction: *auction,
					bid_window: *bid_window,
					timeout: std::time::Duration::from_secs(*timeout),
				},
			)
			.await?
		}
		Command::Lease(LeaseCommand::Logs { id, tail }) => {
			let keys = keys(cli)?;
			let Some(lease) = client.lease(*id).await? else {
				return Err(Failure {
					code: exit::NOT_FOUND,
					message: format!("no open lease #{id}: `nubes lease list` shows yours"),
				});
			};
			let provider = nubes_client::parse_account(&lease.provider)?;
			let endpoint = deploy::endpoint_of(&client, &provider).await?;
			let (id, tail) = (*id, *tail);
			let text = tokio::task::spawn_blocking(move || {
				nubes_client::agent_api::AgentClient::new(&endpoint, provider).logs(&keys, id, tail)
			})
			.await
			.context("logs")??;
			if cli.json {
				println!("{}", serde_json::json!({ "lease": id, "logs": text }));
			} else {
				print!("{text}");
			}
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
				ProviderCommand::Register {
					endpoint,
					region,
					spec,
					price_cpu,
					price_memory,
					price_storage,
					price_gpu,
					attributes,
				} => {
					let attributes = nubes_client::convert::key_values(attributes)?;
					let prices = nubes_primitives::ResourcePrices {
						per_cpu_millicore: amount::parse(price_cpu)?,
						per_memory_mib: amount::parse(price_memory)?,
						per_storage_gib: amount::parse(price_storage)?,
						per_gpu: amount::parse(price_gpu)?,
					};
					client
						.submit(
							&api::tx().providers().register(
								convert::bytes(endpoint),
								convert::bytes(region),
								convert::attributes(&attributes),
								convert::resources(&spec.resources()),
								convert::prices(&prices),
							),
							&keys,
						)
						.await?;
					(
						format!("registered {}", nubes_client::to_ss58(&keys.account_id())),
						serde_json::json!({ "registered": nubes_client::to_ss58(&keys.account_id()) }),
					)
				}
				ProviderCommand::Update {
					endpoint,
					cpu,
					memory,
					storage,
					gpus,
					prices,
					attributes,
				} => {
					let mut changed = Vec::new();
					if let Some(endpoint) = endpoint {
						let call = api::tx().providers().update_endpoint(convert::bytes(endpoint));
						client.submit(&call, &keys).await?;
						changed.push("endpoint");
					}
					if let (Some(cpu), Some(memory)) = (cpu, memory) {
						let capacity = Resources {
							cpu_millicores: *cpu,
							memory_mib: *memory,
							storage_gib: *storage,
							gpus: *gpus,
						};
						let call =
							api::tx().providers().update_capacity(convert::resources(&capacity));
						client.submit(&call, &keys).await?;
						changed.push("capacity");
					}
					if let Some(text) = prices {
						let parts = text
							.split(',')
							.map(|p| amount::parse(p.trim()))
							.collect::<Result<Vec<_>, _>>()?;
						let [cpu, memory, storage, gpu] = parts[..] else {
							return Err(Failure {
								code: exit::USAGE,
								message: format!("--prices {text:?}: give four prices, per millicore, MiB, GiB and GPU, comma-separated"),
							});
						};
						let prices = nubes_primitives::ResourcePrices {
							per_cpu_millicore: cpu,
							per_memory_mib: memory,
							per_storage_gib: storage,
							per_gpu: gpu,
						};
						client
							.submit(
								&api::tx().providers().update_prices(convert::prices(&prices)),
								&keys,
							)
							.await?;
						changed.push("prices");
					}
					if let Some(pairs) = attributes {
						let attributes = nubes_client::convert::key_values(pairs)?;
						let call = api::tx()
							.providers()
							.update_attributes(convert::attributes(&attributes));
						client.submit(&call, &keys).await?;
						changed.push("attributes");
					}
					if changed.is_empty() {
						return Err(Failure {
							code: exit::USAGE,
							message: "nothing to update: give --endpoint, --cpu/--memory, --prices or --attribute".into(),
						});
					}
					(
						format!("updated {}", changed.join(", ")),
						serde_json::json!({ "updated": changed }),
					)
				}
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

fn manifest_hash(text: Option<&str>) -> Result<[u8; 32], Failure> {
	let Some(text) = text else { return Ok([0; 32]) };
	nubes_client::agent_api::parse_hash(text).ok_or_else(|| Failure {
		code: exit::USAGE,
		message: format!("manifest hash {text:?} is not 0x and 64 hex digits"),
	})
}

async fn order(cli: &Cli, client: &NubesClient, command: &OrderCommand) -> Result<(), Failure> {
	match command {
		OrderCommand::Create {
			spec,
			replicas,
			max_price,
			escrow,
			duration,
			bid_window,
			auto_accept,
			manifest_hash: hash,
		} => {
			use api::runtime_types::{
				bounded_collections::bounded_vec::BoundedVec,
				nubes_primitives::market::{MinReputation, Placement},
			};
			let max_price = amount::parse(max_price)?;
			let escrow = amount::parse(escrow)?;
			let hash = manifest_hash(hash.as_deref())?;
			let keys = keys(cli)?;
			let placement = Placement {
				attributes: BoundedVec(vec![]),
				regions: BoundedVec(vec![]),
				attested_by: None,
				min_reputation: MinReputation {
					min_epochs_served: 0,
					max_consecutive_faults: u32::MAX,
				},
			};
			let events = client
				.submit(
					&api::tx().market().create_order(
						convert::resources(&spec.resources()),
						*replicas,
						max_price,
						*duration,
						placement,
						hash,
						*bid_window,
						*auto_accept,
						escrow,
					),
					&keys,
				)
				.await?;
			let created = events
				.find_first::<api::market::events::OrderCreated>()
				.and_then(Result::ok)
				.ok_or_else(|| Failure {
					code: exit::OTHER,
					message: "no OrderCreated event".into(),
				})?;
			print(
				cli,
				serde_json::json!({ "order": created.order, "bidWindowEnd": created.bid_window_end }),
				format!(
					"order #{} open for bids until block {}",
					created.order, created.bid_window_end
				),
			);
		}
		OrderCommand::Bids { id } => {
			let Some(order) = client.order(*id).await? else {
				return Err(Failure {
					code: exit::NOT_FOUND,
					message: format!(
						"no open order #{id}: it was matched, cancelled or never existed"
					),
				});
			};
			let mut text = format!(
				"order #{}: {} replica(s) of {}, at most {} per block, bids until block {}",
				order.id,
				order.replicas,
				spec_text(&order.spec),
				amount::format(order.max_price),
				order.bid_window_end
			);
			if order.bids.is_empty() {
				text.push_str("\n  no bids yet");
			}
			for bid in &order.bids {
				text.push_str(&format!(
					"\n  {}  {} per block{}",
					bid.provider,
					amount::format(bid.price),
					if bid.accepted { "  (accepted)" } else { "" }
				));
			}
			print(cli, serde_json::to_value(&order).context("JSON")?, text);
		}
		OrderCommand::Accept { id, provider } => {
			let provider = nubes_client::parse_account(provider)?;
			let keys = keys(cli)?;
			let events =
				client.submit(&api::tx().market().accept_bid(*id, provider), &keys).await?;
			let lease = events
				.find_first::<api::market::events::LeaseCreated>()
				.and_then(Result::ok)
				.map(|created| created.lease);
			print(
				cli,
				serde_json::json!({ "order": id, "lease": lease }),
				format!(
					"accepted: lease #{} waits for the provider to start",
					lease.unwrap_or_default()
				),
			);
		}
		OrderCommand::Cancel { id } => {
			let keys = keys(cli)?;
			client.submit(&api::tx().market().cancel_order(*id), &keys).await?;
			print(cli, serde_json::json!({ "cancelled": id }), format!("order #{id} cancelled"));
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
