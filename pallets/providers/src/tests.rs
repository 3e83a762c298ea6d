//! Scenarios of the provider registry, good and bad.

use crate::{
	mock::*, Attestations, Auditors, Error, Event, ProviderCount, Providers as ProviderMap,
};
use codec::{Decode, Encode};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use nubes_primitives::{
	traits::{BackedCapacity, CapacityAllocator, ReputationRecorder},
	Attribute, Attributes, Endpoint, ProviderFilter, ProviderStatus, Region, ResourcePrices,
	Resources,
};
use sp_runtime::{BuildStorage, DispatchError};

fn endpoint(url: &str) -> Endpoint {
	url.as_bytes().to_vec().try_into().unwrap()
}

fn region(name: &str) -> Region {
	name.as_bytes().to_vec().try_into().unwrap()
}

fn attrs(pairs: &[(&str, &str)]) -> Attributes {
	let list: Vec<Attribute> = pairs
		.iter()
		.map(|(k, v)| Attribute {
			key: k.as_bytes().to_vec().try_into().unwrap(),
			value: v.as_bytes().to_vec().try_into().unwrap(),
		})
		.collect();
	list.try_into().unwrap()
}

fn keys(names: &[&str]) -> crate::AttestedKeys {
	let list: Vec<_> = names.iter().map(|k| k.as_bytes().to_vec().try_into().unwrap()).collect();
	list.try_into().unwrap()
}

fn cap(cpu: u64, mem: u64) -> Resources {
	Resources { cpu_millicores: cpu, memory_mib: mem, storage_gib: 10, gpus: 0 }
}

fn prices() -> ResourcePrices<Balance> {
	ResourcePrices { per_cpu_millicore: 1, per_memory_mib: 2, per_storage_gib: 3, per_gpu: 4 }
}

pub(crate) fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Registers `who` with 2,000 millicores and 1,024 MiB (bond required: 4,024).
pub(crate) fn register(who: AccountId) {
	MockStake::set_bond(who, 10_000);
	assert_ok!(Providers::register(
		signed(who),
		endpoint("https://provider.example.com:8443"),
		region("eu-central"),
		attrs(&[("tier", "datacenter"), ("country", "DE")]),
		cap(2_000, 1_024),
		prices(),
	));
}

pub(crate) fn info(who: AccountId) -> nubes_primitives::ProviderInfo<Balance, u64> {
	crate::Pallet::<Test>::info(&who).expect("registered")
}

pub(crate) fn check_invariants() {
	assert_ok!(Providers::do_try_state());
}

fn register_with(
	who: AccountId,
	url: &str,
	region_name: &str,
	attributes: Attributes,
	capacity: Resources,
) -> sp_runtime::DispatchResult {
	Providers::register(
		signed(who),
		endpoint(url),
		region(region_name),
		attributes,
		capacity,
		prices(),
	)
}

#[test]
fn register_records_the_provider() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		let info = info(ALICE);
		assert_eq!(info.endpoint, endpoint("https://provider.example.com:8443"));
		assert_eq!(info.region, region("eu-central"));
		assert_eq!(info.attributes, attrs(&[("country", "DE"), ("tier", "datacenter")]), "sorted");
		assert_eq!(info.offered, cap(2_000, 1_024));
		assert_eq!(info.allocated, Resources::ZERO);
		assert_eq!(info.prices, prices());
		assert_eq!(info.status, ProviderStatus::Active);
		assert_eq!(info.reputation, Default::default());
		assert_eq!(info.registered_at, 1);
		assert_eq!(ProviderCount::<Test>::get(), 1);
		System::assert_last_event(
			Event::ProviderRegistered { provider: ALICE, capacity: cap(2_000, 1_024) }.into(),
		);
		check_invariants();
	});
}

#[test]
fn register_refuses_wrong_origin_and_duplicates() {
	new_test_ext().execute_with(|| {
		MockStake::set_bond(ALICE, 10_000);
		assert_noop!(
			Providers::register(
				RuntimeOrigin::none(),
				endpoint("https://a.example"),
				region("eu"),
				attrs(&[]),
				cap(1, 1),
				prices()
			),
			DispatchError::BadOrigin
		);
		register(ALICE);
		assert_noop!(
			register_with(ALICE, "https://a.example", "eu", attrs(&[]), cap(1, 1)),
			Error::<Test>::AlreadyRegistered
		);
		assert_eq!(ProviderCount::<Test>::get(), 1);
	});
}

