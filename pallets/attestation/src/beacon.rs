//! The epoch beacon: where each epoch's seed comes from, so that no block author and no single
//! validator chooses who checks whom.
//!
//! Commit and reveal among the validators, in one transaction per validator and epoch, taken in
//! the epoch's reveal phase (its last quarter). In epoch `e` each validator reveals the secret it
//! committed to in epoch `e - 1` and commits to the one it will reveal in `e + 1`; both signed with its `nubs` key (an authorized general
//! transaction, like a report). Each reveal's contribution, the hash of the secret with its
//! validator's key, is folded into the epoch's [`Mix`] by XOR, so the order in which authors
//! include reveals changes nothing. When epoch `e + 1` starts its seed is the hash of epoch
//! `e`'s seed, `e + 1` and the mix: nothing an author chooses (block hash, timestamp,
//! transaction order) enters it, nothing of it is known before epoch `e`'s reveal phase, and it
//! is fixed only by the last reveal of epoch `e`.
//!
//! What is left to bias, and its price, is argued in `docs/protocol.md` ("Who checks whom"): a
//! validator can withhold its reveal (one bit of choice), which is counted against it
//! ([`Standings`], [`Event::RevealMissed`]) and costs it its contribution to the next seed,
//! since its commitment expires and it must commit afresh; a validator that is the only one to
//! contribute chooses the next seed outright (a one-validator chain).

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageValueRef},
	traits::{One, Saturating, UniqueSaturatedInto},
	RuntimeAppPublic,
};

/// Custom invalidity codes of a refused reveal (in `InvalidTransaction::Custom`), after those
/// of reports.
pub mod invalid {
	/// The key is not among the validators.
	pub const NOT_VALIDATOR: u8 = 11;
	/// The validator already took part in this epoch.
	pub const ALREADY: u8 = 12;
	/// The secret does not hash to the commitment.
	pub const WRONG_SECRET: u8 = 13;
	/// A commitment is due and no secret is given.
	pub const SECRET_EXPECTED: u8 = 14;
	/// A secret is given and no commitment is due.
	pub const NOTHING_DUE: u8 = 15;
}

/// Blocks a worker waits before submitting again a reveal that has not landed.
const RESEND_AFTER: u32 = 5;
/// Off-chain storage (persistent): a validator's secret for an epoch, under this prefix.
const SECRET_PREFIX: &[u8] = b"nubes/beacon/secret";
/// Off-chain storage (persistent): the epoch and block of a validator's last submission.
const SENT_PREFIX: &[u8] = b"nubes/beacon/sent";
const LOG: &str = "nubes::beacon";

/// The hash a validator commits to for `secret`.
pub fn commitment_of(secret: &[u8; 32]) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"nubes/beacon/commit", secret).encode())
}

/// What `validator`'s reveal of `secret` adds to the mix. Bound to the key, so a validator that
/// copied another's commitment cannot cancel its contribution by revealing the same secret.
pub fn contribution<K: Encode>(validator: &K, secret: &[u8; 32]) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"nubes/beacon/reveal", validator, secret).encode())
}

/// The seed of `epoch`, from the seed of the epoch before and that epoch's mix.
pub fn seed_of(previous: &[u8; 32], epoch: EpochIndex, mix: &Mix) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"nubes/beacon/seed", previous, epoch, mix).encode())
}

impl<T: Config> Pallet<T> {
	/// The first block of `epoch`'s reveal phase, its last quarter (at least one block): reveals
	/// are taken only then, so the next epoch's seed stays open until the epoch is nearly over,
	/// and censoring a reveal for good means writing every block of the phase.
	pub fn reveal_start(epoch: EpochIndex) -> u64 {
		let schedule = Self::schedule();
		let length = timing::timing_of(&schedule, epoch).map_or(1, |timing| timing.epoch_length);
		timing::start_of(&schedule, epoch.saturating_add(1))
			.saturating_sub(u64::from(length / 4).max(1))
	}

	/// The bytes a validator signs for `reveal`: bound to this chain and this pallet.
	pub fn reveal_payload(reveal: &RevealOf<T>) -> Vec<u8> {
		Self::signed_payload(b"nubes/attestation/reveal", reveal)
	}

	/// The seed epoch `epoch` starts with: folds and clears the mix of the epoch before.
	pub(crate) fn take_seed(epoch: EpochIndex) -> ([u8; 32], u32) {
		let previous = epoch.checked_sub(1);
		let mix = Mixes::<T>::take();
		// A mix of any other epoch (none yet, or a chain that skipped epochs) counts as empty.
		let mix = if Some(mix.epoch) == previous { mix } else { Mix::default() };
		let seed_before =
			previous.and_then(Epochs::<T>::get).map(|data| data.seed).unwrap_or_default();
		(seed_of(&seed_before, epoch, &mix), mix.reveals)
	}

