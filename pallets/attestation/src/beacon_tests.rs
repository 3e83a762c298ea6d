//! The epoch beacon, tried as its attackers would: an author choosing between blocks, a
//! validator withholding its reveal at the last moment, a validator copying another's
//! commitment; then its checks and the off-chain worker's part.

use crate::{
	beacon::{commitment_of, contribution, seed_of},
	mock::*,
	tests::{authorized, check},
	*,
};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, traits::Authorize};
use sp_core::{
	offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
	Pair, H256,
};
use sp_runtime::{
	traits::{Applyable, Checkable},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError,
};

type Signature = <crypto::Public as sp_runtime::RuntimeAppPublic>::Signature;

/// The secret `//Validator{i}` reveals in `epoch`.
fn secret(i: u32, epoch: EpochIndex) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"test secret", i, epoch).encode())
}

/// A reveal by `//Validator{i}` in `epoch`, signed with its key.
fn signed_reveal(
	i: u32,
	epoch: EpochIndex,
	revealed: Option<[u8; 32]>,
	next: [u8; 32],
) -> (RevealOf<Test>, Signature) {
	let reveal = RevealOf::<Test> { epoch, validator: validator(i), secret: revealed, next };
	let signature = validator_pair(i).sign(&Attestation::reveal_payload(&reveal)).into();
	(reveal, signature)
}

/// `//Validator{i}` takes part in `epoch` as an honest worker does: reveals the secret it
/// committed to, if one is due, and commits to its next one.
fn take_part(i: u32, epoch: EpochIndex) {
	let due = Commitments::<Test>::get(validator(i)).filter(|c| c.epoch == epoch);
	let revealed = due.map(|_| secret(i, epoch));
	let (reveal, signature) =
		signed_reveal(i, epoch, revealed, commitment_of(&secret(i, epoch + 1)));
	assert_ok!(Attestation::reveal(authorized(), reveal, signature));
}

fn authorize(reveal: RevealOf<Test>, signature: Signature) -> Result<(), TransactionValidityError> {
	RuntimeCall::Attestation(Call::reveal { reveal, signature })
		.authorize(TransactionSource::External)
		.expect("reveal has an authorize")
		.map(drop)
}

/// Runs to the first block of `epoch`'s reveal phase.
fn run_to_reveals(epoch: EpochIndex) {
	run_to_block(Attestation::reveal_start(epoch));
}

/// Each provider's assigned validators (as keys) in `epoch`.
fn assignments(epoch: EpochIndex) -> Vec<Vec<crypto::Public>> {
	let data = Epochs::<Test>::get(epoch).unwrap();
	PROVIDERS
		.iter()
		.map(|p| {
			let slot = pallet_providers::SlotOf::<Test>::get(p).unwrap();
			assignment::assigned(slot, data.validators.len() as u32, data.redundancy)
				.into_iter()
				.map(|index| data.validators[index as usize].clone())
				.collect()
		})
		.collect()
}

/// Runs to block `n`, each block's parent hash chosen by its author from `grind`.
fn run_as_author(n: u64, grind: u8) {
	while System::block_number() < n {
		System::set_parent_hash(H256::repeat_byte(
			grind.wrapping_add(System::block_number() as u8),
		));
		run_to_block(System::block_number() + 1);
	}
}

/// Five validators commit in epoch 0 and reveal in epoch 1, in the order `order`, at
/// `offset` blocks into the epoch (in its reveal phase), on blocks whose hashes an author ground
/// with `grind`: the seed and assignment of epoch 2.
fn epoch_two(order: &[u32], offset: u64, grind: u8) -> ([u8; 32], Vec<Vec<crypto::Public>>) {
	new_test_ext(&[0, 1, 2, 3, 4]).execute_with(|| {
		run_as_author(Attestation::reveal_start(0), grind);
		for i in order {
			take_part(*i, 0);
		}
		run_as_author(EPOCH + offset, grind);
		for i in order {
			take_part(*i, 1);
		}
		run_as_author(2 * EPOCH, grind);
		System::assert_has_event(
			Event::EpochStarted { epoch: 2, validators: 5, reveals: 5 }.into(),
		);
		check();
		(Epochs::<Test>::get(2).unwrap().seed, assignments(2))
	})
}

