//! Scenarios of the market, against the real registry, stake and payments pallets.

use crate::{
	mock::*, AccountLeases, Agenda, Bids, Due, Error, Event, HoldReason, LeaseState, Leases, Orders,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};
use nubes_primitives::{
	traits::CapacityAllocator, Attribute, CloseReason, Placement, ProviderStatus, Resources,
};
use sp_runtime::DispatchError;

pub(crate) const RATE: Balance = 2_100; // `spec()` at `prices()`
pub(crate) const HASH: [u8; 32] = [7; 32];

pub(crate) fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

pub(crate) fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

pub(crate) fn held(reason: impl Into<RuntimeHoldReason>, who: AccountId) -> Balance {
	Balances::balance_on_hold(&reason.into(), &who)
}

pub(crate) fn escrow_held(who: AccountId) -> Balance {
	held(pallet_payments::HoldReason::LeaseEscrow, who)
}

/// `who`'s stake, active and unbonding.
pub(crate) fn stake(who: AccountId) -> Balance {
	pallet_provider_stake::Ledgers::<Test>::get(who).and_then(|l| l.total()).unwrap_or_default()
}

pub(crate) fn allocated(who: AccountId) -> Resources {
	pallet_providers::Providers::<Test>::get(who).unwrap().allocated
}

/// The market's invariants, plus the escrow-hold invariant of payments.
pub(crate) fn check() {
	assert_ok!(Market::do_try_state());
	for tenant in [TENANT, TENANT_2] {
		let sum: Balance = pallet_payments::Escrows::<Test>::iter()
			.filter(|(_, e)| e.tenant == tenant)
			.map(|(_, e)| e.balance)
			.sum();
		assert_eq!(escrow_held(tenant), sum, "escrow hold of {tenant}");
	}
}

pub(crate) fn order(replicas: u32, max_price: Balance, window: u64, auto_accept: bool) -> u64 {
	order_with(replicas, max_price, window, auto_accept, Placement::default())
}

pub(crate) fn order_with(
	replicas: u32,
	max_price: Balance,
	window: u64,
	auto_accept: bool,
	placement: Placement<AccountId>,
) -> u64 {
	let id = crate::NextOrderId::<Test>::get();
	assert_ok!(Market::create_order(
		signed(TENANT),
		spec(),
		replicas,
		max_price,
		None,
		placement,
		HASH,
		window,
		auto_accept,
		10 * RATE,
	));
	id
}

pub(crate) fn direct(provider: AccountId, escrow: Balance, duration: Option<u64>) -> u64 {
	let id = crate::NextLeaseId::<Test>::get();
	assert_ok!(Market::lease_direct(
		signed(TENANT),
		provider,
		spec(),
		RATE,
		duration,
		HASH,
		escrow
	));
	id
}

pub(crate) fn closed_with(lease: u64, reason: CloseReason) {
	assert!(Leases::<Test>::get(lease).is_none(), "lease {lease} is closed");
	System::assert_has_event(Event::LeaseClosed { lease, reason }.into());
}

#[test]
fn create_order_holds_the_escrow_and_schedules_the_window() {
	new_test_ext().execute_with(|| {
		let id = order(2, 3_000, 10, false);
		// The escrow and the deposit, in one hold.
		assert_eq!(held(HoldReason::OrderEscrow, TENANT), 2 * 10 * RATE + ORDER_DEPOSIT);
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), 0);
		assert_eq!(free(TENANT), INITIAL - 2 * 10 * RATE - ORDER_DEPOSIT);
		// An order that asks for no placement stores none.
		assert!(crate::Placements::<Test>::get(id).is_none());
		let stored = Orders::<Test>::get(id).unwrap();
		assert_eq!((stored.replicas, stored.bid_window_end, stored.leases), (2, 11, 0));
		assert_eq!(stored.deposit, ORDER_DEPOSIT);
		assert!(Agenda::<Test>::get(11, 0).contains(&Due::BidWindowClose(id)));
		System::assert_last_event(
			Event::OrderCreated {
				order: id,
				tenant: TENANT,
				spec: spec(),
				replicas: 2,
				max_price: 3_000,
				bid_window_end: 11,
			}
			.into(),
		);
		check();
	});
}

