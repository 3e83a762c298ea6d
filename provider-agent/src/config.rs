//! The agent's one TOML file, validated at start: every mistake is named with its field and
//! what to write instead.

use nubes_client::amount;
use nubes_primitives::ResourcePrices;
use serde::Deserialize;
use std::{
	collections::BTreeMap,
	net::SocketAddr,
	path::{Path, PathBuf},
};

/// The commented default `nubes-agent init` writes.
pub const DEFAULT: &str = r#"# Nubes provider agent configuration.

# The Nubes node the agent talks to (ws:// or wss://).
chain_url = "ws://127.0.0.1:9944"

# The provider's signing key: a secret URI ("//Alice" on dev chains only), a mnemonic, or
# "@/path/to/key-file" (a file holding either, readable by the agent alone).
key = "@/var/lib/nubes-agent/key"

# Where tenants and validators reach this agent, as registered on chain.
public_endpoint = "http://203.0.113.7:8700"

# The address the agent's HTTP server listens on: tenants' API, validators' challenges and
# the leases' services.
listen = "0.0.0.0:8700"

# Each lease is served on a host of its own, l{id}.{public_domain} (its own browser origin, so
# one tenant's pages never share cookies or storage with another's): point a wildcard DNS record
# *.{public_domain} at this machine. Left out, it is the public_endpoint's host when that is a
# name ("localhost" for a loopback address).
# public_domain = "agent.example.com"

# Also serve leases under {public_endpoint}/leases/{id}/: one origin for all leases, for
# development only. Always on when no lease domain can be found (an IP endpoint).
# path_ingress = false

# TLS on `listen`, with the provider's own certificate chain and key (PEM files; certbot's
# fullchain.pem and privkey.pem, say). The files are read again when they change, so a renewed
# certificate is served without a restart. With TLS, public_endpoint must be https://. Without
# it, put a TLS proxy in front of a public agent: tenants' secrets and artifacts travel in it.
# [tls]
# cert_file = "/etc/letsencrypt/live/agent.example.com/fullchain.pem"
# key_file = "/etc/letsencrypt/live/agent.example.com/privkey.pem"

# Be a gateway: serve {name}.{public_domain} (each name its own browser origin, as each lease
# is) with the site or deployment a name on chain points to, every byte of a site checked
# against the chain before it is sent. Needs a lease domain (public_domain, or an endpoint that
# is a name); the agent advertises it on chain with the attribute gateway = {domain}.
# gateway = false
# Bytes of sites kept in memory, in MiB; a site larger than this is not served here.
# gateway_cache_mib = 256
# Names and 0x roots this gateway refuses to serve (451), one per line, # for comments; read
# again when it changes. Left out: {data_dir}/gateway-denylist.txt.
# gateway_denylist = "/etc/nubes-agent/gateway-denylist.txt"

# Where Prometheus scrapes /metrics (and /healthz). Left out, they are served on `listen` to
# loopback clients only.
# metrics_listen = "127.0.0.1:9102"

# Where the agent keeps its state, artifacts, logs and the leases' scratch directories.
data_dir = "/var/lib/nubes-agent"

# Where the machine is, as tenants filter it.
region = "eu-central"

# Attributes tenants may require (key = value).
[attributes]
tier = "community"

# Price per unit per block, in NUBES. The default bid strategy bids the order's spec at these
# prices; the same list is registered on chain for direct leases.
[prices]
cpu_millicore = "0.000001"
memory_mib = "0.0000001"
storage_gib = "0.000001"
gpu = "0.001"

# The most to sell. The agent probes the machine and sells the smaller of these and what it
# has (memory less `reserve_memory_mib` for the system). Leave a field out to sell all of it.
[capacity]
# cpu_millicores = 4000
# memory_mib = 8192
# storage_gib = 100
# gpus = 0
reserve_memory_mib = 512

[bidding]
enabled = true
# "price-list" bids at [prices]; "script" runs `script` with the order as JSON on stdin and
# bids the price (NUBES per block) it prints, or skips the order if it prints nothing.
strategy = "price-list"
# script = "/usr/local/bin/nubes-price"

