//! Scenarios of lease escrows: funding, lazy settlement, closing, at the limits.

use crate::{mock::*, Error, Escrows, Event, HoldReason, ProtocolFee};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use nubes_primitives::traits::LeaseEscrow;
use sp_runtime::{DispatchError, Perbill};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::LeaseEscrow.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn open(lease: u64, rate: Balance, deposit: Balance) {
	assert_ok!(<Payments as LeaseEscrow<_, _, _>>::open(lease, &TENANT, &PROVIDER, rate, deposit));
}

fn start(lease: u64, at: u64) {
	assert_ok!(<Payments as LeaseEscrow<_, _, _>>::start(lease, at));
}

fn close(lease: u64, at: u64) -> Result<Balance, DispatchError> {
	<Payments as LeaseEscrow<_, _, _>>::close(lease, at)
}

fn paid_until(lease: u64) -> Option<u64> {
	<Payments as LeaseEscrow<_, _, _>>::paid_until(lease)
}

fn settle(lease: u64) -> sp_runtime::DispatchResult {
	Payments::settle(RuntimeOrigin::signed(KEEPER), lease)
}

fn check_invariants() {
	assert_ok!(Payments::do_try_state());
}

#[test]
fn open_holds_the_deposit() {
	new_test_ext().execute_with(|| {
		open(7, 100, 10_000);
		assert_eq!(held(TENANT), 10_000);
		assert_eq!(free(TENANT), INITIAL - 10_000);
		let escrow = Escrows::<Test>::get(7).unwrap();
		assert_eq!(
			(escrow.rate, escrow.balance, escrow.start, escrow.end),
			(100, 10_000, None, None)
		);
		System::assert_last_event(
			Event::EscrowOpened {
				lease: 7,
				tenant: TENANT,
				provider: PROVIDER,
				rate: 100,
				deposit: 10_000,
			}
			.into(),
		);
		assert_eq!(paid_until(7), None, "not started");
		check_invariants();
	});
}

#[test]
fn open_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let open = |lease, rate, deposit| {
			<Payments as LeaseEscrow<_, _, _>>::open(lease, &TENANT, &PROVIDER, rate, deposit)
		};
		assert_noop!(open(1, 0, 100), Error::<Test>::ZeroRate);
		assert_noop!(open(1, 1, 0), Error::<Test>::ZeroAmount);
		assert_noop!(open(1, 1, INITIAL + 1), Error::<Test>::InsufficientBalance);
		assert_ok!(open(1, 1, 100));
		assert_noop!(open(1, 1, 100), Error::<Test>::EscrowExists);
		assert_eq!(held(TENANT), 100);
	});
}

#[test]
fn settlement_pays_served_blocks_minus_the_fee() {
	new_test_ext().execute_with(|| {
		open(1, 100, 10_000);
		start(1, 2);
		assert_eq!(paid_until(1), Some(102));
		System::set_block_number(12);
		assert_ok!(settle(1));
		// 10 blocks × 100 = 1,000: 900 to the provider, 100 to the treasury.
		assert_eq!(free(PROVIDER), INITIAL + 900);
		assert_eq!(free(TREASURY), ED + 100);
		assert_eq!(held(TENANT), 9_000);
		assert_eq!(free(TENANT), INITIAL - 10_000);
		System::assert_last_event(
			Event::Settled {
				lease: 1,
				provider: PROVIDER,
				blocks: 10,
				to_provider: 900,
				fee: 100,
				settled_to: 12,
			}
			.into(),
		);
		assert_eq!(paid_until(1), Some(102), "settling does not move the paid-until block");
		// Nothing more is due in the same block.
		assert_noop!(settle(1), Error::<Test>::NothingToSettle);
		check_invariants();
	});
}

#[test]
fn settle_refuses_unknown_and_unsigned() {
	new_test_ext().execute_with(|| {
		assert_noop!(settle(5), Error::<Test>::UnknownEscrow);
		open(5, 1, 100);
		assert_noop!(Payments::settle(RuntimeOrigin::none(), 5), DispatchError::BadOrigin);
		// A lease that has not started has nothing to settle.
		assert_noop!(settle(5), Error::<Test>::NothingToSettle);
	});
}

