//! Validators accountable: summaries that close a validator's book, and silence and
//! disagreement with the verdicts counted when an epoch is closed. Each attack a validator
//! could try is a test here.

use crate::{mock::*, tests::*, *};
use frame_support::{assert_noop, assert_ok, traits::Authorize};
use sp_core::Pair;
use sp_runtime::transaction_validity::{
	InvalidTransaction, TransactionSource, TransactionValidityError,
};

type Signature = <crypto::Public as sp_runtime::RuntimeAppPublic>::Signature;

/// A summary of `epoch` by `//Validator{i}`, signed with its key.
fn signed_summary(epoch: EpochIndex, i: u32, challenged: u32, failed: u32) -> (Summary, Signature) {
	let summary = Summary {
		epoch,
		validator: index_of(epoch, i),
		challenged,
		failed,
		outcomes: [i as u8; 32],
	};
	let signature = validator_pair(i).sign(&Attestation::summary_payload(&summary)).into();
	(summary, signature)
}

fn authorize(summary: Summary, signature: Signature) -> Result<(), TransactionValidityError> {
	Call::<Test>::summarize { summary, signature }
		.authorize(TransactionSource::External)
		.expect("summarize has an authorize")
		.map(drop)
}

/// `//Validator{i}`'s share of `epoch`'s providers.
fn share(epoch: EpochIndex, i: u32) -> u32 {
	Epochs::<Test>::get(epoch).unwrap().share(index_of(epoch, i))
}

#[test]
fn a_summary_must_match_what_was_reported_and_claim_no_more_than_the_share() {
	let keys = [0, 1, 2, 3];
	new_test_ext(&keys).execute_with(|| {
		let provider = PROVIDERS[0];
		let reporter = assigned_to(0, provider, &keys)[0];
		let (r, s) = signed_report(0, reporter, vec![(provider, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		assert_eq!(Ledgers::<Test>::get(0, index_of(0, reporter)).reported, 1);
		let mine = share(0, reporter);
		assert_eq!(mine, 4, "five providers, three of four validators each");

		// Fewer failures than reported: hiding one.
		let (summary, signature) = signed_summary(0, reporter, mine, 0);
		assert_eq!(
			authorize(summary, signature.clone()),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
				accountability::MISMATCH
			)))
		);
		assert_noop!(
			Attestation::summarize(authorized(), summary, signature),
			Error::<Test>::FailureCountMismatch
		);
		// More challenges than its share: claiming work that was never there.
		let (summary, signature) = signed_summary(0, reporter, mine + 1, 1);
		assert_noop!(
			Attestation::summarize(authorized(), summary, signature),
			Error::<Test>::TooManyChallenges
		);
		// More failures than challenges.
		let (summary, signature) = signed_summary(0, reporter, 0, 1);
		assert_noop!(
			Attestation::summarize(authorized(), summary, signature),
			Error::<Test>::TooManyChallenges
		);
		// Signed by another validator.
		let (mut summary, _) = signed_summary(0, reporter, mine, 1);
		let forged =
			validator_pair((reporter + 1) % 4).sign(&Attestation::summary_payload(&summary));
		assert_noop!(
			Attestation::summarize(authorized(), summary, forged.into()),
			Error::<Test>::BadSignature
		);
		// An index no validator has.
		summary.validator = 4;
		let signature = validator_pair(reporter).sign(&Attestation::summary_payload(&summary));
		assert_noop!(
			Attestation::summarize(authorized(), summary, signature.into()),
			Error::<Test>::NotValidator
		);

		let (summary, signature) = signed_summary(0, reporter, mine, 1);
		assert_eq!(authorize(summary, signature.clone()), Ok(()));
		assert_ok!(Attestation::summarize(authorized(), summary, signature));
		System::assert_last_event(
			Event::Summarized {
				epoch: 0,
				validator: index_of(0, reporter),
				challenged: mine,
				failed: 1,
				outcomes: [reporter as u8; 32],
			}
			.into(),
		);
		assert_eq!(
			Ledgers::<Test>::get(0, index_of(0, reporter)).summary,
			Some(Filed { challenged: mine, outcomes: [reporter as u8; 32], late: false })
		);
		// Once: the pool refuses a second one as well.
		let (summary, signature) = signed_summary(0, reporter, mine, 1);
		assert_eq!(
			authorize(summary, signature.clone()),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
				accountability::SUMMARIZED
			)))
		);
		assert_noop!(
			Attestation::summarize(authorized(), summary, signature),
			Error::<Test>::AlreadySummarized
		);
		check();
	});
}

