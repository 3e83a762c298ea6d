//! The public door of the leases' HTTP services: `/leases/{id}/...` runs the lease's workload
//! on the request. The workload's answer may not reach past its own lease: a cookie set for a
//! whole domain (`Domain=`) and a service worker's wider scope (`Service-Worker-Allowed`) are
//! dropped from every response.

use crate::{
	agent::Agent,
	workloads::{self, MAX_HTTP_BODY},
};
use axum::{
	body::Bytes,
	extract::{DefaultBodyLimit, Path, State},
	http::{HeaderMap, Method, StatusCode, Uri},
	response::Response,
	routing::any,
	Router,
};
use std::sync::Arc;

/// The ingress routes.
pub fn router(agent: Arc<Agent>) -> Router {
	Router::new()
		.route("/leases/{id}", any(ingress_root))
		.route("/leases/{id}/", any(ingress_root))
		.route("/leases/{id}/{*rest}", any(ingress))
		.layer(DefaultBodyLimit::max(MAX_HTTP_BODY))
		.with_state(agent)
}

async fn ingress_root(
	State(agent): State<Arc<Agent>>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	forward(agent, id, String::new(), method, uri, headers, body).await
}

async fn ingress(
	State(agent): State<Arc<Agent>>,
	Path((id, rest)): Path<(u64, String)>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	forward(agent, id, rest, method, uri, headers, body).await
}

/// Whether a workload's response header may be passed on.
pub fn response_header_allowed(name: &str, value: &str) -> bool {
	let name = name.to_ascii_lowercase();
	if name == "service-worker-allowed" {
		return false;
	}
	if name == "set-cookie" {
		// `Domain=` widens a cookie to sibling hosts: other leases' origins.
		return !value
			.split(';')
			.skip(1)
			.any(|attribute| attribute.trim().to_ascii_lowercase().starts_with("domain"));
	}
	true
}

async fn forward(
	agent: Arc<Agent>,
	id: u64,
	rest: String,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let request = workloads::Request {
		method: method.as_str().to_string(),
		path: format!("/{rest}"),
		query: uri.query().unwrap_or("").to_string(),
		headers: headers
			.iter()
			.filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
			.collect(),
		body: body.to_vec(),
	};
	let response = agent.workloads.serve(id, request).await;
	let mut builder = axum::http::Response::builder().status(response.status);
	for (name, value) in &response.headers {
		if response_header_allowed(name, value) {
			builder = builder.header(name.as_str(), value.as_str());
		}
	}
	builder.body(axum::body::Body::from(response.body)).unwrap_or_else(|_| {
		super::error(StatusCode::BAD_GATEWAY, "the workload's response headers are invalid")
	})
}

#[cfg(test)]
mod tests {
	use super::response_header_allowed as allowed;

	#[test]
	fn responses_cannot_reach_past_their_lease() {
		assert!(allowed("content-type", "text/html"));
		assert!(allowed("set-cookie", "session=abc; Path=/; HttpOnly; Secure"));
		assert!(!allowed("set-cookie", "session=abc; Domain=localhost; Path=/"));
		assert!(!allowed("Set-Cookie", "session=abc;domain=.example.com"));
		assert!(!allowed("set-cookie", "a=b; Path=/; DOMAIN =example.com"));
		// A cookie whose value merely mentions "domain" is not a Domain attribute.
		assert!(allowed("set-cookie", "domain=x; Path=/"));
		assert!(!allowed("service-worker-allowed", "/"));
		assert!(!allowed("Service-Worker-Allowed", "/"));
	}
}