#[test]
fn create_order_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let create = |origin, spec, replicas, price, duration, window, escrow| {
			Market::create_order(
				origin,
				spec,
				replicas,
				price,
				duration,
				Placement::default(),
				HASH,
				window,
				false,
				escrow,
			)
		};
		assert_noop!(
			create(RuntimeOrigin::none(), spec(), 1, 1, None, 5, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			create(signed(TENANT), Resources::ZERO, 1, 1, None, 5, 1),
			Error::<Test>::EmptySpec
		);
		assert_noop!(
			create(signed(TENANT), spec(), 0, 1, None, 5, 1),
			Error::<Test>::BadReplicaCount
		);
		assert_noop!(
			create(signed(TENANT), spec(), 4, 1, None, 5, 1),
			Error::<Test>::BadReplicaCount
		);
		assert_noop!(
			create(signed(TENANT), spec(), 1, 1, Some(0), 5, 1),
			Error::<Test>::ZeroDuration
		);
		assert_noop!(create(signed(TENANT), spec(), 1, 1, None, 0, 1), Error::<Test>::BadBidWindow);
		assert_noop!(
			create(signed(TENANT), spec(), 1, 1, None, 101, 1),
			Error::<Test>::BadBidWindow
		);
		assert_noop!(create(signed(TENANT), spec(), 1, 0, None, 5, 1), Error::<Test>::ZeroPrice);
		assert_noop!(create(signed(TENANT), spec(), 1, 1, None, 5, 0), Error::<Test>::ZeroEscrow);
		// Every lease must cover its start stake: 5 blocks at the highest price, or MIN_ESCROW.
		assert_noop!(
			create(signed(TENANT), spec(), 1, 3_000, None, 5, 15_000 - 1),
			Error::<Test>::EscrowTooLow
		);
		assert_noop!(
			create(signed(TENANT), spec(), 1, 1, None, 5, MIN_ESCROW - 1),
			Error::<Test>::EscrowTooLow
		);
		assert_noop!(
			create(signed(TENANT), spec(), 3, 1, None, 5, INITIAL / 2),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			create(signed(TENANT), spec(), 3, 1, None, 5, Balance::MAX / 2),
			Error::<Test>::Overflow
		);
	});
}

#[test]
fn bids_hold_a_deposit_and_respect_the_order() {
	new_test_ext().execute_with(|| {
		let id = order(1, 3_000, 10, false);
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 2_500));
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), BID_DEPOSIT);
		System::assert_last_event(
			Event::BidPlaced { order: id, provider: PROVIDER, price: 2_500 }.into(),
		);
		assert_noop!(Market::place_bid(signed(PROVIDER), id, 2_400), Error::<Test>::AlreadyBid);
		assert_noop!(Market::place_bid(signed(PROVIDER_2), id, 3_001), Error::<Test>::PriceTooHigh);
		assert_noop!(Market::place_bid(signed(PROVIDER_2), id, 0), Error::<Test>::ZeroPrice);
		assert_noop!(Market::place_bid(signed(PROVIDER_2), 99, 10), Error::<Test>::UnknownOrder);
		assert_noop!(Market::place_bid(signed(STRANGER), id, 10), Error::<Test>::UnknownProvider);
		assert_ok!(Providers::pause(signed(PROVIDER_2)));
		assert_noop!(
			Market::place_bid(signed(PROVIDER_2), id, 10),
			Error::<Test>::ProviderNotActive
		);
		System::set_block_number(11);
		assert_noop!(Market::place_bid(signed(PROVIDER_3), id, 10), Error::<Test>::BidWindowClosed);
		check();
	});
}

