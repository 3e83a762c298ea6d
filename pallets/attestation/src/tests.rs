//! Tests of epochs, reports, judging, penalties, the served-blocks accumulator and the
//! off-chain worker, against the real registry, stake, payments and market pallets.

use crate::{mock::*, offchain, *};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	traits::{Authorize, Hooks, PalletInfoAccess},
};
use nubes_primitives::traits::{ProviderDirectory, ServedBlocks};
use nubes_proofs::{capacity::CapacityFailure, prover::NoStorage, prover::Prover, Failure};
use sp_core::{
	offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
	Pair,
};
use sp_runtime::{
	traits::{Applyable, Checkable},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError, Perbill,
};

type Signature = <crypto::Public as sp_runtime::RuntimeAppPublic>::Signature;

pub(crate) fn authorized() -> RuntimeOrigin {
	frame_system::RawOrigin::Authorized.into()
}

/// The index of `//Validator{i}` in `epoch`'s (sorted) validator list.
pub(crate) fn index_of(epoch: EpochIndex, i: u32) -> u32 {
	Epochs::<Test>::get(epoch).unwrap().validators.iter().position(|v| *v == validator(i)).unwrap()
		as u32
}

/// A report by `//Validator{i}`, signed with its key.
pub(crate) fn signed_report(
	epoch: EpochIndex,
	i: u32,
	failures: Vec<(AccountId, Failure)>,
) -> (ReportOf<Test>, Signature) {
	let report = ReportOf::<Test> {
		epoch,
		validator: index_of(epoch, i),
		failures: failures.try_into().unwrap(),
	};
	let signature = validator_pair(i).sign(&Attestation::signing_payload(&report)).into();
	(report, signature)
}

fn report_call(report: ReportOf<Test>, signature: Signature) -> RuntimeCall {
	RuntimeCall::Attestation(Call::report { report, signature })
}

fn authorize(call: &RuntimeCall) -> Result<(), TransactionValidityError> {
	call.authorize(TransactionSource::External).expect("report has an authorize").map(drop)
}

/// The validators of `epoch` assigned to `provider`, as `//Validator{i}` numbers.
pub(crate) fn assigned_to(epoch: EpochIndex, provider: AccountId, keys: &[u32]) -> Vec<u32> {
	let data = Epochs::<Test>::get(epoch).unwrap();
	let slot = {
		let now = pallet_providers::SlotOf::<Test>::get(provider).unwrap();
		Attestation::slot_in(Attestation::compaction_since(epoch).as_ref(), &provider, now).unwrap()
	};
	assert!(slot < data.providers, "provider {provider} is not challenged in epoch {epoch}");
	assignment::assigned(slot, data.validators.len() as u32, data.redundancy)
		.into_iter()
		.map(|index| {
			*keys.iter().find(|i| validator(**i) == data.validators[index as usize]).unwrap()
		})
		.collect()
}

/// Deletes `provider`'s record as the withdrawal of its last stake does after it left.
pub(crate) fn remove_provider(provider: AccountId) {
	assert_ok!(Providers::leave(RuntimeOrigin::signed(provider)));
	<Providers as nubes_primitives::traits::BackedCapacity<_>>::on_stake_withdrawn(&provider);
	assert!(!pallet_providers::Providers::<Test>::contains_key(provider));
}

/// The providers in `range` of the registry's slots (vacant ones left out).
fn slots(
	range: core::ops::Range<u32>,
) -> Vec<nubes_primitives::traits::ServingProvider<AccountId>> {
	range.filter_map(<Providers as ProviderDirectory<_>>::at_slot).collect()
}

pub(crate) fn unreachable() -> Failure {
	Failure::Unreachable
}

pub(crate) fn stake(who: AccountId) -> Balance {
	pallet_provider_stake::Ledgers::<Test>::get(who).map_or(0, |l| l.total().unwrap())
}

pub(crate) fn reputation(who: AccountId) -> nubes_primitives::Reputation {
	pallet_providers::Providers::<Test>::get(who).unwrap().reputation
}

/// Runs blocks until epoch `epoch` is judged and swept.
pub(crate) fn judge_through(epoch: EpochIndex) {
	while NextToJudge::<Test>::get() <= epoch {
		run_to_block(System::block_number() + 1);
	}
}

/// Drops the beacon's reveals the worker submitted, leaving its reports.
fn without_reveals(transactions: &mut Vec<Vec<u8>>) {
	transactions.retain(|raw| {
		!matches!(
			Extrinsic::decode(&mut &raw[..]).map(|xt| xt.function),
			Ok(RuntimeCall::Attestation(Call::reveal { .. }))
		)
	});
}

/// Puts a transaction the worker handed to the pool through the pool's check (its
/// `authorize`) and applies it, as a block would.
fn land(raw: &[u8]) {
	use frame_support::dispatch::GetDispatchInfo;
	let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
	let info = xt.get_dispatch_info();
	let checked = Checkable::check(xt, &frame_system::ChainContext::<Test>::default()).unwrap();
	checked.validate::<Test>(TransactionSource::Local, &info, raw.len()).expect("authorized");
	checked.apply::<Test>(&info, raw.len()).unwrap().unwrap();
}

pub(crate) fn check() {
	Attestation::do_try_state().unwrap();
}

#[test]
fn epochs_start_with_a_seed_and_the_validators_of_their_start() {
	new_test_ext(&[0, 1]).execute_with(|| {
		let first = Epochs::<Test>::get(0).expect("genesis starts epoch 0");
		assert_eq!(first.validators.len(), 2);
		assert_eq!(first.redundancy, 3);
		assert_eq!(first.assigned_count(), 2, "fewer validators than the redundancy");
		assert_noop!(
			Attestation::set_validators(RuntimeOrigin::signed(TENANT), vec![validator(2)]),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Attestation::set_validators(RuntimeOrigin::root(), vec![validator(2), validator(2)]),
			Error::<Test>::DuplicateValidator
		);
		assert_noop!(
			Attestation::set_validators(RuntimeOrigin::root(), (0..9).map(validator).collect()),
			Error::<Test>::TooManyValidators
		);
		assert_ok!(Attestation::set_validators(
			RuntimeOrigin::root(),
			vec![validator(2), validator(3), validator(4)]
		));
		System::assert_last_event(Event::ValidatorsSet { validators: 3 }.into());
		// The running epoch keeps its validators; the next one takes the new set.
		assert_eq!(Epochs::<Test>::get(0).unwrap().validators.len(), 2);
		run_to_block(EPOCH);
		System::assert_has_event(
			Event::EpochStarted { epoch: 1, validators: 3, reveals: 0 }.into(),
		);
		let second = Epochs::<Test>::get(1).unwrap();
		assert_eq!(second.validators.len(), 3);
		assert_ne!(second.seed, first.seed);
		check();
	});
}

#[test]
fn parameters_are_root_only_and_checked() {
	new_test_ext(&[0]).execute_with(|| {
		let mut params = Params::<Test>::get();
		params.redundancy = 2;
		assert_noop!(
			Attestation::set_parameters(RuntimeOrigin::signed(TENANT), params),
			DispatchError::BadOrigin
		);
		let bad = |change: fn(&mut Parameters)| {
			let mut bad = params;
			change(&mut bad);
			bad
		};
		for bad in [
			bad(|p| p.redundancy = 4),
			// A window longer than the fault record remembers.
			bad(|p| p.fault_window = RECENT_EPOCHS + 1),
			// An exit the window can never reach.
			bad(|p| p.exit_faults = p.fault_window + 1),
			// Every fault tolerated up to the exit: the exit would come without a slash.
			bad(|p| p.tolerated_faults = p.exit_faults),
		] {
			assert_noop!(
				Attestation::set_parameters(RuntimeOrigin::root(), bad),
				Error::<Test>::BadParameters
			);
		}
		assert_ok!(Attestation::set_parameters(RuntimeOrigin::root(), params));
		System::assert_last_event(Event::ParametersSet { parameters: params }.into());
		assert_eq!(Params::<Test>::get().redundancy, 2);
	});
}

