//! The gateway: names resolved at the finalized block, and the sites they point to, fetched from
//! their holders and checked against the chain before a byte is served.
//!
//! - **Names.** A name's record is read at the last finalized block and kept until the agent
//!   sees a newer finalized block: a name pointed elsewhere is followed one block after
//!   finality, and a name past its expiry stops resolving then.
//! - **Sites.** A site's content is fetched whole from `data` of its deal's holders (every shard
//!   checked against its committed root, a holder that serves other bytes passed over for
//!   another), decoded, and checked against the content's root: only then is it cached and
//!   served. A deal whose shards do not give back its root (anyone may open a deal claiming any
//!   root), or that claims more than the cache holds, is passed over for the next deal storing
//!   the root, and for a minute on later fetches. The cache holds whole contents, least
//!   recently used first out, up to `gateway_cache_mib`; the contents being fetched at once
//!   hold at most as much.
//! - **Deployments.** A name pointing to leases is served by a replica: this agent's own if it
//!   runs one, else another provider's agent, asked over HTTP with the lease in a `nubes-lease`
//!   header (which a browser cannot send to another origin without that agent's leave, so the
//!   leases' own origins stay apart). Each replica's endpoint is read at the finalized block.
//! - **Denylist.** The operator's own list of names and roots this gateway refuses to serve
//!   (`gateway_denylist`, one per line), read again when it changes.

use crate::{chain::Chain, metrics::Metrics};
use nubes_client::{names::Lookup, store, ClientError};
use nubes_content::Content;
use std::{
	collections::{HashMap, HashSet},
	path::PathBuf,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant, SystemTime},
};
use tracing::{info, warn};

/// Names whose lookups are remembered at once; past it the oldest block's go first.
const MAX_NAMES: usize = 10_000;
/// How long a deal that could not give its root back is passed over.
const BAD_DEAL_PAUSE: Duration = Duration::from_secs(60);

/// Why a name cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
	/// No such name, or it has expired.
	#[error("no name {0:?} resolves at the finalized block")]
	Unresolved(String),
	/// The operator refuses to serve it.
	#[error("this gateway does not serve {0}")]
	Denied(String),
	/// The content is larger than this gateway's cache.
	#[error("the site is {size} bytes, more than this gateway caches ({limit})")]
	TooLarge {
		/// The content's size.
		size: u64,
		/// The cache's size.
		limit: u64,
	},
	/// No deal stores the root, or no `data` holders gave it back.
	#[error("the site's content cannot be read from its holders: {0}")]
	Unavailable(String),
	/// The chain could not be read.
	#[error("the chain cannot be read: {0}")]
	Chain(#[from] ClientError),
}

/// A name's lookup and the finalized block it is good until.
struct Remembered {
	lookup: Lookup,
	/// The finalized block the agent had seen when it was read.
	seen: u64,
}

/// Contents, least recently used first out, within a byte budget.
#[derive(Default)]
struct Cache {
	contents: HashMap<[u8; 32], (Arc<Content>, Instant)>,
	bytes: u64,
}

impl Cache {
	fn get(&mut self, root: &[u8; 32]) -> Option<Arc<Content>> {
		let entry = self.contents.get_mut(root)?;
		entry.1 = Instant::now();
		Some(entry.0.clone())
	}

	fn put(&mut self, content: Arc<Content>, budget: u64) {
		if self.get(&content.root()).is_some() {
			return;
		}
		let size = content.size();
		while self.bytes + size > budget {
			let Some(oldest) =
				self.contents.iter().min_by_key(|(_, (_, used))| *used).map(|(root, _)| *root)
			else {
				break;
			};
			if let Some((gone, _)) = self.contents.remove(&oldest) {
				self.bytes -= gone.size();
			}
		}
		self.bytes += size;
		self.contents.insert(content.root(), (content, Instant::now()));
	}
}

/// The operator's denylist: names and `0x` roots, one per line, `#` comments.
struct Denylist {
	path: PathBuf,
	entries: HashSet<String>,
	modified: Option<SystemTime>,
	checked: Option<Instant>,
}

impl Denylist {
	/// Whether `what` (a name or a root as `0x` hex) is denied, reading the file again if it
	/// changed (looked at once a second at most).
	fn denies(&mut self, what: &str) -> bool {
		if self.checked.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
			self.checked = Some(Instant::now());
			let modified = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
			if modified != self.modified {
				self.modified = modified;
				self.entries = std::fs::read_to_string(&self.path)
					.map(|text| parse_denylist(&text))
					.unwrap_or_default();
				info!(path = %self.path.display(), entries = self.entries.len(), "denylist read");
			}
		}
		self.entries.contains(&what.to_ascii_lowercase())
	}
}

/// The entries of a denylist file.
fn parse_denylist(text: &str) -> HashSet<String> {
	text.lines()
		.map(|line| line.split('#').next().unwrap_or("").trim().to_ascii_lowercase())
		.filter(|line| !line.is_empty())
		.collect()
}

