//! The tenants' door: deliver a lease's deployment or a storage deal's shard, read its status
//! and logs. Every request
//! is signed by the lease's tenant ([`nubes_client::agent_api`]), and checked in the order
//! that costs a stranger the most and the agent the least:
//!
//! 1. the `Authorization` header parses and its time is fresh;
//! 2. its signer is the lease's tenant (from the kept deployment, else the chain), and a
//!    declared body is within the route's limit — all before a byte of the body is read;
//! 3. the body is read up to the limit, then the signature checked over it, this provider,
//!    the method and path, the time and the nonce;
//! 4. the nonce has not been seen from this signer (a replayed request is refused).
//!
//! A request without a body has nothing to read, so its signature is checked first, before the
//! tenant (which may take a read of the chain).

use super::{error, Refusal};
use crate::agent::{Agent, IntakeError};
use axum::{
	body::Body,
	extract::{Path, Query, Request, State},
	http::{
		header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING},
		HeaderMap, HeaderValue, Method, StatusCode, Uri,
	},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::{get, post, put},
	Json, Router,
};
use nubes_client::{
	agent_api::{unix_now, Deployment, SignedHeader, AUTH_HEADER, MAX_CLOCK_SKEW_SECS},
	parse_account, AccountId,
};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};

/// The most signed requests remembered for replay protection; past it, new requests wait for
/// old ones to go stale (503).
pub const MAX_REMEMBERED_NONCES: usize = 100_000;

/// A signed request's identity: its signer's public key and its nonce.
type RequestId = ([u8; 32], [u8; 16]);

/// The nonces of fresh signed requests already served, by signer, with their times.
#[derive(Default)]
pub struct Nonces(Mutex<HashMap<RequestId, u64>>);

impl Nonces {
	/// Remembers a request's nonce; `Err` with the status to answer if it was seen (replay)
	/// or no room is left.
	pub fn remember(&self, signed: &SignedHeader, now: u64) -> Result<(), Refusal> {
		let mut seen = self
			.0
			.lock()
			.map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "lock poisoned".into()))?;
		let key = (signed.account.0, signed.nonce);
		if seen.contains_key(&key) {
			return Err(Refusal(
				StatusCode::CONFLICT,
				"this signed request was already used".into(),
			));
		}
		if seen.len() >= MAX_REMEMBERED_NONCES {
			// A request is refused as stale past the skew on either side: forget those.
			seen.retain(|_, ts| ts.saturating_add(2 * MAX_CLOCK_SKEW_SECS) >= now);
			if seen.len() >= MAX_REMEMBERED_NONCES {
				return Err(Refusal(
					StatusCode::SERVICE_UNAVAILABLE,
					"busy: try again shortly".into(),
				));
			}
		}
		seen.insert(key, signed.ts);
		Ok(())
	}
}

/// What the tenants' routes share.
#[derive(Clone)]
struct Api {
	agent: Arc<Agent>,
	nonces: Arc<Nonces>,
	/// Room for shard uploads being read and sealed.
	uploads: Arc<tokio::sync::Semaphore>,
}

/// The tenants' routes.
pub fn router(agent: Arc<Agent>) -> Router {
	Router::new()
		.route("/v1/leases/{id}/deployment", post(deploy))
		.route(
			"/v1/leases/{id}/shard",
			put(upload_shard).layer(axum::extract::DefaultBodyLimit::max(MAX_SHARD_BYTES)),
		)
		.route("/v1/leases/{id}", get(status))
		.route("/v1/leases/{id}/logs", get(logs))
		.with_state(Api {
			agent,
			nonces: Arc::new(Nonces::default()),
			uploads: Arc::new(tokio::sync::Semaphore::new(SHARD_UPLOADS_AT_ONCE)),
		})
		.layer(middleware::from_fn(close_after_refused_body))
}

/// A refused request that came with a body ends its connection, and says so
/// (`Connection: close`).
///
/// A stranger or an oversized body is refused on the headers, before the body is read; the
/// server then cannot reuse the connection (the unread body is still in it) and drops it. Without
/// the header a client keeps that connection for its next request and finds it closed, and
/// such a failure depends on timing. With it, the client opens a fresh one.
async fn close_after_refused_body(request: Request, next: Next) -> Response {
	let has_body = request.headers().contains_key(TRANSFER_ENCODING)
		|| request
			.headers()
			.get(CONTENT_LENGTH)
			.and_then(|v| v.to_str().ok())
			.is_some_and(|v| v.trim() != "0");
	let mut response = next.run(request).await;
	if has_body && (response.status().is_client_error() || response.status().is_server_error()) {
		response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
	}
	response
}

/// The most bytes a deployment body may have: the artifact in base64 and the manifest.
pub fn deployment_limit(max_artifact_bytes: u64) -> usize {
	(max_artifact_bytes as usize).div_ceil(3) * 4 + 2 * 1024 * 1024
}