#[test]
fn an_author_choosing_between_blocks_cannot_change_an_epochs_assignment() {
	// The old seed was the parent block's hash: every author could pick among the blocks it
	// could make. Now neither the blocks' hashes, nor the order of the reveals, nor the block
	// they land in changes the seed.
	let (seed, assigned) = epoch_two(&[0, 1, 2, 3, 4], 8, 1);
	assert_eq!(epoch_two(&[4, 3, 2, 1, 0], 8, 2), (seed, assigned.clone()));
	assert_eq!(epoch_two(&[2, 0, 4, 1, 3], 9, 200), (seed, assigned));
	// And it is the reveals that make it: without any, another seed.
	let silent = new_test_ext(&[0, 1, 2, 3, 4]).execute_with(|| {
		run_to_block(2 * EPOCH);
		Epochs::<Test>::get(2).unwrap().seed
	});
	assert_ne!(silent, seed);
}

#[test]
fn the_next_assignment_is_fixed_only_by_the_epochs_last_reveal() {
	let run = |last_reveals: bool| {
		new_test_ext(&[0, 1, 2, 3, 4]).execute_with(|| {
			run_to_reveals(0);
			for i in 0..5 {
				take_part(i, 0);
			}
			// Before epoch 1's reveal phase no reveal is taken: nothing of epoch 2's seed is
			// on chain.
			run_to_block(EPOCH + 1);
			let (early, signature) =
				signed_reveal(0, 1, Some(secret(0, 1)), commitment_of(&secret(0, 2)));
			assert_noop!(
				Attestation::reveal(authorized(), early.clone(), signature.clone()),
				Error::<Test>::TooEarly
			);
			assert_eq!(authorize(early, signature), Err(InvalidTransaction::Future.into()));
			run_to_reveals(1);
			for i in 0..4 {
				take_part(i, 1);
			}
			// The epoch's last block: what everyone could compute from the chain so far.
			run_to_block(2 * EPOCH - 1);
			let previous = Epochs::<Test>::get(1).unwrap().seed;
			let guess = seed_of(&previous, 2, &Mixes::<Test>::get());
			if last_reveals {
				take_part(4, 1);
			}
			run_to_block(2 * EPOCH);
			check();
			(guess, Epochs::<Test>::get(2).unwrap().seed, assignments(2))
		})
	};
	let (guess, seed, assigned) = run(true);
	assert_ne!(guess, seed, "one reveal in the last block changes the seed");
	let (withheld_guess, withheld_seed, withheld_assigned) = run(false);
	assert_eq!(withheld_guess, guess);
	assert_eq!(withheld_seed, guess, "without it, the guess was right");
	assert_ne!(withheld_assigned, assigned, "and the assignment differs");
}

#[test]
fn a_withheld_reveal_is_counted_and_costs_the_next_contribution() {
	new_test_ext(&[0, 1, 2]).execute_with(|| {
		run_to_reveals(0);
		for i in 0..3 {
			take_part(i, 0);
		}
		run_to_reveals(1);
		take_part(0, 1);
		take_part(1, 1);
		// Validator 2 withholds.
		run_to_block(2 * EPOCH);
		System::assert_has_event(Event::RevealMissed { validator: validator(2), epoch: 1 }.into());
		System::assert_has_event(
			Event::EpochStarted { epoch: 2, validators: 3, reveals: 2 }.into(),
		);
		assert_eq!(Standings::<Test>::get(validator(2)).reveals_missed, 1);
		assert_eq!(Standings::<Test>::get(validator(0)).reveals_missed, 0);
		assert_eq!(Commitments::<Test>::get(validator(2)), None, "its commitment expired");
		// Its secret no longer counts: it can only commit afresh, and contributes from epoch 3.
		run_to_reveals(2);
		let (late, signature) =
			signed_reveal(2, 2, Some(secret(2, 1)), commitment_of(&secret(2, 3)));
		assert_noop!(
			Attestation::reveal(authorized(), late.clone(), signature.clone()),
			Error::<Test>::NothingDue
		);
		assert_eq!(
			authorize(late, signature),
			Err(InvalidTransaction::Custom(beacon::invalid::NOTHING_DUE).into())
		);
		take_part(2, 2);
		take_part(0, 2);
		run_to_block(3 * EPOCH);
		System::assert_has_event(
			Event::EpochStarted { epoch: 3, validators: 3, reveals: 1 }.into(),
		);
		run_to_reveals(3);
		take_part(2, 3);
		System::assert_has_event(Event::Revealed { validator: validator(2), epoch: 3 }.into());
		check();
	});
}