#[test]
fn slash_shares_grow_per_fault_in_the_window_up_to_the_cap() {
	let params = Defaults::get();
	assert_eq!(params.slash_for(1), Perbill::zero());
	assert_eq!(params.slash_for(2), Perbill::from_percent(10));
	assert_eq!(params.slash_for(3), Perbill::from_percent(20));
	assert_eq!(params.slash_for(4), Perbill::from_percent(25));
	assert_eq!(params.slash_for(u32::MAX), Perbill::from_percent(25));
}

#[test]
fn a_valid_report_is_authorized_and_stores_only_failures() {
	new_test_ext(&[0]).execute_with(|| {
		let (report, signature) = signed_report(0, 0, vec![(PROVIDERS[0], unreachable())]);
		let call = report_call(report.clone(), signature.clone());
		assert_eq!(authorize(&call), Ok(()));
		for source in [TransactionSource::Local, TransactionSource::InBlock] {
			assert!(call.authorize(source).unwrap().is_ok());
		}
		// Only the authorized origin may dispatch it.
		assert_noop!(
			Attestation::report(RuntimeOrigin::signed(TENANT), report.clone(), signature.clone()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Attestation::report(RuntimeOrigin::none(), report.clone(), signature.clone()),
			DispatchError::BadOrigin
		);
		assert_ok!(Attestation::report(authorized(), report, signature));
		System::assert_last_event(
			Event::FailuresReported { epoch: 0, validator: 0, failures: 1 }.into(),
		);
		assert_eq!(
			Failures::<Test>::get(0, PROVIDERS[0]).reports.to_vec(),
			vec![(0, unreachable())]
		);
		assert!(Failures::<Test>::get(0, PROVIDERS[1]).reports.is_empty());
		check();
	});
}

#[test]
fn a_general_transaction_goes_through_authorize_call() {
	new_test_ext(&[0]).execute_with(|| {
		use frame_support::dispatch::GetDispatchInfo;
		let (report, signature) = signed_report(0, 0, vec![(PROVIDERS[1], unreachable())]);
		let xt = Extrinsic::new_transaction(
			report_call(report, signature),
			(frame_system::AuthorizeCall::<Test>::new(),),
		);
		let info = xt.get_dispatch_info();
		let len = xt.encoded_size();
		let checked = Checkable::check(xt, &frame_system::ChainContext::<Test>::default()).unwrap();
		checked.validate::<Test>(TransactionSource::External, &info, len).expect("authorized");
		checked.apply::<Test>(&info, len).expect("applies").expect("dispatches");
		assert_eq!(Failures::<Test>::get(0, PROVIDERS[1]).reports.len(), 1);
	});
}

#[test]
fn bad_reports_are_refused_with_their_reason() {
	new_test_ext(&[0, 1]).execute_with(|| {
		let p = PROVIDERS[0];
		let custom =
			|code| Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(code)));
		// Signed by another key than the validator's it names.
		let (report, _) = signed_report(0, 0, vec![(p, unreachable())]);
		let forged = validator_pair(1).sign(&Attestation::signing_payload(&report)).into();
		assert_eq!(
			authorize(&report_call(report.clone(), forged)),
			Err(InvalidTransaction::BadProof.into())
		);
		// Signed for another chain or another report.
		let mut altered = report.clone();
		let (_, signature) = signed_report(0, 0, vec![(p, unreachable())]);
		altered.failures[0].1 = Failure::Malformed;
		assert_eq!(
			authorize(&report_call(altered.clone(), signature.clone())),
			Err(InvalidTransaction::BadProof.into())
		);
		assert_noop!(
			Attestation::report(authorized(), altered, signature),
			Error::<Test>::BadSignature
		);
		// No such validator.
		let mut stranger = report.clone();
		stranger.validator = 7;
		let signature = validator_pair(0).sign(&Attestation::signing_payload(&stranger)).into();
		assert_eq!(
			authorize(&report_call(stranger, signature)),
			custom(reports::invalid::NOT_VALIDATOR)
		);
		// Nothing reported.
		let (empty, signature) = signed_report(0, 0, vec![]);
		assert_eq!(authorize(&report_call(empty, signature)), custom(reports::invalid::EMPTY));
		// The same provider twice in one report.
		let (twice, signature) =
			signed_report(0, 0, vec![(p, unreachable()), (p, Failure::Malformed)]);
		assert_eq!(authorize(&report_call(twice, signature)), custom(reports::invalid::DUPLICATE));
		// Replay: the same failure again, after the first landed.
		let (first, signature) = signed_report(0, 0, vec![(p, unreachable())]);
		assert_ok!(Attestation::report(authorized(), first.clone(), signature.clone()));
		assert_eq!(
			authorize(&report_call(first.clone(), signature.clone())),
			custom(reports::invalid::DUPLICATE)
		);
		assert_noop!(
			Attestation::report(authorized(), first, signature),
			Error::<Test>::DuplicateReport
		);
		// A future epoch, then a stale one once its window closed.
		let future = ReportOf::<Test> {
			epoch: 1,
			validator: 0,
			failures: vec![(p, unreachable())].try_into().unwrap(),
		};
		let signature = validator_pair(0).sign(&Attestation::signing_payload(&future)).into();
		assert_eq!(
			authorize(&report_call(future, signature)),
			Err(InvalidTransaction::Future.into())
		);
		let (late, signature) = signed_report(0, 0, vec![(PROVIDERS[1], unreachable())]);
		run_to_block(EPOCH + WINDOW - 1);
		assert_eq!(authorize(&report_call(late.clone(), signature.clone())), Ok(()));
		run_to_block(EPOCH + WINDOW);
		assert_eq!(authorize(&report_call(late, signature)), Err(InvalidTransaction::Stale.into()));
		check();
	});
}

#[test]
fn a_validator_may_report_only_providers_assigned_to_it() {
	// Four validators, three per provider: each provider has one validator not assigned.
	new_test_ext(&[0, 1, 2, 3]).execute_with(|| {
		let p = PROVIDERS[0];
		let assigned = assigned_to(0, p, &[0, 1, 2, 3]);
		assert_eq!(assigned.len(), 3);
		let outsider = (0..4).find(|i| !assigned.contains(i)).unwrap();
		let (report, signature) = signed_report(0, outsider, vec![(p, unreachable())]);
		assert_eq!(
			authorize(&report_call(report.clone(), signature.clone())),
			Err(InvalidTransaction::Custom(reports::invalid::NOT_ASSIGNED).into())
		);
		assert_noop!(
			Attestation::report(authorized(), report, signature),
			Error::<Test>::NotAssigned
		);
		let (report, signature) = signed_report(0, assigned[0], vec![(p, unreachable())]);
		assert_ok!(Attestation::report(authorized(), report, signature));
	});
}

