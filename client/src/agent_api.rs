//! The provider agent's HTTP API, as tenants and agents both see it: the workload manifest whose
//! hash a lease carries, the deployment a tenant delivers, lease status and logs, and the signed
//! request scheme that proves a request comes from the lease's tenant.
//!
//! Every tenant request carries
//! `Authorization: Nubes account=<ss58>,ts=<unix secs>,nonce=0x<16 bytes>,sig=0x<hex>`, an
//! sr25519 signature of [`request_payload`]: the provider the request is for, the method, the
//! path with its query, the time, the nonce and the body's hash. The agent accepts it only
//! within [`MAX_CLOCK_SKEW_SECS`] of its own clock, only from the lease's tenant on chain, and
//! only once (it remembers the nonces it has seen for as long as they are fresh).

use crate::{parse_account, to_ss58, AccountId, ClientError, Keys};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the manifest format.
pub const MANIFEST_VERSION: u32 = 1;

/// The HTTP header that carries a tenant's signature.
pub const AUTH_HEADER: &str = "authorization";

/// How far a request's time may be from the agent's clock.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;

/// The largest manifest an agent reads (the artifact travels beside it).
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;

/// Most environment variables and arguments a manifest may set.
pub const MAX_ENV_ENTRIES: usize = 64;

/// How a workload runs.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
	/// A service answering HTTP at the lease's URL: each request runs the component's `run`
	/// with the request as CGI (RFC 3875) environment and stdin, and its stdout as the response.
	Http,
	/// A batch job: `run` once, to completion.
	Job,
}

/// What a lease runs. Its JSON bytes, exactly as delivered, hash (blake2-256) to the lease's
/// manifest hash on chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
	/// [`MANIFEST_VERSION`].
	pub version: u32,
	/// Service or job.
	pub kind: WorkloadKind,
	/// The runtime: `wasm` (a WASI 0.2 component).
	pub runtime: String,
	/// blake2-256 of the artifact, `0x` hex.
	pub artifact_hash: String,
	/// The artifact's size in bytes.
	pub artifact_size: u64,
	/// Arguments the workload gets (after its name).
	#[serde(default)]
	pub args: Vec<String>,
	/// Environment variables the workload gets.
	#[serde(default)]
	pub env: BTreeMap<String, String>,
	/// Whether the workload may open outgoing network connections.
	#[serde(default)]
	pub network: bool,
}

impl Manifest {
	/// The bytes whose hash goes on chain.
	pub fn to_bytes(&self) -> Vec<u8> {
		serde_json::to_vec(self).unwrap_or_default()
	}

	/// Reads a manifest and checks its shape.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
		if bytes.len() > MAX_MANIFEST_BYTES {
			return Err(format!("manifest is {} bytes, over {MAX_MANIFEST_BYTES}", bytes.len()));
		}
		let manifest: Manifest =
			serde_json::from_slice(bytes).map_err(|e| format!("manifest is not valid: {e}"))?;
		manifest.check()?;
		Ok(manifest)
	}

	/// Checks what the type cannot say.
	pub fn check(&self) -> Result<(), String> {
		if self.version != MANIFEST_VERSION {
			return Err(format!(
				"manifest version {} is not supported (this agent reads {MANIFEST_VERSION})",
				self.version
			));
		}
		if self.runtime != "wasm" {
			return Err(format!("runtime {:?} is not supported (only \"wasm\")", self.runtime));
		}
		if parse_hash(&self.artifact_hash).is_none() {
			return Err("artifactHash must be 32 bytes of 0x hex".into());
		}
		if self.args.len() > MAX_ENV_ENTRIES || self.env.len() > MAX_ENV_ENTRIES {
			return Err(format!("at most {MAX_ENV_ENTRIES} arguments and environment variables"));
		}
		if self.env.keys().any(|k| k.is_empty() || k.contains('=') || k.contains('\0')) {
			return Err("environment variable names must be non-empty, without '=' or NUL".into());
		}
		Ok(())
	}

	/// The manifest hash a lease carries for these bytes.
	pub fn hash_of(bytes: &[u8]) -> [u8; 32] {
		sp_crypto_hashing::blake2_256(bytes)
	}
}

/// Whether `bytes` start like a WebAssembly component (magic, version 0x0d, layer 1).
pub fn is_component(bytes: &[u8]) -> bool {
	bytes.get(..8) == Some(&[0, b'a', b's', b'm', 0x0d, 0x00, 0x01, 0x00])
}

