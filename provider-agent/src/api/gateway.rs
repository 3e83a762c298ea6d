//! The names' door: `{name}.{domain}`, each name its own browser origin, as each lease is.
//!
//! A name pointing to a site is served from its content, checked against the chain before a
//! byte is sent ([`crate::gateway`]): the file at the path, `index.html` for a directory, a
//! redirect to the slash form for a directory asked without it, the site's `index.html` for a
//! page path that is not a file (a single-page app's own routes), its `404.html` (status 404)
//! for anything else. One `Range` per request, `ETag`s and `If-None-Match`. Every answer names
//! the root and the finalized block it came from (`Nubes-Root`, `Nubes-Block`), so anyone can
//! check what was served.
//!
//! A name pointing to a deployment is served by a replica this agent runs, or else passed to
//! another provider's agent running one (the lease named in a `nubes-lease` header).
//!
//! Two routes belong to every name's origin rather than to its content:
//! - `GET /.nubes/name`: what the name resolves to and at which block (JSON);
//! - `POST /.nubes/rpc`: read-only JSON-RPC to the chain (an allowlist of methods), so a site
//!   can read the chain from its own origin, through the gateway that serves it.

use super::{blob::wanted, error};
use crate::{agent::Agent, gateway::GatewayError};
use axum::{
	body::{Body, Bytes},
	extract::{DefaultBodyLimit, State},
	http::{header, HeaderMap, Method, StatusCode, Uri},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use nubes_client::names::NameTarget;
use nubes_content::{Entry, Index};
use std::sync::Arc;

/// JSON-RPC methods a site may call through its gateway: reads only.
pub const RPC_ALLOWED: &[&str] = &[
	"chain_getBlockHash",
	"chain_getFinalizedHead",
	"chain_getHeader",
	"nubes_provider",
	"nubes_providers",
	"state_getMetadata",
	"state_getRuntimeVersion",
	"state_getStorage",
	"system_chain",
	"system_properties",
];

/// Largest JSON-RPC request body taken.
const MAX_RPC_BODY: usize = 64 * 1024;

/// The names' routes; the name is the request's host.
pub fn router(agent: Arc<Agent>) -> Router {
	Router::new()
		.route("/.nubes/name", get(name_info))
		.route("/.nubes/rpc", post(rpc).layer(DefaultBodyLimit::max(MAX_RPC_BODY)))
		.fallback(serve)
		.with_state(agent)
}

/// The name a `Host` header names under `domain`: `{name}.{domain}`, any port, any case, one
/// label that follows the naming rules (so never a lease's host).
pub fn name_of_host(host: &str, domain: &str) -> Option<String> {
	let label = super::ingress::label_of_host(host, domain)?;
	nubes_primitives::names::check_name(label.as_bytes()).ok()?;
	Some(label)
}

/// What a request for `path` (percent-decoded, from the site's root) finds in a site whose
/// files are `index`, the site starting at `base` inside the content.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a> {
	/// This file, with this status (200, or 404 for the site's `404.html`).
	File(&'a Entry, StatusCode),
	/// A directory asked without its slash: go to this path.
	Redirect(String),
	/// Nothing.
	Nothing,
}

/// Finds what `path` names: see [`Found`]. `wants_page` is whether the client takes HTML
/// (a browser navigating), which a single-page app's own routes are answered with
/// `index.html` for.
pub fn locate<'a>(index: &'a Index, base: &str, path: &str, wants_page: bool) -> Found<'a> {
	let join = |rest: &str| match (base.is_empty(), rest.is_empty()) {
		(true, _) => rest.to_string(),
		(false, true) => base.to_string(),
		(false, false) => format!("{base}/{rest}"),
	};
	let relative = path.trim_start_matches('/');
	// A site that is one file: that file at its root.
	if relative.is_empty() {
		if let Some(file) = index.get(base).filter(|_| !base.is_empty()) {
			return Found::File(file, StatusCode::OK);
		}
	}
	if relative.is_empty() || relative.ends_with('/') {
		let dir = join(relative.trim_end_matches('/'));
		let page =
			if dir.is_empty() { "index.html".to_string() } else { format!("{dir}/index.html") };
		if let Some(file) = index.get(&page) {
			return Found::File(file, StatusCode::OK);
		}
	} else {
		let full = join(relative);
		if let Some(file) = index.get(&full) {
			return Found::File(file, StatusCode::OK);
		}
		if index.get(&format!("{full}/index.html")).is_some() {
			return Found::Redirect(format!("/{relative}/"));
		}
	}
	let last = relative.trim_end_matches('/').rsplit('/').next().unwrap_or("");
	if wants_page && !last.contains('.') {
		if let Some(file) = index.get(&join("index.html")) {
			return Found::File(file, StatusCode::OK);
		}
	}
	match index.get(&join("404.html")) {
		Some(file) => Found::File(file, StatusCode::NOT_FOUND),
		None => Found::Nothing,
	}
}

