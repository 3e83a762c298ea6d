//! The readers' door: kept shards, unsealed, for anyone. Stored content is public by design
//! (what must stay private is encrypted before it is stored), and a reader checks every byte
//! against the shard's root on chain, so nothing here needs trusting.
//!
//! - `GET /nubes/v1/blob/0x{root}/{index}`: one chunk with its Merkle path, checkable alone.
//! - `GET /nubes/v1/blob/0x{root}`: the shard's bytes, whole or one `Range`, streamed a chunk
//!   at a time; what a new holder rebuilding its shard and a reader fetching a whole content
//!   take, checked against the root once they have it all (or chunk by chunk with the route
//!   above).
//!
//! A chunk read costs one chunk's unsealing (milliseconds of a core) on a blocking thread,
//! bounded by the door's limits.

use super::error;
use crate::{agent::Agent, shards::ShardError};
use axum::{
	body::Body,
	extract::{Path, State},
	http::{header, HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::get,
	Router,
};
use nubes_proofs::protocol::MAX_CHUNK_BYTES;
use std::{ops::RangeInclusive, sync::Arc};

/// The readers' routes.
pub fn router(agent: Arc<Agent>) -> Router {
	Router::new()
		.route("/nubes/v1/blob/{root}", get(shard))
		.route("/nubes/v1/blob/{root}/{index}", get(chunk))
		.with_state(agent)
}

fn parse_root(root: &str) -> Option<[u8; 32]> {
	root.strip_prefix("0x")
		.and_then(|digits| hex::decode(digits).ok())
		.and_then(|bytes| bytes.try_into().ok())
}

fn bad_root() -> Response {
	error(StatusCode::BAD_REQUEST, "the root is 32 bytes of 0x-prefixed hex")
}

fn shard_error(e: ShardError) -> Response {
	match e {
		ShardError::Missing => error(StatusCode::NOT_FOUND, "no such shard or chunk is kept here"),
		e => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}

/// `GET /nubes/v1/blob/0x{root}/{index}`: chunk `index` of the shard with that root, plain,
/// with its Merkle path: a `ChunkProof`, SCALE-encoded. 404 if the shard or chunk is not here.
async fn chunk(
	State(agent): State<Arc<Agent>>,
	Path((root, index)): Path<(String, u32)>,
) -> Response {
	let Some(root) = parse_root(&root) else { return bad_root() };
	let reader = agent.clone();
	match tokio::task::spawn_blocking(move || reader.shards.chunk(&root, index)).await {
		Ok(Ok(proof)) => (
			StatusCode::OK,
			[("content-type", "application/octet-stream")],
			codec::Encode::encode(&proof),
		)
			.into_response(),
		Ok(Err(e)) => shard_error(e),
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}

/// Which bytes of a shard (or a named site's file) of `len` bytes the `Range` header asks for: all of them without one;
/// one range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) with one; `Err` with why for a range that is
/// malformed, past the end, or one of several (a multipart answer would buy a reader nothing it
/// cannot get from several requests), answered 416.
pub(crate) fn wanted(
	headers: &HeaderMap,
	len: u64,
) -> Result<Option<RangeInclusive<u64>>, &'static str> {
	let Some(value) = headers.get(header::RANGE) else { return Ok(None) };
	let text = value.to_str().map_err(|_| "the Range header is not text")?;
	let ranges = http_range_header::parse_range_header(text)
		.map_err(|_| "a Range is `bytes=FIRST-LAST`, `bytes=FIRST-` or `bytes=-SUFFIX`")?
		.validate(len)
		.map_err(|_| "the range is past the shard's end")?;
	match ranges.as_slice() {
		[one] => Ok(Some(one.clone())),
		_ => Err("one range per request"),
	}
}

/// The 416 answer to a range of a shard of `len` bytes that cannot be served.
pub(crate) fn unsatisfiable(len: u64, why: &str) -> Response {
	let mut response = error(StatusCode::RANGE_NOT_SATISFIABLE, why);
	if let Ok(value) = format!("bytes */{len}").parse() {
		response.headers_mut().insert(header::CONTENT_RANGE, value);
	}
	response
}

/// `GET /nubes/v1/blob/0x{root}`: the shard with that root, plain, whole (200) or the one range
/// asked for (206), streamed chunk by chunk. The root names the bytes for ever, so they may be
/// cached for ever. 404 if the shard is not here.
async fn shard(
	State(agent): State<Arc<Agent>>,
	Path(root): Path<String>,
	headers: HeaderMap,
) -> Response {
	let Some(root) = parse_root(&root) else { return bad_root() };
	let len = match agent.shards.len(&root) {
		Ok(len) => len,
		Err(e) => return shard_error(e),
	};
	let (status, range) = match wanted(&headers, len) {
		Ok(Some(range)) => (StatusCode::PARTIAL_CONTENT, range),
		Ok(None) => (StatusCode::OK, 0..=len.saturating_sub(1)),
		Err(why) => return unsatisfiable(len, why),
	};
	let (first, last) = (*range.start(), *range.end());
	let chunk_bytes = MAX_CHUNK_BYTES as u64;
	let chunks = (first / chunk_bytes) as u32..=(last / chunk_bytes) as u32;
	// One chunk unsealed at a time, only as fast as the reader takes them.
	let stream = futures::stream::unfold(chunks, move |mut chunks| {
		let agent = agent.clone();
		async move {
			let index = chunks.next()?;
			let read = tokio::task::spawn_blocking(move || agent.shards.plain(&root, index)).await;
			let part = match read {
				Ok(Ok(data)) => {
					let base = u64::from(index) * chunk_bytes;
					let from = first.saturating_sub(base) as usize;
					let to = ((last + 1 - base).min(chunk_bytes)) as usize;
					Ok(bytes::Bytes::copy_from_slice(&data[from..to]))
				}
				Ok(Err(e)) => Err(std::io::Error::other(e.to_string())),
				Err(e) => Err(std::io::Error::other(e.to_string())),
			};
			Some((part, chunks))
		}
	});
	let mut response = Response::new(Body::from_stream(stream));
	*response.status_mut() = status;
	let length = last + 1 - first;
	let headers = response.headers_mut();
	let mut set = |name: header::HeaderName, value: String| {
		if let Ok(value) = value.parse() {
			headers.insert(name, value);
		}
	};
	set(header::CONTENT_TYPE, "application/octet-stream".into());
	set(header::CONTENT_LENGTH, length.to_string());
	set(header::ACCEPT_RANGES, "bytes".into());
	set(header::ETAG, format!("\"0x{}\"", hex::encode(root)));
	set(header::CACHE_CONTROL, "public, max-age=31536000, immutable".into());
	if status == StatusCode::PARTIAL_CONTENT {
		set(header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}"));
	}
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ask(range: Option<&str>, len: u64) -> Result<Option<RangeInclusive<u64>>, StatusCode> {
		let mut headers = HeaderMap::new();
		if let Some(range) = range {
			headers.insert(header::RANGE, range.parse().unwrap());
		}
		wanted(&headers, len).map_err(|why| unsatisfiable(len, why).status())
	}

	#[test]
	fn one_range_is_served_and_anything_else_refused() {
		assert_eq!(ask(None, 100), Ok(None));
		assert_eq!(ask(Some("bytes=0-9"), 100), Ok(Some(0..=9)));
		assert_eq!(ask(Some("bytes=90-"), 100), Ok(Some(90..=99)));
		assert_eq!(ask(Some("bytes=-10"), 100), Ok(Some(90..=99)));
		// Past the end, several at once, or not a range: 416.
		for bad in ["bytes=100-", "bytes=0-1,5-6", "items=0-1", "bytes=9-2", "bytes="] {
			assert_eq!(ask(Some(bad), 100), Err(StatusCode::RANGE_NOT_SATISFIABLE), "{bad}");
		}
	}
}
