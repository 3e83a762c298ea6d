//! On a dev node a tenant finds a provider with `nubes_quote`, leases it directly in one block,
//! the provider confirms, and `nubes_leases` / `nubes_lease` show the lease and its escrow until
//! the tenant closes it.

mod common;

use std::time::Duration;

use common::{
	extrinsic_events, next_nonce, signed_extrinsic, start_dev_node, submit_and_finalize, succeeded,
	NodeProcess,
};
use nubes_primitives::{ResourcePrices, Resources};
use nubes_runtime::{RuntimeCall, RuntimeEvent, UNIT};
use serde_json::json;
use sp_keyring::Sr25519Keyring;

fn submit(node: &NodeProcess, signer: Sr25519Keyring, call: RuntimeCall) -> Vec<RuntimeEvent> {
	let nonce = next_nonce(node, &signer.to_account_id());
	let inclusion = submit_and_finalize(node, &signed_extrinsic(node, signer, call, nonce));
	let events = extrinsic_events(node, &inclusion);
	assert!(succeeded(&events), "{events:?}");
	events
}

#[test]
fn a_direct_lease_goes_through_quote_lease_confirm_and_close() {
	let base = tempfile::tempdir().expect("temp dir");
	let node = start_dev_node(&base);
	node.wait_finalized(1, Duration::from_secs(120));

	let provider = Sr25519Keyring::Ferdie;
	let tenant = Sr25519Keyring::Alice;
	submit(
		&node,
		provider,
		RuntimeCall::ProviderStake(pallet_provider_stake::Call::bond { value: 1_000 * UNIT }),
	);
	submit(
		&node,
		provider,
		RuntimeCall::Providers(pallet_providers::Call::register {
			endpoint: b"http://127.0.0.1:8800".to_vec().try_into().expect("fits"),
			region: b"local".to_vec().try_into().expect("fits"),
			attributes: Default::default(),
			capacity: Resources {
				cpu_millicores: 4_000,
				memory_mib: 8_192,
				storage_gib: 100,
				gpus: 0,
			},
			prices: ResourcePrices {
				per_cpu_millicore: 1_000,
				per_memory_mib: 100,
				per_storage_gib: 0,
				per_gpu: 0,
			},
		}),
	);

	let spec = Resources { cpu_millicores: 1_000, memory_mib: 1_024, storage_gib: 1, gpus: 0 };
	let quotes = node
		.rpc(
			"nubes_quote",
			json!([{ "cpuMillicores": 1000, "memoryMib": 1024, "storageGib": 1, "gpus": 0 }]),
		)
		.expect("nubes_quote answers");
	assert_eq!(quotes[0]["provider"], common::nubes_address(&provider.to_account_id()));
	let rate: u128 = quotes[0]["rate"].as_str().expect("a string").parse().expect("a number");
	assert_eq!(rate, 1_000 * 1_000 + 1_024 * 100);
	let none = node
		.rpc(
			"nubes_quote",
			json!([{ "cpuMillicores": 9000, "memoryMib": 0, "storageGib": 0, "gpus": 0 }]),
		)
		.expect("nubes_quote answers");
	assert_eq!(none.as_array().map(Vec::len), Some(0), "nobody has 9 free cores");

	// A thousand blocks, or the least escrow that covers the start stake (1 NUBES) if more.
	let escrow = (1_000 * rate).max(UNIT);
	let lease_direct = || {
		let events = submit(
			&node,
			tenant,
			RuntimeCall::Market(pallet_market::Call::lease_direct {
				provider: provider.to_account_id(),
				spec,
				max_rate: rate,
				duration: None,
				manifest_hash: [1; 32],
				escrow,
			}),
		);
		events
			.iter()
			.find_map(|e| match e {
				RuntimeEvent::Market(pallet_market::Event::LeaseCreated { lease, .. }) => {
					Some(*lease)
				}
				_ => None,
			})
			.expect("a lease was created in the block of the call")
	};
	let lease = lease_direct();

	let tenant_address = common::nubes_address(&tenant.to_account_id());
	let listed = node.rpc("nubes_leases", json!([tenant_address])).expect("nubes_leases answers");
	assert_eq!(listed["leases"][0]["id"], lease);
	assert_eq!(listed["leases"][0]["state"], "Pending");
	assert_eq!(listed["next"], serde_json::Value::Null);

	// A second lease, and pages of one: following `next` reaches both, each once.
	let second = lease_direct();
	let first_page = node.rpc("nubes_leases", json!([tenant_address, null, 1])).expect("a page");
	assert_eq!(first_page["leases"].as_array().map(Vec::len), Some(1));
	let next = first_page["next"].as_u64().expect("a second page follows");
	let second_page = node.rpc("nubes_leases", json!([tenant_address, next, 1])).expect("a page");
	assert_eq!(second_page["next"], serde_json::Value::Null, "{second_page}");
	let mut paged: Vec<u64> = [&first_page, &second_page]
		.iter()
		.flat_map(|page| page["leases"].as_array().cloned().unwrap_or_default())
		.filter_map(|lease| lease["id"].as_u64())
		.collect();
	paged.sort();
	assert_eq!(paged, vec![lease, second]);

	submit(&node, provider, RuntimeCall::Market(pallet_market::Call::confirm_lease { lease }));
	let details = node.rpc("nubes_lease", json!([lease])).expect("nubes_lease answers");
	assert_eq!(details["state"], "Active");
	assert_eq!(details["rate"], rate.to_string());
	let since = details["activeSince"].as_u64().expect("active since a block");
	assert_eq!(details["paidUntil"].as_u64(), Some(since + (escrow / rate) as u64));

	submit(&node, tenant, RuntimeCall::Market(pallet_market::Call::close_lease { lease }));
	assert_eq!(node.rpc("nubes_lease", json!([lease])), Ok(serde_json::Value::Null));
	let bad = node.rpc("nubes_leases", json!(["nobody"])).expect_err("a bad account");
	assert!(bad.contains("bad account"), "{bad}");
}
