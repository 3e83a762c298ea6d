//! Attacks on the market's money, each written as the attacker would try it. Every test states
//! the attacker's wealth (free plus held) before and after: the attacker never ends richer, and
//! the victim loses no more than `docs/protocol.md` states.

use crate::{
	mock::*, tests::*, Agenda, AgendaPages, Due, Error, Event, HoldReason, LeaseState, Leases,
	Orders,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use nubes_primitives::{CloseReason, Placement, Resources};

/// Everything `who` owns: free and held.
fn wealth(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

/// One millicore: the cheapest spec there is (rate 1 a block at `prices()`).
fn tiny() -> Resources {
	Resources { cpu_millicores: 1, ..Default::default() }
}

/// Leases `tiny()` from `provider` for `tenant` with `escrow`.
fn tiny_lease(tenant: AccountId, provider: AccountId, escrow: Balance) -> u64 {
	let id = crate::NextLeaseId::<Test>::get();
	assert_ok!(Market::lease_direct(signed(tenant), provider, tiny(), 1, None, HASH, escrow));
	id
}

/// The start-deadline grief as it was done on a dev chain: a tenant leases the cheapest spec
/// from any provider with a one-unit escrow and never delivers the manifest, to collect the
/// provider's start slash. A one-unit escrow is refused now; with the least escrow accepted, the
/// deadline costs the tenant what it costs the provider, and both go to the treasury.
#[test]
fn start_deadline_griefing() {
	new_test_ext().execute_with(|| {
		let (tenant, provider) = (wealth(TENANT), wealth(PROVIDER));
		assert_noop!(
			Market::lease_direct(signed(TENANT), PROVIDER, tiny(), 1, None, HASH, 1),
			Error::<Test>::EscrowTooLow
		);
		let lease = tiny_lease(TENANT, PROVIDER, MIN_ESCROW);
		assert_eq!(Leases::<Test>::get(lease).unwrap().start_stake, MIN_ESCROW);
		run_to_block(1 + START_TIMEOUT);
		closed_with(lease, CloseReason::StartTimeout);
		assert_eq!(wealth(TENANT), tenant - MIN_ESCROW, "the griefer pays its stake");
		assert_eq!(wealth(PROVIDER), provider - MIN_ESCROW, "the victim loses the stated stake");
		assert_eq!(free(TENANT), INITIAL - MIN_ESCROW, "every deposit came back");
		check();
	});
}

/// The same grief, repeated until the provider's bond is gone: each round costs the griefer
/// exactly what it costs the provider, so the campaign never pays.
#[test]
fn start_deadline_griefing_repeated() {
	new_test_ext().execute_with(|| {
		let (tenant, provider) = (wealth(TENANT), wealth(PROVIDER));
		for round in 1..=5u64 {
			let lease = tiny_lease(TENANT, PROVIDER, MIN_ESCROW);
			run_to_block(System::block_number() + START_TIMEOUT);
			closed_with(lease, CloseReason::StartTimeout);
			let spent = round as Balance * MIN_ESCROW;
			assert_eq!(wealth(TENANT), tenant - spent);
			assert_eq!(wealth(PROVIDER), provider - spent);
		}
		check();
	});
}

/// A provider sees a lease it does not want to serve and closes it while pending, before the
/// deadline could cost it anything. Closing costs it what the deadline would.
#[test]
fn provider_closes_a_pending_lease_to_dodge_the_penalty() {
	new_test_ext().execute_with(|| {
		let (tenant, provider) = (wealth(TENANT), wealth(PROVIDER));
		let lease = direct(PROVIDER, 10 * RATE, None);
		let stake = Leases::<Test>::get(lease).unwrap().start_stake;
		assert_eq!(stake, 5 * RATE);
		assert_ok!(Market::close_lease(signed(PROVIDER), lease));
		closed_with(lease, CloseReason::ProviderClosed);
		System::assert_has_event(
			Event::StartPenalty { lease, tenant_forfeit: 0, provider_slash: stake }.into(),
		);
		assert_eq!(wealth(PROVIDER), provider - stake);
		assert_eq!(
			wealth(TENANT),
			tenant,
			"the tenant, who could not have caused it, loses nothing"
		);
		check();
	});
}

/// A provider takes a lease, receives the manifest, and never confirms (it ignores it). It still
/// loses the stated stake: the penalty was not simply deleted.
#[test]
fn provider_ignores_a_delivered_manifest() {
	new_test_ext().execute_with(|| {
		let provider = wealth(PROVIDER);
		let treasury = wealth(TREASURY);
		let lease = direct(PROVIDER, 10 * RATE, None);
		// (The manifest goes to the agent off chain; the chain sees only that no confirmation
		// came.)
		run_to_block(1 + START_TIMEOUT);
		closed_with(lease, CloseReason::StartTimeout);
		assert_eq!(wealth(PROVIDER), provider - 5 * RATE);
		let burnt = 5 * RATE * SLASH_BURN_PERCENT as Balance / 100;
		assert_eq!(wealth(TREASURY), treasury + 2 * 5 * RATE - burnt);
		check();
	});
}

/// A tenant reserves a provider's capacity with a lease and walks away just before the deadline,
/// hoping to block the capacity for free. Walking away costs its stake.
#[test]
fn tenant_closes_a_pending_lease_to_block_capacity_for_free() {
	new_test_ext().execute_with(|| {
		let (tenant, provider) = (wealth(TENANT), wealth(PROVIDER));
		let lease = direct(PROVIDER, 10 * RATE, None);
		run_to_block(START_TIMEOUT);
		assert_ok!(Market::close_lease(signed(TENANT), lease));
		closed_with(lease, CloseReason::TenantClosed);
		assert_eq!(wealth(TENANT), tenant - 5 * RATE);
		assert_eq!(wealth(PROVIDER), provider);
		check();
	});
}

/// A bid accepted but never started: the provider used to hand its bid deposit to the tenant,
/// which a tenant could farm by accepting bids of providers it then ignored. Now both sides lose
/// the same stake to the treasury.
#[test]
fn accepted_bid_never_started() {
	new_test_ext().execute_with(|| {
		let (tenant, provider) = (wealth(TENANT), wealth(PROVIDER));
		let id = order(1, 3_000, 10, false);
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 3_000));
		let lease = crate::NextLeaseId::<Test>::get();
		assert_ok!(Market::accept_bid(signed(TENANT), id, PROVIDER));
		run_to_block(1 + START_TIMEOUT);
		closed_with(lease, CloseReason::StartTimeout);
		assert_eq!(wealth(TENANT), tenant - 15_000);
		assert_eq!(wealth(PROVIDER), provider - 15_000);
		check();
	});
}

