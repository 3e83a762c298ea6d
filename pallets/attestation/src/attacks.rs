//! Attacks on verdicts and the money they move, each written as the attacker would try it,
//! against the real registry, stake, payments and market pallets.

use crate::{mock::*, tests::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use nubes_primitives::{traits::ServedBlocks, CloseReason, ProviderStatus};
use nubes_proofs::Failure;
use sp_runtime::Perbill;

/// Everything `who` owns: free and held.
fn wealth(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

/// Runs blocks until `epoch` has begun.
fn run_to_epoch(epoch: EpochIndex) {
	while Attestation::epoch_of(System::block_number()) < epoch {
		run_to_block(System::block_number() + 1);
	}
}

/// `//Validator0` reports `provider` unreachable in `epoch` (which must be running).
fn fail(epoch: EpochIndex, provider: AccountId) {
	let (report, signature) = signed_report(epoch, 0, vec![(provider, Failure::Unreachable)]);
	assert_ok!(Attestation::report(authorized(), report, signature));
}

/// Opens a confirmed direct lease of `spec()` from `provider` for `tenant` with `blocks` blocks
/// of escrow.
fn lease_for(tenant: AccountId, provider: AccountId, blocks: Balance) -> u64 {
	let id = pallet_market::NextLeaseId::<Test>::get();
	assert_ok!(Market::lease_direct(
		RuntimeOrigin::signed(tenant),
		provider,
		spec(),
		RATE,
		None,
		[0; 32],
		RATE * blocks
	));
	assert_ok!(Market::confirm_lease(RuntimeOrigin::signed(provider), id));
	id
}

const RATE: Balance = 2_100;

/// An escrow left unsettled across more faults than the old 32-entry history held was paid
/// for the forgotten faulty epochs. With the fault index, one settlement after 1,000 faulty
/// epochs pays exactly the served blocks, reading one record of the provider.
#[test]
fn forgotten_faults_are_paid() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		let lease = lease_for(TENANT, p, 30_000); // from block 1
											// Odd epochs faulty, even ones served, under penalties that tolerate one fault in two
											// epochs: never slashed, never forced out, only unpaid.
		let mut params = Params::<Test>::get();
		(params.fault_window, params.tolerated_faults, params.exit_faults) = (2, 1, 2);
		assert_ok!(Attestation::set_parameters(RuntimeOrigin::root(), params));
		for epoch in 0..2_000u32 {
			run_to_epoch(epoch);
			if epoch % 2 == 1 {
				fail(epoch, p);
			}
		}
		judge_through(1_999);
		assert_eq!(reputation(p).faults, 1_000);
		assert_eq!(<Attestation as ServedBlocks<_, u64>>::judged_until(), 20_000);
		assert_eq!(<Attestation as ServedBlocks<_, u64>>::fault_index(&p), 10_000);
		let before = wealth(p);
		assert_ok!(Payments::settle(RuntimeOrigin::signed(TENANT_2), lease));
		// Blocks 1..20,000 less the 1,000 faulty epochs of ten blocks.
		let served = 19_999 - 10_000;
		System::assert_has_event(
			pallet_payments::Event::Settled {
				lease,
				provider: p,
				blocks: served,
				to_provider: served as Balance * RATE * 9 / 10,
				fee: served as Balance * RATE / 10,
				settled_to: 20_000,
			}
			.into(),
		);
		assert_eq!(wealth(p) - before, served as Balance * RATE * 9 / 10);
		check();
	});
}

/// A lease that starts mid-epoch and ends mid-epoch in faulty epochs pays for neither partial
/// epoch, and for no block outside its life.
#[test]
fn partial_first_and_last_epochs_are_exact() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		run_to_block(15);
		let lease = lease_for(TENANT, p, 1_000); // from block 15, in epoch 1
		fail(1, p);
		run_to_epoch(3);
		fail(3, p);
		run_to_block(35);
		assert_ok!(Market::close_lease(RuntimeOrigin::signed(TENANT), lease)); // ends at 35
		judge_through(3);
		assert_ok!(Payments::settle(RuntimeOrigin::signed(TENANT_2), lease));
		let paid: Balance = System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				RuntimeEvent::Payments(pallet_payments::Event::Settled {
					lease: l,
					blocks,
					..
				}) if l == lease => Some(blocks as Balance),
				_ => None,
			})
			.sum();
		// Blocks 15..35: epoch 1 (15..20) and epoch 3 (30..35) faulty, epoch 2 (20..30) served.
		assert_eq!(paid, 10);
		assert!(pallet_payments::Escrows::<Test>::get(lease).is_none(), "settled and gone");
		check();
	});
}