#[test]
fn a_bid_needs_free_capacity_and_the_placement() {
	new_test_ext().execute_with(|| {
		// PROVIDER's capacity is taken by direct leases (4 × 2,000 millicores).
		for _ in 0..4 {
			direct(PROVIDER, 10 * RATE, None);
		}
		let id = order(1, 3_000, 10, false);
		assert_noop!(
			Market::place_bid(signed(PROVIDER), id, 10),
			Error::<Test>::InsufficientCapacity
		);

		let eu_only = Placement {
			regions: vec![b"eu-central".to_vec().try_into().unwrap()].try_into().unwrap(),
			..Default::default()
		};
		let id = order_with(1, 3_000, 10, false, eu_only);
		assert_noop!(Market::place_bid(signed(PROVIDER_3), id, 10), Error::<Test>::PlacementNotMet);
		assert_ok!(Market::place_bid(signed(PROVIDER_2), id, 10));

		let gpu = Placement {
			attributes: vec![Attribute {
				key: b"gpu.model".to_vec().try_into().unwrap(),
				value: b"a100".to_vec().try_into().unwrap(),
			}]
			.try_into()
			.unwrap(),
			..Default::default()
		};
		let id = order_with(1, 3_000, 10, false, gpu.clone());
		assert_noop!(Market::place_bid(signed(PROVIDER_2), id, 10), Error::<Test>::PlacementNotMet);
		// The placement is kept apart from the order, and goes with it.
		assert_eq!(crate::Placements::<Test>::get(id), Some(gpu));
		assert_ok!(Market::cancel_order(signed(TENANT), id));
		assert!(crate::Placements::<Test>::get(id).is_none());

		let attested = Placement {
			attributes: vec![Attribute {
				key: b"tier".to_vec().try_into().unwrap(),
				value: b"datacenter".to_vec().try_into().unwrap(),
			}]
			.try_into()
			.unwrap(),
			attested_by: Some(STRANGER),
			..Default::default()
		};
		let id = order_with(1, 3_000, 10, false, attested);
		assert_noop!(Market::place_bid(signed(PROVIDER_2), id, 10), Error::<Test>::PlacementNotMet);
		assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), STRANGER));
		assert_ok!(Providers::attest(
			signed(STRANGER),
			PROVIDER_2,
			vec![b"tier".to_vec().try_into().unwrap()].try_into().unwrap()
		));
		assert_ok!(Market::place_bid(signed(PROVIDER_2), id, 10));
		check();
	});
}

#[test]
fn too_many_bids_are_refused() {
	new_test_ext().execute_with(|| {
		let id = order(1, 3_000, 10, false);
		for provider in [PROVIDER, PROVIDER_2, PROVIDER_3] {
			assert_ok!(Market::place_bid(signed(provider), id, 1_000));
		}
		// A fourth provider joins and bids.
		assert_ok!(ProviderStake::bond(signed(STRANGER), BOND));
		assert_ok!(Providers::register(
			signed(STRANGER),
			b"https://p4.example".to_vec().try_into().unwrap(),
			b"eu".to_vec().try_into().unwrap(),
			Default::default(),
			capacity(),
			prices(),
		));
		assert_noop!(Market::place_bid(signed(STRANGER), id, 1_000), Error::<Test>::TooManyBids);
	});
}

#[test]
fn accepting_bids_opens_leases_and_matches_the_order() {
	new_test_ext().execute_with(|| {
		let id = order(2, 3_000, 10, false);
		for (provider, price) in [(PROVIDER, 2_500), (PROVIDER_2, 2_000), (PROVIDER_3, 2_900)] {
			assert_ok!(Market::place_bid(signed(provider), id, price));
		}
		assert_noop!(Market::accept_bid(signed(STRANGER), id, PROVIDER), Error::<Test>::NotTenant);
		assert_noop!(Market::accept_bid(signed(TENANT), id, STRANGER), Error::<Test>::NoSuchBid);

		let first = crate::NextLeaseId::<Test>::get();
		assert_ok!(Market::accept_bid(signed(TENANT), id, PROVIDER_2));
		let lease = Leases::<Test>::get(first).unwrap();
		assert_eq!((lease.provider, lease.rate, lease.order), (PROVIDER_2, 2_000, Some(id)));
		assert_eq!(lease.state, LeaseState::Pending { deadline: 1 + START_TIMEOUT });
		assert_eq!(allocated(PROVIDER_2), spec());
		assert_eq!(escrow_held(TENANT), 10 * RATE);
		assert_eq!(held(HoldReason::OrderEscrow, TENANT), 10 * RATE + ORDER_DEPOSIT);
		// The winner's bid deposit comes back with the others' when the order ends.
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER_2), BID_DEPOSIT);
		assert!(AccountLeases::<Test>::contains_key(TENANT, first));
		assert!(AccountLeases::<Test>::contains_key(PROVIDER_2, first));
		assert_noop!(
			Market::accept_bid(signed(TENANT), id, PROVIDER_2),
			Error::<Test>::ProviderAlreadyLeased
		);
		check();

		assert_ok!(Market::accept_bid(signed(TENANT), id, PROVIDER));
		System::assert_has_event(Event::OrderMatched { order: id }.into());
		assert!(Orders::<Test>::get(id).is_none());
		// The losing bid waits for the next block's agenda.
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER_3), BID_DEPOSIT);
		assert!(Agenda::<Test>::get(2, 0).contains(&Due::ReleaseBids(id)));
		check();
		run_to_block(2);
		System::assert_has_event(Event::BidReleased { order: id, provider: PROVIDER_3 }.into());
		assert_eq!(Bids::<Test>::iter_prefix(id).count(), 0);
		assert_eq!(crate::BidCount::<Test>::get(id), 0);
		assert_eq!(held(HoldReason::OrderEscrow, TENANT), 0);
		assert_eq!(escrow_held(TENANT), 2 * 10 * RATE);
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER_3), 0, "the losing bid is released");
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), 0, "a won bid is released too");
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER_2), 0);
		System::assert_has_event(Event::BidReleased { order: id, provider: PROVIDER }.into());
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), 2 * LEASE_DEPOSIT, "order gone");
		assert_noop!(
			Market::accept_bid(signed(TENANT), id, PROVIDER_3),
			Error::<Test>::UnknownOrder
		);
		check();
	});
}

