//! # nubes-agent
//!
//! The provider's daemon. It turns a machine into supply on the Nubes chain and leases into
//! running workloads:
//!
//! - [`config`]: one TOML file, validated at start (`nubes-agent init` writes a commented one);
//! - [`probe`]: what the machine has, so the chain never hears of more than it sells;
//! - [`agent`]: registration and bond, the bid engine, lease events, reconciliation with the
//!   chain after a restart or an outage, settlement;
//! - [`bidding`]: pricing strategies (a price list, or an external script);
//! - [`api`]: the HTTP doors, each with its limits: tenants' deployments, status and logs (signed by the tenant),
//!   validators' capacity challenges, Prometheus metrics and the leases' ingress;
//! - [`runtime`]: workload runtimes behind one trait; the embedded one runs WASI 0.2
//!   components on wasmtime inside each lease's limits;
//! - [`workloads`]: the leases' running workloads;
//! - [`disk`]: each lease's scratch space as a volume of its own, as large as it paid for;
//! - [`store`]: the agent's state in an embedded database in the data directory;
//! - [`shards`]: the storage deals' shards it holds, sealed under its key, from which it
//!   answers validators' storage probes;
//! - [`repair`]: rebuilding a lost holder's shard from the others, without the tenant;
//! - [`gateway`]: names resolved at the finalized block and the sites they point to, fetched
//!   from their holders and checked against the chain before they are served;
//! - [`chain`]: the link to the node, reconnecting, sending the provider's transactions in
//!   nonce order.

pub mod agent;
pub mod api;
pub mod bidding;
pub mod chain;
pub mod challengers;
pub mod config;
pub mod disk;
pub mod gateway;
pub mod metrics;
pub mod probe;
pub mod repair;
pub mod runtime;
pub mod shards;
pub mod store;
pub mod workloads;
