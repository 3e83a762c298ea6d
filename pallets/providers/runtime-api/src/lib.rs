//! Runtime API of the provider registry, for the node's `nubes_providers` RPC, the CLI and
//! the agent: list providers page by page with filters, or read one.

#![cfg_attr(not(feature = "std"), no_std)]

use codec::Codec;
use nubes_primitives::{ProviderFilter, ProviderInfo, ProviderPage};

sp_api::decl_runtime_apis! {
	/// Reads of the provider registry.
	pub trait ProvidersApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Providers matching `filter`, in storage order, starting after `start_after`, at most
		/// `limit` (capped at `nubes_primitives::provider::MAX_PROVIDER_PAGE_SIZE`).
		fn providers(
			filter: ProviderFilter,
			start_after: Option<AccountId>,
			limit: u32,
		) -> ProviderPage<AccountId, Balance, BlockNumber>;

		/// One provider's record.
		fn provider(who: AccountId) -> Option<ProviderInfo<Balance, BlockNumber>>;
	}
}