/// A provider about to be judged faulty leaves before the verdict, as leaving providers were
/// no longer judged. It is judged (and slashed from its unbonding stake) all the same.
#[test]
fn leaving_dodges_the_verdict() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		fail(0, p);
		assert_ok!(Providers::leave(RuntimeOrigin::signed(p)));
		run_to_epoch(1);
		fail(1, p);
		judge_through(1);
		System::assert_has_event(Event::Fault { provider: p, epoch: 0, recent: 1 }.into());
		System::assert_has_event(Event::Fault { provider: p, epoch: 1, recent: 2 }.into());
		assert_eq!(stake(p), BOND - BOND / 10, "the second fault slashes the unbonding stake");
		check();
	});
}

/// A provider forced out tries to take new leases again with `resume`.
#[test]
fn resume_after_forced_exit() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		for epoch in 0..4 {
			run_to_epoch(epoch);
			fail(epoch, p);
		}
		judge_through(3);
		System::assert_has_event(Event::ForcedOut { provider: p }.into());
		assert_ok!(ProviderStake::bond_extra(RuntimeOrigin::signed(p), BOND));
		assert_noop!(
			Providers::resume(RuntimeOrigin::signed(p)),
			pallet_providers::Error::<Test>::ForcedOut
		);
		let info = pallet_providers::Providers::<Test>::get(p).unwrap();
		assert_eq!(info.status, ProviderStatus::Leaving);
	});
}

/// Two tenants of a provider forced out: compensation follows the escrow each has at risk, and
/// no tenant receives more than it paid the provider. A tenant that opened a huge lease just
/// before the verdict (paying almost nothing) cannot take the pool.
#[test]
fn compensation_follows_exposure_and_is_capped() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		let old = lease_for(TENANT, p, 1_000); // from block 1
		run_to_block(28);
		let late = lease_for(TENANT_2, p, 10_000); // from block 28
		judge_through(2); // epochs 0-2 served
		assert_ok!(Payments::settle(RuntimeOrigin::signed(p), old));
		assert_ok!(Payments::settle(RuntimeOrigin::signed(p), late));
		let exposure = |lease| pallet_payments::Escrows::<Test>::get(lease).unwrap();
		let (old_escrow, late_escrow) = (exposure(old), exposure(late));
		assert_eq!(old_escrow.paid, 29 * RATE);
		assert_eq!(late_escrow.paid, 2 * RATE);
		let (tenant, tenant_2) = (wealth(TENANT), wealth(TENANT_2));
		for epoch in 3..7 {
			run_to_epoch(epoch);
			fail(epoch, p);
		}
		judge_through(6);
		System::assert_has_event(Event::ForcedOut { provider: p }.into());
		// The last slash: 25 % of the 72,000 left; half of it is the pool.
		let pool: Balance = 9_000;
		let total = old_escrow.balance + late_escrow.balance;
		let old_share = Perbill::from_rational(old_escrow.balance, total) * pool;
		assert_eq!(wealth(TENANT) - tenant, old_share.min(29 * RATE));
		assert_eq!(wealth(TENANT_2) - tenant_2, 2 * RATE, "capped at what it paid");
		check();
	});
}

/// A provider leases from itself through an account it controls, pays itself, then fails until
/// it is forced out, hoping to take back its own slash as "compensation". Even with every
/// unburnt unit of the slash open to compensation, the pair loses at least the burnt share.
#[test]
fn self_leasing_captures_the_slash() {
	new_test_ext(&[0]).execute_with(|| {
		let p = PROVIDERS[0];
		let mut params = Params::<Test>::get();
		params.compensation = Perbill::one();
		assert_ok!(Attestation::set_parameters(RuntimeOrigin::root(), params));
		let start = wealth(p) + wealth(TENANT);
		let issuance = Balances::total_issuance();
		let lease = lease_for(TENANT, p, 1_000);
		judge_through(2);
		assert_ok!(Payments::settle(RuntimeOrigin::signed(p), lease));
		for epoch in 3..7 {
			run_to_epoch(epoch);
			fail(epoch, p);
		}
		judge_through(6);
		run_to_block(System::block_number() + 3);
		System::assert_has_event(
			pallet_market::Event::LeaseClosed { lease, reason: CloseReason::ProviderFaulty }.into(),
		);
		let slashed = 10_000 + 18_000 + 18_000;
		let burnt = slashed / 10;
		assert_eq!(issuance - Balances::total_issuance(), burnt);
		let end = wealth(p) + wealth(TENANT);
		assert!(start - end >= burnt, "the pair lost {} of at least {burnt}", start - end);
		check();
	});
}