#[test]
fn the_full_lifecycle_moves_exact_balances() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 10 * RATE, None);
		assert_eq!(allocated(PROVIDER), spec());
		assert_noop!(Market::confirm_lease(signed(PROVIDER_2), lease), Error::<Test>::NotProvider);
		run_to_block(2);
		assert_ok!(Market::confirm_lease(signed(PROVIDER), lease));
		System::assert_last_event(Event::LeaseActivated { lease, since: 2 }.into());
		assert_noop!(Market::confirm_lease(signed(PROVIDER), lease), Error::<Test>::NotPending);
		let expiry = Leases::<Test>::get(lease).unwrap().slot;
		assert_eq!(expiry, 12, "ten blocks of escrow from block 2");
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), LEASE_DEPOSIT);

		run_to_block(6);
		let provider_before = free(PROVIDER);
		assert_ok!(Market::close_lease(signed(TENANT), lease));
		closed_with(lease, CloseReason::TenantClosed);
		// Four blocks (2..6) at 2,100: 8,400, of which 840 is the fee.
		assert_eq!(free(PROVIDER), provider_before + 7_560);
		assert_eq!(free(TREASURY), ED + 840);
		assert_eq!(free(TENANT), INITIAL - 8_400);
		assert_eq!(escrow_held(TENANT), 0);
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), 0, "the deposit is back");
		assert_eq!(allocated(PROVIDER), Resources::ZERO);
		assert!(!AccountLeases::<Test>::contains_key(TENANT, lease));
		// The stale expiry entry is skipped when its block comes.
		run_to_block(13);
		check();
	});
}

#[test]
fn leases_close_themselves_when_the_escrow_runs_out() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 5 * RATE, None);
		assert_ok!(Market::confirm_lease(signed(PROVIDER), lease));
		run_to_block(5);
		assert!(Leases::<Test>::get(lease).is_some());
		run_to_block(6);
		closed_with(lease, CloseReason::InsufficientFunds);
		assert_eq!(free(TENANT), INITIAL - 5 * RATE, "the whole escrow was paid");
		assert_eq!(allocated(PROVIDER), Resources::ZERO);
		check();
	});
}

#[test]
fn leases_close_themselves_when_their_duration_ends() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 100 * RATE, Some(3));
		assert_ok!(Market::confirm_lease(signed(PROVIDER), lease));
		run_to_block(4);
		closed_with(lease, CloseReason::Expired);
		assert_eq!(free(TENANT), INITIAL - 3 * RATE, "three blocks paid, the rest refunded");
		check();
	});
}

#[test]
fn a_top_up_moves_the_expiry_and_the_old_entry_is_skipped() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 5 * RATE, None);
		assert_ok!(Market::confirm_lease(signed(PROVIDER), lease));
		run_to_block(3);
		assert_ok!(Market::top_up(signed(TENANT), lease, 5 * RATE));
		System::assert_last_event(
			Event::LeaseToppedUp { lease, amount: 5 * RATE, expiry_check: 11 }.into(),
		);
		run_to_block(8);
		assert!(Leases::<Test>::get(lease).is_some(), "the block-6 entry is stale");
		run_to_block(11);
		closed_with(lease, CloseReason::InsufficientFunds);
		assert_noop!(Market::top_up(signed(TENANT), lease, 1), Error::<Test>::UnknownLease);
		check();
	});
}

