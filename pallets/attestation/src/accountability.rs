//! Validators answer for their work: each files a signed summary of each epoch, and once the
//! epoch is judged its book is closed against the verdicts.
//!
//! A validator's **ledger** for an epoch counts the failures it reported. Its **summary** says
//! how many providers it challenged and how many failed, which must be exactly the failures it
//! reported, and commits to every outcome with a Merkle root (leaves: [`outcome_leaf`], in the
//! order of its slots), so each claimed outcome is a signed statement it can be asked to open.
//! After the summary the ledger takes no more reports: a validator cannot wait to see others'
//! reports and pile on.
//!
//! Judging adds to each ledger the failures it reported of providers judged to have served
//! (`false_failures`) and the faults of providers assigned to it that it did not report
//! (`missed_faults`). When the epoch is judged, every validator of the epoch is closed in turn,
//! a page per block: silent (no summary), challenges short of its share, and the two
//! disagreements are added to its [`Standing`], and so is a summary filed only after the epoch
//! ended (when the others' reports could be seen first), and [`Event::ValidatorAccounted`] records the
//! epoch. The counts are evidence, not penalties: honest validators disagree too (a provider
//! that fails for one and answers another, a validator's own network trouble), so governance
//! reads them (`Standings`, the events, the `AttestationApi` runtime API) and acts on the
//! validators whose counts stand out.

use crate::*;
use alloc::{collections::BTreeMap, vec::Vec};
use codec::Encode;
use frame_support::{ensure, pallet_prelude::*};
use nubes_proofs::Failure;
use sp_runtime::RuntimeAppPublic;

/// Custom invalidity code of a summary or report of a validator whose book is closed.
pub const SUMMARIZED: u8 = 5;
/// Custom invalidity code of a summary whose failures are not those reported.
pub const MISMATCH: u8 = 6;
/// Custom invalidity code of a summary claiming more than its share.
pub const TOO_MANY: u8 = 7;

/// The leaf of a validator's outcome tree for the challenge of `provider` in `epoch`: the
/// Blake2-256 hash of the encoded outcome, passed (`None`) or why it failed.
pub fn outcome_leaf<AccountId: Encode>(
	epoch: EpochIndex,
	provider: &AccountId,
	verdict: Option<&Failure>,
) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"nubes/outcome", epoch, provider, verdict).encode())
}

/// The root a summary commits to: the Merkle root (Blake2-256, as `nubes-proofs`' storage
/// commitments, which open one leaf with `storage::prove_chunk`) over the leaves in order; an
/// epoch without challenges has the empty tree's.
pub fn outcomes_root<L: AsRef<[u8]>>(leaves: &[L]) -> [u8; 32] {
	nubes_proofs::storage::commit(leaves)
}

/// What judging found against the validators of one page of providers: per validator index,
/// `(false_failures, missed_faults)`.
pub(crate) type Disagreements = BTreeMap<u32, (u32, u32)>;

impl<T: Config> Pallet<T> {
	/// The bytes a validator signs for `summary`: bound to this chain and this pallet.
	pub fn summary_payload(summary: &Summary) -> Vec<u8> {
		Self::signed_payload(b"nubes/attestation/summary", summary)
	}

	/// Everything about `summary` that does not depend on its signature; the epoch's data.
	pub(crate) fn check_summary(summary: &Summary) -> Result<EpochData<T>, Error<T>> {
		let (data, ledger) = Self::open_book(summary.epoch, summary.validator)?;
		ensure!(summary.failed == ledger.reported, Error::<T>::FailureCountMismatch);
		ensure!(
			summary.failed <= summary.challenged
				&& summary.challenged <= data.share(summary.validator),
			Error::<T>::TooManyChallenges
		);
		Ok(data)
	}

