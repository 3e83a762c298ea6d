//! The validator's off-chain worker: at each turn's block, the turn's providers assigned to
//! this validator (listed by slot, `coverage.rs`); for each, a fresh challenge over HTTP with a
//! deadline, all sent at once; then the openings of each timed answer, a few providers at a
//! time; the answers verified with `nubes-proofs`; the failures signed with the `nubs` key and
//! submitted as authorized general transactions. An off-chain storage lock keeps overlapping runs (blocks
//! imported while a run is still waiting on providers) from repeating work, and how far it got
//! is kept in off-chain storage so each provider is challenged once per epoch.

use crate::*;
use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use frame_support::traits::{Get, UnixTime};
use frame_support::BoundedVec;
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use nubes_primitives::{
	traits::{HeldShard, ProviderEviction, ShardLookup},
	LeaseId, Resources,
};
use nubes_proofs::{
	openings_path,
	protocol::{account_bytes, liveness_path, MAX_UNITS, MAX_WINDOW_START, MIN_BLOCKS_PER_UNIT},
	verify::{check_liveness, check_openings, check_response},
	Answer, CapacityChallenge, Challenge, Failure, SignedChallenge, StorageChallenge,
	CHALLENGE_PATH, MAX_ANSWER_BYTES, PROTOCOL_VERSION,
};
use sp_runtime::{
	offchain::{
		http,
		storage::StorageValueRef,
		storage_lock::{StorageLock, Time},
		Duration, HttpError, HttpRequestId, HttpRequestStatus, Timestamp,
	},
	traits::UniqueSaturatedInto,
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
	/// Liveness probes sent to providers' leases.
	pub probes_sent: u64,
}

impl WorkerStats {
	/// Adds `change` to the stats in off-chain storage. Called under the worker's lock.
	fn record(change: WorkerStats) {
		let stats_ref = StorageValueRef::persistent(WORKER_STATS_KEY);
		let mut stats = stats_ref.get::<WorkerStats>().ok().flatten().unwrap_or_default();
		stats.challenges_sent = stats.challenges_sent.saturating_add(change.challenges_sent);
		stats.passed = stats.passed.saturating_add(change.passed);
		stats.failed = stats.failed.saturating_add(change.failed);
		stats.probes_sent = stats.probes_sent.saturating_add(change.probes_sent);
		stats.reports_submitted = stats.reports_submitted.saturating_add(change.reports_submitted);
		stats.reports_refused = stats.reports_refused.saturating_add(change.reports_refused);
		stats_ref.set(&stats);
	}
}
const LOG: &str = "nubes::attestation";

/// What [`Pallet::submit_failures`] handed to the pool.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Submitted {
	/// Reports the pool took.
	pub reports: u64,
	/// Reports it (or the keystore) refused.
	pub refused: u64,
	/// Failures in the reports it took.
	pub failures: u32,
}

/// How far this node's worker got through its share of an epoch's providers, and what it
/// needs for the epoch's summary.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode)]
struct WorkerProgress {
	/// How many of its assigned slots (in [`assignment::nth_in_turn`] order) it has gone through.
	done: u32,
	/// The outcome of each challenge it sent ([`accountability::outcome_leaf`]), in order.
	leaves: Vec<[u8; 32]>,
	/// Failures in the reports the pool took.
	failed: u32,
}

