//! Long random sequences of market operations by several tenants and providers and by an
//! attacker; after every step the invariants hold: capacity exact, holds equal to what orders,
//! bids and escrows account for, agenda consistent, no unit of money created or destroyed but
//! the burnt share of slashes, and the attacker never richer than it started.
//!
//! The attacker (`STRANGER`) only griefs: it leases from providers and never delivers, tries
//! one-unit escrows, and stuffs the agenda with orders; providers also close pending leases to
//! dodge the start penalty. The campaign counts how often each attack was tried and how often
//! the chain took it as a call, and fails if an attack never got through (a campaign whose
//! attacks are all refused at the door proves little).
//!
//! `NUBES_PROPTEST_CASES` sets the number of sequences (256 by default; the documented long
//! run uses 10,000).

use crate::{mock::*, Bids, LeaseState, Leases, Orders};
use frame_support::traits::{fungible::Inspect, Hooks};
use nubes_primitives::{Placement, Resources};
use proptest::{prelude::*, test_runner::TestRunner};
use std::sync::atomic::{AtomicU64, Ordering};

/// The attacks of the campaign, by name.
const ATTACKS: [&str; 4] = ["grief", "grief with a one-unit escrow", "dodge", "stuff the agenda"];
/// How often each attack was tried, and how often the chain took it.
static TRIED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static TAKEN: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// The attacker: a tenant that only griefs.
const ATTACKER: AccountId = STRANGER;

/// One thing a participant may do; indices pick among existing orders, leases and accounts.
#[derive(Clone, Debug)]
enum Op {
	CreateOrder {
		tenant: usize,
		replicas: u32,
		window: u64,
		auto: bool,
	},
	Bid {
		provider: usize,
		order: usize,
		price: u128,
	},
	Accept {
		tenant: usize,
		order: usize,
		bid: usize,
	},
	Cancel {
		tenant: usize,
		order: usize,
	},
	Direct {
		tenant: usize,
		provider: usize,
		blocks: u128,
		duration: Option<u64>,
	},
	Confirm {
		by_owner: bool,
		lease: usize,
	},
	Close {
		who: usize,
		lease: usize,
	},
	TopUp {
		tenant: usize,
		lease: usize,
		blocks: u128,
	},
	Settle {
		lease: usize,
	},
	Advance {
		blocks: u64,
	},
	/// The attacker leases the cheapest spec with the least escrow and never delivers.
	Grief {
		provider: usize,
	},
	/// The attacker tries the grief with a one-unit escrow.
	GriefOneUnit {
		provider: usize,
	},
	/// A provider closes a pending lease before its deadline.
	Dodge {
		lease: usize,
	},
	/// The attacker opens an order whose window closes with everyone else's.
	Stuff {
		window: u64,
	},
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
		(0..2usize, 0..3usize, 5..25u128, proptest::option::of(1..10u64)).prop_map(
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
		(0..3usize).prop_map(|provider| Op::Grief { provider }),
		(0..3usize).prop_map(|provider| Op::GriefOneUnit { provider }),
		(0..16usize).prop_map(|lease| Op::Dodge { lease }),
		(1..8u64).prop_map(|window| Op::Stuff { window }),
	]
}

/// The attacker leases one millicore from `provider` with `escrow`, never to deliver.
fn grief(provider: AccountId, escrow: Balance) -> sp_runtime::DispatchResult {
	Market::lease_direct(
		RuntimeOrigin::signed(ATTACKER),
		provider,
		Resources { cpu_millicores: 1, ..Default::default() },
		1,
		None,
		[9; 32],
		escrow,
	)
}

