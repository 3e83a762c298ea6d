//! The deal lifecycle: opening, holding, losing and replacing holders, funding, closing and
//! lapsing, and every refusal.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use nubes_primitives::{storage::CHUNK_BYTES, CloseReason, DealId, LeaseId};

/// Content of four chunks: one chunk in each of four data shards, one GiB reserved per holder.
pub const SIZE: u64 = 4 * CHUNK_BYTES;
/// A holder's rate: one GiB at `PER_GIB`.
pub const RATE: Balance = PER_GIB;
pub const ESCROW: Balance = 10_000;
pub const RESERVE: Balance = 20_000;
pub const DEPOSIT: Balance = DEAL_DEPOSIT_BASE + 6 * DEAL_DEPOSIT_PER_SHARD;

/// Two holders in each region, none of them the third provider of its region.
pub fn holders() -> [AccountId; 6] {
	[EU[0], EU[1], US[0], US[1], AP[0], AP[1]]
}

pub fn roots(n: u8) -> BoundedVec<Root, <Test as Config>::MaxShards> {
	(0..n).map(|i| [i + 1; 32]).collect::<Vec<_>>().try_into().unwrap()
}

pub fn accounts(list: &[AccountId]) -> BoundedVec<AccountId, <Test as Config>::MaxShards> {
	list.to_vec().try_into().unwrap()
}

/// Opens a 4 + 2 deal on `holders`, open-ended.
pub fn create(holders: [AccountId; 6]) -> DealId {
	create_with(holders, None, ESCROW, RESERVE)
}

pub fn create_with(
	holders: [AccountId; 6],
	duration: Option<u64>,
	escrow: Balance,
	reserve: Balance,
) -> DealId {
	let id = NextDealId::<Test>::get();
	assert_ok!(StorageDeals::create_deal(
		RuntimeOrigin::signed(TENANT),
		[7; 32],
		SIZE,
		4,
		2,
		roots(6),
		accounts(&holders),
		RATE,
		duration,
		escrow,
		reserve,
	));
	check_state();
	id
}

/// The lease holding `shard` of `deal`.
pub fn lease_of(deal: DealId, shard: u8) -> Option<LeaseId> {
	Deals::<Test>::get(deal)?.shards[usize::from(shard)].holder.as_ref().map(|h| h.lease)
}

/// The provider holding `shard` of `deal`.
pub fn holder_of(deal: DealId, shard: u8) -> Option<AccountId> {
	Deals::<Test>::get(deal)?.shards[usize::from(shard)].holder.as_ref().map(|h| h.provider)
}

/// Every holder of `deal` confirms it holds its shard.
pub fn confirm_all(deal: DealId) {
	for shard in 0..6 {
		if let (Some(provider), Some(lease)) = (holder_of(deal, shard), lease_of(deal, shard)) {
			assert_ok!(Market::confirm_lease(RuntimeOrigin::signed(provider), lease));
		}
	}
}

/// Runs block by block, up to `last`, until `shard` of `deal` has a holder; returns it.
pub fn first_holder_by(deal: DealId, shard: u8, last: u64) -> Option<AccountId> {
	while holder_of(deal, shard).is_none() && System::block_number() < last {
		run_to_block(System::block_number() + 1);
	}
	holder_of(deal, shard)
}

pub fn reserve_held() -> Balance {
	Balances::balance_on_hold(&HoldReason::DealReserve.into(), &TENANT)
}

pub fn deposit_held() -> Balance {
	Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &TENANT)
}

/// Everything `who` owns, free and held.
pub fn wealth(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

pub fn deal_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::StorageDeals(event) => Some(event),
			_ => None,
		})
		.collect()
}

