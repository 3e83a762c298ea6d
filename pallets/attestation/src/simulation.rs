//! A simulation of verification at scale, on the mock runtime with the runtime's sizes: `n`
//! providers, 100 validators of which 10 % never run their worker, live epochs (1,200 blocks,
//! a 300-block report window). Each online validator's worker is played by the pallet's own
//! turn function (`challenge_turn`), the one the off-chain worker calls, and its reports go
//! through the `report` call. One epoch passes, one epoch every provider fails, and the
//! judging of that epoch runs to its end. Reported per size: coverage, worker work per block,
//! hook weight per block, when the all-fail epoch was judged and its validators' books closed,
//! and each validator's standing after it (online validators file summaries, offline ones are
//! silent).
//!
//! `cargo test --release -p pallet-attestation simulation -- --nocapture` prints the figures
//! (all three sizes take a few seconds, so CI runs them all).

use crate::{mock::*, tests::authorized, *};
use frame_support::{assert_ok, traits::Hooks, weights::Weight};
use nubes_primitives::traits::ProviderDirectory;
use sp_core::Pair;
use std::collections::{BTreeMap, BTreeSet};

const VALIDATORS: u32 = 100;
const OFFLINE: u32 = 10;
const LIVE: Timing = Timing { epoch_length: 1_200, report_window: 300 };

/// What one run measured.
#[derive(Debug)]
struct Figures {
	providers: u32,
	/// Providers challenged by every online validator assigned to them, in the passing epoch,
	/// in percent.
	covered: f64,
	/// Providers none of whose validators is online (nobody can check them).
	unchecked: u32,
	/// Most challenges one worker sent in one block (a whole turn, timed at one moment), and the
	/// blocks it took to send its share.
	worker_per_block: u32,
	worker_blocks: u64,
	/// Heaviest hook (`on_initialize`) of any block, ref time in µs and proof size in bytes.
	hook_us: f64,
	hook_proof: u64,
	/// In the all-fail epoch: providers judged faulty, and the block of the epoch after it in
	/// which its judging ended.
	faulty: u32,
	judged_at: u64,
	/// The block of epoch 3 in which the books of the all-fail epoch's validators were closed.
	closed_at: u64,
	/// After epochs 0 (nobody summarizes: the simulation's workers start in epoch 1) to 2:
	/// silent epochs of each online and each offline validator, and the faults the offline
	/// validators did not report, in all.
	silent_online: BTreeSet<u32>,
	silent_offline: BTreeSet<u32>,
	missed_by_offline: u32,
}

/// Genesis with `providers` providers (accounts 1_000.. in slots 0..) and the validators
/// `//Validator0..99`, live timing, the runtime's per-block sizes.
fn ext(providers: u32) -> sp_io::TestExternalities {
	MaxValidators::set(VALIDATORS);
	MaxFailuresPerReport::set(32);
	MaxJudgedPerBlock::set(32);
	OpeningsAtOnce::set(16);
	let accounts: Vec<AccountId> = (0..u64::from(providers)).map(|i| 1_000 + i).collect();
	let validators: Vec<u32> = (0..VALIDATORS).collect();
	let mut ext = genesis_ext(&accounts, &validators, Some(LIVE));
	ext.execute_with(|| System::set_block_number(0));
	ext
}

/// When each epoch was judged (with its faults) and closed (its validators' books too).
#[derive(Default)]
struct Milestones {
	judged: BTreeMap<EpochIndex, (u32, u64)>,
	closed: BTreeMap<EpochIndex, u64>,
}

/// One block: the hooks; keeps the heaviest attestation hook and the milestones.
fn block(heaviest: &mut Weight, milestones: &mut Milestones) {
	let next = System::block_number() + 1;
	System::set_block_number(next);
	Market::on_initialize(next);
	let closing = NextToJudge::<Test>::get();
	*heaviest = (*heaviest).max(Attestation::on_initialize(next));
	if NextToJudge::<Test>::get() > closing {
		milestones.closed.insert(closing, next);
	}
	for event in System::read_events_for_pallet::<Event<Test>>() {
		if let Event::EpochJudged { epoch, faults } = event {
			milestones.judged.insert(epoch, (faults, next));
		}
	}
	System::reset_events();
}