/// State stuffing: orders, bids and leases cost their creators a deposit while they exist, and
/// the deposit comes back in full when they go.
#[test]
fn records_cost_a_deposit_while_they_exist() {
	new_test_ext().execute_with(|| {
		let order = order(1, 3_000, 10, false);
		// An order's deposit is held with its escrow.
		assert_eq!(held(HoldReason::OrderEscrow, TENANT), 10 * RATE + ORDER_DEPOSIT);
		assert_ok!(Market::place_bid(signed(PROVIDER), order, 3_000));
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), BID_DEPOSIT);
		let lease = direct(PROVIDER_2, 10 * RATE, None);
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), LEASE_DEPOSIT);
		assert_ok!(Market::confirm_lease(signed(PROVIDER_2), lease));
		assert_ok!(Market::cancel_order(signed(TENANT), order));
		assert_eq!(held(HoldReason::OrderEscrow, TENANT), 0);
		run_to_block(2);
		assert_eq!(held(HoldReason::BidDeposit, PROVIDER), 0);
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), LEASE_DEPOSIT);
		assert_ok!(Market::close_lease(signed(TENANT), lease));
		assert_eq!(held(HoldReason::StorageDeposit, TENANT), 0);
		check();
	});
}

/// Agenda stuffing: an attacker fills the agenda around a block so that other people's calls
/// scheduled there are refused (`AgendaFull` after sixteen full blocks). The agenda takes any
/// number of entries now, in pages, and the hook works through them a bounded number a block:
/// nothing is refused and nothing is dropped.
#[test]
fn agenda_stuffing_refuses_nobody() {
	new_test_ext().execute_with(|| {
		// 150 orders whose bid windows all close at block 11: more than sixteen blocks of the
		// old eight-entry agenda.
		let stuffed: Vec<u64> = (0..150).map(|_| order(1, 1, 10, true)).collect();
		assert!(AgendaPages::<Test>::get(11) >= 150 / 4);
		// The victim's order, same window, is taken.
		let id = crate::NextOrderId::<Test>::get();
		assert_ok!(Market::create_order(
			signed(TENANT_2),
			spec(),
			1,
			3_000,
			None,
			Placement::default(),
			HASH,
			10,
			true,
			10 * RATE,
		));
		assert_ok!(Market::place_bid(signed(PROVIDER), id, 3_000));
		// Four entries a block: 151 entries take 38 blocks; every one is handled.
		run_to_block(11 + 151 / 4 + 1);
		for order in stuffed.iter().chain([&id]) {
			assert!(Orders::<Test>::get(order).is_none(), "order {order} was handled");
		}
		let leases: Vec<_> = Leases::<Test>::iter().map(|(_, l)| (l.tenant, l.order)).collect();
		assert_eq!(leases, vec![(TENANT_2, Some(id))], "the victim's order was matched");
		// The cursor then walks the blocks it fell behind, six a block, past the victim's
		// losing-bid release: nothing due is left behind.
		run_to_block(11 + 151 / 4 + 10);
		let now = System::block_number();
		assert!(AgendaPages::<Test>::iter_keys().all(|block| block > now), "no due page left");
		check();
	});
}