[wasm]
# Largest artifact a tenant may deliver, in MiB.
max_artifact_mib = 32
# How long one HTTP request may run, in seconds.
request_timeout_secs = 30
# Whether workloads whose manifest asks for outgoing network get it. Granted workloads reach
# public internet addresses only: never loopback, private, link-local or this machine's own
# addresses (so never the node's RPC or the agent's API).
allow_network = false
# Exact "ip:port" pairs granted workloads may reach although they are not public (a service
# this provider offers its tenants on its LAN, say).
# network_allow = ["10.0.0.5:5432"]
# Log bytes kept per lease (the older half is dropped beyond this).
log_limit_kib = 1024

[settlement]
# Settle the leases' accrued payments every this many blocks, in batches.
every_blocks = 100
"#;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file cannot be read.
	#[error("cannot read the configuration {path}: {reason} (`nubes-agent init` writes one)")]
	Unreadable {
		/// The file.
		path: PathBuf,
		/// What the system said.
		reason: String,
	},
	/// TOML syntax or an unknown or missing field.
	#[error("{path}: {reason}")]
	Syntax {
		/// The file.
		path: PathBuf,
		/// The parser's message, with the line.
		reason: String,
	},
	/// A field with a value that cannot work.
	#[error("{field} = {value:?}: {reason}")]
	Invalid {
		/// The field.
		field: &'static str,
		/// The value.
		value: String,
		/// What to write instead.
		reason: String,
	},
}

/// The configuration as written.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct File {
	chain_url: String,
	key: String,
	public_endpoint: String,
	listen: String,
	#[serde(default)]
	metrics_listen: Option<String>,
	#[serde(default)]
	public_domain: Option<String>,
	#[serde(default)]
	path_ingress: bool,
	#[serde(default)]
	gateway: bool,
	#[serde(default = "default_gateway_cache")]
	gateway_cache_mib: u64,
	#[serde(default)]
	gateway_denylist: Option<PathBuf>,
	#[serde(default)]
	tls: Option<TlsFile>,
	data_dir: PathBuf,
	region: String,
	#[serde(default)]
	attributes: BTreeMap<String, String>,
	prices: PricesFile,
	#[serde(default)]
	capacity: CapacityLimits,
	#[serde(default)]
	bidding: BiddingFile,
	#[serde(default)]
	wasm: WasmFile,
	#[serde(default)]
	settlement: SettlementFile,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct TlsFile {
	cert_file: PathBuf,
	key_file: PathBuf,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct PricesFile {
	cpu_millicore: String,
	memory_mib: String,
	#[serde(default = "zero")]
	storage_gib: String,
	#[serde(default = "zero")]
	gpu: String,
}

fn zero() -> String {
	"0".into()
}

/// The most the provider wants to sell, each capped by the hardware.
#[derive(Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CapacityLimits {
	/// CPU in millicores.
	pub cpu_millicores: Option<u64>,
	/// Memory in MiB.
	pub memory_mib: Option<u64>,
	/// Storage in GiB.
	pub storage_gib: Option<u64>,
	/// GPUs.
	pub gpus: Option<u32>,
	/// Memory kept for the system and the agent, in MiB.
	#[serde(default = "default_reserve")]
	pub reserve_memory_mib: u64,
}

fn default_gateway_cache() -> u64 {
	256
}

