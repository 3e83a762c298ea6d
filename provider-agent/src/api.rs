//! The agent's HTTP server:
//!
//! | route | who | what |
//! |---|---|---|
//! | `POST /v1/leases/{id}/deployment` | the lease's tenant (signed) | deliver manifest and artifact |
//! | `GET /v1/leases/{id}` | the lease's tenant (signed) | status |
//! | `GET /v1/leases/{id}/logs?tail=N` | the lease's tenant (signed) | the last N bytes of logs |
//! | `POST /nubes/v1/challenge` | validators | answer a capacity challenge |
//! | `GET /metrics` | operators | Prometheus metrics |
//! | `GET /healthz` | operators | liveness |
//! | `/leases/{id}/...` | anyone | the lease's HTTP service (ingress) |

use crate::{
	agent::{Agent, IntakeError},
	workloads::{self, MAX_HTTP_BODY},
};
use axum::{
	body::Bytes,
	extract::{DefaultBodyLimit, Path, Query, State},
	http::{HeaderMap, Method, StatusCode, Uri},
	response::{IntoResponse, Response},
	routing::{any, get, post},
	Json, Router,
};
use nubes_client::{
	agent_api::{unix_now, verify_request, ApiError, Deployment, AUTH_HEADER},
	parse_account, AccountId,
};
use nubes_proofs::{
	prover::{NoStorage, Prover},
	Challenge, MAX_ANSWER_BYTES,
};
use std::{sync::Arc, time::Instant};

/// The most bytes a challenge request may have.
const MAX_CHALLENGE_BYTES: usize = 64 * 1024;

fn error(status: StatusCode, text: impl Into<String>) -> Response {
	(status, Json(ApiError { error: text.into() })).into_response()
}

/// A refused request: its status and the explanation sent as `{"error": ...}`.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
	fn into_response(self) -> Response {
		error(self.0, self.1)
	}
}

/// The router, over a running agent.
pub fn router(agent: Arc<Agent>) -> Router {
	let deployment_limit = (agent.config.max_artifact_bytes as usize) / 3 * 4 + 2 * 1024 * 1024;
	Router::new()
		.route(
			"/v1/leases/{id}/deployment",
			post(deploy).layer(DefaultBodyLimit::max(deployment_limit)),
		)
		.route("/v1/leases/{id}", get(status))
		.route("/v1/leases/{id}/logs", get(logs))
		.route(
			nubes_proofs::CHALLENGE_PATH,
			post(challenge).layer(DefaultBodyLimit::max(MAX_CHALLENGE_BYTES)),
		)
		.route("/metrics", get(metrics))
		.route("/healthz", get(|| async { "ok" }))
		.route("/leases/{id}", any(ingress_root))
		.route("/leases/{id}/", any(ingress_root))
		.route("/leases/{id}/{*rest}", any(ingress).layer(DefaultBodyLimit::max(MAX_HTTP_BODY)))
		.with_state(agent)
}

/// Checks the request's signature; returns the signer, SS58.
fn signer(
	headers: &HeaderMap,
	method: &Method,
	uri: &Uri,
	body: &[u8],
) -> Result<AccountId, Refusal> {
	let header = headers.get(AUTH_HEADER).and_then(|h| h.to_str().ok());
	let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
	verify_request(header, method.as_str(), path, body, unix_now())
		.map_err(|e| Refusal(StatusCode::UNAUTHORIZED, e.to_string()))
}

/// Checks that the signer is the lease's tenant (from the kept deployment, else the chain).
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
	State(agent): State<Arc<Agent>>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
	body: Bytes,
) -> Response {
	let signer = match signer(&headers, &method, &uri, &body) {
		Ok(s) => s,
		Err(r) => return r.into_response(),
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
	match agent.accept_deployment(id, &signer, manifest, artifact).await {
		Ok(status) => (StatusCode::ACCEPTED, Json(status)).into_response(),
		Err(e) => {
			let status = match &e {
				IntakeError::NotFound(_) => StatusCode::NOT_FOUND,
				IntakeError::Forbidden(_) => StatusCode::FORBIDDEN,
				IntakeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
				IntakeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
				IntakeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
			};
			error(status, e.to_string())
		}
	}
}

async fn status(
	State(agent): State<Arc<Agent>>,
	Path(id): Path<u64>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
) -> Response {
	let signer = match signer(&headers, &method, &uri, b"") {
		Ok(s) => s,
		Err(r) => return r.into_response(),
	};
	if let Err(r) = tenant_only(&agent, id, &signer).await {
		return r.into_response();
	}
	Json(agent.status(id)).into_response()
}

#[derive(serde::Deserialize)]
struct Tail {
	tail: Option<u64>,
}

async fn logs(
	State(agent): State<Arc<Agent>>,
	Path(id): Path<u64>,
	Query(query): Query<Tail>,
	method: Method,
	uri: Uri,
	headers: HeaderMap,
) -> Response {
	let signer = match signer(&headers, &method, &uri, b"") {
		Ok(s) => s,
		Err(r) => return r.into_response(),
	};
	if let Err(r) = tenant_only(&agent, id, &signer).await {
		return r.into_response();
	}
	let tail = query.tail.unwrap_or(64 * 1024);
	let path = agent.store.lease_dir(id).join("workload.log");
	match crate::runtime::log::read_tail(&path, tail) {
		Ok(bytes) => {
			(StatusCode::OK, [("content-type", "text/plain; charset=utf-8")], bytes).into_response()
		}
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}

async fn challenge(State(agent): State<Arc<Agent>>, body: Bytes) -> Response {
	let received = Instant::now();
	let challenge: Challenge = match serde_json::from_slice(&body) {
		Ok(c) => c,
		Err(e) => {
			agent.metrics.challenges.with_label_values(&["refused"]).inc();
			return error(StatusCode::BAD_REQUEST, format!("not a challenge: {e}"));
		}
	};
	if challenge.provider != agent.chain.account().0 {
		agent.metrics.challenges.with_label_values(&["refused"]).inc();
		return error(StatusCode::BAD_REQUEST, "the challenge is for another provider");
	}
	// The puzzle is sized to the cores sold; solve it on that many threads.
	let cores = agent.offer.cpu_millicores.div_ceil(1000).max(1) as u32;
	let give_up = received + std::time::Duration::from_millis(challenge.deadline_ms.into());
	let answer = tokio::task::spawn_blocking(move || {
		Prover::new(cores, cores).answer(&challenge, &NoStorage, Some(give_up))
	})
	.await;
	match answer {
		Ok(Ok(answer)) => {
			let body = serde_json::to_vec(&answer).unwrap_or_default();
			if body.len() > MAX_ANSWER_BYTES {
				agent.metrics.challenges.with_label_values(&["failed"]).inc();
				return error(StatusCode::INTERNAL_SERVER_ERROR, "answer too large");
			}
			agent.metrics.challenges.with_label_values(&["answered"]).inc();
			(StatusCode::OK, [("content-type", "application/json")], body).into_response()
		}
		Ok(Err(e)) => {
			agent.metrics.challenges.with_label_values(&["failed"]).inc();
			error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
		}
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}

async fn metrics(State(agent): State<Arc<Agent>>) -> Response {
	([("content-type", "text/plain; version=0.0.4")], agent.metrics.render()).into_response()
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
		builder = builder.header(name.as_str(), value.as_str());
	}
	builder.body(axum::body::Body::from(response.body)).unwrap_or_else(|_| {
		error(StatusCode::BAD_GATEWAY, "the workload's response headers are invalid")
	})
}