#[test]
fn register_refuses_malformed_endpoints() {
	new_test_ext().execute_with(|| {
		MockStake::set_bond(ALICE, 10_000);
		let cases = [
			("ftp://a.example", Error::<Test>::EndpointBadScheme),
			("https://", Error::<Test>::EndpointMissingHost),
			("https://user@a.example", Error::<Test>::EndpointBadHost),
			("https://a.example:99999", Error::<Test>::EndpointBadPort),
			("https://a example", Error::<Test>::EndpointBadCharacter),
		];
		for (url, error) in cases {
			assert_noop!(register_with(ALICE, url, "eu", attrs(&[]), cap(1, 1)), error);
		}
		assert!(ProviderMap::<Test>::get(ALICE).is_none());
	});
}

#[test]
fn register_refuses_malformed_regions_and_attributes() {
	new_test_ext().execute_with(|| {
		MockStake::set_bond(ALICE, 10_000);
		let url = "https://a.example";
		assert_noop!(
			register_with(ALICE, url, "", attrs(&[]), cap(1, 1)),
			Error::<Test>::EmptyRegion
		);
		assert_noop!(
			register_with(ALICE, url, "EU", attrs(&[]), cap(1, 1)),
			Error::<Test>::BadRegion
		);
		let cases = [
			(attrs(&[("", "x")]), Error::<Test>::EmptyAttributeKey),
			(attrs(&[("Tier", "x")]), Error::<Test>::BadAttributeKey),
			(attrs(&[("tier", "")]), Error::<Test>::EmptyAttributeValue),
			(attrs(&[("tier", "data center")]), Error::<Test>::BadAttributeValue),
			(attrs(&[("tier", "a"), ("tier", "b")]), Error::<Test>::DuplicateAttribute),
		];
		for (attributes, error) in cases {
			assert_noop!(register_with(ALICE, url, "eu", attributes, cap(1, 1)), error);
		}
	});
}

#[test]
fn oversized_endpoint_or_attributes_do_not_even_decode() {
	new_test_ext().execute_with(|| {
		let good = RuntimeCall::Providers(crate::Call::register {
			endpoint: endpoint("https://a.example"),
			region: region("eu"),
			attributes: attrs(&[("tier", "x")]),
			capacity: cap(1, 1),
			prices: prices(),
		})
		.encode();
		assert!(RuntimeCall::decode(&mut &good[..]).is_ok());

		let encode_call = |url: Vec<u8>, attributes: Vec<(Vec<u8>, Vec<u8>)>| {
			let mut bytes = vec![1u8, 0u8]; // Providers (index 1), register (index 0)
			url.encode_to(&mut bytes);
			b"eu".to_vec().encode_to(&mut bytes);
			attributes.encode_to(&mut bytes);
			cap(1, 1).encode_to(&mut bytes);
			prices().encode_to(&mut bytes);
			bytes
		};
		let mut long_url = b"https://".to_vec();
		long_url.resize(257, b'a');
		assert!(RuntimeCall::decode(&mut &encode_call(long_url, vec![])[..]).is_err());
		let many: Vec<_> =
			(0..33u8).map(|i| (vec![b'a' + i % 26, b'0' + i / 26], b"v".to_vec())).collect();
		assert!(RuntimeCall::decode(&mut &encode_call(b"https://a".to_vec(), many)[..]).is_err());
		let long_value = vec![(b"k".to_vec(), vec![b'v'; 129])];
		assert!(
			RuntimeCall::decode(&mut &encode_call(b"https://a".to_vec(), long_value)[..]).is_err()
		);
	});
}