#[test]
fn a_deal_places_one_shard_on_each_holder() {
	new_test_ext().execute_with(|| {
		let free_before = Balances::free_balance(TENANT);
		let deal = create(holders());
		let record = Deals::<Test>::get(deal).unwrap();
		assert_eq!((record.data, record.parity, record.shard_gib), (4, 2, 1));
		// A reader finds the deal from its root alone.
		assert_eq!(DealsByRoot::<Test>::iter_key_prefix([7; 32]).collect::<Vec<_>>(), vec![deal]);
		assert_eq!((record.reserve, record.deposit), (RESERVE, DEPOSIT));
		for (shard, provider) in holders().into_iter().enumerate() {
			let lease = lease_of(deal, shard as u8).unwrap();
			let market = pallet_market::Leases::<Test>::get(lease).unwrap();
			assert_eq!((market.tenant, market.provider, market.rate), (TENANT, provider, RATE));
			// The lease binds the shard's root: what the provider must hold.
			assert_eq!(market.manifest_hash, [shard as u8 + 1; 32]);
			assert_eq!(market.resources.storage_gib, 1);
			// A holder has longer than a workload to confirm: it seals its shard first.
			assert_eq!(
				market.state,
				pallet_market::LeaseState::Pending { deadline: 1 + HOLDER_START_TIMEOUT }
			);
			assert_eq!(ShardOf::<Test>::get(lease), Some((deal, shard as u8)));
			let info = pallet_providers::Providers::<Test>::get(provider).unwrap();
			assert_eq!(info.allocated.storage_gib, 1);
			System::assert_has_event(
				Event::<Test>::HolderAssigned { deal, shard: shard as u8, provider, lease }.into(),
			);
		}
		System::assert_has_event(
			Event::<Test>::DealCreated {
				deal,
				tenant: TENANT,
				root: [7; 32],
				size: SIZE,
				data: 4,
				parity: 2,
				shard_gib: 1,
			}
			.into(),
		);
		assert_eq!((reserve_held(), deposit_held()), (RESERVE, DEPOSIT));
		assert_eq!(
			Balances::free_balance(TENANT),
			free_before - RESERVE - DEPOSIT - 6 * (ESCROW + LEASE_DEPOSIT)
		);
	});
}

#[test]
fn create_deal_refuses_bad_terms() {
	new_test_ext().execute_with(|| {
		let call = |size: u64,
		            data: u8,
		            parity: u8,
		            shard_roots: BoundedVec<Root, _>,
		            holders: BoundedVec<AccountId, _>,
		            max_rate: Balance,
		            escrow: Balance| {
			StorageDeals::create_deal(
				RuntimeOrigin::signed(TENANT),
				[7; 32],
				size,
				data,
				parity,
				shard_roots,
				holders,
				max_rate,
				None,
				escrow,
				RESERVE,
			)
		};
		let six = accounts(&holders());
		assert_noop!(
			call(0, 4, 2, roots(6), six.clone(), RATE, ESCROW),
			Error::<Test>::EmptyContent
		);
		assert_noop!(
			call((16 << 30) + 1, 4, 2, roots(6), six.clone(), RATE, ESCROW),
			Error::<Test>::ContentTooLarge
		);
		assert_noop!(
			call(SIZE, 6, 0, roots(6), six.clone(), RATE, ESCROW),
			Error::<Test>::BadErasure
		);
		assert_noop!(
			call(SIZE, 0, 6, roots(6), six.clone(), RATE, ESCROW),
			Error::<Test>::BadErasure
		);
		assert_noop!(
			call(SIZE, 7, 2, roots(8), accounts(&[10, 11, 12, 20, 21, 22, 30, 31]), RATE, ESCROW),
			Error::<Test>::BadErasure
		);
		assert_noop!(
			call(SIZE, 4, 2, roots(5), six.clone(), RATE, ESCROW),
			Error::<Test>::ShardCountMismatch
		);
		assert_noop!(
			call(SIZE, 4, 2, roots(6), accounts(&[10, 11, 20, 21, 30, 10]), RATE, ESCROW),
			Error::<Test>::DuplicateHolder
		);
		assert_noop!(
			call(SIZE, 4, 2, roots(6), accounts(&[10, 11, 12, 20, 21, 30]), RATE, ESCROW),
			Error::<Test>::RegionOverloaded
		);
		assert_noop!(
			call(SIZE, 4, 2, roots(6), accounts(&[10, 11, 20, 21, 30, STRANGER]), RATE, ESCROW),
			Error::<Test>::UnknownProvider
		);
		// The market's own rules hold for every holder.
		assert_noop!(
			call(SIZE, 4, 2, roots(6), six.clone(), RATE - 1, ESCROW),
			pallet_market::Error::<Test>::PriceTooHigh
		);
		assert_noop!(
			call(SIZE, 4, 2, roots(6), six.clone(), RATE, MIN_ESCROW - 1),
			pallet_market::Error::<Test>::EscrowTooLow
		);
		// 16 GiB over 3 data shards is 6 GiB a holder: more than any provider offers.
		assert_noop!(
			call(16 << 30, 3, 3, roots(6), six.clone(), 6 * RATE, ESCROW),
			pallet_market::Error::<Test>::InsufficientCapacity
		);
		assert_noop!(
			StorageDeals::create_deal(
				RuntimeOrigin::signed(STRANGER),
				[7; 32],
				SIZE,
				4,
				2,
				roots(6),
				six,
				RATE,
				None,
				INITIAL,
				0,
			),
			pallet_payments::Error::<Test>::InsufficientBalance
		);
		assert!(Deals::<Test>::iter().next().is_none());
	});
}