#[test]
fn a_majority_of_assigned_validators_makes_a_fault_and_no_reports_none() {
	new_test_ext(&[0, 1, 2]).execute_with(|| {
		let [one, two, ..] = PROVIDERS;
		// `one`: one of three failed it; `two`: two of three.
		let (r, s) = signed_report(0, 0, vec![(one, unreachable()), (two, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		let (r, s) = signed_report(0, 1, vec![(two, Failure::Malformed)]);
		assert_ok!(Attestation::report(authorized(), r, s));
		judge_through(0);
		System::assert_has_event(Event::Fault { provider: two, epoch: 0, recent: 1 }.into());
		System::assert_has_event(Event::EpochJudged { epoch: 0, faults: 1 }.into());
		assert_eq!(FaultRecords::<Test>::get(two).recent, 1, "epoch 0 faulty");
		assert_eq!(FaultRecords::<Test>::get(one), FaultRecord::default());
		assert_eq!((reputation(two).faults, reputation(two).consecutive_faults), (1, 1));
		assert_eq!((reputation(one).faults, reputation(one).epochs_served), (0, 1));
		// The first fault costs only the epoch's pay.
		assert_eq!(stake(two), BOND);
		// Nothing of epoch 0 is left.
		assert!(Epochs::<Test>::get(0).is_none());
		assert_eq!(Failures::<Test>::iter_prefix(0).count(), 0);
		// Epoch 1: no reports at all: every provider served, nobody slashed.
		judge_through(1);
		System::assert_has_event(Event::EpochJudged { epoch: 1, faults: 0 }.into());
		assert_eq!((reputation(two).consecutive_faults, reputation(two).epochs_served), (0, 1));
		assert!(PROVIDERS.iter().all(|p| stake(*p) == BOND));
		check();
	});
}

#[test]
fn judging_is_bounded_per_block_and_carries_over() {
	new_test_ext(&[0]).execute_with(|| {
		// Two providers judged per block; five providers; then one block of sweeping.
		run_to_block(EPOCH + WINDOW - 1);
		assert_eq!(JudgingState::<Test>::get(), Judging::Start);
		let (r, s) =
			signed_report(0, 0, PROVIDERS.iter().map(|p| (*p, unreachable())).take(4).collect());
		assert_ok!(Attestation::report(authorized(), r, s));
		let (order, _) = <Providers as ProviderDirectory<_>>::serving_after(None, 10);
		run_to_block(EPOCH + WINDOW);
		assert_eq!(JudgingState::<Test>::get(), Judging::After(order[1].account));
		assert_eq!(EpochFaults::<Test>::get(0), 2);
		run_to_block(EPOCH + WINDOW + 1);
		assert_eq!(JudgingState::<Test>::get(), Judging::After(order[3].account));
		run_to_block(EPOCH + WINDOW + 2);
		assert_eq!(JudgingState::<Test>::get(), Judging::Sweeping);
		System::assert_has_event(Event::EpochJudged { epoch: 0, faults: 4 }.into());
		assert_eq!(NextToJudge::<Test>::get(), 0, "not done until swept");
		run_to_block(EPOCH + WINDOW + 3);
		assert_eq!(JudgingState::<Test>::get(), Judging::Closing(0));
		assert_eq!(NextToJudge::<Test>::get(), 0, "nor until the validators' books are closed");
		run_to_block(EPOCH + WINDOW + 4);
		assert_eq!(NextToJudge::<Test>::get(), 1);
		assert_eq!(JudgingState::<Test>::get(), Judging::Start);
		check();
	});
}

#[test]
fn leftover_reports_of_providers_gone_are_swept_in_bounded_steps() {
	let mut ext = new_test_ext(&[0]);
	ext.execute_with(|| {
		// Every provider reported, then gone from the registry before judging.
		for chunk in [&PROVIDERS[..4], &PROVIDERS[4..]] {
			let (r, s) = signed_report(0, 0, chunk.iter().map(|p| (*p, unreachable())).collect());
			assert_ok!(Attestation::report(authorized(), r, s));
		}
		for provider in PROVIDERS {
			remove_provider(provider);
		}
		// The window's end: the registry, empty, is judged at once.
		run_to_block(EPOCH + WINDOW);
		assert_eq!(JudgingState::<Test>::get(), Judging::Sweeping);
		assert_eq!(Failures::<Test>::iter_prefix(0).count(), 5);
	});
	// The bound applies to what is in the database, so each block is committed as on a chain.
	let mut left = Vec::new();
	while ext.execute_with(NextToJudge::<Test>::get) == 0 {
		ext.commit_all().unwrap();
		left.push(ext.execute_with(|| {
			run_to_block(System::block_number() + 1);
			Failures::<Test>::iter_prefix(0).count()
		}));
		assert!(left.len() <= 5, "sweeping does not end: {left:?}");
	}
	assert_eq!(left, vec![3, 1, 0, 0], "two per block, then the validator's book closed");
	ext.execute_with(check);
}

/// Opens a confirmed direct lease of `spec()` from `provider` for `tenant`.
fn lease(tenant: AccountId, provider: AccountId) -> u64 {
	let id = pallet_market::NextLeaseId::<Test>::get();
	assert_ok!(Market::lease_direct(
		RuntimeOrigin::signed(tenant),
		provider,
		spec(),
		10_000,
		None,
		[0; 32],
		2_100 * 1_000
	));
	assert_ok!(Market::confirm_lease(RuntimeOrigin::signed(provider), id));
	id
}

#[test]
fn consecutive_faults_slash_more_and_finally_force_the_provider_out() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		let first = lease(TENANT, p);
		let second = lease(TENANT_2, p);
		let treasury = Balances::free_balance(TREASURY);
		let mut expected = BOND;
		for epoch in 0..4u32 {
			let (r, s) = signed_report(epoch, 0, vec![(p, unreachable())]);
			assert_ok!(Attestation::report(authorized(), r, s));
			judge_through(epoch);
			let recent = epoch + 1;
			System::assert_has_event(Event::Fault { provider: p, epoch, recent }.into());
			let slashed = Defaults::get().slash_for(recent) * expected;
			expected -= slashed;
			assert_eq!(stake(p), expected, "after fault {recent}");
			if recent >= 2 {
				System::assert_has_event(
					Event::Slashed { provider: p, amount: slashed, recent }.into(),
				);
			}
		}
		// 100,000 → 90,000 → 72,000 → 54,000: the fourth fault in the window forced it out.
		assert_eq!(expected, 54_000);
		System::assert_has_event(Event::ForcedOut { provider: p }.into());
		let info = pallet_providers::Providers::<Test>::get(p).unwrap();
		assert_eq!(info.status, nubes_primitives::ProviderStatus::Leaving);
		// Its two tenants paid nothing (every epoch of their leases was faulty), so they are
		// owed no compensation: the slashes, less their burnt tenth, went to the treasury.
		assert!(!System::events().iter().any(|record| matches!(
			record.event,
			RuntimeEvent::ProviderStake(pallet_provider_stake::Event::SlashPaid { .. })
		)));
		assert_eq!(
			Balances::free_balance(TREASURY) - treasury,
			(10_000 + 18_000 + 18_000) * 9 / 10
		);
		// Its leases close one per block with `ProviderFaulty`, then the eviction ends.
		run_to_block(System::block_number() + 3);
		for id in [first, second] {
			System::assert_has_event(
				pallet_market::Event::LeaseClosed {
					lease: id,
					reason: nubes_primitives::CloseReason::ProviderFaulty,
				}
				.into(),
			);
		}
		System::assert_has_event(Event::EvictionDone { provider: p }.into());
		assert!(Evicting::<Test>::get().is_empty());
		let info = pallet_providers::Providers::<Test>::get(p).unwrap();
		assert!(info.allocated.is_zero(), "its capacity is released");
		check();
	});
}

#[test]
fn faults_further_apart_than_the_window_cost_only_their_pay_and_a_dense_run_forces_out() {
	new_test_ext(&[0]).execute_with(|| {
		let (rare, frequent) = (PROVIDERS[0], PROVIDERS[1]);
		let run_to_epoch = |epoch| {
			// Reports are taken only once their epoch runs.
			while Attestation::epoch_of(System::block_number()) < epoch {
				run_to_block(System::block_number() + 1);
			}
		};
		// A transient miss every eight epochs (the window): each alone in its window.
		for epoch in [0u32, 8, 16, 24] {
			run_to_epoch(epoch);
			let (r, s) = signed_report(epoch, 0, vec![(rare, unreachable())]);
			assert_ok!(Attestation::report(authorized(), r, s));
		}
		judge_through(24);
		assert_eq!(reputation(rare).faults, 4);
		assert_eq!(stake(rare), BOND, "never slashed");
		System::assert_has_event(Event::Fault { provider: rare, epoch: 24, recent: 1 }.into());
		let record = FaultRecords::<Test>::get(rare);
		assert_eq!((record.faulty_blocks, record.newest), (4 * EPOCH, 24));
		assert_eq!(record.recent, 1 | 1 << 8 | 1 << 16 | 1 << 24, "epochs 24, 16, 8 and 0");
		// Every other epoch faulty is a persistent absence, never two faults in a row or not:
		// the fourth within the window forces the provider out.
		for epoch in [26u32, 28, 30, 32] {
			run_to_epoch(epoch);
			let (r, s) = signed_report(epoch, 0, vec![(frequent, unreachable())]);
			assert_ok!(Attestation::report(authorized(), r, s));
		}
		judge_through(32);
		System::assert_has_event(Event::Fault { provider: frequent, epoch: 32, recent: 4 }.into());
		System::assert_has_event(Event::ForcedOut { provider: frequent }.into());
		assert_eq!(reputation(frequent).faults, 4);
		assert_eq!(stake(rare), BOND);
		check();
	});
}