/// Names and sites, as this agent serves them.
pub struct Gateway {
	chain: Chain,
	metrics: Metrics,
	/// The last finalized block the agent has seen.
	finalized: AtomicU64,
	names: Mutex<HashMap<String, Remembered>>,
	/// Each replica lease's agent endpoint (`None`: not running), and the block it was read at.
	replicas: Mutex<HashMap<u64, (Option<String>, u64)>>,
	cache: Mutex<Cache>,
	budget: u64,
	/// One fetch per root at a time; others wait for it and find it cached.
	loading: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
	/// MiB of contents being fetched at once, at most the cache's budget: fetches of many
	/// large roots at once wait their turn rather than exhaust memory.
	in_flight: Arc<tokio::sync::Semaphore>,
	/// Deals that could not give their root back lately, passed over until the time noted.
	bad_deals: Mutex<HashMap<u64, Instant>>,
	denylist: Mutex<Denylist>,
}

impl Gateway {
	/// A gateway reading the chain through `chain`, caching up to `budget` bytes of contents,
	/// refusing what `denylist` lists.
	pub fn new(chain: Chain, metrics: Metrics, budget: u64, denylist: PathBuf) -> Self {
		Self {
			chain,
			metrics,
			finalized: AtomicU64::new(0),
			names: Mutex::new(HashMap::new()),
			replicas: Mutex::new(HashMap::new()),
			cache: Mutex::new(Cache::default()),
			budget,
			loading: Mutex::new(HashMap::new()),
			in_flight: Arc::new(tokio::sync::Semaphore::new(mib(budget).max(1) as usize)),
			bad_deals: Mutex::new(HashMap::new()),
			denylist: Mutex::new(Denylist {
				path: denylist,
				entries: HashSet::new(),
				modified: None,
				checked: None,
			}),
		}
	}

	/// The agent saw finalized block `number`: lookups read before it are stale from now on.
	pub fn finalized(&self, number: u64) {
		self.finalized.fetch_max(number, Ordering::Relaxed);
	}

	/// Whether the operator refuses to serve `what` (a name, or a root as `0x` hex).
	pub fn denied(&self, what: &str) -> bool {
		self.denylist.lock().map(|mut list| list.denies(what)).unwrap_or(false)
	}

	/// `name` as of the last finalized block: read again once the agent has seen a newer one.
	pub async fn lookup(&self, name: &str) -> Result<Lookup, GatewayError> {
		if self.denied(name) {
			return Err(GatewayError::Denied(name.to_string()));
		}
		let seen = self.finalized.load(Ordering::Relaxed);
		if let Some(known) =
			self.names.lock().ok().and_then(|names| {
				names.get(name).filter(|r| r.seen >= seen).map(|r| r.lookup.clone())
			}) {
			return Ok(known);
		}
		let client = self.chain.client().await?;
		let lookup = client.name(name).await?;
		if let Ok(mut names) = self.names.lock() {
			if names.len() >= MAX_NAMES {
				names.retain(|_, r| r.seen >= seen);
				if names.len() >= MAX_NAMES {
					names.clear();
				}
			}
			// Remembered as of the block the agent had seen when it asked: the node may have
			// answered from a newer one, which is only fresher.
			names.insert(name.to_string(), Remembered { lookup: lookup.clone(), seen });
		}
		Ok(lookup)
	}

	/// The endpoint of the agent serving `lease`, if the lease is active, as of the last
	/// finalized block the agent has seen.
	pub async fn replica(&self, lease: u64) -> Result<Option<String>, GatewayError> {
		let seen = self.finalized.load(Ordering::Relaxed);
		if let Some(known) = self.replicas.lock().ok().and_then(|replicas| {
			replicas.get(&lease).filter(|(_, at)| *at >= seen).map(|(endpoint, _)| endpoint.clone())
		}) {
			return Ok(known);
		}
		let client = self.chain.client().await?;
		let endpoint = match client.lease(lease).await? {
			Some(record) if record.state == "Active" => {
				let provider = nubes_client::parse_account(&record.provider)?;
				client.provider(&provider).await?.map(|entry| entry.endpoint)
			}
			_ => None,
		};
		if let Ok(mut replicas) = self.replicas.lock() {
			if replicas.len() >= MAX_NAMES {
				replicas.clear();
			}
			replicas.insert(lease, (endpoint.clone(), seen));
		}
		Ok(endpoint)
	}

	/// The content with `root`, from the cache or fetched from its holders and checked.
	pub async fn content(&self, root: [u8; 32]) -> Result<Arc<Content>, GatewayError> {
		let hex = nubes_client::agent_api::hash_hex(&root);
		if self.denied(&hex) {
			return Err(GatewayError::Denied(hex));
		}
		if let Some(content) = self.cached(&root) {
			self.metrics.gateway_fetches.with_label_values(&["cached"]).inc();
			return Ok(content);
		}
		let slot = self
			.loading
			.lock()
			.map(|mut loading| loading.entry(root).or_default().clone())
			.map_err(|_| GatewayError::Unavailable("the gateway's state is poisoned".into()))?;
		let _turn = slot.lock().await;
		let outcome = match self.cached(&root) {
			Some(content) => Ok(content),
			None => self.fetch(root).await,
		};
		if let Ok(mut loading) = self.loading.lock() {
			loading.remove(&root);
		}
		outcome
	}

