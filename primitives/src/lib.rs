//! Nubes protocol types, shared by the pallets, their runtime APIs, the proofs crate, the
//! provider agent and the CLI, so that every piece agrees on them by construction.
//!
//! - [`resources`]: what is sold (`Resources`) and what it costs (`ResourcePrices`);
//! - [`attributes`], [`endpoint`], [`region`]: how a provider describes itself, with the
//!   validation the chain applies to these untrusted inputs;
//! - [`provider`]: a provider's status and reputation;
//! - [`market`]: order and lease identifiers, why leases close;
//! - [`storage`]: deal identifiers and the shape of a deal's shards;
//! - [`names`]: the names dApps are reached by, what they point to, and their rules;
//! - [`traits`]: the interfaces through which the pallets use one another.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod attributes;
pub mod endpoint;
pub mod market;
pub mod names;
pub mod provider;
pub mod region;
pub mod resources;
pub mod storage;
pub mod traits;

pub use attributes::{
	Attribute, AttributeError, AttributeKey, AttributeMask, AttributeValue, Attributes,
};
pub use endpoint::{Endpoint, EndpointError};
pub use market::{CloseReason, LeaseId, MinReputation, OrderId, Placement};
pub use provider::{
	ProviderFilter, ProviderInfo, ProviderPage, ProviderRecord, ProviderStatus, Reputation,
};
pub use region::{Region, RegionError};
pub use resources::{ResourcePrices, Resources};
pub use storage::DealId;
