//! Who may make this provider prove its capacity: a validator of the challenge's epoch that
//! the epoch's seed assigns to this provider, signing with its `nubs` key, once per epoch, and
//! asking no more work or time than the chain's rules allow. Everything is checked before any
//! proving starts, so a stranger's challenge costs a signature check at most.
//!
//! Epoch data (seed, validators, redundancy, slots, and this provider's slot in the epoch) is
//! read from finalized state and kept; at an
//! epoch's start, before finality reaches it, from the best block (waiting a moment for a block
//! the validator had first), and read again, rather than refused, if a challenge does not check
//! against it. The current epoch is the best block's. The rules are kept as last read and read
//! again (at the best block) only for a challenge a validator signed that asks more. So a
//! stranger's challenge costs at most a signature check once its epoch is known.

use crate::chain::Chain;
use axum::http::StatusCode;
use nubes_proofs::{assignment, SignedChallenge, PROTOCOL_VERSION};
use std::{
	collections::{BTreeMap, HashSet},
	sync::Mutex,
	time::{Duration, Instant},
};

/// How long the best block's running epoch, or an epoch read from the best block, is trusted.
const BEST_PATIENCE: Duration = Duration::from_secs(1);

/// How often the node is asked for an epoch that is starting and not yet known.
const EPOCH_POLL: Duration = Duration::from_millis(100);

/// Why a challenge was refused, before any work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
	/// Not a challenge of this protocol version, or outside the protocol's bounds.
	#[error("not a valid challenge: {0}")]
	Malformed(String),
	/// For another provider.
	#[error("the challenge is for another provider")]
	NotForMe,
	/// Of an epoch other than the current one (or its neighbours).
	#[error("epoch {epoch} is not current (the chain is in epoch {current})")]
	NotCurrent {
		/// The challenge's epoch.
		epoch: u32,
		/// The running epoch at the node's best block.
		current: u32,
	},
	/// The chain has no such epoch (yet).
	#[error("the chain knows no epoch {0}")]
	UnknownEpoch(u32),
	/// The sender is not a validator of the epoch assigned to this provider.
	#[error("validator {0} of the epoch is not assigned to this provider")]
	NotAssigned(u32),
	/// The signature is not the named validator's.
	#[error("the challenge is not signed by validator {0} of its epoch")]
	BadSignature(u32),
	/// More work or time than the chain's rules allow.
	#[error("the challenge asks more than the chain's rules allow: {0}")]
	TooMuch(String),
	/// This validator was answered already this epoch.
	#[error("validator {validator} was answered in epoch {epoch} already")]
	AlreadyAnswered {
		/// The epoch.
		epoch: u32,
		/// The validator's index.
		validator: u32,
	},
	/// The chain cannot be read to check the challenge; retry.
	#[error("cannot check the challenge now: {0}")]
	Unavailable(String),
}

impl Refusal {
	/// The HTTP status the refusal is answered with.
	pub fn status(&self) -> StatusCode {
		match self {
			Refusal::Malformed(_) | Refusal::NotForMe => StatusCode::BAD_REQUEST,
			Refusal::BadSignature(_) => StatusCode::UNAUTHORIZED,
			Refusal::NotCurrent { .. } | Refusal::UnknownEpoch(_) | Refusal::NotAssigned(_) => {
				StatusCode::FORBIDDEN
			}
			Refusal::AlreadyAnswered { .. } => StatusCode::CONFLICT,
			Refusal::TooMuch(_) => StatusCode::UNPROCESSABLE_ENTITY,
			Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
		}
	}
}

/// The chain's rules for a challenge's size and deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
	/// Most memory one unit fills, in KiB.
	pub unit_kib: u32,
	/// Most blocks one challenge opens.
	pub samples: u32,
	/// Longest deadline, in milliseconds.
	pub deadline_ms: u32,
}

/// One epoch as the chain fixed it at its start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Epoch {
	/// Its seed.
	pub seed: [u8; 32],
	/// Its validators' `nubs` keys (sr25519), in the epoch's order.
	pub validators: Vec<[u8; 32]>,
	/// How many validators challenge each provider.
	pub redundancy: u32,
	/// How many slots of the registry's index the epoch covers.
	pub providers: u32,
	/// This provider's slot in the epoch, if it held one then.
	pub slot: Option<u32>,
}

impl Epoch {
	/// Whether validator `index` challenges this provider in the epoch.
	pub fn assigns(&self, index: u32) -> bool {
		self.slot.is_some_and(|slot| {
			slot < self.providers
				&& assignment::is_assigned(
					slot,
					self.validators.len() as u32,
					self.redundancy,
					index,
				)
		})
	}
}