	/// At the start of `epoch`: every commitment due in an earlier epoch was not revealed. Each
	/// is counted against its validator and dropped; the validator commits afresh.
	pub(crate) fn expire_commitments(epoch: EpochIndex) {
		// At most one per validator (`forget_former` removes those of keys that leave the set).
		let missed: Vec<(T::AuthorityId, EpochIndex)> = Commitments::<T>::iter()
			.filter(|(_, commitment)| commitment.epoch < epoch)
			.take(T::MaxValidators::get() as usize)
			.map(|(key, commitment)| (key, commitment.epoch))
			.collect();
		for (validator, due) in missed {
			Commitments::<T>::remove(&validator);
			Standings::<T>::mutate(&validator, |standing| {
				standing.reveals_missed = standing.reveals_missed.saturating_add(1)
			});
			Self::deposit_event(Event::RevealMissed { validator, epoch: due });
		}
	}

	/// Drops the commitments and counts of keys not in `validators`: what the beacon keeps stays
	/// within one record per validator.
	pub(crate) fn forget_former(validators: &[T::AuthorityId]) {
		let max = T::MaxValidators::get() as usize;
		let former: Vec<T::AuthorityId> = Commitments::<T>::iter_keys()
			.take(max)
			.filter(|key| validators.binary_search(key).is_err())
			.collect();
		for key in former {
			Commitments::<T>::remove(key);
		}
		let former: Vec<T::AuthorityId> = Standings::<T>::iter_keys()
			.take(max)
			.filter(|key| validators.binary_search(key).is_err())
			.collect();
		for key in former {
			Standings::<T>::remove(key);
		}
	}