/// Counts an attempt of attack `index` and whether the chain took it.
fn count<E>(index: usize, result: Result<(), E>) -> Result<(), E> {
	TRIED[index].fetch_add(1, Ordering::Relaxed);
	if result.is_ok() {
		TAKEN[index].fetch_add(1, Ordering::Relaxed);
	}
	result
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
			let provider = Bids::<Test>::iter_prefix_values(order)
				.find(|found| found.seq as usize == bid)
				.map_or(STRANGER, |bid| bid.provider);
			Market::accept_bid(signed(TENANTS[tenant]), order, provider)
		}
		Op::Cancel { tenant, order } => {
			Market::cancel_order(signed(TENANTS[tenant]), nth_order(order))
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
		Op::Grief { provider } => count(0, grief(PROVIDERS[provider], MIN_ESCROW)),
		Op::GriefOneUnit { provider } => count(1, grief(PROVIDERS[provider], 1)),
		Op::Dodge { lease } => {
			let lease = nth_lease(lease);
			match Leases::<Test>::get(lease) {
				Some(l) if matches!(l.state, LeaseState::Pending { .. }) => {
					count(2, Market::close_lease(signed(l.provider), lease))
				}
				_ => Ok(()),
			}
		}
		Op::Stuff { window } => count(
			3,
			Market::create_order(
				signed(ATTACKER),
				spec(),
				1,
				1,
				None,
				Placement::default(),
				[9; 32],
				window,
				true,
				MIN_ESCROW,
			),
		),
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

/// What the slashes so far burnt: the only units allowed to leave the issuance.
fn burnt() -> Balance {
	System::events()
		.iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::ProviderStake(pallet_provider_stake::Event::Slashed {
				burnt, ..
			}) => Some(burnt),
			_ => None,
		})
		.sum()
}

/// Every invariant, after every step.
fn check_invariants(issuance: Balance, attacker: Balance) {
	Market::do_try_state().expect("market invariants hold");
	// The other pallets' `try_state` checks are compiled only into their own tests (or with
	// try-runtime, which would change the features of the whole build): the same checks here.
	use frame_support::traits::fungible::InspectHold;
	for tenant in TENANTS.into_iter().chain([ATTACKER]) {
		let escrowed: Balance = pallet_payments::Escrows::<Test>::iter()
			.filter(|(_, e)| e.tenant == tenant)
			.map(|(_, e)| e.balance)
			.sum();
		let held =
			Balances::balance_on_hold(&pallet_payments::HoldReason::LeaseEscrow.into(), &tenant);
		assert_eq!(held, escrowed, "escrow hold of {tenant}");
	}
	for (who, ledger) in pallet_provider_stake::Ledgers::<Test>::iter() {
		let held = Balances::balance_on_hold(
			&pallet_provider_stake::HoldReason::ProviderBond.into(),
			&who,
		);
		assert_eq!(Some(held), ledger.total(), "bond hold of {who}");
	}
	for provider in PROVIDERS {
		let info = pallet_providers::Providers::<Test>::get(provider).expect("registered");
		assert!(info.allocated.fits_within(&info.offered), "allocated within offered");
	}
	for (id, _) in Orders::<Test>::iter() {
		assert!(Bids::<Test>::iter_prefix(id).count() <= 3);
	}
	assert_eq!(Balances::total_issuance(), issuance - burnt(), "only named burns leave");
	let total: Balance = frame_system::Account::<Test>::iter()
		.map(|(_, info)| info.data.free + info.data.reserved)
		.sum();
	assert_eq!(total, Balances::total_issuance(), "every unit is in some account, free or held");
	assert!(Balances::total_balance(&ATTACKER) <= attacker, "the attacker never gains");
}

/// Runs one random sequence from a fresh chain, checking after every step.
fn run(ops: &[Op]) {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		let attacker = Balances::total_balance(&ATTACKER);
		check_invariants(issuance, attacker);
		for op in ops {
			apply(op);
			check_invariants(issuance, attacker);
		}
	});
}

#[test]
fn invariants_hold_through_random_operations_and_attacks() {
	let cases = std::env::var("NUBES_PROPTEST_CASES")
		.ok()
		.and_then(|cases| cases.parse().ok())
		.unwrap_or(256);
	let mut runner = TestRunner::new(ProptestConfig { cases, ..ProptestConfig::default() });
	let result = runner.run(&proptest::collection::vec(op(), 1..120), |ops| {
		run(&ops);
		Ok(())
	});
	if let Err(failure) = result {
		panic!("{failure}");
	}
	for (index, name) in ATTACKS.iter().enumerate() {
		let (tried, taken) =
			(TRIED[index].load(Ordering::Relaxed), TAKEN[index].load(Ordering::Relaxed));
		println!("attack {name}: tried {tried}, taken as a call {taken}");
		if index != 1 {
			assert!(taken > 0, "attack {name} never got through: the campaign proves nothing");
		}
	}
	assert_eq!(TAKEN[1].load(Ordering::Relaxed), 0, "a one-unit escrow is always refused");
}