/// Step 1 and the tenant half of step 2: the header, fresh, from the lease's tenant.
async fn from_tenant(
	api: &Api,
	lease: u64,
	headers: &HeaderMap,
	now: u64,
) -> Result<SignedHeader, Refusal> {
	let header = headers.get(AUTH_HEADER).and_then(|h| h.to_str().ok());
	let signed = SignedHeader::parse(header, now)
		.map_err(|e| Refusal(StatusCode::UNAUTHORIZED, e.to_string()))?;
	tenant_only(&api.agent, lease, &signed.account).await?;
	Ok(signed)
}

/// Steps 3 and 4: the signature over the request, and a nonce not seen before.
fn verified(
	api: &Api,
	signed: &SignedHeader,
	method: &Method,
	uri: &Uri,
	body: &[u8],
	now: u64,
) -> Result<(), Refusal> {
	let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
	signed
		.verify(&api.agent.chain.account(), method.as_str(), path, body)
		.map_err(|e| Refusal(StatusCode::UNAUTHORIZED, e.to_string()))?;
	api.nonces.remember(signed, now)
}

/// The other half of step 2: whether the body's declared length is over `limit`.
fn declared_over(headers: &HeaderMap, limit: usize) -> bool {
	headers
		.get(CONTENT_LENGTH)
		.and_then(|v| v.to_str().ok())
		.and_then(|v| v.parse::<u64>().ok())
		.is_some_and(|length| length > limit as u64)
}

/// Steps 3 and 4 for a request with a body: the body read up to `limit`, then the signature
/// over it and the nonce. `Err(None)` when the body is over the limit.
async fn read_signed(
	api: &Api,
	signed: &SignedHeader,
	method: &Method,
	uri: &Uri,
	body: Body,
	limit: usize,
	now: u64,
) -> Result<bytes::Bytes, Option<Refusal>> {
	let body = axum::body::to_bytes(body, limit).await.map_err(|_| None)?;
	verified(api, signed, method, uri, &body, now).map_err(Some)?;
	Ok(body)
}

/// Checks that `signer` is the lease's tenant (from the kept deployment, else the chain).
async fn tenant_only(agent: &Agent, lease: u64, signer: &AccountId) -> Result<(), Refusal> {
	let tenant = match agent.store.deployment(lease).ok().flatten() {
		Some(record) => record.tenant,
		None => match agent.chain.lease(lease).await {
			Ok(Some(l)) if agent.is_me(&l.provider) => l.tenant,
			Ok(_) => {
				return Err(Refusal(
					StatusCode::NOT_FOUND,
					format!("lease {lease} is not open here"),
				))
			}
			Err(e) => {
				return Err(Refusal(
					StatusCode::SERVICE_UNAVAILABLE,
					format!("cannot read the chain: {e}"),
				))
			}
		},
	};
	if parse_account(&tenant).ok().as_ref() != Some(signer) {
		return Err(Refusal(StatusCode::FORBIDDEN, format!("only lease {lease}'s tenant may ask")));
	}
	Ok(())
}

async fn deploy(
	State(api): State<Api>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Body,
) -> Response {
	let now = unix_now();
	let signed = match from_tenant(&api, id, &headers, now).await {
		Ok(s) => s,
		Err(r) => {
			tracing::info!(lease = id, status = %r.0, reason = %r.1, "deployment refused");
			return r.into_response();
		}
	};
	let limit = deployment_limit(api.agent.config.max_artifact_bytes);
	let too_large = format!("the deployment is over this provider's {limit} bytes");
	if declared_over(&headers, limit) {
		return error(StatusCode::PAYLOAD_TOO_LARGE, too_large);
	}
	let body = match read_signed(&api, &signed, &method, &uri, body, limit, now).await {
		Ok(body) => body,
		Err(Some(r)) => {
			tracing::info!(lease = id, status = %r.0, reason = %r.1, "deployment refused");
			return r.into_response();
		}
		Err(None) => return error(StatusCode::PAYLOAD_TOO_LARGE, too_large),
	};
	let deployment: Deployment = match serde_json::from_slice(&body) {
		Ok(d) => d,
		Err(e) => {
			return error(StatusCode::BAD_REQUEST, format!("the body is not a deployment: {e}"))
		}
	};
	use base64::Engine as _;
	let b64 = base64::engine::general_purpose::STANDARD;
	let (Ok(manifest), Ok(artifact)) =
		(b64.decode(&deployment.manifest), b64.decode(&deployment.artifact))
	else {
		return error(StatusCode::BAD_REQUEST, "manifest and artifact must be base64");
	};
	match api.agent.accept_deployment(id, &signed.account, manifest, artifact).await {
		Ok(status) => (StatusCode::ACCEPTED, Json(status)).into_response(),
		Err(e) => intake_refused(e),
	}
}

/// The answer to an intake the agent refused.
fn intake_refused(e: IntakeError) -> Response {
	let status = match &e {
		IntakeError::NotFound(_) => StatusCode::NOT_FOUND,
		IntakeError::Forbidden(_) => StatusCode::FORBIDDEN,
		IntakeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
		IntakeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
		IntakeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
	};
	error(status, e.to_string())
}

