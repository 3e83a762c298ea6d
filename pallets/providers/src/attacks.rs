//! Attacks on the registry, each written as the attacker would try it; every one must fail.

use crate::{mock::*, tests::*, Error, ForcedOut, Providers as ProviderMap};
use frame_support::{assert_noop, assert_ok};
use nubes_primitives::{
	traits::{BackedCapacity, CapacityAllocator, ProviderDirectory},
	ProviderStatus, Resources,
};

/// A provider forced out after repeated faults tries to come straight back with `resume`,
/// keeping its record, reputation history reset by nothing, and its leases' tenants exposed.
#[test]
fn resume_after_a_forced_exit() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(Providers::force_out(&ALICE));
		assert_eq!(info(ALICE).status, ProviderStatus::Leaving);
		// It bonds again, as `resume` asks of a provider that left on its own.
		MockStake::set_bond(ALICE, 10_000);
		assert_noop!(Providers::resume(signed(ALICE)), Error::<Test>::ForcedOut);
		assert_eq!(info(ALICE).status, ProviderStatus::Leaving);
		check_invariants();
	});
}

/// A provider that sees a forced exit coming leaves first, then tries to resume once the
/// verdict is in.
#[test]
fn leave_before_the_verdict_then_resume() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(Providers::leave(signed(ALICE)));
		// The verdict still lands on a leaving provider and marks it.
		assert_ok!(Providers::force_out(&ALICE));
		assert!(ForcedOut::<Test>::contains_key(ALICE));
		MockStake::set_bond(ALICE, 10_000);
		assert_noop!(Providers::resume(signed(ALICE)), Error::<Test>::ForcedOut);
		// The mark goes with the record, once the stake is withdrawn.
		<Providers as BackedCapacity<_>>::on_stake_withdrawn(&ALICE);
		assert!(ProviderMap::<Test>::get(ALICE).is_none());
		assert!(!ForcedOut::<Test>::contains_key(ALICE));
		check_invariants();
	});
}

/// A provider with leases leaves the set of judged providers by going `Leaving` (forced out, its
/// leases still closing), hoping to be paid for epochs nobody judges.
#[test]
fn a_leaving_provider_is_no_longer_judged() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		register(BOB);
		assert_ok!(<Providers as CapacityAllocator<_>>::allocate(
			&ALICE,
			&Resources { cpu_millicores: 1, ..Default::default() }
		));
		assert_ok!(Providers::force_out(&ALICE));
		let (listed, _) = <Providers as ProviderDirectory<_>>::serving_after(None, 10);
		let accounts: Vec<_> = listed.iter().map(|p| p.account).collect();
		assert!(accounts.contains(&ALICE), "a leaving provider is still challenged and judged");
		assert!(accounts.contains(&BOB));
		check_invariants();
	});
}