#[test]
fn register_requires_capacity_and_a_covering_bond() {
	new_test_ext().execute_with(|| {
		let url = "https://a.example";
		MockStake::set_bond(ALICE, 4_023);
		assert_noop!(
			register_with(ALICE, url, "eu", attrs(&[]), Resources::ZERO),
			Error::<Test>::ZeroCapacity
		);
		assert_noop!(
			register_with(ALICE, url, "eu", attrs(&[]), cap(2_000, 1_024)),
			Error::<Test>::InsufficientBond
		);
		let overflowing = Resources { gpus: 4, ..cap(1, 1) };
		assert_noop!(
			register_with(ALICE, url, "eu", attrs(&[]), overflowing),
			Error::<Test>::Overflow
		);
		MockStake::set_bond(ALICE, 4_024);
		assert_ok!(register_with(ALICE, url, "eu", attrs(&[]), cap(2_000, 1_024)));
		check_invariants();
	});
}

#[test]
fn updates_change_the_record_and_emit_events() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(Providers::update_endpoint(signed(ALICE), endpoint("http://10.0.0.1:9000")));
		System::assert_last_event(
			Event::EndpointUpdated { provider: ALICE, endpoint: endpoint("http://10.0.0.1:9000") }
				.into(),
		);
		let new_prices = ResourcePrices { per_gpu: 99, ..prices() };
		assert_ok!(Providers::update_prices(signed(ALICE), new_prices));
		System::assert_last_event(
			Event::PricesUpdated { provider: ALICE, prices: new_prices }.into(),
		);
		assert_ok!(Providers::update_attributes(signed(ALICE), attrs(&[("gpu.model", "a100")])));
		System::assert_last_event(
			Event::AttributesUpdated {
				provider: ALICE,
				attributes: attrs(&[("gpu.model", "a100")]),
			}
			.into(),
		);
		assert_ok!(Providers::update_capacity(signed(ALICE), cap(4_000, 2_048)));
		System::assert_last_event(
			Event::CapacityUpdated { provider: ALICE, capacity: cap(4_000, 2_048) }.into(),
		);
		let info = info(ALICE);
		assert_eq!(info.endpoint, endpoint("http://10.0.0.1:9000"));
		assert_eq!(info.prices, new_prices);
		assert_eq!(info.attributes, attrs(&[("gpu.model", "a100")]));
		assert_eq!(info.offered, cap(4_000, 2_048));
		check_invariants();
	});
}

#[test]
fn updates_refuse_unknown_providers_and_bad_input() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Providers::update_endpoint(signed(BOB), endpoint("https://b.example")),
			Error::<Test>::UnknownProvider
		);
		assert_noop!(
			Providers::update_prices(signed(BOB), prices()),
			Error::<Test>::UnknownProvider
		);
		assert_noop!(
			Providers::update_attributes(signed(BOB), attrs(&[])),
			Error::<Test>::UnknownProvider
		);
		assert_noop!(
			Providers::update_capacity(signed(BOB), cap(1, 1)),
			Error::<Test>::UnknownProvider
		);
		register(ALICE);
		assert_noop!(
			Providers::update_endpoint(signed(ALICE), endpoint("gopher://a")),
			Error::<Test>::EndpointBadScheme
		);
		assert_noop!(
			Providers::update_attributes(signed(ALICE), attrs(&[("a", "1"), ("a", "2")])),
			Error::<Test>::DuplicateAttribute
		);
		assert_noop!(
			Providers::update_capacity(signed(ALICE), Resources::ZERO),
			Error::<Test>::ZeroCapacity
		);
		assert_noop!(
			Providers::update_capacity(signed(ALICE), cap(9_000, 1_024)),
			Error::<Test>::InsufficientBond
		);
		assert_noop!(
			Providers::update_endpoint(RuntimeOrigin::root(), endpoint("https://a")),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn capacity_never_goes_below_what_leases_hold() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(<Providers as CapacityAllocator<_>>::allocate(&ALICE, &cap(1_500, 512)));
		assert_noop!(
			Providers::update_capacity(signed(ALICE), cap(1_000, 1_024)),
			Error::<Test>::CapacityBelowAllocated
		);
		assert_ok!(Providers::update_capacity(signed(ALICE), cap(1_500, 512)));
		assert_eq!(
			<Providers as CapacityAllocator<_>>::free_capacity(&ALICE),
			Some(Resources::ZERO)
		);
		check_invariants();
	});
}

