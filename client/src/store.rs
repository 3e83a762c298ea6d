//! Storage deals from the tenant's and the reader's side: pick holders, open a deal, upload its
//! shards, read a content back from whichever holders answer, and see where a deal stands.
//!
//! A content ([`nubes_content::Content`]) is cut into `data + parity` shards
//! ([`nubes_content::erasure`]); each goes to one holder, which checks it against the shard root
//! the deal commits to, seals it, and confirms its lease. A reader needs nothing but the
//! chain: it finds the deal by the content's root, fetches any `data` shards from their
//! holders' agents (`GET /nubes/v1/blob/0x{shard root}`), checks each against its committed
//! root, decodes, and checks the content against the deal's root. No holder, gateway or
//! client is trusted with a byte.

use crate::{agent_api::AgentClient, api, AccountId, ClientError, Keys, NubesClient};
use nubes_content::{erasure, Content, Erasure, Shard, CHUNK_BYTES};
use nubes_primitives::Resources;
use std::time::Duration;

/// A deal as the chain keeps it, in plain types.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deal {
	/// Its id.
	pub id: u64,
	/// Who stores and pays (SS58).
	pub tenant: String,
	/// The content's root, what every byte read is checked against.
	#[serde(serialize_with = "as_hex")]
	pub root: [u8; 32],
	/// The content's size in bytes.
	pub size: u64,
	/// Data shards: any this many give the content back.
	pub data: u8,
	/// Parity shards: as many holders may be lost.
	pub parity: u8,
	/// GiB each holder reserves and is paid for.
	pub shard_gib: u64,
	/// The shards, data first.
	pub shards: Vec<DealShard>,
	/// What is held to pay replacement holders.
	#[serde(serialize_with = "amount_text")]
	pub reserve: u128,
	/// The block the deal ends at, if it has a duration.
	pub ends_at: Option<u32>,
}

impl Deal {
	/// The erasure parameters.
	pub fn erasure(&self) -> Erasure {
		Erasure { data: self.data, parity: self.parity }
	}

	/// Shards with a holder.
	pub fn held(&self) -> usize {
		self.shards.iter().filter(|shard| shard.holder.is_some()).count()
	}
}

/// One shard of a deal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DealShard {
	/// The shard's root: what its holder is challenged against.
	#[serde(serialize_with = "as_hex")]
	pub root: [u8; 32],
	/// Its holder (SS58) and the holder's lease; `None` while a new holder is sought.
	pub holder: Option<(String, u64)>,
}

pub(crate) fn amount_text<S: serde::Serializer>(value: &u128, s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&value.to_string())
}

pub(crate) fn as_hex<S: serde::Serializer>(root: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&crate::agent_api::hash_hex(root))
}

impl NubesClient {
	/// Deal `id` as of the last finalized block, `None` if there is none.
	pub async fn deal(&self, id: u64) -> Result<Option<Deal>, ClientError> {
		let at = self.api().at_current_block().await.map_err(ClientError::subxt)?;
		let Some(value) = at
			.storage()
			.try_fetch(api::storage().storage_deals().deals(), (id,))
			.await
			.map_err(ClientError::subxt)?
		else {
			return Ok(None);
		};
		let deal = value.decode().map_err(ClientError::subxt)?;
		Ok(Some(Deal {
			id,
			tenant: crate::to_ss58(&deal.tenant),
			root: deal.root,
			size: deal.size,
			data: deal.data,
			parity: deal.parity,
			shard_gib: deal.shard_gib,
			shards: deal
				.shards
				.0
				.into_iter()
				.map(|shard| DealShard {
					root: shard.root,
					holder: shard.holder.map(|h| (crate::to_ss58(&h.provider), h.lease)),
				})
				.collect(),
			reserve: deal.reserve,
			ends_at: deal.ends_at,
		}))
	}

	/// The deals storing content `root`, oldest first, as of the last finalized block.
	pub async fn deals_of_root(&self, root: &[u8; 32]) -> Result<Vec<u64>, ClientError> {
		let at = self.api().at_current_block().await.map_err(ClientError::subxt)?;
		let mut entries = at
			.storage()
			.iter(api::storage().storage_deals().deals_by_root(), (*root,))
			.await
			.map_err(ClientError::subxt)?;
		let mut deals = Vec::new();
		while let Some(entry) = entries.next().await {
			let entry = entry.map_err(ClientError::subxt)?;
			let (_, deal) =
				entry.key().map_err(ClientError::subxt)?.decode().map_err(ClientError::subxt)?;
			deals.push(deal);
		}
		deals.sort_unstable();
		Ok(deals)
	}

