//! The per-block hook: starting epochs, judging closed epochs a page of providers at a time,
//! sweeping their leftover reports, and closing the leases of providers forced out.

use crate::*;
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::traits::{
	ProviderDirectory, ProviderEviction, ReputationRecorder, SlashAmount, SlashStake,
};
use sp_runtime::Perbill;

impl<T: Config> Pallet<T> {
	/// Everything the hook does in block `now`; returns the weight used.
	pub(crate) fn on_block(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::WeightInfo::epoch_tick();
		if let Some(epoch) = Self::epoch_due(now) {
			Self::start_epoch(epoch);
			weight.saturating_accrue(T::WeightInfo::start_epoch());
		}
		weight.saturating_accrue(Self::judge_step());
		weight.saturating_accrue(Self::evict_step());
		weight
	}

	/// The epoch block `now` starts, if it starts one that was not started yet.
	pub(crate) fn epoch_due(now: BlockNumberFor<T>) -> Option<EpochIndex> {
		let epoch = Self::epoch_of(now);
		if epoch <= CurrentEpoch::<T>::get() {
			return None;
		}
		if Epochs::<T>::contains_key(epoch) {
			// Already started (a state from before the running epoch was stored): only catch
			// up, never draw its seed and validators again.
			CurrentEpoch::<T>::put(epoch);
			return None;
		}
		Some(epoch)
	}

	/// Records `epoch`'s seed (from the beacon), validators and slot count (after compacting the
	/// registry's slot index); counts the reveals missed.
	pub(crate) fn start_epoch(epoch: EpochIndex) {
		let (seed, reveals) = Self::take_seed(epoch);
		Self::expire_commitments(epoch);
		let mut order = Validators::<T>::get().into_inner();
		// Groups of validators change every epoch.
		assignment::shuffle(&seed, &mut order);
		let validators = BoundedVec::truncate_from(order);
		let count = validators.len() as u32;
		let redundancy = Params::<T>::get().redundancy;
		let providers = Self::compact_slots(epoch);
		Epochs::<T>::insert(epoch, EpochData::<T> { seed, validators, redundancy, providers });
		CurrentEpoch::<T>::put(epoch);
		Self::deposit_event(Event::EpochStarted { epoch, validators: count, reveals });
	}

	/// Judges up to `MaxJudgedPerBlock` providers of the next epoch whose window has closed,
	/// noting in its validators' ledgers where their reports disagree with the verdicts; then
	/// sweeps that many of its leftover reports a block; then closes that many validators' books
	/// a block (`accountability.rs`).
	pub(crate) fn judge_step() -> Weight {
		let epoch = NextToJudge::<T>::get();
		if Self::now() < Self::window_end(epoch) {
			return T::WeightInfo::judge(0, 0);
		}
		let Some(data) = Epochs::<T>::get(epoch) else {
			// Never started (genesis epochs of a chain upgraded mid-way): nothing to judge.
			NextToJudge::<T>::put(epoch.saturating_add(1));
			return T::WeightInfo::judge(0, 0);
		};
		let limit = T::MaxJudgedPerBlock::get();
		match JudgingState::<T>::get() {
			Judging::Sweeping => {
				let result = Failures::<T>::clear_prefix(epoch, limit, None);
				if result.maybe_cursor.is_none() {
					JudgingState::<T>::put(Judging::Closing(0));
				}
				T::WeightInfo::sweep(result.backend)
			}
			Judging::Closing(from) => {
				let (closed, done) = Self::close_books(epoch, &data, from, limit);
				if done {
					Epochs::<T>::remove(epoch);
					NextToJudge::<T>::put(epoch.saturating_add(1));
					JudgingState::<T>::put(Judging::Start);
				} else {
					JudgingState::<T>::put(Judging::Closing(from.saturating_add(closed)));
				}
				T::WeightInfo::close_books(closed)
			}
			state => {
				let after = match &state {
					Judging::After(account) => Some(account),
					_ => None,
				};
				let (page, next) = T::Directory::serving_after(after, limit);
				let params = Params::<T>::get();
				let mut faults = 0u32;
				// Forced exits are charged on top of the page: each with its compensation.
				let mut exits = Weight::zero();
				let mut found = accountability::Disagreements::new();
				let validators = data.validators.len() as u32;
				for provider in page.iter() {
					let reported = Failures::<T>::take(epoch, &provider.account);
					let reported_by = |index: u32| {
						reported.reports.iter().any(|(reporter, _)| *reporter == index)
					};
					if (reported.reports.len() as u32).saturating_mul(2) > data.assigned_count() {
						faults = faults.saturating_add(1);
						if Self::fault(&provider.account, epoch, &params) {
							exits.saturating_accrue(T::WeightInfo::forced_exit());
						}
						// Its assigned validators that did not report the fault.
						for index in
							assignment::assigned(reported.slot, validators, data.redundancy)
						{
							if !reported_by(index) {
								let entry = found.entry(index).or_default();
								entry.1 = entry.1.saturating_add(1);
							}
						}
					} else {
						T::Reputation::record_served(&provider.account);
						for (index, _) in reported.reports.iter() {
							let entry = found.entry(*index).or_default();
							entry.0 = entry.0.saturating_add(1);
						}
					}
				}
				Self::note_disagreements(epoch, found);
				let judged = page.len() as u32;
				let total = EpochFaults::<T>::mutate(epoch, |count| {
					*count = count.saturating_add(faults);
					*count
				});
				match next {
					Some(account) => JudgingState::<T>::put(Judging::After(account)),
					None => {
						JudgingState::<T>::put(Judging::Sweeping);
						EpochFaults::<T>::remove(epoch);
						Self::deposit_event(Event::EpochJudged { epoch, faults: total });
					}
				}
				T::WeightInfo::judge(judged, faults).saturating_add(exits)
			}
		}
	}