/// Whether `bytes` start like a core WebAssembly module (magic, version 1).
pub fn is_core_module(bytes: &[u8]) -> bool {
	bytes.get(..8) == Some(&[0, b'a', b's', b'm', 0x01, 0x00, 0x00, 0x00])
}

/// Reads `0x` + 64 hex digits.
pub fn parse_hash(text: &str) -> Option<[u8; 32]> {
	parse_hex(text)
}

/// Reads `0x` + exactly `N` bytes of hex.
fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
	hex::decode(text.strip_prefix("0x")?).ok()?.try_into().ok()
}

/// `0x` hex of a hash.
pub fn hash_hex(hash: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(hash))
}

/// The body of `POST /v1/leases/{id}/deployment`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deployment {
	/// The manifest's bytes, base64.
	pub manifest: String,
	/// The artifact's bytes, base64.
	pub artifact: String,
}

/// Where a lease's workload stands on its agent.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LeaseStatus {
	/// The lease.
	pub lease: u64,
	/// `waiting` (no deployment yet), `starting`, `running`, `completed`, `failed` or `stopped`.
	pub state: String,
	/// Why it failed or stopped, or the job's exit.
	pub detail: Option<String>,
	/// The URL the service answers at, for an HTTP workload.
	pub url: Option<String>,
	/// Whether the agent confirmed the lease on chain.
	pub confirmed: bool,
}

/// The payload a request signature covers: the provider it is meant for (so it cannot be
/// replayed at another agent), the method, the path with its query, the time, a nonce (so it
/// cannot be replayed at the same agent) and the body's hash.
pub fn request_payload(
	provider: &AccountId,
	method: &str,
	path_and_query: &str,
	ts: u64,
	nonce: &[u8; 16],
	body: &[u8],
) -> Vec<u8> {
	let mut payload = b"nubes/agent-request/v2".to_vec();
	payload.push(0);
	payload.extend_from_slice(&provider.0);
	payload.extend_from_slice(method.to_ascii_uppercase().as_bytes());
	payload.push(0);
	payload.extend_from_slice(path_and_query.as_bytes());
	payload.push(0);
	payload.extend_from_slice(&ts.to_le_bytes());
	payload.extend_from_slice(nonce);
	payload.extend_from_slice(&sp_crypto_hashing::blake2_256(body));
	payload
}

/// A fresh random request nonce.
pub fn new_nonce() -> [u8; 16] {
	let mut nonce = [0u8; 16];
	// The OS's generator; should it fail, the time in nanoseconds still makes the nonce unique
	// for this signer.
	if getrandom::getrandom(&mut nonce).is_err() {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_nanos())
			.unwrap_or(0);
		nonce = nanos.to_le_bytes();
	}
	nonce
}

/// The `Authorization` header value for a request to `provider`'s agent, signed by `keys` at
/// `ts` with `nonce`.
pub fn authorization(
	keys: &Keys,
	provider: &AccountId,
	method: &str,
	path_and_query: &str,
	ts: u64,
	nonce: &[u8; 16],
	body: &[u8],
) -> String {
	let payload = request_payload(provider, method, path_and_query, ts, nonce, body);
	let signature = keys.signer().sign(&payload);
	format!(
		"Nubes account={},ts={ts},nonce=0x{},sig=0x{}",
		to_ss58(&keys.account_id()),
		hex::encode(nonce),
		hex::encode(signature.0)
	)
}

/// Why a request's signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
	/// No `Authorization` header, or not a Nubes one.
	#[error("the request is not signed (Authorization: Nubes account=..,ts=..,nonce=..,sig=..)")]
	Missing,
	/// The header does not parse.
	#[error("malformed Authorization header: {0}")]
	Malformed(String),
	/// Too far from the agent's clock.
	#[error("request time {ts} is more than {MAX_CLOCK_SKEW_SECS} s from the agent's clock {now}")]
	Stale {
		/// The request's time.
		ts: u64,
		/// The agent's time.
		now: u64,
	},
	/// The signature does not verify.
	#[error("bad signature")]
	BadSignature,
}

