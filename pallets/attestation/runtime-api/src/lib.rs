//! Runtime API of attestation, for governance and validator operators: how each validator
//! stands (missed reveals, silent epochs, challenges short of its share, disagreements with
//! the verdicts), and the books of an epoch still open (failures reported, summary filed).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_attestation::{EpochIndex, Ledger, Standing};

sp_api::decl_runtime_apis! {
	/// Reads of validators' accountability.
	pub trait AttestationApi<AuthorityId>
	where
		AuthorityId: Codec,
	{
		/// Every validator of the current set with its standing, in key order.
		fn standings() -> Vec<(AuthorityId, Standing)>;

		/// The books of `epoch` by validator index, while the epoch is not yet closed (empty
		/// once it is).
		fn ledgers(epoch: EpochIndex) -> Vec<(u32, Ledger)>;
	}
}