/// Checks `signed` against its epoch, without state: for this provider (`me`, selling `cores`
/// whole cores), from a validator of `epoch` assigned to `me`, signed by it, within `rules`.
/// Cheapest checks first; the rules last, so that only a validator's own challenge can make
/// the caller read newer rules.
pub fn check(
	signed: &SignedChallenge,
	me: &[u8; 32],
	cores: u32,
	epoch: &Epoch,
	rules: &Rules,
) -> Result<(), Refusal> {
	sender(signed, me, epoch)?;
	within(signed, cores, rules)
}

/// Whether `signed` is a well-formed challenge for `me` from an assigned validator of `epoch`,
/// signed by it.
fn sender(signed: &SignedChallenge, me: &[u8; 32], epoch: &Epoch) -> Result<(), Refusal> {
	let challenge = &signed.challenge;
	if challenge.version != PROTOCOL_VERSION {
		return Err(Refusal::Malformed(format!(
			"protocol version {} (this agent speaks {PROTOCOL_VERSION})",
			challenge.version
		)));
	}
	challenge.check().map_err(|e| Refusal::Malformed(format!("{e:?}")))?;
	if challenge.provider != *me {
		return Err(Refusal::NotForMe);
	}
	if !epoch.assigns(signed.validator) {
		return Err(Refusal::NotAssigned(signed.validator));
	}
	let key = epoch.validators[signed.validator as usize];
	let signature = subxt_signer::sr25519::Signature(signed.signature);
	let public = subxt_signer::sr25519::PublicKey(key);
	if !subxt_signer::sr25519::verify(&signature, signed.payload(), &public) {
		return Err(Refusal::BadSignature(signed.validator));
	}
	Ok(())
}

/// Whether the challenge's work and deadline are within `rules` and the cores sold.
fn within(signed: &SignedChallenge, cores: u32, rules: &Rules) -> Result<(), Refusal> {
	let challenge = &signed.challenge;
	let c = &challenge.capacity;
	let too_much = if c.units > cores {
		Some(format!("{} units for {} cores sold", c.units, cores))
	} else if c.blocks > rules.unit_kib {
		Some(format!("{} KiB per unit over {} KiB", c.blocks, rules.unit_kib))
	} else if c.samples > rules.samples {
		Some(format!("{} openings over {}", c.samples, rules.samples))
	} else if challenge.deadline_ms > rules.deadline_ms {
		Some(format!("a deadline of {} ms over {} ms", challenge.deadline_ms, rules.deadline_ms))
	} else {
		None
	};
	too_much.map_or(Ok(()), |why| Err(Refusal::TooMuch(why)))
}

/// An epoch as read, and whether it was read from finalized state.
#[derive(Clone)]
struct Read {
	epoch: Epoch,
	finalized: bool,
	at: Instant,
}

#[derive(Default)]
struct Known {
	/// The running epoch at the node's best block, and when it was read.
	best: Option<(u32, Instant)>,
	rules: Option<Rules>,
	epochs: BTreeMap<u32, Read>,
	answered: HashSet<(u32, u32)>,
	/// The openings of each answered challenge, by its seed, with its epoch: kept for the
	/// validator to read after the timed answer (at most one per answered validator).
	openings: BTreeMap<[u8; 32], (u32, bytes::Bytes)>,
}

/// The gate of the challenge door: the epochs it knows and the validators it answered. Its
/// lock is never held across a chain read or a signature check.
pub struct Challengers {
	chain: Chain,
	me: [u8; 32],
	cores: u32,
	known: Mutex<Known>,
}

impl Challengers {
	/// The gate of the provider `chain` signs for, selling `cores` whole cores.
	pub fn new(chain: Chain, cores: u32) -> Self {
		Self { me: chain.account().0, chain, cores, known: Mutex::new(Known::default()) }
	}

	/// Whole cores the provider sells: the units a challenge may ask, and the prover's threads.
	pub fn cores(&self) -> u32 {
		self.cores
	}

