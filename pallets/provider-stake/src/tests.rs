//! Scenarios of bonding, unbonding, withdrawing and slashing, good and bad.

use crate::{mock::*, BondRequirement, Error, Event, HoldReason, Ledgers, UnlockChunk};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold, Mutate},
};
use nubes_primitives::{
	traits::{Compensation, ProviderBond, SlashAmount, SlashStake},
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

/// A compensation entry.
fn comp(who: AccountId, weight: Balance, cap: Balance) -> Compensation<AccountId, Balance> {
	Compensation { who, weight, cap }
}

/// Slashes `who` by `amount` with no compensation.
fn slash_exact(who: AccountId, amount: Balance) -> Result<Balance, sp_runtime::DispatchError> {
	<Stake as SlashStake<_, _>>::slash(&who, SlashAmount::Exact(amount), Perbill::zero(), &[])
}

#[test]
fn slash_burns_its_share_pays_the_pool_and_the_treasury_the_rest() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		let issuance = Balances::total_issuance();
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Exact(1_000),
			Perbill::from_percent(60),
			&[comp(TENANT, 1, Balance::MAX)],
		);
		assert_eq!(slashed, Ok(1_000));
		assert_eq!(active(ALICE), 4_000);
		assert_eq!(held(ALICE), 4_000);
		assert_eq!(free(ALICE), INITIAL - 5_000);
		// 10 % burnt, 60 % to the tenant, the rest to the treasury.
		assert_eq!(free(TENANT), INITIAL + 600);
		assert_eq!(free(TREASURY), ED + 300);
		assert_eq!(Balances::total_issuance(), issuance - 100, "the burnt share");
		System::assert_has_event(
			Event::SlashPaid { who: ALICE, beneficiary: TENANT, amount: 600 }.into(),
		);
		System::assert_last_event(
			Event::Slashed {
				who: ALICE,
				amount: 1_000,
				to_beneficiaries: 600,
				to_treasury: 300,
				burnt: 100,
			}
			.into(),
		);
		assert_eq!(MockCapacity::slashed(), vec![ALICE]);
		check_invariants();
	});
}

#[test]
fn compensation_is_proportional_to_weight_and_capped() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		// Pool: 50 % of 1,000. Weights 3:1 would give 375 and 125; the first is capped at 200.
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Exact(1_000),
			Perbill::from_percent(50),
			&[comp(TENANT, 300, 200), comp(BOB, 100, 1_000)],
		);
		assert_eq!(slashed, Ok(1_000));
		assert_eq!(free(TENANT), INITIAL + 200);
		assert_eq!(free(BOB), INITIAL + 125);
		assert_eq!(free(TREASURY), ED + 1_000 - 100 - 200 - 125);
		check_invariants();
	});
}

#[test]
fn the_pool_never_reaches_the_burnt_share() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 5_000));
		let issuance = Balances::total_issuance();
		// Even a pool of everything leaves the burnt share burnt: the provider paying itself
		// through its own "tenants" nets a loss.
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Exact(1_000),
			Perbill::one(),
			&[comp(ALICE, 1, Balance::MAX)],
		);
		assert_eq!(slashed, Ok(1_000));
		assert_eq!(free(ALICE), INITIAL - 5_000 + 900);
		assert_eq!(held(ALICE) + free(ALICE), INITIAL - 100, "ALICE lost the burnt share");
		assert_eq!(Balances::total_issuance(), issuance - 100);
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
		assert_eq!(slash_exact(ALICE, 600), Ok(600));
		assert_eq!(active(ALICE), 0);
		assert_eq!(chunks(ALICE), vec![(300, 1 + UNBONDING_PERIOD), (100, 2 + UNBONDING_PERIOD)]);
		assert_eq!(held(ALICE), 400);
		assert_eq!(free(TREASURY), ED + 540);
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
		assert_eq!(slash_exact(ALICE, 10_000), Ok(1_000));
		assert!(Ledgers::<Test>::get(ALICE).is_none());
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL - 1_000);
		assert_eq!(free(TREASURY), ED + 900);
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
			Perbill::zero(),
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
		// 20 slashed, 2 burnt, the pool (all 18 left) shared 1:3: 4 to NOBODY, below the
		// existential deposit, so it stays with the treasury's part; 13 to TENANT, capped at 10.
		let slashed = <Stake as SlashStake<_, _>>::slash(
			&ALICE,
			SlashAmount::Exact(20),
			Perbill::from_percent(100),
			&[comp(NOBODY, 1, 5), comp(TENANT, 3, 10)],
		);
		assert_eq!(slashed, Ok(20));
		assert_eq!(free(NOBODY), 0, "5 is below the existential deposit");
		assert_eq!(free(TENANT), INITIAL + 10);
		assert_eq!(free(TREASURY), ED + 8);
		System::assert_last_event(
			Event::Slashed {
				who: ALICE,
				amount: 20,
				to_beneficiaries: 10,
				to_treasury: 8,
				burnt: 2,
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
		assert_eq!(slash_exact(ALICE, 5), Ok(5));
		assert_eq!(free(TREASURY), 0);
		assert_eq!(Balances::total_issuance(), issuance - 5);
		check_invariants();
	});
}

#[test]
fn slash_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let slash = |who, compensation: &[Compensation<AccountId, Balance>]| {
			<Stake as SlashStake<_, _>>::slash(
				&who,
				SlashAmount::Exact(1),
				Perbill::one(),
				compensation,
			)
		};
		assert_eq!(slash(ALICE, &[]), Err(Error::<Test>::NotBonded.into()));
		assert_ok!(Stake::bond(signed(ALICE), 1_000));
		let five = vec![comp(TENANT, 1, 1); 5];
		assert_eq!(slash(ALICE, &five), Err(Error::<Test>::TooManyBeneficiaries.into()));
		assert_eq!(held(ALICE), 1_000);
		assert_eq!(slash_exact(ALICE, 0), Ok(0));
		assert_eq!(held(ALICE), 1_000);
	});
}

#[test]
fn a_forced_exit_with_every_chunk_taken_still_unbonds_everything() {
	new_test_ext().execute_with(|| {
		assert_ok!(Stake::bond(signed(ALICE), 10_000));
		for block in 1..=MAX_CHUNKS as u64 {
			System::set_block_number(block);
			assert_ok!(Stake::unbond(signed(ALICE), 100));
		}
		System::set_block_number(MAX_CHUNKS as u64 + 1);
		assert_noop!(Stake::unbond(signed(ALICE), 100), Error::<Test>::TooManyUnlockingChunks);
		// Attack: a provider fills its chunks so that a forced exit's unbond_all fails and its
		// active bond stays active. It no longer can.
		assert_ok!(<Stake as ProviderBond<_, _>>::unbond_all(&ALICE));
		assert_eq!(active(ALICE), 0);
		let chunks = chunks(ALICE);
		assert_eq!(chunks.len(), MAX_CHUNKS as usize);
		let last = chunks.last().copied().unwrap();
		assert_eq!(
			last,
			(100 + 10_000 - 100 * MAX_CHUNKS as Balance, MAX_CHUNKS as u64 + 1 + UNBONDING_PERIOD)
		);
		check_invariants();
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
