//! The calls' outcomes: balances, records, events, and every refusal.

use crate::{mock::*, Error, Event, NameRecord, Names as NamesMap};
use frame_support::{assert_noop, assert_ok};

fn origin(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

#[test]
fn registering_holds_the_deposit_pays_rent_to_the_treasury_and_resolves_until_expiry() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-app"), site(7, "dist"), 100));
		// Six bytes: four times the base deposit and rent.
		assert_eq!(held(ALICE), 4 * DEPOSIT);
		assert_eq!(free(ALICE), INITIAL - 4 * DEPOSIT - 4 * RENT * 100);
		assert_eq!(free(TREASURY), ED + 4 * RENT * 100);
		assert_eq!(
			NamesMap::<Test>::get(name("my-app")),
			Some(NameRecord {
				owner: ALICE,
				target: site(7, "dist"),
				expires: 101,
				deposit: 4 * DEPOSIT
			})
		);
		assert_eq!(
			last_event(),
			RuntimeEvent::Names(Event::Registered {
				name: name("my-app"),
				owner: ALICE,
				target: site(7, "dist"),
				expires: 101,
				deposit: 4 * DEPOSIT,
				rent: 400,
			})
		);
		System::set_block_number(100);
		assert_eq!(Names::resolve(&name("my-app")), Some(site(7, "dist")));
		System::set_block_number(101);
		assert_eq!(Names::resolve(&name("my-app")), None);
	});
}

#[test]
fn shorter_names_hold_more_and_pay_more() {
	run(|| {
		for (text, factor) in [("abc", 32), ("abcd", 16), ("abcdefg", 2), ("abcdefgh", 1)] {
			let (free_before, treasury_before) = (free(BOB), free(TREASURY));
			assert_ok!(Names::register(origin(BOB), name(text), site(1, ""), MIN_PERIOD));
			let rent = factor * RENT * MIN_PERIOD as u128;
			assert_eq!(free_before - free(BOB), factor * DEPOSIT + rent, "{text}");
			assert_eq!(free(TREASURY) - treasury_before, rent, "{text}");
		}
		assert_eq!(held(BOB), (32 + 16 + 2 + 1) * DEPOSIT);
	});
}

#[test]
fn names_that_break_the_rules_are_refused() {
	run(|| {
		let cases = [
			("ab", Error::<Test>::NameLength),
			("My-App", Error::<Test>::NameCharacter),
			("9lives", Error::<Test>::NameFirstCharacter),
			("123", Error::<Test>::NameFirstCharacter),
			("app-", Error::<Test>::NameLastCharacter),
			("xn--80ak6aa92e", Error::<Test>::NamePunycode),
			("l42", Error::<Test>::NameLeaseHost),
			("www", Error::<Test>::NameReserved),
		];
		for (text, error) in cases {
			assert_noop!(Names::register(origin(ALICE), name(text), site(1, ""), 100), error);
		}
		assert_noop!(
			Names::register(origin(ALICE), name("app"), site(1, "../etc"), 100),
			Error::<Test>::BadSitePath
		);
		assert_noop!(
			Names::register(origin(ALICE), name("app"), site(1, ""), MIN_PERIOD - 1),
			Error::<Test>::PeriodTooShort
		);
		assert_noop!(
			Names::register(origin(ALICE), name("app"), site(1, ""), MAX_PERIOD + 1),
			Error::<Test>::PeriodTooLong
		);
		assert_noop!(
			Names::register(origin(NOBODY), name("app"), site(1, ""), 100),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn a_deployment_names_its_owners_own_open_leases_once_each() {
	run(|| {
		// Alice rents leases 10..=19.
		assert_ok!(Names::register(origin(ALICE), name("service"), deployment(&[10, 11]), 100));
		assert_eq!(Names::resolve(&name("service")), Some(deployment(&[10, 11])));
		assert_noop!(
			Names::register(origin(ALICE), name("other"), deployment(&[]), 100),
			Error::<Test>::BadReplicas
		);
		assert_noop!(
			Names::register(origin(ALICE), name("other"), deployment(&[10, 10]), 100),
			Error::<Test>::BadReplicas
		);
		assert_noop!(
			Names::register(origin(ALICE), name("other"), deployment(&[10, 5]), 100),
			Error::<Test>::NotLeaseTenant
		);
	});
}

#[test]
fn the_owner_points_the_name_elsewhere_until_it_expires() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-app"), site(1, ""), 100));
		assert_ok!(Names::update(origin(ALICE), name("my-app"), site(2, "v2")));
		assert_eq!(
			last_event(),
			RuntimeEvent::Names(Event::TargetChanged {
				name: name("my-app"),
				target: site(2, "v2")
			})
		);
		assert_eq!(Names::resolve(&name("my-app")), Some(site(2, "v2")));
		assert_noop!(
			Names::update(origin(BOB), name("my-app"), site(3, "")),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Names::update(origin(ALICE), name("nothing"), site(3, "")),
			Error::<Test>::UnknownName
		);
		System::set_block_number(101);
		assert_noop!(
			Names::update(origin(ALICE), name("my-app"), site(3, "")),
			Error::<Test>::NameExpired
		);
	});
}

#[test]
fn a_transfer_moves_the_name_and_its_held_deposit() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-app"), site(1, ""), 100));
		assert_ok!(Names::transfer(origin(ALICE), name("my-app"), BOB));
		assert_eq!(held(ALICE), 0);
		assert_eq!(held(BOB), 4 * DEPOSIT);
		assert_eq!(NamesMap::<Test>::get(name("my-app")).unwrap().owner, BOB);
		assert_eq!(
			last_event(),
			RuntimeEvent::Names(Event::Transferred { name: name("my-app"), from: ALICE, to: BOB })
		);
		assert_noop!(
			Names::transfer(origin(ALICE), name("my-app"), MALLORY),
			Error::<Test>::NotOwner
		);
		assert_noop!(Names::transfer(origin(BOB), name("my-app"), BOB), Error::<Test>::SameOwner);
		// Not to an account that does not exist: it could not hold the deposit.
		assert_noop!(
			Names::transfer(origin(BOB), name("my-app"), NOBODY),
			Error::<Test>::RecipientUnknown
		);
		assert_ok!(Names::transfer(origin(BOB), name("my-app"), MALLORY));
		assert_ok!(Names::release(origin(MALLORY), name("my-app")));
		assert_eq!(free(MALLORY), INITIAL + 4 * DEPOSIT);
		assert_eq!(free(BOB), INITIAL);
	});
}