#[test]
fn the_fault_index_and_recent_faults_leave_out_faulty_epochs_and_wait_for_judging() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		assert_eq!(<Attestation as ServedBlocks<_, _>>::judged_until(), 0);
		// Epochs 1 and 3 (blocks 10-19, 30-39) faulty; epochs up to 3 judged.
		FaultRecords::<Test>::insert(
			p,
			FaultRecord { faulty_blocks: 2 * EPOCH, recent: 0b101, newest: 3 },
		);
		NextToJudge::<Test>::put(4);
		let faulty =
			|from, to| <Attestation as ServedBlocks<_, u64>>::recent_faulty_blocks(&p, from, to);
		assert_eq!(faulty(0, 10), Some(0));
		assert_eq!(faulty(0, 40), Some(20));
		assert_eq!(faulty(15, 35), Some(10), "half of each faulty epoch");
		assert_eq!(faulty(12, 18), Some(6));
		assert_eq!(faulty(20, 20), Some(0));
		assert_eq!(faulty(30, 20), Some(0));
		assert_eq!(faulty(0, 41), None, "epoch 4 is not judged");
		assert_eq!(<Attestation as ServedBlocks<_, u64>>::fault_index(&p), 20);
		// While epoch 3 is being judged, its fault is not in the index yet.
		NextToJudge::<Test>::put(3);
		assert_eq!(<Attestation as ServedBlocks<_, u64>>::fault_index(&p), 10);
		// Faults older than the record's memory are unknown, not assumed served.
		FaultRecords::<Test>::insert(
			p,
			FaultRecord { faulty_blocks: 3 * EPOCH, recent: 1, newest: 1_000 },
		);
		NextToJudge::<Test>::put(1_001);
		assert_eq!(faulty(10, 20), None);
		assert_eq!(faulty(0, 2_000), None, "a range longer than the record remembers");
		assert_eq!(faulty(1_000 * EPOCH - 5, 1_000 * EPOCH + 5), Some(5));
		assert_eq!(<Attestation as ServedBlocks<_, u64>>::fault_index(&p), 30);
		// A provider that never failed has no faulty block anywhere.
		assert_eq!(
			<Attestation as ServedBlocks<_, u64>>::recent_faulty_blocks(&PROVIDERS[1], 0, 10_000),
			Some(0)
		);
		assert_eq!(
			<Attestation as ServedBlocks<_, u64>>::recent_faulty_blocks(&PROVIDERS[1], 10, 20),
			Some(0)
		);
	});
}

#[test]
fn settlement_pays_only_judged_served_blocks() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		let id = lease(TENANT, p); // active from block 1
		let (r, s) = signed_report(0, 0, vec![(p, unreachable())]);
		assert_ok!(Attestation::report(authorized(), r, s));
		judge_through(1);
		let before = Balances::free_balance(p);
		assert_ok!(Payments::settle(RuntimeOrigin::signed(TENANT_2), id));
		// Judged up to block 20; epoch 0 (blocks 1-9 of the lease) unpaid; 10 blocks paid
		// at 2,100 less the 10 % fee.
		assert_eq!(Balances::free_balance(p) - before, 10 * 2_100 * 9 / 10);
	});
}

// ---- off-chain worker

/// The answer a prover with every claimed core gives, and its openings, as JSON.
fn honest(challenge: &nubes_proofs::Challenge) -> (Vec<u8>, Vec<u8>) {
	let proof = Prover::new(2, 64).answer(challenge, &NoStorage, None).unwrap();
	(serde_json::to_vec(&proof.answer).unwrap(), proof.openings.encode())
}

/// The timed answer of [`honest`].
fn honest_answer(challenge: &nubes_proofs::Challenge) -> Vec<u8> {
	honest(challenge).0
}

/// A GET of `uri` the worker sends, answered with `body`.
fn expected_get(uri: String, body: Vec<u8>) -> testing::PendingRequest {
	testing::PendingRequest {
		method: "GET".into(),
		uri,
		sent: true,
		response: Some(body),
		..Default::default()
	}
}

/// Where `provider` gives its openings of `challenge`.
fn openings_uri(provider: AccountId, challenge: &nubes_proofs::Challenge) -> String {
	format!(
		"http://provider-{provider}.example:8080{}",
		nubes_proofs::openings_path(&challenge.seed)
	)
}

/// The worker's read of `provider`'s openings of `challenge`, answered with `body`.
fn expected_openings(
	provider: AccountId,
	challenge: &nubes_proofs::Challenge,
	body: Vec<u8>,
) -> testing::PendingRequest {
	expected_get(openings_uri(provider, challenge), body)
}

/// The block of epoch 0 in which its only validator sends its one turn.
fn turn_block() -> u64 {
	Attestation::turn_block(0, &Epochs::<Test>::get(0).unwrap(), 0)
}

fn expected_request(
	provider: AccountId,
	challenge: &nubes_proofs::Challenge,
	response: Vec<u8>,
) -> testing::PendingRequest {
	testing::PendingRequest {
		method: "POST".into(),
		uri: format!("http://provider-{provider}.example:8080/nubes/v1/challenge"),
		headers: vec![("Content-Type".into(), "application/json".into())],
		// As `Scripted` passes it on: the signature checked, then blanked (sr25519 signatures
		// are randomized, so no test can know one in advance).
		body: serde_json::to_vec(&nubes_proofs::SignedChallenge {
			challenge: challenge.clone(),
			epoch: 0,
			validator: 0,
			signature: [0; 64],
		})
		.unwrap(),
		sent: true,
		response: Some(response),
		..Default::default()
	}
}

