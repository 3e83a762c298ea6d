//! Coverage: providers by slot, slots that move only between epochs, reports checked against
//! the slots of their own epoch, and the worker's turns.

use crate::{mock::*, tests::*, *};
use frame_support::{assert_noop, assert_ok};
use nubes_primitives::traits::ProviderDirectory;

/// Registers and bonds a provider that was not there at genesis.
fn newcomer(who: AccountId) {
	use frame_support::traits::fungible::Mutate;
	Balances::set_balance(&who, INITIAL);
	assert_ok!(ProviderStake::bond(RuntimeOrigin::signed(who), BOND));
	assert_ok!(Providers::register(
		RuntimeOrigin::signed(who),
		b"http://newcomer.example:8080".to_vec().try_into().unwrap(),
		b"eu-central".to_vec().try_into().unwrap(),
		Default::default(),
		capacity(),
		prices(),
	));
}

/// The `//Validator{i}` of `keys` assigned to slot `slot` in `epoch`, and one that is not.
fn split(epoch: EpochIndex, slot: u32, keys: &[u32]) -> (Vec<u32>, Vec<u32>) {
	let data = Epochs::<Test>::get(epoch).unwrap();
	keys.iter().copied().partition(|i| data.is_assigned(slot, index_of(epoch, *i)))
}

