//! A holder rebuilds the shard it was given from the other holders, without the tenant.
//!
//! When the chain gives this provider a shard (a new holder in place of one that was lost, or
//! a shard whose tenant never uploads it), the agent fetches any `data` other shards of the
//! deal from their holders' agents (`GET /nubes/v1/blob/0x{root}`), checks each against the
//! root the deal commits to, rebuilds its own shard with the erasure code, checks it against
//! its root, and then seals, keeps and confirms it as an uploaded one. Nothing another holder
//! sends is trusted: a wrong shard fails its root and the next holder is asked.
//!
//! Only shards whose other holders run (confirmed, so they keep theirs) are asked for; while
//! fewer than `data` run, this waits: the tenant is still uploading, and nothing can be
//! rebuilt yet.

use nubes_client::{store, ClientError, NubesClient};
use nubes_content::{erasure, Shard};

/// Why a shard could not be rebuilt (yet).
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
	/// Fewer than `data` other holders run: try again later.
	#[error("only {running} other holder(s) keep their shards; {needed} are needed")]
	TooFewHolders {
		/// Other holders whose leases run.
		running: usize,
		/// Shards needed.
		needed: usize,
	},
	/// The chain could not be read, or the holders could not give enough shards.
	#[error("{0}")]
	Client(#[from] ClientError),
	/// The shards given do not rebuild the one committed.
	#[error("the rebuilt shard is not the one committed: {0}")]
	Mismatch(String),
}

/// The shard lease `lease` keeps, rebuilt from the deal's other holders: its root and bytes.
/// `Ok(None)` if the lease keeps no shard (a workload, or a deal gone meanwhile).
pub async fn rebuild(
	client: &NubesClient,
	lease: u64,
) -> Result<Option<([u8; 32], Vec<u8>)>, RepairError> {
	let Some((deal_id, index)) = client.shard_of_lease(lease).await? else { return Ok(None) };
	let Some(deal) = client.deal(deal_id).await? else { return Ok(None) };
	let Some(wanted) = deal.shards.get(usize::from(index)) else { return Ok(None) };
	if wanted.holder.as_ref().map(|(_, held)| *held) != Some(lease) {
		return Ok(None);
	}
	// Only running holders keep their shards; the others are skipped without being asked.
	let mut skip = vec![index];
	for (other, shard) in deal.shards.iter().enumerate() {
		let running = match &shard.holder {
			Some((_, held)) if *held != lease => {
				client.lease(*held).await?.is_some_and(|open| open.state == "Active")
			}
			_ => false,
		};
		if !running {
			skip.push(other as u8);
		}
	}
	let running = deal.shards.len() + 1 - skip.len();
	if running < usize::from(deal.data) {
		return Err(RepairError::TooFewHolders { running, needed: usize::from(deal.data) });
	}
	let (shards, failures) = store::gather(client, &deal, &skip).await?;
	for failure in failures {
		tracing::info!(lease, deal = deal_id, %failure, "a holder gave no good shard");
	}
	let (erasure, size, root) = (deal.erasure(), deal.size, wanted.root);
	let rebuilt = tokio::task::spawn_blocking(move || {
		let refs: Vec<&Shard> = shards.iter().collect();
		erasure::rebuild(erasure, size, index, &refs)
	})
	.await
	.map_err(|e| RepairError::Mismatch(e.to_string()))?
	.map_err(|e| RepairError::Mismatch(e.to_string()))?;
	if rebuilt.root() != root {
		return Err(RepairError::Mismatch("the deal's shard roots are not of one content".into()));
	}
	Ok(Some((root, rebuilt.bytes().to_vec())))
}