#[test]
fn the_offchain_worker_challenges_its_providers_and_reports_the_failures() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted.clone()));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		let data = Epochs::<Test>::get(0).unwrap();
		let params = Params::<Test>::get();
		// A lone validator is assigned every slot, in one turn: the worker challenges them all
		// in the turn's block, and before it nobody.
		let at = turn_block();
		if at > 1 {
			Attestation::offchain_worker(at - 1);
			assert!(state.read().requests.is_empty(), "nobody challenged before the turn");
		}
		let page = slots(0..5);
		assert_eq!(page.len(), 5);
		let challenge = |who: AccountId| {
			offchain::challenge_for(&data.seed, &[0; 32], &who, &capacity(), &params)
		};
		let (answer_1, openings_1) = honest(&challenge(page[1].account));
		let wrong = {
			// Roots given in time, then openings of another fill.
			let mut openings = nubes_proofs::Openings::decode(&mut &openings_1[..]).unwrap();
			openings.openings[0].previous.block[0] ^= 1;
			openings.encode()
		};
		let (answer_0, openings_0) = honest(&challenge(page[0].account));
		let (answer_4, openings_4) = honest(&challenge(page[4].account));
		let responses = [
			answer_0,
			answer_1,
			b"<html>502 Bad Gateway</html>".to_vec(),
			// An answer to another provider's challenge.
			honest_answer(&challenge(page[0].account)),
			answer_4,
		];
		for (provider, response) in page.iter().zip(responses) {
			let request =
				expected_request(provider.account, &challenge(provider.account), response);
			state.write().expect_request(request);
		}
		// Then the openings of the answers that passed, four at a time (`OpeningsAtOnce`).
		for (provider, openings) in [(0, openings_0), (1, wrong), (4, openings_4)] {
			let who = page[provider].account;
			state.write().expect_request(expected_openings(who, &challenge(who), openings));
		}
		// The turn's block was made at 10 s (unix time); this node has it 200 ms later.
		ClockMillis::set(10_000);
		state.write().timestamp = sp_core::offchain::Timestamp::from_unix_millis(10_200);
		Attestation::offchain_worker(at);
		// Every challenge of the turn went out at one moment: the block's time and the delay
		// every validator waits (500 ms in the mock), whenever each imported the block.
		let started = scripted.started.lock().unwrap().clone();
		let challenges: Vec<u64> = started
			.iter()
			.filter(|(uri, _)| uri.ends_with("/nubes/v1/challenge"))
			.map(|(_, at)| *at)
			.collect();
		assert_eq!(challenges, vec![10_500; 5], "{started:?}");
		without_reveals(&mut pool_state.write().transactions);

		let raw = pool_state.write().transactions.pop().expect("one report submitted");
		assert!(pool_state.read().transactions.is_empty());
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		assert!(
			matches!(xt.preamble, sp_runtime::generic::Preamble::General(..)),
			"not signed, not bare"
		);
		let RuntimeCall::Attestation(Call::report { report, .. }) = &xt.function else {
			panic!("not a report: {:?}", xt.function)
		};
		assert_eq!(report.epoch, 0);
		assert_eq!(
			report.failures.to_vec(),
			vec![
				(page[1].account, Failure::Capacity(CapacityFailure::WrongBlock { sample: 0 })),
				(page[2].account, Failure::Malformed),
				(page[3].account, Failure::SeedMismatch),
			]
		);
		// The transaction passes `AuthorizeCall` and lands.
		land(&raw);
		assert_eq!(Failures::<Test>::iter_prefix(0).count(), 3);
		assert_eq!(*scripted.signed.lock().unwrap(), 5, "every challenge went out signed");

		// Its share done and its failures on chain, the next run files its summary, which
		// commits to every outcome in order.
		Attestation::offchain_worker(at + 1);
		let raw = pool_state.write().transactions.pop().expect("a summary submitted");
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		let RuntimeCall::Attestation(Call::summarize { summary, .. }) = xt.function.clone() else {
			panic!("not a summary: {:?}", xt.function)
		};
		let verdicts = [
			None,
			Some(Failure::Capacity(CapacityFailure::WrongBlock { sample: 0 })),
			Some(Failure::Malformed),
			Some(Failure::SeedMismatch),
			None,
		];
		let leaves: Vec<[u8; 32]> = page
			.iter()
			.zip(&verdicts)
			.map(|(provider, verdict)| {
				accountability::outcome_leaf(0, &provider.account, verdict.as_ref())
			})
			.collect();
		assert_eq!(
			summary,
			Summary {
				epoch: 0,
				validator: 0,
				challenged: 5,
				failed: 3,
				outcomes: accountability::outcomes_root(&leaves),
			}
		);
		land(&raw);
		assert!(Ledgers::<Test>::get(0, 0).summary.is_some());
		// On chain: nothing more to do this epoch.
		Attestation::offchain_worker(at + 2);
		assert!(pool_state.read().transactions.is_empty());
		// What the worker did is kept for the node's metrics.
		let stats =
			sp_runtime::offchain::storage::StorageValueRef::persistent(offchain::WORKER_STATS_KEY)
				.get::<offchain::WorkerStats>()
				.unwrap()
				.unwrap();
		assert_eq!(
			stats,
			offchain::WorkerStats {
				challenges_sent: 5,
				passed: 2,
				failed: 3,
				reports_submitted: 1,
				reports_refused: 0,
				probes_sent: 0,
			}
		);
	});
}

#[test]
fn a_chain_whose_time_runs_ahead_makes_no_worker_wait_past_the_delay() {
	use sp_core::offchain::HttpRequestStatus;
	let mut ext = new_test_ext(&[0]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, _pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted.clone()));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		for provider in slots(0..5) {
			let url =
				format!("http://provider-{}.example:8080/nubes/v1/challenge", provider.account);
			scripted.script.lock().unwrap().insert(url, HttpRequestStatus::IoError);
		}
		// A dev chain's fast blocks put its time an hour ahead of this node's clock.
		ClockMillis::set(3_600_000 + 10_000);
		state.write().timestamp = sp_core::offchain::Timestamp::from_unix_millis(10_000);
		Attestation::offchain_worker(turn_block());
		let started: Vec<u64> =
			scripted.started.lock().unwrap().iter().map(|(_, at)| *at).collect();
		assert_eq!(started, vec![10_500; 5], "sent after the delay, not in an hour");
	});
}

#[test]
fn a_validator_away_for_part_of_an_epoch_files_its_summary_in_the_next_short_of_its_share() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, _state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		// The node runs before its turn's block: nothing to do yet.
		let at = turn_block();
		if at > 1 {
			Attestation::offchain_worker(at - 1);
			without_reveals(&mut pool_state.write().transactions);
			assert!(pool_state.read().transactions.is_empty(), "no turn, no summary");
		}

		// Then it is away for the rest of epoch 0, its turn's block included, and its key is
		// replaced from epoch 1: back in epoch 1 it challenges nobody, but accounts for epoch 0,
		// short of its whole share.
		assert_ok!(Attestation::set_validators(RuntimeOrigin::root(), vec![validator(1)]));
		run_to_block(EPOCH + 1);
		Attestation::offchain_worker(EPOCH + 1);
		without_reveals(&mut pool_state.write().transactions);
		let raw = pool_state.write().transactions.pop().expect("epoch 0's summary");
		assert!(pool_state.read().transactions.is_empty());
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		let RuntimeCall::Attestation(Call::summarize { summary, .. }) = xt.function.clone() else {
			panic!("not a summary: {:?}", xt.function)
		};
		assert_eq!(
			summary,
			Summary {
				epoch: 0,
				validator: 0,
				challenged: 0,
				failed: 0,
				outcomes: accountability::outcomes_root::<[u8; 32]>(&[]),
			}
		);
		land(&raw);
		assert_eq!(Ledgers::<Test>::get(0, 0).summary.map(|filed| filed.late), Some(true));
		judge_through(0);
		System::assert_has_event(
			Event::ValidatorAccounted {
				validator: validator(0),
				epoch: 0,
				share: 5,
				challenged: Some(0),
				false_failures: 0,
				missed_faults: 0,
			}
			.into(),
		);
	});
}

#[test]
fn a_node_without_an_epoch_key_challenges_nobody() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, _state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	// This node's keystore holds a key that is not among the validators.
	ext.register_extension(sp_keystore::KeystoreExt::new(keystore_with(&[5])));
	ext.execute_with(|| {
		// No request is expected: the test extension panics on any unexpected one.
		Attestation::offchain_worker(1);
		assert!(pool_state.read().transactions.is_empty());
	});
}

fn probe_url(provider: AccountId, lease: u64) -> String {
	format!("http://provider-{provider}.example:8080/nubes/v1/leases/{lease}/live")
}

fn probe(provider: AccountId, lease: u64, body: Vec<u8>) -> testing::PendingRequest {
	expected_get(probe_url(provider, lease), body)
}

#[test]
fn leased_capacity_is_probed_and_a_dead_lease_is_a_failure() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted.clone()));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		use sp_core::offchain::HttpRequestStatus;
		let page = slots(0..4);
		// The first provider serves one lease that runs; the second one whose workload its
		// agent lost; the third a lease whose probe is never answered in time.
		let running = lease(TENANT, page[0].account);
		let lost = lease(TENANT, page[1].account);
		let silent = lease(TENANT_2, page[2].account);
		// A lease still pending (not confirmed) is not probed.
		assert_ok!(Market::lease_direct(
			RuntimeOrigin::signed(TENANT_2),
			page[3].account,
			spec(),
			10_000,
			None,
			[0; 32],
			2_100 * 1_000
		));
		let data = Epochs::<Test>::get(0).unwrap();
		let params = Params::<Test>::get();
		let live = |lease: u64| {
			serde_json::to_vec(&nubes_proofs::protocol::Liveness { lease, running: true }).unwrap()
		};
		let page = slots(0..5);
		let probes = [
			Some(probe(page[0].account, running, live(running))),
			Some(probe(page[1].account, lost, b"lease runs nothing here".to_vec())),
			// Never answered (scripted below): it expects nothing.
			None,
			None,
			None,
		];
		// Each provider's challenge, then its probe, as the worker sends them; then the
		// openings of those whose leases run.
		let mut openings = Vec::new();
		for (at, (provider, probe)) in page.iter().zip(probes).enumerate() {
			// Sized to what the leases leave idle.
			let idle = provider.offered.saturating_sub(&provider.allocated);
			let challenge =
				offchain::challenge_for(&data.seed, &[0; 32], &provider.account, &idle, &params);
			let (answer, opened) = honest(&challenge);
			state.write().expect_request(expected_request(provider.account, &challenge, answer));
			if let Some(probe) = probe {
				state.write().expect_request(probe);
			}
			if ![1, 2].contains(&at) {
				openings.push(expected_openings(provider.account, &challenge, opened));
			}
		}
		for request in openings {
			state.write().expect_request(request);
		}
		{
			let mut script = scripted.script.lock().unwrap();
			script.insert(probe_url(page[1].account, lost), HttpRequestStatus::Finished(404));
			script.insert(probe_url(page[2].account, silent), HttpRequestStatus::DeadlineReached);
		}
		Attestation::offchain_worker(turn_block());
		without_reveals(&mut pool_state.write().transactions);
		let raw = pool_state.write().transactions.pop().expect("one report submitted");
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		let RuntimeCall::Attestation(Call::report { report, .. }) = &xt.function else {
			panic!("not a report: {:?}", xt.function)
		};
		assert_eq!(
			report.failures.to_vec(),
			vec![
				(page[1].account, Failure::LeaseDown { lease: lost }),
				(page[2].account, Failure::LeaseDown { lease: silent }),
			]
		);
		land(&raw);
		assert_eq!(Failures::<Test>::iter_prefix(0).count(), 2);
	});
}