#[test]
fn allocation_is_exact_and_bounded_by_the_offer() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			<Providers as CapacityAllocator<_>>::allocate(&BOB, &cap(1, 1)),
			Error::<Test>::UnknownProvider
		);
		register(ALICE);
		assert_ok!(<Providers as CapacityAllocator<_>>::allocate(&ALICE, &cap(1_000, 1_000)));
		System::assert_last_event(
			Event::CapacityAllocated { provider: ALICE, resources: cap(1_000, 1_000) }.into(),
		);
		assert_noop!(
			<Providers as CapacityAllocator<_>>::allocate(&ALICE, &cap(1_001, 0)),
			Error::<Test>::InsufficientCapacity
		);
		let huge = Resources { cpu_millicores: u64::MAX, ..Resources::ZERO };
		assert_noop!(
			<Providers as CapacityAllocator<_>>::allocate(&ALICE, &huge),
			Error::<Test>::Overflow
		);
		assert_noop!(
			<Providers as CapacityAllocator<_>>::release(&ALICE, &cap(1_001, 0)),
			Error::<Test>::ReleaseExceedsAllocation
		);
		assert_ok!(<Providers as CapacityAllocator<_>>::release(&ALICE, &cap(1_000, 1_000)));
		System::assert_last_event(
			Event::CapacityReleased { provider: ALICE, resources: cap(1_000, 1_000) }.into(),
		);
		assert_eq!(info(ALICE).allocated, Resources::ZERO);
		assert_ok!(Providers::pause(signed(ALICE)));
		assert_noop!(
			<Providers as CapacityAllocator<_>>::allocate(&ALICE, &cap(1, 0)),
			Error::<Test>::NotActive
		);
		check_invariants();
	});
}

#[test]
fn pause_and_resume() {
	new_test_ext().execute_with(|| {
		assert_noop!(Providers::pause(signed(ALICE)), Error::<Test>::UnknownProvider);
		assert_noop!(Providers::resume(signed(ALICE)), Error::<Test>::UnknownProvider);
		register(ALICE);
		assert_noop!(Providers::resume(signed(ALICE)), Error::<Test>::NotPaused);
		assert_ok!(Providers::pause(signed(ALICE)));
		assert_eq!(info(ALICE).status, ProviderStatus::Paused);
		System::assert_last_event(Event::ProviderPaused { provider: ALICE }.into());
		assert_noop!(Providers::pause(signed(ALICE)), Error::<Test>::NotActive);
		// Resuming needs a covering bond.
		MockStake::set_bond(ALICE, 100);
		assert_noop!(Providers::resume(signed(ALICE)), Error::<Test>::InsufficientBond);
		MockStake::set_bond(ALICE, 10_000);
		assert_ok!(Providers::resume(signed(ALICE)));
		assert_eq!(info(ALICE).status, ProviderStatus::Active);
		System::assert_last_event(Event::ProviderResumed { provider: ALICE }.into());
		check_invariants();
	});
}

#[test]
fn leave_needs_no_leases_and_unbonds_everything() {
	new_test_ext().execute_with(|| {
		assert_noop!(Providers::leave(signed(ALICE)), Error::<Test>::UnknownProvider);
		register(ALICE);
		assert_ok!(<Providers as CapacityAllocator<_>>::allocate(&ALICE, &cap(1, 1)));
		assert_noop!(Providers::leave(signed(ALICE)), Error::<Test>::HasActiveLeases);
		assert_ok!(<Providers as CapacityAllocator<_>>::release(&ALICE, &cap(1, 1)));
		assert_ok!(Providers::leave(signed(ALICE)));
		assert_eq!(info(ALICE).status, ProviderStatus::Leaving);
		assert_eq!(MockStake::unbonding(ALICE), 10_000);
		System::assert_last_event(Event::ProviderLeaving { provider: ALICE }.into());
		assert_eq!(<Providers as BackedCapacity<_>>::capacity_to_back(&ALICE), Resources::ZERO);
		// A leaving provider changes nothing and cannot leave twice.
		assert_noop!(Providers::leave(signed(ALICE)), Error::<Test>::Leaving);
		assert_noop!(Providers::update_prices(signed(ALICE), prices()), Error::<Test>::Leaving);
		assert_noop!(Providers::pause(signed(ALICE)), Error::<Test>::Leaving);
		assert_noop!(
			<Providers as CapacityAllocator<_>>::allocate(&ALICE, &cap(1, 1)),
			Error::<Test>::NotActive
		);
		// Withdrawing the stake forgets it.
		<Providers as BackedCapacity<_>>::on_stake_withdrawn(&ALICE);
		assert!(ProviderMap::<Test>::get(ALICE).is_none());
		assert_eq!(ProviderCount::<Test>::get(), 0);
		System::assert_last_event(Event::ProviderRemoved { provider: ALICE }.into());
		check_invariants();
	});
}

