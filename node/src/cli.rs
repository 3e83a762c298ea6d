//! Command-line interface: the standard Substrate node CLI plus Nubes' dev options.

use sc_cli::RunCmd;

/// Default interval between sealed blocks on a `--dev` chain.
pub const DEFAULT_DEV_BLOCK_TIME_MS: u64 = 1000;

/// `nubes-node` arguments.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A maintenance subcommand; without one, the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the running node.
	#[clap(flatten)]
	pub run: RunCmd,

	/// On a development chain (`--dev` or `--chain dev`), seal and finalize a block every this
	/// many milliseconds. Networks of several validators use the runtime's Aura slot instead.
	#[arg(long, value_name = "MILLISECONDS", default_value_t = DEFAULT_DEV_BLOCK_TIME_MS,
		value_parser = clap::value_parser!(u64).range(100..=60_000))]
	pub dev_block_time: u64,
}

/// Maintenance subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management (generate, inspect, insert into a keystore).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Write a chain specification (e.g. to start a network from a file).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Check that a block imports.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks to a file.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state at a block as a chain specification.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks from a file.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Delete the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain by a number of blocks.
	Revert(sc_cli::RevertCmd),

	/// Print database metadata (best, finalized blocks).
	ChainInfo(sc_cli::ChainInfoCmd),
}
