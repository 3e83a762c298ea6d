//! `nubes-node`: the Nubes chain node.
//!
//! Runs the Nubes runtime with Aura block authoring and GRANDPA finality (or, for `--dev`, a
//! single node that seals and finalizes its own blocks on a timer), off-chain workers with HTTP,
//! and the JSON-RPC that wallets, subxt clients and provider agents use.

// `sc_cli::Error` and `sc_service::Error` are the framework's error types, returned through its
// runner closures; boxing them at every call site would only add noise.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod metrics;
mod ports;
mod rpc;
mod service;

fn main() {
	if let Err(error) = command::run() {
		// One line that says what went wrong: the caller (a person or a script) needs the reason,
		// not a debug dump.
		eprintln!("Error: {}", one_line(&error.to_string()));
		std::process::exit(1);
	}
}

/// Folds a possibly multi-line error message into a single line.
fn one_line(message: &str) -> String {
	message.split_whitespace().collect::<Vec<_>>().join(" ")
}