#[test]
fn only_the_parties_touch_a_lease() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 5 * RATE, None);
		assert_noop!(Market::close_lease(signed(STRANGER), lease), Error::<Test>::NotParty);
		assert_noop!(Market::top_up(signed(STRANGER), lease, 1), Error::<Test>::NotTenant);
		assert_noop!(Market::confirm_lease(signed(TENANT), lease), Error::<Test>::NotProvider);
		assert_noop!(Market::close_lease(signed(TENANT), 99), Error::<Test>::UnknownLease);
		assert_ok!(Market::close_lease(signed(PROVIDER), lease));
		closed_with(lease, CloseReason::ProviderClosed);
		assert_eq!(free(TENANT), INITIAL, "nothing was chargeable before the start");
		assert_eq!(stake(PROVIDER), BOND - 5 * RATE, "walking away from a pending lease costs");
		check();
	});
}

#[test]
fn an_unconfirmed_bid_lease_costs_both_sides_the_start_stake() {
	new_test_ext().execute_with(|| {
		let id = order(1, 3_000, 10, false);
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 2_000));
		let lease = crate::NextLeaseId::<Test>::get();
		assert_ok!(Market::accept_bid(signed(TENANT), id, PROVIDER));
		// Start stake: five blocks at 2,000 (more than MIN_ESCROW).
		assert_eq!(Leases::<Test>::get(lease).unwrap().start_stake, 10_000);
		run_to_block(1 + START_TIMEOUT);
		closed_with(lease, CloseReason::StartTimeout);
		System::assert_has_event(
			Event::StartPenalty { lease, tenant_forfeit: 10_000, provider_slash: 10_000 }.into(),
		);
		assert_eq!(free(TENANT), INITIAL - 10_000);
		assert_eq!(free(PROVIDER), INITIAL - BOND, "the bid deposit came back at acceptance");
		assert_eq!(stake(PROVIDER), BOND - 10_000);
		// The forfeit and the slash less its burnt tenth.
		assert_eq!(free(TREASURY), ED + 10_000 + 9_000);
		assert_eq!(allocated(PROVIDER), Resources::ZERO);
		check();
	});
}

#[test]
fn an_unconfirmed_direct_lease_costs_both_sides_the_start_stake() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 5 * RATE, None);
		run_to_block(1 + START_TIMEOUT);
		closed_with(lease, CloseReason::StartTimeout);
		assert_noop!(Market::confirm_lease(signed(PROVIDER), lease), Error::<Test>::UnknownLease);
		assert_eq!(free(TENANT), INITIAL - 5 * RATE);
		assert_eq!(stake(PROVIDER), BOND - 5 * RATE);
		check();
	});
}

#[test]
fn lease_direct_is_checked_against_the_posted_offer() {
	new_test_ext().execute_with(|| {
		let lease = |provider, max_rate, escrow| {
			Market::lease_direct(signed(TENANT), provider, spec(), max_rate, None, HASH, escrow)
		};
		assert_noop!(lease(STRANGER, RATE, 1_000), Error::<Test>::UnknownProvider);
		assert_noop!(lease(PROVIDER, RATE - 1, 1_000), Error::<Test>::PriceTooHigh);
		assert_noop!(lease(PROVIDER, RATE, 0), Error::<Test>::ZeroEscrow);
		assert_noop!(lease(PROVIDER, RATE, 5 * RATE - 1), Error::<Test>::EscrowTooLow);
		assert_noop!(
			Market::lease_direct(signed(TENANT), PROVIDER, Resources::ZERO, RATE, None, HASH, 1),
			Error::<Test>::EmptySpec
		);
		assert_noop!(
			Market::lease_direct(signed(TENANT), PROVIDER, spec(), RATE, Some(0), HASH, 1),
			Error::<Test>::ZeroDuration
		);
		assert_noop!(
			lease(PROVIDER, RATE, INITIAL * 2),
			pallet_payments::Error::<Test>::InsufficientBalance
		);
		let huge = Resources { cpu_millicores: 9_000, ..spec() };
		assert_noop!(
			Market::lease_direct(signed(TENANT), PROVIDER, huge, u128::MAX, None, HASH, 1),
			Error::<Test>::InsufficientCapacity
		);
		assert_ok!(Providers::pause(signed(PROVIDER)));
		assert_noop!(lease(PROVIDER, RATE, 1_000), Error::<Test>::ProviderNotActive);
		assert_eq!(
			pallet_providers::Providers::<Test>::get(PROVIDER).unwrap().status,
			ProviderStatus::Paused
		);
	});
}

