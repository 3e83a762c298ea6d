//! The operators' door: Prometheus metrics and liveness. Not public: on a listener of its own
//! (`metrics_listen`), or on the public one for loopback clients only.

use super::error;
use crate::agent::Agent;
use axum::{
	extract::{ConnectInfo, Request, State},
	http::StatusCode,
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::get,
	Router,
};
use std::{net::SocketAddr, sync::Arc};

/// The operators' routes; with `loopback_only`, refused (404) to clients not on loopback.
pub fn router(agent: Arc<Agent>, loopback_only: bool) -> Router {
	let router = Router::new()
		.route("/metrics", get(metrics))
		.route("/healthz", get(|| async { "ok" }))
		.with_state(agent);
	if loopback_only {
		router.layer(middleware::from_fn(loopback))
	} else {
		router
	}
}

async fn loopback(request: Request, next: Next) -> Response {
	let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
	match peer {
		Some(ip) if ip.is_loopback() => next.run(request).await,
		_ => error(StatusCode::NOT_FOUND, "not found"),
	}
}

async fn metrics(State(agent): State<Arc<Agent>>) -> Response {
	([("content-type", "text/plain; version=0.0.4")], agent.metrics.render()).into_response()
}