#[test]
fn unserved_and_unjudged_blocks_are_not_paid() {
	new_test_ext().execute_with(|| {
		open(1, 10, 10_000);
		start(1, 1);
		MockServed::unserved(PROVIDER, 5, 9);
		MockServed::judge_until(11);
		System::set_block_number(21);
		assert_ok!(settle(1));
		// Judged: blocks 1..11 (10 blocks), of which 4 unserved: 6 × 10 = 60.
		assert_eq!(free(PROVIDER), INITIAL + 54);
		assert_eq!(free(TREASURY), ED + 6);
		assert_eq!(Escrows::<Test>::get(1).unwrap().settled_to, 11);
		MockServed::judge_until(21);
		assert_ok!(settle(1));
		assert_eq!(free(PROVIDER), INITIAL + 54 + 90);
		check_invariants();
	});
}

#[test]
fn top_up_extends_paid_until() {
	new_test_ext().execute_with(|| {
		open(1, 100, 1_000);
		start(1, 1);
		assert_eq!(paid_until(1), Some(11));
		assert_ok!(<Payments as LeaseEscrow<_, _, _>>::top_up(1, 500));
		assert_eq!(paid_until(1), Some(16));
		assert_eq!(held(TENANT), 1_500);
		System::assert_last_event(Event::EscrowToppedUp { lease: 1, amount: 500 }.into());
		assert_noop!(<Payments as LeaseEscrow<_, _, _>>::top_up(1, 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			<Payments as LeaseEscrow<_, _, _>>::top_up(1, INITIAL),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			<Payments as LeaseEscrow<_, _, _>>::top_up(2, 5),
			Error::<Test>::UnknownEscrow
		);
		check_invariants();
	});
}

#[test]
fn closing_before_the_start_refunds_everything() {
	new_test_ext().execute_with(|| {
		open(1, 100, 1_000);
		System::set_block_number(50);
		assert_eq!(close(1, 50), Ok(1_000));
		assert_eq!(free(TENANT), INITIAL);
		assert_eq!(held(TENANT), 0);
		assert!(Escrows::<Test>::get(1).is_none());
		System::assert_has_event(
			Event::Refunded { lease: 1, tenant: TENANT, amount: 1_000 }.into(),
		);
		System::assert_last_event(Event::EscrowClosed { lease: 1 }.into());
		assert_noop!(close(1, 50), Error::<Test>::UnknownEscrow);
		check_invariants();
	});
}

#[test]
fn closing_settles_and_refunds_the_rest() {
	new_test_ext().execute_with(|| {
		open(1, 100, 10_000);
		start(1, 1);
		System::set_block_number(31);
		assert_eq!(close(1, 31), Ok(7_000));
		assert_eq!(free(PROVIDER), INITIAL + 2_700);
		assert_eq!(free(TREASURY), ED + 300);
		assert_eq!(free(TENANT), INITIAL - 3_000);
		assert_eq!(held(TENANT), 0);
		assert!(Escrows::<Test>::get(1).is_none());
		System::assert_last_event(Event::EscrowClosed { lease: 1 }.into());
		check_invariants();
	});
}

#[test]
fn a_closed_escrow_waits_for_judgement_before_it_goes() {
	new_test_ext().execute_with(|| {
		open(1, 100, 10_000);
		start(1, 1);
		MockServed::judge_until(21);
		System::set_block_number(31);
		// Blocks 21..31 are not judged: their 1,000 stays, the rest goes back now.
		assert_eq!(close(1, 31), Ok(7_000));
		assert_eq!(free(PROVIDER), INITIAL + 1_800);
		assert_eq!(held(TENANT), 1_000);
		assert!(Escrows::<Test>::get(1).is_some());
		assert_noop!(<Payments as LeaseEscrow<_, _, _>>::top_up(1, 5), Error::<Test>::Ended);
		// Judged later: blocks 21..26 unserved, so only 5 blocks are paid and 500 is refunded.
		MockServed::unserved(PROVIDER, 21, 26);
		MockServed::judge_until(40);
		System::set_block_number(40);
		assert_ok!(settle(1));
		assert_eq!(free(PROVIDER), INITIAL + 1_800 + 450);
		assert_eq!(free(TENANT), INITIAL - 2_500);
		assert!(Escrows::<Test>::get(1).is_none());
		System::assert_has_event(Event::Refunded { lease: 1, tenant: TENANT, amount: 500 }.into());
		check_invariants();
	});
}

#[test]
fn an_exhausted_escrow_pays_no_more_than_it_holds() {
	new_test_ext().execute_with(|| {
		open(1, 100, 550);
		start(1, 1);
		System::set_block_number(101);
		assert_ok!(settle(1));
		assert_eq!(free(PROVIDER) + free(TREASURY), INITIAL + ED + 550);
		assert_eq!(held(TENANT), 0);
		assert_eq!(paid_until(1), Some(101));
		check_invariants();
	});
}

#[test]
fn rate_times_blocks_at_the_numeric_limits() {
	new_test_ext().execute_with(|| {
		// A rate whose product with the block count overflows u128 pays the whole escrow.
		open(1, Balance::MAX / 2, 1_000);
		start(1, 1);
		assert_eq!(paid_until(1), Some(1));
		System::set_block_number(4);
		assert_ok!(settle(1));
		assert_eq!(held(TENANT), 0);
		assert_eq!(free(PROVIDER), INITIAL + 900);
		check_invariants();
	});
}

#[test]
fn a_million_block_gap_settles_in_one_call() {
	new_test_ext().execute_with(|| {
		open(1, 3, 10_000_000);
		start(1, 1);
		System::set_block_number(1_000_001);
		assert_ok!(settle(1));
		// 1,000,000 blocks × 3 = 3,000,000: 2,700,000 to the provider.
		assert_eq!(free(PROVIDER), INITIAL + 2_700_000);
		assert_eq!(held(TENANT), 7_000_000);
		assert_eq!(paid_until(1), Some(1_000_001 + 7_000_000 / 3));
		check_invariants();
	});
}

#[test]
fn settle_batch_settles_many_and_skips_the_rest() {
	new_test_ext().execute_with(|| {
		open(1, 10, 1_000);
		open(2, 20, 1_000);
		open(3, 30, 1_000);
		start(1, 1);
		start(2, 1);
		System::set_block_number(11);
		let leases: BoundedVec<u64, MaxSettleBatch> = vec![1, 2, 3, 42].try_into().unwrap();
		assert_ok!(Payments::settle_batch(RuntimeOrigin::signed(KEEPER), leases));
		// 100 + 200 paid, 10 % fee; lease 3 has not started, 42 does not exist.
		assert_eq!(free(PROVIDER), INITIAL + 270);
		assert_eq!(free(TREASURY), ED + 30);
		assert_eq!(held(TENANT), 2_700);
		check_invariants();
	});
}

#[test]
fn only_root_sets_the_protocol_fee() {
	new_test_ext().execute_with(|| {
		let fee = Perbill::from_percent(3);
		assert_noop!(
			Payments::set_protocol_fee(RuntimeOrigin::signed(TENANT), fee),
			DispatchError::BadOrigin
		);
		assert_ok!(Payments::set_protocol_fee(RuntimeOrigin::root(), fee));
		assert_eq!(ProtocolFee::<Test>::get(), fee);
		System::assert_last_event(Event::ProtocolFeeSet { fee }.into());
	});
}

#[test]
fn start_refuses_twice_and_after_the_end() {
	new_test_ext().execute_with(|| {
		assert_noop!(<Payments as LeaseEscrow<_, _, _>>::start(1, 1), Error::<Test>::UnknownEscrow);
		open(1, 10, 1_000);
		start(1, 1);
		assert_noop!(
			<Payments as LeaseEscrow<_, _, _>>::start(1, 2),
			Error::<Test>::AlreadyStarted
		);
		MockServed::judge_until(1);
		open(2, 10, 1_000);
		System::set_block_number(5);
		assert_ok!(close(2, 5));
	});
}

#[test]
fn try_state_catches_a_hold_that_differs_from_the_escrows() {
	new_test_ext().execute_with(|| {
		open(1, 10, 1_000);
		Escrows::<Test>::mutate(1, |e| e.as_mut().unwrap().balance = 999);
		assert!(Payments::do_try_state().is_err());
	});
}
