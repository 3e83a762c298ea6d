//! Auditors and their attestations of provider attributes.

use crate::*;
use frame_support::{ensure, pallet_prelude::*};
use nubes_primitives::{attributes, AttributeMask, Attributes};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_add_auditor(auditor: T::AccountId) -> DispatchResult {
		Auditors::<T>::try_mutate(|auditors| {
			let index = auditors.binary_search(&auditor).err().ok_or(Error::<T>::AlreadyAuditor)?;
			auditors.try_insert(index, auditor.clone()).map_err(|_| Error::<T>::TooManyAuditors)
		})?;
		Self::deposit_event(Event::AuditorAdded { auditor });
		Ok(())
	}

	pub(crate) fn do_remove_auditor(auditor: T::AccountId) -> DispatchResult {
		Auditors::<T>::try_mutate(|auditors| {
			let index = auditors.binary_search(&auditor).map_err(|_| Error::<T>::NotAuditor)?;
			auditors.remove(index);
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::AuditorRemoved { auditor });
		Ok(())
	}

	pub(crate) fn do_attest(
		auditor: T::AccountId,
		provider: T::AccountId,
		keys: AttestedKeys,
	) -> DispatchResult {
		let auditors = Auditors::<T>::get();
		ensure!(auditors.binary_search(&auditor).is_ok(), Error::<T>::NotAuditor);
		ensure!(Providers::<T>::contains_key(&provider), Error::<T>::UnknownProvider);
		ensure!(!keys.is_empty(), Error::<T>::NothingToAttest);
		let declared = ProviderAttributes::<T>::get(&provider);
		let mut mask: AttributeMask = 0;
		for key in keys.iter() {
			let index = attributes::index_of(&declared, key).ok_or(Error::<T>::UnknownAttribute)?;
			mask |= attributes::bit(index);
		}

		Attestations::<T>::try_mutate(&provider, |attestations| {
			// Attestations of removed auditors no longer count: make room by dropping them.
			attestations.retain(|a| auditors.binary_search(&a.auditor).is_ok());
			match attestations.iter_mut().find(|a| a.auditor == auditor) {
				Some(existing) => existing.attested |= mask,
				None => attestations
					.try_push(Attestation { auditor: auditor.clone(), attested: mask })
					.map_err(|_| Error::<T>::TooManyAuditors)?,
			}
			Ok::<_, DispatchError>(())
		})?;
		let keys =
			BoundedVec::truncate_from(attributes::keys_in(&declared, mask).cloned().collect());
		Self::deposit_event(Event::AttributesAttested { provider, auditor, keys });
		Ok(())
	}

	pub(crate) fn do_revoke_attestation(
		auditor: T::AccountId,
		provider: T::AccountId,
	) -> DispatchResult {
		let mask = Attestations::<T>::try_mutate_exists(&provider, |maybe| {
			let attestations = maybe.as_mut().ok_or(Error::<T>::NoAttestation)?;
			let index = attestations
				.iter()
				.position(|a| a.auditor == auditor)
				.ok_or(Error::<T>::NoAttestation)?;
			let removed = attestations.remove(index);
			if attestations.is_empty() {
				*maybe = None;
			}
			Ok::<_, Error<T>>(removed.attested)
		})?;
		let declared = ProviderAttributes::<T>::get(&provider);
		let keys =
			BoundedVec::truncate_from(attributes::keys_in(&declared, mask).cloned().collect());
		Self::deposit_event(Event::AttestationRevoked { provider, auditor, keys });
		Ok(())
	}

	/// Carries `provider`'s attestations from its `old` attributes over to its `new` ones:
	/// attributes whose value changed or that disappeared are no longer attested by anyone.
	pub(crate) fn revoke_changed_attestations(
		provider: &T::AccountId,
		old: &Attributes,
		new: &Attributes,
	) {
		let mut lapsed: AttributeMask = 0;
		Attestations::<T>::mutate_exists(provider, |maybe| {
			let Some(attestations) = maybe.as_mut() else { return };
			for attestation in attestations.iter_mut() {
				let kept = attributes::remap(attestation.attested, old, new);
				// What the old set had beyond what survived, as bits over `old`.
				lapsed |= attestation.attested & !attributes::remap(kept, new, old);
				attestation.attested = kept;
			}
			attestations.retain(|a| a.attested != 0);
			if attestations.is_empty() {
				*maybe = None;
			}
		});
		if lapsed != 0 {
			Self::deposit_event(Event::AttestationsLapsed {
				provider: provider.clone(),
				keys: BoundedVec::truncate_from(
					attributes::keys_in(old, lapsed).cloned().collect(),
				),
			});
		}
	}

	/// Which of `provider`'s attributes, as declared now, `auditor` attests: none unless it is
	/// still an auditor.
	pub fn attested(provider: &T::AccountId, auditor: &T::AccountId) -> AttributeMask {
		if Auditors::<T>::get().binary_search(auditor).is_err() {
			return 0;
		}
		Attestations::<T>::get(provider)
			.iter()
			.find(|a| &a.auditor == auditor)
			.map_or(0, |a| a.attested)
	}

	/// Whether `auditor`, still an auditor, attests `provider`'s attribute `key` as declared now.
	pub fn is_attested(provider: &T::AccountId, auditor: &T::AccountId, key: &[u8]) -> bool {
		attributes::index_of(&ProviderAttributes::<T>::get(provider), key)
			.is_some_and(|index| Self::attested(provider, auditor) & attributes::bit(index) != 0)
	}
}
