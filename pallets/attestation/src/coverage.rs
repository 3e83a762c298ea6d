//! Who is challenged, by whom and when: coverage of every provider in every epoch, with work
//! per validator bounded by its share.
//!
//! The registry keeps every provider in a slot of a dense index. An epoch fixes how many slots
//! count (`EpochData::providers`); validator `j` of the epoch's order challenges the slots whose
//! residue mod the validator count is one of its `redundancy` residues, so it lists them
//! without walking the registry, turn by turn ([`assignment::nth_in_turn`]: first the slots
//! where it is the first validator, then those where it is the second, ...). Every validator
//! sends a turn whole, in the turn's block ([`Pallet::turn_block`], drawn from the epoch's seed
//! within the turn's stretch of the epoch). So, in one block, every provider is challenged by
//! its `k`-th validator: a machine posing as several providers fills for all of them at once,
//! and fails unless it has the cores and memory of all of them. And a provider's validators,
//! which reach it in different turns, never challenge it in the same block: it answers one
//! at a time, on all its idle cores. The timed answers of a turn are small (one root per
//! unit); the openings they draw are read afterwards, `OpeningsAtOnce` providers at a time.
//! So every provider is challenged every epoch (by each of its validators whose worker runs),
//! and a worker's work is its share (`slots × redundancy / validators`), whatever the
//! registry's size.
//!
//! Slots move only here, at an epoch's start: the index is compacted by at most
//! [`COMPACTIONS_PER_EPOCH`] steps, and the compaction is remembered (who moved from which slot,
//! and the slot count it left) until the next one, because the previous epoch's reports
//! (checked against the slots of that epoch) still arrive in its report window.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::BoundedVec;
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

	/// The block in which every validator of `epoch` sends its challenges of turn `turn`. The
	/// blocks from the epoch's second to the reveal phase are cut into one stretch per turn,
	/// and each turn goes out at a block of the first half of its stretch drawn from the
	/// epoch's seed (unknown before the epoch), leaving the second half for the worker to read
	/// the turn's openings. Every provider's `turn`-th validator challenges it in that block:
	/// one machine posing as several providers must answer for all of them at once.
	pub fn turn_block(epoch: EpochIndex, data: &EpochData<T>, turn: u32) -> u64 {
		let first = Self::epoch_start(epoch).saturating_add(1);
		let span = Self::reveal_start(epoch).saturating_sub(first).max(1);
		let turns = assignment::group_size(data.validators.len() as u32, data.redundancy).max(1);
		let stretch = span / u64::from(turns);
		let draw = sp_io::hashing::blake2_256(&(b"nubes/turn", data.seed, turn).encode());
		let jitter =
			u64::from_le_bytes(draw[..8].try_into().unwrap_or_default()) % (stretch / 2).max(1);
		let at = first.saturating_add(stretch.saturating_mul(turn.into())).saturating_add(jitter);
		at.min(first.saturating_add(span - 1))
	}

	/// The providers validator `index` challenges in block `now` of `epoch`, having challenged
	/// `done` of its share, and how far through its share that takes it: the whole turn that
	/// `done` is in once its block ([`Self::turn_block`]) has come, none before. A worker that
	/// missed a turn's block (its node was busy or away) sends the turn late rather than never.
	/// Vacant slots (whose provider's record went during the epoch) count as done.
	pub fn challenge_turn(
		epoch: EpochIndex,
		data: &EpochData<T>,
		index: u32,
		done: u32,
		now: u64,
	) -> (Vec<ServingProvider<T::AccountId>>, u32) {
		let validators = data.validators.len() as u32;
		let Some((turn, end)) =
			assignment::turn_at(index, validators, data.redundancy, data.providers, done)
		else {
			return (Vec::new(), done);
		};
		if now < Self::turn_block(epoch, data, turn) {
			return (Vec::new(), done);
		}
		let providers = (done..end)
			.filter_map(|n| {
				assignment::nth_in_turn(index, validators, data.redundancy, data.providers, n)
			})
			.filter_map(|slot| u32::try_from(slot).ok())
			.filter(|slot| *slot < data.providers)
			.filter_map(T::Directory::at_slot)
			.collect();
		(providers, end)
	}
}