#[test]
fn a_leaving_provider_can_come_back_with_a_new_bond() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(Providers::leave(signed(ALICE)));
		assert_noop!(Providers::resume(signed(ALICE)), Error::<Test>::InsufficientBond);
		MockStake::set_bond(ALICE, 5_000);
		assert_ok!(Providers::resume(signed(ALICE)));
		assert_eq!(info(ALICE).status, ProviderStatus::Active);
		// An active provider is not forgotten when old unbonding chunks are withdrawn.
		<Providers as BackedCapacity<_>>::on_stake_withdrawn(&ALICE);
		assert!(ProviderMap::<Test>::get(ALICE).is_some());
		check_invariants();
	});
}

#[test]
fn leaving_without_any_stake_removes_the_record_at_once() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		MockStake::set_bond(ALICE, 0);
		assert_ok!(Providers::leave(signed(ALICE)));
		assert!(ProviderMap::<Test>::get(ALICE).is_none());
		System::assert_has_event(Event::ProviderLeaving { provider: ALICE }.into());
		System::assert_last_event(Event::ProviderRemoved { provider: ALICE }.into());
		check_invariants();
	});
}

#[test]
fn a_slash_that_leaves_the_bond_short_pauses_the_provider() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		<Providers as BackedCapacity<_>>::on_slashed(&ALICE);
		assert_eq!(info(ALICE).status, ProviderStatus::Active, "still covered");
		MockStake::set_bond(ALICE, 4_000);
		<Providers as BackedCapacity<_>>::on_slashed(&ALICE);
		assert_eq!(info(ALICE).status, ProviderStatus::Paused);
		System::assert_last_event(Event::ProviderUnderbonded { provider: ALICE }.into());
		check_invariants();
	});
}

#[test]
fn auditors_are_managed_by_root() {
	new_test_ext().execute_with(|| {
		assert_noop!(Providers::add_auditor(signed(ALICE), AUDITOR), DispatchError::BadOrigin);
		assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), AUDITOR));
		System::assert_last_event(Event::AuditorAdded { auditor: AUDITOR }.into());
		assert_noop!(
			Providers::add_auditor(RuntimeOrigin::root(), AUDITOR),
			Error::<Test>::AlreadyAuditor
		);
		for extra in [20, 21] {
			assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), extra));
		}
		assert_noop!(
			Providers::add_auditor(RuntimeOrigin::root(), 22),
			Error::<Test>::TooManyAuditors
		);
		assert_eq!(Auditors::<Test>::get().len() as u32, MAX_AUDITORS);
		assert_noop!(Providers::remove_auditor(signed(ALICE), AUDITOR), DispatchError::BadOrigin);
		assert_noop!(
			Providers::remove_auditor(RuntimeOrigin::root(), BOB),
			Error::<Test>::NotAuditor
		);
		assert_ok!(Providers::remove_auditor(RuntimeOrigin::root(), AUDITOR));
		System::assert_last_event(Event::AuditorRemoved { auditor: AUDITOR }.into());
		assert_eq!(Auditors::<Test>::get().to_vec(), vec![20, 21]);
	});
}

