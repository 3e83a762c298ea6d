//! The readers' door: a kept shard's chunks, unsealed, each with its Merkle path, for anyone.
//! Stored content is public by design (what must stay private is encrypted before it is
//! stored), and a reader checks every chunk against the shard's root on chain, so nothing here
//! needs trusting. A read costs one chunk's unsealing, bounded by the door's limits.

use super::error;
use crate::{agent::Agent, shards::ShardError};
use axum::{
	extract::{Path, State},
	http::StatusCode,
	response::{IntoResponse, Response},
	routing::get,
	Router,
};
use std::sync::Arc;

/// The readers' route.
pub fn router(agent: Arc<Agent>) -> Router {
	Router::new().route("/nubes/v1/blob/{root}/{index}", get(chunk)).with_state(agent)
}

/// `GET /nubes/v1/blob/0x{root}/{index}`: chunk `index` of the shard with that root, plain,
/// with its Merkle path: a `ChunkProof`, SCALE-encoded. 404 if the shard or chunk is not here.
async fn chunk(
	State(agent): State<Arc<Agent>>,
	Path((root, index)): Path<(String, u32)>,
) -> Response {
	let root: Option<[u8; 32]> = root
		.strip_prefix("0x")
		.and_then(|digits| hex::decode(digits).ok())
		.and_then(|bytes| bytes.try_into().ok());
	let Some(root) = root else {
		return error(StatusCode::BAD_REQUEST, "the root is 32 bytes of 0x-prefixed hex");
	};
	let reader = agent.clone();
	match tokio::task::spawn_blocking(move || reader.shards.chunk(&root, index)).await {
		Ok(Ok(proof)) => (
			StatusCode::OK,
			[("content-type", "application/octet-stream")],
			codec::Encode::encode(&proof),
		)
			.into_response(),
		Ok(Err(ShardError::Missing)) => {
			error(StatusCode::NOT_FOUND, "no such shard or chunk is kept here")
		}
		Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}
