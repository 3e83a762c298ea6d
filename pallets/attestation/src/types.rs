//! The records this pallet keeps and the report validators submit.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::ConstU32, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use nubes_proofs::{assignment, Failure};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// Epochs are numbered from genesis; which blocks each covers is in the [`Schedule`](crate::Schedule).
pub type EpochIndex = u32;

/// How many of its latest epochs a provider's fault record remembers one by one (to settle the
/// partial epochs at a lease's ends); older faults live on in its fault index.
pub const RECENT_EPOCHS: u32 = 128;

/// A provider's judged faults: everything settlement and the penalties need, in one record of
/// fixed size.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct FaultRecord {
	/// Faulty blocks in every epoch judged faulty: the fault index, whose difference between
	/// two snapshots is what a settlement leaves unpaid.
	pub faulty_blocks: u64,
	/// Bit `i` set: epoch `newest - i` was judged faulty (the last [`RECENT_EPOCHS`] epochs).
	pub recent: u128,
	/// The latest epoch judged faulty.
	pub newest: EpochIndex,
}

/// Most validators that challenge one provider in an epoch.
pub const MAX_REDUNDANCY: u32 = 3;

/// What an epoch was started with: the seed challenges derive from, and the validators that
/// challenge (a later change of the set applies from the next epoch).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct EpochData<T: Config> {
	/// From the beacon: the previous epoch's seed and the reveals made in it.
	pub seed: [u8; 32],
	/// The validators' `nubs` keys; a report names its validator by index in this list.
	pub validators: BoundedVec<T::AuthorityId, T::MaxValidators>,
	/// How many validators challenge each provider this epoch.
	pub redundancy: u32,
	/// Slots of the registry's index at the epoch's start: the providers in slots below it are
	/// challenged this epoch (those registered later, from the next).
	pub providers: u32,
}

impl<T: Config> EpochData<T> {
	/// Validators assigned to each provider: `redundancy`, or all if there are fewer.
	pub fn assigned_count(&self) -> u32 {
		self.redundancy.min(self.validators.len() as u32)
	}

	/// How many of the epoch's slots validator `index` challenges.
	pub fn share(&self, index: u32) -> u32 {
		assignment::share(index, self.validators.len() as u32, self.redundancy, self.providers)
	}

	/// Whether validator `index` challenges the provider in `slot` this epoch.
	pub fn is_assigned(&self, slot: u32, index: u32) -> bool {
		slot < self.providers
			&& assignment::is_assigned(slot, self.validators.len() as u32, self.redundancy, index)
	}
}

/// A compaction of the registry's slot index at an epoch's start.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct CompactionOf<T: Config> {
	/// The epoch at whose start it ran.
	pub epoch: EpochIndex,
	/// The slot count it left: whoever holds a slot at or past it registered later.
	pub floor: u32,
	/// The providers it moved, each with the slot it held before.
	pub moves:
		BoundedVec<(T::AccountId, u32), ConstU32<{ crate::coverage::COMPACTIONS_PER_EPOCH }>>,
}

/// The failed challenges a validator saw in an epoch, signed with its `nubs` key.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Report<T: Config> {
	/// The epoch the challenges belong to.
	pub epoch: EpochIndex,
	/// The reporting validator's index in the epoch's validator list.
	pub validator: u32,
	/// Each provider that failed, once, with why.
	pub failures: BoundedVec<(T::AccountId, Failure), T::MaxFailuresPerReport>,
}

/// A report as this pallet's calls take it.
pub type ReportOf<T> = Report<T>;

/// The reports of failure a provider got in one epoch, with the slot it held in that epoch
/// (from which judging knows all its assigned validators, including those that did not
/// report it).
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct FailuresOf {
	/// The provider's slot in the epoch.
	pub slot: u32,
	/// `(validator index, why)`, at most one per assigned validator.
	pub reports: BoundedVec<(u32, Failure), ConstU32<MAX_REDUNDANCY>>,
}