/// The largest shard a tenant may upload in one request: a storage deal's largest shard.
pub const MAX_SHARD_BYTES: usize = 1 << 30;

/// Shard uploads read at once, at most: each is held in memory until it is sealed.
pub const SHARD_UPLOADS_AT_ONCE: usize = 2;

/// `PUT /v1/leases/{id}/shard`: the shard a storage deal's holder lease is bound to, as raw
/// bytes, signed by the lease's tenant like every request of this door.
async fn upload_shard(
	State(api): State<Api>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Body,
) -> Response {
	let now = unix_now();
	let signed = match from_tenant(&api, id, &headers, now).await {
		Ok(s) => s,
		Err(r) => {
			tracing::info!(lease = id, status = %r.0, reason = %r.1, "shard refused");
			return r.into_response();
		}
	};
	let too_large = format!("a shard is at most {MAX_SHARD_BYTES} bytes");
	if declared_over(&headers, MAX_SHARD_BYTES) {
		return error(StatusCode::PAYLOAD_TOO_LARGE, too_large);
	}
	// Held until the body is sealed (the agent keeps it past this answer), so memory holds at
	// most this many shards however fast a tenant uploads.
	let Ok(permit) = api.uploads.clone().try_acquire_owned() else {
		return error(StatusCode::SERVICE_UNAVAILABLE, "busy with other shards: try again shortly");
	};
	let body = match read_signed(&api, &signed, &method, &uri, body, MAX_SHARD_BYTES, now).await {
		Ok(body) => body,
		Err(Some(r)) => {
			tracing::info!(lease = id, status = %r.0, reason = %r.1, "shard refused");
			return r.into_response();
		}
		Err(None) => return error(StatusCode::PAYLOAD_TOO_LARGE, too_large),
	};
	match api.agent.accept_shard(id, &signed.account, body.to_vec(), permit).await {
		Ok(receipt) => (StatusCode::ACCEPTED, Json(receipt)).into_response(),
		Err(e) => intake_refused(e),
	}
}

/// Steps 1–4 for a request without a body: with nothing to read, the signature is checked
/// before the tenant (which may take a read of the chain).
async fn signed_get(
	api: &Api,
	id: u64,
	method: &Method,
	uri: &Uri,
	headers: &HeaderMap,
) -> Result<(), Refusal> {
	let now = unix_now();
	let header = headers.get(AUTH_HEADER).and_then(|h| h.to_str().ok());
	let signed = SignedHeader::parse(header, now)
		.map_err(|e| Refusal(StatusCode::UNAUTHORIZED, e.to_string()))?;
	let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
	signed
		.verify(&api.agent.chain.account(), method.as_str(), path, b"")
		.map_err(|e| Refusal(StatusCode::UNAUTHORIZED, e.to_string()))?;
	tenant_only(&api.agent, id, &signed.account).await?;
	api.nonces.remember(&signed, now)
}

async fn status(
	State(api): State<Api>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
) -> Response {
	if let Err(r) = signed_get(&api, id, &method, &uri, &headers).await {
		return r.into_response();
	}
	Json(api.agent.status(id)).into_response()
}

#[derive(serde::Deserialize)]
struct Tail {
	tail: Option<u64>,
}

async fn logs(
	State(api): State<Api>,
	Path(id): Path<u64>,
	Query(query): Query<Tail>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
) -> Response {
	if let Err(r) = signed_get(&api, id, &method, &uri, &headers).await {
		return r.into_response();
	}
	let tail = query.tail.unwrap_or(64 * 1024);
	let path = api.agent.store.lease_dir(id).join("workload.log");
	match crate::runtime::log::read_tail(&path, tail) {
		Ok(bytes) => {
			(StatusCode::OK, [("content-type", "text/plain; charset=utf-8")], bytes).into_response()
		}
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use tower::ServiceExt;

	async fn answer(method: &str, body: &'static [u8], status: StatusCode) -> Option<HeaderValue> {
		let router = Router::new()
			.route("/", put(move || async move { status }).get(move || async move { status }))
			.layer(middleware::from_fn(close_after_refused_body));
		let request = axum::http::Request::builder()
			.method(method)
			.uri("/")
			.header(CONTENT_LENGTH, body.len())
			.body(Body::from(body))
			.unwrap();
		let response = router.oneshot(request).await.unwrap();
		assert_eq!(response.status(), status);
		response.headers().get(CONNECTION).cloned()
	}

	#[tokio::test]
	async fn a_refused_body_ends_its_connection() {
		let close = Some(HeaderValue::from_static("close"));
		assert_eq!(answer("PUT", b"shard", StatusCode::FORBIDDEN).await, close);
		assert_eq!(answer("PUT", b"shard", StatusCode::SERVICE_UNAVAILABLE).await, close);
		// Taken, or refused with nothing left unread: the connection is kept.
		assert_eq!(answer("PUT", b"shard", StatusCode::ACCEPTED).await, None);
		assert_eq!(answer("GET", b"", StatusCode::FORBIDDEN).await, None);
	}
}