#[test]
fn auditors_attest_declared_attributes() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_noop!(
			Providers::attest(signed(AUDITOR), ALICE, keys(&["tier"])),
			Error::<Test>::NotAuditor
		);
		assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), AUDITOR));
		assert_noop!(
			Providers::attest(signed(AUDITOR), BOB, keys(&["tier"])),
			Error::<Test>::UnknownProvider
		);
		assert_noop!(
			Providers::attest(signed(AUDITOR), ALICE, keys(&[])),
			Error::<Test>::NothingToAttest
		);
		assert_noop!(
			Providers::attest(signed(AUDITOR), ALICE, keys(&["gpu.model"])),
			Error::<Test>::UnknownAttribute
		);
		assert_ok!(Providers::attest(signed(AUDITOR), ALICE, keys(&["tier", "country", "tier"])));
		System::assert_last_event(
			Event::AttributesAttested {
				provider: ALICE,
				auditor: AUDITOR,
				keys: keys(&["country", "tier"]),
			}
			.into(),
		);
		assert!(Providers::is_attested(&ALICE, &AUDITOR, b"tier"));
		assert!(Providers::is_attested(&ALICE, &AUDITOR, b"country"));
		assert!(!Providers::is_attested(&ALICE, &AUDITOR_2, b"tier"));
		// Stored as bits over the sorted attributes: `country` is bit 0, `tier` bit 1.
		assert_eq!(Attestations::<Test>::get(ALICE)[0].attested, 0b11);
		check_invariants();
	});
}

#[test]
fn changing_an_attribute_revokes_only_its_attestation() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), AUDITOR));
		assert_ok!(Providers::attest(signed(AUDITOR), ALICE, keys(&["tier", "country"])));
		assert_ok!(Providers::update_attributes(
			signed(ALICE),
			attrs(&[("tier", "datacenter"), ("country", "FR"), ("gpu.model", "a100")])
		));
		System::assert_has_event(
			Event::AttestationsLapsed { provider: ALICE, keys: keys(&["country"]) }.into(),
		);
		// `tier` moved from index 1 to 2 (`gpu.model` sorts before it); its attestation moved too.
		assert!(Providers::is_attested(&ALICE, &AUDITOR, b"tier"));
		assert_eq!(Attestations::<Test>::get(ALICE)[0].attested, 0b100);
		assert!(!Providers::is_attested(&ALICE, &AUDITOR, b"country"));
		assert!(!Providers::is_attested(&ALICE, &AUDITOR, b"gpu.model"));
		// Dropping the last attested attribute removes the attestation.
		assert_ok!(Providers::update_attributes(signed(ALICE), attrs(&[("country", "FR")])));
		assert!(Attestations::<Test>::get(ALICE).is_empty());
		check_invariants();
	});
}

#[test]
fn revoking_and_removed_auditors() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), AUDITOR));
		assert_ok!(Providers::add_auditor(RuntimeOrigin::root(), AUDITOR_2));
		assert_noop!(
			Providers::revoke_attestation(signed(AUDITOR), ALICE),
			Error::<Test>::NoAttestation
		);
		assert_ok!(Providers::attest(signed(AUDITOR), ALICE, keys(&["tier"])));
		assert_ok!(Providers::attest(signed(AUDITOR_2), ALICE, keys(&["tier"])));
		assert_ok!(Providers::revoke_attestation(signed(AUDITOR), ALICE));
		System::assert_last_event(
			Event::AttestationRevoked { provider: ALICE, auditor: AUDITOR, keys: keys(&["tier"]) }
				.into(),
		);
		assert!(!Providers::is_attested(&ALICE, &AUDITOR, b"tier"));
		// A removed auditor's attestation stops counting at once.
		assert_ok!(Providers::remove_auditor(RuntimeOrigin::root(), AUDITOR_2));
		assert!(!Providers::is_attested(&ALICE, &AUDITOR_2, b"tier"));
		check_invariants();
	});
}

#[test]
fn reputation_counts_faults_and_served_epochs() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		<Providers as ReputationRecorder<_>>::record_fault(&ALICE);
		<Providers as ReputationRecorder<_>>::record_fault(&ALICE);
		assert_eq!(info(ALICE).reputation.consecutive_faults, 2);
		<Providers as ReputationRecorder<_>>::record_served(&ALICE);
		let reputation = info(ALICE).reputation;
		assert_eq!(
			(reputation.faults, reputation.consecutive_faults, reputation.epochs_served),
			(2, 0, 1)
		);
		System::assert_last_event(Event::ReputationUpdated { provider: ALICE, reputation }.into());
		// Unknown accounts are ignored.
		<Providers as ReputationRecorder<_>>::record_fault(&BOB);
		assert!(ProviderMap::<Test>::get(BOB).is_none());
	});
}