#[test]
fn copying_anothers_commitment_cannot_cancel_its_reveal() {
	new_test_ext(&[0, 1]).execute_with(|| {
		run_to_reveals(0);
		take_part(0, 0);
		// Validator 1 commits to validator 0's hash, hoping to reveal the same secret.
		let copied = Commitments::<Test>::get(validator(0)).unwrap().hash;
		let (reveal, signature) = signed_reveal(1, 0, None, copied);
		assert_ok!(Attestation::reveal(authorized(), reveal, signature));
		run_to_reveals(1);
		take_part(0, 1);
		let (reveal, signature) =
			signed_reveal(1, 1, Some(secret(0, 1)), commitment_of(&secret(1, 2)));
		assert_ok!(Attestation::reveal(authorized(), reveal, signature));
		let mix = Mixes::<Test>::get();
		assert_eq!(mix.reveals, 2);
		let mut both = contribution(&validator(0), &secret(0, 1));
		for (byte, other) in both.iter_mut().zip(contribution(&validator(1), &secret(0, 1))) {
			*byte ^= other;
		}
		assert_eq!(mix.value, both);
		assert_ne!(mix.value, [0; 32], "the two reveals did not cancel out");
	});
}

#[test]
fn reveals_are_checked() {
	new_test_ext(&[0, 1]).execute_with(|| {
		let next = commitment_of(&secret(0, 1));
		let (reveal, signature) = signed_reveal(0, 0, None, next);
		assert_noop!(
			Attestation::reveal(RuntimeOrigin::signed(TENANT), reveal.clone(), signature.clone()),
			DispatchError::BadOrigin
		);
		// Outside the reveal phase.
		assert_noop!(
			Attestation::reveal(authorized(), reveal.clone(), signature.clone()),
			Error::<Test>::TooEarly
		);
		run_to_reveals(0);
		// Not a validator.
		let (stranger, stranger_signature) = signed_reveal(5, 0, None, next);
		assert_noop!(
			Attestation::reveal(authorized(), stranger.clone(), stranger_signature.clone()),
			Error::<Test>::NotValidator
		);
		assert_eq!(
			authorize(stranger, stranger_signature),
			Err(InvalidTransaction::Custom(beacon::invalid::NOT_VALIDATOR).into())
		);
		// Signed by another key.
		let forged = validator_pair(1).sign(&Attestation::reveal_payload(&reveal)).into();
		assert_noop!(
			Attestation::reveal(authorized(), reveal.clone(), forged),
			Error::<Test>::BadSignature
		);
		// Another epoch.
		let (future, future_signature) = signed_reveal(0, 1, None, next);
		assert_noop!(
			Attestation::reveal(authorized(), future.clone(), future_signature.clone()),
			Error::<Test>::FutureEpoch
		);
		assert_eq!(authorize(future, future_signature), Err(InvalidTransaction::Future.into()));
		// A secret with nothing due.
		let (early, early_signature) = signed_reveal(0, 0, Some(secret(0, 0)), next);
		assert_noop!(
			Attestation::reveal(authorized(), early, early_signature),
			Error::<Test>::NothingDue
		);
		// The valid one passes the pool's check and lands; a replay does not.
		assert_eq!(authorize(reveal.clone(), signature.clone()), Ok(()));
		assert_ok!(Attestation::reveal(authorized(), reveal.clone(), signature.clone()));
		System::assert_last_event(Event::Committed { validator: validator(0), epoch: 1 }.into());
		assert_noop!(
			Attestation::reveal(authorized(), reveal.clone(), signature.clone()),
			Error::<Test>::AlreadyRevealed
		);
		assert_eq!(
			authorize(reveal.clone(), signature.clone()),
			Err(InvalidTransaction::Custom(beacon::invalid::ALREADY).into())
		);

		run_to_reveals(1);
		// Replayed in the next epoch: stale.
		assert_noop!(
			Attestation::reveal(authorized(), reveal.clone(), signature.clone()),
			Error::<Test>::StaleEpoch
		);
		assert_eq!(authorize(reveal, signature), Err(InvalidTransaction::Stale.into()));
		// Due, but no secret or the wrong one.
		let (silent, silent_signature) = signed_reveal(0, 1, None, next);
		assert_noop!(
			Attestation::reveal(authorized(), silent, silent_signature),
			Error::<Test>::SecretExpected
		);
		let (wrong, wrong_signature) = signed_reveal(0, 1, Some(secret(0, 2)), next);
		assert_noop!(
			Attestation::reveal(authorized(), wrong.clone(), wrong_signature.clone()),
			Error::<Test>::WrongSecret
		);
		assert_eq!(
			authorize(wrong, wrong_signature),
			Err(InvalidTransaction::Custom(beacon::invalid::WRONG_SECRET).into())
		);
		take_part(0, 1);
		System::assert_has_event(Event::Revealed { validator: validator(0), epoch: 1 }.into());
		assert_eq!(Mixes::<Test>::get().reveals, 1);
		check();
	});
}

