//! The public door of the leases' HTTP services. Each lease has a host of its own,
//! `l{id}.{lease domain}`, and with it its own browser origin: cookies, storage and service
//! workers of one tenant's pages never reach another's. Every path on that host is the lease's.
//! The path form `{endpoint}/leases/{id}/...` (one origin for all) is served for development,
//! or where no lease domain exists. Either way, a workload's answer may not reach past its
//! lease: a cookie set for a whole domain (`Domain=`) and a service worker's wider scope
//! (`Service-Worker-Allowed`) are dropped from every response.

use crate::{
	agent::Agent,
	workloads::{self, MAX_HTTP_BODY},
};
use axum::{
	body::Bytes,
	extract::{DefaultBodyLimit, Path, State},
	http::{header::HOST, HeaderMap, Method, StatusCode, Uri},
	response::Response,
	routing::any,
	Router,
};
use std::sync::Arc;

/// The path-form routes, `/leases/{id}/...`.
pub fn path_router(agent: Arc<Agent>) -> Router {
	Router::new()
		.route("/leases/{id}", any(ingress_root))
		.route("/leases/{id}/", any(ingress_root))
		.route("/leases/{id}/{*rest}", any(ingress))
		.layer(DefaultBodyLimit::max(MAX_HTTP_BODY))
		.with_state(agent)
}

/// The lease-host router: every request goes to the lease its `Host` names.
pub fn host_router(agent: Arc<Agent>) -> Router {
	Router::new().fallback(by_host).layer(DefaultBodyLimit::max(MAX_HTTP_BODY)).with_state(agent)
}

/// The one label before `.{domain}` in a `Host` header (any port, any case): the part that names
/// a lease (`l{id}`) or, on a gateway, a name.
pub fn label_of_host(host: &str, domain: &str) -> Option<String> {
	let host = host.to_ascii_lowercase();
	let name = match host.rsplit_once(':') {
		Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
		_ => host.as_str(),
	};
	Some(name.strip_suffix(domain)?.strip_suffix('.')?.to_string())
}

/// The lease a `Host` header names under `domain`: `l{id}.{domain}`, any port, any case.
pub fn lease_of_host(host: &str, domain: &str) -> Option<u64> {
	let label = label_of_host(host, domain)?;
	let digits = label.strip_prefix('l')?;
	if digits.is_empty()
		|| !digits.bytes().all(|b| b.is_ascii_digit())
		|| digits.starts_with('0') && digits.len() > 1
	{
		return None;
	}
	digits.parse().ok()
}

/// The lease a gateway names in the `nubes-lease` header, if any; heeded only on the agent's own
/// host, never on a lease's or a name's. A browser sends no such header on a navigation; no page
/// is served from the agent's own host (unless `path_ingress` puts every lease there), and a
/// page of another origin cannot send it there without a preflight, which nothing on that host
/// answers. So the leases' own origins stay apart.
pub fn lease_of_header(headers: &HeaderMap) -> Option<u64> {
	let value = headers.get(super::gateway::REPLICA_HEADER)?.to_str().ok()?;
	if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
		return None;
	}
	value.parse().ok()
}

async fn by_host(
	State(agent): State<Arc<Agent>>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
	// The lease's own host names it; on the agent's own host, a gateway's header does.
	let by_name =
		agent.config.lease_domain.as_deref().and_then(|domain| lease_of_host(host, domain));
	let by_header = by_name.is_none().then(|| lease_of_header(&headers)).flatten();
	let Some(id) = by_name.or(by_header) else {
		return super::error(StatusCode::NOT_FOUND, "no lease is served on this host");
	};
	let path = uri.path().trim_start_matches('/').to_string();
	let mut response = forward(agent, id, String::new(), path, method, uri, headers, body).await;
	if by_header.is_some() {
		// The same URL answers otherwise without the header: a cache must keep them apart.
		response.headers_mut().insert(
			axum::http::header::VARY,
			axum::http::HeaderValue::from_static(super::gateway::REPLICA_HEADER),
		);
	}
	response
}

async fn ingress_root(
	State(agent): State<Arc<Agent>>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	forward(agent, id, format!("/leases/{id}"), String::new(), method, uri, headers, body).await
}

async fn ingress(
	State(agent): State<Arc<Agent>>,
	Path((id, rest)): Path<(u64, String)>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	forward(agent, id, format!("/leases/{id}"), rest, method, uri, headers, body).await
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

/// Serves one request with lease `id`'s workload (the lease hosts, the path form, and names
/// pointing to a deployment).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn forward(
	agent: Arc<Agent>,
	id: u64,
	script_name: String,
	rest: String,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let request = workloads::Request {
		method: method.as_str().to_string(),
		script_name,
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
	use super::{lease_of_host, response_header_allowed as allowed};

	#[test]
	fn lease_hosts() {
		assert_eq!(lease_of_host("l5.localhost:8700", "localhost"), Some(5));
		assert_eq!(lease_of_host("L42.Agent.Example.com", "agent.example.com"), Some(42));
		assert_eq!(lease_of_host("l5.localhost", "localhost"), Some(5));
		// Not a lease host: the endpoint itself, other names, other domains, tricks.
		assert_eq!(lease_of_host("localhost:8700", "localhost"), None);
		assert_eq!(lease_of_host("l5.evil.com", "localhost"), None);
		assert_eq!(lease_of_host("l5.xlocalhost", "localhost"), None);
		assert_eq!(lease_of_host("a.l5.localhost", "localhost"), None);
		assert_eq!(lease_of_host("l.localhost", "localhost"), None);
		assert_eq!(lease_of_host("l05.localhost", "localhost"), None);
		assert_eq!(lease_of_host("l5x.localhost", "localhost"), None);
		assert_eq!(lease_of_host("myapp.localhost", "localhost"), None);
	}

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
