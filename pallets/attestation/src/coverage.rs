//! Who is challenged, by whom and when: coverage of every provider in every epoch, with work
//! per validator bounded by its share.
//!
//! The registry keeps every provider in a slot of a dense index. An epoch fixes how many slots
//! count (`EpochData::providers`); validator `j` of the epoch's order challenges the slots whose
//! residue mod the validator count is one of its `redundancy` residues, so it lists them
//! without walking the registry, turn by turn ([`assignment::nth_in_turn`]: first the slots
//! where it is the first validator, then those where it is the second, ...). Its off-chain
//! worker takes them a page per block: `ChallengesPerBlock`, or, if that would not finish them
//! before the epoch's reveal phase, what is left spread over the blocks left; a page never
//! crosses from one turn into the next, so a provider's validators, which reach it in
//! different turns, never challenge it in the same block: it answers one at a time, on all
//! its idle cores. So every provider
//! is challenged every epoch (by each of its validators whose worker runs), and a worker's work
//! per block is at most the larger of that constant and its share spread over the epoch,
//! whatever the registry's size.
//!
//! Slots move only here, at an epoch's start: the index is compacted by at most
//! [`COMPACTIONS_PER_EPOCH`] steps, and the compaction is remembered (who moved from which slot,
//! and the slot count it left) until the next one, because the previous epoch's reports
//! (checked against the slots of that epoch) still arrive in its report window.

use crate::*;
use alloc::vec::Vec;
use frame_support::{traits::Get, BoundedVec};
use nubes_primitives::traits::{Compaction, ProviderDirectory, ServingProvider};

/// Most compaction steps at an epoch's start (each pops a vacant last slot or moves one
/// provider into a vacancy). Vacancies left over wait for the next epoch; they only cost the
/// validators a skipped read.
pub const COMPACTIONS_PER_EPOCH: u32 = 16;

impl<T: Config> Pallet<T> {
	/// Compacts the slot index by up to [`COMPACTIONS_PER_EPOCH`] steps at the start of `epoch`
	/// and remembers who moved; returns the slot count the new epoch uses. It skips compacting
	/// while reports of an epoch before the previous one may still arrive (possible only after
	/// the epoch length was shortened), so that every report's epoch is at most one compaction
	/// away.
	pub(crate) fn compact_slots(epoch: EpochIndex) -> u32 {
		let open = epoch >= 2 && Self::now() < Self::window_end(epoch - 2);
		if open {
			return T::Directory::slots();
		}
		let mut moves = BoundedVec::new();
		for _ in 0..COMPACTIONS_PER_EPOCH {
			match T::Directory::compact_one() {
				Compaction::Done => break,
				Compaction::Popped => {}
				Compaction::Moved { who, from, .. } => {
					// Never full: one move per step at most.
					let _ = moves.try_push((who, from));
				}
			}
		}
		let floor = T::Directory::slots();
		LastCompaction::<T>::put(CompactionOf::<T> { epoch, floor, moves });
		floor
	}

	/// The compaction that ran since `epoch` (a running or recent one), if any: what tells a
	/// provider's slot in `epoch` from its slot now.
	pub fn compaction_since(epoch: EpochIndex) -> Option<CompactionOf<T>> {
		LastCompaction::<T>::get().filter(|last| epoch < last.epoch)
	}

	/// The slot `provider`, holding `slot_now` today, held in an epoch since which `since` ran
	/// (see [`Self::compaction_since`]): the slot it moved from, or `slot_now` if it held it
	/// then, or none if it registered after.
	pub fn slot_in(
		since: Option<&CompactionOf<T>>,
		provider: &T::AccountId,
		slot_now: u32,
	) -> Option<u32> {
		let Some(since) = since else { return Some(slot_now) };
		since
			.moves
			.iter()
			.find_map(|(who, from)| (who == provider).then_some(*from))
			.or((slot_now < since.floor).then_some(slot_now))
	}

	/// How many of its providers validator `index` should challenge in block `now` of `epoch`,
	/// having challenged `done` of them: `ChallengesPerBlock`, or more if what is left of the
	/// current turn would not otherwise be done before the reveal phase with a block left for
	/// each later turn (then spread evenly over the blocks it has), never past the end of the
	/// current turn.
	pub fn page_size(
		epoch: EpochIndex,
		data: &EpochData<T>,
		index: u32,
		done: u32,
		now: u64,
	) -> u32 {
		let share = data.share(index);
		let validators = data.validators.len() as u32;
		let end_of =
			|at: u32| assignment::turn_end(index, validators, data.redundancy, data.providers, at);
		let end = end_of(done).min(share);
		let turn_left = end.saturating_sub(done);
		// Each turn still to come after this one needs a block of its own.
		let mut later = 0u64;
		let mut at = end;
		while at < share {
			at = end_of(at).max(at.saturating_add(1));
			later = later.saturating_add(1);
		}
		let blocks_left = Self::reveal_start(epoch).saturating_sub(now).max(1);
		let blocks_for_turn = blocks_left.saturating_sub(later).max(1);
		let needed =
			u64::from(turn_left).div_ceil(blocks_for_turn).min(u64::from(turn_left)) as u32;
		turn_left.min(needed.max(T::ChallengesPerBlock::get()))
	}

	/// The providers validator `index` challenges in block `now` of `epoch`, having challenged
	/// `done` of its share, and how far through its share that takes it. Vacant slots (whose
	/// provider's record went during the epoch) count as done.
	pub fn challenge_page(
		epoch: EpochIndex,
		data: &EpochData<T>,
		index: u32,
		done: u32,
		now: u64,
	) -> (Vec<ServingProvider<T::AccountId>>, u32) {
		let page = Self::page_size(epoch, data, index, done, now);
		let validators = data.validators.len() as u32;
		let providers = (done..done.saturating_add(page))
			.map_while(|n| {
				assignment::nth_in_turn(index, validators, data.redundancy, data.providers, n)
					.and_then(|slot| u32::try_from(slot).ok())
					.filter(|slot| *slot < data.providers)
			})
			.filter_map(T::Directory::at_slot)
			.collect();
		(providers, done.saturating_add(page))
	}
}
