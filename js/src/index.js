// @nubes/api: what a polkadot.js dApp needs to talk to a Nubes node.
//
// polkadot.js knows Substrate's standard RPC methods and reads the runtime's calls, storage and
// events from its metadata, but it cannot know a node's own RPC methods, and a dApp must sign
// with the chain's address format. This module supplies both: the `nubes_*` method definitions,
// the SS58 prefix, and a `connect` helper that wires them into an `ApiPromise`.

import { ApiPromise, WsProvider } from '@polkadot/api';

/**
 * Nubes' SS58 address prefix (the chain declares it as `ss58Format` in its properties).
 *
 * Why: addresses a dApp shows and sends should be Nubes addresses. Build keyrings with
 * `new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX })`; the node takes these (and generic
 * prefix-42 ones) and answers in them.
 */
export const SS58_PREFIX = 4747;

/** The optional trailing block hash every `nubes_*` method takes: state at that block, best if omitted. */
const at = { name: 'at', type: 'BlockHash', isHistoric: true, isOptional: true };

/**
 * The node's custom RPC methods, for `ApiPromise.create({ rpc })`; they appear as
 * `api.rpc.nubes.<method>`.
 *
 * Why: polkadot.js only decorates RPC methods it has definitions for. The node answers these
 * with JSON objects (amounts as decimal strings, accounts as SS58 strings in prefix 4747,
 * hashes as `0x` hex), so results are typed `Json` and passed through as the node sent them:
 * `Json` for an object, `Option<Json>` where the node may answer `null`, `Vec<Json>` for a list.
 * Call `.toJSON()` on a result (after `.unwrap()` for an `Option`) to get the plain object.
 * Object parameters (`filter`, `spec`, `placement`) are plain objects with the node's camelCase
 * field names, sent as given. Omitted optional parameters are sent as `null`.
 */
export const rpc = {
	nubes: {
		providers: {
			description:
				'Providers matching filter {minFree?, attributes?, regions?, status?}, after the account ' +
				'startAfter, at most limit (default and maximum 100): {providers: [...], next}, next ' +
				'being the startAfter of the next page or null',
			params: [
				{ name: 'filter', type: 'Option<Json>', isOptional: true },
				{ name: 'startAfter', type: 'Option<AccountId>', isOptional: true },
				{ name: 'limit', type: 'Option<u32>', isOptional: true },
				at,
			],
			type: 'Json',
		},
		provider: {
			description:
				'One provider {account, endpoint, region, attributes, offered, allocated, free, ' +
				'prices, status, reputation, registeredAt}, or null if the account is not a provider',
			params: [{ name: 'account', type: 'AccountId' }, at],
			type: 'Option<Json>',
		},
		quote: {
			description:
				'The cheapest active providers that can take spec {cpuMillicores, memoryMib, ' +
				'storageGib, gpus} under placement {attributes?, regions?, attestedBy?, ' +
				'minEpochsServed?, maxConsecutiveFaults?} now, at most limit (default 10), cheapest ' +
				'first: [{provider, rate, free}]',
			params: [
				{ name: 'spec', type: 'Json' },
				{ name: 'placement', type: 'Option<Json>', isOptional: true },
				{ name: 'limit', type: 'Option<u32>', isOptional: true },
				at,
			],
			type: 'Vec<Json>',
		},
		order: {
			description:
				'An open order with its bids {id, tenant, spec, replicas, leases, maxPrice, duration, ' +
				'bidWindowEnd, autoAccept, manifestHash, bids: [{provider, price, accepted}]}, or null',
			params: [{ name: 'id', type: 'u64' }, at],
			type: 'Option<Json>',
		},
		leases: {
			description:
				'The open leases of an account, as tenant or provider, after the lease id startAfter, ' +
				'at most limit (default 100, maximum 1000): {leases: [lease], next}, each lease as ' +
				'nubes_lease shows it, next being the startAfter of the next page or null',
			params: [
				{ name: 'account', type: 'AccountId' },
				{ name: 'startAfter', type: 'Option<u64>', isOptional: true },
				{ name: 'limit', type: 'Option<u32>', isOptional: true },
				at,
			],
			type: 'Json',
		},
		lease: {
			description:
				'One open lease with its escrow {id, tenant, provider, order, resources, rate, state ' +
				'("Pending" or "Active"), startDeadline, activeSince, duration, manifestHash, escrow, ' +
				'settledTo, accrued, paidUntil}, or null',
			params: [{ name: 'id', type: 'u64' }, at],
			type: 'Option<Json>',
		},
	},
};

/**
 * Transaction extensions of the runtime that polkadot.js does not know, for
 * `ApiPromise.create({ signedExtensions })`.
 *
 * Why: `AuthorizeCall` (frame-system) adds nothing to a signed transaction or its payload;
 * declaring it so keeps polkadot.js from warning that it treats an unknown extension as
 * no-effect.
 */
export const signedExtensions = {
	AuthorizeCall: { extrinsic: {}, payload: {} },
};

/**
 * Connects to a Nubes node's WebSocket RPC (e.g. `ws://127.0.0.1:9944`) and resolves once the
 * API is ready, with the `nubes_*` methods decorated under `api.rpc.nubes`.
 *
 * Why: one call that sets up everything Nubes-specific, so dApps do not repeat it. Further
 * `ApiPromise` options (e.g. `noInitWarn`) may be given in `options`.
 *
 * @param {string} url the node's WebSocket URL
 * @param {import('@polkadot/api/types').ApiOptions} [options] extra `ApiPromise` options
 * @returns {Promise<ApiPromise>}
 */
export function connect(url, options = {}) {
	return ApiPromise.create({
		provider: new WsProvider(url),
		rpc,
		signedExtensions,
		...options,
	});
}