	/// Checks `reveal` and its signature; the error says why it is refused.
	pub(crate) fn check_reveal(
		reveal: &RevealOf<T>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> Result<(), Error<T>> {
		let epoch = Self::epoch_of(frame_system::Pallet::<T>::block_number());
		ensure!(reveal.epoch <= epoch, Error::<T>::FutureEpoch);
		ensure!(reveal.epoch == epoch, Error::<T>::StaleEpoch);
		ensure!(Self::now() >= Self::reveal_start(epoch), Error::<T>::TooEarly);
		ensure!(
			Validators::<T>::get().binary_search(&reveal.validator).is_ok(),
			Error::<T>::NotValidator
		);
		match (Commitments::<T>::get(&reveal.validator), reveal.secret) {
			(Some(due), _) if due.epoch > epoch => return Err(Error::<T>::AlreadyRevealed),
			(Some(due), Some(secret)) if due.epoch == epoch => {
				ensure!(commitment_of(&secret) == due.hash, Error::<T>::WrongSecret)
			}
			(Some(due), None) if due.epoch == epoch => return Err(Error::<T>::SecretExpected),
			(_, Some(_)) => return Err(Error::<T>::NothingDue),
			(_, None) => {}
		}
		ensure!(
			reveal.validator.verify(&Self::reveal_payload(reveal), signature),
			Error::<T>::BadSignature
		);
		Ok(())
	}

	/// `#[pallet::authorize]` of `reveal`: valid until its epoch ends, once per validator.
	pub(crate) fn authorize_reveal(
		_source: TransactionSource,
		reveal: &RevealOf<T>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> TransactionValidityWithRefund {
		Self::check_reveal(reveal, signature).map_err(|error| {
			TransactionValidityError::Invalid(match error {
				Error::<T>::StaleEpoch => InvalidTransaction::Stale,
				Error::<T>::FutureEpoch | Error::<T>::TooEarly => InvalidTransaction::Future,
				Error::<T>::BadSignature => InvalidTransaction::BadProof,
				Error::<T>::NotValidator => InvalidTransaction::Custom(invalid::NOT_VALIDATOR),
				Error::<T>::WrongSecret => InvalidTransaction::Custom(invalid::WRONG_SECRET),
				Error::<T>::SecretExpected => InvalidTransaction::Custom(invalid::SECRET_EXPECTED),
				Error::<T>::NothingDue => InvalidTransaction::Custom(invalid::NOTHING_DUE),
				_ => InvalidTransaction::Custom(invalid::ALREADY),
			})
		})?;
		Self::validator_transaction(
			"NubesBeacon",
			(reveal.epoch, reveal.validator.clone()),
			Self::epoch_start(reveal.epoch.saturating_add(1)),
		)
	}

	pub(crate) fn do_reveal(
		reveal: RevealOf<T>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> DispatchResult {
		Self::check_reveal(&reveal, signature)?;
		let epoch = reveal.epoch;
		if let Some(secret) = reveal.secret {
			let added = contribution(&reveal.validator, &secret);
			Mixes::<T>::mutate(|mix| {
				if mix.epoch != epoch {
					*mix = Mix { epoch, ..Default::default() };
				}
				for (byte, add) in mix.value.iter_mut().zip(added) {
					*byte ^= add;
				}
				mix.reveals = mix.reveals.saturating_add(1);
			});
			Self::deposit_event(Event::Revealed { validator: reveal.validator.clone(), epoch });
		}
		let next = epoch.saturating_add(1);
		Commitments::<T>::insert(&reveal.validator, Commitment { epoch: next, hash: reveal.next });
		Self::deposit_event(Event::Committed { validator: reveal.validator, epoch: next });
		Ok(())
	}

	/// The worker's part: for each validator key this node holds, once an epoch, reveal the
	/// secret due and commit to the next, as early in the epoch's reveal phase as possible (an
	/// early reveal lands even if one author censors it). Secrets are drawn from the node's randomness and
	/// kept in its persistent off-chain storage until revealed.
	pub(crate) fn take_part_in_beacon(now: BlockNumberFor<T>) {
		// The transaction lands in the next block at the earliest, as the pool checks it.
		let next_block = now.saturating_add(One::one());
		let epoch = Self::epoch_of(next_block);
		let block: u32 = next_block.unique_saturated_into();
		if u64::from(block) < Self::reveal_start(epoch) {
			return;
		}
		let validators = Validators::<T>::get();
		for key in T::AuthorityId::all() {
			if validators.binary_search(&key).is_err() {
				continue;
			}
			let due = Commitments::<T>::get(&key);
			if due.is_some_and(|due| due.epoch > epoch) {
				continue;
			}
			let sent_key = (SENT_PREFIX, &key).encode();
			let sent = StorageValueRef::persistent(&sent_key);
			if let Ok(Some((sent_epoch, at))) = sent.get::<(EpochIndex, u32)>() {
				if sent_epoch == epoch && block < at.saturating_add(RESEND_AFTER) {
					continue;
				}
			}
			let secret = match due {
				Some(due) if due.epoch == epoch => match Self::stored_secret(&key, epoch) {
					Some(secret) if commitment_of(&secret) == due.hash => Some(secret),
					_ => {
						log::warn!(
							target: LOG,
							"the secret committed for epoch {epoch} is lost (off-chain storage \
							 reset?): the reveal is missed, the next epoch commits afresh"
						);
						continue;
					}
				},
				_ => None,
			};
			let Some(next) = Self::secret_for(&key, epoch.saturating_add(1)) else { continue };
			let reveal =
				RevealOf::<T> { epoch, validator: key.clone(), secret, next: commitment_of(&next) };
			let Some(signature) = key.sign(&Self::reveal_payload(&reveal)) else {
				log::warn!(target: LOG, "the keystore would not sign a reveal with the nubs key");
				continue;
			};
			let call = Call::<T>::reveal { reveal, signature };
			let transaction =
				<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(
					call.into(),
				);
			// Either way, not again for a few blocks: a refusal may be the pool already holding
			// the same reveal.
			sent.set(&(epoch, block));
			match SubmitTransaction::<T, Call<T>>::submit_transaction(transaction) {
				Ok(()) => {
					if let Some(old) = epoch.checked_sub(1) {
						StorageValueRef::persistent(&(SECRET_PREFIX, &key, old).encode()).clear();
					}
				}
				Err(()) => {
					log::debug!(target: LOG, "the pool did not take a reveal of epoch {epoch}")
				}
			}
		}
	}

	/// The secret `key` keeps for `epoch`, if any.
	fn stored_secret(key: &T::AuthorityId, epoch: EpochIndex) -> Option<[u8; 32]> {
		StorageValueRef::persistent(&(SECRET_PREFIX, key, epoch).encode()).get().ok().flatten()
	}

	/// The secret `key` reveals in `epoch`: drawn once, the same for every run of the worker.
	fn secret_for(key: &T::AuthorityId, epoch: EpochIndex) -> Option<[u8; 32]> {
		let stored_key = (SECRET_PREFIX, key, epoch).encode();
		let stored = StorageValueRef::persistent(&stored_key);
		let result = stored.mutate(|kept: Result<Option<[u8; 32]>, _>| match kept {
			Ok(Some(secret)) => Ok::<_, ()>(secret),
			_ => Ok(sp_io::offchain::random_seed()),
		});
		match result {
			Ok(secret) => Some(secret),
			Err(
				MutateStorageError::ConcurrentModification(_)
				| MutateStorageError::ValueFunctionFailed(_),
			) => {
				// Another run of the worker drew it at the same moment: take that one.
				Self::stored_secret(key, epoch)
			}
		}
	}
}
