//! # nubes-client
//!
//! A typed client of the Nubes chain, shared by the `nubes` command line and the provider agent.
//!
//! - [`api`]: the static interface subxt generates from `metadata/nubes.scale`, the metadata of
//!   the runtime this workspace builds (a test fails when they drift apart;
//!   `scripts/refresh-metadata.sh` refreshes the file). Every call, storage item, constant,
//!   event and runtime API of every pallet is there, typed.
//! - [`NubesClient`]: a connection with the helpers tenants and providers need: submitting a
//!   call and waiting until it is finalized (a failure comes back as the pallet's named error),
//!   the Nubes JSON-RPC reads (providers, quotes, orders, leases with escrow and paid-until),
//!   balances.
//! - [`Keys`]: sr25519 keys from a secret URI (`//Alice`), a mnemonic or a key file; their
//!   secrets are never printed or logged.
//! - [`agent_api`]: the provider agent's HTTP API (manifests, deployments, status, logs) and
//!   the tenant-signed requests it takes; [`agent_api::AgentClient`] calls it.
//! - [`store`]: storage deals: choose holders, open a deal, upload its shards, read a content
//!   back from any `data` holders, every byte checked against the chain.
//! - [`names`]: names on chain (what a name resolves to at the finalized block; register,
//!   update, transfer, renew, release) and the gateways that serve them.
//! - [`amount`]: NUBES amounts with the token's 12 decimals.

pub mod agent_api;
pub mod amount;
mod client;
pub mod convert;
pub mod deploy;
pub mod error;
pub mod keys;
pub mod names;
pub mod rpc;
pub mod store;

pub use client::{BlockHash, FinalizedEvents, InFlight, NubesClient};
pub use error::ClientError;
pub use keys::Keys;

/// The chain's types as subxt sees them: SS58 `AccountId32`, `MultiAddress<AccountId32, ()>`,
/// `MultiSignature`, blake2 hashing; the transaction extensions are read from the metadata.
pub type NubesConfig = subxt::PolkadotConfig;

/// The account type of the chain.
pub type AccountId = subxt::utils::AccountId32;

/// The address format (SS58 prefix) of Nubes accounts.
pub const SS58_PREFIX: u16 = 4747;

/// Everything the runtime exposes, generated from `metadata/nubes.scale`.
#[subxt::subxt(runtime_metadata_path = "metadata/nubes.scale")]
pub mod api {}

/// An account in Nubes' SS58 format.
pub fn to_ss58(account: &AccountId) -> String {
	use sp_core::crypto::{Ss58AddressFormat, Ss58Codec};
	sp_core::crypto::AccountId32::from(account.0)
		.to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX))
}

/// Reads an account written in any SS58 format (or as 32 bytes of `0x` hex).
pub fn parse_account(text: &str) -> Result<AccountId, ClientError> {
	use sp_core::crypto::Ss58Codec;
	if let Some(digits) = text.strip_prefix("0x") {
		let bytes: [u8; 32] = hex::decode(digits)
			.ok()
			.and_then(|bytes| bytes.try_into().ok())
			.ok_or_else(|| ClientError::BadInput(format!("{text:?} is not a 32-byte account")))?;
		return Ok(AccountId::from(bytes));
	}
	sp_core::crypto::AccountId32::from_ss58check_with_version(text)
		.map(|(account, _)| AccountId::from(<[u8; 32]>::from(account)))
		.map_err(|_| ClientError::BadInput(format!("{text:?} is not an SS58 address")))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accounts_round_trip_through_nubes_ss58() {
		let alice = Keys::from_suri("//Alice").unwrap().account_id();
		let text = to_ss58(&alice);
		assert_eq!(parse_account(&text).unwrap(), alice);
		// Generic-format (42) addresses are read too.
		let generic = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		assert_eq!(parse_account(generic).unwrap(), alice);
		assert_eq!(parse_account(&format!("0x{}", hex::encode(alice.0))).unwrap(), alice);
		assert!(parse_account("not-an-address").is_err());
		assert!(parse_account("0x1234").is_err());
	}
}