/// A validator's account of its work in an epoch, signed with its `nubs` key: how many
/// providers it challenged, how many failed (exactly the failures it reported), and the root
/// of the Merkle tree over every outcome ([`outcome_leaf`](crate::accountability::outcome_leaf)),
/// so that each outcome it claims is a signed statement it can be asked to open.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Summary {
	/// The epoch it accounts for.
	pub epoch: EpochIndex,
	/// The validator's index in the epoch's validator list.
	pub validator: u32,
	/// Challenges it sent (at most its share of the epoch's slots).
	pub challenged: u32,
	/// Of those, failures: the failures it reported in the epoch, no more, no fewer.
	pub failed: u32,
	/// The Merkle root of its outcomes, one leaf per challenge, in the order of its slots.
	pub outcomes: [u8; 32],
}

/// What a filed summary claims, kept until the epoch is closed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Filed {
	/// Challenges it says it sent.
	pub challenged: u32,
	/// The root of its outcomes.
	pub outcomes: [u8; 32],
	/// Filed after the epoch ended (in its report window), when other validators' reports
	/// could be seen before its own last ones.
	pub late: bool,
}

/// One validator's book for one epoch, from its first report to the epoch's close.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Ledger {
	/// Failures it reported (every listed provider, kept or passed over).
	pub reported: u32,
	/// Its summary, once filed; no failure is taken from it after.
	pub summary: Option<Filed>,
	/// Failures it reported of providers judged to have served.
	pub false_failures: u32,
	/// Providers assigned to it that were judged faulty and that it did not report.
	pub missed_faults: u32,
}

/// A validator's standing, kept while it is in the set: what governance reads to act on a
/// validator that stays silent or disagrees with the verdicts. Counts since it joined.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
	/// Reveals it committed to and did not make.
	pub reveals_missed: u32,
	/// Epochs closed in which it was a validator.
	pub epochs: u32,
	/// Of those, epochs it filed no summary for.
	pub silent: u32,
	/// Epochs whose summary it filed only after the epoch ended.
	pub late: u32,
	/// Challenges short of its share, summed over the epochs it summarized.
	pub unchallenged: u32,
	/// Failures it reported of providers judged to have served.
	pub false_failures: u32,
	/// Faults of providers assigned to it that it did not report.
	pub missed_faults: u32,
	/// The last epoch counted.
	pub last_epoch: EpochIndex,
}

/// Where the judging of the next epoch is.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo, Default)]
pub enum Judging<AccountId> {
	/// About to walk the registry from its start, judging each serving provider.
	#[default]
	Start,
	/// Walking, continuing after this provider.
	After(AccountId),
	/// Every provider judged; removing the epoch's leftover failure reports.
	Sweeping,
	/// Closing the validators' ledgers, from this index on.
	Closing(u32),
}

/// The rules root sets: challenge sizing and penalties.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Parameters {
	/// Validators per provider per epoch, at most [`MAX_REDUNDANCY`].
	pub redundancy: u32,
	/// Most memory one unit (one idle core) fills, in KiB, a power of two: each unit fills the
	/// idle memory's share per idle core, up to this (see `nubes-proofs` for calibration).
	pub unit_kib: u32,
	/// Blocks a challenge opens: a fill wrong at a fraction `f` of its blocks passes with
	/// probability `(1 - f)^samples`.
	pub samples: u32,
	/// Milliseconds a provider has to answer a challenge whose units fill `unit_kib`, network
	/// included; a challenge of smaller units gets `network_ms` plus its share of the rest.
	pub deadline_ms: u32,
	/// The part of `deadline_ms` allowed for the network and the answer's transfer.
	pub network_ms: u32,
	/// Share of its stake a provider loses per fault in the window beyond the tolerated ones.
	pub slash_step: Perbill,
	/// Most a single fault slashes.
	pub max_slash: Perbill,
	/// Epochs the penalties look back over, the faulty one included (at most
	/// [`RECENT_EPOCHS`]): a transient miss falls out of it, a persistent absence does not.
	pub fault_window: u32,
	/// Faults within the window that cost only their epochs' pay.
	pub tolerated_faults: u32,
	/// Faults within the window at which a provider is forced out.
	pub exit_faults: u32,
	/// Share of a forced-out provider's slash that goes to the tenants of its leases.
	pub compensation: Perbill,
}

impl FaultRecord {
	/// Faults among the `window` epochs up to and including the newest faulty one.
	pub fn faults_within(&self, window: u32) -> u32 {
		let mask = match window {
			0 => 0,
			w if w >= u128::BITS => u128::MAX,
			w => (1u128 << w) - 1,
		};
		(self.recent & mask).count_ones()
	}
}

