//! Epoch timing as a parameter: root changes it, from the next epoch; epochs already run keep
//! their length, so judging and settlement stay exact across a change.

use crate::{
	mock::*,
	tests::{authorized, check, judge_through, signed_report},
	*,
};
use frame_support::{assert_noop, assert_ok};
use nubes_primitives::traits::ServedBlocks;
use nubes_proofs::Failure;
use sp_runtime::DispatchError;

fn timing(epoch_length: u32, report_window: u32) -> Timing {
	Timing { epoch_length, report_window }
}

/// Runs blocks until `epoch` has begun.
fn run_to_epoch(epoch: EpochIndex) {
	while Attestation::epoch_of(System::block_number()) < epoch {
		run_to_block(System::block_number() + 1);
	}
}

#[test]
fn timing_is_root_only_checked_and_applies_from_the_next_epoch() {
	new_test_ext(&[0]).execute_with(|| {
		run_to_block(3);
		assert_noop!(
			Attestation::set_timing(RuntimeOrigin::signed(TENANT), timing(30, 5)),
			DispatchError::BadOrigin
		);
		for bad in [timing(3, 1), timing(30, 0), timing(30, 31), timing(MAX_EPOCH_LENGTH + 1, 5)] {
			assert_noop!(
				Attestation::set_timing(RuntimeOrigin::root(), bad),
				Error::<Test>::BadTiming
			);
		}
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(40, 8)));
		// Changed again before it applies: the last word counts.
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(30, 5)));
		System::assert_last_event(Event::TimingSet { timing: timing(30, 5), from: 1 }.into());
		assert_eq!(Schedule::<Test>::get().len(), 2);
		// The running epoch keeps its length; the next one takes the new one.
		assert_eq!(Attestation::epoch_start(1), EPOCH);
		assert_eq!(Attestation::epoch_length(0), EPOCH as u32);
		assert_eq!(Attestation::epoch_length(1), 30);
		assert_eq!(Attestation::epoch_start(2), EPOCH + 30);
		assert_eq!(Attestation::window_end(0), EPOCH + WINDOW);
		assert_eq!(Attestation::window_end(1), EPOCH + 30 + 5);
		run_to_block(EPOCH);
		System::assert_has_event(
			Event::EpochStarted { epoch: 1, validators: 1, reveals: 0 }.into(),
		);
		run_to_block(EPOCH + 29);
		assert_eq!(CurrentEpoch::<Test>::get(), 1, "epoch 1 lasts 30 blocks");
		run_to_block(EPOCH + 30);
		assert_eq!(CurrentEpoch::<Test>::get(), 2);
		System::assert_has_event(
			Event::EpochStarted { epoch: 2, validators: 1, reveals: 0 }.into(),
		);
		// Epoch 1's reports are taken for its own window, then it is judged.
		let (r, s) = signed_report(1, 0, vec![(PROVIDERS[0], Failure::Unreachable)]);
		assert_ok!(Attestation::report(authorized(), r, s));
		run_to_block(Attestation::window_end(1) - 1);
		assert_eq!(NextToJudge::<Test>::get(), 1, "not judged before its window ends");
		judge_through(1);
		assert!(System::events().iter().any(|record| matches!(
			&record.event,
			RuntimeEvent::Attestation(Event::Fault { epoch: 1, .. })
		)));
		check();
	});
}

