//! Auditors and their attestations of provider attributes.

use crate::*;
use frame_support::{ensure, pallet_prelude::*};
use nubes_primitives::{attributes, AttributeKey, Attributes};

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
		let info = Providers::<T>::get(&provider).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(!keys.is_empty(), Error::<T>::NothingToAttest);
		ensure!(
			keys.iter().all(|key| attributes::value_of(&info.attributes, key).is_some()),
			Error::<T>::UnknownAttribute
		);

		Attestations::<T>::try_mutate(&provider, |attestations| {
			// Attestations of removed auditors no longer count: make room by dropping them.
			attestations.retain(|a| auditors.binary_search(&a.auditor).is_ok());
			let attestation = match attestations.iter_mut().find(|a| a.auditor == auditor) {
				Some(existing) => existing,
				None => {
					attestations
						.try_push(Attestation {
							auditor: auditor.clone(),
							keys: Default::default(),
						})
						.map_err(|_| Error::<T>::TooManyAuditors)?;
					attestations.last_mut().ok_or(Error::<T>::TooManyAuditors)?
				}
			};
			for key in keys.iter() {
				if let Err(index) = attestation.keys.binary_search(key) {
					// Every key is a declared attribute, so the list never exceeds the bound.
					attestation
						.keys
						.try_insert(index, key.clone())
						.map_err(|_| Error::<T>::Overflow)?;
				}
			}
			Ok::<_, DispatchError>(())
		})?;
		let mut keys = keys.into_inner();
		keys.sort();
		keys.dedup();
		let keys = BoundedVec::truncate_from(keys);
		Self::deposit_event(Event::AttributesAttested { provider, auditor, keys });
		Ok(())
	}

	pub(crate) fn do_revoke_attestation(
		auditor: T::AccountId,
		provider: T::AccountId,
	) -> DispatchResult {
		let keys = Attestations::<T>::try_mutate_exists(&provider, |maybe| {
			let attestations = maybe.as_mut().ok_or(Error::<T>::NoAttestation)?;
			let index = attestations
				.iter()
				.position(|a| a.auditor == auditor)
				.ok_or(Error::<T>::NoAttestation)?;
			let removed = attestations.remove(index);
			if attestations.is_empty() {
				*maybe = None;
			}
			Ok::<_, Error<T>>(removed.keys)
		})?;
		Self::deposit_event(Event::AttestationRevoked { provider, auditor, keys });
		Ok(())
	}

	/// Drops attested keys whose value changed or disappeared between `old` and `new`.
	pub(crate) fn revoke_changed_attestations(
		provider: &T::AccountId,
		old: &Attributes,
		new: &Attributes,
	) {
		let changed =
			|key: &AttributeKey| attributes::value_of(old, key) != attributes::value_of(new, key);
		let mut revoked = alloc::vec::Vec::new();
		Attestations::<T>::mutate_exists(provider, |maybe| {
			let Some(attestations) = maybe.as_mut() else { return };
			for attestation in attestations.iter_mut() {
				let (gone, kept): (alloc::vec::Vec<_>, alloc::vec::Vec<_>) =
					attestation.keys.iter().cloned().partition(|key| changed(key));
				if !gone.is_empty() {
					// `kept` is a subset of a bounded list, so it fits.
					attestation.keys = BoundedVec::truncate_from(kept);
					revoked.push((attestation.auditor.clone(), BoundedVec::truncate_from(gone)));
				}
			}
			attestations.retain(|a| !a.keys.is_empty());
			if attestations.is_empty() {
				*maybe = None;
			}
		});
		for (auditor, keys) in revoked {
			Self::deposit_event(Event::AttestationRevoked {
				provider: provider.clone(),
				auditor,
				keys,
			});
		}
	}

	/// Whether `auditor`, still an auditor, attests `provider`'s attribute `key` as declared now.
	pub fn is_attested(provider: &T::AccountId, auditor: &T::AccountId, key: &[u8]) -> bool {
		Auditors::<T>::get().binary_search(auditor).is_ok()
			&& Attestations::<T>::get(provider)
				.iter()
				.any(|a| &a.auditor == auditor && a.keys.iter().any(|k| k.as_slice() == key))
	}
}