	/// `provider` was faulty in `epoch`: the epoch is unpaid and its reputation drops; past
	/// `tolerated_faults` within the window its stake is slashed, at `exit_faults` it is forced
	/// out, which it returns. A slash is within `WeightInfo::judge`; a forced exit, with the
	/// compensation of its tenants, is `WeightInfo::forced_exit`.
	pub(crate) fn fault(provider: &T::AccountId, epoch: EpochIndex, params: &Parameters) -> bool {
		let recent = Self::record_fault(provider, epoch).faults_within(params.fault_window);
		T::Reputation::record_fault(provider);
		Self::deposit_event(Event::Fault { provider: provider.clone(), epoch, recent });

		let forced_out = recent >= params.exit_faults;
		let fraction = params.slash_for(recent);
		if !fraction.is_zero() {
			// On a forced exit, `params.compensation` of the slash is shared among the tenants in
			// proportion to the escrow they have at risk, each capped at what it paid.
			let (pool, compensation) = if forced_out {
				(
					params.compensation,
					T::Eviction::compensation_of(provider, T::MaxCompensated::get()),
				)
			} else {
				(Perbill::zero(), Vec::new())
			};
			match T::Slash::slash(provider, SlashAmount::Fraction(fraction), pool, &compensation) {
				Ok(amount) => Self::deposit_event(Event::Slashed {
					provider: provider.clone(),
					amount,
					recent,
				}),
				Err(error) => log::warn!(
					target: "nubes::attestation",
					"slashing {provider:?} failed: {error:?}"
				),
			}
		}
		if forced_out {
			match T::Eviction::force_out(provider) {
				Ok(()) => {
					let queued = Evicting::<T>::mutate(|queue| {
						queue.contains(provider) || queue.try_push(provider.clone()).is_ok()
					});
					if !queued {
						// The queue is full: the provider is out; its leases close as tenants
						// or their escrows end them.
						log::warn!(target: "nubes::attestation", "eviction queue full");
					}
					Self::deposit_event(Event::ForcedOut { provider: provider.clone() });
				}
				Err(error) => log::warn!(
					target: "nubes::attestation",
					"forcing {provider:?} out failed: {error:?}"
				),
			}
		}
		forced_out
	}

	/// Closes up to `MaxClosedPerBlock` leases of the oldest provider being forced out.
	pub(crate) fn evict_step() -> Weight {
		let queue = Evicting::<T>::get();
		let Some(provider) = queue.first() else { return T::WeightInfo::evict(0) };
		let (closed, more) = T::Eviction::close_leases(provider, T::MaxClosedPerBlock::get());
		if !more {
			Evicting::<T>::mutate(|queue| {
				if !queue.is_empty() {
					queue.remove(0);
				}
			});
			Self::deposit_event(Event::EvictionDone { provider: provider.clone() });
		}
		T::WeightInfo::evict(closed)
	}

	#[cfg(any(feature = "try-runtime", test))]
	pub(crate) fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextToJudge::<T>::get();
		for (epoch, _) in Epochs::<T>::iter() {
			ensure!(epoch >= next, "an epoch older than the next to judge is kept");
		}
		for (epoch, _, failures) in Failures::<T>::iter() {
			ensure!(epoch >= next, "failures of a judged epoch are kept");
			let data = Epochs::<T>::get(epoch).ok_or("failures of an unknown epoch")?;
			ensure!(
				failures.reports.len() as u32 <= data.assigned_count(),
				"more failures than assigned validators"
			);
		}
		let validators = Validators::<T>::get();
		let epoch = Self::epoch_of(frame_system::Pallet::<T>::block_number());
		for (key, commitment) in Commitments::<T>::iter() {
			ensure!(
				validators.binary_search(&key).is_ok(),
				"a former validator's commitment is kept"
			);
			ensure!(
				commitment.epoch == epoch || commitment.epoch == epoch.saturating_add(1),
				"a commitment outside the running and next epochs"
			);
		}
		for key in Standings::<T>::iter_keys() {
			ensure!(validators.binary_search(&key).is_ok(), "a former validator's count is kept");
		}
		for (epoch, index, ledger) in Ledgers::<T>::iter() {
			ensure!(epoch >= next, "a ledger of a closed epoch is kept");
			let data = Epochs::<T>::get(epoch).ok_or("a ledger of an unknown epoch")?;
			ensure!((index as usize) < data.validators.len(), "a ledger of no validator");
			if let Some(filed) = ledger.summary {
				ensure!(ledger.reported <= filed.challenged, "more failures than challenges");
			}
		}
		ensure!(Mixes::<T>::get().epoch <= epoch, "a mix of a future epoch");
		let shortest = Self::schedule()
			.iter()
			.map(|segment| u64::from(segment.timing.epoch_length))
			.min()
			.unwrap_or(1);
		for (_, record) in FaultRecords::<T>::iter() {
			ensure!(record.newest <= next, "a fault recorded for an epoch not judged yet");
			ensure!(record.recent & 1 == 1, "the newest faulty epoch is not marked");
			ensure!(
				record.faulty_blocks >= u64::from(record.recent.count_ones()) * shortest,
				"the fault index is below the recent faults"
			);
		}
		Self::check_schedule()?;
		Ok(())
	}
}