	/// The deal and shard a holder's lease keeps, `None` if the lease holds no shard.
	pub async fn shard_of_lease(&self, lease: u64) -> Result<Option<(u64, u8)>, ClientError> {
		let at = self.api().at_current_block().await.map_err(ClientError::subxt)?;
		match at
			.storage()
			.try_fetch(api::storage().storage_deals().shard_of(), (lease,))
			.await
			.map_err(ClientError::subxt)?
		{
			Some(value) => Ok(Some(value.decode().map_err(ClientError::subxt)?)),
			None => Ok(None),
		}
	}
}

/// A holder chosen for a shard: the provider, its agent and its price per block.
#[derive(Clone, Debug)]
pub struct Candidate {
	/// The provider.
	pub provider: AccountId,
	/// Its agent's endpoint.
	pub endpoint: String,
	/// Its region.
	pub region: String,
	/// Its price per block for the shard.
	pub rate: u128,
}

/// The cheapest `erasure.shards()` distinct providers with `shard_gib` GiB free, at most
/// `max_rate` per block each, no region holding more than `erasure.parity` shards (the rule
/// the chain enforces: losing a region loses no content).
pub async fn choose_holders(
	client: &NubesClient,
	erasure: Erasure,
	shard_gib: u64,
	max_rate: u128,
) -> Result<Vec<Candidate>, ClientError> {
	let spec = Resources { storage_gib: shard_gib, ..Default::default() };
	let quotes = client.quote(&spec, Some(64)).await?;
	let mut chosen: Vec<Candidate> = Vec::new();
	for quote in quotes.into_iter().filter(|quote| quote.rate <= max_rate) {
		if chosen.len() == erasure.shards() {
			break;
		}
		let provider = crate::parse_account(&quote.provider)?;
		let Some(entry) = client.provider(&provider).await? else { continue };
		let in_region = chosen.iter().filter(|c| c.region == entry.region).count();
		if in_region >= usize::from(erasure.parity) {
			continue;
		}
		chosen.push(Candidate {
			provider,
			endpoint: entry.endpoint,
			region: entry.region,
			rate: quote.rate,
		});
	}
	if chosen.len() < erasure.shards() {
		return Err(ClientError::BadInput(format!(
			"only {} provider(s) can hold a shard of {shard_gib} GiB at {} per block at most with no region holding more than {} shard(s); {} are needed (raise the rate or lower the parity)",
			chosen.len(),
			crate::amount::format(max_rate),
			erasure.parity,
			erasure.shards()
		)));
	}
	Ok(chosen)
}

/// The terms of a new deal.
#[derive(Clone, Debug)]
pub struct Terms {
	/// Erasure parameters.
	pub erasure: Erasure,
	/// Highest price per block per holder.
	pub max_rate: u128,
	/// Blocks the deal lasts, or `None` until closed.
	pub duration: Option<u32>,
	/// Escrow each holder's lease is funded with.
	pub escrow_per_shard: u128,
	/// Held to fund replacement holders.
	pub reserve: u128,
}

/// A deal just opened: its id and each shard's holder and lease.
#[derive(Clone, Debug)]
pub struct Opened {
	/// The deal.
	pub deal: u64,
	/// Shard index, holder and lease, in shard order.
	pub holders: Vec<(u8, Candidate, u64)>,
}

/// Opens a deal for `content`, cut into `shards`, with `holders` (one per shard, in order).
pub async fn open_deal(
	client: &NubesClient,
	keys: &Keys,
	content: &Content,
	shards: &[Shard],
	holders: Vec<Candidate>,
	terms: &Terms,
) -> Result<Opened, ClientError> {
	use api::runtime_types::bounded_collections::bounded_vec::BoundedVec;
	let call = api::tx().storage_deals().create_deal(
		content.root(),
		content.size(),
		terms.erasure.data,
		terms.erasure.parity,
		BoundedVec(shards.iter().map(Shard::root).collect()),
		BoundedVec(holders.iter().map(|c| c.provider).collect()),
		terms.max_rate,
		terms.duration,
		terms.escrow_per_shard,
		terms.reserve,
	);
	let events = client.submit(&call, keys).await?;
	let created = events
		.find_first::<api::storage_deals::events::DealCreated>()
		.and_then(Result::ok)
		.ok_or_else(|| ClientError::BadInput("no DealCreated event".into()))?;
	let mut leases = vec![None; holders.len()];
	for assigned in events.find::<api::storage_deals::events::HolderAssigned>().flatten() {
		if let Some(slot) = leases.get_mut(usize::from(assigned.shard)) {
			*slot = Some(assigned.lease);
		}
	}
	let holders = holders
		.into_iter()
		.zip(leases)
		.enumerate()
		.map(|(index, (candidate, lease))| {
			lease.map(|lease| (index as u8, candidate, lease)).ok_or_else(|| {
				ClientError::BadInput(format!("no HolderAssigned event for shard {index}"))
			})
		})
		.collect::<Result<Vec<_>, _>>()?;
	Ok(Opened { deal: created.deal, holders })
}

