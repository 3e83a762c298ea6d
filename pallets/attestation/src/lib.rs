//! # Attestation
//!
//! Nubes checks that providers really have what they sell. Time is cut into epochs (their
//! length and report window root may change, from the next epoch: `timing.rs`); each epoch
//! starts with a seed from the validators' beacon and a snapshot of the validators (identified
//! by their `nubs` keys). Every provider is assigned to up to three validators in closed form by
//! its slot in the registry's dense index (`coverage.rs`), so a validator lists its own share
//! without walking the registry. Each validator's off-chain worker challenges its providers
//! at their registered endpoints with the `nubes-proofs` puzzle sized to the cores they sell,
//! verifies the answers, and reports the failures, signed with its `nubs` key, as one
//! authorized general transaction per batch (`#[pallet::authorize]`; no account, no fee).
//!
//! Only failures are stored, with each validator's summary. A report window after an epoch ends, a bounded hook walks the
//! registry a page per block and judges each provider: a fault when a majority of its assigned
//! validators reported failure. A fault makes the epoch unpaid (the served-blocks accumulator
//! settlement reads) and counts in the provider's reputation. Penalties look at a window of
//! recent epochs, so a transient miss costs only its epoch's pay: past `tolerated_faults` within
//! the window each fault slashes a growing share of the stake, and at `exit_faults` the provider
//! is forced out, its leases are closed `ProviderFaulty` a few per block, and its tenants are compensated
//! from the slash. Without reports nothing is a fault: money never waits on one off-chain actor.
//!
//! ## Randomness
//!
//! Each epoch's seed comes from the validators' commit-reveal beacon (`beacon.rs`): in every
//! epoch each validator reveals a secret it committed to an epoch earlier, and the next epoch's
//! seed hashes the previous seed with every reveal. No block author chooses it (nothing of a
//! block's own enters it), no single validator chooses it (it can only withhold its reveal,
//! which is counted against it), and it is fixed only by the epoch's last reveal. Challenges
//! also mix in each validator's local randomness.
//!
//! ## Accountability
//!
//! Validators answer for their work too (`accountability.rs`). Each files a signed summary of
//! each epoch (challenges sent, failures, a Merkle root over every outcome), after which it
//! can report nothing more of that epoch. When an epoch is judged, each validator's book is
//! closed against the verdicts: silence, challenges short of its share, failures reported of
//! providers that served, and faults it did not report are counted in its [`Standing`], in an
//! event, and in the `AttestationApi` runtime API, for governance to act on.
//!
//! This file is the table of contents. Assignment is in `nubes-proofs` (`assignment`), the
//! seed's beacon in `beacon.rs`, who is challenged when in `coverage.rs`, reports in
//! `reports.rs`, summaries and validators' standing in `accountability.rs`, what the signed
//! transactions of validators share (payload, open epoch, pool validity) in `signed.rs`, the epoch hook and
//! judging in `judging.rs`, the off-chain worker in `offchain.rs`, the served-blocks
//! accumulator in `served.rs`, records in `types.rs`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

/// Which validators challenge which provider: shared with the provider agent, which checks a
/// challenge's sender with it, in `nubes-proofs`.
pub use nubes_proofs::assignment;
pub mod accountability;
#[cfg(test)]
mod accountability_tests;
#[cfg(test)]
mod attacks;
pub mod beacon;
#[cfg(test)]
mod beacon_tests;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod coverage;
#[cfg(test)]
mod coverage_tests;
mod judging;
#[cfg(test)]
mod mock;
pub mod offchain;
mod reports;
mod served;
mod signed;
#[cfg(test)]
mod simulation;
#[cfg(test)]
mod tests;
pub mod timing;
#[cfg(test)]
mod timing_tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// The key type of validators' attestation keys.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"nubs");

