//! The reads behind the `ProvidersApi` runtime API.

use crate::*;
use nubes_primitives::{
	provider::{MAX_PROVIDERS_SCANNED, MAX_PROVIDER_PAGE_SIZE},
	ProviderFilter, ProviderPage,
};

impl<T: Config> Pallet<T> {
	/// Providers matching `filter` after `start_after`, at most `limit` (≤ [`MAX_PROVIDER_PAGE_SIZE`]),
	/// examining at most [`MAX_PROVIDERS_SCANNED`] records; `next` says where to go on.
	pub fn providers_page(
		filter: &ProviderFilter,
		start_after: Option<T::AccountId>,
		limit: u32,
	) -> ProviderPage<T::AccountId, T::Balance, frame_system::pallet_prelude::BlockNumberFor<T>> {
		let limit = limit.min(MAX_PROVIDER_PAGE_SIZE) as usize;
		let mut iter = match start_after {
			Some(after) => Providers::<T>::iter_from(Providers::<T>::hashed_key_for(after)),
			None => Providers::<T>::iter(),
		};
		let mut providers = alloc::vec::Vec::new();
		let mut last = None;
		let mut scanned = 0u32;
		while providers.len() < limit && scanned < MAX_PROVIDERS_SCANNED {
			let Some((who, info)) = iter.next() else {
				return ProviderPage { providers, next: None };
			};
			scanned += 1;
			last = Some(who.clone());
			let info = info.with_attributes(ProviderAttributes::<T>::get(&who));
			if filter.matches(&info) {
				providers.push((who, info));
			}
		}
		// Stopped at a bound: more may follow unless the map is exhausted.
		let next = if iter.next().is_some() { last } else { None };
		ProviderPage { providers, next }
	}
}