fn host_name(agent: &Agent, headers: &HeaderMap) -> Option<String> {
	let host = headers.get(header::HOST).and_then(|h| h.to_str().ok())?;
	name_of_host(host, agent.config.lease_domain.as_deref()?)
}

fn refusal(e: GatewayError) -> Response {
	let status = match &e {
		GatewayError::Unresolved(_) => StatusCode::NOT_FOUND,
		GatewayError::Denied(_) => StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
		GatewayError::TooLarge { .. } | GatewayError::Unavailable(_) => StatusCode::BAD_GATEWAY,
		GatewayError::Chain(_) => StatusCode::SERVICE_UNAVAILABLE,
	};
	error(status, e.to_string())
}

fn count(agent: &Agent, response: Response) -> Response {
	let class = match response.status().as_u16() {
		200..=299 => "2xx",
		300..=399 => "3xx",
		400..=499 => "4xx",
		_ => "5xx",
	};
	agent.metrics.gateway_requests.with_label_values(&[class]).inc();
	response
}

async fn serve(
	State(agent): State<Arc<Agent>>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let response = serve_name(&agent, method, uri, headers, body).await;
	count(&agent, response)
}

async fn serve_name(
	agent: &Arc<Agent>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let (Some(gateway), Some(name)) = (agent.gateway.as_ref(), host_name(agent, &headers)) else {
		return error(StatusCode::NOT_FOUND, "no name is served on this host");
	};
	let lookup = match gateway.lookup(&name).await {
		Ok(lookup) => lookup,
		Err(e) => return refusal(e),
	};
	let Some(target) = lookup.target().cloned() else {
		return refusal(GatewayError::Unresolved(name));
	};
	match target {
		NameTarget::Site { root, path } => {
			if method != Method::GET && method != Method::HEAD {
				return error(StatusCode::METHOD_NOT_ALLOWED, "a site is read with GET or HEAD");
			}
			let content = match gateway.content(root).await {
				Ok(content) => content,
				Err(e) => return refusal(e),
			};
			let Ok(wanted_path) = percent_encoding::percent_decode_str(uri.path()).decode_utf8()
			else {
				return error(StatusCode::BAD_REQUEST, "the path is not UTF-8");
			};
			let wants_page = headers
				.get(header::ACCEPT)
				.and_then(|v| v.to_str().ok())
				.is_some_and(|accept| accept.contains("text/html"));
			match locate(content.index(), &path, &wanted_path, wants_page) {
				Found::File(entry, status) => {
					let bytes = content.file(&entry.path).unwrap_or_default();
					file_response(entry, bytes, status, &root, lookup.block, &headers)
				}
				Found::Redirect(_) => {
					// From the path as it was sent, so that escaped characters stay escaped.
					let to = format!("{}/", uri.path());
					let to = match uri.query() {
						Some(query) => format!("{to}?{query}"),
						None => to,
					};
					(StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, to)]).into_response()
				}
				Found::Nothing => error(StatusCode::NOT_FOUND, format!("no {wanted_path} here")),
			}
		}
		NameTarget::Deployment { leases } => {
			serve_deployment(agent, gateway, &leases, method, uri, headers, body).await
		}
	}
}