/// Uploads `shard` to its holder's agent, retrying while the agent has not seen the lease yet
/// or cannot be reached (it follows finalized blocks, so it may be a block or two behind).
pub async fn upload(
	holder: &Candidate,
	keys: &Keys,
	lease: u64,
	shard: &Shard,
) -> Result<crate::agent_api::ShardReceipt, ClientError> {
	let mut attempt = 0;
	loop {
		let (agent, keys2, bytes) = (
			AgentClient::new(&holder.endpoint, holder.provider),
			keys.clone(),
			shard.bytes().to_vec(),
		);
		let result = tokio::task::spawn_blocking(move || agent.upload_shard(&keys2, lease, &bytes))
			.await
			.map_err(|e| ClientError::BadInput(e.to_string()))?;
		attempt += 1;
		match result {
			Err(ClientError::Agent { .. })
			| Err(ClientError::AgentRefused { status: 404 | 503, .. })
				if attempt < 20 =>
			{
				tokio::time::sleep(Duration::from_secs(1)).await
			}
			other => return other,
		}
	}
}

/// Waits until every shard of `deal` is held by a running lease; returns how many are.
pub async fn wait_held(
	client: &NubesClient,
	deal: u64,
	timeout: Duration,
) -> Result<usize, ClientError> {
	let deadline = tokio::time::Instant::now() + timeout;
	loop {
		let record = client
			.deal(deal)
			.await?
			.ok_or_else(|| ClientError::BadInput(format!("deal #{deal} is gone")))?;
		let mut running = 0;
		for (_, lease) in record.shards.iter().filter_map(|shard| shard.holder.as_ref()) {
			if client.lease(*lease).await?.is_some_and(|lease| lease.state == "Active") {
				running += 1;
			}
		}
		if running == record.shards.len() || tokio::time::Instant::now() >= deadline {
			return Ok(running);
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// Fetches the shard with `root` from the agent at `endpoint` and checks it: exactly `len`
/// bytes (the deal's stripes), chunks hashing to `root`, within 30 s plus a second per MiB.
/// Blocking.
pub fn fetch_shard(endpoint: &str, root: &[u8; 32], len: u64) -> Result<Vec<u8>, ClientError> {
	use std::io::Read;
	let url = format!(
		"{}/nubes/v1/blob/{}",
		endpoint.trim_end_matches('/'),
		crate::agent_api::hash_hex(root)
	);
	// At least 1 MiB/s after 30 s: a holder that dribbles its shard is given up for another.
	let agent = ureq::AgentBuilder::new()
		.timeout_connect(Duration::from_secs(5))
		.timeout(Duration::from_secs(30 + len / (1 << 20)))
		.build();
	let response = agent.get(&url).call().map_err(|e| match e {
		ureq::Error::Status(status, response) => ClientError::AgentRefused {
			url: url.clone(),
			status,
			reason: response.into_string().unwrap_or_default(),
		},
		e => ClientError::Agent { url: url.clone(), reason: e.to_string() },
	})?;
	let mut bytes = Vec::with_capacity(len as usize);
	// One byte more than expected tells a longer answer from the right one.
	response
		.into_reader()
		.take(len + 1)
		.read_to_end(&mut bytes)
		.map_err(|e| ClientError::Agent { url: url.clone(), reason: e.to_string() })?;
	if bytes.len() as u64 != len {
		return Err(ClientError::Agent {
			url,
			reason: format!("the shard is {} bytes, not the deal's {len}", bytes.len()),
		});
	}
	let chunks: Vec<&[u8]> = bytes.chunks(CHUNK_BYTES).collect();
	if &nubes_proofs::storage::commit(&chunks) != root {
		return Err(ClientError::Agent {
			url,
			reason: "the shard is not the one committed".into(),
		});
	}
	Ok(bytes)
}

/// Fetches at least `deal.data` shards (those in `skip` aside), each checked against its root,
/// from whichever holders answer: the first `data` candidates at once (data shards first, as
/// they need no decoding), then one more for each that failed. Returns the shards and, for
/// every holder that failed, why.
pub async fn gather(
	client: &NubesClient,
	deal: &Deal,
	skip: &[u8],
) -> Result<(Vec<Shard>, Vec<String>), ClientError> {
	let len = u64::from(deal.erasure().stripes(deal.size)) * CHUNK_BYTES as u64;
	let mut candidates = Vec::new();
	for (index, shard) in deal.shards.iter().enumerate() {
		let index = index as u8;
		let Some((holder, _)) = &shard.holder else { continue };
		if !skip.contains(&index) {
			candidates.push((index, crate::parse_account(holder)?, shard.root));
		}
	}
	let needed = usize::from(deal.data);
	let mut candidates = candidates.into_iter();
	let mut shards = Vec::new();
	let mut failures = Vec::new();
	while shards.len() < needed {
		let round: Vec<_> = candidates.by_ref().take(needed - shards.len()).collect();
		if round.is_empty() {
			break;
		}
		let fetches = round.into_iter().map(|(index, provider, root)| async move {
			(index, fetch_from(client, index, &provider, root, len).await)
		});
		for (index, outcome) in futures::future::join_all(fetches).await {
			match outcome {
				Ok(shard) => shards.push(shard),
				Err(e) => failures.push(format!("shard {index}: {e}")),
			}
		}
	}
	if shards.len() < needed {
		return Err(ClientError::BadInput(format!(
			"only {} of the {} shards needed could be read: {}",
			shards.len(),
			deal.data,
			failures.join("; ")
		)));
	}
	Ok((shards, failures))
}

/// Shard `index` with `root` and `len` bytes from `provider`'s agent, checked.
async fn fetch_from(
	client: &NubesClient,
	index: u8,
	provider: &AccountId,
	root: [u8; 32],
	len: u64,
) -> Result<Shard, ClientError> {
	let entry = client
		.provider(provider)
		.await?
		.ok_or_else(|| ClientError::BadInput("its holder left the registry".into()))?;
	let bytes = tokio::task::spawn_blocking(move || fetch_shard(&entry.endpoint, &root, len))
		.await
		.map_err(|e| ClientError::BadInput(e.to_string()))??;
	Shard::from_bytes(index, bytes).map_err(|e| ClientError::BadInput(e.to_string()))
}

/// Reads content `root` back: finds a deal storing it, gathers `data` of its shards from their
/// holders, decodes them and checks the content against the root; a deal whose holders cannot
/// give the root back is passed over for the next.
pub async fn read(client: &NubesClient, root: &[u8; 32]) -> Result<Content, ClientError> {
	let mut last =
		ClientError::BadInput(format!("no deal stores {}", crate::agent_api::hash_hex(root)));
	for id in client.deals_of_root(root).await? {
		let Some(deal) = client.deal(id).await? else { continue };
		match read_deal(client, &deal, root).await {
			Ok((content, _)) => return Ok(content),
			Err(e) => last = e,
		}
	}
	Err(last)
}

/// Content `root` from `deal`'s holders: `data` shards gathered (each checked against its
/// committed root), decoded, and checked against `root`. Anyone may open a deal claiming any
/// root, so a deal whose shards are other bytes is refused, never trusted. Also returns why
/// each holder that failed did.
pub async fn read_deal(
	client: &NubesClient,
	deal: &Deal,
	root: &[u8; 32],
) -> Result<(Content, Vec<String>), ClientError> {
	let (shards, failures) = gather(client, deal, &[]).await?;
	let refs: Vec<&Shard> = shards.iter().collect();
	let content = erasure::decode(deal.erasure(), deal.size, &refs)
		.map_err(|e| ClientError::BadInput(format!("deal #{}: {e}", deal.id)))?;
	if &content.root() != root {
		return Err(ClientError::BadInput(format!(
			"deal #{}'s shards do not give back its root: its tenant committed shard roots of other bytes",
			deal.id
		)));
	}
	Ok((content, failures))
}