fn default_reserve() -> u64 {
	512
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct BiddingFile {
	#[serde(default = "yes")]
	enabled: bool,
	#[serde(default = "price_list")]
	strategy: String,
	script: Option<PathBuf>,
}

impl Default for BiddingFile {
	fn default() -> Self {
		Self { enabled: true, strategy: price_list(), script: None }
	}
}

fn yes() -> bool {
	true
}

fn price_list() -> String {
	"price-list".into()
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct WasmFile {
	#[serde(default = "default_max_artifact")]
	max_artifact_mib: u64,
	#[serde(default = "default_request_timeout")]
	request_timeout_secs: u64,
	#[serde(default)]
	allow_network: bool,
	#[serde(default)]
	network_allow: Vec<String>,
	#[serde(default = "default_log_limit")]
	log_limit_kib: u64,
}

impl Default for WasmFile {
	fn default() -> Self {
		Self {
			max_artifact_mib: default_max_artifact(),
			request_timeout_secs: default_request_timeout(),
			allow_network: false,
			network_allow: Vec::new(),
			log_limit_kib: default_log_limit(),
		}
	}
}

fn default_max_artifact() -> u64 {
	32
}
fn default_request_timeout() -> u64 {
	30
}
fn default_log_limit() -> u64 {
	1024
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct SettlementFile {
	#[serde(default = "default_settle_every")]
	every_blocks: u32,
}

impl Default for SettlementFile {
	fn default() -> Self {
		Self { every_blocks: default_settle_every() }
	}
}

fn default_settle_every() -> u32 {
	100
}

/// How the agent prices orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
	/// The spec at the configured prices.
	PriceList,
	/// An external program's answer.
	Script(PathBuf),
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
	/// The node's URL.
	pub chain_url: String,
	/// The key's secret URI, mnemonic or `@file` (never logged).
	pub key: Secret,
	/// The endpoint registered on chain.
	pub public_endpoint: String,
	/// Where the HTTP server listens.
	pub listen: SocketAddr,
	/// Where the operators' routes listen (else on `listen`, loopback clients only).
	pub metrics_listen: Option<SocketAddr>,
	/// The domain leases are served under, as `l{id}.{domain}`, if any.
	pub lease_domain: Option<String>,
	/// Whether leases are also served under `{public_endpoint}/leases/{id}/`.
	pub path_ingress: bool,
	/// How the agent serves names, when it is a gateway.
	pub gateway: Option<GatewaySettings>,
	/// The certificate chain and key files `listen` serves TLS with, if it does.
	pub tls: Option<(PathBuf, PathBuf)>,
	/// The data directory.
	pub data_dir: PathBuf,
	/// The provider's region.
	pub region: String,
	/// Its attributes.
	pub attributes: BTreeMap<String, String>,
	/// Its prices per unit per block.
	pub prices: ResourcePrices<u128>,
	/// What it sells at most.
	pub capacity: CapacityLimits,
	/// Whether it bids on orders.
	pub bidding: bool,
	/// How it prices them.
	pub strategy: Strategy,
	/// Largest artifact taken, in bytes.
	pub max_artifact_bytes: u64,
	/// One HTTP request's time limit.
	pub request_timeout: std::time::Duration,
	/// Whether a manifest's network grant is honoured.
	pub allow_network: bool,
	/// Non-public `ip:port` pairs granted workloads may reach.
	pub network_allow: Vec<SocketAddr>,
	/// Log bytes kept per lease.
	pub log_limit_bytes: u64,
	/// Settle every this many blocks.
	pub settle_every_blocks: u32,
}

/// A gateway's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySettings {
	/// Bytes of sites kept in memory; a larger site is not served.
	pub cache_bytes: u64,
	/// The operator's denylist file.
	pub denylist: PathBuf,
}

/// Whether `name` is a DNS name: dot-separated labels of letters, digits and hyphens.
fn is_dns_name(name: &str) -> bool {
	!name.is_empty()
		&& name.len() <= 253
		&& name.split('.').all(|label| {
			!label.is_empty()
				&& label.len() <= 63
				&& !label.starts_with('-')
				&& !label.ends_with('-')
				&& label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
		})
}

/// The lease domain an endpoint's `host[:port]` gives: its name, or `localhost` for a
/// loopback address; none for another IP address (no wildcard record can point at it).
fn domain_of_endpoint(host_port: &str) -> Option<String> {
	let host = match host_port.strip_prefix('[') {
		Some(rest) => rest.split(']').next().unwrap_or(""),
		None => host_port.rsplit_once(':').map(|(h, _)| h).unwrap_or(host_port),
	};
	match host.parse::<std::net::IpAddr>() {
		Ok(ip) if ip.is_loopback() => Some("localhost".into()),
		Ok(_) => None,
		Err(_) => {
			let host = host.to_ascii_lowercase();
			is_dns_name(&host).then_some(host)
		}
	}
}

/// A secret that never shows in logs or debug output.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str("<secret>")
	}
}

