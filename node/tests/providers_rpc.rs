//! On a dev node a provider bonds and registers through signed extrinsics, and the
//! `nubes_providers` / `nubes_provider` RPC methods list it with filters and pages.

mod common;

use std::time::Duration;

use common::{
	extrinsic_events, next_nonce, nubes_address, signed_extrinsic, start_dev_node,
	submit_and_finalize, succeeded,
};
use nubes_primitives::{Attribute, ResourcePrices, Resources};
use nubes_runtime::{RuntimeCall, UNIT};
use serde_json::json;
use sp_core::crypto::Ss58Codec;
use sp_keyring::Sr25519Keyring;

fn bytes<T: TryFrom<Vec<u8>>>(text: &str) -> T
where
	T::Error: std::fmt::Debug,
{
	T::try_from(text.as_bytes().to_vec()).expect("within bounds")
}

#[test]
fn a_registered_provider_is_listed_by_the_rpc() {
	let base = tempfile::tempdir().expect("temp dir");
	let node = start_dev_node(&base);
	node.wait_finalized(1, Duration::from_secs(120));

	let ferdie = Sr25519Keyring::Ferdie;
	let who = ferdie.to_account_id();
	let capacity =
		Resources { cpu_millicores: 4_000, memory_mib: 8_192, storage_gib: 100, gpus: 0 };

	let bond =
		RuntimeCall::ProviderStake(pallet_provider_stake::Call::bond { value: 1_000 * UNIT });
	let nonce = next_nonce(&node, &who);
	let inclusion = submit_and_finalize(&node, &signed_extrinsic(&node, ferdie, bond, nonce));
	assert!(succeeded(&extrinsic_events(&node, &inclusion)), "bond succeeded");

	let register = RuntimeCall::Providers(pallet_providers::Call::register {
		endpoint: bytes("http://127.0.0.1:8800"),
		region: bytes("local"),
		attributes: vec![Attribute { key: bytes("tier"), value: bytes("dev") }]
			.try_into()
			.expect("one attribute fits"),
		capacity,
		prices: ResourcePrices {
			per_cpu_millicore: 1_000,
			per_memory_mib: 100,
			per_storage_gib: 10,
			per_gpu: 0,
		},
	});
	let inclusion =
		submit_and_finalize(&node, &signed_extrinsic(&node, ferdie, register, nonce + 1));
	let events = extrinsic_events(&node, &inclusion);
	assert!(succeeded(&events), "register succeeded: {events:?}");

	let page = node.rpc("nubes_providers", json!([])).expect("nubes_providers answers");
	let providers = page["providers"].as_array().expect("a list");
	assert_eq!(providers.len(), 1, "{page}");
	let listed = &providers[0];
	assert_eq!(listed["account"], nubes_address(&who), "answers in Nubes addresses");
	assert_eq!(listed["endpoint"], "http://127.0.0.1:8800");
	assert_eq!(listed["region"], "local");
	assert_eq!(listed["attributes"]["tier"], "dev");
	assert_eq!(listed["status"], "Active");
	assert_eq!(listed["free"]["cpuMillicores"], 4_000);
	assert_eq!(listed["prices"]["perCpuMillicore"], "1000");
	assert_eq!(page["next"], serde_json::Value::Null);

	// Filters: enough free capacity and the right attribute match; anything else does not.
	let matching = json!([{ "minFree": { "cpuMillicores": 2000, "memoryMib": 0, "storageGib": 0, "gpus": 0 },
		"attributes": { "tier": "dev" }, "regions": ["local"], "status": "Active" }, null, 10]);
	let page = node.rpc("nubes_providers", matching).expect("filtered listing");
	assert_eq!(page["providers"].as_array().map(Vec::len), Some(1));
	for filter in [
		json!({ "minFree": { "cpuMillicores": 5000, "memoryMib": 0, "storageGib": 0, "gpus": 0 } }),
		json!({ "attributes": { "tier": "datacenter" } }),
		json!({ "regions": ["eu-central"] }),
		json!({ "status": "Paused" }),
	] {
		let page = node.rpc("nubes_providers", json!([filter])).expect("filtered listing");
		assert_eq!(page["providers"].as_array().map(Vec::len), Some(0), "{filter} matches nothing");
	}

	// Nubes addresses (prefix 4747) and generic ones (42) are both taken.
	let one = node.rpc("nubes_provider", json!([nubes_address(&who)])).expect("nubes_provider");
	assert_eq!(one["offered"]["memoryMib"], 8_192);
	let generic = node.rpc("nubes_provider", json!([who.to_ss58check()])).expect("generic");
	assert_eq!(generic, one);
	let next = node.rpc("system_accountNextIndex", json!([nubes_address(&who)]));
	assert_eq!(next, Ok(json!(nonce + 2)), "a dApp signing with Nubes addresses gets a nonce");
	let nobody = nubes_address(&Sr25519Keyring::Eve.to_account_id());
	assert_eq!(node.rpc("nubes_provider", json!([nobody])), Ok(serde_json::Value::Null));

	// Bad input is refused with a reason, not a crash.
	let bad = node.rpc("nubes_provider", json!(["not-an-account"])).expect_err("bad account");
	assert!(bad.contains("bad account"), "{bad}");
	let bad = node.rpc("nubes_providers", json!([{ "colour": "blue" }])).expect_err("bad filter");
	assert!(bad.contains("colour"), "{bad}");
}