/// A shard's chunks as its holder keeps them: the shard's own chunks, each sealed under
/// `holder`'s key, or left plain by a holder that fetched them from other holders when probed.
struct Kept {
	chunks: Vec<Vec<u8>>,
	holder: Option<[u8; 32]>,
}

impl nubes_proofs::prover::ChunkSource for Kept {
	fn sealed(&self, probe: &nubes_proofs::StorageChallenge) -> Option<nubes_proofs::ChunkProof> {
		let mut proof = nubes_proofs::storage::prove_chunk(&self.chunks, probe.chunk)?;
		if let Some(holder) = &self.holder {
			let key = nubes_proofs::seal::seal_key(holder, &probe.root, probe.chunk);
			nubes_proofs::seal::seal(&key, nubes_proofs::seal::SEAL_ROUNDS, &mut proof.data)
				.ok()?;
		}
		Some(proof)
	}
}

#[test]
fn a_holder_that_does_not_keep_its_sealed_shard_fails_its_storage_probe() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		let page = slots(0..5);
		// Two holders of a two-chunk shard: the first keeps it sealed under its own key; the
		// second keeps nothing and, when probed, fetches the chunk from other holders (or a
		// reader) and gives it as it got it, unsealed.
		let chunks: Vec<Vec<u8>> =
			(0..2u8).map(|i| vec![i + 1; nubes_proofs::protocol::MAX_CHUNK_BYTES]).collect();
		let shard = nubes_primitives::traits::HeldShard {
			root: nubes_proofs::storage::commit(&chunks),
			chunks: 2,
		};
		let keeper = lease(TENANT, page[0].account);
		let lazy = lease(TENANT, page[1].account);
		crate::mock::SHARDS.with(|shards| {
			shards.borrow_mut().extend([(keeper, shard), (lazy, shard)]);
		});
		let data = Epochs::<Test>::get(0).unwrap();
		let params = Params::<Test>::get();
		// Read again: the leases changed what the providers have idle.
		let page = slots(0..5);
		let mut openings = Vec::new();
		for (at, provider) in page.iter().enumerate() {
			let idle = provider.offered.saturating_sub(&provider.allocated);
			let mut challenge =
				offchain::challenge_for(&data.seed, &[0; 32], &provider.account, &idle, &params);
			let held = match at {
				0 => vec![(keeper, shard)],
				1 => vec![(lazy, shard)],
				_ => vec![],
			};
			challenge.storage =
				offchain::storage_probes(&[0; 32], &provider.account.encode(), &held);
			// A holder's shard lease is probed through its seal, not its liveness.
			assert_eq!(challenge.storage.len(), held.len());
			let kept = Kept {
				chunks: chunks.clone(),
				holder: (at == 0)
					.then(|| nubes_proofs::protocol::account_bytes(&provider.account.encode())),
			};
			let proof = Prover::new(2, 64).answer(&challenge, &kept, None).unwrap();
			let answer = serde_json::to_vec(&proof.answer).unwrap();
			state.write().expect_request(expected_request(provider.account, &challenge, answer));
			openings.push(expected_openings(provider.account, &challenge, proof.openings.encode()));
		}
		for request in openings {
			state.write().expect_request(request);
		}
		Attestation::offchain_worker(turn_block());
		without_reveals(&mut pool_state.write().transactions);
		let raw = pool_state.write().transactions.pop().expect("one report submitted");
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		let RuntimeCall::Attestation(Call::report { report, .. }) = &xt.function else {
			panic!("not a report: {:?}", xt.function)
		};
		let chunk = offchain::storage_probes(&[0; 32], &page[1].account.encode(), &[(lazy, shard)])
			[0]
		.chunk;
		assert_eq!(
			report.failures.to_vec(),
			vec![(
				page[1].account,
				Failure::Storage(nubes_proofs::storage::StorageFailure::BadPath {
					probe: 0,
					index: chunk
				})
			)]
		);
		land(&raw);
		assert_eq!(Failures::<Test>::iter_prefix(0).count(), 1);
	});
}

#[test]
fn probes_sample_leases_the_provider_cannot_foresee() {
	let running: Vec<u64> = (0..10).collect();
	let picks = |random: u8| offchain::probed_leases(&[random; 32], &7u64.encode(), &running);
	assert_eq!(picks(1).len(), offchain::PROBES_PER_PROVIDER);
	// Another validator's randomness, other leases: over 64 draws every lease is probed.
	let mut seen: Vec<u64> = (0..64).flat_map(picks).collect();
	seen.sort();
	seen.dedup();
	assert_eq!(seen, running);
	assert_eq!(offchain::probed_leases(&[1; 32], &7u64.encode(), &[4]), vec![4]);
	assert!(offchain::probed_leases(&[1; 32], &7u64.encode(), &[]).is_empty());
}

#[test]
fn a_challenge_proves_the_idle_capacity_only() {
	let params = crate::Parameters { unit_kib: 1_024, ..Defaults::get() };
	let idle = |millicores, memory_mib| nubes_primitives::Resources {
		cpu_millicores: millicores,
		memory_mib,
		storage_gib: 0,
		gpus: 0,
	};
	let sized = |r| offchain::capacity_for(&r, &params);
	// Three idle cores and a GiB: three units, each capped at the chain's 1 MiB, full deadline.
	let (c, deadline) = sized(idle(3_000, 1_024));
	assert_eq!((c.units, c.blocks, c.samples, deadline), (3, 1_024, 8, 2_000));
	// Half a core more is no unit more.
	assert_eq!(sized(idle(3_500, 1_024)).0.units, 3);
	// Little idle memory per core: smaller units (a power of two), a shorter deadline beyond the
	// network's share.
	let (c, deadline) = sized(idle(4_000, 2));
	assert_eq!((c.units, c.blocks, deadline), (4, 512, 500 + 1_500 / 2));
	let (c, deadline) = sized(idle(4_000, 0));
	assert_eq!((c.units, c.blocks, deadline), (4, 64, 500 + (1_500u32 * 64).div_ceil(1_024)));
	// Every core leased: nothing to fill, only the answer to time.
	let (c, deadline) = sized(idle(500, 8_192));
	assert_eq!((c.units, c.samples, deadline), (0, 0, 500));
	assert!(nubes_proofs::Challenge {
		version: nubes_proofs::PROTOCOL_VERSION,
		seed: [0; 32],
		provider: [0; 32],
		capacity: c,
		storage: vec![],
		deadline_ms: deadline,
	}
	.check()
	.is_ok());
	// The worker sizes each challenge to what the provider's leases leave idle.
	assert_eq!(
		offchain::capacity_for(&capacity().saturating_sub(&spec()), &Defaults::get()).0.units,
		6
	);
}