/// A request's `Authorization` header, parsed and checked for freshness but not yet verified:
/// an agent reads it before the body, to refuse strangers before reading what they send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeader {
	/// Who claims to sign.
	pub account: AccountId,
	/// When, in Unix seconds.
	pub ts: u64,
	/// The request's nonce.
	pub nonce: [u8; 16],
	signature: [u8; 64],
}

impl SignedHeader {
	/// Parses a header and checks its time against `now`.
	pub fn parse(header: Option<&str>, now: u64) -> Result<Self, AuthError> {
		let fields = header.and_then(|h| h.strip_prefix("Nubes ")).ok_or(AuthError::Missing)?;
		let (mut account, mut ts, mut nonce, mut sig) = (None, None, None, None);
		for field in fields.split(',') {
			let (key, value) = field
				.trim()
				.split_once('=')
				.ok_or_else(|| AuthError::Malformed(format!("{field:?} is not key=value")))?;
			match key {
				"account" => account = Some(value),
				"ts" => ts = Some(value),
				"nonce" => nonce = Some(value),
				"sig" => sig = Some(value),
				other => return Err(AuthError::Malformed(format!("unknown field {other:?}"))),
			}
		}
		let missing = |name: &str| AuthError::Malformed(format!("no {name}"));
		let account = parse_account(account.ok_or_else(|| missing("account"))?)
			.map_err(|e| AuthError::Malformed(e.to_string()))?;
		let ts: u64 = ts
			.ok_or_else(|| missing("ts"))?
			.parse()
			.map_err(|_| AuthError::Malformed("ts is not a number".into()))?;
		let nonce = parse_hex::<16>(nonce.ok_or_else(|| missing("nonce"))?)
			.ok_or_else(|| AuthError::Malformed("nonce is not 16 bytes of 0x hex".into()))?;
		let signature = parse_hex::<64>(sig.ok_or_else(|| missing("sig"))?)
			.ok_or_else(|| AuthError::Malformed("sig is not 64 bytes of 0x hex".into()))?;
		if ts.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
			return Err(AuthError::Stale { ts, now });
		}
		Ok(Self { account, ts, nonce, signature })
	}

	/// Checks the signature over a request to `provider`; returns the signer.
	pub fn verify(
		&self,
		provider: &AccountId,
		method: &str,
		path_and_query: &str,
		body: &[u8],
	) -> Result<AccountId, AuthError> {
		let payload = request_payload(provider, method, path_and_query, self.ts, &self.nonce, body);
		let public = subxt_signer::sr25519::PublicKey(self.account.0);
		let signature = subxt_signer::sr25519::Signature(self.signature);
		if subxt_signer::sr25519::verify(&signature, payload, &public) {
			Ok(self.account)
		} else {
			Err(AuthError::BadSignature)
		}
	}
}

/// Checks a request's `Authorization` header at time `now`, for `provider`'s agent; returns
/// who signed it. (An agent also refuses a nonce it has seen: [`SignedHeader`] gives it.)
pub fn verify_request(
	header: Option<&str>,
	provider: &AccountId,
	method: &str,
	path_and_query: &str,
	body: &[u8],
	now: u64,
) -> Result<AccountId, AuthError> {
	SignedHeader::parse(header, now)?.verify(provider, method, path_and_query, body)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_secs())
		.unwrap_or(0)
}

/// An error an agent returns: `{"error": "..."}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiError {
	/// What went wrong and what to do.
	pub error: String,
}

/// What an agent says when it takes a shard: sealing and confirming follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardReceipt {
	/// The holder's lease.
	pub lease: u64,
	/// The shard's root, `0x` hex.
	pub root: String,
	/// Its chunks.
	pub chunks: u32,
}

/// A tenant's view of one provider's agent: deliver a deployment, read status and logs, all
/// signed with the tenant's keys.
#[derive(Clone, Debug)]
pub struct AgentClient {
	endpoint: String,
	provider: AccountId,
	agent: ureq::Agent,
}

impl AgentClient {
	/// The agent of `provider` at `endpoint` (the provider's registered URL).
	pub fn new(endpoint: &str, provider: AccountId) -> Self {
		let agent = ureq::AgentBuilder::new()
			.timeout_connect(std::time::Duration::from_secs(10))
			.timeout(std::time::Duration::from_secs(120))
			.build();
		Self { endpoint: endpoint.trim_end_matches('/').to_string(), provider, agent }
	}

	/// The public URL of a lease's HTTP service on this agent.
	pub fn lease_url(&self, lease: u64) -> String {
		format!("{}/leases/{lease}/", self.endpoint)
	}