/// Where the worker keeps its progress through `epoch` (the previous epoch's is kept until
/// its summary is filed).
fn progress_key(epoch: EpochIndex) -> Vec<u8> {
	(PROGRESS_KEY, epoch).encode()
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

/// What came back, as status, body and milliseconds, or the failure no answer stands for: late
/// past the deadline, or unreachable.
fn received(outcome: &Outcome) -> Result<(u16, &[u8], u32), Failure> {
	match outcome {
		Outcome::Answered { status, body, elapsed_ms } => Ok((*status, body, *elapsed_ms)),
		Outcome::TimedOut { elapsed_ms } => Err(Failure::Late { elapsed_ms: *elapsed_ms }),
		Outcome::Unreachable => Err(Failure::Unreachable),
	}
}

/// The verdict on one provider's timed response to `challenge`: its answer, whose roots its
/// openings are checked against, if it passed.
pub fn judge(challenge: &Challenge, outcome: &Outcome) -> Result<Answer, Failure> {
	let (status, body, elapsed_ms) = received(outcome)?;
	check_response(challenge, status, body, elapsed_ms)
}

/// The verdict on the openings of what a provider committed to in its timed `answer`.
pub fn judge_openings(
	challenge: &Challenge,
	answer: &Answer,
	outcome: &Outcome,
) -> Result<(), Failure> {
	let (status, body, _) = received(outcome)?;
	check_openings(challenge, answer, status, body)
}

/// The capacity puzzle for a provider whose idle capacity (offered, not leased) is `idle`,
/// with its deadline: one unit per whole idle core, each filling the idle memory's share per
/// core (a power of two, at least the protocol's minimum, at most `unit_kib`), and
/// `network_ms` plus the share of the rest of `deadline_ms` that the unit's size is of
/// `unit_kib`. Leased capacity is its tenants': a provider leased to the last core is asked
/// for no units and only has to answer in time.
pub fn capacity_for(idle: &Resources, params: &Parameters) -> (CapacityChallenge, u32) {
	let units = (idle.cpu_millicores / 1_000).min(MAX_UNITS.into()) as u32;
	if units == 0 {
		let none = CapacityChallenge { units: 0, blocks: MIN_BLOCKS_PER_UNIT, samples: 0 };
		return (none, params.network_ms);
	}
	let share_kib = idle.memory_mib.saturating_mul(1_024) / u64::from(units);
	let cap = u64::from(params.unit_kib.max(MIN_BLOCKS_PER_UNIT));
	let fitting = share_kib.clamp(MIN_BLOCKS_PER_UNIT.into(), cap);
	// The largest power of two not above the share (`fitting` is at least 64).
	let blocks = 1u32 << (63 - fitting.leading_zeros());
	let work_ms = u64::from(params.deadline_ms.saturating_sub(params.network_ms));
	let deadline = u64::from(params.network_ms)
		.saturating_add(work_ms.saturating_mul(blocks.into()).div_ceil(cap));
	let capacity = CapacityChallenge { units, blocks, samples: params.samples };
	(capacity, deadline.min(params.deadline_ms.into()) as u32)
}

/// The challenge a validator sends `provider` this epoch, proving its `idle` capacity.
/// `local_random` is the validator's own randomness: the provider cannot predict the challenge
/// from the on-chain seed alone.
pub fn challenge_for<AccountId: Encode>(
	epoch_seed: &[u8; 32],
	local_random: &[u8; 32],
	provider: &AccountId,
	idle: &Resources,
	params: &Parameters,
) -> Challenge {
	let (capacity, deadline_ms) = capacity_for(idle, params);
	Challenge {
		version: PROTOCOL_VERSION,
		seed: sp_io::hashing::blake2_256(
			&(b"nubes/challenge", epoch_seed, local_random, provider).encode(),
		),
		provider: account_bytes(&provider.encode()),
		capacity,
		storage: Vec::new(),
		deadline_ms,
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

/// Leases of a provider a validator samples its probes from, at most.
pub const LEASES_SAMPLED_FROM: u32 = 64;
/// Leases probed per provider and challenge, at most.
pub const PROBES_PER_PROVIDER: usize = 2;

/// Which of `running` (a provider's active leases) a validator probes: up to
/// [`PROBES_PER_PROVIDER`] consecutive ones from a place drawn from the validator's own
/// randomness, so the provider cannot know which beforehand, and its three validators probe
/// different ones.
pub fn probed_leases(
	local_random: &[u8; 32],
	provider: &[u8],
	running: &[LeaseId],
) -> Vec<LeaseId> {
	sample(b"nubes/probe", local_random, provider, running)
}

/// The storage probes of `shards` (a provider's running shard leases with what they hold): up
/// to [`PROBES_PER_PROVIDER`] of them, drawn as [`probed_leases`] draws, each naming a chunk and
/// a window in it drawn from the validator's own randomness.
pub fn storage_probes(
	local_random: &[u8; 32],
	provider: &[u8],
	shards: &[(LeaseId, HeldShard)],
) -> Vec<StorageChallenge> {
	let leases: Vec<LeaseId> = shards.iter().map(|(lease, _)| *lease).collect();
	sample(b"nubes/shard", local_random, provider, &leases)
		.into_iter()
		.filter_map(|lease| {
			let (_, shard) = shards.iter().find(|(held, _)| *held == lease)?;
			let draw = sp_io::hashing::blake2_256(
				&(b"nubes/chunk", local_random, provider, lease).encode(),
			);
			let word =
				|at: usize| u64::from_le_bytes(draw[at..at + 8].try_into().unwrap_or_default());
			Some(StorageChallenge {
				lease,
				root: shard.root,
				chunks: shard.chunks,
				chunk: (word(0) % u64::from(shard.chunks.max(1))) as u32,
				window: (word(8) % (u64::from(MAX_WINDOW_START) + 1)) as u32,
			})
		})
		.collect()
}

/// Up to [`PROBES_PER_PROVIDER`] consecutive leases of `leases` from a place drawn from
/// `local_random` under `domain`.
fn sample(
	domain: &[u8],
	local_random: &[u8; 32],
	provider: &[u8],
	running: &[LeaseId],
) -> Vec<LeaseId> {
	if running.is_empty() {
		return Vec::new();
	}
	let draw = sp_io::hashing::blake2_256(&(domain, local_random, provider).encode());
	let start = u64::from_le_bytes(draw[..8].try_into().unwrap_or_default());
	let start = (start % running.len() as u64) as usize;
	running
		.iter()
		.cycle()
		.skip(start)
		.take(PROBES_PER_PROVIDER.min(running.len()))
		.copied()
		.collect()
}

/// The URL where a provider with `endpoint` says whether it runs `lease`.
pub fn liveness_url(endpoint: &[u8], lease: LeaseId) -> Option<String> {
	endpoint_url(endpoint, &liveness_path(lease))
}

/// The verdict on one lease's liveness probe.
pub fn probe_verdict(lease: LeaseId, outcome: &Outcome) -> Result<(), Failure> {
	match outcome {
		Outcome::Answered { status, body, .. } => check_liveness(lease, *status, body),
		Outcome::TimedOut { .. } | Outcome::Unreachable => Err(Failure::LeaseDown { lease }),
	}
}

/// One request the worker sends: a challenge (POST with its body) or a liveness probe (GET),
/// each with its own deadline.
pub struct Outgoing {
	/// Where.
	pub url: String,
	/// The signed challenge as JSON; `None` for a probe.
	pub body: Option<Vec<u8>>,
	/// Milliseconds from sending to the whole answer.
	pub deadline_ms: u32,
}

/// A provider the worker challenges this run, and where its requests sit in the exchange.
struct Target<AccountId> {
	account: AccountId,
	url: String,
	/// Where its openings are read.
	openings_url: String,
	challenge: Challenge,
	challenge_at: usize,
	/// Each probed lease and its request's place.
	probes: Vec<(LeaseId, usize)>,
}

/// The URL a provider with `endpoint` takes challenges at.
pub fn challenge_url(endpoint: &[u8]) -> Option<String> {
	endpoint_url(endpoint, CHALLENGE_PATH)
}

/// The URL where a provider with `endpoint` gives the openings of its answer to the challenge
/// with `seed`.
pub fn openings_url(endpoint: &[u8], seed: &[u8; 32]) -> Option<String> {
	endpoint_url(endpoint, &openings_path(seed))
}

/// `path` under a provider's registered `endpoint`; `None` if the endpoint is not UTF-8.
fn endpoint_url(endpoint: &[u8], path: &str) -> Option<String> {
	let endpoint = core::str::from_utf8(endpoint).ok()?;
	Some(alloc::format!("{}{}", endpoint.trim_end_matches('/'), path))
}

fn elapsed_since(start: Timestamp) -> u32 {
	sp_io::offchain::timestamp().diff(&start).millis().try_into().unwrap_or(u32::MAX)
}

/// How long the worker sleeps between two rounds of looking at the answers still awaited.
pub const POLL_MS: u64 = 2;

/// One challenge awaiting its answer.
struct Awaited {
	/// Its place in the requests.
	index: usize,
	id: HttpRequestId,
	/// When it went out, and when its own deadline falls.
	sent: Timestamp,
	deadline: Timestamp,
	/// The status, once the response's head is in.
	status: Option<u16>,
	body: Vec<u8>,
}

/// What looking at one awaited answer found.
enum Progress {
	Waiting,
	Done(Outcome),
}

/// Sends every challenge at once and times each provider on its own: each request has its own
/// deadline from its own sending, and the answers are read round-robin, never waiting on one
/// while others may have arrived, so a provider that drips its answer (or never sends it)
/// makes no one else late. Each answer's time is observed within one round ([`POLL_MS`] plus
/// a few host calls per awaited answer).
pub fn exchange(requests: &[Outgoing]) -> Vec<Outcome> {
	let mut outcomes = alloc::vec![Outcome::Unreachable; requests.len()];
	let mut awaited = Vec::new();
	for (index, Outgoing { url, body, deadline_ms }) in requests.iter().enumerate() {
		let sent = sp_io::offchain::timestamp();
		let deadline = sent.add(Duration::from_millis((*deadline_ms).into()));
		let request = match body {
			Some(body) => http::Request::post(url, alloc::vec![body.clone()])
				.add_header("Content-Type", "application/json"),
			None => {
				let mut get = http::Request::post(url, Vec::<Vec<u8>>::new());
				get.method = http::Method::Get;
				get
			}
		};
		let request = request.deadline(deadline).send();
		match request {
			Ok(request) => awaited.push(Awaited {
				index,
				id: request.id,
				sent,
				deadline,
				status: None,
				body: Vec::new(),
			}),
			Err(error) => log::debug!(target: LOG, "challenge to {url} not sent: {error:?}"),
		}
	}
	while !awaited.is_empty() {
		awaited.retain_mut(|answer| match look_at(answer) {
			Progress::Waiting => true,
			Progress::Done(outcome) => {
				outcomes[answer.index] = outcome;
				false
			}
		});
		if !awaited.is_empty() {
			sp_io::offchain::sleep_until(
				sp_io::offchain::timestamp().add(Duration::from_millis(POLL_MS)),
			);
		}
	}
	outcomes
}

/// Takes whatever of `answer` has arrived, without waiting.
fn look_at(answer: &mut Awaited) -> Progress {
	let now = sp_io::offchain::timestamp();
	let elapsed_ms = now.diff(&answer.sent).millis().try_into().unwrap_or(u32::MAX);
	if now >= answer.deadline {
		return Progress::Done(Outcome::TimedOut { elapsed_ms });
	}
	if answer.status.is_none() {
		match sp_io::offchain::http_response_wait(&[answer.id], Some(now)).first() {
			Some(HttpRequestStatus::Finished(status)) => answer.status = Some(*status),
			Some(HttpRequestStatus::DeadlineReached) => return Progress::Waiting,
			_ => return Progress::Done(Outcome::Unreachable),
		}
	}
	let mut buffer = [0u8; 4096];
	loop {
		match sp_io::offchain::http_response_read_body(answer.id, &mut buffer, Some(now)) {
			Ok(0) => {
				return Progress::Done(Outcome::Answered {
					status: answer.status.unwrap_or_default(),
					body: core::mem::take(&mut answer.body),
					elapsed_ms: elapsed_since(answer.sent),
				})
			}
			Ok(read) => {
				answer.body.extend_from_slice(&buffer[..(read as usize).min(buffer.len())]);
				if answer.body.len() > MAX_ANSWER_BYTES {
					// Cut at one byte over the limit: refused as too long, without reading on.
					answer.body.truncate(MAX_ANSWER_BYTES + 1);
					return Progress::Done(Outcome::Answered {
						status: answer.status.unwrap_or_default(),
						body: core::mem::take(&mut answer.body),
						elapsed_ms: elapsed_since(answer.sent),
					});
				}
			}
			Err(HttpError::DeadlineReached) => return Progress::Waiting,
			Err(_) => return Progress::Done(Outcome::Unreachable),
		}
	}
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
		// A validator of the previous epoch files its summary even if it left the set since.
		if let Some(previous) = epoch.checked_sub(1) {
			Self::summarize_previous(previous);
		}
		let Some(data) = Epochs::<T>::get(epoch) else { return };
		let Some((index, key)) = Self::local_validator(&data) else { return };
		let params = Params::<T>::get();
		let hold = u64::from(params.deadline_ms)
			.saturating_add(5_000)
			.saturating_add(T::TurnSendDelayMs::get());
		let mut lock = StorageLock::<Time>::with_deadline(LOCK_KEY, Duration::from_millis(hold));
		let Ok(mut guard) = lock.try_lock() else { return };

		if let Some(older) = epoch.checked_sub(2) {
			StorageValueRef::persistent(&progress_key(older)).clear();
		}
		let key_of_progress = progress_key(epoch);
		let progress_ref = StorageValueRef::persistent(&key_of_progress);
		let mut progress = progress_ref.get::<WorkerProgress>().ok().flatten().unwrap_or_default();
		let block: u32 = now.unique_saturated_into();
		let (providers, done) =
			Self::challenge_turn(epoch, &data, index, progress.done, block.into());
		progress.done = done;
		// Saved before the challenges go out: a run cut short never challenges anyone twice.
		progress_ref.set(&progress);

		let local_random = sp_io::offchain::random_seed();
		let mut outgoing = Vec::new();
		let mut targets = Vec::new();
		for provider in providers {
			let mut challenge = challenge_for(
				&data.seed,
				&local_random,
				&provider.account,
				&provider.offered.saturating_sub(&provider.allocated),
				&params,
			);
			// Leases holding a storage deal's shard are probed through the holder's seal; the
			// others, workloads, through their liveness.
			let (shards, running): (Vec<_>, Vec<_>) =
				T::Eviction::running_leases(&provider.account, LEASES_SAMPLED_FROM)
					.into_iter()
					.map(|lease| (lease, T::Shards::shard_of(lease)))
					.partition(|(_, shard)| shard.is_some());
			let shards: Vec<(LeaseId, HeldShard)> =
				shards.into_iter().filter_map(|(lease, shard)| Some((lease, shard?))).collect();
			let running: Vec<LeaseId> = running.into_iter().map(|(lease, _)| lease).collect();
			challenge.storage = storage_probes(&local_random, &provider.account.encode(), &shards);
			let Some(url) = challenge_url(&provider.endpoint) else { continue };
			let Some(openings_url) = openings_url(&provider.endpoint, &challenge.seed) else {
				continue;
			};
			let Some(signed) = sign_challenge(&key, challenge, epoch, index) else {
				log::warn!(target: LOG, "the keystore would not sign a challenge with the nubs key");
				return;
			};
			let Ok(body) = serde_json::to_vec(&signed) else { continue };
			let challenge_at = outgoing.len();
			outgoing.push(Outgoing {
				url: url.clone(),
				body: Some(body),
				deadline_ms: signed.challenge.deadline_ms,
			});
			let mut probes = Vec::new();
			for lease in probed_leases(&local_random, &provider.account.encode(), &running) {
				let Some(url) = liveness_url(&provider.endpoint, lease) else { continue };
				probes.push((lease, outgoing.len()));
				outgoing.push(Outgoing { url, body: None, deadline_ms: params.network_ms });
			}
			targets.push(Target {
				account: provider.account,
				url,
				openings_url,
				challenge: signed.challenge,
				challenge_at,
				probes,
			});
		}
		if targets.is_empty() {
			if progress.done >= data.share(index) {
				Self::file_summary(epoch, index, &key, &progress, false);
			}
			return;
		}
		// The turn goes out at one moment for every validator: the block's time and the delay,
		// not whenever this node imported the block (across a network that differs by the
		// block's propagation, and one machine posing as several providers could answer them
		// one after another in the gaps). Never later than the delay from now: a chain whose
		// time runs ahead of the wall clock (a dev chain's fast blocks) makes no one wait long.
		let delay = T::TurnSendDelayMs::get();
		let block_time = u64::try_from(T::Clock::now().as_millis()).unwrap_or(u64::MAX);
		let local = sp_io::offchain::timestamp().unix_millis();
		let send_at = block_time.saturating_add(delay).min(local.saturating_add(delay));
		sp_io::offchain::sleep_until(Timestamp::from_unix_millis(send_at));
		let outcomes = exchange(&outgoing);
		let mut stats = WorkerStats {
			challenges_sent: targets.len() as u64,
			probes_sent: (outgoing.len() - targets.len()) as u64,
			..Default::default()
		};
		// The timed answers first, then every probed lease must be running; each answer that
		// passed, whose openings are read next.
		let mut verdicts: Vec<Result<Answer, Failure>> = targets
			.iter()
			.map(|target| {
				let outcome_of = |at: usize| outcomes.get(at).unwrap_or(&Outcome::Unreachable);
				let answer = judge(&target.challenge, outcome_of(target.challenge_at))?;
				target
					.probes
					.iter()
					.try_for_each(|(lease, at)| probe_verdict(*lease, outcome_of(*at)))?;
				Ok(answer)
			})
			.collect();
		drop(outcomes);
		// The openings, a few providers at a time: untimed beyond the deadline (they were
		// fixed by the roots and windows given in time), so a turn of any size is timed at one
		// moment and read at the worker's pace.
		let to_open: Vec<usize> = (0..targets.len())
			.filter(|&at| {
				verdicts[at]
					.as_ref()
					.is_ok_and(|answer| !answer.roots.is_empty() || !answer.storage.is_empty())
			})
			.collect();
		for batch in to_open.chunks(T::OpeningsAtOnce::get().max(1) as usize) {
			let requests: Vec<Outgoing> = batch
				.iter()
				.map(|&at| Outgoing {
					url: targets[at].openings_url.clone(),
					body: None,
					deadline_ms: params.deadline_ms,
				})
				.collect();
			for (&at, outcome) in batch.iter().zip(exchange(&requests)) {
				if let Ok(answer) = &verdicts[at] {
					if let Err(failure) = judge_openings(&targets[at].challenge, answer, &outcome) {
						verdicts[at] = Err(failure);
					}
				}
			}
			// Still this run's: a large turn's openings take longer than one deadline.
			let _ = guard.extend_lock();
		}
		let mut failures = Vec::new();
		for (target, verdict) in targets.into_iter().zip(verdicts) {
			let verdict = verdict.map(|_| ());
			progress.leaves.push(accountability::outcome_leaf(
				epoch,
				&target.account,
				verdict.as_ref().err(),
			));
			match verdict {
				Ok(()) => {
					log::debug!(target: LOG, "{}: passed", target.url);
					stats.passed += 1;
				}
				Err(failure) => {
					log::info!(target: LOG, "{}: failed ({failure:?})", target.url);
					stats.failed += 1;
					failures.push((target.account, failure));
				}
			}
		}
		let submitted = Self::submit_failures(epoch, index, &key, failures);
		stats.reports_submitted = submitted.reports;
		stats.reports_refused = submitted.refused;
		progress.failed = progress.failed.saturating_add(submitted.failures);
		progress_ref.set(&progress);
		WorkerStats::record(stats);
	}

	/// Signs and submits `failures` as reports of at most `MaxFailuresPerReport` each.
	pub(crate) fn submit_failures(
		epoch: EpochIndex,
		validator: u32,
		key: &T::AuthorityId,
		failures: Vec<(T::AccountId, Failure)>,
	) -> Submitted {
		let max = T::MaxFailuresPerReport::get().max(1) as usize;
		let batches = failures.chunks(max).count() as u64;
		let mut submitted = Submitted::default();
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
				submitted.reports += 1;
				submitted.failures = submitted.failures.saturating_add(batch.len() as u32);
			}
		}
		submitted.refused = batches.saturating_sub(submitted.reports);
		submitted
	}

	/// Files the previous epoch's summary if it is not on chain yet: whatever the worker got
	/// through (a node that was away for part of it is short of its share, and says so), and
	/// the failures the chain took from it (a report lost on its way is not held against the
	/// summary).
	fn summarize_previous(epoch: EpochIndex) {
		if Self::now() >= Self::window_end(epoch) {
			return;
		}
		let Some(data) = Epochs::<T>::get(epoch) else { return };
		let Some((index, key)) = Self::local_validator(&data) else { return };
		let progress = StorageValueRef::persistent(&progress_key(epoch))
			.get::<WorkerProgress>()
			.ok()
			.flatten()
			.unwrap_or_default();
		Self::file_summary(epoch, index, &key, &progress, true);
	}

	/// Signs and submits the summary of `epoch` from `progress`, unless one is on chain, or
	/// (with `settle` false) some of its failures are not on chain yet; the pool refuses a
	/// second copy of one it holds.
	fn file_summary(
		epoch: EpochIndex,
		index: u32,
		key: &T::AuthorityId,
		progress: &WorkerProgress,
		settle: bool,
	) {
		let ledger = Ledgers::<T>::get(epoch, index);
		if ledger.summary.is_some() || (!settle && ledger.reported != progress.failed) {
			return;
		}
		let challenged = (progress.leaves.len() as u32).max(ledger.reported);
		let summary = Summary {
			epoch,
			validator: index,
			challenged,
			failed: ledger.reported,
			outcomes: accountability::outcomes_root(&progress.leaves),
		};
		let Some(signature) = key.sign(&Self::summary_payload(&summary)) else {
			log::warn!(target: LOG, "the keystore would not sign with the nubs key");
			return;
		};
		let call = Call::<T>::summarize { summary, signature };
		let transaction =
			<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(call.into());
		if SubmitTransaction::<T, Call<T>>::submit_transaction(transaction).is_ok() {
			log::debug!(target: LOG, "summary of epoch {epoch} submitted");
		}
	}
}