#[test]
fn a_faulty_epoch_costs_its_own_length_across_a_timing_change() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		// Epoch 0 of 10 blocks, then epochs of 30.
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(30, 5)));
		let (r, s) = signed_report(0, 0, vec![(p, Failure::Unreachable)]);
		assert_ok!(Attestation::report(authorized(), r, s));
		run_to_epoch(1);
		let (r, s) = signed_report(1, 0, vec![(p, Failure::Unreachable)]);
		assert_ok!(Attestation::report(authorized(), r, s));
		judge_through(1);
		let record = FaultRecords::<Test>::get(p);
		assert_eq!(record.faulty_blocks, EPOCH + 30, "10 blocks of epoch 0, 30 of epoch 1");
		let served =
			|from, to| <Attestation as ServedBlocks<_, u64>>::recent_faulty_blocks(&p, from, to);
		assert_eq!(served(5, 15), Some(10), "5 blocks of epoch 0 and 5 of epoch 1");
		assert_eq!(served(0, EPOCH + 30), Some(EPOCH + 30));
		assert_eq!(served(EPOCH + 25, EPOCH + 30), Some(5));
		assert_eq!(<Attestation as ServedBlocks<_, u64>>::judged_until(), EPOCH + 30);
		check();
	});
}

#[test]
fn the_schedule_forgets_only_timings_no_record_reaches() {
	new_test_ext(&[0]).execute_with(|| {
		// Seven changes, one an epoch: the schedule is full.
		for change in 0..7u32 {
			assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(4 + change % 2, 2)));
			run_to_epoch(CurrentEpoch::<Test>::get() + 1);
		}
		assert_eq!(Schedule::<Test>::get().len() as u32, timing::MAX_SEGMENTS);
		// A faulty epoch of the second timing is still in reach of settlement.
		assert_noop!(
			Attestation::set_timing(RuntimeOrigin::root(), timing(6, 2)),
			Error::<Test>::TooManyTimingChanges
		);
		// Once every fault record has moved past it, the oldest timing goes.
		let second = Schedule::<Test>::get()[1].first;
		run_to_epoch(second + RECENT_EPOCHS + 2);
		judge_through(second + RECENT_EPOCHS);
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(6, 2)));
		let schedule = Schedule::<Test>::get();
		assert_eq!(schedule.len() as u32, timing::MAX_SEGMENTS);
		assert_eq!(schedule[0].first, second);
		// A provider that never failed has no faulty block anywhere, remembered timing or not;
		// for one that did, blocks before the oldest timing remembered cannot be placed in
		// their epochs: unknown, not served.
		let faulty = |who, from, to| {
			<Attestation as ServedBlocks<_, u64>>::recent_faulty_blocks(&who, from, to)
		};
		assert_eq!(faulty(PROVIDERS[0], 0, 5), Some(0));
		FaultRecords::<Test>::insert(
			PROVIDERS[1],
			FaultRecord { faulty_blocks: 4, recent: 1, newest: second + 1 },
		);
		assert_eq!(faulty(PROVIDERS[1], 0, 5), None);
		let start = u64::from(schedule[0].start);
		assert_eq!(faulty(PROVIDERS[1], start, start + 1), Some(0));
		check();
	});
}

#[test]
fn a_change_in_an_epochs_last_block_applies_from_the_next_and_blocks_map_both_ways() {
	new_test_ext(&[0]).execute_with(|| {
		// Changed in epoch 0's last block, then again in the first block of epoch 1 (for epoch
		// 2), then once more for epoch 3.
		run_to_block(EPOCH - 1);
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(7, 2)));
		run_to_block(EPOCH);
		assert_eq!(CurrentEpoch::<Test>::get(), 1);
		assert_eq!(Attestation::epoch_length(1), 7, "the block after the change starts it");
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(13, 4)));
		run_to_epoch(2);
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(5, 1)));
		run_to_epoch(4);
		assert_eq!(
			(0..5).map(Attestation::epoch_start).collect::<Vec<_>>(),
			vec![0, EPOCH, EPOCH + 7, EPOCH + 7 + 13, EPOCH + 7 + 13 + 5]
		);
		// Every block lies in the epoch whose span holds it.
		for block in 0..EPOCH + 7 + 13 + 5 * 4 {
			let epoch = Attestation::epoch_of(block);
			assert!(Attestation::epoch_start(epoch) <= block, "block {block}");
			assert!(block < Attestation::epoch_start(epoch + 1), "block {block}");
		}
		check();
	});
}
