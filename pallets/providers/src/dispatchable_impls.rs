//! What the provider calls do.

use crate::*;
use frame_support::{ensure, pallet_prelude::*};
use nubes_primitives::{
	attributes::{self, AttributeError},
	endpoint::{self, EndpointError},
	region::{self, RegionError},
	traits::ProviderBond,
	Attribute, Attributes, Endpoint, ProviderStatus, Region, ResourcePrices, Resources,
};
use sp_runtime::traits::Zero;

impl<T: Config> From<EndpointError> for Error<T> {
	fn from(error: EndpointError) -> Self {
		match error {
			EndpointError::BadScheme => Error::EndpointBadScheme,
			EndpointError::MissingHost => Error::EndpointMissingHost,
			EndpointError::BadHost => Error::EndpointBadHost,
			EndpointError::BadPort => Error::EndpointBadPort,
			EndpointError::BadCharacter => Error::EndpointBadCharacter,
		}
	}
}

impl<T: Config> From<RegionError> for Error<T> {
	fn from(error: RegionError) -> Self {
		match error {
			RegionError::Empty => Error::EmptyRegion,
			RegionError::BadCharacter => Error::BadRegion,
		}
	}
}

impl<T: Config> From<AttributeError> for Error<T> {
	fn from(error: AttributeError) -> Self {
		match error {
			AttributeError::EmptyKey => Error::EmptyAttributeKey,
			AttributeError::BadKeyCharacter => Error::BadAttributeKey,
			AttributeError::EmptyValue => Error::EmptyAttributeValue,
			AttributeError::BadValueCharacter => Error::BadAttributeValue,
			AttributeError::DuplicateKey => Error::DuplicateAttribute,
		}
	}
}