#[test]
fn auto_accept_takes_the_lowest_bids_at_the_window_close() {
	new_test_ext().execute_with(|| {
		let id = order(2, 3_000, 5, true);
		for (provider, price) in [(PROVIDER, 2_500), (PROVIDER_2, 2_900), (PROVIDER_3, 2_000)] {
			assert_ok!(Market::place_bid(signed(provider), id, price));
		}
		run_to_block(6);
		System::assert_has_event(Event::OrderMatched { order: id }.into());
		let mut rates: Vec<(AccountId, Balance)> =
			Leases::<Test>::iter().map(|(_, l)| (l.provider, l.rate)).collect();
		rates.sort();
		assert_eq!(rates, vec![(PROVIDER, 2_500), (PROVIDER_3, 2_000)]);
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER_2), BID_DEPOSIT, "released next block");
		check();
		run_to_block(7);
		System::assert_has_event(Event::BidReleased { order: id, provider: PROVIDER_2 }.into());
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER_2), 0);
		check();
	});
}

#[test]
fn auto_accept_with_too_few_bids_opens_what_it_can() {
	new_test_ext().execute_with(|| {
		let id = order(3, 3_000, 5, true);
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 2_500));
		run_to_block(6);
		System::assert_has_event(Event::OrderExpired { order: id, leases: 1 }.into());
		assert_eq!(Leases::<Test>::iter().count(), 1);
		assert_eq!(held(HoldReason::OrderEscrow, TENANT), 0);
		assert_eq!(escrow_held(TENANT), 10 * RATE);
		check();
	});
}

#[test]
fn a_manual_order_expires_after_the_accept_period() {
	new_test_ext().execute_with(|| {
		let id = order(1, 3_000, 5, false);
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 2_500));
		run_to_block(6 + ACCEPT_PERIOD - 1);
		assert!(Orders::<Test>::get(id).is_some(), "the tenant may still accept");
		run_to_block(6 + ACCEPT_PERIOD);
		System::assert_has_event(Event::OrderExpired { order: id, leases: 0 }.into());
		run_to_block(7 + ACCEPT_PERIOD);
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), 0);
		assert_eq!(free(TENANT), INITIAL);
		check();
	});
}

#[test]
fn cancelling_an_order_releases_bids_and_escrow() {
	new_test_ext().execute_with(|| {
		let id = order(2, 3_000, 5, false);
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 2_500));
		assert_noop!(Market::cancel_order(signed(STRANGER), id), Error::<Test>::NotTenant);
		assert_ok!(Market::cancel_order(signed(TENANT), id));
		System::assert_last_event(Event::OrderCancelled { order: id }.into());
		assert_eq!(free(TENANT), INITIAL);
		// The bid's deposit comes back in the next block, without anyone calling for it.
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), BID_DEPOSIT);
		check();
		run_to_block(2);
		System::assert_has_event(Event::BidReleased { order: id, provider: PROVIDER }.into());
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), 0);
		assert_noop!(Market::cancel_order(signed(TENANT), id), Error::<Test>::UnknownOrder);
		// The stale window entry does nothing.
		run_to_block(7);
		check();
	});
}

#[test]
fn the_hook_handles_a_bounded_number_and_carries_the_rest_over() {
	new_test_ext().execute_with(|| {
		// Six leases of two providers, all with their start deadline at block 6.
		let leases: Vec<u64> = (0..6)
			.map(|i| direct(if i < 3 { PROVIDER } else { PROVIDER_2 }, 5 * RATE, None))
			.collect();
		run_to_block(6);
		let open = leases.iter().filter(|l| Leases::<Test>::get(**l).is_some()).count();
		assert_eq!(open, 2, "four handled in block 6");
		run_to_block(7);
		assert!(leases.iter().all(|l| Leases::<Test>::get(*l).is_none()));
		assert_eq!(<Providers as CapacityAllocator<_>>::free_capacity(&PROVIDER), Some(capacity()));
		check();
	});
}

#[test]
fn a_closed_lease_has_nothing_left_to_settle_or_top_up() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 10 * RATE, None);
		assert_ok!(Market::confirm_lease(signed(PROVIDER), lease));
		run_to_block(4);
		assert_ok!(Market::close_lease(signed(PROVIDER), lease));
		closed_with(lease, CloseReason::ProviderClosed);
		assert_noop!(
			Payments::settle(signed(STRANGER), lease),
			pallet_payments::Error::<Test>::UnknownEscrow
		);
		assert_noop!(Market::top_up(signed(TENANT), lease, RATE), Error::<Test>::UnknownLease);
		assert_noop!(Market::close_lease(signed(TENANT), lease), Error::<Test>::UnknownLease);
		// Blocks 1..4 were paid; the rest came back.
		assert_eq!(free(TENANT), INITIAL - 3 * RATE);
		check();
	});
}
