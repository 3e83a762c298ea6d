//! Scenarios of bonding, unbonding, withdrawing and slashing, good and bad.

use crate::{mock::*, BondRequirement, Error, Event, HoldReason, Ledgers, UnlockChunk};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold, Mutate},
};
use nubes_primitives::{
	traits::{ProviderBond, SlashAmount, SlashStake},
	Resources,
};
use sp_runtime::{DispatchError, Perbill};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ProviderBond.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn active(who: AccountId) -> Balance {
	Ledgers::<Test>::get(who).map(|l| l.active).unwrap_or_default()
}

fn chunks(who: AccountId) -> Vec<(Balance, u64)> {
	Ledgers::<Test>::get(who)
		.map(|l| l.unlocking.iter().map(|c| (c.value, c.unlock_at)).collect())
		.unwrap_or_default()
}

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// One CPU core: with the test parameters it requires 1,000 + 1,000 = 2,000 bonded.
fn one_core() -> Resources {
	Resources { cpu_millicores: 1_000, ..Default::default() }
}

fn check_invariants() {
	assert_ok!(Stake::do_try_state());
}

#[test]
fn bond_holds_funds_and_records_the_ledger() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_eq!(free(ALICE), INITIAL - 5_000);
		assert_eq!(held(ALICE), 5_000);
		assert_eq!(active(ALICE), 5_000);
		assert!(chunks(ALICE).is_empty());
		System::assert_last_event(Event::Bonded { who: ALICE, amount: 5_000 }.into());
		check_invariants();
	});
}

#[test]
fn bond_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		assert_noop!(Stake::bond(RuntimeOrigin::none(), 5_000), DispatchError::BadOrigin);
		assert_noop!(Stake::bond(RuntimeOrigin::root(), 5_000), DispatchError::BadOrigin);
		assert_noop!(Stake::bond(signed(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Stake::bond(signed(ALICE), INITIAL + 1), Error::<Test>::InsufficientBalance);
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_noop!(Stake::bond(signed(ALICE), 5_000), Error::<Test>::AlreadyBonded);
		assert_eq!(held(ALICE), 5_000);
		check_invariants();
	});
}

#[test]
fn bond_extra_adds_to_the_active_bond() {
	new_test_ext().execute_with(|| {
		assert_noop!(Stake::bond_extra(signed(ALICE), 100), Error::<Test>::NotBonded);
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_noop!(Stake::bond_extra(signed(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Stake::bond_extra(signed(ALICE), INITIAL), Error::<Test>::InsufficientBalance);
		assert_ok!(Stake::bond_extra(signed(ALICE), 2_500));
		assert_eq!(active(ALICE), 7_500);
		assert_eq!(held(ALICE), 7_500);
		assert_eq!(free(ALICE), INITIAL - 7_500);
		System::assert_last_event(Event::Bonded { who: ALICE, amount: 2_500 }.into());
		check_invariants();
	});
}

#[test]
fn unbond_moves_bond_into_a_chunk_that_stays_held() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_ok!(Stake::unbond(signed(ALICE), 1_500));
		assert_eq!(active(ALICE), 3_500);
		assert_eq!(chunks(ALICE), vec![(1_500, 1 + UNBONDING_PERIOD)]);
		assert_eq!(held(ALICE), 5_000, "unbonding funds stay held");
		System::assert_last_event(
			Event::Unbonded { who: ALICE, amount: 1_500, unlock_at: 1 + UNBONDING_PERIOD }.into(),
		);
		// A second unbond in the same block joins the same chunk.
		assert_ok!(Stake::unbond(signed(ALICE), 500));
		assert_eq!(chunks(ALICE), vec![(2_000, 1 + UNBONDING_PERIOD)]);
		check_invariants();
	});
}

#[test]
fn unbond_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		assert_noop!(Stake::unbond(signed(ALICE), 1), Error::<Test>::NotBonded);
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_noop!(Stake::unbond(RuntimeOrigin::none(), 1), DispatchError::BadOrigin);
		assert_noop!(Stake::unbond(signed(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Stake::unbond(signed(ALICE), 5_001), Error::<Test>::InsufficientActiveBond);
	});
}

#[test]
fn unbond_keeps_the_bond_the_offered_capacity_requires() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 3_000));
		MockCapacity::set(ALICE, one_core());
		assert_eq!(Stake::required_bond(&one_core()), Some(2_000));
		assert_noop!(Stake::unbond(signed(ALICE), 1_001), Error::<Test>::BelowRequiredBond);
		assert_ok!(Stake::unbond(signed(ALICE), 1_000));
		assert_eq!(active(ALICE), 2_000);
		check_invariants();
	});
}

#[test]
fn unbond_is_limited_in_chunks() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		for block in 1..=u64::from(MAX_CHUNKS) {
			System::set_block_number(block);
			assert_ok!(Stake::unbond(signed(ALICE), 100));
		}
		System::set_block_number(u64::from(MAX_CHUNKS) + 1);
		assert_noop!(Stake::unbond(signed(ALICE), 100), Error::<Test>::TooManyUnlockingChunks);
		check_invariants();
	});
}