#[test]
fn anyone_may_renew_from_the_old_expiry_until_the_grace_ends() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-app"), site(1, ""), 100));
		System::set_block_number(110);
		// Expired (101), in grace (until 121): no longer resolving, Bob pays to keep it.
		assert_eq!(Names::resolve(&name("my-app")), None);
		let before = free(BOB);
		assert_ok!(Names::renew(origin(BOB), name("my-app"), 50));
		assert_eq!(before - free(BOB), 4 * RENT * 50);
		let record = NamesMap::<Test>::get(name("my-app")).unwrap();
		assert_eq!((record.owner, record.expires), (ALICE, 151));
		assert_eq!(
			last_event(),
			RuntimeEvent::Names(Event::Renewed {
				name: name("my-app"),
				payer: BOB,
				expires: 151,
				rent: 200
			})
		);
		assert_eq!(Names::resolve(&name("my-app")), Some(site(1, "")));
		assert_noop!(
			Names::renew(origin(ALICE), name("my-app"), MIN_PERIOD - 1),
			Error::<Test>::PeriodTooShort
		);
		// Not past `now + MAX_PERIOD`.
		assert_noop!(
			Names::renew(origin(ALICE), name("my-app"), MAX_PERIOD),
			Error::<Test>::PeriodTooLong
		);
		System::set_block_number(151 + GRACE);
		assert_noop!(Names::renew(origin(ALICE), name("my-app"), 50), Error::<Test>::GraceEnded);
	});
}

#[test]
fn releasing_gives_the_deposit_back_and_frees_the_name() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-app"), site(1, ""), 100));
		assert_noop!(Names::release(origin(BOB), name("my-app")), Error::<Test>::NotOwner);
		assert_ok!(Names::release(origin(ALICE), name("my-app")));
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL - 400);
		assert_eq!(NamesMap::<Test>::get(name("my-app")), None);
		assert_eq!(
			last_event(),
			RuntimeEvent::Names(Event::Released {
				name: name("my-app"),
				owner: ALICE,
				deposit: 4 * DEPOSIT
			})
		);
		assert_ok!(Names::register(origin(BOB), name("my-app"), site(2, ""), 100));
	});
}

#[test]
fn after_the_grace_anyone_reaps_or_takes_the_name_and_the_old_owner_gets_its_deposit() {
	run(|| {
		assert_ok!(Names::register(origin(ALICE), name("my-app"), site(1, ""), 100));
		assert_ok!(Names::register(origin(ALICE), name("second"), site(1, ""), 100));
		System::set_block_number(101 + GRACE - 1);
		assert_noop!(
			Names::register(origin(BOB), name("my-app"), site(2, ""), 100),
			Error::<Test>::NameTaken
		);
		assert_noop!(Names::reap(origin(BOB), name("my-app")), Error::<Test>::NotReapable);
		System::set_block_number(101 + GRACE);
		assert_ok!(Names::register(origin(BOB), name("my-app"), site(2, ""), 100));
		assert!(System::events().iter().any(|record| record.event
			== RuntimeEvent::Names(Event::Reaped {
				name: name("my-app"),
				owner: ALICE,
				by: BOB,
				deposit: 4 * DEPOSIT
			})));
		assert_eq!(NamesMap::<Test>::get(name("my-app")).unwrap().owner, BOB);
		assert_ok!(Names::reap(origin(MALLORY), name("second")));
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), INITIAL - 400 - 400);
		assert_noop!(Names::reap(origin(MALLORY), name("second")), Error::<Test>::UnknownName);
	});
}