/// Headers that belong to one hop, never passed on by a proxy.
const HOP_BY_HOP: &[&str] = &[
	"connection",
	"keep-alive",
	"proxy-authenticate",
	"proxy-authorization",
	"te",
	"trailer",
	"transfer-encoding",
	"upgrade",
	"host",
	"content-length",
	REPLICA_HEADER,
];

/// The header a gateway names the lease it asks another agent's replica for.
pub const REPLICA_HEADER: &str = "nubes-lease";

/// A named deployment's request, served by this agent's own replica if it runs one, else by
/// the first replica elsewhere that answers.
async fn serve_deployment(
	agent: &Arc<Agent>,
	gateway: &crate::gateway::Gateway,
	leases: &[u64],
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let path = uri.path().trim_start_matches('/').to_string();
	if let Some(lease) = leases.iter().find(|lease| agent.workloads.get(**lease).is_some()) {
		return super::ingress::forward(
			agent.clone(),
			*lease,
			String::new(),
			path,
			method,
			uri,
			headers,
			body,
		)
		.await;
	}
	let mut why = String::from("none of its replicas is active");
	for &lease in leases {
		let endpoint = match gateway.replica(lease).await {
			Ok(Some(endpoint)) => endpoint,
			Ok(None) => continue,
			Err(e) => return refusal(e),
		};
		let request = Forwarded {
			url: format!(
				"{}{}",
				endpoint.trim_end_matches('/'),
				uri.path_and_query().map_or("/", |p| p.as_str())
			),
			method: method.to_string(),
			headers: headers
				.iter()
				.filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
				.filter_map(|(name, value)| {
					Some((name.to_string(), value.to_str().ok()?.to_string()))
				})
				.collect(),
			lease,
			body: body.to_vec(),
			timeout: agent.config.request_timeout + std::time::Duration::from_secs(5),
			private_ok: on_private_network(&agent.config.public_endpoint),
		};
		match tokio::task::spawn_blocking(move || request.send()).await {
			Ok(Ok(response)) => return response,
			Ok(Err(e)) => why = format!("lease #{lease}: {e}"),
			Err(e) => why = e.to_string(),
		}
	}
	error(StatusCode::BAD_GATEWAY, format!("the deployment cannot be reached: {why}"))
}

/// Whether `endpoint` (this agent's own) is on loopback or a private network: then its
/// replicas' agents may be too (a dev chain, a LAN). A public gateway never connects to a
/// private address, whatever endpoint a provider registered: otherwise a name could aim it at
/// the node's RPC, its own API or a cloud's metadata service.
fn on_private_network(endpoint: &str) -> bool {
	let host_port = endpoint.split_once("://").map_or(endpoint, |(_, rest)| rest);
	let host = match host_port.strip_prefix('[') {
		Some(rest) => rest.split(']').next().unwrap_or(""),
		None => host_port.rsplit_once(':').map_or(host_port, |(host, _)| host),
	};
	match host.parse::<std::net::IpAddr>() {
		Ok(ip) => crate::runtime::net::non_public(ip).is_some(),
		Err(_) => host == "localhost" || host.ends_with(".localhost"),
	}
}

/// A request passed to another agent's replica.
struct Forwarded {
	url: String,
	method: String,
	headers: Vec<(String, String)>,
	lease: u64,
	body: Vec<u8>,
	timeout: std::time::Duration,
	/// Whether the replica's agent may be on a private address.
	private_ok: bool,
}