#[test]
fn transport_outcomes_map_to_failures() {
	let challenge = nubes_proofs::Challenge {
		version: nubes_proofs::PROTOCOL_VERSION,
		seed: [1; 32],
		provider: [2; 32],
		capacity: nubes_proofs::CapacityChallenge { units: 1, blocks: 64, samples: 4 },
		storage: vec![],
		deadline_ms: 1_000,
	};
	let answered = |status, body: Vec<u8>, elapsed_ms| offchain::Outcome::Answered {
		status,
		body,
		elapsed_ms,
	};
	let (answer, openings) = honest(&challenge);
	let committed = offchain::judge(&challenge, &answered(200, answer.clone(), 10)).unwrap();
	assert_eq!(
		offchain::judge_openings(&challenge, &committed, &answered(200, openings.clone(), 5_000)),
		Ok(()),
		"the openings are not timed beyond the worker's wait"
	);
	assert_eq!(
		offchain::judge_openings(&challenge, &committed, &answered(404, openings, 10)),
		Err(Failure::HttpStatus(404))
	);
	assert_eq!(
		offchain::judge_openings(&challenge, &committed, &offchain::Outcome::Unreachable),
		Err(Failure::Unreachable)
	);
	assert_eq!(
		offchain::judge(&challenge, &answered(500, b"oops".to_vec(), 10)),
		Err(Failure::HttpStatus(500))
	);
	assert_eq!(
		offchain::judge(&challenge, &answered(200, answer, 1_500)),
		Err(Failure::Late { elapsed_ms: 1_500 })
	);
	assert_eq!(
		offchain::judge(&challenge, &offchain::Outcome::TimedOut { elapsed_ms: 1_000 }),
		Err(Failure::Late { elapsed_ms: 1_000 })
	);
	assert_eq!(
		offchain::judge(&challenge, &offchain::Outcome::Unreachable),
		Err(Failure::Unreachable)
	);
	assert_eq!(
		offchain::challenge_url(b"https://a.example/"),
		Some("https://a.example/nubes/v1/challenge".into())
	);
	assert_eq!(
		offchain::openings_url(b"https://a.example/", &[0xab; 32]),
		Some(format!("https://a.example/nubes/v1/challenge/0x{}/openings", "ab".repeat(32)))
	);
}

/// Requests by the test extension's id: the URI, and the inner extension's id.
type Requests = std::collections::BTreeMap<u16, (String, Option<sp_core::offchain::HttpRequestId>)>;

/// The test off-chain extension, with chosen transport outcomes for some URLs: a status code, an
/// I/O error (unreachable) or the deadline passing (the clock then jumps to the deadline); the
/// last two never reach the inner extension, so they take no expected request. Every
/// challenge sent must be signed by validator `signers[validator]` of the epoch; it is passed on
/// with its signature blanked.
#[derive(Clone)]
struct Scripted {
	inner: testing::TestOffchainExt,
	script: std::sync::Arc<
		std::sync::Mutex<std::collections::BTreeMap<String, sp_core::offchain::HttpRequestStatus>>,
	>,
	/// Every request by this extension's id (unique, unlike the inner extension's, which reuses
	/// the ids of requests still pending): its URI, and its id in the inner extension unless its
	/// transport is scripted to fail.
	requests: std::sync::Arc<std::sync::Mutex<Requests>>,
	signers: Vec<sp_core::sr25519::Public>,
	signed: std::sync::Arc<std::sync::Mutex<u32>>,
	/// Each request's URI and the time (unix milliseconds) it was started at.
	started: std::sync::Arc<std::sync::Mutex<Vec<(String, u64)>>>,
	/// Bodies that are complete only at the given time: reading one earlier waits, as the
	/// host does, until it is complete or the read's deadline passes.
	drips: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, u64>>>,
}

impl Scripted {
	/// Over `inner`, with the epoch's validators `//Validator{i}` for each `i` in `validators`.
	fn new(inner: testing::TestOffchainExt, validators: &[u32]) -> Self {
		Self {
			inner,
			script: Default::default(),
			requests: Default::default(),
			signers: validators.iter().map(|i| validator_pair(*i).public()).collect(),
			signed: Default::default(),
			started: Default::default(),
			drips: Default::default(),
		}
	}

	/// The URI of request `id`.
	fn uri(&self, id: sp_core::offchain::HttpRequestId) -> Option<String> {
		self.requests.lock().unwrap().get(&id.0).map(|(uri, _)| uri.clone())
	}

	/// The inner extension's id of request `id`, unless it never reaches it.
	fn inner_id(
		&self,
		id: sp_core::offchain::HttpRequestId,
	) -> Option<sp_core::offchain::HttpRequestId> {
		self.requests.lock().unwrap().get(&id.0).and_then(|(_, inner)| *inner)
	}
}

impl sp_core::offchain::Externalities for Scripted {
	fn is_validator(&self) -> bool {
		self.inner.is_validator()
	}
	fn network_state(&self) -> Result<sp_core::offchain::OpaqueNetworkState, ()> {
		self.inner.network_state()
	}
	fn timestamp(&mut self) -> sp_core::offchain::Timestamp {
		self.inner.timestamp()
	}
	fn sleep_until(&mut self, deadline: sp_core::offchain::Timestamp) {
		self.inner.sleep_until(deadline)
	}
	fn random_seed(&mut self) -> [u8; 32] {
		self.inner.random_seed()
	}
	fn http_request_start(
		&mut self,
		method: &str,
		uri: &str,
		meta: &[u8],
	) -> Result<sp_core::offchain::HttpRequestId, ()> {
		use sp_core::offchain::HttpRequestStatus;
		let fails = matches!(
			self.script.lock().unwrap().get(uri),
			Some(HttpRequestStatus::IoError | HttpRequestStatus::DeadlineReached)
		);
		let now = self.inner.timestamp().unix_millis();
		self.started.lock().unwrap().push((uri.into(), now));
		let inner =
			if fails { None } else { Some(self.inner.http_request_start(method, uri, meta)?) };
		let mut requests = self.requests.lock().unwrap();
		let id = sp_core::offchain::HttpRequestId(requests.len() as u16);
		requests.insert(id.0, (uri.into(), inner));
		Ok(id)
	}
	fn http_request_add_header(
		&mut self,
		id: sp_core::offchain::HttpRequestId,
		name: &str,
		value: &str,
	) -> Result<(), ()> {
		match self.inner_id(id) {
			Some(inner) => self.inner.http_request_add_header(inner, name, value),
			None => Ok(()),
		}
	}
	fn http_request_write_body(
		&mut self,
		id: sp_core::offchain::HttpRequestId,
		chunk: &[u8],
		deadline: Option<sp_core::offchain::Timestamp>,
	) -> Result<(), sp_core::offchain::HttpError> {
		use sp_core::Pair as _;
		let inner = self.inner_id(id);
		let forward = |this: &mut Self, chunk: &[u8]| match inner {
			Some(inner) => this.inner.http_request_write_body(inner, chunk, deadline),
			None => Ok(()),
		};
		if chunk.is_empty() {
			return forward(self, chunk);
		}
		let mut signed: nubes_proofs::SignedChallenge =
			serde_json::from_slice(chunk).expect("a signed challenge");
		let signer = self.signers[signed.validator as usize];
		let signature = sp_core::sr25519::Signature::from_raw(signed.signature);
		assert!(
			sp_core::sr25519::Pair::verify(&signature, signed.payload(), &signer),
			"a challenge not signed by its validator"
		);
		*self.signed.lock().unwrap() += 1;
		signed.signature = [0; 64];
		forward(self, &serde_json::to_vec(&signed).unwrap())
	}
	fn http_response_wait(
		&mut self,
		ids: &[sp_core::offchain::HttpRequestId],
		deadline: Option<sp_core::offchain::Timestamp>,
	) -> Vec<sp_core::offchain::HttpRequestStatus> {
		use sp_core::offchain::HttpRequestStatus;
		let scripted: Vec<Option<HttpRequestStatus>> = ids
			.iter()
			.map(|id| {
				let uri = self.uri(*id)?;
				self.script.lock().unwrap().get(&uri).copied()
			})
			.collect();
		if scripted.contains(&Some(HttpRequestStatus::DeadlineReached)) {
			if let Some(deadline) = deadline {
				self.inner.sleep_until(deadline);
			}
		}
		ids.iter()
			.zip(scripted)
			.map(|(id, status)| {
				status.unwrap_or_else(|| match self.inner_id(*id) {
					Some(inner) => self.inner.http_response_wait(&[inner], deadline)[0],
					None => HttpRequestStatus::Invalid,
				})
			})
			.collect()
	}
	fn http_response_headers(
		&mut self,
		id: sp_core::offchain::HttpRequestId,
	) -> Vec<(Vec<u8>, Vec<u8>)> {
		match self.inner_id(id) {
			Some(inner) => self.inner.http_response_headers(inner),
			None => Vec::new(),
		}
	}
	fn http_response_read_body(
		&mut self,
		id: sp_core::offchain::HttpRequestId,
		buffer: &mut [u8],
		deadline: Option<sp_core::offchain::Timestamp>,
	) -> Result<usize, sp_core::offchain::HttpError> {
		let Some(inner) = self.inner_id(id) else {
			return Err(sp_core::offchain::HttpError::IoError);
		};
		let uri = self.uri(id);
		let complete = uri.and_then(|uri| self.drips.lock().unwrap().get(&uri).copied());
		if let Some(complete) = complete {
			let now = self.inner.timestamp().unix_millis();
			if now < complete {
				match deadline {
					Some(deadline) if deadline.unix_millis() < complete => {
						// A blocked read returns once its deadline has passed: a moment after.
						let now = self.inner.timestamp();
						let after =
							deadline.max(now).add(sp_core::offchain::Duration::from_millis(1));
						self.inner.sleep_until(after);
						return Err(sp_core::offchain::HttpError::DeadlineReached);
					}
					_ => self
						.inner
						.sleep_until(sp_core::offchain::Timestamp::from_unix_millis(complete)),
				}
			}
		}
		self.inner.http_response_read_body(inner, buffer, deadline)
	}
	fn set_authorized_nodes(&mut self, nodes: Vec<sp_core::OpaquePeerId>, authorized_only: bool) {
		self.inner.set_authorized_nodes(nodes, authorized_only)
	}
}