#[test]
fn reports_are_checked_against_the_slots_of_their_own_epoch() {
	let keys = [0, 1, 2, 3];
	new_test_ext(&keys).execute_with(|| {
		// Genesis providers hold slots 0..5 in order; provider 11 goes during epoch 0.
		assert_eq!(pallet_providers::SlotOf::<Test>::get(11), Some(1));
		assert_eq!(Epochs::<Test>::get(0).unwrap().providers, 5);
		remove_provider(11);
		// Within the epoch nobody moves: 14 keeps slot 4, and slot 1 is vacant.
		assert_eq!(pallet_providers::SlotOf::<Test>::get(14), Some(4));
		assert!(<Providers as ProviderDirectory<_>>::at_slot(1).is_none());

		run_to_block(EPOCH);
		// At epoch 1's start the last provider (14) moved into the vacancy.
		assert_eq!(pallet_providers::SlotOf::<Test>::get(14), Some(1));
		let last = LastCompaction::<Test>::get().unwrap();
		assert_eq!((last.epoch, last.floor, last.moves.to_vec()), (1, 4, vec![(14, 4)]));
		assert_eq!(Epochs::<Test>::get(1).unwrap().providers, 4);

		// A report of epoch 0 (still in its window) is checked against slot 4...
		let (then_yes, then_no) = split(0, 4, &keys);
		assert_eq!((then_yes.len(), then_no.len()), (3, 1));
		let (r, s) = signed_report(0, then_no[0], vec![(14, unreachable())]);
		assert_noop!(Attestation::report(authorized(), r, s), Error::<Test>::NotAssigned);
		let (r, s) = signed_report(0, then_yes[0], vec![(14, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		// ...and one of epoch 1 against slot 1.
		let (now_yes, now_no) = split(1, 1, &keys);
		let (r, s) = signed_report(1, now_no[0], vec![(14, unreachable())]);
		assert_noop!(Attestation::report(authorized(), r, s), Error::<Test>::NotAssigned);
		let (r, s) = signed_report(1, now_yes[0], vec![(14, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		// A provider gone since is passed over, without voiding the rest of the report.
		let (_, other) = split(0, 3, &keys);
		let reporter = then_yes.iter().find(|i| !other.contains(i)).copied().unwrap();
		let (r, s) = signed_report(0, reporter, vec![(11, unreachable()), (13, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		assert!(Failures::<Test>::get(0, 11).reports.is_empty());
		assert_eq!(Failures::<Test>::get(0, 13).reports.len(), 1);

		// A newcomer of epoch 1 takes the slot count the compaction left: nobody's in epoch 0,
		// though that slot number had validators then.
		newcomer(77);
		assert_eq!(pallet_providers::SlotOf::<Test>::get(77), Some(4));
		let (then_yes, _) = split(0, 4, &keys);
		let (r, s) = signed_report(0, then_yes[0], vec![(77, unreachable())]);
		assert_noop!(Attestation::report(authorized(), r, s), Error::<Test>::NotAssigned);

		// The next epoch's start compacts again (nothing to do) and so forgets these moves.
		run_to_block(2 * EPOCH);
		let last = LastCompaction::<Test>::get().unwrap();
		assert_eq!((last.epoch, last.floor, last.moves.len()), (2, 5, 0));
		check();
	});
}

#[test]
fn a_provider_registered_during_an_epoch_is_challenged_from_the_next() {
	new_test_ext(&[0]).execute_with(|| {
		newcomer(77);
		assert_eq!(pallet_providers::SlotOf::<Test>::get(77), Some(5));
		assert_eq!(Epochs::<Test>::get(0).unwrap().providers, 5);
		// Past the epoch's slots: no validator may report it, and the worker does not list it.
		let (r, s) = signed_report(0, 0, vec![(77, unreachable())]);
		assert_noop!(Attestation::report(authorized(), r, s), Error::<Test>::NotAssigned);
		let data = Epochs::<Test>::get(0).unwrap();
		let at = Attestation::turn_block(0, &data, 0);
		assert_eq!(Attestation::challenge_turn(0, &data, 0, 0, at - 1), (vec![], 0), "too early");
		let (page, done) = Attestation::challenge_turn(0, &data, 0, 0, at);
		assert_eq!(done, 5);
		assert_eq!(page.iter().map(|p| p.account).collect::<Vec<_>>(), vec![10, 11, 12, 13, 14]);
		assert_eq!(Attestation::challenge_turn(0, &data, 0, 5, at + 1), (vec![], 5));

		run_to_block(EPOCH);
		assert_eq!(Epochs::<Test>::get(1).unwrap().providers, 6);
		let (r, s) = signed_report(1, 0, vec![(77, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		check();
	});
}

/// For `data`, per slot, the block in which each of its validators challenges it, as the
/// workers of every validator, running every block from the epoch's start to its reveal
/// phase, are told by `challenge_turn`.
fn challenge_blocks(data: &EpochData<Test>) -> Vec<Vec<u64>> {
	let validators = data.validators.len() as u32;
	let start = Attestation::epoch_start(0);
	let reveals = Attestation::reveal_start(0);
	let mut blocks: Vec<Vec<u64>> = vec![Vec::new(); data.providers as usize];
	for index in 0..validators {
		let mut done = 0;
		for now in start..reveals {
			let (_, next) = Attestation::challenge_turn(0, data, index, done, now);
			for n in done..next {
				let slot =
					assignment::nth_in_turn(index, validators, data.redundancy, data.providers, n)
						.unwrap();
				blocks[slot as usize].push(now);
			}
			done = next;
		}
		assert_eq!(done, data.share(index), "the whole share by the reveal phase");
	}
	blocks
}

#[test]
fn a_worker_finishes_its_share_before_the_reveal_phase_whatever_its_size() {
	new_test_ext(&[0]).execute_with(|| {
		let mut data = Epochs::<Test>::get(0).unwrap();
		let at = Attestation::turn_block(0, &data, 0);
		assert!(at > Attestation::epoch_start(0) && at < Attestation::reveal_start(0));
		for providers in [5u32, 40, 1_000, 100_000] {
			data.providers = providers;
			let blocks = challenge_blocks(&data);
			// A lone validator has one turn: every slot in its block.
			assert!(blocks.iter().all(|when| *when == vec![at]), "{providers} providers");
		}
		// The moment follows the epoch's seed, within the first half of the turn's stretch.
		let moments: std::collections::BTreeSet<u64> = (0..16u8)
			.map(|s| {
				data.seed = [s; 32];
				Attestation::turn_block(0, &data, 0)
			})
			.collect();
		assert_eq!(moments.into_iter().collect::<Vec<_>>(), vec![1, 2, 3], "EPOCH {EPOCH}");
	});
}

#[test]
fn a_providers_validators_never_challenge_it_in_the_same_block() {
	new_test_ext(&[0, 1, 2, 3]).execute_with(|| {
		let mut data = Epochs::<Test>::get(0).unwrap();
		assert_eq!((data.validators.len(), data.redundancy), (4, 3));
		for providers in [5u32, 13, 50, 1_000] {
			data.providers = providers;
			for (slot, mut at) in challenge_blocks(&data).into_iter().enumerate() {
				assert_eq!(at.len(), 3, "slot {slot} of {providers}: {at:?}");
				at.sort();
				at.dedup();
				assert_eq!(at.len(), 3, "slot {slot} of {providers} challenged twice in a block");
			}
		}
	});
}

/// One machine registered as several providers answers each validator's challenge in turn if
/// they come at different moments, with the cores and memory of one. Every provider's `k`-th
/// challenge goes out in one block, turn `k`'s, whatever the registry's size (pages spread
/// over the epoch gave a large registry's providers different blocks).
#[test]
fn one_machine_posing_as_many_providers_is_challenged_for_all_of_them_at_once() {
	new_test_ext(&[0, 1, 2, 3]).execute_with(|| {
		let mut data = Epochs::<Test>::get(0).unwrap();
		let turns: Vec<u64> = (0..3).map(|k| Attestation::turn_block(0, &data, k)).collect();
		assert!(turns.windows(2).all(|pair| pair[0] < pair[1]), "{turns:?}");
		assert!(*turns.last().unwrap() < Attestation::reveal_start(0));
		for providers in [5u32, 50, 1_000, 10_000] {
			data.providers = providers;
			for (slot, mut at) in challenge_blocks(&data).into_iter().enumerate() {
				at.sort();
				assert_eq!(at, turns, "slot {slot} of {providers}");
			}
		}
	});
}

#[test]
fn no_compaction_while_an_older_epochs_reports_are_still_taken() {
	let keys = [0, 1, 2, 3];
	let timing = |epoch_length, report_window| Timing { epoch_length, report_window };
	new_test_ext(&keys).execute_with(|| {
		// Epoch 1 takes reports for 8 blocks after it ends; from epoch 2 epochs last 4 blocks.
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(10, 8)));
		run_to_block(EPOCH + 1);
		assert_ok!(Attestation::set_timing(RuntimeOrigin::root(), timing(4, 1)));
		remove_provider(11);
		// Epoch 2 starts at block 20 and compacts: 14 moves from slot 4 to slot 1.
		run_to_block(20);
		assert_eq!(Attestation::epoch_of(20), 2);
		assert_eq!(pallet_providers::SlotOf::<Test>::get(14), Some(1));
		remove_provider(12);
		// Epoch 3 starts at block 24, while epoch 1's reports are taken until block 28: no
		// compaction, so 13 stays in slot 3 and slot 2 stays vacant.
		run_to_block(25);
		assert_eq!(Attestation::epoch_of(25), 3);
		assert_eq!(LastCompaction::<Test>::get().unwrap().epoch, 2);
		assert_eq!(pallet_providers::SlotOf::<Test>::get(13), Some(3));
		// A report of epoch 1 still checks 14 against the slot it had then (4).
		let (yes, no) = split(1, 4, &keys);
		let (r, s) = signed_report(1, no[0], vec![(14, unreachable())]);
		assert_noop!(Attestation::report(authorized(), r, s), Error::<Test>::NotAssigned);
		let (r, s) = signed_report(1, yes[0], vec![(14, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		// Epoch 4 starts at block 28, when no report of epoch 2 is taken any more: it compacts.
		run_to_block(28);
		assert_eq!(Attestation::epoch_of(28), 4);
		assert_eq!(LastCompaction::<Test>::get().unwrap().epoch, 4);
		assert_eq!(pallet_providers::SlotOf::<Test>::get(13), Some(2));
		check();
	});
}