	/// Checks `summary` and its signature; the error says why it is refused.
	pub(crate) fn check_signed_summary(
		summary: &Summary,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> Result<(), Error<T>> {
		let data = Self::check_summary(summary)?;
		Self::check_signer(&data, summary.validator, &Self::summary_payload(summary), signature)
	}

	/// `#[pallet::authorize]` of `summarize`: valid while its epoch's window is open, one per
	/// validator and epoch.
	pub(crate) fn authorize_summary(
		_source: TransactionSource,
		summary: &Summary,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> TransactionValidityWithRefund {
		Self::check_signed_summary(summary, signature).map_err(Self::refusal)?;
		Self::validator_transaction(
			"NubesAttestationSummary",
			(summary.epoch, summary.validator),
			Self::window_end(summary.epoch),
		)
	}

	pub(crate) fn do_summarize(
		summary: Summary,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> DispatchResult {
		Self::check_signed_summary(&summary, signature)?;
		Ledgers::<T>::mutate(summary.epoch, summary.validator, |ledger| {
			ledger.summary = Some(Filed {
				challenged: summary.challenged,
				outcomes: summary.outcomes,
				late: Self::now() >= Self::epoch_start(summary.epoch.saturating_add(1)),
			});
		});
		Self::deposit_event(Event::Summarized {
			epoch: summary.epoch,
			validator: summary.validator,
			challenged: summary.challenged,
			failed: summary.failed,
			outcomes: summary.outcomes,
		});
		Ok(())
	}

	/// Notes against the validators of `epoch` what judging a page found.
	pub(crate) fn note_disagreements(epoch: EpochIndex, found: Disagreements) {
		for (index, (false_failures, missed_faults)) in found {
			Ledgers::<T>::mutate(epoch, index, |ledger| {
				ledger.false_failures = ledger.false_failures.saturating_add(false_failures);
				ledger.missed_faults = ledger.missed_faults.saturating_add(missed_faults);
			});
		}
	}

	/// Closes the books of validators `from..` of judged `epoch`, up to `limit`;
	/// returns how many it closed and whether every validator's book is now closed.
	pub(crate) fn close_books(
		epoch: EpochIndex,
		data: &EpochData<T>,
		from: u32,
		limit: u32,
	) -> (u32, bool) {
		let current = Validators::<T>::get();
		let mut closed = 0u32;
		for (index, key) in
			(0u32..).zip(data.validators.iter()).skip(from as usize).take(limit as usize)
		{
			closed = closed.saturating_add(1);
			let ledger = Ledgers::<T>::take(epoch, index);
			let share = data.share(index);
			let challenged = ledger.summary.map(|filed| filed.challenged);
			// Former validators are forgotten; the event is their record.
			if current.binary_search(key).is_ok() {
				Standings::<T>::mutate(key, |standing| {
					standing.epochs = standing.epochs.saturating_add(1);
					match ledger.summary {
						Some(filed) => {
							standing.unchallenged = standing
								.unchallenged
								.saturating_add(share.saturating_sub(filed.challenged));
							standing.late = standing.late.saturating_add(u32::from(filed.late));
						}
						None => standing.silent = standing.silent.saturating_add(1),
					}
					standing.false_failures =
						standing.false_failures.saturating_add(ledger.false_failures);
					standing.missed_faults =
						standing.missed_faults.saturating_add(ledger.missed_faults);
					standing.last_epoch = epoch;
				});
			}
			Self::deposit_event(Event::ValidatorAccounted {
				validator: key.clone(),
				epoch,
				share,
				challenged,
				false_failures: ledger.false_failures,
				missed_faults: ledger.missed_faults,
			});
		}
		(closed, from.saturating_add(closed) as usize >= data.validators.len())
	}

	/// Every validator's standing, for the runtime API.
	pub fn standings() -> Vec<(T::AuthorityId, Standing)> {
		Validators::<T>::get()
			.into_iter()
			.map(|key| {
				let standing = Standings::<T>::get(&key);
				(key, standing)
			})
			.collect()
	}

	/// The books of `epoch` still open, by validator index, for the runtime API.
	pub fn ledgers(epoch: EpochIndex) -> Vec<(u32, Ledger)> {
		let validators = Epochs::<T>::get(epoch).map_or(0, |data| data.validators.len() as u32);
		(0..validators).map(|index| (index, Ledgers::<T>::get(epoch, index))).collect()
	}
}
