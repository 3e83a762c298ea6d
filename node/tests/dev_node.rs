//! A `--dev` node seals and finalizes blocks, and a signed balance transfer goes through it:
//! finalized, with both balances changed by exactly the amount and the fee.

mod common;

use std::time::Duration;

use codec::{Decode, Encode};
use common::{free_port, from_hex, to_hex, wait_for, NodeProcess};
use nubes_runtime::{
	AccountId, Balance, BalancesCall, Runtime, RuntimeCall, RuntimeEvent, SignedPayload,
	TxExtension, UncheckedExtrinsic, UNIT,
};
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;

/// Starts `nubes-node --dev` on free ports with a temporary base path.
fn start_dev_node(base: &tempfile::TempDir) -> NodeProcess {
	let rpc_port = free_port();
	let p2p_port = free_port();
	let args: Vec<String> = [
		"--dev",
		"--base-path",
		base.path().to_str().expect("utf-8 temp path"),
		"--rpc-port",
		&rpc_port.to_string(),
		"--port",
		&p2p_port.to_string(),
		"--no-prometheus",
		"--no-telemetry",
		"--no-mdns",
	]
	.iter()
	.map(|s| s.to_string())
	.collect();
	NodeProcess::start("dev", &args, rpc_port, p2p_port, &base.path().join("node.log"))
}

/// Free balance of `who` at block `at`, read from `System::Account` storage.
fn free_balance(node: &NodeProcess, who: &AccountId, at: H256) -> Balance {
	let key = frame_system::Account::<Runtime>::hashed_key_for(who);
	let raw = node
		.rpc("state_getStorage", json!([to_hex(&key), format!("{at:?}")]))
		.expect("state_getStorage answers");
	match raw.as_str() {
		None => 0,
		Some(hex) => {
			let info = frame_system::AccountInfo::<u32, pallet_balances::AccountData<Balance>>::decode(
				&mut &from_hex(hex)[..],
			)
			.expect("AccountInfo decodes");
			info.data.free
		},
	}
}

/// Events recorded in block `at`.
fn events_at(
	node: &NodeProcess,
	at: H256,
) -> Vec<frame_system::EventRecord<RuntimeEvent, H256>> {
	let key = frame_system::Events::<Runtime>::hashed_key();
	let raw = node
		.rpc("state_getStorage", json!([to_hex(&key), format!("{at:?}")]))
		.expect("state_getStorage answers");
	let hex = raw.as_str().expect("a block with extrinsics has events");
	Vec::decode(&mut &from_hex(hex)[..]).expect("events decode")
}

fn hash_of(value: &Value) -> H256 {
	H256::from_slice(&from_hex(value.as_str().expect("hash is a string")))
}

/// Builds an immortal signed transfer from `signer` with the node's genesis and runtime version.
fn signed_transfer(
	node: &NodeProcess,
	signer: Sr25519Keyring,
	dest: AccountId,
	amount: Balance,
	nonce: u32,
) -> UncheckedExtrinsic {
	let genesis = hash_of(&node.rpc("chain_getBlockHash", json!([0])).expect("genesis hash"));
	let version = node.rpc("state_getRuntimeVersion", json!([])).expect("runtime version");
	let spec_version = version["specVersion"].as_u64().expect("specVersion") as u32;
	let tx_version = version["transactionVersion"].as_u64().expect("transactionVersion") as u32;

	let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive { dest: dest.into(), value: amount });
	let extension: TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	);
	let implicit = ((), (), spec_version, tx_version, genesis, genesis, (), (), (), None, ());
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.pair().sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		signer.to_account_id().into(),
		signature.into(),
		extension,
	)
}

#[test]
fn dev_node_finalizes_a_signed_transfer() {
	let base = tempfile::tempdir().expect("temp dir");
	let node = start_dev_node(&base);

	// Blocks are sealed and finalized on a timer.
	node.wait_finalized(2, Duration::from_secs(120));

	let alice = Sr25519Keyring::Alice;
	let dest: AccountId = sp_core::sr25519::Pair::generate().0.public().into();
	let amount: Balance = 42 * UNIT;

	let nonce = node
		.rpc("system_accountNextIndex", json!([alice.to_account_id().to_ss58check()]))
		.expect("system_accountNextIndex answers")
		.as_u64()
		.expect("nonce is a number") as u32;
	assert_eq!(nonce, 0, "a fresh dev chain has Alice's nonce at 0");

	let xt = signed_transfer(&node, alice, dest.clone(), amount, nonce);
	let xt_hex = to_hex(&xt.encode());

	// The fee estimate is available before submission.
	let info = node.rpc("payment_queryInfo", json!([xt_hex])).expect("payment_queryInfo answers");
	assert!(info["partialFee"].as_str().is_some_and(|fee| fee != "0"), "estimate: {info}");

	let start = node.finalized_number().expect("finalized head");
	let tx_hash = node.rpc("author_submitExtrinsic", json!([xt_hex])).expect("transfer accepted");
	assert!(tx_hash.as_str().is_some());

	// Find the finalized block that includes the transfer.
	let (block_number, block_hash, index) = wait_for("the transfer to be finalized", Duration::from_secs(60), || {
		let finalized = node.finalized_number().ok()?;
		(start + 1..=finalized).find_map(|number| {
			let hash = node.rpc("chain_getBlockHash", json!([number])).ok()?;
			let block = node.rpc("chain_getBlock", json!([hash])).ok()?;
			let extrinsics = block["block"]["extrinsics"].as_array()?;
			let index = extrinsics.iter().position(|x| x.as_str() == Some(xt_hex.as_str()))?;
			Some((number, hash_of(&hash), index as u32))
		})
	});
	let parent = hash_of(
		&node.rpc("chain_getBlockHash", json!([block_number - 1])).expect("parent hash"),
	);

	let events = events_at(&node, block_hash);
	let of_transfer: Vec<&RuntimeEvent> = events
		.iter()
		.filter(|record| {
			record.phase == frame_system::Phase::ApplyExtrinsic(index)
		})
		.map(|record| &record.event)
		.collect();
	assert!(
		of_transfer.iter().any(|e| matches!(e, RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }))),
		"transfer succeeded: {of_transfer:?}"
	);
	assert!(of_transfer.iter().any(|e| matches!(e,
		RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount: moved })
			if *from == alice.to_account_id() && *to == dest && *moved == amount)));
	let fee = of_transfer
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { who, actual_fee, tip },
			) if *who == alice.to_account_id() => Some(actual_fee + tip),
			_ => None,
		})
		.expect("the fee was charged to Alice");
	assert!(fee > 0, "a signed transfer pays a fee");

	let alice_before = free_balance(&node, &alice.to_account_id(), parent);
	let alice_after = free_balance(&node, &alice.to_account_id(), block_hash);
	let dest_before = free_balance(&node, &dest, parent);
	let dest_after = free_balance(&node, &dest, block_hash);
	assert_eq!(dest_before, 0, "the destination is a fresh account");
	assert_eq!(dest_after, amount, "the destination received the amount");
	assert_eq!(alice_before - alice_after, amount + fee, "Alice paid amount and fee");

	// Alice's next nonce moved on.
	let next = node
		.rpc("system_accountNextIndex", json!([alice.to_account_id().to_ss58check()]))
		.expect("system_accountNextIndex answers");
	assert_eq!(next.as_u64(), Some(1));
}
