//! Long random sequences of market operations by several tenants and providers; after every
//! step the invariants hold: capacity exact, holds equal to what orders, bids and escrows
//! account for, agenda consistent, and no unit of money created or destroyed.

use crate::{mock::*, Bids, Leases, Orders};
use frame_support::traits::Hooks;
use nubes_primitives::Placement;
use proptest::prelude::*;

/// One thing a participant may do; indices pick among existing orders, leases and accounts.
#[derive(Clone, Debug)]
enum Op {
	CreateOrder { tenant: usize, replicas: u32, window: u64, auto: bool },
	Bid { provider: usize, order: usize, price: u128 },
	Accept { tenant: usize, order: usize, bid: usize },
	Cancel { tenant: usize, order: usize },
	Direct { tenant: usize, provider: usize, blocks: u128, duration: Option<u64> },
	Confirm { by_owner: bool, lease: usize },
	Close { who: usize, lease: usize },
	TopUp { tenant: usize, lease: usize, blocks: u128 },
	Settle { lease: usize },
	Advance { blocks: u64 },
}

const TENANTS: [AccountId; 2] = [TENANT, TENANT_2];
const PROVIDERS: [AccountId; 3] = [PROVIDER, PROVIDER_2, PROVIDER_3];
const RATE: Balance = 2_100;

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		(0..2usize, 1..4u32, 1..8u64, any::<bool>()).prop_map(
			|(tenant, replicas, window, auto)| Op::CreateOrder { tenant, replicas, window, auto }
		),
		(0..3usize, 0..8usize, 1..4_000u128).prop_map(|(provider, order, price)| Op::Bid {
			provider,
			order,
			price
		}),
		(0..2usize, 0..8usize, 0..3usize).prop_map(|(tenant, order, bid)| Op::Accept {
			tenant,
			order,
			bid
		}),
		(0..2usize, 0..8usize).prop_map(|(tenant, order)| Op::Cancel { tenant, order }),
		(0..2usize, 0..3usize, 1..20u128, proptest::option::of(1..10u64)).prop_map(
			|(tenant, provider, blocks, duration)| Op::Direct {
				tenant,
				provider,
				blocks,
				duration
			}
		),
		(prop::bool::weighted(0.9), 0..16usize)
			.prop_map(|(by_owner, lease)| Op::Confirm { by_owner, lease }),
		(0..3usize, 0..16usize).prop_map(|(who, lease)| Op::Close { who, lease }),
		(0..2usize, 0..16usize, 1..10u128).prop_map(|(tenant, lease, blocks)| Op::TopUp {
			tenant,
			lease,
			blocks
		}),
		(0..16usize).prop_map(|lease| Op::Settle { lease }),
		(1..6u64).prop_map(|blocks| Op::Advance { blocks }),
	]
}

/// One of `ids`, picked by `index`; an id nobody has when there is none.
fn pick(mut ids: Vec<u64>, index: usize) -> u64 {
	ids.sort();
	if ids.is_empty() {
		return u64::MAX;
	}
	ids[index % ids.len()]
}

/// An open order, picked by `index`.
fn nth_order(index: usize) -> u64 {
	pick(Orders::<Test>::iter_keys().collect(), index)
}

/// An open lease, picked by `index`.
fn nth_lease(index: usize) -> u64 {
	pick(Leases::<Test>::iter_keys().collect(), index)
}

fn apply(op: &Op) {
	let signed = RuntimeOrigin::signed;
	// Calls may fail (that is part of the test); a failed call must change nothing, which the
	// invariants check.
	let _ = match *op {
		Op::CreateOrder { tenant, replicas, window, auto } => Market::create_order(
			signed(TENANTS[tenant]),
			spec(),
			replicas,
			3_000,
			None,
			Placement::default(),
			[0; 32],
			window,
			auto,
			10 * RATE,
		),
		Op::Bid { provider, order, price } => {
			Market::place_bid(signed(PROVIDERS[provider]), nth_order(order), price)
		}
		Op::Accept { tenant, order, bid } => {
			let order = nth_order(order);
			let provider = Bids::<Test>::get(order).get(bid).map_or(STRANGER, |bid| bid.provider);
			Market::accept_bid(signed(TENANTS[tenant]), order, provider)
				.map(drop)
				.map_err(|e| e.error)
		}
		Op::Cancel { tenant, order } => {
			Market::cancel_order(signed(TENANTS[tenant]), nth_order(order))
				.map(drop)
				.map_err(|e| e.error)
		}
		Op::Direct { tenant, provider, blocks, duration } => Market::lease_direct(
			signed(TENANTS[tenant]),
			PROVIDERS[provider],
			spec(),
			RATE,
			duration,
			[0; 32],
			blocks * RATE,
		),
		Op::Confirm { by_owner, lease } => {
			let lease = nth_lease(lease);
			let owner = Leases::<Test>::get(lease).map_or(STRANGER, |l| l.provider);
			Market::confirm_lease(signed(if by_owner { owner } else { PROVIDER_3 }), lease)
		}
		Op::Close { who, lease } => {
			let lease = nth_lease(lease);
			let parties =
				Leases::<Test>::get(lease).map_or((STRANGER, STRANGER), |l| (l.tenant, l.provider));
			Market::close_lease(signed([parties.0, parties.1, STRANGER][who]), lease)
		}
		Op::TopUp { tenant, lease, blocks } => {
			Market::top_up(signed(TENANTS[tenant]), nth_lease(lease), blocks * RATE)
		}
		Op::Settle { lease } => Payments::settle(signed(STRANGER), nth_lease(lease)),
		Op::Advance { blocks } => {
			for _ in 0..blocks {
				let next = System::block_number() + 1;
				System::set_block_number(next);
				Market::on_initialize(next);
			}
			Ok(())
		}
	};
}

/// Every invariant, after every step.
fn check_invariants(issuance: Balance) {
	Market::do_try_state().expect("market invariants hold");
	for tenant in TENANTS {
		let escrowed: Balance = pallet_payments::Escrows::<Test>::iter()
			.filter(|(_, e)| e.tenant == tenant)
			.map(|(_, e)| e.balance)
			.sum();
		let held = <Balances as frame_support::traits::fungible::InspectHold<_>>::balance_on_hold(
			&pallet_payments::HoldReason::LeaseEscrow.into(),
			&tenant,
		);
		assert_eq!(held, escrowed, "escrow hold of {tenant}");
	}
	for (id, _) in Orders::<Test>::iter() {
		assert!(Bids::<Test>::get(id).len() <= 3);
	}
	assert_eq!(Balances::total_issuance(), issuance, "no money created or destroyed");
	let total: Balance = frame_system::Account::<Test>::iter()
		.map(|(_, info)| info.data.free + info.data.reserved)
		.sum();
	assert_eq!(total, issuance, "every unit is in some account, free or held");
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

	#[test]
	fn invariants_hold_through_random_operations(ops in proptest::collection::vec(op(), 1..120)) {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
			check_invariants(issuance);
			for op in &ops {
				apply(op);
				check_invariants(issuance);
			}
		});
	}
}
