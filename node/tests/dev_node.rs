//! A `--dev` node seals and finalizes blocks, and a signed balance transfer goes through it:
//! finalized, with both balances changed by exactly the amount and the fee.

mod common;

use std::time::Duration;

use codec::Encode;
use common::{
	extrinsic_events, free_balance, hash_of, next_nonce, signed_extrinsic, start_dev_node,
	submit_and_finalize, succeeded, to_hex,
};
use nubes_runtime::{AccountId, Balance, BalancesCall, RuntimeCall, RuntimeEvent, UNIT};
use serde_json::json;
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;

#[test]
fn dev_node_finalizes_a_signed_transfer() {
	let base = tempfile::tempdir().expect("temp dir");
	let node = start_dev_node(&base);

	// Blocks are sealed and finalized on a timer.
	node.wait_finalized(2, Duration::from_secs(120));

	let alice = Sr25519Keyring::Alice;
	let dest: AccountId = sp_core::sr25519::Pair::generate().0.public().into();
	let amount: Balance = 42 * UNIT;

	let nonce = next_nonce(&node, &alice.to_account_id());
	assert_eq!(nonce, 0, "a fresh dev chain has Alice's nonce at 0");

	let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
		dest: dest.clone().into(),
		value: amount,
	});
	let xt = signed_extrinsic(&node, alice, call, nonce);
	let xt_hex = to_hex(&xt.encode());

	// The fee estimate is available before submission.
	let info = node.rpc("payment_queryInfo", json!([xt_hex])).expect("payment_queryInfo answers");
	assert!(info["partialFee"].as_str().is_some_and(|fee| fee != "0"), "estimate: {info}");

	let inclusion = submit_and_finalize(&node, &xt);
	let parent = hash_of(
		&node.rpc("chain_getBlockHash", json!([inclusion.number - 1])).expect("parent hash"),
	);
	let block_hash = inclusion.hash;
	let of_transfer = extrinsic_events(&node, &inclusion);
	assert!(succeeded(&of_transfer), "transfer succeeded: {of_transfer:?}");
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
	assert_eq!(next_nonce(&node, &alice.to_account_id()), 1);
}
