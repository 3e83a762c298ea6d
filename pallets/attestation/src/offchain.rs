//! The validator's off-chain worker: each block, a bounded page of the registry; for each
//! provider assigned to this validator, a fresh challenge over HTTP with a deadline; the
//! answers verified with `nubes-proofs`; the failures signed with the `nubs` key and submitted
//! as authorized general transactions. An off-chain storage lock keeps overlapping runs (blocks
//! imported while a run is still waiting on providers) from repeating work, and the position
//! in the registry is kept in off-chain storage so each provider is challenged once per epoch.

use crate::*;
use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use frame_support::traits::Get;
use frame_support::BoundedVec;
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use nubes_primitives::{traits::ProviderDirectory, Resources};
use nubes_proofs::{
	protocol::{account_bytes, MAX_UNITS},
	verify::check_response,
	Challenge, ComputeChallenge, Failure, SignedChallenge, CHALLENGE_PATH, MAX_ANSWER_BYTES,
	PROTOCOL_VERSION,
};
use sp_runtime::{
	offchain::{
		http,
		storage::StorageValueRef,
		storage_lock::{StorageLock, Time},
		Duration, Timestamp,
	},
	RuntimeAppPublic,
};

const LOCK_KEY: &[u8] = b"nubes/attestation/lock";
const PROGRESS_KEY: &[u8] = b"nubes/attestation/progress";
/// Where this node's worker keeps its [`WorkerStats`] (persistent off-chain storage), for the
/// node to export as metrics.
pub const WORKER_STATS_KEY: &[u8] = b"nubes/attestation/worker-stats";

/// What this node's off-chain worker has done since its database was created: the part of a
/// validator's work the chain cannot see (challenges that passed leave no trace on chain).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode)]
pub struct WorkerStats {
	/// Challenges sent to providers.
	pub challenges_sent: u64,
	/// Challenges answered in time and verified.
	pub passed: u64,
	/// Challenges failed (no answer, late, malformed or wrong).
	pub failed: u64,
	/// Signed failure reports handed to the transaction pool.
	pub reports_submitted: u64,
	/// Reports the pool refused, or the keystore would not sign.
	pub reports_refused: u64,
}

impl WorkerStats {
	/// Adds `change` to the stats in off-chain storage. Called under the worker's lock.
	fn record(change: WorkerStats) {
		let stats_ref = StorageValueRef::persistent(WORKER_STATS_KEY);
		let mut stats = stats_ref.get::<WorkerStats>().ok().flatten().unwrap_or_default();
		stats.challenges_sent = stats.challenges_sent.saturating_add(change.challenges_sent);
		stats.passed = stats.passed.saturating_add(change.passed);
		stats.failed = stats.failed.saturating_add(change.failed);
		stats.reports_submitted = stats.reports_submitted.saturating_add(change.reports_submitted);
		stats.reports_refused = stats.reports_refused.saturating_add(change.reports_refused);
		stats_ref.set(&stats);
	}
}
const LOG: &str = "nubes::attestation";

/// How far this node's worker got through the registry in an epoch.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
struct Progress<AccountId> {
	epoch: EpochIndex,
	after: Option<AccountId>,
	done: bool,
}

/// What came back from one provider.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
	/// An HTTP response, read whole `elapsed_ms` after the request went out.
	Answered {
		/// Its status.
		status: u16,
		/// Its body, cut at one byte over the limit.
		body: Vec<u8>,
		/// Milliseconds from sending to the end of the body.
		elapsed_ms: u32,
	},
	/// Nothing complete by the deadline.
	TimedOut {
		/// Milliseconds waited.
		elapsed_ms: u32,
	},
	/// The connection failed.
	Unreachable,
}

/// The verdict on one provider's response to `challenge`.
pub fn judge(
	challenge: &Challenge,
	outcome: &Outcome,
	sample_seed: &[u8; 32],
) -> Result<(), Failure> {
	match outcome {
		Outcome::Answered { status, body, elapsed_ms } => {
			check_response(challenge, *status, body, *elapsed_ms, sample_seed)
		}
		Outcome::TimedOut { elapsed_ms } => Err(Failure::Late { elapsed_ms: *elapsed_ms }),
		Outcome::Unreachable => Err(Failure::Unreachable),
	}
}

