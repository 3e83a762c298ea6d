//! Validators' reports: who may report what, checked the same way when the transaction enters
//! the pool (`authorize`) and when it is applied.

use crate::*;
use alloc::{collections::BTreeSet, vec::Vec};
use codec::Encode;
use frame_support::{ensure, pallet_prelude::*};
use nubes_primitives::traits::ProviderDirectory;
use sp_runtime::{traits::UniqueSaturatedInto, RuntimeAppPublic};

/// Custom invalidity codes of a refused report (in `InvalidTransaction::Custom`).
pub mod invalid {
	/// No validator of the epoch has the index.
	pub const NOT_VALIDATOR: u8 = 1;
	/// The report lists no failure.
	pub const EMPTY: u8 = 2;
	/// The validator is not assigned to a listed provider.
	pub const NOT_ASSIGNED: u8 = 3;
	/// A provider listed twice or already reported by this validator.
	pub const DUPLICATE: u8 = 4;
}

/// The slot each provider a report lists held in the report's epoch, in the report's order;
/// `None` for one whose record went since it was challenged.
pub(crate) type ReportSlots = Vec<Option<u32>>;

impl<T: Config> Pallet<T> {
	/// The bytes a validator signs for `report`: bound to this chain and this pallet.
	pub fn signing_payload(report: &ReportOf<T>) -> Vec<u8> {
		Self::signed_payload(b"nubes/attestation/report", report)
	}

	/// Sorts, dedups and bounds a validator set.
	pub(crate) fn checked_validators(
		mut validators: Vec<T::AuthorityId>,
	) -> Result<BoundedVec<T::AuthorityId, T::MaxValidators>, Error<T>> {
		let count = validators.len();
		validators.sort();
		validators.dedup();
		ensure!(validators.len() == count, Error::<T>::DuplicateValidator);
		validators.try_into().map_err(|_| Error::<T>::TooManyValidators)
	}

	/// Everything about `report` that does not depend on its signature; with the epoch, the
	/// slot each listed provider held in it, or `None` for one whose record went since it was
	/// challenged (passed over, not held against the rest of the report).
	pub(crate) fn check_report(
		report: &ReportOf<T>,
	) -> Result<(EpochData<T>, ReportSlots), Error<T>> {
		let (data, _) = Self::open_book(report.epoch, report.validator)?;
		ensure!(!report.failures.is_empty(), Error::<T>::EmptyReport);
		let since = Self::compaction_since(report.epoch);
		let mut seen = BTreeSet::new();
		let mut kept = Vec::with_capacity(report.failures.len());
		for (provider, _) in report.failures.iter() {
			ensure!(seen.insert(provider.clone()), Error::<T>::DuplicateReport);
			// Gone from the registry since: nothing left to judge.
			let slot = match T::Directory::slot_of(provider) {
				Some(slot_now) => {
					let slot = Self::slot_in(since.as_ref(), provider, slot_now)
						.ok_or(Error::<T>::NotAssigned)?;
					ensure!(data.is_assigned(slot, report.validator), Error::<T>::NotAssigned);
					Some(slot)
				}
				None => None,
			};
			ensure!(
				Failures::<T>::get(report.epoch, provider)
					.reports
					.iter()
					.all(|(validator, _)| *validator != report.validator),
				Error::<T>::DuplicateReport
			);
			kept.push(slot);
		}
		Ok((data, kept))
	}

	/// Checks `report` and its signature; the error says why it is refused. Returns the slots
	/// of the listed providers (see [`Self::check_report`]).
	pub(crate) fn check_signed_report(
		report: &ReportOf<T>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> Result<ReportSlots, Error<T>> {
		let (data, kept) = Self::check_report(report)?;
		Self::check_signer(&data, report.validator, &Self::signing_payload(report), signature)?;
		Ok(kept)
	}

	/// `#[pallet::authorize]` of `report`: valid while its epoch's window is open.
	pub(crate) fn authorize_report(
		_source: TransactionSource,
		report: &ReportOf<T>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> TransactionValidityWithRefund {
		Self::check_signed_report(report, signature).map_err(Self::refusal)?;
		Self::validator_transaction(
			"NubesAttestationReport",
			(report.epoch, report.validator, sp_io::hashing::blake2_256(&report.failures.encode())),
			Self::window_end(report.epoch),
		)
	}

	pub(crate) fn do_report(
		report: ReportOf<T>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> DispatchResult {
		let slots = Self::check_signed_report(&report, signature)?;
		// Every listed failure counts in the validator's ledger, kept or passed over: its
		// summary accounts for what it reported.
		let listed = report.failures.len() as u32;
		Ledgers::<T>::mutate(report.epoch, report.validator, |ledger| {
			ledger.reported = ledger.reported.saturating_add(listed);
		});
		let mut count = 0u32;
		for ((provider, failure), slot) in report.failures.into_iter().zip(slots) {
			let Some(slot) = slot else { continue };
			count = count.saturating_add(1);
			Failures::<T>::try_mutate(report.epoch, &provider, |failures| {
				failures.slot = slot;
				// At most one per assigned validator, and at most `MAX_REDUNDANCY` are assigned.
				failures
					.reports
					.try_push((report.validator, failure))
					.map_err(|_| Error::<T>::DuplicateReport)
			})?;
		}
		Self::deposit_event(Event::FailuresReported {
			epoch: report.epoch,
			validator: report.validator,
			failures: count,
		});
		Ok(())
	}

	/// The current block number, as a `u64`.
	pub(crate) fn now() -> u64 {
		let block: u32 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		block.into()
	}
}