/// A genesis string as a bounded byte list.
fn bounded<T: Config, S: sp_runtime::traits::Get<u32>>(
	text: &str,
) -> Result<BoundedVec<u8, S>, Error<T>> {
	text.as_bytes().to_vec().try_into().map_err(|_| Error::<T>::Overflow)
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register(
		who: T::AccountId,
		endpoint: Endpoint,
		region: Region,
		attributes: Attributes,
		capacity: Resources,
		prices: ResourcePrices<T::Balance>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		endpoint::validate(&endpoint).map_err(Error::<T>::from)?;
		region::validate(&region).map_err(Error::<T>::from)?;
		let attributes = attributes::normalize(attributes).map_err(Error::<T>::from)?;
		ensure!(!capacity.is_zero(), Error::<T>::ZeroCapacity);
		Self::ensure_bond_covers(&who, &capacity)?;

		let count = ProviderCount::<T>::get().checked_add(1).ok_or(Error::<T>::Overflow)?;
		if !attributes.is_empty() {
			ProviderAttributes::<T>::insert(&who, attributes);
		}
		Providers::<T>::insert(
			&who,
			ProviderRecordOf::<T> {
				endpoint,
				region,
				offered: capacity,
				allocated: Resources::ZERO,
				prices,
				status: ProviderStatus::Active,
				reputation: Default::default(),
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		ProviderCount::<T>::put(count);
		Self::take_slot(&who)?;
		Self::deposit_event(Event::ProviderRegistered { provider: who, capacity });
		Ok(())
	}

	pub(crate) fn do_update_endpoint(who: T::AccountId, endpoint: Endpoint) -> DispatchResult {
		endpoint::validate(&endpoint).map_err(Error::<T>::from)?;
		Self::mutate_provider(&who, |info| {
			info.endpoint = endpoint.clone();
			Ok(())
		})?;
		Self::deposit_event(Event::EndpointUpdated { provider: who, endpoint });
		Ok(())
	}

	pub(crate) fn do_update_attributes(
		who: T::AccountId,
		attributes: Attributes,
	) -> DispatchResult {
		let attributes = attributes::normalize(attributes).map_err(Error::<T>::from)?;
		let info = Providers::<T>::get(&who).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(info.status != ProviderStatus::Leaving, Error::<T>::Leaving);
		let old = if attributes.is_empty() {
			ProviderAttributes::<T>::take(&who)
		} else {
			ProviderAttributes::<T>::mutate(&who, |kept| {
				core::mem::replace(kept, attributes.clone())
			})
		};
		Self::revoke_changed_attestations(&who, &old, &attributes);
		Self::deposit_event(Event::AttributesUpdated { provider: who, attributes });
		Ok(())
	}

	pub(crate) fn do_update_prices(
		who: T::AccountId,
		prices: ResourcePrices<T::Balance>,
	) -> DispatchResult {
		Self::mutate_provider(&who, |info| {
			info.prices = prices;
			Ok(())
		})?;
		Self::deposit_event(Event::PricesUpdated { provider: who, prices });
		Ok(())
	}

	pub(crate) fn do_update_capacity(who: T::AccountId, capacity: Resources) -> DispatchResult {
		ensure!(!capacity.is_zero(), Error::<T>::ZeroCapacity);
		Self::mutate_provider(&who, |info| {
			ensure!(info.allocated.fits_within(&capacity), Error::<T>::CapacityBelowAllocated);
			Self::ensure_bond_covers(&who, &capacity)?;
			info.offered = capacity;
			Ok(())
		})?;
		Self::deposit_event(Event::CapacityUpdated { provider: who, capacity });
		Ok(())
	}

	pub(crate) fn do_pause(who: T::AccountId) -> DispatchResult {
		Self::mutate_provider(&who, |info| {
			ensure!(info.status == ProviderStatus::Active, Error::<T>::NotActive);
			info.status = ProviderStatus::Paused;
			Ok(())
		})?;
		Self::deposit_event(Event::ProviderPaused { provider: who });
		Ok(())
	}

	pub(crate) fn do_resume(who: T::AccountId) -> DispatchResult {
		let mut info = Providers::<T>::get(&who).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(info.status != ProviderStatus::Active, Error::<T>::NotPaused);
		ensure!(!ForcedOut::<T>::contains_key(&who), Error::<T>::ForcedOut);
		Self::ensure_bond_covers(&who, &info.offered)?;
		info.status = ProviderStatus::Active;
		Providers::<T>::insert(&who, info);
		Self::deposit_event(Event::ProviderResumed { provider: who });
		Ok(())
	}

	pub(crate) fn do_leave(who: T::AccountId) -> DispatchResult {
		let mut info = Providers::<T>::get(&who).ok_or(Error::<T>::UnknownProvider)?;
		ensure!(info.status != ProviderStatus::Leaving, Error::<T>::Leaving);
		ensure!(info.allocated.is_zero(), Error::<T>::HasActiveLeases);
		T::Stake::unbond_all(&who)?;
		info.status = ProviderStatus::Leaving;
		Providers::<T>::insert(&who, info);
		Self::deposit_event(Event::ProviderLeaving { provider: who.clone() });
		// With no stake left to withdraw, nothing will ever call back: forget it now.
		if T::Stake::total_stake(&who).is_zero() {
			Self::remove_provider(&who);
		}
		Ok(())
	}

	/// Applies `f` to a provider that has not left; the record is written only if `f` succeeds.
	pub(crate) fn mutate_provider<R>(
		who: &T::AccountId,
		f: impl FnOnce(&mut ProviderRecordOf<T>) -> Result<R, DispatchError>,
	) -> Result<R, DispatchError> {
		Providers::<T>::try_mutate(who, |maybe| {
			let info = maybe.as_mut().ok_or(Error::<T>::UnknownProvider)?;
			ensure!(info.status != ProviderStatus::Leaving, Error::<T>::Leaving);
			f(info)
		})
	}

	/// Fails unless `who`'s active bond covers offering `capacity`.
	pub(crate) fn ensure_bond_covers(who: &T::AccountId, capacity: &Resources) -> DispatchResult {
		let required = T::Stake::required_bond(capacity).ok_or(Error::<T>::Overflow)?;
		ensure!(T::Stake::active_bond(who) >= required, Error::<T>::InsufficientBond);
		Ok(())
	}

	/// Deletes a provider's record and attestations.
	pub(crate) fn remove_provider(who: &T::AccountId) {
		if Providers::<T>::take(who).is_some() {
			ProviderAttributes::<T>::remove(who);
			Attestations::<T>::remove(who);
			ForcedOut::<T>::remove(who);
			ProviderCount::<T>::mutate(|count| *count = count.saturating_sub(1));
			Self::vacate_slot(who);
			Self::deposit_event(Event::ProviderRemoved { provider: who.clone() });
		}
	}

	/// Registers a provider of the genesis config.
	pub(crate) fn register_genesis_provider(
		provider: &GenesisProvider<T::AccountId, T::Balance>,
	) -> DispatchResult {
		let attributes: alloc::vec::Vec<Attribute> = provider
			.attributes
			.iter()
			.map(|(key, value)| {
				Ok(Attribute { key: bounded::<T, _>(key)?, value: bounded::<T, _>(value)? })
			})
			.collect::<Result<_, Error<T>>>()?;
		Self::do_register(
			provider.account.clone(),
			bounded::<T, _>(&provider.endpoint)?,
			bounded::<T, _>(&provider.region)?,
			attributes.try_into().map_err(|_| Error::<T>::Overflow)?,
			provider.capacity,
			provider.prices,
		)
	}

	/// Checks the registry's invariants: allocated ≤ offered for every provider, every active
	/// provider's bond covers its capacity, the count matches, and attestations refer to
	/// registered providers and declared attributes.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut count = 0u32;
		for (who, info) in Providers::<T>::iter() {
			count += 1;
			ensure!(info.allocated.fits_within(&info.offered), "allocated exceeds offered");
			if info.status == ProviderStatus::Active {
				let required = T::Stake::required_bond(&info.offered).ok_or("bond overflows")?;
				ensure!(T::Stake::active_bond(&who) >= required, "active provider underbonded");
			}
		}
		ensure!(count == ProviderCount::<T>::get(), "provider count is off");
		Self::slots_try_state()?;
		for (who, attributes) in ProviderAttributes::<T>::iter() {
			ensure!(Providers::<T>::contains_key(&who), "attributes of an unknown provider");
			ensure!(!attributes.is_empty(), "an empty attribute list kept");
			ensure!(
				attributes::normalize(attributes.clone()).as_ref() == Ok(&attributes),
				"attributes not sorted, or malformed"
			);
		}
		for (who, attestations) in Attestations::<T>::iter() {
			ensure!(Providers::<T>::contains_key(&who), "attestation of an unknown provider");
			let declared = attributes::full_mask(ProviderAttributes::<T>::get(&who).len());
			for attestation in attestations.iter() {
				ensure!(attestation.attested != 0, "empty attestation kept");
				ensure!(
					attestation.attested & !declared == 0,
					"attestation of an undeclared attribute"
				);
			}
		}
		Ok(())
	}
}