#[test]
fn a_validator_cannot_pile_on_after_its_summary() {
	let keys = [0, 1, 2, 3];
	new_test_ext(&keys).execute_with(|| {
		// A validator summarizes a clean epoch, then sees another's report of a provider they
		// share and would add its own to make a fault.
		let provider = PROVIDERS[1];
		let [first, second, _] = assigned_to(0, provider, &keys)[..] else { panic!() };
		let (summary, signature) = signed_summary(0, second, share(0, second), 0);
		assert_ok!(Attestation::summarize(authorized(), summary, signature));
		let (r, s) = signed_report(0, first, vec![(provider, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));

		let (r, s) = signed_report(0, second, vec![(provider, unreachable())]);
		assert_noop!(Attestation::report(authorized(), r, s), Error::<Test>::AlreadySummarized);
		assert_eq!(Failures::<Test>::get(0, provider).reports.len(), 1);
		// A summary filed after the epoch's end, in its report window, is taken and marked
		// late; after the window it is refused like a report.
		run_to_block(Attestation::epoch_start(1));
		let third = assigned_to(0, provider, &keys)[2];
		let (summary, signature) = signed_summary(0, third, share(0, third), 0);
		assert_ok!(Attestation::summarize(authorized(), summary, signature));
		assert_eq!(Ledgers::<Test>::get(0, index_of(0, third)).summary.map(|f| f.late), Some(true));
		run_to_block(Attestation::window_end(0));
		let (summary, signature) = signed_summary(0, first, share(0, first), 1);
		assert_noop!(
			Attestation::summarize(authorized(), summary, signature),
			Error::<Test>::StaleEpoch
		);
		judge_through(0);
		assert_eq!(Standings::<Test>::get(validator(third)).late, 1);
		assert_eq!(Standings::<Test>::get(validator(second)).late, 0);
		assert_eq!(Standings::<Test>::get(validator(first)).silent, 1);
		check();
	});
}

#[test]
fn silence_and_disagreement_with_the_verdicts_are_counted_when_the_epoch_is_closed() {
	let keys = [0, 1, 2, 3];
	new_test_ext(&keys).execute_with(|| {
		let [served, faulty, ..] = PROVIDERS;
		// `served`: one of its three validators says it failed (a lone false accusation).
		let accuser = assigned_to(0, served, &keys)[0];
		// `faulty`: two of three report it; the third looks away.
		let [a, b, looked_away] = assigned_to(0, faulty, &keys)[..] else { panic!() };
		let mut reported = std::collections::BTreeMap::<u32, Vec<AccountId>>::new();
		reported.entry(accuser).or_default().push(served);
		reported.entry(a).or_default().push(faulty);
		reported.entry(b).or_default().push(faulty);
		for (i, providers) in &reported {
			let failures = providers.iter().map(|p| (*p, unreachable())).collect();
			let (r, s) = signed_report(0, *i, failures);
			assert_ok!(Attestation::report(authorized(), r, s));
		}
		// Every validator but one summarizes, that one short of its share by one.
		let silent = *keys.iter().find(|i| **i != accuser && **i != a && **i != b).unwrap();
		for i in keys.iter().copied().filter(|i| *i != silent) {
			let failed = reported.get(&i).map_or(0, |p| p.len() as u32);
			let short = u32::from(i == accuser);
			let (summary, signature) = signed_summary(0, i, share(0, i) - short, failed);
			assert_ok!(Attestation::summarize(authorized(), summary, signature));
		}

		let shares: Vec<u32> = keys.iter().map(|i| share(0, *i)).collect();
		judge_through(0);
		// The accused provider served and is paid; the faulty one is not.
		assert_eq!(FaultRecords::<Test>::get(served), FaultRecord::default());
		assert_eq!(FaultRecords::<Test>::get(faulty).recent, 1);
		// What each validator answers for.
		let expected = |i: u32| Standing {
			reveals_missed: 0,
			epochs: 1,
			silent: u32::from(i == silent),
			late: 0,
			unchallenged: u32::from(i == accuser),
			false_failures: u32::from(i == accuser),
			missed_faults: u32::from(i == looked_away),
			last_epoch: 0,
		};
		for i in keys {
			assert_eq!(Standings::<Test>::get(validator(i)), expected(i), "validator {i}");
			let standing = expected(i);
			System::assert_has_event(
				Event::ValidatorAccounted {
					validator: validator(i),
					epoch: 0,
					share: shares[i as usize],
					challenged: (i != silent).then(|| shares[i as usize] - standing.unchallenged),
					false_failures: standing.false_failures,
					missed_faults: standing.missed_faults,
				}
				.into(),
			);
		}
		// The runtime API reads the same.
		let standings = Attestation::standings();
		assert_eq!(standings.len(), 4);
		assert!(standings.iter().all(|(key, s)| *s == Standings::<Test>::get(key)));
		// Nothing of the epoch's books is left.
		assert_eq!(Ledgers::<Test>::iter_prefix(0).count(), 0);
		assert!(Attestation::ledgers(0).is_empty());
		check();
	});
}

#[test]
fn an_epoch_nobody_summarizes_counts_every_validator_silent_and_closes_in_pages() {
	let keys = [0, 1, 2, 3, 4];
	new_test_ext(&keys).execute_with(|| {
		judge_through(0);
		for i in keys {
			let standing = Standings::<Test>::get(validator(i));
			assert_eq!((standing.epochs, standing.silent), (1, 1), "validator {i}");
		}
		// Five validators closed two per block (`MaxJudgedPerBlock`): three blocks of closing.
		let closing = System::events()
			.iter()
			.filter(|record| {
				matches!(record.event, RuntimeEvent::Attestation(Event::ValidatorAccounted { .. }))
			})
			.count();
		assert_eq!(closing, 5);
		check();
	});
}

#[test]
fn a_former_validator_is_forgotten_but_its_last_epochs_are_on_record() {
	let keys = [0, 1, 2];
	new_test_ext(&keys).execute_with(|| {
		// Validator 2 is replaced during epoch 0 (it still checks epoch 0, not epoch 1).
		assert_ok!(Attestation::set_validators(
			RuntimeOrigin::root(),
			vec![validator(0), validator(1), validator(3)]
		));
		judge_through(0);
		assert_eq!(Standings::<Test>::get(validator(0)).epochs, 1);
		assert_eq!(Standings::<Test>::get(validator(2)), Standing::default());
		assert!(Standings::<Test>::iter_keys().all(|key| key != validator(2)));
		System::assert_has_event(
			Event::ValidatorAccounted {
				validator: validator(2),
				epoch: 0,
				share: 5,
				challenged: None,
				false_failures: 0,
				missed_faults: 0,
			}
			.into(),
		);
		check();
	});
}

#[test]
fn an_outcome_the_summary_committed_to_can_be_opened_against_its_root() {
	let leaves: Vec<[u8; 32]> = PROVIDERS
		.iter()
		.enumerate()
		.map(|(n, provider)| {
			let verdict = (n == 2).then_some(nubes_proofs::Failure::Unreachable);
			accountability::outcome_leaf(7, provider, verdict.as_ref())
		})
		.collect();
	let root = accountability::outcomes_root(&leaves);
	let proof = nubes_proofs::storage::prove_chunk(&leaves, 2).unwrap();
	assert_eq!(proof.data, leaves[2].to_vec());
	assert!(nubes_proofs::storage::verify_chunk(&root, 5, &proof));
	// Another verdict for the same provider does not open against the root.
	let mut lie = proof.clone();
	lie.data = accountability::outcome_leaf(7, &PROVIDERS[2], None).to_vec();
	assert!(!nubes_proofs::storage::verify_chunk(&root, 5, &lie));
}
