//! What validators' signed transactions (reports, summaries, the beacon's reveals) share: the
//! bytes they sign, bound to this chain and to one purpose; for reports and summaries, the
//! epoch and validator index they may speak for and the pool's reasons for refusing them; and
//! how long the pool keeps them.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::RuntimeAppPublic;

impl<T: Config> Pallet<T> {
	/// The bytes a validator signs for `item`: `purpose`, this chain's genesis hash, `item`.
	pub(crate) fn signed_payload(purpose: &'static [u8], item: &impl Encode) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::from(0u32));
		(purpose, genesis, item).encode()
	}

	/// The epoch `epoch`, and validator `validator`'s book of it, if that validator may still
	/// speak for it: the epoch has started, its report window is open, the index is one of its
	/// validators, and the validator has not closed its book with a summary.
	pub(crate) fn open_book(
		epoch: EpochIndex,
		validator: u32,
	) -> Result<(EpochData<T>, Ledger), Error<T>> {
		let now = Self::now();
		ensure!(Self::epoch_start(epoch) <= now, Error::<T>::FutureEpoch);
		ensure!(now < Self::window_end(epoch), Error::<T>::StaleEpoch);
		let data = Epochs::<T>::get(epoch).ok_or(Error::<T>::StaleEpoch)?;
		ensure!((validator as usize) < data.validators.len(), Error::<T>::NotValidator);
		let ledger = Ledgers::<T>::get(epoch, validator);
		ensure!(ledger.summary.is_none(), Error::<T>::AlreadySummarized);
		Ok((data, ledger))
	}

	/// Whether `signature` over `payload` is validator `validator`'s of `data`.
	pub(crate) fn check_signer(
		data: &EpochData<T>,
		validator: u32,
		payload: &[u8],
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> Result<(), Error<T>> {
		let key = data.validators.get(validator as usize).ok_or(Error::<T>::NotValidator)?;
		ensure!(key.verify(&payload, signature), Error::<T>::BadSignature);
		Ok(())
	}

	/// What the pool is told when it refuses a report or a summary for `error`.
	pub(crate) fn refusal(error: Error<T>) -> TransactionValidityError {
		use reports::invalid;
		TransactionValidityError::Invalid(match error {
			Error::<T>::StaleEpoch => InvalidTransaction::Stale,
			Error::<T>::FutureEpoch => InvalidTransaction::Future,
			Error::<T>::BadSignature => InvalidTransaction::BadProof,
			Error::<T>::NotValidator => InvalidTransaction::Custom(invalid::NOT_VALIDATOR),
			Error::<T>::EmptyReport => InvalidTransaction::Custom(invalid::EMPTY),
			Error::<T>::NotAssigned => InvalidTransaction::Custom(invalid::NOT_ASSIGNED),
			Error::<T>::DuplicateReport => InvalidTransaction::Custom(invalid::DUPLICATE),
			Error::<T>::AlreadySummarized => InvalidTransaction::Custom(accountability::SUMMARIZED),
			Error::<T>::FailureCountMismatch => {
				InvalidTransaction::Custom(accountability::MISMATCH)
			}
			Error::<T>::TooManyChallenges => InvalidTransaction::Custom(accountability::TOO_MANY),
			_ => InvalidTransaction::Call,
		})
	}

	/// The pool's validity of a validator's transaction tagged `prefix` that provides
	/// `provides` and can land until block `until`: high priority, gossiped, no refund.
	pub(crate) fn validator_transaction(
		prefix: &'static str,
		provides: impl Encode,
		until: u64,
	) -> TransactionValidityWithRefund {
		let valid = ValidTransaction::with_tag_prefix(prefix)
			.priority(TransactionPriority::MAX / 2)
			.and_provides(provides)
			.longevity(until.saturating_sub(Self::now()).max(1))
			.propagate(true)
			.build()?;
		Ok((valid, Weight::zero()))
	}
}
