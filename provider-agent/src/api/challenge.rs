//! The validators' door: answers capacity challenges with the idle cores, and storage probes
//! from the sealed shards it holds ([`crate::shards`]), once
//! [`crate::challengers`] has admitted them (an assigned validator of the epoch, signed, within
//! the chain's rules, once per epoch); anything else is refused before any work. The timed
//! answer carries the fills' roots; the openings those roots draw are kept and given to whoever
//! names the challenge's seed, afterwards (a lookup, no work). And says, for a lease, whether
//! this agent runs its workload: the liveness probe by which validators check the capacity that
//! is leased (it costs a map lookup, so it is open to anyone).

use super::error;
use crate::agent::Agent;
use axum::{
	body::Body,
	extract::{DefaultBodyLimit, Path, State},
	http::StatusCode,
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use nubes_proofs::{protocol::Liveness, prover::Prover, SignedChallenge, MAX_ANSWER_BYTES};
use std::{sync::Arc, time::Instant};

/// The most bytes a challenge request may have.
pub const MAX_CHALLENGE_BYTES: usize = 64 * 1024;

/// How long a challenge's body may take to arrive.
pub const BODY_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// The challenge route.
pub fn router(agent: Arc<Agent>) -> Router {
	Router::new()
		.route(
			nubes_proofs::CHALLENGE_PATH,
			post(challenge).layer(DefaultBodyLimit::max(MAX_CHALLENGE_BYTES)),
		)
		.route("/nubes/v1/challenge/{seed}/openings", get(openings))
		.route("/nubes/v1/leases/{id}/live", get(liveness))
		.with_state(agent)
}

/// `GET /nubes/v1/leases/{id}/live`: 200 with a [`Liveness`] saying the lease runs while this
/// agent holds its workload (an HTTP service, or a job running or ended: how a tenant's program
/// ends is not the provider's fault), 404 when it does not.
async fn liveness(State(agent): State<Arc<Agent>>, Path(id): Path<u64>) -> Response {
	match agent.workloads.get(id) {
		Some(_) => {
			agent.metrics.lease_probes.with_label_values(&["running"]).inc();
			Json(Liveness { lease: id, running: true }).into_response()
		}
		None => {
			agent.metrics.lease_probes.with_label_values(&["unknown"]).inc();
			error(StatusCode::NOT_FOUND, format!("lease {id} runs nothing here"))
		}
	}
}

/// `GET /nubes/v1/challenge/0x{seed}/openings`: the openings of the challenge with that seed,
/// answered here; 404 for any other seed.
async fn openings(State(agent): State<Arc<Agent>>, Path(seed): Path<String>) -> Response {
	let seed: Option<[u8; 32]> = seed
		.strip_prefix("0x")
		.and_then(|digits| hex::decode(digits).ok())
		.and_then(|bytes| bytes.try_into().ok());
	let Some(seed) = seed else {
		return error(StatusCode::BAD_REQUEST, "the seed is 32 bytes of 0x-prefixed hex");
	};
	match agent.challengers.openings(&seed) {
		Some(body) => {
			agent.metrics.challenges.with_label_values(&["opened"]).inc();
			(StatusCode::OK, [("content-type", "application/octet-stream")], body).into_response()
		}
		None => error(StatusCode::NOT_FOUND, "no challenge with this seed was answered here"),
	}
}

async fn challenge(State(agent): State<Arc<Agent>>, body: Body) -> Response {
	let received = Instant::now();
	let refused = |status: StatusCode, message: String| {
		agent.metrics.challenges.with_label_values(&["refused"]).inc();
		error(status, message)
	};
	// A challenge is small: a client that takes longer to send it holds a slot for nothing.
	let body = match tokio::time::timeout(
		BODY_TIME,
		axum::body::to_bytes(body, MAX_CHALLENGE_BYTES),
	)
	.await
	{
		Ok(Ok(bytes)) => bytes,
		Ok(Err(e)) => {
			return refused(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}"))
		}
		Err(_) => return refused(StatusCode::REQUEST_TIMEOUT, "the body took too long".into()),
	};
	let signed: SignedChallenge = match serde_json::from_slice(&body) {
		Ok(c) => c,
		Err(e) => return refused(StatusCode::BAD_REQUEST, format!("not a signed challenge: {e}")),
	};
	if let Err(refusal) = agent.challengers.admit(&signed).await {
		return refused(refusal.status(), refusal.to_string());
	}
	let (epoch, challenge) = (signed.epoch, signed.challenge);
	// The puzzle is sized to the idle cores (at most the cores sold); fill on that many threads.
	let cores = agent.challengers.cores();
	let give_up = received + std::time::Duration::from_millis(challenge.deadline_ms.into());
	let holder = agent.clone();
	let answer = tokio::task::spawn_blocking(move || {
		Prover::new(cores, cores).answer(&challenge, &holder.shards, Some(give_up))
	})
	.await;
	match answer {
		Ok(Ok(proof)) => {
			let body = serde_json::to_vec(&proof.answer).unwrap_or_default();
			let opened = codec::Encode::encode(&proof.openings);
			if body.len() > MAX_ANSWER_BYTES || opened.len() > MAX_ANSWER_BYTES {
				agent.metrics.challenges.with_label_values(&["failed"]).inc();
				return error(StatusCode::INTERNAL_SERVER_ERROR, "answer too large");
			}
			// Kept before the answer leaves: the validator may ask for them at once.
			agent.challengers.keep_openings(epoch, proof.answer.seed, opened.into());
			agent.metrics.challenges.with_label_values(&["answered"]).inc();
			let probes = proof.answer.storage.len() as u64;
			agent.metrics.challenges.with_label_values(&["sealed"]).inc_by(probes);
			(StatusCode::OK, [("content-type", "application/json")], body).into_response()
		}
		Ok(Err(e)) => {
			agent.metrics.challenges.with_label_values(&["failed"]).inc();
			error(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
		}
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	}
}