#[test]
fn http_500_unreachable_and_late_providers_are_reported_with_their_reason() {
	use sp_core::offchain::HttpRequestStatus;
	let mut ext = new_test_ext(&[0]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted.clone()));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		let data = Epochs::<Test>::get(0).unwrap();
		let params = Params::<Test>::get();
		let page = slots(0..5);
		let challenge = |who: AccountId| {
			offchain::challenge_for(&data.seed, &[0; 32], &who, &capacity(), &params)
		};
		let url = |who: AccountId| format!("http://provider-{who}.example:8080/nubes/v1/challenge");
		// The requests answered, in the order they go out (those that fail at the transport
		// expect nothing): the challenges, then the openings of those that passed.
		let (answer_0, openings_0) = honest(&challenge(page[0].account));
		let (answer_4, openings_4) = honest(&challenge(page[4].account));
		let answered = [
			expected_request(page[0].account, &challenge(page[0].account), answer_0),
			expected_request(page[1].account, &challenge(page[1].account), b"oops".to_vec()),
			expected_request(page[4].account, &challenge(page[4].account), answer_4),
			expected_openings(page[0].account, &challenge(page[0].account), openings_0),
		];
		// The fifth provider's openings are lost on the way (scripted below): the roots it gave
		// in time are not proven.
		let _ = openings_4;
		for request in answered {
			state.write().expect_request(request);
		}
		{
			let mut script = scripted.script.lock().unwrap();
			script.insert(url(page[1].account), HttpRequestStatus::Finished(500));
			script.insert(url(page[2].account), HttpRequestStatus::IoError);
			script.insert(url(page[3].account), HttpRequestStatus::DeadlineReached);
			let who = page[4].account;
			script.insert(openings_uri(who, &challenge(who)), HttpRequestStatus::IoError);
		}
		Attestation::offchain_worker(turn_block());
		without_reveals(&mut pool_state.write().transactions);
		// Two reports: `MaxFailuresPerReport` is 4 in the mock.
		let failures: Vec<(AccountId, Failure)> = pool_state
			.read()
			.transactions
			.iter()
			.flat_map(|raw| {
				let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
				let RuntimeCall::Attestation(Call::report { report, .. }) = xt.function else {
					panic!()
				};
				report.failures.to_vec()
			})
			.collect();
		assert_eq!(
			failures,
			vec![
				(page[1].account, Failure::HttpStatus(500)),
				(page[2].account, Failure::Unreachable),
				(page[3].account, Failure::Late { elapsed_ms: params.deadline_ms }),
				(page[4].account, Failure::Unreachable),
			]
		);
	});
}

#[test]
fn an_oversize_report_does_not_decode() {
	new_test_ext(&[0]).execute_with(|| {
		// One failure more than `MaxFailuresPerReport` (4), encoded by hand.
		let failures: Vec<(AccountId, Failure)> =
			(0..5).map(|p| (p, Failure::Unreachable)).collect();
		let (report, signature) = signed_report(0, 0, vec![]);
		let mut encoded = vec![Attestation::index() as u8, 0];
		encoded.extend((report.epoch, report.validator, failures, signature).encode());
		assert!(RuntimeCall::decode(&mut &encoded[..]).is_err());
		// The same with four decodes.
		let failures: Vec<(AccountId, Failure)> =
			(0..4).map(|p| (p, Failure::Unreachable)).collect();
		let (report, signature) = signed_report(0, 0, vec![]);
		let mut encoded = vec![Attestation::index() as u8, 0];
		encoded.extend((report.epoch, report.validator, failures, signature).encode());
		assert!(RuntimeCall::decode(&mut &encoded[..]).is_ok());
	});
}

#[test]
fn a_provider_dripping_its_answer_makes_no_one_else_late() {
	let mut ext = new_test_ext(&[0]);
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let scripted = Scripted::new(offchain.clone(), &[0]);
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(OffchainWorkerExt::new(scripted.clone()));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.execute_with(|| {
		let data = Epochs::<Test>::get(0).unwrap();
		let params = Params::<Test>::get();
		let page = slots(0..5);
		let challenge = |who: AccountId| {
			offchain::challenge_for(&data.seed, &[0; 32], &who, &capacity(), &params)
		};
		// The first provider of the turn sends its head at once and never finishes its body;
		// the four after it answer rightly at once, and give their openings.
		let mut openings = Vec::new();
		for provider in &page {
			let (answer, opened) = honest(&challenge(provider.account));
			state.write().expect_request(expected_request(
				provider.account,
				&challenge(provider.account),
				answer,
			));
			openings.push(expected_openings(
				provider.account,
				&challenge(provider.account),
				opened,
			));
		}
		for request in openings.into_iter().skip(1) {
			state.write().expect_request(request);
		}
		let url = |who: AccountId| format!("http://provider-{who}.example:8080/nubes/v1/challenge");
		scripted.drips.lock().unwrap().insert(url(page[0].account), u64::MAX);
		Attestation::offchain_worker(turn_block());
		without_reveals(&mut pool_state.write().transactions);
		let raw = pool_state.write().transactions.pop().expect("one report");
		let xt = Extrinsic::decode(&mut &raw[..]).unwrap();
		let RuntimeCall::Attestation(Call::report { report, .. }) = xt.function else { panic!() };
		// Only the dripping provider is late, seen within a polling round of its deadline; it
		// held no one else up (with one shared deadline, all were late).
		let failures = report.failures.to_vec();
		assert_eq!(failures.len(), 1, "{failures:?}");
		let (who, Failure::Late { elapsed_ms }) = failures[0] else { panic!("{failures:?}") };
		assert_eq!(who, page[0].account);
		let deadline = u64::from(params.deadline_ms);
		assert!((deadline..=deadline + offchain::POLL_MS + 1).contains(&u64::from(elapsed_ms)));
		let stats =
			sp_runtime::offchain::storage::StorageValueRef::persistent(offchain::WORKER_STATS_KEY)
				.get::<offchain::WorkerStats>()
				.unwrap()
				.unwrap();
		assert_eq!((stats.challenges_sent, stats.passed, stats.failed), (5, 4, 1));
	});
}
