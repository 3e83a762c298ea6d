//! # Payments
//!
//! Lease escrow with lazy settlement: "no proof, no pay". The market opens an escrow for each
//! lease, held on the tenant's account under [`HoldReason::LeaseEscrow`], paying the provider a
//! rate per block once the lease starts. Nothing iterates over leases per block: the provider
//! (or anyone, as a keeper) settles a lease or a batch, paying `rate × served blocks` since the
//! last settlement, minus the protocol fee to the treasury. Served blocks come from
//! [`Config::ServedBlocks`] (the attestation verdicts), and settlement never reaches past the
//! last judged block. When a lease closes, what its remaining blocks cannot cost goes back to the
//! tenant at once; the escrow goes when every block up to the close is judged and paid.
//!
//! This file is the table of contents: configuration, storage, events, errors and calls. What
//! they do is in `settlement.rs`; the market's interface is in `escrow.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod escrow;
#[cfg(test)]
mod mock;
mod settlement;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Balanced, BalancedHold, Credit, Inspect, InspectHold, Mutate, MutateHold},
			tokens::imbalance::OnUnbalanced,
		},
	};
	use frame_system::pallet_prelude::*;
	use nubes_primitives::{traits::ServedBlocks, LeaseId};
	use sp_runtime::Perbill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency escrows are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Balanced<Self::AccountId>
			+ BalancedHold<Self::AccountId>;

		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Which blocks each provider served, and up to where that is judged.
		type ServedBlocks: ServedBlocks<Self::AccountId, BlockNumberFor<Self>>;

		/// Where protocol fees and tenants' forfeits go (the treasury).
		type OnPenalty: OnUnbalanced<Credit<Self::AccountId, Self::Currency>>;

		/// Most leases one `settle_batch` call settles.
		#[pallet::constant]
		type MaxSettleBatch: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Makes blocks judged for the settlement benchmarks (settlement never reaches past
		/// the last judged block).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<BlockNumberFor<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A tenant's escrow for a lease.
		LeaseEscrow,
	}

	/// The escrow of every lease that is open, or closed with blocks still to judge and pay.
	#[pallet::storage]
	pub type Escrows<T: Config> = StorageMap<_, Twox64Concat, LeaseId, EscrowOf<T>>;

	/// Share of every payment that goes to the treasury. Set by root.
	#[pallet::storage]
	pub type ProtocolFee<T: Config> = StorageValue<_, Perbill, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial protocol fee.
		pub protocol_fee: Perbill,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			ProtocolFee::<T>::put(self.protocol_fee);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `tenant` funded the escrow of `lease` with `deposit`, to pay `provider` `rate` per
		/// block once the lease starts.
		EscrowOpened {
			lease: LeaseId,
			tenant: T::AccountId,
			provider: T::AccountId,
			rate: BalanceOf<T>,
			deposit: BalanceOf<T>,
		},
		/// `lease` started: blocks from `at` are chargeable.
		EscrowStarted { lease: LeaseId, at: BlockNumberFor<T> },
		/// The tenant added `amount` to the escrow of `lease`.
		EscrowToppedUp { lease: LeaseId, amount: BalanceOf<T> },
		/// `lease` was settled up to block `settled_to`: `to_provider` went to the provider and
		/// `fee` to the treasury, for `blocks` served blocks.
		Settled {
			lease: LeaseId,
			provider: T::AccountId,
			blocks: BlockNumberFor<T>,
			to_provider: BalanceOf<T>,
			fee: BalanceOf<T>,
			settled_to: BlockNumberFor<T>,
		},
		/// `amount` of the escrow of `lease` went back to `tenant`.
		Refunded { lease: LeaseId, tenant: T::AccountId, amount: BalanceOf<T> },
		/// `tenant` forfeited `amount` of the escrow of `lease` (a start timeout it may have
		/// caused); it went to the treasury.
		Forfeited { lease: LeaseId, tenant: T::AccountId, amount: BalanceOf<T> },
		/// Every block of `lease` is paid; its escrow is gone.
		EscrowClosed { lease: LeaseId },
		/// Root set the protocol fee.
		ProtocolFeeSet { fee: Perbill },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No escrow exists for this lease.
		UnknownEscrow,
		/// An escrow already exists for this lease.
		EscrowExists,
		/// The rate is zero.
		ZeroRate,
		/// The amount is zero.
		ZeroAmount,
		/// The tenant's free balance cannot fund the amount.
		InsufficientBalance,
		/// The lease already started.
		AlreadyStarted,
		/// The lease has ended: its escrow takes no more funds.
		Ended,
		/// Nothing is due: no judged, unpaid block since the last settlement.
		NothingToSettle,
		/// A sum of balances or block numbers overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Settle `lease` up to now (or the last judged block). Anyone may call it.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::settle())]
		pub fn settle(origin: OriginFor<T>, lease: LeaseId) -> DispatchResult {
			ensure_signed(origin)?;
			let escrow = Escrows::<T>::get(lease).ok_or(Error::<T>::UnknownEscrow)?;
			let (paid, escrow) = Self::do_settle(lease, escrow)?;
			ensure!(paid, Error::<T>::NothingToSettle);
			Self::store(lease, escrow)
		}

		/// Settle each of `leases`; leases without an escrow or with nothing due are skipped.
		/// Anyone may call it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::settle_batch(leases.len() as u32))]
		pub fn settle_batch(
			origin: OriginFor<T>,
			leases: BoundedVec<LeaseId, T::MaxSettleBatch>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			for lease in leases {
				let Some(escrow) = Escrows::<T>::get(lease) else { continue };
				// One lease that cannot be paid (e.g. a payment below the existential deposit)
				// must not block the others.
				if let Ok((_, escrow)) = Self::do_settle(lease, escrow) {
					Self::store(lease, escrow)?;
				}
			}
			Ok(())
		}

		/// Set the share of every payment that goes to the treasury (root).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_protocol_fee())]
		pub fn set_protocol_fee(origin: OriginFor<T>, fee: Perbill) -> DispatchResult {
			ensure_root(origin)?;
			ProtocolFee::<T>::put(fee);
			Self::deposit_event(Event::ProtocolFeeSet { fee });
			Ok(())
		}
	}
}

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<BlockNumber> {
	/// Makes every block before `block` judged.
	fn judge_until(block: BlockNumber);
}

/// For runtimes whose `ServedBlocks` judges every block already (mocks).
#[cfg(feature = "runtime-benchmarks")]
impl<BlockNumber> BenchmarkHelper<BlockNumber> for () {
	fn judge_until(_block: BlockNumber) {}
}