/// The challenge a validator sends `provider` (selling `offered`) this epoch. `local_random`
/// is the validator's own randomness: the provider cannot predict the challenge from the
/// on-chain seed alone.
pub fn challenge_for<AccountId: Encode>(
	epoch_seed: &[u8; 32],
	local_random: &[u8; 32],
	provider: &AccountId,
	offered: &Resources,
	params: &Parameters,
) -> Challenge {
	let units = (offered.cpu_millicores / 1_000).clamp(1, MAX_UNITS.into()) as u32;
	Challenge {
		version: PROTOCOL_VERSION,
		seed: sp_io::hashing::blake2_256(
			&(b"nubes/challenge", epoch_seed, local_random, provider).encode(),
		),
		provider: account_bytes(&provider.encode()),
		compute: ComputeChallenge {
			units,
			solutions_per_unit: params.solutions_per_unit,
			difficulty: params.difficulty,
		},
		storage: Vec::new(),
		deadline_ms: params.deadline_ms,
	}
}

/// `challenge` of `epoch` signed by this node's `nubs` `key`, validator `index` of the epoch;
/// `None` if the keystore will not sign or the key's signatures are not sr25519's 64 bytes.
pub fn sign_challenge<Key: RuntimeAppPublic>(
	key: &Key,
	challenge: Challenge,
	epoch: EpochIndex,
	index: u32,
) -> Option<SignedChallenge> {
	let signature = key.sign(&SignedChallenge::signing_payload(&challenge, epoch, index))?;
	let signature: [u8; 64] = signature.encode().try_into().ok()?;
	Some(SignedChallenge { challenge, epoch, validator: index, signature })
}

/// The URL a provider with `endpoint` takes challenges at.
pub fn challenge_url(endpoint: &[u8]) -> Option<String> {
	let endpoint = core::str::from_utf8(endpoint).ok()?;
	Some(alloc::format!("{}{}", endpoint.trim_end_matches('/'), CHALLENGE_PATH))
}

fn elapsed_since(start: Timestamp) -> u32 {
	sp_io::offchain::timestamp().diff(&start).millis().try_into().unwrap_or(u32::MAX)
}

/// Sends every challenge at once and collects each outcome by the shared deadline.
pub fn exchange(requests: &[(String, SignedChallenge)], deadline_ms: u32) -> Vec<Outcome> {
	let start = sp_io::offchain::timestamp();
	let deadline = start.add(Duration::from_millis(deadline_ms.into()));
	let mut outcomes = alloc::vec![Outcome::Unreachable; requests.len()];
	let mut pending = Vec::new();
	for (index, (url, challenge)) in requests.iter().enumerate() {
		let Ok(body) = serde_json::to_vec(challenge) else { continue };
		let sent = http::Request::post(url, alloc::vec![body])
			.add_header("Content-Type", "application/json")
			.deadline(deadline)
			.send();
		match sent {
			Ok(request) => pending.push((index, request)),
			Err(error) => log::debug!(target: LOG, "challenge to {url} not sent: {error:?}"),
		}
	}
	let (indices, requests): (Vec<usize>, Vec<http::PendingRequest>) = pending.into_iter().unzip();
	for (index, result) in
		indices.into_iter().zip(http::PendingRequest::try_wait_all(requests, deadline))
	{
		outcomes[index] = match result {
			Err(_) => Outcome::TimedOut { elapsed_ms: elapsed_since(start) },
			Ok(Err(_)) => Outcome::Unreachable,
			Ok(Ok(response)) => {
				let mut body = response.body();
				body.deadline(deadline);
				let bytes: Vec<u8> = body.by_ref().take(MAX_ANSWER_BYTES + 1).collect();
				if body.error().is_some() {
					Outcome::TimedOut { elapsed_ms: elapsed_since(start) }
				} else {
					Outcome::Answered {
						status: response.code,
						body: bytes,
						elapsed_ms: elapsed_since(start),
					}
				}
			}
		};
	}
	outcomes
}

impl<T: Config> Pallet<T> {
	/// This node's validator index and key in `data`, if it holds one of the epoch's keys.
	fn local_validator(data: &EpochData<T>) -> Option<(u32, T::AuthorityId)> {
		T::AuthorityId::all().into_iter().find_map(|key| {
			data.validators.iter().position(|v| *v == key).map(|index| (index as u32, key))
		})
	}