impl Forwarded {
	/// Sends it (blocking) and turns the answer into this gateway's, its headers filtered as
	/// the leases' own are and its body capped as theirs are.
	fn send(self) -> Result<Response, String> {
		use std::io::Read;
		let private_ok = self.private_ok;
		let client = ureq::AgentBuilder::new()
			.timeout_connect(std::time::Duration::from_secs(5))
			.timeout(self.timeout)
			.redirects(0)
			// Resolved here and checked, and only the checked addresses are connected to (a
			// name that resolves to a private address is refused like the address).
			.resolver(move |address: &str| -> std::io::Result<Vec<std::net::SocketAddr>> {
				let all = std::net::ToSocketAddrs::to_socket_addrs(address)?;
				let allowed: Vec<_> = all
					.filter(|a| private_ok || crate::runtime::net::non_public(a.ip()).is_none())
					.collect();
				if allowed.is_empty() {
					return Err(std::io::Error::other(
						"the replica's agent is not at a public address",
					));
				}
				Ok(allowed)
			})
			.build();
		let mut request = client.request(&self.method, &self.url);
		for (name, value) in &self.headers {
			request = request.set(name, value);
		}
		request = request.set(REPLICA_HEADER, &self.lease.to_string());
		let response = match request.send_bytes(&self.body) {
			Ok(response) | Err(ureq::Error::Status(_, response)) => response,
			Err(e) => return Err(e.to_string()),
		};
		let mut builder = axum::http::Response::builder().status(response.status());
		for name in response.headers_names() {
			if HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
				continue;
			}
			for value in response.all(&name) {
				if super::ingress::response_header_allowed(&name, value) {
					builder = builder.header(name.as_str(), value);
				}
			}
		}
		let limit = crate::workloads::MAX_HTTP_BODY as u64;
		let mut bytes = Vec::new();
		response
			.into_reader()
			.take(limit + 1)
			.read_to_end(&mut bytes)
			.map_err(|e| e.to_string())?;
		if bytes.len() as u64 > limit {
			return Err("the replica's answer is larger than a lease may send".into());
		}
		builder.body(Body::from(bytes)).map_err(|e| e.to_string())
	}
}

