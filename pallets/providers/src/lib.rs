//! # Providers
//!
//! The supply side of the market. A provider registers its agent's endpoint, region,
//! attributes, offered capacity and price list; its bond (pallet-provider-stake) must cover the
//! capacity. It can update each of these, pause (no new leases), resume, and leave once no lease
//! holds its capacity. The market allocates and releases capacity through
//! [`nubes_primitives::traits::CapacityAllocator`], so `allocated ≤ offered` always holds.
//! Auditors (a set managed by root) attest a provider's attributes; changing an attested
//! attribute revokes its attestation. Reputation is updated by the attestation verdicts.
//!
//! This file is the table of contents: configuration, storage, events, errors and calls. What
//! the calls do is in `dispatchable_impls.rs`, auditors and attestations in `audit.rs`, the
//! interfaces other pallets use in `interfaces.rs`, the runtime API's reads in `runtime_api.rs`,
//! upgrades of stored records in `migrations.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(test)]
mod attacks;
mod audit;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
mod interfaces;
pub mod migrations;
#[cfg(test)]
mod mock;
mod runtime_api;
mod slots;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use nubes_primitives::{
		traits::ProviderBond, AttributeKey, Attributes, Endpoint, Region, ResourcePrices, Resources,
	};

	/// The in-code storage version: 1 since the attributes left the record
	/// ([`crate::migrations`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Prices and bonds are amounts of this type (the native token).
		type Balance: Parameter
			+ Member
			+ MaxEncodedLen
			+ Copy
			+ Default
			+ Ord
			+ sp_runtime::traits::AtLeast32BitUnsigned
			+ TryFrom<u64>
			+ serde::Serialize
			+ for<'a> serde::Deserialize<'a>;

		/// The bonds that back offered capacity.
		type Stake: ProviderBond<Self::AccountId, Self::Balance>;

		/// Most auditors at once.
		#[pallet::constant]
		type MaxAuditors: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets up what the benchmarks need from other pallets (a bond).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::Balance>;
	}

	/// Every registered provider, without its attributes.
	#[pallet::storage]
	pub type Providers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProviderRecordOf<T>>;

	/// The attributes each provider declares, sorted by key (no entry for none). Apart from
	/// the record so that leasing capacity never reads them.
	#[pallet::storage]
	pub type ProviderAttributes<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Attributes, ValueQuery>;

	/// Number of registered providers.
	#[pallet::storage]
	pub type ProviderCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The dense slot index of the registry: slot → provider. Validators find the providers
	/// they must challenge by slot, in closed form, instead of walking the registry. A slot
	/// whose provider's record is gone stays (vacant) until the attestation pallet compacts
	/// the index at an epoch's start, so slots never move within an epoch.
	#[pallet::storage]
	pub type Slots<T: Config> = StorageMap<_, Twox64Concat, u32, T::AccountId>;

	/// Each registered provider's slot.
	#[pallet::storage]
	pub type SlotOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32>;

	/// How many slots there are, vacant ones included.
	#[pallet::storage]
	pub type SlotCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Slots whose provider's record is gone, waiting for compaction.
	#[pallet::storage]
	pub type VacantSlots<T: Config> = StorageMap<_, Twox64Concat, u32, ()>;

	/// Providers forced out after repeated faults: they never resume; the mark goes with the
	/// record, once the last of their stake is withdrawn.
	#[pallet::storage]
	pub type ForcedOut<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ()>;

	/// The auditors, sorted.
	#[pallet::storage]
	pub type Auditors<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxAuditors>, ValueQuery>;

	/// Per provider, what each auditor attested: the attribute keys, whose values are those the
	/// provider declares now (a change revokes the key).
	#[pallet::storage]
	pub type Attestations<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AttestationsOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Providers registered at genesis (their bonds come from the stake pallet's genesis).
		pub providers: alloc::vec::Vec<GenesisProvider<T::AccountId, T::Balance>>,
		/// Auditors at genesis.
		pub auditors: alloc::vec::Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for auditor in &self.auditors {
				if let Err(error) = Pallet::<T>::do_add_auditor(auditor.clone()) {
					panic!("genesis auditor {auditor:?}: {error:?}");
				}
			}
			for provider in &self.providers {
				if let Err(error) = Pallet::<T>::register_genesis_provider(provider) {
					panic!("genesis provider {:?}: {error:?}", provider.account);
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `provider` joined the market offering `capacity`.
		ProviderRegistered { provider: T::AccountId, capacity: Resources },
		/// `provider` moved its agent to `endpoint`.
		EndpointUpdated { provider: T::AccountId, endpoint: Endpoint },
		/// `provider` now declares `attributes`.
		AttributesUpdated { provider: T::AccountId, attributes: Attributes },
		/// `provider` posted a new price list.
		PricesUpdated { provider: T::AccountId, prices: ResourcePrices<T::Balance> },
		/// `provider` now offers `capacity`.
		CapacityUpdated { provider: T::AccountId, capacity: Resources },
		/// `provider` takes no new leases until it resumes.
		ProviderPaused { provider: T::AccountId },
		/// A slash left `provider`'s bond below what its capacity requires; it is paused until
		/// it bonds more.
		ProviderUnderbonded { provider: T::AccountId },
		/// `provider` takes new leases again.
		ProviderResumed { provider: T::AccountId },
		/// `provider` left the market; its bond is unbonding.
		ProviderLeaving { provider: T::AccountId },
		/// `provider`'s record is gone (it left and withdrew its stake).
		ProviderRemoved { provider: T::AccountId },
		/// A lease took `resources` of `provider`'s capacity.
		CapacityAllocated { provider: T::AccountId, resources: Resources },
		/// A closed lease gave `resources` back to `provider`.
		CapacityReleased { provider: T::AccountId, resources: Resources },
		/// Root made `auditor` an auditor.
		AuditorAdded { auditor: T::AccountId },
		/// Root removed `auditor`; its attestations no longer count.
		AuditorRemoved { auditor: T::AccountId },
		/// `auditor` attested `keys` of `provider`'s attributes.
		AttributesAttested { provider: T::AccountId, auditor: T::AccountId, keys: AttestedKeys },
		/// `auditor` withdrew its attestation of `keys` of `provider`.
		AttestationRevoked { provider: T::AccountId, auditor: T::AccountId, keys: AttestedKeys },
		/// `provider` changed or dropped the attested attributes `keys`: every attestation of
		/// them lapsed.
		AttestationsLapsed { provider: T::AccountId, keys: AttestedKeys },
		/// `provider` was forced out for repeated faults: it takes no new leases, its bond is
		/// unbonding and its leases are being closed.
		ProviderForcedOut { provider: T::AccountId },
		/// `provider`'s reputation changed.
		ReputationUpdated { provider: T::AccountId, reputation: nubes_primitives::Reputation },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered provider.
		AlreadyRegistered,
		/// The account is not a registered provider.
		UnknownProvider,
		/// The endpoint's scheme is not `http://` or `https://`.
		EndpointBadScheme,
		/// The endpoint has no host.
		EndpointMissingHost,
		/// The endpoint's host is malformed or carries user info.
		EndpointBadHost,
		/// The endpoint's port is not a number from 1 to 65535.
		EndpointBadPort,
		/// The endpoint holds a space, a control or a non-ASCII character.
		EndpointBadCharacter,
		/// The region is empty.
		EmptyRegion,
		/// The region holds a character other than `a-z 0-9 -`.
		BadRegion,
		/// An attribute key is empty.
		EmptyAttributeKey,
		/// An attribute key holds a character other than `a-z 0-9 . - _`.
		BadAttributeKey,
		/// An attribute value is empty.
		EmptyAttributeValue,
		/// An attribute value holds a space, a control or a non-ASCII character.
		BadAttributeValue,
		/// Two attributes have the same key.
		DuplicateAttribute,
		/// The offered capacity is zero.
		ZeroCapacity,
		/// The provider's active bond does not cover what the capacity requires.
		InsufficientBond,
		/// The new capacity is below what open leases have allocated.
		CapacityBelowAllocated,
		/// The provider is not active (paused or leaving).
		NotActive,
		/// The provider is not paused.
		NotPaused,
		/// The provider is leaving the market; it can only resume.
		Leaving,
		/// Open leases still hold the provider's capacity.
		HasActiveLeases,
		/// The provider was forced out after repeated faults; it cannot resume.
		ForcedOut,
		/// The free capacity cannot fit the request.
		InsufficientCapacity,
		/// Releasing more capacity than is allocated.
		ReleaseExceedsAllocation,
		/// The account is already an auditor.
		AlreadyAuditor,
		/// The account is not an auditor.
		NotAuditor,
		/// The auditor set is full.
		TooManyAuditors,
		/// No attribute key to attest was given.
		NothingToAttest,
		/// The provider does not declare an attribute with this key.
		UnknownAttribute,
		/// The auditor has no attestation of this provider.
		NoAttestation,
		/// A sum overflowed.
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
		/// Join the market. The caller's active bond must cover `capacity`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			endpoint: Endpoint,
			region: Region,
			attributes: Attributes,
			capacity: Resources,
			prices: ResourcePrices<T::Balance>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, endpoint, region, attributes, capacity, prices)
		}

		/// Move the provider's agent to a new endpoint.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_endpoint())]
		pub fn update_endpoint(origin: OriginFor<T>, endpoint: Endpoint) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_endpoint(who, endpoint)
		}

		/// Declare a new attribute list; attestations of changed or dropped keys are revoked.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_attributes())]
		pub fn update_attributes(origin: OriginFor<T>, attributes: Attributes) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_attributes(who, attributes)
		}

		/// Post a new price list; leases already open keep their rate.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::update_prices())]
		pub fn update_prices(
			origin: OriginFor<T>,
			prices: ResourcePrices<T::Balance>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_prices(who, prices)
		}

		/// Offer a new capacity: never below what leases hold, always covered by the bond.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::update_capacity())]
		pub fn update_capacity(origin: OriginFor<T>, capacity: Resources) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_capacity(who, capacity)
		}

		/// Take no new leases; open leases keep running.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::pause())]
		pub fn pause(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_pause(who)
		}

		/// Take new leases again (after a pause, a slash or leaving), once the bond covers the
		/// offered capacity.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::resume())]
		pub fn resume(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_resume(who)
		}

		/// Leave the market once no lease holds capacity; the whole bond starts unbonding and
		/// the record goes when the stake is withdrawn.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::leave())]
		pub fn leave(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_leave(who)
		}

		/// Make `auditor` an auditor (root).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::add_auditor())]
		pub fn add_auditor(origin: OriginFor<T>, auditor: T::AccountId) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_add_auditor(auditor)
		}

		/// Remove `auditor` (root); its attestations stop counting at once.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::remove_auditor())]
		pub fn remove_auditor(origin: OriginFor<T>, auditor: T::AccountId) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_remove_auditor(auditor)
		}

		/// Attest, as an auditor, that `provider` really has the attributes named by `keys`
		/// with the values it declares now.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::attest())]
		pub fn attest(
			origin: OriginFor<T>,
			provider: T::AccountId,
			keys: BoundedVec<
				AttributeKey,
				ConstU32<{ nubes_primitives::attributes::MAX_ATTRIBUTES }>,
			>,
		) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			Self::do_attest(auditor, provider, keys)
		}

		/// Withdraw, as an auditor, every attestation of `provider`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::revoke_attestation())]
		pub fn revoke_attestation(origin: OriginFor<T>, provider: T::AccountId) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			Self::do_revoke_attestation(auditor, provider)
		}
	}
}
