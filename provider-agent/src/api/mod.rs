//! The agent's HTTP doors, each a router of its own with its own limits:
//!
//! | door | route | who | what |
//! |---|---|---|---|
//! | [`tenant`] | `POST /v1/leases/{id}/deployment` | the lease's tenant (signed) | deliver manifest and artifact |
//! | [`tenant`] | `GET /v1/leases/{id}` | the lease's tenant (signed) | status |
//! | [`tenant`] | `GET /v1/leases/{id}/logs?tail=N` | the lease's tenant (signed) | the last N bytes of logs |
//! | [`tenant`] | `PUT /v1/leases/{id}/shard` | the lease's tenant (signed) | deliver a storage deal's shard |
//! | [`blob`] | `GET /nubes/v1/blob/0x{root}/{index}` | anyone | a kept shard's chunk, unsealed, with its Merkle path |
//! | [`blob`] | `GET /nubes/v1/blob/0x{root}` | anyone | a kept shard's bytes, unsealed, whole or one `Range` |
//! | [`challenge`] | `POST /nubes/v1/challenge` | validators | answer a capacity challenge and its storage probes |
//! | [`challenge`] | `GET /nubes/v1/leases/{id}/live` | validators (anyone) | whether the lease's workload runs here |
//! | [`ingress`] | any path on `l{id}.{lease domain}` (or `/leases/{id}/...`, or with a gateway's `nubes-lease: {id}` header) | anyone | the lease's HTTP service |
//! | [`gateway`] | any path on `{name}.{lease domain}` (with `gateway = true`) | anyone | the named site, checked against the chain, or the named deployment |
//! | [`ops`] | `GET /metrics`, `GET /healthz` | operators | Prometheus metrics, liveness |
//!
//! The first four share the public listener; the operators' door is on `metrics_listen`
//! when set, and otherwise on the public listener for loopback clients only. Under all of
//! them, [`server`] caps connections and header time.

pub mod blob;
pub mod challenge;
pub mod gateway;
pub mod ingress;
pub mod ops;
pub mod server;
pub mod tenant;
pub mod tls;

use crate::agent::Agent;
use axum::{
	error_handling::HandleErrorLayer,
	http::StatusCode,
	response::{IntoResponse, Response},
	BoxError, Json, Router,
};
use nubes_client::agent_api::ApiError;
use std::{sync::Arc, time::Duration};
use tower::{ServiceBuilder, ServiceExt};

/// A JSON error response `{"error": ...}`.
pub fn error(status: StatusCode, text: impl Into<String>) -> Response {
	(status, Json(ApiError { error: text.into() })).into_response()
}

/// A refused request: its status and the explanation sent as `{"error": ...}`.
pub struct Refusal(pub StatusCode, pub String);

impl IntoResponse for Refusal {
	fn into_response(self) -> Response {
		error(self.0, self.1)
	}
}

/// Bounds on a door's requests: how long one may take (body included, so a client that
/// dribbles its body is cut off) and how many may run at once (more are shed with 503 at
/// once rather than queued).
#[derive(Clone, Copy, Debug)]
pub struct DoorLimits {
	/// One request's whole time, reading its body included.
	pub request_time: Duration,
	/// Requests in flight through the door.
	pub concurrency: usize,
}

/// Wraps a door's router in its limits.
pub fn limited(router: Router, limits: DoorLimits) -> Router {
	router.layer(
		ServiceBuilder::new()
			.layer(HandleErrorLayer::new(|cause: BoxError| async move {
				if cause.is::<tower::timeout::error::Elapsed>() {
					error(StatusCode::REQUEST_TIMEOUT, "the request took too long")
				} else if cause.is::<tower::load_shed::error::Overloaded>() {
					error(StatusCode::SERVICE_UNAVAILABLE, "busy: try again shortly")
				} else {
					error(StatusCode::INTERNAL_SERVER_ERROR, cause.to_string())
				}
			}))
			.load_shed()
			// Global: one count for every route of the door (a router layer wraps each route).
			.layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.concurrency))
			.timeout(limits.request_time),
	)
}

/// The public listener's router: requests for a lease's own host (or naming a lease in the
/// gateways' `nubes-lease` header) go to that lease, requests for a name's host to the names'
/// door when the agent is a gateway; every other
/// request to the tenants' API, the challenge endpoint, the path-form ingress (when on) and the
/// operators' routes for loopback clients when they have no listener of their own, each door
/// with its limits.
pub fn public_router(agent: Arc<Agent>) -> Router {
	let request_timeout = agent.config.request_timeout;
	let ingress_limits =
		DoorLimits { request_time: request_timeout + Duration::from_secs(30), concurrency: 1024 };
	let tenant = limited(
		tenant::router(agent.clone()),
		DoorLimits { request_time: Duration::from_secs(120), concurrency: 64 },
	);
	let challenge = limited(
		challenge::router(agent.clone()),
		// Only the epoch's assigned validators, once each, reach the prover (see
		// `crate::challengers`), so the cores tenants paid for are safe whatever comes; the
		// cap is on requests being read and checked, each body within 2 s, so that strangers
		// holding slots open cannot keep the validators out.
		DoorLimits { request_time: Duration::from_secs(30), concurrency: 64 },
	);
	let blob = limited(
		blob::router(agent.clone()),
		// Each read unseals one chunk (milliseconds of a core) on a blocking thread.
		DoorLimits { request_time: Duration::from_secs(30), concurrency: 16 },
	);
	let mut api = tenant.merge(challenge).merge(blob);
	if agent.config.path_ingress {
		api = api.merge(limited(ingress::path_router(agent.clone()), ingress_limits));
	}
	if agent.config.metrics_listen.is_none() {
		api = api.merge(ops::router(agent.clone(), true));
	}
	let domain = agent.config.lease_domain.clone();
	let names = (agent.gateway.is_some() && domain.is_some()).then(|| {
		// A site's files come from memory once fetched; the fetch itself is one per root.
		limited(
			gateway::router(agent.clone()),
			DoorLimits { request_time: Duration::from_secs(120), concurrency: 512 },
		)
	});
	let leases = limited(ingress::host_router(agent), ingress_limits);
	Router::new().fallback_service(tower::service_fn(move |request: axum::extract::Request| {
		let host = request
			.headers()
			.get(axum::http::header::HOST)
			.and_then(|h| h.to_str().ok())
			.unwrap_or("");
		let domain = domain.as_deref();
		// A host decides first: a lease's or a name's host is never another lease's, whatever
		// header comes with it. Only on the agent's own host does a gateway's header name a
		// lease.
		let door = if domain.is_some_and(|domain| ingress::lease_of_host(host, domain).is_some()) {
			leases.clone()
		} else if domain.is_some_and(|domain| gateway::name_of_host(host, domain).is_some()) {
			match names.as_ref() {
				Some(names) => names.clone(),
				None => api.clone(),
			}
		} else if ingress::lease_of_header(request.headers()).is_some() {
			leases.clone()
		} else {
			api.clone()
		};
		door.oneshot(request)
	}))
}
