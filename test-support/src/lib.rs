//! What the end-to-end suites share, so that each suite says only what it tests: the binaries
//! of the workspace build, the `nubes` command line as a tenant, free loopback ports, processes
//! (a dev node, an agent) killed with the test however it ends, a blocking JSON-RPC client,
//! waits that fail with what they waited for, lease volumes unmounted after a killed agent,
//! HTTP to `*.localhost` lease and name hosts, and a headless browser with an OCR reader.
//!
//! Nothing here talks to anything but loopback.

pub mod agent;
pub mod browser;
pub mod cli;
pub mod http;
pub mod node;
pub mod process;
pub mod wait;

pub use agent::{start_agent, AgentConfig, Unmount};
pub use cli::{nubes, nubes_json};
pub use http::{http_fetch, http_get, Answer};
pub use node::{
	header_number, rpc, start_dev_node, start_dev_node_on, start_dev_node_with, NodeProcess,
};
pub use process::{binary, free_port, run_to_exit, Process};
pub use wait::{eventually, wait_for, wait_for_port};
