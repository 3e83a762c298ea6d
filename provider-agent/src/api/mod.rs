//! The agent's HTTP doors, each a router of its own with its own limits:
//!
//! | door | route | who | what |
//! |---|---|---|---|
//! | [`tenant`] | `POST /v1/leases/{id}/deployment` | the lease's tenant (signed) | deliver manifest and artifact |
//! | [`tenant`] | `GET /v1/leases/{id}` | the lease's tenant (signed) | status |
//! | [`tenant`] | `GET /v1/leases/{id}/logs?tail=N` | the lease's tenant (signed) | the last N bytes of logs |
//! | [`challenge`] | `POST /nubes/v1/challenge` | validators | answer a capacity challenge |
//! | [`ingress`] | `/leases/{id}/...` | anyone | the lease's HTTP service |
//! | [`ops`] | `GET /metrics`, `GET /healthz` | operators | Prometheus metrics, liveness |
//!
//! The first three share the public listener; the operators' door is on `metrics_listen`
//! when set, and otherwise on the public listener for loopback clients only. Under all of
//! them, [`server`] caps connections and header time.

pub mod challenge;
pub mod ingress;
pub mod ops;
pub mod server;
pub mod tenant;

use crate::agent::Agent;
use axum::{
	error_handling::HandleErrorLayer,
	http::StatusCode,
	response::{IntoResponse, Response},
	BoxError, Json, Router,
};
use nubes_client::agent_api::ApiError;
use std::{sync::Arc, time::Duration};
use tower::ServiceBuilder;

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
			.layer(HandleErrorLayer::new(|error: BoxError| async move {
				if error.is::<tower::timeout::error::Elapsed>() {
					error_text(StatusCode::REQUEST_TIMEOUT, "the request took too long")
				} else if error.is::<tower::load_shed::error::Overloaded>() {
					error_text(StatusCode::SERVICE_UNAVAILABLE, "busy: try again shortly")
				} else {
					error_text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
				}
			}))
			.load_shed()
			// Global: one count for every route of the door (a router layer wraps each route).
			.layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.concurrency))
			.timeout(limits.request_time),
	)
}

fn error_text(status: StatusCode, text: impl Into<String>) -> Response {
	error(status, text)
}

/// The public listener's router: the tenants' API, the challenge endpoint and the ingress,
/// each with its limits, and the operators' routes for loopback clients when they have no
/// listener of their own.
pub fn public_router(agent: Arc<Agent>) -> Router {
	let request_timeout = agent.config.request_timeout;
	let tenant = limited(
		tenant::router(agent.clone()),
		DoorLimits { request_time: Duration::from_secs(120), concurrency: 64 },
	);
	let challenge = limited(
		challenge::router(agent.clone()),
		// A few at a time (a quorum's validators challenge together); beyond that, shed, so a
		// flood of them cannot take the cores tenants paid for. Signed challenges from the
		// assigned validators only are the real bound (not yet).
		DoorLimits { request_time: Duration::from_secs(30), concurrency: 4 },
	);
	let ingress = limited(
		ingress::router(agent.clone()),
		DoorLimits { request_time: request_timeout + Duration::from_secs(30), concurrency: 1024 },
	);
	let mut router = tenant.merge(challenge).merge(ingress);
	if agent.config.metrics_listen.is_none() {
		router = router.merge(ops::router(agent, true));
	}
	router
}