	fn known(&self) -> std::sync::MutexGuard<'_, Known> {
		self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Admits `signed`, or says why not. An admitted challenge uses up its validator's one
	/// answer in its epoch.
	pub async fn admit(&self, signed: &SignedChallenge) -> Result<(), Refusal> {
		// Work-free checks before anything is read.
		if signed.challenge.provider != self.me {
			return Err(Refusal::NotForMe);
		}
		if signed.challenge.version != PROTOCOL_VERSION {
			return sender(signed, &self.me, &Epoch::default());
		}
		let current = self.current_epoch().await?;
		// Validators challenge from their best block; finality may lag it by a few blocks.
		if signed.epoch.saturating_add(1) < current || signed.epoch > current.saturating_add(1) {
			return Err(Refusal::NotCurrent { epoch: signed.epoch, current });
		}
		let patience =
			Duration::from_millis(u64::from(signed.challenge.deadline_ms.min(2_000)) / 2);
		let read = self.epoch(signed.epoch, signed.epoch >= current, patience).await?;
		let sent_by = match sender(signed, &self.me, &read.epoch) {
			// Read from a block finality may still drop: read again before refusing.
			Err(Refusal::NotAssigned(_) | Refusal::BadSignature(_)) if !read.finalized => {
				self.known().epochs.remove(&signed.epoch);
				let read = self.epoch(signed.epoch, false, Duration::ZERO).await?;
				sender(signed, &self.me, &read.epoch)
			}
			other => other,
		};
		sent_by?;
		let kept = self.known().rules;
		let rules = match kept {
			Some(rules) => rules,
			None => self.chain.challenge_rules().await.map_err(unavailable)?,
		};
		let rules = match within(signed, self.cores, &rules) {
			// A validator's own challenge: the rules may have changed at its best block.
			Err(Refusal::TooMuch(_)) => {
				self.chain.challenge_rules_best().await.map_err(unavailable)?
			}
			_ => rules,
		};
		within(signed, self.cores, &rules)?;
		let mut known = self.known();
		known.rules = Some(rules);
		let floor = current.saturating_sub(1);
		known.answered.retain(|(epoch, _)| *epoch >= floor);
		known.epochs.retain(|epoch, _| *epoch >= floor);
		known.openings.retain(|_, (epoch, _)| *epoch >= floor);
		if !known.answered.insert((signed.epoch, signed.validator)) {
			return Err(Refusal::AlreadyAnswered {
				epoch: signed.epoch,
				validator: signed.validator,
			});
		}
		Ok(())
	}

	/// Keeps `body`, the openings (JSON) of the answered challenge with `seed` of `epoch`, for
	/// its validator to read.
	pub fn keep_openings(&self, epoch: u32, seed: [u8; 32], body: bytes::Bytes) {
		self.known().openings.insert(seed, (epoch, body));
	}

	/// The openings of the answered challenge with `seed`, if it was answered here and its
	/// epoch is recent; the seed, fresh and known only to its validator and this agent, is what
	/// asks for them.
	pub fn openings(&self, seed: &[u8; 32]) -> Option<bytes::Bytes> {
		self.known().openings.get(seed).map(|(_, body)| body.clone())
	}

	/// The running epoch at the node's best block (read at most once a second; epochs are
	/// timed by the chain's schedule, which root may change), or the last one read if the node
	/// cannot be asked (unavailable if it never could). Never goes back: a reorganised best
	/// block does not reopen an epoch.
	async fn current_epoch(&self) -> Result<u32, Refusal> {
		let kept = self.known().best;
		if let Some((epoch, _)) = kept.filter(|(_, at)| at.elapsed() < BEST_PATIENCE) {
			return Ok(epoch);
		}
		match self.chain.current_epoch().await {
			Ok(epoch) => {
				let epoch = epoch.max(kept.map_or(0, |(last, _)| last));
				self.known().best = Some((epoch, Instant::now()));
				Ok(epoch)
			}
			Err(error) => kept.map(|(last, _)| last).ok_or_else(|| unavailable(error)),
		}
	}

	/// Epoch `index`: as kept if read from finalized state (or lately from the best block),
	/// else from the chain. An epoch that may be starting (`coming`) and that the node does not
	/// know yet is waited for, up to `patience`: validators challenge from the epoch's first
	/// block, which may reach this provider's node a moment later.
	async fn epoch(&self, index: u32, coming: bool, patience: Duration) -> Result<Read, Refusal> {
		let kept = self.known().epochs.get(&index).cloned();
		if let Some(read) = kept.filter(|r| r.finalized || r.at.elapsed() < BEST_PATIENCE) {
			return Ok(read);
		}
		let give_up = Instant::now() + patience;
		loop {
			if let Some((epoch, finalized)) = self.chain.epoch(index).await.map_err(unavailable)? {
				let read = Read { epoch, finalized, at: Instant::now() };
				self.known().epochs.insert(index, read.clone());
				return Ok(read);
			}
			if !coming || Instant::now() >= give_up {
				return Err(Refusal::UnknownEpoch(index));
			}
			tokio::time::sleep(EPOCH_POLL).await;
		}
	}
}

fn unavailable(error: nubes_client::ClientError) -> Refusal {
	Refusal::Unavailable(error.to_string())
}

#[cfg(test)]
mod tests {
	use super::*;
	use nubes_proofs::{CapacityChallenge, Challenge};
	use subxt_signer::sr25519::Keypair;

	fn key(seed: &str) -> Keypair {
		Keypair::from_uri(&seed.parse().unwrap()).unwrap()
	}

	const RULES: Rules = Rules { unit_kib: 1_024, samples: 8, deadline_ms: 1_300 };