	pub(crate) fn run_offchain_worker(now: BlockNumberFor<T>) {
		if !sp_io::offchain::is_validator() {
			return;
		}
		Self::take_part_in_beacon(now);
		let epoch = Self::epoch_of(now);
		let Some(data) = Epochs::<T>::get(epoch) else { return };
		let Some((index, key)) = Self::local_validator(&data) else { return };
		let params = Params::<T>::get();
		let page = T::ChallengesPerBlock::get();
		let hold = u64::from(params.deadline_ms).saturating_add(5_000);
		let mut lock = StorageLock::<Time>::with_deadline(LOCK_KEY, Duration::from_millis(hold));
		let Ok(_guard) = lock.try_lock() else { return };

		let progress_ref = StorageValueRef::persistent(PROGRESS_KEY);
		let progress = progress_ref
			.get::<Progress<T::AccountId>>()
			.ok()
			.flatten()
			.filter(|p| p.epoch == epoch)
			.unwrap_or(Progress { epoch, after: None, done: false });
		if progress.done {
			return;
		}
		let (providers, next) = T::Directory::serving_after(progress.after.as_ref(), page);
		progress_ref.set(&Progress { epoch, after: next.clone(), done: next.is_none() });

		let validators = data.validators.len() as u32;
		let local_random = sp_io::offchain::random_seed();
		let mut requests = Vec::new();
		let mut targets = Vec::new();
		for provider in providers {
			let encoded = provider.account.encode();
			if !assignment::is_assigned(&data.seed, &encoded, validators, data.redundancy, index) {
				continue;
			}
			let challenge = challenge_for(
				&data.seed,
				&local_random,
				&provider.account,
				&provider.offered,
				&params,
			);
			let Some(url) = challenge_url(&provider.endpoint) else { continue };
			let Some(signed) = sign_challenge(&key, challenge, epoch, index) else {
				log::warn!(target: LOG, "the keystore would not sign a challenge with the nubs key");
				return;
			};
			requests.push((url, signed));
			targets.push(provider.account);
		}
		if requests.is_empty() {
			return;
		}
		let outcomes = exchange(&requests, params.deadline_ms);
		// Drawn after the answers are in, so no provider could know which nonces get checked.
		let sample_seed = sp_io::offchain::random_seed();
		let mut failures = Vec::new();
		let mut stats =
			WorkerStats { challenges_sent: requests.len() as u64, ..Default::default() };
		for ((account, (url, signed)), outcome) in targets.into_iter().zip(&requests).zip(&outcomes)
		{
			match judge(&signed.challenge, outcome, &sample_seed) {
				Ok(()) => {
					log::debug!(target: LOG, "{url}: passed");
					stats.passed += 1;
				}
				Err(failure) => {
					log::info!(target: LOG, "{url}: failed ({failure:?})");
					stats.failed += 1;
					failures.push((account, failure));
				}
			}
		}
		let (submitted, refused) = Self::submit_failures(epoch, index, &key, failures);
		stats.reports_submitted = submitted;
		stats.reports_refused = refused;
		WorkerStats::record(stats);
	}

	/// Signs and submits `failures` as reports of at most `MaxFailuresPerReport` each; returns
	/// how many reports the pool took and how many it (or the keystore) refused.
	pub(crate) fn submit_failures(
		epoch: EpochIndex,
		validator: u32,
		key: &T::AuthorityId,
		failures: Vec<(T::AccountId, Failure)>,
	) -> (u64, u64) {
		let max = T::MaxFailuresPerReport::get().max(1) as usize;
		let batches = failures.chunks(max).count() as u64;
		let mut submitted = 0u64;
		for batch in failures.chunks(max) {
			let report = ReportOf::<T> {
				epoch,
				validator,
				failures: BoundedVec::truncate_from(batch.to_vec()),
			};
			let Some(signature) = key.sign(&Self::signing_payload(&report)) else {
				log::warn!(target: LOG, "the keystore would not sign with the nubs key");
				break;
			};
			let call = Call::<T>::report { report, signature };
			let transaction =
				<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(
					call.into(),
				);
			if SubmitTransaction::<T, Call<T>>::submit_transaction(transaction).is_err() {
				log::warn!(target: LOG, "the pool refused a report of epoch {epoch}");
			} else {
				submitted += 1;
			}
		}
		(submitted, batches.saturating_sub(submitted))
	}
}
