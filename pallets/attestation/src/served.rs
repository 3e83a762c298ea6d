//! The served-blocks accumulator settlement reads: every block counts except those of epochs
//! judged faulty, and nothing past the last judged epoch counts yet.

use crate::*;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::traits::ServedBlocks;
use sp_runtime::traits::{UniqueSaturatedFrom, UniqueSaturatedInto};

impl<T: Config> ServedBlocks<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn served_between(
		provider: &T::AccountId,
		from: BlockNumberFor<T>,
		to: BlockNumberFor<T>,
	) -> BlockNumberFor<T> {
		let from: u64 = UniqueSaturatedInto::<u32>::unique_saturated_into(from).into();
		let to: u64 = UniqueSaturatedInto::<u32>::unique_saturated_into(to).into();
		if to <= from {
			return 0u32.into();
		}
		let length = u64::from(T::EpochLength::get().max(1));
		let history = FaultHistory::<T>::get(provider);
		// The first faulty epoch that may overlap `[from, to)`.
		let first = history.partition_point(|&epoch| (u64::from(epoch) + 1) * length <= from);
		let mut unpaid = 0u64;
		for &epoch in history.iter().skip(first) {
			let start = u64::from(epoch) * length;
			if start >= to {
				break;
			}
			let end = start + length;
			unpaid += end.min(to) - start.max(from);
		}
		BlockNumberFor::<T>::unique_saturated_from(to - from - unpaid.min(to - from))
	}

	fn judged_until() -> BlockNumberFor<T> {
		BlockNumberFor::<T>::unique_saturated_from(Self::epoch_start(NextToJudge::<T>::get()))
	}
}