/// An agenda entry that fails used to be logged and dropped: the lease stayed pending forever,
/// its capacity allocated, its escrow held. It is retried now, with an event, until it succeeds.
#[test]
fn a_failing_agenda_entry_is_retried() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 10 * RATE, None);
		// Break the start deadline: take the lease's escrow out from under it.
		let escrow = pallet_payments::Escrows::<Test>::take(lease).unwrap();
		run_to_block(1 + START_TIMEOUT);
		let retry_at = 1 + START_TIMEOUT + RETRY_DELAY;
		System::assert_has_event(
			Event::AgendaEntryFailed {
				due: Due::StartDeadline(lease),
				error: pallet_payments::Error::<Test>::UnknownEscrow.into(),
				retry_at,
			}
			.into(),
		);
		let stored = Leases::<Test>::get(lease).unwrap();
		assert_eq!(stored.state, LeaseState::Pending { deadline: 1 + START_TIMEOUT });
		assert_eq!(stored.slot, retry_at);
		assert!(Agenda::<Test>::get(retry_at, 0).contains(&Due::StartDeadline(lease)));
		// The fault clears; the retry closes the lease as the deadline would have.
		pallet_payments::Escrows::<Test>::insert(lease, escrow);
		run_to_block(retry_at);
		closed_with(lease, CloseReason::StartTimeout);
		assert_eq!(allocated(PROVIDER), Resources::ZERO);
		check();
	});
}

/// A provider that is out of stake cannot make a start deadline fail (and so the lease linger):
/// it loses what it has, and the lease closes.
#[test]
fn a_provider_without_stake_cannot_stall_the_deadline() {
	new_test_ext().execute_with(|| {
		let lease = direct(PROVIDER, 10 * RATE, None);
		pallet_provider_stake::Ledgers::<Test>::remove(PROVIDER);
		run_to_block(1 + START_TIMEOUT);
		closed_with(lease, CloseReason::StartTimeout);
		System::assert_has_event(
			Event::StartPenalty { lease, tenant_forfeit: 5 * RATE, provider_slash: 0 }.into(),
		);
	});
}