impl Parameters {
	/// The share of stake a fault slashes when it makes `recent` faults within the window:
	/// none up to `tolerated_faults`, then `slash_step` more for each, up to `max_slash`.
	pub fn slash_for(&self, recent: u32) -> Perbill {
		let steps = recent.saturating_sub(self.tolerated_faults);
		let parts = self.slash_step.deconstruct().saturating_mul(steps);
		Perbill::from_parts(parts.min(self.max_slash.deconstruct()))
	}

	/// Whether the parameters are usable.
	pub fn is_valid(&self) -> bool {
		self.redundancy >= 1
			&& self.redundancy <= MAX_REDUNDANCY
			&& self.unit_kib.is_power_of_two()
			&& self.unit_kib >= nubes_proofs::protocol::MIN_BLOCKS_PER_UNIT
			&& self.unit_kib <= nubes_proofs::protocol::MAX_BLOCKS_PER_UNIT
			&& self.samples >= 1
			&& self.samples <= nubes_proofs::protocol::MAX_SAMPLES
			&& self.network_ms >= 1
			&& self.deadline_ms > self.network_ms
			&& self.fault_window >= 1
			&& self.fault_window <= RECENT_EPOCHS
			&& self.exit_faults >= 1
			&& self.exit_faults <= self.fault_window
			&& self.tolerated_faults < self.exit_faults
	}
}

/// A validator's promise to the beacon: in `epoch` it reveals the secret whose
/// [`commitment_of`](crate::beacon::commitment_of) is `hash`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Commitment {
	/// The epoch the secret is revealed in (its contribution seeds the epoch after).
	pub epoch: EpochIndex,
	/// The hash of the secret.
	pub hash: [u8; 32],
}

/// What a validator's worker submits to the beacon once an epoch: the secret it committed to
/// for this epoch, if it committed to one, and its commitment for the next.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Reveal<T: Config> {
	/// The epoch it is submitted in: it lands in no other.
	pub epoch: EpochIndex,
	/// The validator's `nubs` key, which signs it.
	pub validator: T::AuthorityId,
	/// The secret committed to for `epoch`; `None` when the validator has no commitment due
	/// (new to the set, or its last one was missed).
	pub secret: Option<[u8; 32]>,
	/// The hash of the secret it will reveal in `epoch + 1`.
	pub next: [u8; 32],
}

/// A reveal as this pallet's calls take it.
pub type RevealOf<T> = Reveal<T>;

/// The running epoch's reveals folded together: the next epoch's seed once the epoch ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Mix {
	/// The epoch whose reveals these are.
	pub epoch: EpochIndex,
	/// The XOR of each reveal's contribution: the same in whatever order they land.
	pub value: [u8; 32],
	/// How many reveals are folded in.
	pub reveals: u32,
}

/// How long epochs last and how long after its end an epoch's reports are taken.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
	/// Blocks per epoch.
	pub epoch_length: u32,
	/// Blocks after an epoch's end during which its reports are still taken.
	pub report_window: u32,
}

impl Timing {
	/// Whether the timing is usable: epochs of [`MIN_EPOCH_LENGTH`] to [`MAX_EPOCH_LENGTH`]
	/// blocks, and a report window of at least one block and at most an epoch (so at most two
	/// epochs wait for their windows at any time).
	pub fn is_valid(&self) -> bool {
		(MIN_EPOCH_LENGTH..=MAX_EPOCH_LENGTH).contains(&self.epoch_length)
			&& self.report_window >= 1
			&& self.report_window <= self.epoch_length
	}
}

/// The shortest epoch: room for a reveal phase and a few blocks of challenges.
pub const MIN_EPOCH_LENGTH: u32 = 4;

/// The longest epoch, about 36 days of 3-second blocks: long enough for any chain, short enough
/// that an epoch set by mistake ends and root can set another.
pub const MAX_EPOCH_LENGTH: u32 = 1 << 20;

/// A run of epochs under one timing: from epoch `first`, which starts at block `start`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Segment {
	/// Its first epoch.
	pub first: EpochIndex,
	/// The first block of that epoch.
	pub start: u32,
	/// The timing of its epochs.
	pub timing: Timing,
}