#[test]
fn former_validators_are_forgotten() {
	new_test_ext(&[0, 1]).execute_with(|| {
		run_to_reveals(0);
		take_part(0, 0);
		take_part(1, 0);
		run_to_reveals(1);
		take_part(0, 1);
		run_to_block(2 * EPOCH);
		assert_eq!(Standings::<Test>::get(validator(1)).reveals_missed, 1);
		run_to_reveals(2);
		take_part(1, 2);
		assert_ok!(Attestation::set_validators(RuntimeOrigin::root(), vec![validator(0)]));
		assert_eq!(Commitments::<Test>::get(validator(1)), None);
		assert_eq!(Standings::<Test>::get(validator(1)).reveals_missed, 0);
		assert!(Commitments::<Test>::get(validator(0)).is_some());
		// A former validator's reveal is refused.
		let (reveal, signature) = signed_reveal(1, 2, None, commitment_of(&secret(1, 3)));
		assert_noop!(
			Attestation::reveal(authorized(), reveal, signature),
			Error::<Test>::NotValidator
		);
		check();
	});
}

// ---- the off-chain worker's part

/// The beacon transactions in the pool, decoded and applied as the chain would (through the
/// authorization), then removed from the pool.
fn apply_pool(transactions: &mut Vec<Vec<u8>>) -> Vec<RevealOf<Test>> {
	use frame_support::dispatch::GetDispatchInfo;
	transactions
		.drain(..)
		.map(|raw| {
			let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
			let RuntimeCall::Attestation(Call::reveal { reveal, .. }) = xt.function.clone() else {
				panic!("not a reveal: {:?}", xt.function)
			};
			let info = xt.get_dispatch_info();
			let checked =
				Checkable::check(xt, &frame_system::ChainContext::<Test>::default()).unwrap();
			checked.validate::<Test>(TransactionSource::Local, &info, raw.len()).unwrap();
			checked.apply::<Test>(&info, raw.len()).unwrap().unwrap();
			reveal
		})
		.collect()
}

