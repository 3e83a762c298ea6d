//! Attacks on names, each written as the attacker would try it, with exact balances: none
//! leaves the attacker richer or takes a name from its owner.

use crate::{mock::*, Error, Names as NamesMap};
use frame_support::{assert_noop, assert_ok};

fn origin(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Mallory registers a name that looks like a lease's own host, hoping gateways serve her
/// site on the origin of Alice's lease 42 (its cookies and storage).
#[test]
fn attack_lease_host_lookalike_is_refused() {
	run(|| {
		for text in ["l42", "l000", "l123456"] {
			assert_noop!(
				Names::register(origin(MALLORY), name(text), site(6, ""), 100),
				Error::<Test>::NameLeaseHost
			);
		}
		assert_noop!(
			Names::register(origin(MALLORY), name("xn--pple-43d"), site(6, ""), 100),
			Error::<Test>::NamePunycode
		);
		assert_eq!(free(MALLORY), INITIAL);
	});
}

/// Mallory points her name at Alice's deployment, so that gateways send her visitors (or a
/// flood) to leases Alice pays for and never agreed to serve under that name.
#[test]
fn attack_pointing_a_name_at_someone_elses_leases_is_refused() {
	run(|| {
		assert_noop!(
			Names::register(origin(MALLORY), name("free-proxy"), deployment(&[10]), 100),
			Error::<Test>::NotLeaseTenant
		);
		assert_ok!(Names::register(origin(MALLORY), name("free-proxy"), deployment(&[30]), 100));
		assert_noop!(
			Names::update(origin(MALLORY), name("free-proxy"), deployment(&[30, 11])),
			Error::<Test>::NotLeaseTenant
		);
	});
}

/// Mallory watches for a name to expire and registers it during its grace, to take over a
/// dApp's traffic the moment its owner forgets to renew.
#[test]
fn attack_sniping_an_expired_name_during_its_grace_fails_and_the_owner_keeps_it() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-dapp"), site(1, ""), 100));
		System::set_block_number(101);
		assert_noop!(
			Names::register(origin(MALLORY), name("my-dapp"), site(6, ""), 100),
			Error::<Test>::NameTaken
		);
		// Nor can she make it point anywhere, renew her way into it, or free it.
		assert_ok!(Names::renew(origin(MALLORY), name("my-dapp"), MIN_PERIOD));
		assert_noop!(
			Names::update(origin(MALLORY), name("my-dapp"), site(6, "")),
			Error::<Test>::NotOwner
		);
		assert_noop!(Names::release(origin(MALLORY), name("my-dapp")), Error::<Test>::NotOwner);
		assert_noop!(Names::reap(origin(MALLORY), name("my-dapp")), Error::<Test>::NotReapable);
		let record = NamesMap::<Test>::get(name("my-dapp")).unwrap();
		assert_eq!((record.owner, record.target), (ALICE, site(1, "")));
		// Her renewal was a gift to Alice, paid to the treasury: she is poorer by it exactly.
		assert_eq!(free(MALLORY), INITIAL - 2 * RENT * MIN_PERIOD as u128);
		assert_eq!(held(ALICE), 2 * DEPOSIT);
	});
}

/// Mallory takes every three-letter name cheaply and holds them for ransom: each costs her 32
/// times a long name's deposit and rent, and she loses the rent whatever she does.
#[test]
fn attack_squatting_short_names_costs_the_squatter_in_proportion() {
	run(|| {
		let names = ["abc", "xyz", "app", "dex"];
		for text in names {
			assert_ok!(Names::register(origin(MALLORY), name(text), site(6, ""), MIN_PERIOD));
		}
		let rent = 32 * RENT * MIN_PERIOD as u128;
		assert_eq!(held(MALLORY), 4 * 32 * DEPOSIT);
		assert_eq!(free(MALLORY), INITIAL - 4 * (32 * DEPOSIT + rent));
		// When she gives up, only the deposits come back.
		for text in names {
			assert_ok!(Names::release(origin(MALLORY), name(text)));
		}
		assert_eq!(free(MALLORY), INITIAL - 4 * rent);
		assert_eq!(free(TREASURY), ED + 4 * rent);
	});
}

/// Mallory renews a name far ahead so that it can never lapse: the expiry is capped at
/// `MaxPeriod` ahead, so her hold lasts only while she keeps paying.
#[test]
fn attack_renewing_forever_is_capped_and_paid() {
	run(|| {
		assert_ok!(Names::register(origin(MALLORY), name("forever"), site(6, ""), MAX_PERIOD));
		assert_noop!(
			Names::renew(origin(MALLORY), name("forever"), MIN_PERIOD),
			Error::<Test>::PeriodTooLong
		);
		System::set_block_number(500);
		assert_ok!(Names::renew(origin(MALLORY), name("forever"), 499));
		assert_eq!(NamesMap::<Test>::get(name("forever")).unwrap().expires, 1_500);
		let rent = 2 * RENT * (MAX_PERIOD + 499) as u128;
		assert_eq!(free(MALLORY), INITIAL - 2 * DEPOSIT - rent);
	});
}

/// Mallory transfers a name to Bob to saddle him with it: Bob receives the deposit with it, so
/// releasing it pays him, and Mallory is out the deposit and rent.
#[test]
fn attack_transferring_a_name_costs_the_sender_not_the_receiver() {
	run(|| {
		assert_ok!(Names::register(origin(MALLORY), name("unwanted"), site(6, ""), 100));
		assert_ok!(Names::transfer(origin(MALLORY), name("unwanted"), BOB));
		assert_ok!(Names::release(origin(BOB), name("unwanted")));
		assert_eq!(free(BOB), INITIAL + DEPOSIT);
		assert_eq!(free(MALLORY), INITIAL - DEPOSIT - RENT * 100);
	});
}

/// Mallory sells Bob a name pointing to her deployment: after the sale she would still choose
/// what it serves (her leases). The transfer is refused unless Bob rents those leases.
#[test]
fn attack_selling_a_deployment_name_that_still_points_to_the_sellers_leases_is_refused() {
	run(|| {
		assert_ok!(Names::register(origin(MALLORY), name("shop-front"), deployment(&[30]), 100));
		assert_noop!(
			Names::transfer(origin(MALLORY), name("shop-front"), BOB),
			Error::<Test>::NotLeaseTenant
		);
		// Pointed to Bob's leases first, it can go.
		assert_noop!(
			Names::update(origin(MALLORY), name("shop-front"), deployment(&[20])),
			Error::<Test>::NotLeaseTenant
		);
		assert_ok!(Names::update(origin(MALLORY), name("shop-front"), site(6, "")));
		assert_ok!(Names::transfer(origin(MALLORY), name("shop-front"), BOB));
		assert_eq!(NamesMap::<Test>::get(name("shop-front")).unwrap().owner, BOB);
	});
}
