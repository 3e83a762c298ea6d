//! Epoch timing: how many blocks an epoch lasts and how long after it its reports are taken.
//! Root changes the timing with `set_timing`; a change applies from the next epoch and is
//! appended to the [`Schedule`], which keeps every timing still needed to map a block to its
//! epoch. So a change never re-dates an epoch already run, and settlement's arithmetic (blocks
//! served between two blocks) stays exact across it.

use crate::*;
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::UniqueSaturatedInto;

/// Timings the schedule remembers: the one in force, the ones before it that settlement may
/// still need, and one waiting for the next epoch.
pub const MAX_SEGMENTS: u32 = 8;

/// The segment `block` falls in: the last one starting at or before it.
fn segment_at(schedule: &[Segment], block: u64) -> Option<&Segment> {
	schedule.iter().rev().find(|segment| u64::from(segment.start) <= block).or(schedule.first())
}

/// The segment `epoch` belongs to: the last one whose first epoch is at or before it.
fn segment_of(schedule: &[Segment], epoch: EpochIndex) -> Option<&Segment> {
	schedule.iter().rev().find(|segment| segment.first <= epoch).or(schedule.first())
}

/// The epoch `block` belongs to, under `schedule`.
pub fn epoch_at(schedule: &[Segment], block: u64) -> EpochIndex {
	let Some(segment) = segment_at(schedule, block) else { return 0 };
	let length = u64::from(segment.timing.epoch_length.max(1));
	let offset = block.saturating_sub(segment.start.into()) / length;
	segment.first.saturating_add(offset.try_into().unwrap_or(EpochIndex::MAX))
}

/// The first block of `epoch`, under `schedule`.
pub fn start_of(schedule: &[Segment], epoch: EpochIndex) -> u64 {
	let Some(segment) = segment_of(schedule, epoch) else { return 0 };
	let length = u64::from(segment.timing.epoch_length.max(1));
	u64::from(segment.start)
		.saturating_add(u64::from(epoch.saturating_sub(segment.first)).saturating_mul(length))
}

/// The timing `epoch` runs under, under `schedule`.
pub fn timing_of(schedule: &[Segment], epoch: EpochIndex) -> Option<Timing> {
	segment_of(schedule, epoch).map(|segment| segment.timing)
}

impl<T: Config> Pallet<T> {
	/// The schedule in force; the default timing from genesis if none is stored.
	pub fn schedule() -> Vec<Segment> {
		let stored = Schedule::<T>::get();
		if stored.is_empty() {
			alloc::vec![Segment { first: 0, start: 0, timing: T::DefaultTiming::get() }]
		} else {
			stored.into_inner()
		}
	}

	/// The epoch `block` belongs to.
	pub fn epoch_of(block: BlockNumberFor<T>) -> EpochIndex {
		let block: u32 = block.unique_saturated_into();
		epoch_at(&Self::schedule(), block.into())
	}

	/// The first block of `epoch`.
	pub fn epoch_start(epoch: EpochIndex) -> u64 {
		start_of(&Self::schedule(), epoch)
	}

	/// How many blocks `epoch` lasts.
	pub fn epoch_length(epoch: EpochIndex) -> u32 {
		timing_of(&Self::schedule(), epoch)
			.map_or(T::DefaultTiming::get().epoch_length, |timing| timing.epoch_length)
			.max(1)
	}

	/// The first block at which reports for `epoch` are no longer taken.
	pub fn window_end(epoch: EpochIndex) -> u64 {
		let schedule = Self::schedule();
		let window = timing_of(&schedule, epoch).map_or(0, |timing| timing.report_window);
		start_of(&schedule, epoch.saturating_add(1)).saturating_add(window.into())
	}

	/// Makes `timing` the timing from the next epoch on.
	pub(crate) fn do_set_timing(timing: Timing) -> DispatchResult {
		ensure!(timing.is_valid(), Error::<T>::BadTiming);
		let next = CurrentEpoch::<T>::get().saturating_add(1);
		let mut schedule = Self::schedule();
		let start: u32 = start_of(&schedule, next).try_into().map_err(|_| Error::<T>::BadTiming)?;
		match schedule.last_mut() {
			// Changed twice before it applies: the last word counts.
			Some(last) if last.first == next => last.timing = timing,
			_ => {
				if schedule.len() >= MAX_SEGMENTS as usize {
					// The oldest timing goes once no fault record can reach back into it.
					let forgettable = schedule.get(1).is_some_and(|second| {
						second.first.saturating_add(RECENT_EPOCHS) <= NextToJudge::<T>::get()
					});
					ensure!(forgettable, Error::<T>::TooManyTimingChanges);
					schedule.remove(0);
				}
				schedule.push(Segment { first: next, start, timing });
			}
		}
		let schedule =
			BoundedVec::try_from(schedule).map_err(|_| Error::<T>::TooManyTimingChanges)?;
		Schedule::<T>::put(schedule);
		Self::deposit_event(Event::TimingSet { timing, from: next });
		Ok(())
	}

	/// The schedule's invariants: segments in order, each starting where the one before it
	/// ends an epoch.
	#[cfg(any(feature = "try-runtime", test))]
	pub(crate) fn check_schedule() -> Result<(), sp_runtime::TryRuntimeError> {
		let schedule = Self::schedule();
		for pair in schedule.windows(2) {
			let (before, after) = (&pair[0], &pair[1]);
			ensure!(after.first > before.first, "segments out of order");
			let boundary = start_of(core::slice::from_ref(before), after.first);
			ensure!(u64::from(after.start) == boundary, "a segment starts inside an epoch");
		}
		for segment in &schedule {
			ensure!(segment.timing.is_valid(), "a timing out of range");
		}
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			CurrentEpoch::<T>::get() == Self::epoch_of(now),
			"the current epoch is not the block's"
		);
		Ok(())
	}
}