#[test]
fn withdraw_before_maturity_fails_and_after_it_releases() {
	new_test_ext().execute_with(|| {
		assert_noop!(Stake::withdraw_unbonded(signed(ALICE)), Error::<Test>::NotBonded);
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_ok!(Stake::unbond(signed(ALICE), 1_000));
		System::set_block_number(5);
		assert_ok!(Stake::unbond(signed(ALICE), 2_000));

		System::set_block_number(UNBONDING_PERIOD);
		assert_noop!(Stake::withdraw_unbonded(signed(ALICE)), Error::<Test>::NothingToWithdraw);

		// The first chunk matures at 11, the second at 15.
		System::set_block_number(1 + UNBONDING_PERIOD);
		assert_ok!(Stake::withdraw_unbonded(signed(ALICE)));
		assert_eq!(free(ALICE), INITIAL - 4_000);
		assert_eq!(held(ALICE), 4_000);
		assert_eq!(chunks(ALICE), vec![(2_000, 5 + UNBONDING_PERIOD)]);
		System::assert_last_event(Event::Withdrawn { who: ALICE, amount: 1_000 }.into());
		assert!(MockCapacity::withdrawn().is_empty());
		check_invariants();
	});
}

#[test]
fn withdrawing_everything_removes_the_ledger_and_tells_the_registry() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		assert_ok!(<Stake as ProviderBond<_, _>>::unbond_all(&ALICE));
		assert_eq!(active(ALICE), 0);
		assert_eq!(chunks(ALICE), vec![(5_000, 1 + UNBONDING_PERIOD)]);
		System::set_block_number(1 + UNBONDING_PERIOD);
		assert_ok!(Stake::withdraw_unbonded(signed(ALICE)));
		assert_eq!(free(ALICE), INITIAL);
		assert_eq!(held(ALICE), 0);
		assert!(Ledgers::<Test>::get(ALICE).is_none());
		System::assert_has_event(Event::Withdrawn { who: ALICE, amount: 5_000 }.into());
		System::assert_last_event(Event::StakeRemoved { who: ALICE }.into());
		assert_eq!(MockCapacity::withdrawn(), vec![ALICE]);
		check_invariants();
	});
}

#[test]
fn only_root_sets_the_bond_requirement() {
	new_test_ext().execute_with(|| {
		let mut params = test_bond_params();
		params.base = 7;
		assert_noop!(Stake::set_bond_requirement(signed(ALICE), params), DispatchError::BadOrigin);
		assert_ok!(Stake::set_bond_requirement(RuntimeOrigin::root(), params));
		assert_eq!(BondRequirement::<Test>::get(), params);
		assert_eq!(Stake::required_bond(&one_core()), Some(1_007));
		System::assert_last_event(Event::BondRequirementSet { params }.into());
	});
}

#[test]
fn required_bond_is_zero_for_no_capacity_and_checked_at_the_limits() {
	new_test_ext().execute_with(|| {
		assert_eq!(Stake::required_bond(&Resources::ZERO), Some(0));
		let gpu = Resources { gpus: 2, ..Default::default() };
		assert_eq!(Stake::required_bond(&gpu), Some(1_200));
		let mut params = test_bond_params();
		params.per_unit.per_cpu_millicore = Balance::MAX;
		BondRequirement::<Test>::put(params);
		assert_eq!(Stake::required_bond(&one_core()), None);
		// An overflowing requirement refuses the unbond rather than letting it through.
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		MockCapacity::set(ALICE, one_core());
		assert_noop!(Stake::unbond(signed(ALICE), 1), Error::<Test>::Overflow);
		params.per_unit.per_cpu_millicore = 0;
		params.base = Balance::MAX;
		BondRequirement::<Test>::put(params);
		assert_eq!(Stake::required_bond(&one_core()), Some(Balance::MAX));
		params.per_unit.per_gpu = 1;
		BondRequirement::<Test>::put(params);
		assert_eq!(Stake::required_bond(&gpu), None);
	});
}

#[test]
fn slash_pays_beneficiaries_their_share_and_the_treasury_the_rest() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		let issuance = Balances::total_issuance();
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Exact(1_000),
			&[(TENANT, Perbill::from_percent(60))],
		);
		assert_eq!(slashed, Ok(1_000));
		assert_eq!(active(ALICE), 4_000);
		assert_eq!(held(ALICE), 4_000);
		assert_eq!(free(ALICE), INITIAL - 5_000);
		assert_eq!(free(TENANT), INITIAL + 600);
		assert_eq!(free(TREASURY), ED + 400);
		assert_eq!(Balances::total_issuance(), issuance, "nothing burnt");
		System::assert_has_event(
			Event::SlashPaid { who: ALICE, beneficiary: TENANT, amount: 600 }.into(),
		);
		System::assert_last_event(
			Event::Slashed {
				who: ALICE,
				amount: 1_000,
				to_beneficiaries: 600,
				to_treasury: 400,
				burnt: 0,
			}
			.into(),
		);
		assert_eq!(MockCapacity::slashed(), vec![ALICE]);
		check_invariants();
	});
}