#[test]
fn listing_filters_and_pages() {
	new_test_ext().execute_with(|| {
		for who in 1..=5u64 {
			MockStake::set_bond(who, 100_000);
			let (region_name, tier) =
				if who % 2 == 0 { ("us-east", "edge") } else { ("eu-central", "datacenter") };
			assert_ok!(register_with(
				who,
				"https://p.example",
				region_name,
				attrs(&[("tier", tier)]),
				cap(1_000 * who, 1_024),
			));
		}
		let all = Providers::providers_page(&ProviderFilter::default(), None, 100);
		assert_eq!(all.providers.len(), 5);
		assert_eq!(all.next, None);

		// Two pages of two, then the last one.
		let mut seen = vec![];
		let mut cursor = None;
		loop {
			let page = Providers::providers_page(&ProviderFilter::default(), cursor, 2);
			assert!(page.providers.len() <= 2);
			seen.extend(page.providers.iter().map(|(who, _)| *who));
			match page.next {
				Some(next) => cursor = Some(next),
				None => break,
			}
		}
		seen.sort();
		assert_eq!(seen, vec![1, 2, 3, 4, 5]);

		let filter = ProviderFilter {
			min_free: Some(cap(3_000, 0)),
			regions: vec![b"eu-central".to_vec()],
			attributes: vec![(b"tier".to_vec(), b"datacenter".to_vec())],
			status: Some(ProviderStatus::Active),
		};
		let mut found: Vec<u64> = Providers::providers_page(&filter, None, 100)
			.providers
			.iter()
			.map(|(w, _)| *w)
			.collect();
		found.sort();
		assert_eq!(found, vec![3, 5]);
		assert_ok!(Providers::pause(signed(5)));
		let found: Vec<u64> = Providers::providers_page(&filter, None, 100)
			.providers
			.iter()
			.map(|(w, _)| *w)
			.collect();
		assert_eq!(found, vec![3]);
	});
}

/// The attributes live apart from the record that leasing reads and writes: written with
/// the record, replaced by an update, dropped (no entry) when emptied and when the provider goes.
#[test]
fn attributes_are_kept_apart_from_the_record() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		assert_eq!(
			crate::ProviderAttributes::<Test>::get(ALICE),
			attrs(&[("country", "DE"), ("tier", "datacenter")])
		);
		let allocated =
			<crate::Pallet<Test> as nubes_primitives::traits::ProviderInspect<_, _, _>>::record(
				&ALICE,
			)
			.expect("the record");
		assert_eq!(allocated.offered, info(ALICE).offered);
		assert_ok!(Providers::update_attributes(signed(ALICE), attrs(&[("gpu.model", "h100")])));
		assert_eq!(crate::ProviderAttributes::<Test>::get(ALICE), attrs(&[("gpu.model", "h100")]));
		assert_ok!(Providers::update_attributes(signed(ALICE), attrs(&[])));
		assert!(!crate::ProviderAttributes::<Test>::contains_key(ALICE), "no entry for none");
		assert_eq!(info(ALICE).attributes, attrs(&[]));
		check_invariants();
		// An attribute list left behind by a record that went is caught.
		crate::ProviderAttributes::<Test>::insert(BOB, attrs(&[("tier", "dev")]));
		assert!(Providers::do_try_state().is_err());
	});
}

#[test]
fn try_state_catches_over_allocation() {
	new_test_ext().execute_with(|| {
		register(ALICE);
		ProviderMap::<Test>::mutate(ALICE, |info| {
			if let Some(info) = info {
				info.allocated = cap(9_999, 0);
			}
		});
		assert!(Providers::do_try_state().is_err());
	});
}

#[test]
fn genesis_registers_providers_and_auditors() {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	MockStake::set_bond(ALICE, 100_000);
	crate::GenesisConfig::<Test> {
		providers: vec![crate::GenesisProvider {
			account: ALICE,
			endpoint: "http://127.0.0.1:8800".into(),
			region: "local".into(),
			attributes: vec![("tier".into(), "dev".into())],
			capacity: cap(4_000, 8_192),
			prices: prices(),
		}],
		auditors: vec![AUDITOR],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(info(ALICE).offered, cap(4_000, 8_192));
		assert_eq!(info(ALICE).attributes, attrs(&[("tier", "dev")]));
		assert_eq!(Auditors::<Test>::get().to_vec(), vec![AUDITOR]);
		check_invariants();
	});
}