	fn cached(&self, root: &[u8; 32]) -> Option<Arc<Content>> {
		self.cache.lock().ok().and_then(|mut cache| cache.get(root))
	}

	async fn fetch(&self, root: [u8; 32]) -> Result<Arc<Content>, GatewayError> {
		let client = self.chain.client().await?;
		let started = Instant::now();
		let mut why = format!("no deal stores {}", nubes_client::agent_api::hash_hex(&root));
		// Anyone may open a deal claiming any root: one that is too large, unreachable or of
		// other bytes is passed over for the next, and for a while on later fetches too.
		for id in client.deals_of_root(&root).await? {
			if self.recently_bad(id) {
				why = format!("deal #{id} failed lately");
				continue;
			}
			let Some(deal) = client.deal(id).await? else { continue };
			if deal.size > self.budget {
				why = GatewayError::TooLarge { size: deal.size, limit: self.budget }.to_string();
				self.mark_bad(id);
				continue;
			}
			let permits = mib(deal.size).clamp(1, mib(self.budget).max(1)) as u32;
			let _room = self
				.in_flight
				.acquire_many(permits)
				.await
				.map_err(|e| GatewayError::Unavailable(e.to_string()))?;
			match store::read_deal(&client, &deal, &root).await {
				Ok((content, failures)) => {
					for failure in &failures {
						warn!(deal = id, %failure, "a holder did not give its shard back");
					}
					self.metrics.gateway_bad_holders.inc_by(failures.len() as u64);
					self.metrics.gateway_fetches.with_label_values(&["fetched"]).inc();
					info!(
						deal = id,
						size = content.size(),
						ms = started.elapsed().as_millis() as u64,
						"site content fetched and checked"
					);
					let content = Arc::new(content);
					if let Ok(mut cache) = self.cache.lock() {
						cache.put(content.clone(), self.budget);
						self.metrics.gateway_cache_bytes.set(cache.bytes as i64);
					}
					return Ok(content);
				}
				Err(e) => {
					warn!(deal = id, error = %e, "a deal storing the site cannot give it back");
					why = format!("deal #{id}: {e}");
					self.mark_bad(id);
				}
			}
		}
		self.metrics.gateway_fetches.with_label_values(&["failed"]).inc();
		Err(GatewayError::Unavailable(why))
	}

	fn recently_bad(&self, deal: u64) -> bool {
		self.bad_deals
			.lock()
			.map(|bad| bad.get(&deal).is_some_and(|until| Instant::now() < *until))
			.unwrap_or(false)
	}

	fn mark_bad(&self, deal: u64) {
		if let Ok(mut bad) = self.bad_deals.lock() {
			let now = Instant::now();
			bad.retain(|_, until| *until > now);
			if bad.len() < MAX_NAMES {
				bad.insert(deal, now + BAD_DEAL_PAUSE);
			}
		}
	}
}

/// Whole MiB in `bytes`, rounded up.
fn mib(bytes: u64) -> u64 {
	bytes.div_ceil(1 << 20)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn content(tag: u8, bytes: usize) -> Arc<Content> {
		Arc::new(Content::from_files(vec![("f".into(), vec![tag; bytes])]).unwrap())
	}

	#[test]
	fn the_cache_keeps_the_recently_used_within_its_budget() {
		let (a, b, c) = (content(1, 1000), content(2, 1000), content(3, 1000));
		let budget = a.size() + b.size();
		let mut cache = Cache::default();
		cache.put(a.clone(), budget);
		cache.put(b.clone(), budget);
		std::thread::sleep(Duration::from_millis(2));
		assert!(cache.get(&a.root()).is_some(), "a is used again");
		cache.put(c.clone(), budget);
		assert!(cache.get(&b.root()).is_none(), "b, least recently used, made room");
		assert!(cache.get(&a.root()).is_some() && cache.get(&c.root()).is_some());
		assert_eq!(cache.bytes, a.size() + c.size());
		// The same content again does not count twice.
		cache.put(c.clone(), budget);
		assert_eq!(cache.bytes, a.size() + c.size());
	}

	#[test]
	fn the_denylist_takes_names_and_roots_and_ignores_comments() {
		let entries = parse_denylist("# the operator's list\nscam-site\n  0xABCD  # a root\n\n");
		assert_eq!(entries, HashSet::from(["scam-site".to_string(), "0xabcd".to_string()]));
	}

	#[test]
	fn a_changed_denylist_is_read_again() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("denylist");
		let mut list =
			Denylist { path: path.clone(), entries: HashSet::new(), modified: None, checked: None };
		assert!(!list.denies("bad-site"), "no file: nothing denied");
		std::fs::write(&path, "bad-site\n").unwrap();
		list.checked = None;
		assert!(list.denies("bad-site"));
		assert!(list.denies("BAD-SITE"));
		assert!(!list.denies("good-site"));
	}
}
