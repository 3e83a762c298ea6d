//! The served-blocks accumulator settlement reads. Each provider's record keeps a cumulative
//! count of faulty blocks, each faulty epoch at its own length (the fault index; settlement
//! subtracts two snapshots of it, so any number of faults costs one read) and a bit set of its last [`RECENT_EPOCHS`] epochs, which
//! settles the partial epochs at a lease's two ends exactly. Nothing past the last judged epoch
//! counts yet.

use crate::*;
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::traits::ServedBlocks;
use sp_runtime::traits::{UniqueSaturatedFrom, UniqueSaturatedInto};

impl<T: Config> Pallet<T> {
	/// Records that `provider` was faulty in `epoch`, the epoch being judged; returns its record.
	pub(crate) fn record_fault(provider: &T::AccountId, epoch: EpochIndex) -> FaultRecord {
		let length = u64::from(Self::epoch_length(epoch));
		FaultRecords::<T>::mutate(provider, |record| {
			record.faulty_blocks = record.faulty_blocks.saturating_add(length);
			let shift = epoch.saturating_sub(record.newest);
			record.recent = record.recent.checked_shl(shift).unwrap_or(0) | 1;
			record.newest = epoch;
			*record
		})
	}

	/// Whether `provider` was faulty in the judged `epoch`; `None` if its record no longer
	/// remembers that epoch.
	fn faulty_in(record: &FaultRecord, epoch: EpochIndex) -> Option<bool> {
		if epoch > record.newest {
			return Some(false);
		}
		let age = record.newest - epoch;
		(age < RECENT_EPOCHS).then(|| record.recent >> age & 1 == 1)
	}
}

impl<T: Config> ServedBlocks<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn fault_index(provider: &T::AccountId) -> u64 {
		let record = FaultRecords::<T>::get(provider);
		// A fault of the epoch being judged is not part of the index until the epoch is done.
		let judging = NextToJudge::<T>::get();
		let pending = record.newest >= judging && record.recent & 1 == 1;
		let length = if pending { u64::from(Self::epoch_length(record.newest)) } else { 0 };
		record.faulty_blocks.saturating_sub(length)
	}

	fn recent_faulty_blocks(
		provider: &T::AccountId,
		from: BlockNumberFor<T>,
		to: BlockNumberFor<T>,
	) -> Option<BlockNumberFor<T>> {
		let from: u64 = UniqueSaturatedInto::<u32>::unique_saturated_into(from).into();
		let to: u64 = UniqueSaturatedInto::<u32>::unique_saturated_into(to).into();
		if to <= from {
			return Some(0u32.into());
		}
		let schedule = Self::schedule();
		let last = timing::epoch_at(&schedule, to - 1);
		if last >= NextToJudge::<T>::get() {
			return None;
		}
		let record = FaultRecords::<T>::get(provider);
		if record.faulty_blocks == 0 {
			return Some(0u32.into());
		}
		// Blocks before the oldest timing remembered cannot be placed in their epochs.
		if from < schedule.first().map_or(0, |segment| u64::from(segment.start)) {
			return None;
		}
		let first = timing::epoch_at(&schedule, from);
		if last.saturating_sub(first) >= RECENT_EPOCHS {
			return None;
		}
		let mut faulty = 0u64;
		for epoch in first..=last {
			if Self::faulty_in(&record, epoch)? {
				let start = timing::start_of(&schedule, epoch);
				let end = timing::start_of(&schedule, epoch.saturating_add(1));
				faulty += to.min(end).saturating_sub(from.max(start));
			}
		}
		Some(BlockNumberFor::<T>::unique_saturated_from(faulty))
	}

	fn judged_until() -> BlockNumberFor<T> {
		BlockNumberFor::<T>::unique_saturated_from(Self::epoch_start(NextToJudge::<T>::get()))
	}
}
