//! Attacks on storage deals, each written as the attacker would try it, kept as regressions.
//! Each asserts with exact balances that the attacker ends no richer and that its victims lose
//! no more than the protocol states (`docs/protocol.md`, "Storage deals").

use crate::{mock::*, tests::*, *};
use frame_support::{assert_noop, assert_ok};
use nubes_primitives::CloseReason;

/// A tenant names six holders and never uploads: each holder's lease times out. The tenant
/// loses each lease's start stake from its escrow; each holder loses the same from its stake;
/// both go to the treasury (a tenth of the slash burnt). Nobody is then asked to rebuild a
/// shard that nobody holds, so no further provider is hurt.
#[test]
fn a_tenant_that_never_uploads_loses_what_each_holder_loses() {
	new_test_ext().execute_with(|| {
		let tenant_before = wealth(TENANT);
		let holder_before: Vec<Balance> = holders().iter().map(|who| wealth(*who)).collect();
		let treasury_before = Balances::free_balance(TREASURY);
		let deal = create(holders());
		run_to_block(30);
		let stake = MIN_ESCROW;
		for (who, before) in holders().iter().zip(&holder_before) {
			assert_eq!(wealth(*who), before - stake, "each holder loses its start stake");
		}
		// The tenant loses as much as all the holders together, and gains nothing.
		assert_eq!(wealth(TENANT), tenant_before - 6 * stake);
		let burnt = 6 * stake * SLASH_BURN_PERCENT as Balance / 100;
		assert_eq!(Balances::free_balance(TREASURY), treasury_before + 12 * stake - burnt);
		// No seventh provider was drawn in.
		for who in [EU[2], US[2], AP[2]] {
			assert_eq!(wealth(who), INITIAL);
			assert_eq!(
				pallet_providers::Providers::<Test>::get(who).unwrap().allocated.storage_gib,
				0
			);
		}
		assert_eq!(Vacancies::<Test>::iter_prefix(deal).count(), 6);
	});
}

/// A provider that wants a whole deal's pay (or to withhold the content) cannot hold two shards
/// of it, neither at creation nor as a replacement.
#[test]
fn one_provider_cannot_hold_two_shards_of_a_deal() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			StorageDeals::create_deal(
				RuntimeOrigin::signed(TENANT),
				[7; 32],
				SIZE,
				4,
				2,
				roots(6),
				accounts(&[EU[0], EU[0], US[0], US[1], AP[0], AP[1]]),
				RATE,
				None,
				ESCROW,
				RESERVE,
			),
			Error::<Test>::DuplicateHolder
		);
		let deal = create(holders());
		confirm_all(deal);
		// Every other provider is paused: only holders of the deal remain.
		for who in [EU[2], US[2], AP[2]] {
			assert_ok!(Providers::pause(RuntimeOrigin::signed(who)));
		}
		assert_ok!(Market::close_lease(RuntimeOrigin::signed(AP[1]), lease_of(deal, 5).unwrap()));
		run_to_block(10);
		assert!(holder_of(deal, 5).is_none());
		let mut providers: Vec<AccountId> = (0..6).filter_map(|s| holder_of(deal, s)).collect();
		providers.sort();
		providers.dedup();
		assert_eq!(providers.len(), 5);
	});
}

/// A holder that walks away hoping to be chosen again (and paid a fresh escrow) is never the
/// replacement of the shard it dropped.
#[test]
fn a_holder_that_walks_away_is_not_chosen_again() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		confirm_all(deal);
		// Only the holder that leaves and one provider in an overloaded region remain free.
		for who in [US[2], AP[2]] {
			assert_ok!(Providers::pause(RuntimeOrigin::signed(who)));
		}
		assert_ok!(Market::close_lease(RuntimeOrigin::signed(EU[0]), lease_of(deal, 0).unwrap()));
		System::assert_has_event(
			Event::<Test>::HolderLost {
				deal,
				shard: 0,
				provider: EU[0],
				reason: CloseReason::ProviderClosed,
			}
			.into(),
		);
		// EU[2] may take it (the region has one shard left); EU[0] never.
		assert_eq!(first_holder_by(deal, 0, 12), Some(EU[2]));
	});
}

/// A stranger cannot close, fund or redirect someone else's deal, and a holder's own close
/// does not end the deal: it only loses the holder its lease.
#[test]
fn strangers_and_holders_cannot_end_a_deal() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		confirm_all(deal);
		assert_noop!(
			StorageDeals::close_deal(RuntimeOrigin::signed(STRANGER), deal),
			Error::<Test>::NotTenant
		);
		assert_noop!(
			Market::close_lease(RuntimeOrigin::signed(STRANGER), lease_of(deal, 0).unwrap()),
			pallet_market::Error::<Test>::NotParty
		);
		for shard in 0..2 {
			let (who, lease) = (holder_of(deal, shard).unwrap(), lease_of(deal, shard).unwrap());
			assert_ok!(Market::close_lease(RuntimeOrigin::signed(who), lease));
		}
		assert!(Deals::<Test>::get(deal).is_some());
		// The chain fills both shards again.
		assert!(first_holder_by(deal, 0, 6).is_some());
		assert!(first_holder_by(deal, 1, 6).is_some());
	});
}