	/// An epoch of five validators (`//V0`..`//V4`), three per provider.
	fn epoch() -> Epoch {
		Epoch {
			seed: [5; 32],
			validators: (0..5).map(|i| key(&format!("//V{i}")).public_key().0).collect(),
			redundancy: 3,
			providers: 20,
			slot: Some(13),
		}
	}

	fn signed_by(signer: &Keypair, validator: u32, provider: [u8; 32]) -> SignedChallenge {
		let challenge = Challenge {
			version: PROTOCOL_VERSION,
			seed: [1; 32],
			provider,
			capacity: CapacityChallenge { units: 2, blocks: 1_024, samples: 8 },
			storage: Vec::new(),
			deadline_ms: 1_300,
		};
		let payload = SignedChallenge::signing_payload(&challenge, 7, validator);
		SignedChallenge { signature: signer.sign(&payload).0, challenge, epoch: 7, validator }
	}

	#[test]
	fn only_an_assigned_validator_of_the_epoch_with_its_own_key_gets_work_done() {
		let me = [42; 32];
		let epoch = epoch();
		let assigned = assignment::assigned(13, 5, 3);
		assert_eq!(assigned, vec![3, 4, 0]);
		let outsider = (0..5).find(|i| !assigned.contains(i)).unwrap();
		let v = assigned[0];
		let own = key(&format!("//V{v}"));
		assert_eq!(check(&signed_by(&own, v, me), &me, 2, &epoch, &RULES), Ok(()));
		// A stranger's key, or another validator's, under an assigned validator's index.
		assert_eq!(
			check(&signed_by(&key("//Eve"), v, me), &me, 2, &epoch, &RULES),
			Err(Refusal::BadSignature(v))
		);
		let other = key(&format!("//V{outsider}"));
		assert_eq!(
			check(&signed_by(&other, v, me), &me, 2, &epoch, &RULES),
			Err(Refusal::BadSignature(v))
		);
		// A validator of the epoch not assigned to this provider, signing as itself.
		assert_eq!(
			check(&signed_by(&other, outsider, me), &me, 2, &epoch, &RULES),
			Err(Refusal::NotAssigned(outsider))
		);
		assert_eq!(
			check(&signed_by(&own, 9, me), &me, 2, &epoch, &RULES),
			Err(Refusal::NotAssigned(9)),
			"an index past the list"
		);
		// This provider registered after the epoch started, or its record is gone: no one may.
		for epoch in
			[Epoch { slot: Some(20), ..epoch.clone() }, Epoch { slot: None, ..epoch.clone() }]
		{
			assert_eq!(
				check(&signed_by(&own, v, me), &me, 2, &epoch, &RULES),
				Err(Refusal::NotAssigned(v))
			);
		}
		// Another provider's challenge, replayed here.
		assert_eq!(
			check(&signed_by(&own, v, [1; 32]), &me, 2, &epoch, &RULES),
			Err(Refusal::NotForMe)
		);
		// A signed challenge changed in transit.
		let mut changed = signed_by(&own, v, me);
		changed.epoch = 8;
		assert_eq!(check(&changed, &me, 2, &epoch, &RULES), Err(Refusal::BadSignature(v)));
	}

	#[test]
	fn work_and_time_are_held_to_the_rules_and_the_cores_sold() {
		let me = [42; 32];
		let epoch = epoch();
		let v = assignment::assigned(13, 5, 3)[0];
		let own = key(&format!("//V{v}"));
		let resign = |mut s: SignedChallenge| {
			s.signature = own.sign(&s.payload()).0;
			s
		};
		let mut larger = signed_by(&own, v, me);
		larger.challenge.capacity.blocks = 1 << 22;
		let refused = check(&resign(larger), &me, 2, &epoch, &RULES);
		assert!(matches!(refused, Err(Refusal::TooMuch(_))), "{refused:?}");
		let mut wider = signed_by(&own, v, me);
		wider.challenge.capacity.samples = 64;
		let refused = check(&resign(wider), &me, 2, &epoch, &RULES);
		assert!(matches!(refused, Err(Refusal::TooMuch(_))), "{refused:?}");
		let mut longer = signed_by(&own, v, me);
		longer.challenge.deadline_ms = 49 * 24 * 3600 * 1000;
		assert!(matches!(check(&resign(longer), &me, 2, &epoch, &RULES), Err(Refusal::TooMuch(_))));
		// Two units for a provider selling one core.
		let refused = check(&signed_by(&own, v, me), &me, 1, &epoch, &RULES);
		assert!(matches!(refused, Err(Refusal::TooMuch(_))), "{refused:?}");
		let mut old = signed_by(&own, v, me);
		old.challenge.version = 1;
		assert!(matches!(check(&resign(old), &me, 2, &epoch, &RULES), Err(Refusal::Malformed(_))));
	}
}