impl Config {
	/// Reads and validates the file at `path`.
	pub fn load(path: &Path) -> Result<Self, ConfigError> {
		let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
			path: path.to_path_buf(),
			reason: e.to_string(),
		})?;
		Self::parse(&text).map_err(|e| match e {
			ConfigError::Syntax { reason, .. } => {
				ConfigError::Syntax { path: path.to_path_buf(), reason }
			}
			other => other,
		})
	}

	/// Validates a configuration's text.
	pub fn parse(text: &str) -> Result<Self, ConfigError> {
		let file: File = toml::from_str(text).map_err(|e| ConfigError::Syntax {
			path: PathBuf::new(),
			reason: e.to_string().trim_end().replace('\n', " "),
		})?;
		let invalid = |field: &'static str, value: &str, reason: &str| ConfigError::Invalid {
			field,
			value: value.to_string(),
			reason: reason.to_string(),
		};
		if !["ws://", "wss://"].iter().any(|s| file.chain_url.starts_with(s)) {
			return Err(invalid("chain_url", &file.chain_url, "a ws:// or wss:// URL"));
		}
		if file.key.trim().is_empty() {
			return Err(ConfigError::Invalid {
				field: "key",
				value: String::new(),
				reason: "a secret URI, a mnemonic or @/path/to/key-file".into(),
			});
		}
		let endpoint = file.public_endpoint.trim_end_matches('/').to_string();
		let host = endpoint
			.strip_prefix("http://")
			.or_else(|| endpoint.strip_prefix("https://"))
			.ok_or_else(|| {
			invalid("public_endpoint", &file.public_endpoint, "an http:// or https:// URL")
		})?;
		if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
			return Err(invalid(
				"public_endpoint",
				&file.public_endpoint,
				"scheme and host[:port] only, e.g. http://203.0.113.7:8700",
			));
		}
		if file.tls.is_some() && !endpoint.starts_with("https://") {
			return Err(invalid(
				"public_endpoint",
				&file.public_endpoint,
				"an https:// URL: with [tls] the agent speaks TLS only",
			));
		}
		let lease_domain = match &file.public_domain {
			Some(domain) => {
				let domain = domain.trim_end_matches('.').to_ascii_lowercase();
				if !is_dns_name(&domain) {
					return Err(invalid(
						"public_domain",
						&domain,
						"a DNS name such as agent.example.com",
					));
				}
				Some(domain)
			}
			None => domain_of_endpoint(host),
		};
		let listen: SocketAddr = file.listen.parse().map_err(|_| {
			invalid("listen", &file.listen, "an address and port, e.g. 0.0.0.0:8700")
		})?;
		if file.region.trim().is_empty() {
			return Err(invalid("region", &file.region, "a region name, e.g. eu-central"));
		}
		let price = |field: &'static str, text: &str| {
			amount::parse(text).map_err(|e| invalid(field, text, &e.to_string()))
		};
		let prices = ResourcePrices {
			per_cpu_millicore: price("prices.cpu_millicore", &file.prices.cpu_millicore)?,
			per_memory_mib: price("prices.memory_mib", &file.prices.memory_mib)?,
			per_storage_gib: price("prices.storage_gib", &file.prices.storage_gib)?,
			per_gpu: price("prices.gpu", &file.prices.gpu)?,
		};
		let strategy = match (file.bidding.strategy.as_str(), &file.bidding.script) {
			("price-list", _) => Strategy::PriceList,
			("script", Some(script)) => Strategy::Script(script.clone()),
			("script", None) => {
				return Err(invalid(
					"bidding.script",
					"",
					"the strategy \"script\" needs a script path",
				))
			}
			(other, _) => {
				return Err(invalid("bidding.strategy", other, "\"price-list\" or \"script\""))
			}
		};
		if file.wasm.max_artifact_mib == 0 || file.wasm.max_artifact_mib > 1024 {
			return Err(invalid(
				"wasm.max_artifact_mib",
				&file.wasm.max_artifact_mib.to_string(),
				"between 1 and 1024",
			));
		}
		if file.wasm.request_timeout_secs == 0 || file.wasm.request_timeout_secs > 3600 {
			return Err(invalid(
				"wasm.request_timeout_secs",
				&file.wasm.request_timeout_secs.to_string(),
				"between 1 and 3600",
			));
		}
		if file.wasm.log_limit_kib < 4 {
			return Err(invalid(
				"wasm.log_limit_kib",
				&file.wasm.log_limit_kib.to_string(),
				"at least 4",
			));
		}
		if file.settlement.every_blocks == 0 {
			return Err(invalid("settlement.every_blocks", "0", "at least 1"));
		}
		let metrics_listen = file
			.metrics_listen
			.as_deref()
			.map(|text| {
				text.parse::<SocketAddr>().map_err(|_| {
					invalid("metrics_listen", text, "an address and port, e.g. 127.0.0.1:9102")
				})
			})
			.transpose()?;
		let network_allow = file
			.wasm
			.network_allow
			.iter()
			.map(|pair| {
				pair.parse::<SocketAddr>().map_err(|_| {
					invalid("wasm.network_allow", pair, "an address and port, e.g. 10.0.0.5:5432")
				})
			})
			.collect::<Result<Vec<_>, _>>()?;
		let mut attributes = file.attributes;
		let gateway = if file.gateway {
			let Some(domain) = lease_domain.clone() else {
				return Err(invalid(
					"gateway",
					"true",
					"a gateway serves {name}.{domain}: set public_domain, or a public_endpoint that is a name",
				));
			};
			if file.gateway_cache_mib == 0 {
				return Err(invalid("gateway_cache_mib", "0", "at least 1"));
			}
			match attributes.get("gateway") {
				Some(value) if *value != domain => {
					return Err(invalid(
						"attributes.gateway",
						value,
						"leave it out: a gateway advertises its own domain",
					))
				}
				_ => {
					attributes.insert("gateway".into(), domain);
				}
			}
			Some(GatewaySettings {
				cache_bytes: file.gateway_cache_mib.saturating_mul(1024 * 1024),
				denylist: file
					.gateway_denylist
					.unwrap_or_else(|| file.data_dir.join("gateway-denylist.txt")),
			})
		} else {
			None
		};
		Ok(Self {
			chain_url: file.chain_url,
			key: Secret(file.key),
			public_endpoint: endpoint,
			listen,
			metrics_listen,
			path_ingress: file.path_ingress || lease_domain.is_none(),
			lease_domain,
			gateway,
			tls: file.tls.map(|tls| (tls.cert_file, tls.key_file)),
			data_dir: file.data_dir,
			region: file.region,
			attributes,
			prices,
			capacity: file.capacity,
			bidding: file.bidding.enabled,
			strategy,
			max_artifact_bytes: file.wasm.max_artifact_mib * 1024 * 1024,
			request_timeout: std::time::Duration::from_secs(file.wasm.request_timeout_secs),
			allow_network: file.wasm.allow_network,
			network_allow,
			log_limit_bytes: file.wasm.log_limit_kib * 1024,
			settle_every_blocks: file.settlement.every_blocks,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn error(from: &str, to: &str) -> String {
		assert!(DEFAULT.contains(from), "{from}");
		Config::parse(&DEFAULT.replacen(from, to, 1)).unwrap_err().to_string()
	}

	#[test]
	fn lease_domains() {
		assert_eq!(domain_of_endpoint("127.0.0.1:8700").as_deref(), Some("localhost"));
		assert_eq!(domain_of_endpoint("[::1]:8700").as_deref(), Some("localhost"));
		assert_eq!(domain_of_endpoint("localhost:8700").as_deref(), Some("localhost"));
		assert_eq!(domain_of_endpoint("Agent.Example.com").as_deref(), Some("agent.example.com"));
		assert_eq!(domain_of_endpoint("203.0.113.7:8700"), None);
		let config = Config::parse(DEFAULT).unwrap();
		assert_eq!((config.lease_domain, config.path_ingress), (None, true));
		let named = DEFAULT.replace("http://203.0.113.7:8700", "https://agent.example.com");
		let config = Config::parse(&named).unwrap();
		assert_eq!(config.lease_domain.as_deref(), Some("agent.example.com"));
		assert!(!config.path_ingress);
		let e = Config::parse(&format!("public_domain = \"bad_domain\"\n{DEFAULT}"))
			.unwrap_err()
			.to_string();
		assert!(e.contains("public_domain"), "{e}");
	}

	#[test]
	fn a_gateway_needs_a_domain_and_advertises_it() {
		let e = Config::parse(&format!("gateway = true\n{DEFAULT}")).unwrap_err().to_string();
		assert!(e.contains("gateway") && e.contains("public_domain"), "{e}");
		let named = DEFAULT.replace("http://203.0.113.7:8700", "https://agent.example.com");
		let config = Config::parse(&format!("gateway = true\n{named}")).unwrap();
		assert_eq!(
			config.gateway,
			Some(GatewaySettings {
				cache_bytes: 256 << 20,
				denylist: PathBuf::from("/var/lib/nubes-agent/gateway-denylist.txt"),
			})
		);
		assert_eq!(config.attributes.get("gateway").map(String::as_str), Some("agent.example.com"));
		assert_eq!(Config::parse(&named).unwrap().gateway, None);
		let forged = format!(
			"gateway = true\n{}",
			named.replace("tier = ", "gateway = \"other.com\"\ntier = ")
		);
		let e = Config::parse(&forged).unwrap_err().to_string();
		assert!(e.contains("attributes.gateway"), "{e}");
	}

	#[test]
	fn the_default_is_valid() {
		let config = Config::parse(DEFAULT).unwrap();
		assert_eq!(config.listen, "0.0.0.0:8700".parse().unwrap());
		assert_eq!(config.prices.per_cpu_millicore, 1_000_000);
		assert_eq!(config.strategy, Strategy::PriceList);
		assert_eq!(config.capacity.reserve_memory_mib, 512);
		assert_eq!(config.max_artifact_bytes, 32 << 20);
		assert_eq!(config.settle_every_blocks, 100);
		assert!(!format!("{config:?}").contains("/var/lib/nubes-agent/key"));
	}

	#[test]
	fn mistakes_are_named() {
		let e = error("ws://127.0.0.1:9944", "http://127.0.0.1:9944");
		assert!(e.contains("chain_url") && e.contains("ws://"), "{e}");
		let e = error("http://203.0.113.7:8700", "203.0.113.7:8700");
		assert!(e.contains("public_endpoint"), "{e}");
		let e = error("http://203.0.113.7:8700", "http://host/path");
		assert!(e.contains("public_endpoint") && e.contains("host[:port]"), "{e}");
		let e = error("0.0.0.0:8700", "everywhere");
		assert!(e.contains("listen"), "{e}");
		let e = error("cpu_millicore = \"0.000001\"", "cpu_millicore = \"cheap\"");
		assert!(e.contains("prices.cpu_millicore"), "{e}");
		let e = error("strategy = \"price-list\"", "strategy = \"script\"");
		assert!(e.contains("bidding.script"), "{e}");
		let e = error("strategy = \"price-list\"", "strategy = \"auction\"");
		assert!(e.contains("bidding.strategy"), "{e}");
		let e = error("max_artifact_mib = 32", "max_artifact_mib = 0");
		assert!(e.contains("wasm.max_artifact_mib"), "{e}");
		let e = error("every_blocks = 100", "every_blocks = 0");
		assert!(e.contains("settlement.every_blocks"), "{e}");
		let e = error("region = \"eu-central\"", "regoin = \"eu-central\"");
		assert!(e.contains("unknown field `regoin`"), "{e}");
		let e = error("listen = \"0.0.0.0:8700\"\n", "");
		assert!(e.contains("missing field `listen`"), "{e}");
		let tls = "[tls]\ncert_file = \"/c.pem\"\nkey_file = \"/k.pem\"\n";
		let e = Config::parse(&DEFAULT.replacen("[attributes]", &format!("{tls}[attributes]"), 1))
			.unwrap_err()
			.to_string();
		assert!(e.contains("public_endpoint") && e.contains("https://"), "{e}");
		let with_tls = DEFAULT
			.replacen("[attributes]", &format!("{tls}[attributes]"), 1)
			.replace("http://203.0.113.7:8700", "https://agent.example.com");
		let config = Config::parse(&with_tls).unwrap();
		assert_eq!(config.tls, Some(("/c.pem".into(), "/k.pem".into())));
		let e = Config::load(Path::new("/nonexistent/agent.toml")).unwrap_err().to_string();
		assert!(e.contains("nubes-agent init"), "{e}");
	}
}