#[test]
fn slash_reaches_unbonding_chunks_latest_first() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		assert_ok!(Stake::unbond(signed(ALICE), 300));
		System::set_block_number(2);
		assert_ok!(Stake::unbond(signed(ALICE), 300));
		// Active 400, chunks 300 (at 11) and 300 (at 12).
		let slashed = <Stake as SlashStake<_, _>>::slash(&ALICE, SlashAmount::Exact(600), &[]);
		assert_eq!(slashed, Ok(600));
		assert_eq!(active(ALICE), 0);
		assert_eq!(chunks(ALICE), vec![(300, 1 + UNBONDING_PERIOD), (100, 2 + UNBONDING_PERIOD)]);
		assert_eq!(held(ALICE), 400);
		assert_eq!(free(TREASURY), ED + 600);
		// Withdrawing later returns only what the slash left.
		System::set_block_number(2 + UNBONDING_PERIOD);
		assert_ok!(Stake::withdraw_unbonded(signed(ALICE)));
		assert_eq!(free(ALICE), INITIAL - 600);
		check_invariants();
	});
}

#[test]
fn slash_larger_than_the_stake_takes_all_of_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		assert_ok!(Stake::unbond(signed(ALICE), 400));
		let slashed = <Stake as SlashStake<_, _>>::slash(&ALICE, SlashAmount::Exact(10_000), &[]);
		assert_eq!(slashed, Ok(1_000));
		assert!(Ledgers::<Test>::get(ALICE).is_none());
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL - 1_000);
		assert_eq!(free(TREASURY), ED + 1_000);
		System::assert_has_event(Event::StakeRemoved { who: ALICE }.into());
		check_invariants();
	});
}

#[test]
fn slash_by_fraction_counts_unbonding_funds() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		assert_ok!(Stake::unbond(signed(ALICE), 600));
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Fraction(Perbill::from_percent(50)),
			&[],
		);
		assert_eq!(slashed, Ok(500));
		assert_eq!(active(ALICE), 0);
		assert_eq!(chunks(ALICE), vec![(500, 1 + UNBONDING_PERIOD)]);
		check_invariants();
	});
}

#[test]
fn slash_payment_below_existential_deposit_goes_to_the_treasury() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Exact(20),
			&[(NOBODY, Perbill::from_percent(25)), (TENANT, Perbill::from_percent(50))],
		);
		assert_eq!(slashed, Ok(20));
		assert_eq!(free(NOBODY), 0, "5 is below the existential deposit");
		assert_eq!(free(TENANT), INITIAL + 10);
		assert_eq!(free(TREASURY), ED + 10);
		System::assert_last_event(
			Event::Slashed {
				who: ALICE,
				amount: 20,
				to_beneficiaries: 10,
				to_treasury: 10,
				burnt: 0,
			}
			.into(),
		);
		check_invariants();
	});
}

#[test]
fn slash_that_nobody_can_receive_is_burnt() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		Balances::set_balance(&TREASURY, 0);
		assert_eq!(free(TREASURY), 0);
		let issuance = Balances::total_issuance();
		let slashed = <Stake as SlashStake<_, _>>::slash(&ALICE, SlashAmount::Exact(5), &[]);
		assert_eq!(slashed, Ok(5));
		assert_eq!(Balances::total_issuance(), issuance - 5);
		System::assert_last_event(
			Event::Slashed { who: ALICE, amount: 5, to_beneficiaries: 0, to_treasury: 0, burnt: 5 }
				.into(),
		);
		check_invariants();
	});
}

#[test]
fn slash_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let slash = |who, beneficiaries: &[(AccountId, Perbill)]| {
			<Stake as SlashStake<_, _>>::slash(&who, SlashAmount::Exact(1), beneficiaries)
		};
		assert_eq!(slash(ALICE, &[]), Err(Error::<Test>::NotBonded.into()));
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		let five = [(TENANT, Perbill::from_percent(1)); 5];
		assert_eq!(slash(ALICE, &five), Err(Error::<Test>::TooManyBeneficiaries.into()));
		assert_eq!(held(ALICE), 1_000);
		assert_eq!(<Stake as SlashStake<_, _>>::slash(&ALICE, SlashAmount::Exact(0), &[]), Ok(0));
		assert_eq!(held(ALICE), 1_000);
	});
}

#[test]
fn try_state_catches_a_ledger_that_differs_from_the_hold() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		Ledgers::<Test>::mutate(ALICE, |ledger| {
			if let Some(ledger) = ledger {
				ledger.unlocking.try_push(UnlockChunk { value: 1, unlock_at: 5 }).unwrap();
			}
		});
		assert!(Stake::do_try_state().is_err());
	});
}