#[test]
fn a_lost_holder_is_replaced_from_the_reserve() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		confirm_all(deal);
		run_to_block(11);
		let lost = lease_of(deal, 0).unwrap();
		// Ten blocks served at `RATE`: the rest of the escrow goes back, into the reserve.
		let refund = ESCROW - 10 * RATE;
		assert_ok!(Market::close_lease(RuntimeOrigin::signed(EU[0]), lost));
		System::assert_has_event(
			Event::<Test>::HolderLost {
				deal,
				shard: 0,
				provider: EU[0],
				reason: CloseReason::ProviderClosed,
			}
			.into(),
		);
		assert!(Vacancies::<Test>::contains_key(deal, 0));
		assert_eq!(Deals::<Test>::get(deal).unwrap().reserve, RESERVE + refund);
		check_state();
		// Four slots a visit: the next blocks find a new holder.
		let new = first_holder_by(deal, 0, 14).expect("a new holder");
		assert!(![EU[0], EU[1], US[0], US[1], AP[0], AP[1]].contains(&new));
		assert!([EU[2], US[2], AP[2]].contains(&new));
		assert!(!Vacancies::<Test>::contains_key(deal, 0));
		let lease = lease_of(deal, 0).unwrap();
		let market = pallet_market::Leases::<Test>::get(lease).unwrap();
		assert_eq!((market.tenant, market.manifest_hash), (TENANT, [1; 32]));
		assert_eq!(pallet_payments::Escrows::<Test>::get(lease).unwrap().balance, ESCROW);
		assert_eq!(Deals::<Test>::get(deal).unwrap().reserve, RESERVE + refund - ESCROW);
		assert_eq!(reserve_held(), RESERVE + refund - ESCROW);
	});
}

#[test]
fn a_holder_that_never_confirms_is_replaced_once_the_others_hold_theirs() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		for shard in 1..6 {
			let (provider, lease) =
				(holder_of(deal, shard).unwrap(), lease_of(deal, shard).unwrap());
			assert_ok!(Market::confirm_lease(RuntimeOrigin::signed(provider), lease));
		}
		run_to_block(1 + HOLDER_START_TIMEOUT);
		assert!(Vacancies::<Test>::contains_key(deal, 0));
		System::assert_has_event(
			Event::<Test>::HolderLost {
				deal,
				shard: 0,
				provider: EU[0],
				reason: CloseReason::StartTimeout,
			}
			.into(),
		);
		let new = first_holder_by(deal, 0, 10 + HOLDER_START_TIMEOUT).expect("a new holder");
		assert!([EU[2], US[2], AP[2]].contains(&new));
	});
}

#[test]
fn no_holder_is_sought_while_too_few_hold_their_shards() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		// Only three of the four needed to rebuild a shard confirm.
		for shard in 0..3 {
			let (provider, lease) =
				(holder_of(deal, shard).unwrap(), lease_of(deal, shard).unwrap());
			assert_ok!(Market::confirm_lease(RuntimeOrigin::signed(provider), lease));
		}
		run_to_block(30);
		assert_eq!(Vacancies::<Test>::iter_prefix(deal).count(), 3);
		let assigned = deal_events()
			.into_iter()
			.filter(|event| matches!(event, Event::HolderAssigned { .. }))
			.count();
		assert_eq!(assigned, 6, "no replacement was opened");
		// The tenant can always take its money back.
		assert_ok!(StorageDeals::close_deal(RuntimeOrigin::signed(TENANT), deal));
		assert_eq!((reserve_held(), deposit_held()), (0, 0));
		assert_eq!(Vacancies::<Test>::iter().count(), 0);
	});
}

#[test]
fn an_unfunded_repair_waits_for_the_tenant() {
	new_test_ext().execute_with(|| {
		let deal = create_with(holders(), None, MIN_ESCROW, 0);
		confirm_all(deal);
		// The tenant keeps five holders funded; the sixth runs out of escrow.
		for shard in 1..6 {
			assert_ok!(Market::top_up(
				RuntimeOrigin::signed(TENANT),
				lease_of(deal, shard).unwrap(),
				100_000
			));
		}
		run_to_block(1 + MIN_ESCROW as u64 / RATE as u64 + 3);
		System::assert_has_event(
			Event::<Test>::HolderLost {
				deal,
				shard: 0,
				provider: EU[0],
				reason: CloseReason::InsufficientFunds,
			}
			.into(),
		);
		let now = System::block_number();
		run_to_block(now + 3);
		assert!(holder_of(deal, 0).is_none());
		let unfunded = deal_events()
			.into_iter()
			.filter(
				|event| matches!(event, Event::RepairUnfunded { deal: d, shard: 0, .. } if *d == deal),
			)
			.count();
		assert_eq!(unfunded, 1, "said once");
		assert_ok!(StorageDeals::fund_deal(RuntimeOrigin::signed(TENANT), deal, MIN_ESCROW));
		System::assert_has_event(Event::<Test>::DealFunded { deal, amount: MIN_ESCROW }.into());
		run_to_block(now + 8);
		assert!(holder_of(deal, 0).is_some());
		assert_eq!(Deals::<Test>::get(deal).unwrap().reserve, 0);
	});
}