	fn call(
		&self,
		keys: &Keys,
		method: &str,
		path: &str,
		body: &[u8],
	) -> Result<String, ClientError> {
		self.call_with(keys, method, path, body, "application/json")
	}

	fn call_with(
		&self,
		keys: &Keys,
		method: &str,
		path: &str,
		body: &[u8],
		content_type: &str,
	) -> Result<String, ClientError> {
		let header =
			authorization(keys, &self.provider, method, path, unix_now(), &new_nonce(), body);
		let url = format!("{}{path}", self.endpoint);
		let request = self
			.agent
			.request(method, &url)
			.set(AUTH_HEADER, &header)
			.set("content-type", content_type);
		let response = if body.is_empty() { request.call() } else { request.send_bytes(body) };
		match response {
			Ok(response) => response
				.into_string()
				.map_err(|e| ClientError::Agent { url, reason: e.to_string() }),
			Err(ureq::Error::Status(status, response)) => {
				let text = response.into_string().unwrap_or_default();
				let reason =
					serde_json::from_str::<ApiError>(&text).map(|e| e.error).unwrap_or(text);
				Err(ClientError::AgentRefused { url, status, reason })
			}
			Err(e) => Err(ClientError::Agent { url, reason: e.to_string() }),
		}
	}

	/// Delivers a lease's manifest and artifact; returns the status after the agent took them.
	///
	/// The agent refuses a stranger or an oversized deployment on its headers, before reading
	/// the body, and closes the connection; an HTTP/1 client still sending sees only a broken
	/// pipe. So the lease's status is asked first (a refusal there comes back whole), and a
	/// connection closed mid-upload is reported as the refusal it is.
	pub fn deploy(
		&self,
		keys: &Keys,
		lease: u64,
		manifest: &[u8],
		artifact: &[u8],
	) -> Result<LeaseStatus, ClientError> {
		use base64::Engine as _;
		let b64 = base64::engine::general_purpose::STANDARD;
		let body = serde_json::to_vec(&Deployment {
			manifest: b64.encode(manifest),
			artifact: b64.encode(artifact),
		})
		.map_err(|e| ClientError::BadInput(e.to_string()))?;
		self.status(keys, lease)?;
		let path = format!("/v1/leases/{lease}/deployment");
		let text = self.call(keys, "POST", &path, &body).map_err(|e| match e {
			ClientError::Agent { url, reason }
				if reason.contains("Broken pipe") || reason.contains("reset") =>
			{
				ClientError::Agent {
					url,
					reason: format!(
						"the agent closed the connection before taking the {} bytes sent: \
						 the deployment is larger than it accepts ({reason})",
						body.len()
					),
				}
			}
			other => other,
		})?;
		self.parse(&text)
	}

	/// Uploads `shard`, the chunks a storage deal's holder lease is bound to. The agent checks
	/// them against the lease's root, then seals and keeps them and confirms the lease.
	pub fn upload_shard(
		&self,
		keys: &Keys,
		lease: u64,
		shard: &[u8],
	) -> Result<ShardReceipt, ClientError> {
		let path = format!("/v1/leases/{lease}/shard");
		let text = self.call_with(keys, "PUT", &path, shard, "application/octet-stream")?;
		self.parse(&text)
	}

	/// Where a lease's workload stands.
	pub fn status(&self, keys: &Keys, lease: u64) -> Result<LeaseStatus, ClientError> {
		let text = self.call(keys, "GET", &format!("/v1/leases/{lease}"), b"")?;
		self.parse(&text)
	}

	/// The last `tail` bytes of a lease's logs (stdout and stderr, interleaved as written).
	pub fn logs(&self, keys: &Keys, lease: u64, tail: u64) -> Result<String, ClientError> {
		self.call(keys, "GET", &format!("/v1/leases/{lease}/logs?tail={tail}"), b"")
	}

	fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, ClientError> {
		serde_json::from_str(text).map_err(|e| ClientError::Agent {
			url: self.endpoint.clone(),
			reason: format!("unexpected answer: {e}"),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn manifest() -> Manifest {
		Manifest {
			version: MANIFEST_VERSION,
			kind: WorkloadKind::Http,
			runtime: "wasm".into(),
			artifact_hash: hash_hex(&[7; 32]),
			artifact_size: 10,
			args: vec![],
			env: BTreeMap::new(),
			network: false,
		}
	}

	#[test]
	fn signed_requests_verify_and_tampering_does_not() {
		let alice = Keys::from_suri("//Alice").unwrap();
		let ferdie = Keys::from_suri("//Ferdie").unwrap().account_id();
		let nonce = [9u8; 16];
		let path = "/v1/leases/3/deployment";
		let header = authorization(&alice, &ferdie, "POST", path, 1000, &nonce, b"body");
		let ok = verify_request(Some(&header), &ferdie, "POST", path, b"body", 1010);
		assert_eq!(ok, Ok(alice.account_id()));
		let parsed = SignedHeader::parse(Some(&header), 1000).unwrap();
		assert_eq!((parsed.account, parsed.ts, parsed.nonce), (alice.account_id(), 1000, nonce));
		let verify = |provider: &AccountId, method, path, body: &[u8], now| {
			verify_request(Some(&header), provider, method, path, body, now)
		};
		assert_eq!(verify(&ferdie, "GET", path, b"body", 1000), Err(AuthError::BadSignature));
		assert_eq!(
			verify(&ferdie, "POST", "/v1/leases/4/deployment", b"body", 1000),
			Err(AuthError::BadSignature)
		);
		assert_eq!(verify(&ferdie, "POST", path, b"bodx", 1000), Err(AuthError::BadSignature));
		// Meant for Ferdie's agent: refused by Eve's.
		let eve = Keys::from_suri("//Eve").unwrap().account_id();
		assert_eq!(verify(&eve, "POST", path, b"body", 1000), Err(AuthError::BadSignature));
		// Another nonce in the same header breaks the signature.
		let renonced = header.replace(&hex::encode(nonce), &hex::encode([8u8; 16]));
		assert_eq!(
			verify_request(Some(&renonced), &ferdie, "POST", path, b"body", 1000),
			Err(AuthError::BadSignature)
		);
		assert_eq!(
			verify(&ferdie, "POST", path, b"body", 1000 + MAX_CLOCK_SKEW_SECS + 1),
			Err(AuthError::Stale { ts: 1000, now: 1000 + MAX_CLOCK_SKEW_SECS + 1 })
		);
		assert_eq!(verify_request(None, &ferdie, "GET", "/", b"", 0), Err(AuthError::Missing));
		assert!(matches!(
			verify_request(Some("Nubes account=x"), &ferdie, "GET", "/", b"", 0),
			Err(AuthError::Malformed(_))
		));
		// A v1 header (no nonce) is refused as malformed.
		let without_nonce = header.replace(&format!(",nonce=0x{}", hex::encode(nonce)), "");
		assert!(matches!(
			verify_request(Some(&without_nonce), &ferdie, "POST", path, b"body", 1000),
			Err(AuthError::Malformed(m)) if m.contains("nonce")
		));
		// Bob's signature under Alice's name fails.
		let bob = Keys::from_suri("//Bob").unwrap();
		let forged = authorization(&bob, &ferdie, "GET", "/", 5, &nonce, b"")
			.replace(&to_ss58(&bob.account_id()), &to_ss58(&alice.account_id()));
		assert_eq!(
			verify_request(Some(&forged), &ferdie, "GET", "/", b"", 5),
			Err(AuthError::BadSignature)
		);
		assert_ne!(new_nonce(), new_nonce());
	}

	#[test]
	fn manifests_round_trip_and_bad_ones_are_refused() {
		let m = manifest();
		assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m);
		let bad = |f: &dyn Fn(&mut Manifest)| {
			let mut m = manifest();
			f(&mut m);
			Manifest::from_bytes(&m.to_bytes()).unwrap_err()
		};
		assert!(bad(&|m| m.version = 2).contains("version 2"));
		assert!(bad(&|m| m.runtime = "docker".into()).contains("docker"));
		assert!(bad(&|m| m.artifact_hash = "0x12".into()).contains("artifactHash"));
		assert!(bad(&|m| {
			m.env.insert("A=B".into(), "c".into());
		})
		.contains("environment"));
		assert!(Manifest::from_bytes(b"{\"version\":1,\"extra\":true}").is_err());
		assert!(Manifest::from_bytes(&vec![b' '; MAX_MANIFEST_BYTES + 1])
			.unwrap_err()
			.contains("over"));
	}
}
