//! Benchmarks of the calls (frame-benchmarking v2) and of the hook's parts, each in its worst
//! case: the most validators, every failure a fault that slashes and forces out.

use super::*;
use crate::Pallet as Attestation;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{Authorize, EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use nubes_primitives::traits::{ProviderDirectory, ReputationRecorder};
use nubes_proofs::Failure;
use sp_runtime::{
	traits::UniqueSaturatedFrom, transaction_validity::TransactionSource, RuntimeAppPublic,
};

/// `MaxValidators` fresh keys in the benchmark's keystore, in force from epoch 0.
fn full_validator_set<T: Config>() {
	let keys: Vec<T::AuthorityId> =
		(0..T::MaxValidators::get()).map(|_| T::AuthorityId::generate_pair(None)).collect();
	let set = Attestation::<T>::checked_validators(keys).expect("distinct and bounded");
	Validators::<T>::put(set);
	Attestation::<T>::start_epoch(0);
}

/// `count` providers assigned to validator `index` of a full set in epoch 0: registers as many
/// providers as that takes (in slots from 0 on), then starts epoch 0 with the full set.
fn assigned_providers<T: Config>(index: u32, count: u32) -> Vec<T::AccountId> {
	let validators = T::MaxValidators::get();
	let redundancy = Params::<T>::get().redundancy;
	let nth = |n: u32| {
		assignment::nth_slot(index, validators, redundancy, n)
			.and_then(|slot| u32::try_from(slot).ok())
			.expect("a validator of the set has slots")
	};
	let slots = if count == 0 { 0 } else { nth(count - 1).saturating_add(1) };
	for i in T::Directory::slots()..slots {
		T::BenchmarkHelper::serving_provider(&account::<T::AccountId>("provider", i, 0), 0, 1);
	}
	full_validator_set::<T>();
	(0..count).map(|n| T::Directory::at_slot(nth(n)).expect("registered").account).collect()
}

/// Moves on to the start of epoch 1, where reports of epoch 0 are still taken, with the most
/// providers moved at its start (none of them reported): a report then looks up moves.
fn report_late<T: Config>() {
	let moved = (0..coverage::COMPACTIONS_PER_EPOCH)
		.map(|i| (account::<T::AccountId>("moved", i, 0), u32::MAX))
		.collect::<Vec<_>>();
	LastCompaction::<T>::put(CompactionOf::<T> {
		epoch: 1,
		floor: T::Directory::slots(),
		moves: BoundedVec::truncate_from(moved),
	});
	CurrentEpoch::<T>::put(1);
	let block = Attestation::<T>::epoch_start(1);
	frame_system::Pallet::<T>::set_block_number(BlockNumberFor::<T>::unique_saturated_from(block));
}

/// A report of `f` failures by validator 0 of epoch 0, signed.
fn signed_report<T: Config>(
	f: u32,
) -> (ReportOf<T>, <T::AuthorityId as RuntimeAppPublic>::Signature) {
	let failures: Vec<(T::AccountId, Failure)> =
		assigned_providers::<T>(0, f).into_iter().map(|who| (who, Failure::Unreachable)).collect();
	report_late::<T>();
	// The epoch keeps its validators in an order drawn from its seed.
	let validators = Epochs::<T>::get(0).expect("epoch 0 started").validators;
	let report =
		ReportOf::<T> { epoch: 0, validator: 0, failures: BoundedVec::truncate_from(failures) };
	let signature = validators[0].sign(&Attestation::<T>::signing_payload(&report)).expect("signs");
	(report, signature)
}

/// A summary of epoch 0 by validator 0 of a full set, with failures on its ledger, signed, at
/// the start of epoch 1 (still in epoch 0's window).
fn signed_summary<T: Config>() -> (Summary, <T::AuthorityId as RuntimeAppPublic>::Signature) {
	let providers = assigned_providers::<T>(0, 3);
	report_late::<T>();
	let data = Epochs::<T>::get(0).expect("epoch 0 started");
	Ledgers::<T>::insert(0, 0, Ledger { reported: 1, ..Default::default() });
	let summary = Summary {
		epoch: 0,
		validator: 0,
		challenged: providers.len() as u32,
		failed: 1,
		outcomes: [5; 32],
	};
	let signature =
		data.validators[0].sign(&Attestation::<T>::summary_payload(&summary)).expect("signs");
	(summary, signature)
}

/// Every validator committed to a secret it reveals in `epoch`, and has missed a reveal before.
fn every_validator_committed<T: Config>(epoch: EpochIndex) {
	for key in Validators::<T>::get() {
		Commitments::<T>::insert(&key, Commitment { epoch, hash: [7; 32] });
		Standings::<T>::insert(&key, Standing { reveals_missed: 1, ..Default::default() });
	}
}

/// The last validator of a full set reveals, in epoch 0, the secret it committed to, after
/// another reveal; signed.
fn signed_reveal<T: Config>() -> (RevealOf<T>, <T::AuthorityId as RuntimeAppPublic>::Signature) {
	full_validator_set::<T>();
	let validators = Validators::<T>::get();
	let key = validators.last().expect("a full set").clone();
	let secret = [9; 32];
	Commitments::<T>::insert(
		&key,
		Commitment { epoch: 0, hash: crate::beacon::commitment_of(&secret) },
	);
	Mixes::<T>::put(Mix { epoch: 0, value: [1; 32], reveals: 1 });
	// In epoch 0's reveal phase.
	frame_system::Pallet::<T>::set_block_number(BlockNumberFor::<T>::unique_saturated_from(
		Attestation::<T>::reveal_start(0),
	));
	let submitted =
		RevealOf::<T> { epoch: 0, validator: key.clone(), secret: Some(secret), next: [3; 32] };
	let signature = key.sign(&Attestation::<T>::reveal_payload(&submitted)).expect("signs");
	(submitted, signature)
}

/// Gives `who` a record of `count` faults in the epochs just before the one judged (epoch 0
/// here: the record's bits stand for epochs before it), all within the window.
fn faults_before<T: Config>(who: &T::AccountId, count: u32) {
	let recent = 1u128.checked_shl(count).map_or(u128::MAX, |bit| bit - 1) << 1;
	FaultRecords::<T>::insert(
		who,
		FaultRecord { faulty_blocks: u64::from(count) * 1_000, recent, newest: 0 },
	);
	for _ in 0..count {
		T::Reputation::record_fault(who);
	}
}

/// The admin origin, as the runtime's `AdminOrigin` makes it.
fn admin<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// Moves to the first block where epoch 0 is judged.
fn close_window<T: Config>() {
	let block = Attestation::<T>::window_end(0);
	frame_system::Pallet::<T>::set_block_number(BlockNumberFor::<T>::unique_saturated_from(block));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn report(f: Linear<1, { T::MaxFailuresPerReport::get() }>) {
		let (batch, signature) = signed_report::<T>(f);

		#[extrinsic_call]
		_(RawOrigin::Authorized, batch, signature);

		assert_eq!(Failures::<T>::iter_prefix(0).count() as u32, f);
	}

	#[benchmark]
	fn authorize_report(f: Linear<1, { T::MaxFailuresPerReport::get() }>) {
		let (batch, signature) = signed_report::<T>(f);
		let call = Call::<T>::report { report: batch, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.expect("has authorize")
				.expect("authorized");
		}
	}

	/// Replacing a full set whose every validator has a commitment and a missed reveal: the
	/// beacon forgets them all.
	#[benchmark]
	fn set_validators(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		full_validator_set::<T>();
		every_validator_committed::<T>(0);
		let keys: Vec<T::AuthorityId> =
			(0..v).map(|_| T::AuthorityId::generate_pair(None)).collect();

		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin, keys);

		assert_eq!(Validators::<T>::get().len() as u32, v);
		assert_eq!(Commitments::<T>::iter().count(), 0);
		Ok(())
	}

	#[benchmark]
	fn set_parameters() -> Result<(), BenchmarkError> {
		let mut parameters = T::DefaultParameters::get();
		parameters.deadline_ms = parameters.deadline_ms.saturating_add(1);

		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin, parameters);

		assert_eq!(Params::<T>::get(), parameters);
		Ok(())
	}

	/// A change of timing when the schedule is full and its oldest timing is forgotten.
	#[benchmark]
	fn set_timing() -> Result<(), BenchmarkError> {
		let mut timing = T::DefaultTiming::get();
		let mut schedule = Vec::new();
		let full = crate::timing::MAX_SEGMENTS;
		for first in 0..full {
			schedule.push(Segment {
				first,
				start: first.saturating_mul(timing.epoch_length),
				timing,
			});
		}
		Schedule::<T>::put(BoundedVec::truncate_from(schedule));
		CurrentEpoch::<T>::put(full - 1);
		NextToJudge::<T>::put(RECENT_EPOCHS.saturating_add(1));
		timing.epoch_length = timing.epoch_length.saturating_add(1);

		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin, timing);

		let schedule = Schedule::<T>::get();
		assert_eq!(schedule.len() as u32, full);
		assert_eq!(schedule.last().map(|segment| segment.timing), Some(timing));
		Ok(())
	}

	/// A block that starts no epoch: the running epoch checked against a full schedule.
	#[benchmark]
	fn epoch_tick() {
		let timing = T::DefaultTiming::get();
		let mut schedule = Vec::new();
		for first in 0..crate::timing::MAX_SEGMENTS {
			schedule.push(Segment {
				first,
				start: first.saturating_mul(timing.epoch_length),
				timing,
			});
		}
		Schedule::<T>::put(BoundedVec::truncate_from(schedule));
		let now = BlockNumberFor::<T>::unique_saturated_from(
			Attestation::<T>::epoch_start(crate::timing::MAX_SEGMENTS).saturating_add(1),
		);
		CurrentEpoch::<T>::put(Attestation::<T>::epoch_of(now));
		let due;

		#[block]
		{
			due = Attestation::<T>::epoch_due(now);
		}

		assert_eq!(due, None);
	}

	/// Starting an epoch with the most validators, every one of which missed its reveal, and
	/// the most providers moved by the slot compaction.
	#[benchmark]
	fn start_epoch() {
		full_validator_set::<T>();
		let moves = coverage::COMPACTIONS_PER_EPOCH;
		let providers: Vec<T::AccountId> =
			(0..moves * 2).map(|i| account::<T::AccountId>("provider", i, 0)).collect();
		for who in &providers {
			T::BenchmarkHelper::serving_provider(who, 0, 1);
		}
		for who in providers.iter().take(moves as usize) {
			T::BenchmarkHelper::remove_provider(who);
		}
		every_validator_committed::<T>(0);
		Mixes::<T>::put(Mix { epoch: 0, value: [1; 32], reveals: 1 });

		#[block]
		{
			Attestation::<T>::start_epoch(1);
		}

		assert!(Epochs::<T>::contains_key(1));
		assert_eq!(Commitments::<T>::iter().count(), 0);
		assert_eq!(LastCompaction::<T>::get().map(|last| last.moves.len() as u32), Some(moves));
	}

	/// A reveal with a secret (the mix updated) and a commitment, among the most validators.
	#[benchmark]
	fn reveal() {
		let (submitted, signature) = signed_reveal::<T>();
		let validator = submitted.validator.clone();

		#[extrinsic_call]
		_(RawOrigin::Authorized, submitted, signature);

		assert_eq!(Mixes::<T>::get().reveals, 2);
		assert_eq!(Commitments::<T>::get(&validator).map(|c| c.epoch), Some(1));
	}

	#[benchmark]
	fn authorize_reveal() {
		let (submitted, signature) = signed_reveal::<T>();
		let call = Call::<T>::reveal { reveal: submitted, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.expect("has authorize")
				.expect("authorized");
		}
	}

	/// Judging `n` providers, `f` of them faulty; every fault slashed (one short of a forced
	/// exit, which `forced_exit` charges on top); every verdict disagreeing with one of the
	/// provider's validators (a minority's report of a provider that served, a fault one of
	/// them did not report), each a different validator's ledger.
	#[benchmark]
	fn judge(
		n: Linear<0, { T::MaxJudgedPerBlock::get() }>,
		f: Linear<0, { T::MaxJudgedPerBlock::get() }>,
	) {
		let f = f.min(n);
		for i in 0..n {
			T::BenchmarkHelper::serving_provider(&account::<T::AccountId>("provider", i, 0), 1, 1);
		}
		full_validator_set::<T>();
		let data = Epochs::<T>::get(0).expect("epoch 0 started");
		let validators = data.validators.len() as u32;
		// The registry's order decides which are judged first: make the first `f` faulty.
		let (page, _) =
			<T::Directory as nubes_primitives::traits::ProviderDirectory<_>>::serving_after(
				None, n,
			);
		let exit = Params::<T>::get().exit_faults;
		for (i, provider) in page.iter().enumerate() {
			let slot = T::Directory::slot_of(&provider.account).expect("registered");
			let assigned = assignment::assigned(slot, validators, data.redundancy);
			let faulty = (i as u32) < f;
			let reporters = if faulty { assigned.len() / 2 + 1 } else { (assigned.len() - 1) / 2 };
			let reports = assigned
				.into_iter()
				.take(reporters)
				.map(|index| (index, Failure::Unreachable))
				.collect::<Vec<_>>();
			Failures::<T>::insert(
				0,
				&provider.account,
				FailuresOf { slot, reports: BoundedVec::truncate_from(reports) },
			);
			if faulty {
				faults_before::<T>(&provider.account, exit.saturating_sub(2));
			}
		}
		close_window::<T>();

		#[block]
		{
			Attestation::<T>::judge_step();
		}

		assert!(Evicting::<T>::get().is_empty());
	}

	/// A fault past the limit: the slash shared among the tenants in proportion to their
	/// exposure (the most leases `compensation_of` looks at, across `MaxCompensated` tenants),
	/// and the provider forced out and queued for eviction.
	#[benchmark]
	fn forced_exit() {
		let provider: T::AccountId = account("provider", 0, 0);
		let tenants = T::MaxCompensated::get();
		T::BenchmarkHelper::serving_provider(&provider, tenants.saturating_mul(8), tenants);
		let params = Params::<T>::get();
		faults_before::<T>(&provider, params.exit_faults.saturating_sub(1));

		#[block]
		{
			assert!(Attestation::<T>::fault(&provider, 0, &params));
		}

		assert_eq!(Evicting::<T>::get().len(), 1);
	}

	#[benchmark]
	fn sweep(k: Linear<0, { T::MaxJudgedPerBlock::get() }>) {
		let key = T::AuthorityId::generate_pair(None);
		Validators::<T>::put(BoundedVec::truncate_from(alloc::vec![key]));
		Attestation::<T>::start_epoch(0);
		for i in 0..k {
			Failures::<T>::insert(
				0,
				account::<T::AccountId>("gone", i, 0),
				FailuresOf {
					slot: i,
					reports: BoundedVec::truncate_from(alloc::vec![(0, Failure::Unreachable)]),
				},
			);
		}
		JudgingState::<T>::put(Judging::Sweeping);
		close_window::<T>();

		#[block]
		{
			Attestation::<T>::judge_step();
		}

		assert_eq!(JudgingState::<T>::get(), Judging::Closing(0));
	}

	/// Closing `c` leases of a provider forced out (the queue's only entry).
	#[benchmark]
	fn evict(c: Linear<0, { T::MaxClosedPerBlock::get() }>) {
		let provider: T::AccountId = account("provider", 0, 0);
		T::BenchmarkHelper::serving_provider(&provider, c, 1);
		Evicting::<T>::put(BoundedVec::truncate_from(alloc::vec![provider]));

		#[block]
		{
			Attestation::<T>::evict_step();
		}

		// All closed: the provider leaves the queue now, or (if it filled the block's quota)
		// once the next block finds nothing left.
		let left = if c == T::MaxClosedPerBlock::get() { 1 } else { 0 };
		assert_eq!(Evicting::<T>::get().len(), left);
	}

	/// Not a call: what the off-chain worker spends on one provider's capacity answer, run in
	/// the runtime's wasm as the worker runs it. Both bodies (the timed answer's JSON, then the
	/// openings' SCALE) parsed and checked, for two units of `2^d` blocks and the chain's
	/// `samples` openings. The cost grows with the depth `d` of the units' trees (a path's
	/// length); the runtime's allocator takes no single allocation over 32 MiB, so the 64 MiB
	/// units of the runtime's defaults (`d` = 16) cannot be filled here and are read off the
	/// slope. The weights file does not use it.
	#[benchmark]
	fn verify_capacity_answer(d: Linear<8, 14>) -> Result<(), BenchmarkError> {
		use nubes_proofs::{
			capacity::{self, Fill},
			verify::{check_openings, check_response},
			Answer, CapacityChallenge, Challenge, Openings, PROTOCOL_VERSION,
		};
		let (seed, provider, blocks) = ([7u8; 32], [9u8; 32], 1u32 << d);
		let samples = Params::<T>::get().samples.max(1);
		let challenge = Challenge {
			version: PROTOCOL_VERSION,
			seed,
			provider,
			capacity: CapacityChallenge { units: 2, blocks, samples },
			storage: Vec::new(),
			deadline_ms: u32::MAX,
		};
		let proof = {
			let fills: Vec<Fill> = (0..2)
				.map(|unit| Fill::new(&seed, &provider, unit, blocks, || false))
				.collect::<Option<_>>()
				.ok_or(BenchmarkError::Stop("a fill"))?;
			capacity::answer(&seed, &fills, blocks, samples)
		};
		let answer =
			Answer { version: PROTOCOL_VERSION, seed, roots: proof.roots, storage: Vec::new() };
		let openings = Openings {
			version: PROTOCOL_VERSION,
			seed,
			openings: proof.openings,
			storage: Vec::new(),
		};
		let answer = serde_json::to_vec(&answer).map_err(|_| BenchmarkError::Stop("JSON"))?;
		let openings = codec::Encode::encode(&openings);
		let verdict;

		#[block]
		{
			verdict = check_response(&challenge, 200, &answer, 0)
				.and_then(|answer| check_openings(&challenge, &answer, 200, &openings));
		}

		assert_eq!(verdict, Ok(()));
		Ok(())
	}

	/// Not a call: what the off-chain worker spends on one storage probe, run in the runtime's
	/// wasm: the timed window and the openings' sealed 256 KiB chunk parsed and checked, the
	/// chunk unsealed (`SEAL_ROUNDS` rounds) and its path walked to the root of a 16-chunk
	/// shard. The weights file does not use it.
	#[benchmark]
	fn verify_storage_probe() -> Result<(), BenchmarkError> {
		use nubes_proofs::{
			protocol::MAX_CHUNK_BYTES,
			seal::{seal, seal_key, SEAL_ROUNDS},
			storage,
			verify::{check_openings, check_response},
			Answer, CapacityChallenge, Challenge, Openings, StorageChallenge, PROTOCOL_VERSION,
		};
		let (seed, provider) = ([7u8; 32], [9u8; 32]);
		let chunks: Vec<Vec<u8>> = (0..16u32)
			.map(|i| (0..MAX_CHUNK_BYTES as u32).map(|b| (b.wrapping_mul(31) ^ i) as u8).collect())
			.collect();
		let probe = StorageChallenge {
			lease: 3,
			root: storage::commit(&chunks),
			chunks: 16,
			chunk: 11,
			window: 20_000,
		};
		let challenge = Challenge {
			version: PROTOCOL_VERSION,
			seed,
			provider,
			capacity: CapacityChallenge { units: 0, blocks: 64, samples: 0 },
			storage: alloc::vec![probe.clone()],
			deadline_ms: u32::MAX,
		};
		let mut sealed =
			storage::prove_chunk(&chunks, probe.chunk).ok_or(BenchmarkError::Stop("a chunk"))?;
		seal(&seal_key(&provider, &probe.root, probe.chunk), SEAL_ROUNDS, &mut sealed.data)
			.map_err(|_| BenchmarkError::Stop("seal"))?;
		let window = storage::answer(&probe, &sealed.data).ok_or(BenchmarkError::Stop("window"))?;
		let answer = Answer {
			version: PROTOCOL_VERSION,
			seed,
			roots: Vec::new(),
			storage: alloc::vec![window],
		};
		let openings = Openings {
			version: PROTOCOL_VERSION,
			seed,
			openings: Vec::new(),
			storage: alloc::vec![sealed],
		};
		let answer = serde_json::to_vec(&answer).map_err(|_| BenchmarkError::Stop("JSON"))?;
		let openings = codec::Encode::encode(&openings);
		let verdict;

		#[block]
		{
			verdict = check_response(&challenge, 200, &answer, 0)
				.and_then(|answer| check_openings(&challenge, &answer, 200, &openings));
		}

		assert_eq!(verdict, Ok(()));
		Ok(())
	}

	/// A summary of validator 0 of a full set, with failures on its ledger.
	#[benchmark]
	fn summarize() {
		let (summary, signature) = signed_summary::<T>();

		#[extrinsic_call]
		_(RawOrigin::Authorized, summary, signature);

		assert!(Ledgers::<T>::get(0, 0).summary.is_some());
	}

	#[benchmark]
	fn authorize_summarize() {
		let (summary, signature) = signed_summary::<T>();
		let call = Call::<T>::summarize { summary, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.expect("has authorize")
				.expect("authorized");
		}
	}

	/// Closing the books of `v` validators of a judged epoch, each still in the set, with a
	/// summary and disagreements to add to its standing.
	#[benchmark]
	fn close_books(v: Linear<0, { T::MaxJudgedPerBlock::get().min(T::MaxValidators::get()) }>) {
		full_validator_set::<T>();
		let data = Epochs::<T>::get(0).expect("epoch 0 started");
		for index in 0..v {
			Ledgers::<T>::insert(
				0,
				index,
				Ledger {
					reported: 1,
					summary: Some(Filed { challenged: 1, outcomes: [1; 32], late: true }),
					false_failures: 1,
					missed_faults: 1,
				},
			);
		}
		let closed;

		#[block]
		{
			closed = Attestation::<T>::close_books(0, &data, 0, v);
		}

		assert_eq!(closed.0, v);
		assert_eq!(Ledgers::<T>::iter_prefix(0).count(), 0);
	}

	impl_benchmark_test_suite!(Attestation, crate::mock::new_test_ext(&[0]), crate::mock::Test);
}