#[test]
fn the_worker_commits_then_reveals_its_secret_once_an_epoch() {
	let mut ext = new_test_ext(&[0, 1]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	// This node holds validator 0's key only.
	ext.register_extension(sp_keystore::KeystoreExt::new(keystore_with(&[0])));
	ext.execute_with(|| {
		// Epochs of 40 blocks from epoch 1 on: a reveal phase of 10 blocks.
		assert_ok!(Attestation::set_timing(
			RuntimeOrigin::root(),
			Timing { epoch_length: 40, report_window: 3 }
		));
		state.write().seed = [11; 32];
		// Before the reveal phase, nothing.
		Attestation::take_part_in_beacon(1);
		assert!(pool_state.read().transactions.is_empty());
		// The block before it: the worker's transaction lands in it.
		run_to_block(Attestation::reveal_start(0) - 1);
		Attestation::take_part_in_beacon(System::block_number());
		run_to_block(System::block_number() + 1);
		let sent = apply_pool(&mut pool_state.write().transactions);
		assert_eq!(sent.len(), 1);
		assert_eq!(sent[0].validator, validator(0));
		assert_eq!((sent[0].epoch, sent[0].secret), (0, None), "nothing due yet: a commitment");
		assert_eq!(sent[0].next, commitment_of(&[11; 32]));
		// Once on chain, nothing more this epoch.
		run_to_block(System::block_number() + 1);
		Attestation::take_part_in_beacon(System::block_number());
		assert!(pool_state.read().transactions.is_empty());

		// Epoch 1's reveal phase: the secret committed to.
		let phase = Attestation::reveal_start(1);
		run_to_block(phase - 1);
		state.write().seed = [22; 32];
		Attestation::take_part_in_beacon(phase - 1);
		assert_eq!(pool_state.read().transactions.len(), 1);
		// Dropped by the pool: not sent again for a few blocks, then the same again.
		pool_state.write().transactions.clear();
		run_to_block(phase);
		Attestation::take_part_in_beacon(phase);
		assert!(pool_state.read().transactions.is_empty(), "waits before sending again");
		run_to_block(phase + 4);
		state.write().seed = [33; 32];
		Attestation::take_part_in_beacon(phase + 4);
		let sent = apply_pool(&mut pool_state.write().transactions);
		assert_eq!(sent.len(), 1);
		assert_eq!(sent[0].epoch, 1);
		assert_eq!(sent[0].secret, Some([11; 32]), "the secret it committed to");
		assert_eq!(sent[0].next, commitment_of(&[22; 32]), "the same next secret as before");
		System::assert_has_event(Event::Revealed { validator: validator(0), epoch: 1 }.into());

		// Validator 1 never took part: its absence is not a miss (it committed to nothing).
		run_to_block(Attestation::epoch_start(2));
		let mix = Mix { epoch: 1, value: contribution(&validator(0), &[11; 32]), reveals: 1 };
		let seed_1 = Epochs::<Test>::get(1).unwrap().seed;
		assert_eq!(Epochs::<Test>::get(2).unwrap().seed, seed_of(&seed_1, 2, &mix));
		assert!(Standings::<Test>::iter().all(|(_, standing)| standing.reveals_missed == 0));
		check();
	});
}

#[test]
fn a_worker_that_lost_its_secret_reveals_nothing() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, _state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		// A commitment made before this node's off-chain storage was wiped.
		Commitments::<Test>::insert(validator(0), Commitment { epoch: 1, hash: [5; 32] });
		run_to_reveals(1);
		Attestation::take_part_in_beacon(System::block_number());
		assert!(pool_state.read().transactions.is_empty(), "no reveal it would get wrong");
		run_to_block(2 * EPOCH);
		assert_eq!(Standings::<Test>::get(validator(0)).reveals_missed, 1);
		// The next epoch it commits afresh.
		run_to_reveals(2);
		Attestation::take_part_in_beacon(System::block_number());
		let sent = apply_pool(&mut pool_state.write().transactions);
		assert_eq!((sent.len(), sent[0].secret), (1, None));
		check();
	});
}