/// The `nubs` key: sr25519, held in a validator's keystore, signing its reports.
pub mod crypto {
	use super::KEY_TYPE;
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, KEY_TYPE);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use nubes_primitives::traits::{
		ProviderDirectory, ProviderEviction, ReputationRecorder, SlashStake,
	};
	use sp_runtime::{traits::AtLeast32BitUnsigned, RuntimeAppPublic};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// A validator's attestation key (`nubs`).
		type AuthorityId: Member
			+ Parameter
			+ RuntimeAppPublic
			+ Ord
			+ MaybeSerializeDeserialize
			+ MaxEncodedLen;

		/// Balance of the stake slashed for faults.
		type Balance: Member + Parameter + AtLeast32BitUnsigned + Copy + MaxEncodedLen;

		/// The provider registry, walked in pages.
		type Directory: ProviderDirectory<Self::AccountId>;

		/// Reputation updates.
		type Reputation: ReputationRecorder<Self::AccountId>;

		/// Stake slashing.
		type Slash: SlashStake<Self::AccountId, Self::Balance>;

		/// Forcing faulty providers out and closing their leases.
		type Eviction: ProviderEviction<Self::AccountId, Self::Balance>;

		/// Which leases hold storage deals' shards: probed through their holder's seal instead of
		/// a workload's liveness.
		type Shards: nubes_primitives::traits::ShardLookup;

		/// Who may set the validators, the rules and the epoch timing (root, or a governance
		/// body).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The epoch timing of a chain whose genesis sets none.
		#[pallet::constant]
		type DefaultTiming: Get<Timing>;

		/// Most validators.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Most failures in one report.
		#[pallet::constant]
		type MaxFailuresPerReport: Get<u32>;

		/// Providers judged per block, and failure records swept per block.
		#[pallet::constant]
		type MaxJudgedPerBlock: Get<u32>;

		/// Providers forced out whose leases are still being closed.
		#[pallet::constant]
		type MaxEvicting: Get<u32>;

		/// Leases of forced-out providers closed per block.
		#[pallet::constant]
		type MaxClosedPerBlock: Get<u32>;

		/// Tenants compensated from a forced-out provider's slash.
		#[pallet::constant]
		type MaxCompensated: Get<u32>;

		/// Providers whose openings an off-chain worker reads at once, once a turn's timed
		/// answers are in (each provider's are about 85 KB).
		#[pallet::constant]
		type OpeningsAtOnce: Get<u32>;

		/// The chain's clock (the timestamp pallet): the off-chain workers of every validator
		/// send a turn's challenges at one wall-clock moment after the turn block's time.
		type Clock: frame_support::traits::UnixTime;

		/// Milliseconds after a turn block's time at which every validator sends the turn's
		/// challenges: long enough for every validator to have imported the block, so that the
		/// moment is the same for all (their clocks agree), not whenever each imported it.
		#[pallet::constant]
		type TurnSendDelayMs: Get<u64>;

		/// The rules until root sets others.
		#[pallet::constant]
		type DefaultParameters: Get<Parameters>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up what the benchmarks need from other pallets.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The validators' `nubs` keys; changes apply from the next epoch.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AuthorityId, T::MaxValidators>, ValueQuery>;

	/// The epoch timings still needed to map blocks to epochs, oldest first; empty means
	/// `DefaultTiming` from genesis.
	#[pallet::storage]
	pub type Schedule<T: Config> =
		StorageValue<_, BoundedVec<Segment, ConstU32<{ timing::MAX_SEGMENTS }>>, ValueQuery>;

	/// The running epoch.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Each epoch not yet judged: its seed and validators.
	#[pallet::storage]
	pub type Epochs<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, EpochData<T>>;

	/// The last compaction of the registry's slot index: at which epoch's start, the slot count
	/// it left, and who moved from which slot. Reports of earlier epochs still in their window
	/// are checked against the slots from before it.
	#[pallet::storage]
	pub type LastCompaction<T: Config> = StorageValue<_, CompactionOf<T>, OptionQuery>;

	/// Failures reported per epoch and provider.
	#[pallet::storage]
	pub type Failures<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		FailuresOf,
		ValueQuery,
	>;

	/// The next epoch to judge; every earlier one is judged.
	#[pallet::storage]
	pub type NextToJudge<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// How far the judging of `NextToJudge` is.
	#[pallet::storage]
	pub type JudgingState<T: Config> = StorageValue<_, Judging<T::AccountId>, ValueQuery>;

	/// Faults found so far in the epoch being judged.
	#[pallet::storage]
	pub type EpochFaults<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// Each provider's judged faults: its fault index and its recent faulty epochs.
	#[pallet::storage]
	pub type FaultRecords<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, FaultRecord, ValueQuery>;

	/// Providers forced out whose leases are still being closed, oldest first.
	#[pallet::storage]
	pub type Evicting<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxEvicting>, ValueQuery>;

	/// Each validator's commitment to the secret it reveals next, at most one per validator.
	#[pallet::storage]
	pub type Commitments<T: Config> = StorageMap<_, Blake2_128Concat, T::AuthorityId, Commitment>;

	/// The running epoch's reveals, folded: the next epoch's seed.
	#[pallet::storage]
	pub type Mixes<T: Config> = StorageValue<_, Mix, ValueQuery>;

	/// Each validator's standing (missed reveals, silent epochs, disagreements with the
	/// verdicts), kept while it is a validator: what governance acts on.
	#[pallet::storage]
	pub type Standings<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AuthorityId, Standing, ValueQuery>;

	/// Each validator's book for each epoch not yet closed, by validator index: failures
	/// reported, its summary, and what judging found against it.
	#[pallet::storage]
	pub type Ledgers<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Twox64Concat, u32, Ledger, ValueQuery>;

	/// The rules in force.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, Parameters, ValueQuery, T::DefaultParameters>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators' `nubs` keys at genesis.
		pub validators: alloc::vec::Vec<T::AuthorityId>,
		/// The epoch timing; `DefaultTiming` if `None`.
		pub timing: Option<Timing>,
		/// The challenge sizing and penalties; `DefaultParameters` if `None`.
		pub parameters: Option<Parameters>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let validators = match Pallet::<T>::checked_validators(self.validators.clone()) {
				Ok(validators) => validators,
				Err(error) => panic!("genesis validators: {error:?}"),
			};
			Validators::<T>::put(validators);
			// Stored even when it is the default, so that a later change of the default never
			// re-dates this chain's epochs.
			let timing = self.timing.unwrap_or_else(T::DefaultTiming::get);
			assert!(timing.is_valid(), "genesis timing out of range: {timing:?}");
			Schedule::<T>::put(BoundedVec::truncate_from(alloc::vec![Segment {
				first: 0,
				start: 0,
				timing,
			}]));
			if let Some(parameters) = self.parameters {
				assert!(parameters.is_valid(), "genesis parameters out of range: {parameters:?}");
				Params::<T>::put(parameters);
			}
			Pallet::<T>::start_epoch(0);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `epoch` started with `validators` validators and a seed from `reveals` reveals.
		EpochStarted { epoch: EpochIndex, validators: u32, reveals: u32 },
		/// `validator` revealed its secret in `epoch`: it is part of the next epoch's seed.
		Revealed { validator: T::AuthorityId, epoch: EpochIndex },
		/// `validator` committed to the secret it reveals in `epoch`.
		Committed { validator: T::AuthorityId, epoch: EpochIndex },
		/// `validator` did not reveal the secret it committed to for `epoch`.
		RevealMissed { validator: T::AuthorityId, epoch: EpochIndex },
		/// Validator `validator` of `epoch` reported `failures` failed challenges.
		FailuresReported { epoch: EpochIndex, validator: u32, failures: u32 },
		/// Every provider's service in `epoch` is judged; `faults` were faulty.
		EpochJudged { epoch: EpochIndex, faults: u32 },
		/// Validator `validator` of `epoch` accounted for its work: `challenged` challenges,
		/// `failed` of them failures, every outcome committed to by the Merkle root `outcomes`.
		Summarized {
			epoch: EpochIndex,
			validator: u32,
			challenged: u32,
			failed: u32,
			outcomes: [u8; 32],
		},
		/// `validator`'s book for `epoch` is closed: of its `share` of the providers it said it
		/// challenged `challenged` (`None`: it filed no summary, silent); it reported
		/// `false_failures` providers that were judged to have served and did not report
		/// `missed_faults` that were judged faulty.
		ValidatorAccounted {
			validator: T::AuthorityId,
			epoch: EpochIndex,
			share: u32,
			challenged: Option<u32>,
			false_failures: u32,
			missed_faults: u32,
		},
		/// A majority of `provider`'s validators saw it fail in `epoch`: that epoch is unpaid.
		/// `recent` faults within the window, this one included.
		Fault { provider: T::AccountId, epoch: EpochIndex, recent: u32 },
		/// `provider` lost `amount` of its stake for a fault making `recent` within the window.
		Slashed { provider: T::AccountId, amount: T::Balance, recent: u32 },
		/// `provider` was forced out after too many faults within the window; its leases are
		/// closing.
		ForcedOut { provider: T::AccountId },
		/// The last lease of forced-out `provider` is closed.
		EvictionDone { provider: T::AccountId },
		/// Root set the validators, in force from the next epoch.
		ValidatorsSet { validators: u32 },
		/// Root set the rules.
		ParametersSet { parameters: Parameters },
		/// Root set the epoch timing, in force from epoch `from`.
		TimingSet { timing: Timing, from: EpochIndex },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The report is for an epoch whose window has closed, or that was never started.
		StaleEpoch,
		/// The report is for an epoch that has not started.
		FutureEpoch,
		/// No validator of the epoch has this index, or the key is not a validator's.
		NotValidator,
		/// The report lists no failure.
		EmptyReport,
		/// The validator is not assigned to one of the providers it reports.
		NotAssigned,
		/// A provider is listed twice, or the validator already reported it this epoch.
		DuplicateReport,
		/// The signature is not the validator's.
		BadSignature,
		/// The same validator key is listed twice.
		DuplicateValidator,
		/// More validators than `MaxValidators`.
		TooManyValidators,
		/// The parameters are out of range.
		BadParameters,
		/// The validator already revealed and committed in this epoch.
		AlreadyRevealed,
		/// The epoch's reveal phase (its last quarter) has not begun.
		TooEarly,
		/// The secret does not hash to the validator's commitment.
		WrongSecret,
		/// The validator has a commitment due in this epoch and gave no secret.
		SecretExpected,
		/// The validator gave a secret but has no commitment due in this epoch.
		NothingDue,
		/// The timing is out of range.
		BadTiming,
		/// The schedule still needs every timing it remembers: try again in a few epochs.
		TooManyTimingChanges,
		/// The validator already filed its summary of the epoch: its book is closed.
		AlreadySummarized,
		/// The summary's failures are not the failures the validator reported in the epoch.
		FailureCountMismatch,
		/// The summary claims more challenges than the validator's share, or more failures than
		/// challenges.
		TooManyChallenges,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::on_block(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::run_offchain_worker(now);
		}

		fn integrity_test() {
			assert!(T::DefaultTiming::get().is_valid(), "default timing out of range");
			assert!(T::MaxJudgedPerBlock::get() > 0, "judging needs progress each block");
			assert!(T::DefaultParameters::get().is_valid(), "default parameters out of range");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Report, as validator `report.validator` of `report.epoch`, the providers whose
		/// challenges failed, signed with that validator's `nubs` key. Submitted by the
		/// validator's off-chain worker as a general transaction: authorized by the signature,
		/// no account, no fee.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::report(report.failures.len() as u32))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report(report.failures.len() as u32))]
		#[pallet::authorize(Pallet::<T>::authorize_report)]
		pub fn report(
			origin: OriginFor<T>,
			report: ReportOf<T>,
			signature: <T::AuthorityId as RuntimeAppPublic>::Signature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			Self::do_report(report, &signature)
		}

		/// Set the validators' `nubs` keys, as the admin origin; they challenge from the next
		/// epoch.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_validators(validators.len() as u32))]
		pub fn set_validators(
			origin: OriginFor<T>,
			validators: alloc::vec::Vec<T::AuthorityId>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let validators = Self::checked_validators(validators)?;
			let count = validators.len() as u32;
			Self::forget_former(&validators);
			Validators::<T>::put(validators);
			Self::deposit_event(Event::ValidatorsSet { validators: count });
			Ok(())
		}

		/// Set the challenge sizing and penalties, as the admin origin.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_parameters())]
		pub fn set_parameters(origin: OriginFor<T>, parameters: Parameters) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(parameters.is_valid(), Error::<T>::BadParameters);
			Params::<T>::put(parameters);
			Self::deposit_event(Event::ParametersSet { parameters });
			Ok(())
		}

		/// Set the epoch timing, as the admin origin: in force from the next epoch, so no epoch
		/// already started changes length.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_timing())]
		pub fn set_timing(origin: OriginFor<T>, timing: Timing) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_timing(timing)
		}

		/// Reveal, as validator `reveal.validator`, the secret committed to for this epoch and
		/// commit to the next, signed with that validator's `nubs` key: the beacon the next
		/// epoch's seed comes from. Submitted once an epoch by the validator's off-chain worker
		/// as a general transaction: authorized by the signature, no account, no fee.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::reveal())]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_reveal())]
		#[pallet::authorize(Pallet::<T>::authorize_reveal)]
		pub fn reveal(
			origin: OriginFor<T>,
			reveal: RevealOf<T>,
			signature: <T::AuthorityId as RuntimeAppPublic>::Signature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			Self::do_reveal(reveal, &signature)
		}

		/// File, as validator `summary.validator` of `summary.epoch`, the account of its work in
		/// that epoch, signed with that validator's `nubs` key: challenges sent, failures (those
		/// it reported), and the root of its outcomes. Once filed, it takes no more reports of
		/// the epoch; a validator that files none is counted silent. Submitted once an epoch by
		/// the validator's off-chain worker as a general transaction: authorized by the
		/// signature, no account, no fee.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::summarize())]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_summarize())]
		#[pallet::authorize(Pallet::<T>::authorize_summary)]
		pub fn summarize(
			origin: OriginFor<T>,
			summary: Summary,
			signature: <T::AuthorityId as RuntimeAppPublic>::Signature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			Self::do_summarize(summary, &signature)
		}
	}
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = T::AuthorityId;
}

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes `who` a registered, bonded, active provider with `leases` leases, taken in turn
	/// by `tenants` distinct tenants (at least one).
	fn serving_provider(who: &AccountId, leases: u32, tenants: u32);

	/// Deletes the record of provider `who` (as when the last of its stake is withdrawn),
	/// leaving its slot vacant.
	fn remove_provider(who: &AccountId);
}