#[test]
fn bounded_vec_types_match_the_protocol_bounds() {
	let too_long: Result<Endpoint, _> = BoundedVec::try_from(vec![b'a'; 257]);
	assert!(too_long.is_err());
}

mod slots {
	use super::*;
	use crate::{Pallet, SlotCount, SlotOf, Slots, VacantSlots};
	use nubes_primitives::traits::{Compaction, ProviderDirectory};

	fn at(slot: u32) -> Option<AccountId> {
		<Providers as ProviderDirectory<_>>::at_slot(slot).map(|p| p.account)
	}

	#[test]
	fn every_provider_holds_one_slot_and_slots_move_only_when_compacted() {
		new_test_ext().execute_with(|| {
			for who in 1..=5 {
				register(who);
			}
			assert_eq!(SlotCount::<Test>::get(), 5);
			assert_eq!((0..5).map(at).collect::<Vec<_>>(), (1..=5).map(Some).collect::<Vec<_>>());

			// Two records go: their slots stay, vacant; nobody else moves.
			Pallet::<Test>::remove_provider(&2);
			Pallet::<Test>::remove_provider(&5);
			assert_eq!(SlotCount::<Test>::get(), 5);
			assert_eq!(at(1), None);
			assert_eq!(at(4), None);
			assert_eq!(SlotOf::<Test>::get(3), Some(2));
			Pallet::<Test>::do_try_state().unwrap();

			// A newcomer takes the next slot, never a vacant one before compaction.
			register(6);
			assert_eq!(SlotOf::<Test>::get(6), Some(5));

			// Compaction: the last slot (6's) moves into a vacancy, then the vacant last pops.
			let first = Pallet::<Test>::compact_one();
			let Compaction::Moved { who: 6, from: 5, to } = first else { panic!("{first:?}") };
			assert!(to == 1 || to == 4);
			assert_eq!(SlotOf::<Test>::get(6), Some(to));
			Pallet::<Test>::do_try_state().unwrap();
			let mut steps = vec![];
			loop {
				match Pallet::<Test>::compact_one() {
					Compaction::Done => break,
					step => steps.push(step),
				}
			}
			// Left: slots 0..4 held by 1, 3, 4, 6 in some order, none vacant.
			assert_eq!(SlotCount::<Test>::get(), 4);
			assert_eq!(VacantSlots::<Test>::iter().count(), 0);
			let mut held: Vec<_> = (0..4).filter_map(at).collect();
			held.sort();
			assert_eq!(held, vec![1, 3, 4, 6]);
			assert!(Slots::<Test>::iter_keys().all(|slot| slot < 4));
			assert!(steps.len() <= 2, "{steps:?}");
			Pallet::<Test>::do_try_state().unwrap();
		});
	}

	#[test]
	fn a_provider_that_comes_back_is_not_found_at_its_old_slot() {
		new_test_ext().execute_with(|| {
			register(1);
			register(2);
			Pallet::<Test>::remove_provider(&1);
			register(1);
			// Slot 0 still names 1, but 1 holds slot 2 now: slot 0 is vacant, not a second 1.
			assert_eq!(Slots::<Test>::get(0), Some(1));
			assert_eq!(at(0), None);
			assert_eq!(at(2), Some(1));
			Pallet::<Test>::do_try_state().unwrap();
			assert_eq!(Pallet::<Test>::compact_one(), Compaction::Moved { who: 1, from: 2, to: 0 });
			assert_eq!(at(0), Some(1));
			assert_eq!(Pallet::<Test>::compact_one(), Compaction::Done);
			Pallet::<Test>::do_try_state().unwrap();
		});
	}

	#[test]
	fn compacting_an_empty_or_dense_index_does_nothing() {
		new_test_ext().execute_with(|| {
			assert_eq!(Pallet::<Test>::compact_one(), Compaction::Done);
			register(1);
			assert_eq!(Pallet::<Test>::compact_one(), Compaction::Done);
			Pallet::<Test>::remove_provider(&1);
			assert_eq!(Pallet::<Test>::compact_one(), Compaction::Popped);
			assert_eq!(SlotCount::<Test>::get(), 0);
			Pallet::<Test>::do_try_state().unwrap();
		});
	}
}