fn simulate(providers: u32) -> Figures {
	let pairs: Vec<sp_core::sr25519::Pair> = (0..VALIDATORS).map(validator_pair).collect();
	let mut ext = ext(providers);
	ext.execute_with(|| {
		// Which validators are offline is fixed before any seed: the first ten keys.
		let offline: BTreeSet<crypto::Public> = (0..OFFLINE).map(validator).collect();
		let mut heaviest = Weight::zero();
		let mut figures = Figures {
			providers,
			covered: 0.0,
			unchecked: 0,
			worker_per_block: 0,
			worker_blocks: 0,
			hook_us: 0.0,
			hook_proof: 0,
			faulty: 0,
			judged_at: 0,
			closed_at: 0,
			silent_online: BTreeSet::new(),
			silent_offline: BTreeSet::new(),
			missed_by_offline: 0,
		};
		let mut milestones = Milestones::default();
		// Epoch 1 passes; in epoch 2 every provider fails; epoch 3 judges it.
		for epoch in 1..=3u32 {
			let start = Attestation::epoch_start(epoch);
			while System::block_number() < start {
				block(&mut heaviest, &mut milestones);
			}
			let data = Epochs::<Test>::get(epoch).unwrap();
			assert_eq!(data.providers, providers);
			let online: Vec<u32> = (0..VALIDATORS)
				.filter(|index| !offline.contains(&data.validators[*index as usize]))
				.collect();
			let key_of = |index: u32| {
				let public = &data.validators[index as usize];
				pairs.iter().find(|pair| crypto::Public::from(pair.public()) == *public).unwrap()
			};
			let mut done = BTreeMap::<u32, u32>::new();
			let mut sent = BTreeMap::<u32, (u32, u32)>::new();
			let mut summarized = BTreeSet::<u32>::new();
			let mut challengers = BTreeMap::<AccountId, BTreeSet<u32>>::new();
			let end = Attestation::epoch_start(epoch + 1);
			let mut now = start;
			while now < end {
				if now > start {
					block(&mut heaviest, &mut milestones);
				}
				for &index in &online {
					let so_far = done.get(&index).copied().unwrap_or(0);
					let (page, next) =
						Attestation::challenge_turn(epoch, &data, index, so_far, now);
					done.insert(index, next);
					if page.is_empty() {
						// Its share done: it files its summary (the outcome root is not
						// checked on chain, so any stands in here). Before that, its next
						// turn's block has not come.
						if next >= data.share(index) && summarized.insert(index) {
							let (challenged, failed) =
								sent.get(&index).copied().unwrap_or_default();
							let summary = Summary {
								epoch,
								validator: index,
								challenged,
								failed,
								outcomes: [0; 32],
							};
							let signature =
								key_of(index).sign(&Attestation::summary_payload(&summary)).into();
							assert_ok!(Attestation::summarize(authorized(), summary, signature));
						}
						continue;
					}
					let tally = sent.entry(index).or_default();
					tally.0 += page.len() as u32;
					if epoch == 2 {
						tally.1 += page.len() as u32;
					}
					figures.worker_per_block = figures.worker_per_block.max(page.len() as u32);
					figures.worker_blocks = figures.worker_blocks.max(now - start + 1);
					for provider in &page {
						challengers.entry(provider.account).or_default().insert(index);
					}
					if epoch == 2 {
						for chunk in page.chunks(MaxFailuresPerReport::get() as usize) {
							let report = ReportOf::<Test> {
								epoch,
								validator: index,
								failures: chunk
									.iter()
									.map(|p| (p.account, nubes_proofs::Failure::Unreachable))
									.collect::<Vec<_>>()
									.try_into()
									.unwrap(),
							};
							let signature =
								key_of(index).sign(&Attestation::signing_payload(&report)).into();
							assert_ok!(Attestation::report(authorized(), report, signature));
						}
					}
				}
				System::reset_events();
				now += 1;
			}
			if epoch == 1 {
				// Coverage: every provider by each of its online validators.
				let mut covered = 0u32;
				for slot in 0..providers {
					let account =
						<Providers as ProviderDirectory<_>>::at_slot(slot).unwrap().account;
					let expected: BTreeSet<u32> =
						assignment::assigned(slot, VALIDATORS, data.redundancy)
							.into_iter()
							.filter(|index| online.contains(index))
							.collect();
					if expected.is_empty() {
						figures.unchecked += 1;
					}
					if challengers.get(&account).cloned().unwrap_or_default() == expected {
						covered += 1;
					}
				}
				figures.covered = f64::from(covered) * 100.0 / f64::from(providers);
			}
		}
		let (faulty, at) =
			*milestones.judged.get(&2).expect("the all-fail epoch judged within epoch 3");
		figures.faulty = faulty;
		figures.judged_at = at - Attestation::epoch_start(3);
		let closed = *milestones.closed.get(&2).expect("the all-fail epoch closed within epoch 3");
		figures.closed_at = closed - Attestation::epoch_start(3);
		for (key, standing) in Standings::<Test>::iter() {
			assert_eq!(standing.epochs, 3);
			if offline.contains(&key) {
				figures.silent_offline.insert(standing.silent);
				figures.missed_by_offline += standing.missed_faults;
			} else {
				figures.silent_online.insert(standing.silent);
			}
		}
		figures.hook_us = heaviest.ref_time() as f64 / 1_000_000.0;
		figures.hook_proof = heaviest.proof_size();
		crate::tests::check();
		figures
	})
}

/// What every size must show: full coverage, a worker's work at once bounded by a turn, the
/// all-fail epoch judged (every provider with two online validators faulty) before its next
/// epoch ends.
fn check(figures: &Figures) {
	println!("{figures:?}");
	assert_eq!(figures.covered, 100.0, "{figures:?}");
	// A turn at once: a third of a worker's share.
	assert!(figures.worker_per_block <= figures.providers / VALIDATORS + 1, "{figures:?}");
	assert!(figures.worker_blocks < u64::from(LIVE.epoch_length * 3 / 4), "{figures:?}");
	assert!(figures.judged_at < u64::from(LIVE.epoch_length), "{figures:?}");
	// Two of a provider's three validators offline leaves one report: no majority.
	assert!(figures.faulty <= figures.providers);
	assert!(f64::from(figures.faulty) >= f64::from(figures.providers) * 0.9, "{figures:?}");
	// Books closed within the epoch too; the offline validators, and only they, silent in
	// every epoch; the online ones only in epoch 0, before the simulation's workers start.
	assert!(figures.closed_at < u64::from(LIVE.epoch_length), "{figures:?}");
	assert_eq!(figures.silent_offline, BTreeSet::from([3]), "{figures:?}");
	assert_eq!(figures.silent_online, BTreeSet::from([1]), "{figures:?}");
	assert!(figures.missed_by_offline > 0, "{figures:?}");
}

#[test]
fn simulation_100_providers() {
	check(&simulate(100));
}

#[test]
fn simulation_1_000_providers() {
	check(&simulate(1_000));
}

#[test]
fn simulation_10_000_providers() {
	check(&simulate(10_000));
}