/// A file's answer: the whole of it or the one range asked for, with its type, tag and the
/// chain's word for where it came from.
fn file_response(
	entry: &Entry,
	bytes: &[u8],
	status: StatusCode,
	root: &[u8; 32],
	block: u64,
	headers: &HeaderMap,
) -> Response {
	let tag = format!("\"{}-{:x}-{:x}\"", hex::encode(&root[..12]), entry.offset, entry.size);
	let len = bytes.len() as u64;
	let not_modified = headers
		.get(header::IF_NONE_MATCH)
		.and_then(|v| v.to_str().ok())
		.is_some_and(|tags| tags.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
	let (status, range) = if status != StatusCode::OK || len == 0 {
		// An empty file has no byte a range could name: it is sent whole.
		(status, None)
	} else if not_modified {
		(StatusCode::NOT_MODIFIED, None)
	} else {
		match wanted(headers, len) {
			Ok(Some(range)) => (StatusCode::PARTIAL_CONTENT, Some(range)),
			Ok(None) => (StatusCode::OK, None),
			Err(why) => return super::blob::unsatisfiable(len, why),
		}
	};
	let body = match (&range, status) {
		(_, StatusCode::NOT_MODIFIED) => Body::empty(),
		(Some(range), _) => {
			Body::from(bytes[*range.start() as usize..=*range.end() as usize].to_vec())
		}
		(None, _) => Body::from(bytes.to_vec()),
	};
	let mut response = Response::new(body);
	*response.status_mut() = status;
	let out = response.headers_mut();
	let mut set = |name: header::HeaderName, value: String| {
		if let Ok(value) = value.parse() {
			out.insert(name, value);
		}
	};
	set(header::CONTENT_TYPE, entry.content_type.clone());
	set(header::ETAG, tag);
	set(header::ACCEPT_RANGES, "bytes".into());
	// A name may point to new content at any block: pages are checked again every time (a
	// cheap 304), other files kept a minute.
	let cache =
		if entry.content_type.starts_with("text/html") { "no-cache" } else { "public, max-age=60" };
	set(header::CACHE_CONTROL, cache.into());
	set(header::X_CONTENT_TYPE_OPTIONS, "nosniff".into());
	set(header::HeaderName::from_static("nubes-root"), nubes_client::agent_api::hash_hex(root));
	set(header::HeaderName::from_static("nubes-block"), block.to_string());
	if let Some(range) = range {
		set(header::CONTENT_RANGE, format!("bytes {}-{}/{len}", range.start(), range.end()));
	}
	response
}

/// `GET /.nubes/name`: the name, its record and the finalized block it was read at.
async fn name_info(State(agent): State<Arc<Agent>>, headers: HeaderMap) -> Response {
	let (Some(gateway), Some(name)) = (agent.gateway.as_ref(), host_name(&agent, &headers)) else {
		return error(StatusCode::NOT_FOUND, "no name is served on this host");
	};
	let response = match gateway.lookup(&name).await {
		Ok(lookup) => {
			let resolves = lookup.target().is_some();
			Json(serde_json::json!({
				"name": name,
				"block": lookup.block,
				"resolves": resolves,
				"record": lookup.record,
			}))
			.into_response()
		}
		Err(e) => refusal(e),
	};
	count(&agent, response)
}

/// `POST /.nubes/rpc`: one JSON-RPC request (no batches) for an allowed read, passed to the
/// agent's node; its answer comes back as the node gave it.
async fn rpc(State(agent): State<Arc<Agent>>, headers: HeaderMap, body: Bytes) -> Response {
	if agent.gateway.is_none() || host_name(&agent, &headers).is_none() {
		return error(StatusCode::NOT_FOUND, "no name is served on this host");
	}
	let Ok(request) = serde_json::from_slice::<serde_json::Value>(&body) else {
		return error(StatusCode::BAD_REQUEST, "a JSON-RPC request object");
	};
	let id = request.get("id").cloned().unwrap_or(serde_json::Value::Null);
	let method = request.get("method").and_then(|m| m.as_str()).unwrap_or("");
	if !RPC_ALLOWED.contains(&method) {
		return Json(serde_json::json!({
			"jsonrpc": "2.0",
			"id": id,
			"error": { "code": -32601, "message": format!("{method:?} is not served here: reads only ({})", RPC_ALLOWED.join(", ")) },
		}))
		.into_response();
	}
	let params = match request.get("params") {
		None | Some(serde_json::Value::Null) => Vec::new(),
		Some(serde_json::Value::Array(params)) => params.clone(),
		Some(_) => return error(StatusCode::BAD_REQUEST, "params are an array"),
	};
	let client = match agent.chain.client().await {
		Ok(client) => client,
		Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
	};
	let mut rpc_params = subxt::rpcs::client::RpcParams::new();
	for param in params {
		if rpc_params.push(param).is_err() {
			return error(StatusCode::BAD_REQUEST, "a parameter cannot be encoded");
		}
	}
	let answer = match client.request::<serde_json::Value>(method, rpc_params).await {
		Ok(result) => serde_json::json!({ "jsonrpc": "2.0", "id": id, "result": result }),
		Err(e) => serde_json::json!({
			"jsonrpc": "2.0",
			"id": id,
			"error": { "code": -32000, "message": e.to_string() },
		}),
	};
	Json(answer).into_response()
}

#[cfg(test)]
mod tests {
	use super::*;
	use nubes_content::Content;

	fn site() -> Content {
		let files = [
			"index.html",
			"404.html",
			"app.js",
			"docs/index.html",
			"docs/guide.html",
			"v2/index.html",
			"v2/main.css",
			"v2/404.html",
			"single.txt",
		];
		Content::from_files(files.iter().map(|f| (f.to_string(), f.as_bytes().to_vec())).collect())
			.unwrap()
	}

	fn found(index: &Index, base: &str, path: &str, page: bool) -> (String, u16) {
		match locate(index, base, path, page) {
			Found::File(entry, status) => (entry.path.clone(), status.as_u16()),
			Found::Redirect(to) => (to, 308),
			Found::Nothing => (String::new(), 404),
		}
	}

	#[test]
	fn paths_find_files_directories_pages_and_the_not_found_page() {
		let content = site();
		let index = content.index();
		let at = |path: &str, page: bool| found(index, "", path, page);
		assert_eq!(at("/", true), ("index.html".into(), 200));
		assert_eq!(at("/app.js", false), ("app.js".into(), 200));
		assert_eq!(at("/docs/", true), ("docs/index.html".into(), 200));
		assert_eq!(at("/docs", true), ("/docs/".into(), 308));
		assert_eq!(at("/docs/guide.html", true), ("docs/guide.html".into(), 200));
		// A single-page app's own route: its index page, for a browser only.
		assert_eq!(at("/settings/profile", true), ("index.html".into(), 200));
		assert_eq!(at("/settings/profile", false), ("404.html".into(), 404));
		// A missing asset is not a page.
		assert_eq!(at("/missing.png", true), ("404.html".into(), 404));
	}

	#[test]
	fn a_site_may_start_inside_its_content() {
		let content = site();
		let index = content.index();
		let at = |path: &str| found(index, "v2", path, true);
		assert_eq!(at("/"), ("v2/index.html".into(), 200));
		assert_eq!(at("/main.css"), ("v2/main.css".into(), 200));
		assert_eq!(at("/nowhere.css"), ("v2/404.html".into(), 404));
		assert_eq!(at("/route"), ("v2/index.html".into(), 200));
		// Nothing outside the base, however asked.
		assert_eq!(at("/app.js"), ("v2/404.html".into(), 404));
		assert_eq!(at("/../app.js"), ("v2/404.html".into(), 404));
		// A site that is one file.
		assert_eq!(found(index, "single.txt", "/", true), ("single.txt".into(), 200));
		let bare = Content::from_files(vec![("a.txt".into(), b"a".to_vec())]).unwrap();
		assert_eq!(found(bare.index(), "", "/b.txt", true), (String::new(), 404));
	}

	#[test]
	fn names_are_hosts_of_one_valid_label_under_the_domain() {
		assert_eq!(name_of_host("my-app.localhost:8700", "localhost"), Some("my-app".into()));
		assert_eq!(name_of_host("My-App.Gw.Example.com", "gw.example.com"), Some("my-app".into()));
		for host in [
			"l5.localhost",
			"localhost:8700",
			"a.b.localhost",
			"my-app.evil.com",
			"www.localhost",
			"ab.localhost",
			"my_app.localhost",
		] {
			assert_eq!(name_of_host(host, "localhost"), None, "{host}");
		}
	}

	#[test]
	fn only_a_private_gateway_reaches_private_replicas() {
		for private in
			["http://127.0.0.1:8700", "http://localhost:8700", "http://10.0.0.5", "http://[::1]:80"]
		{
			assert!(on_private_network(private), "{private}");
		}
		for public in
			["https://gw.example.com", "http://8.8.8.8:8700", "https://[2001:4860::1]:443"]
		{
			assert!(!on_private_network(public), "{public}");
		}
	}

	#[test]
	fn an_empty_file_is_sent_whole_whatever_range_is_asked() {
		let content = Content::from_files(vec![
			("empty.txt".into(), Vec::new()),
			("index.html".into(), b"x".to_vec()),
		])
		.unwrap();
		let entry = content.index().get("empty.txt").unwrap();
		let mut headers = HeaderMap::new();
		headers.insert(header::RANGE, "bytes=0-".parse().unwrap());
		let answer = file_response(entry, &[], StatusCode::OK, &[1; 32], 7, &headers);
		assert_eq!(answer.status(), StatusCode::OK);
	}

	#[test]
	fn a_range_of_a_file_and_a_matching_tag() {
		let content = site();
		let entry = content.index().get("app.js").unwrap();
		let bytes = content.file("app.js").unwrap();
		let mut headers = HeaderMap::new();
		let whole = file_response(entry, bytes, StatusCode::OK, &[1; 32], 7, &headers);
		assert_eq!(whole.status(), StatusCode::OK);
		assert_eq!(whole.headers()["nubes-block"], "7");
		let tag = whole.headers()[header::ETAG].clone();
		headers.insert(header::RANGE, "bytes=1-3".parse().unwrap());
		let part = file_response(entry, bytes, StatusCode::OK, &[1; 32], 7, &headers);
		assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
		assert_eq!(part.headers()[header::CONTENT_RANGE], "bytes 1-3/6");
		headers.insert(header::IF_NONE_MATCH, tag);
		let cached = file_response(entry, bytes, StatusCode::OK, &[1; 32], 7, &headers);
		assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
		headers.remove(header::IF_NONE_MATCH);
		headers.insert(header::RANGE, "bytes=10-".parse().unwrap());
		let past = file_response(entry, bytes, StatusCode::OK, &[1; 32], 7, &headers);
		assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
	}
}