#[test]
fn a_replacement_never_breaks_the_region_rule() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		confirm_all(deal);
		// Only a third European provider could take the shard, and Europe already holds two.
		for who in [US[2], AP[2]] {
			assert_ok!(Providers::pause(RuntimeOrigin::signed(who)));
		}
		assert_ok!(Market::close_lease(RuntimeOrigin::signed(US[0]), lease_of(deal, 2).unwrap()));
		// Nine slots, four looked at a visit: every slot is seen within three visits.
		run_to_block(8);
		assert!(holder_of(deal, 2).is_none());
		System::assert_has_event(Event::<Test>::NoHolderFound { deal, shard: 2 }.into());
		// A third Asian provider would break the rule too; a third American one does not.
		assert_ok!(Providers::resume(RuntimeOrigin::signed(AP[2])));
		run_to_block(11);
		assert!(holder_of(deal, 2).is_none());
		assert_ok!(Providers::resume(RuntimeOrigin::signed(US[2])));
		assert_eq!(first_holder_by(deal, 2, 15), Some(US[2]));
	});
}

#[test]
fn closing_a_deal_releases_everything() {
	new_test_ext().execute_with(|| {
		let before = wealth(TENANT);
		let deal = create(holders());
		confirm_all(deal);
		run_to_block(4);
		assert_ok!(StorageDeals::close_deal(RuntimeOrigin::signed(TENANT), deal));
		System::assert_has_event(Event::<Test>::DealClosed { deal }.into());
		assert!(Deals::<Test>::get(deal).is_none());
		assert_eq!(ShardOf::<Test>::iter().count(), 0);
		assert_eq!(DealsByRoot::<Test>::iter().count(), 0);
		assert_eq!((reserve_held(), deposit_held()), (0, 0));
		// Three blocks served by six holders; nothing else spent.
		assert_eq!(wealth(TENANT), before - 6 * 3 * RATE);
		assert_eq!(Balances::free_balance(TENANT), before - 6 * 3 * RATE);
		for who in holders() {
			let info = pallet_providers::Providers::<Test>::get(who).unwrap();
			assert_eq!(info.allocated.storage_gib, 0);
		}
		// No holder is sought for a closed deal's shards.
		run_to_block(10);
		assert_eq!(Vacancies::<Test>::iter().count(), 0);
	});
}

#[test]
fn a_deal_ends_when_its_duration_runs_out() {
	new_test_ext().execute_with(|| {
		let before = wealth(TENANT);
		let deal = create_with(holders(), Some(10), ESCROW, RESERVE);
		confirm_all(deal);
		run_to_block(15);
		for shard in 0..6 {
			System::assert_has_event(Event::<Test>::ShardLapsed { deal, shard }.into());
		}
		System::assert_has_event(Event::<Test>::DealEnded { deal }.into());
		assert!(Deals::<Test>::get(deal).is_none());
		assert_eq!(DealsByRoot::<Test>::iter().count(), 0);
		assert_eq!((reserve_held(), deposit_held()), (0, 0));
		assert_eq!(wealth(TENANT), before - 6 * 10 * RATE);
	});
}

#[test]
fn only_the_tenant_funds_or_closes_its_deal() {
	new_test_ext().execute_with(|| {
		let deal = create(holders());
		assert_noop!(
			StorageDeals::fund_deal(RuntimeOrigin::signed(STRANGER), deal, 10),
			Error::<Test>::NotTenant
		);
		assert_noop!(
			StorageDeals::close_deal(RuntimeOrigin::signed(EU[0]), deal),
			Error::<Test>::NotTenant
		);
		assert_noop!(
			StorageDeals::fund_deal(RuntimeOrigin::signed(TENANT), deal, 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			StorageDeals::fund_deal(RuntimeOrigin::signed(TENANT), deal + 1, 10),
			Error::<Test>::UnknownDeal
		);
		assert_noop!(
			StorageDeals::fund_deal(RuntimeOrigin::signed(TENANT), deal, INITIAL),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			StorageDeals::close_deal(RuntimeOrigin::signed(TENANT), deal + 1),
			Error::<Test>::UnknownDeal
		);
	});
}
