// A dApp's flow against a running Nubes dev node, through polkadot.js and this package only,
// with Nubes (prefix 4747) addresses throughout: nonces, a provider joining, the registry and
// quote RPCs, a direct lease opened, confirmed, listed and closed, and the escrow accounted to
// the last unit.
//
//   NUBES_WS=ws://127.0.0.1:9944 npm test        (scripts/test-js.sh starts a node and does this)
//
// Prints one summary line and exits 0, or prints the failing step and why and exits 1.

import assert from 'node:assert/strict';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { checkAddress, cryptoWaitReady } from '@polkadot/util-crypto';
import { connect, SS58_PREFIX } from '../src/index.js';

const url = process.env.NUBES_WS;
if (!url) {
	console.error(
		'NUBES_WS is not set: point it at a running Nubes dev node, e.g. ' +
			'NUBES_WS=ws://127.0.0.1:9944 npm test, or run scripts/test-js.sh, which starts one',
	);
	process.exit(2);
}

/** One NUBES in its smallest unit (12 decimals). */
const UNIT = 10n ** 12n;
const BOND = 1000n * UNIT;
const CAPACITY = { cpuMillicores: 4000, memoryMib: 8192, storageGib: 100, gpus: 0 };
const PRICES = { perCpuMillicore: 10_000_000, perMemoryMib: 0, perStorageGib: 0, perGpu: 0 };
const ENDPOINT = 'http://127.0.0.1:9';
const REGION = 'js';
const SPEC = { cpuMillicores: 1000, memoryMib: 1024, storageGib: 0, gpus: 0 };
const MANIFEST_HASH = `0x${'11'.repeat(32)}`;
/** Blocks of the lease's rate the escrow holds. */
const ESCROW_BLOCKS = 1000n;

const CONNECT_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 300_000;

let current = 'start';

/** Fails the run with `message`, naming the step it happened in. */
function fail(message) {
	console.error(`dApp test failed in step "${current}": ${message}`);
	process.exit(1);
}

const watchdog = setTimeout(() => fail(`no result after ${TEST_TIMEOUT_MS / 1000} s`), TEST_TIMEOUT_MS);

/** Runs one step of the flow, announcing it. */
async function step(name, body) {
	current = name;
	console.log(`- ${name}`);
	return body();
}

/** A dispatch error in words: `section.Name: docs` for a module error. */
function explain(api, dispatchError) {
	if (dispatchError.isModule) {
		const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
		return `${section}.${name}${docs.length ? `: ${docs.join(' ').trim()}` : ''}`;
	}
	return dispatchError.toString();
}

/**
 * Signs and sends `tx` as `signer` and resolves once it is in a block, with the block's hash and
 * the transaction's events; rejects if the pool refuses it or it fails (`system.ExtrinsicFailed`,
 * reported by the module error's name).
 */
function send(api, what, tx, signer) {
	return new Promise((resolve, reject) => {
		let unsubscribe = null;
		let done = false;
		const finish = (error, value) => {
			if (done) return;
			done = true;
			unsubscribe?.();
			if (error) reject(error);
			else resolve(value);
		};
		tx.signAndSend(signer, { nonce: -1 }, (result) => {
			const { status, events } = result;
			if (status.isInBlock || status.isFinalized) {
				const blockHash = status.isInBlock ? status.asInBlock : status.asFinalized;
				const failed = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
				if (failed) {
					const [dispatchError] = failed.event.data;
					finish(new Error(`${what} failed (system.ExtrinsicFailed): ${explain(api, dispatchError)}`));
				} else if (result.dispatchError) {
					finish(new Error(`${what} failed: ${explain(api, result.dispatchError)}`));
				} else {
					finish(null, { blockHash, events: events.map(({ event }) => event) });
				}
			} else if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
				finish(new Error(`${what}: the transaction is ${status.type}`));
			}
		})
			.then((unsub) => {
				unsubscribe = unsub;
				if (done) unsub();
			})
			.catch((error) => finish(new Error(`${what}: ${error.message}`)));
	});
}

/** The events of `events` that `eventType` (e.g. `api.events.market.LeaseCreated`) matches. */
function eventsOf(events, eventType) {
	return events.filter((event) => eventType.is(event));
}

/** The one event of `events` that `eventType` matches, asserting there is exactly one. */
function oneEvent(events, eventType, what) {
	const found = eventsOf(events, eventType);
	assert.equal(found.length, 1, `expected one ${what} event, found ${found.length}`);
	return found[0];
}

async function main() {
	await cryptoWaitReady();
	const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX });
	const alice = keyring.addFromUri('//Alice');
	const ferdie = keyring.addFromUri('//Ferdie');

	const api = await step(`connect to ${url}`, async () => {
		let timer;
		const timeout = new Promise((_, reject) => {
			timer = setTimeout(
				() => reject(new Error(`no node answered at ${url} within ${CONNECT_TIMEOUT_MS / 1000} s`)),
				CONNECT_TIMEOUT_MS,
			);
		});
		try {
			return await Promise.race([connect(url, { noInitWarn: true }), timeout]);
		} finally {
			clearTimeout(timer);
		}
	});

	// a. The node takes and answers Nubes addresses.
	await step('nonce of a 4747 address', async () => {
		assert.equal(api.registry.chainSS58, SS58_PREFIX, 'the chain declares ss58Format 4747');
		const [valid, why] = checkAddress(alice.address, SS58_PREFIX);
		assert.ok(valid, `Alice's address ${alice.address} is a 4747 address (${why})`);
		const nonce = await api.rpc.system.accountNextIndex(alice.address);
		assert.equal(typeof nonce.toNumber(), 'number');
		// The same over a bare connection, with the address sent exactly as the dApp holds it
		// (polkadot.js re-encodes an AccountId parameter in the chain's format).
		const bare = new WsProvider(url);
		try {
			await bare.isReady;
			const raw = await bare.send('system_accountNextIndex', [alice.address]);
			assert.equal(typeof raw, 'number', `system_accountNextIndex(${alice.address}) answered ${JSON.stringify(raw)}`);
		} finally {
			await bare.disconnect();
		}
	});

	// b. Ferdie bonds and joins the market.
	await step('Ferdie bonds and registers as a provider', async () => {
		const known = await api.rpc.nubes.provider(ferdie.address);
		if (known.isSome) {
			// A node this test ran against before: Ferdie is a provider already.
			console.log('  (Ferdie is a provider already; bond and registration skipped)');
			return;
		}
		const ledger = await api.query.providerStake.ledgers(ferdie.address);
		if (ledger.isNone) {
			const { events } = await send(api, 'providerStake.bond', api.tx.providerStake.bond(BOND), ferdie);
			const bonded = oneEvent(events, api.events.providerStake.Bonded, 'providerStake.Bonded');
			assert.equal(bonded.data.who.toString(), ferdie.address);
			assert.equal(bonded.data.amount.toBigInt(), BOND);
		}
		const { events } = await send(
			api,
			'providers.register',
			api.tx.providers.register(ENDPOINT, REGION, [], CAPACITY, PRICES),
			ferdie,
		);
		const registered = oneEvent(events, api.events.providers.ProviderRegistered, 'providers.ProviderRegistered');
		assert.equal(registered.data.provider.toString(), ferdie.address);
	});

	// c. The registry and the quote over the node's own RPC.
	const rate = await step('nubes_providers and nubes_quote show Ferdie', async () => {
		let entry;
		let startAfter = null;
		do {
			const page = (await api.rpc.nubes.providers(null, startAfter, 100)).toJSON();
			assert.ok(Array.isArray(page.providers), `nubes_providers answered ${JSON.stringify(page)}`);
			entry = page.providers.find((provider) => provider.account === ferdie.address);
			startAfter = page.next;
		} while (!entry && startAfter);
		assert.ok(entry, `nubes_providers lists no provider with account ${ferdie.address}`);
		assert.equal(entry.endpoint, ENDPOINT);
		assert.equal(entry.region, REGION);
		assert.equal(entry.status, 'Active');
		assert.equal(entry.prices.perCpuMillicore, String(PRICES.perCpuMillicore));

		const quotes = (await api.rpc.nubes.quote(SPEC)).toJSON();
		assert.ok(Array.isArray(quotes), `nubes_quote answered ${JSON.stringify(quotes)}`);
		const quote = quotes.find((q) => q.provider === ferdie.address);
		assert.ok(quote, `nubes_quote has no offer of ${ferdie.address}: ${JSON.stringify(quotes)}`);
		const expected =
			BigInt(entry.prices.perCpuMillicore) * BigInt(SPEC.cpuMillicores) +
			BigInt(entry.prices.perMemoryMib) * BigInt(SPEC.memoryMib) +
			BigInt(entry.prices.perStorageGib) * BigInt(SPEC.storageGib) +
			BigInt(entry.prices.perGpu) * BigInt(SPEC.gpus);
		assert.equal(BigInt(quote.rate), expected, "the quote's rate is Ferdie's prices for the spec");
		return BigInt(quote.rate);
	});

	// d. Alice leases straight from Ferdie.
	const escrow = ESCROW_BLOCKS * rate;
	/** Every event of this lease's transactions, for the escrow's accounts. */
	const leaseEvents = [];
	const { lease, deposit } = await step('Alice leases from Ferdie (market.leaseDirect)', async () => {
		const { events } = await send(
			api,
			'market.leaseDirect',
			api.tx.market.leaseDirect(ferdie.address, SPEC, rate, null, MANIFEST_HASH, escrow),
			alice,
		);
		leaseEvents.push(...events);
		const created = oneEvent(events, api.events.market.LeaseCreated, 'market.LeaseCreated');
		const id = created.data.lease.toBigInt();
		assert.equal(created.data.tenant.toString(), alice.address);
		assert.equal(created.data.provider.toString(), ferdie.address);
		assert.equal(created.data.rate.toBigInt(), rate);
		const opened = eventsOf(events, api.events.payments.EscrowOpened).find(
			(event) => event.data.lease.toBigInt() === id,
		);
		assert.ok(opened, `no payments.EscrowOpened for lease ${id}`);
		assert.equal(opened.data.deposit.toBigInt(), escrow);
		return { lease: id, deposit: opened.data.deposit.toBigInt() };
	});

	// e. Ferdie confirms; the RPC shows the lease active and lists it for Alice.
	await step(`Ferdie confirms lease ${lease}; nubes_lease and nubes_leases show it`, async () => {
		const { blockHash, events } = await send(
			api,
			'market.confirmLease',
			api.tx.market.confirmLease(lease),
			ferdie,
		);
		leaseEvents.push(...events);
		const activated = oneEvent(events, api.events.market.LeaseActivated, 'market.LeaseActivated');
		assert.equal(activated.data.lease.toBigInt(), lease);

		const shown = await api.rpc.nubes.lease(lease, blockHash);
		assert.ok(shown.isSome, `nubes_lease(${lease}) is null after the confirmation`);
		const details = shown.unwrap().toJSON();
		assert.equal(BigInt(details.id), lease);
		assert.equal(details.state, 'Active');
		assert.equal(details.tenant, alice.address);
		assert.equal(details.provider, ferdie.address);
		assert.equal(details.rate, rate.toString());
		assert.equal(details.manifestHash, MANIFEST_HASH);
		assert.deepEqual(details.resources, SPEC);
		assert.equal(typeof details.activeSince, 'number', `activeSince of an active lease: ${JSON.stringify(details)}`);
		assert.equal(details.startDeadline, null);
		assert.equal(details.escrow, deposit.toString(), 'nothing is paid or refunded before the close');

		const page = (await api.rpc.nubes.leases(alice.address, null, null, blockHash)).toJSON();
		assert.equal(page.next, null, `one page holds Alice's leases: ${JSON.stringify(page)}`);
		const listed = page.leases;
		assert.ok(
			listed.some((entry) => BigInt(entry.id) === lease),
			`nubes_leases(${alice.address}) does not list lease ${lease}: ${JSON.stringify(listed)}`,
		);
	});

	// f. Alice closes it; every unit of the escrow is refunded, paid or still held.
	const accounts = await step(`Alice closes lease ${lease}; the escrow adds up`, async () => {
		const { blockHash, events } = await send(api, 'market.closeLease', api.tx.market.closeLease(lease), alice);
		leaseEvents.push(...events);
		const closed = oneEvent(events, api.events.market.LeaseClosed, 'market.LeaseClosed');
		assert.equal(closed.data.lease.toBigInt(), lease);
		assert.equal(closed.data.reason.type, 'TenantClosed');

		const ofLease = (eventType) => eventsOf(leaseEvents, eventType).filter((event) => event.data.lease.toBigInt() === lease);
		const refunds = ofLease(api.events.payments.Refunded);
		assert.ok(refunds.length > 0, `no payments.Refunded for lease ${lease}`);
		for (const refund of refunds) assert.equal(refund.data.tenant.toString(), alice.address);
		const refunded = refunds.reduce((sum, event) => sum + event.data.amount.toBigInt(), 0n);
		const paid = ofLease(api.events.payments.Settled).reduce(
			(sum, event) => sum + event.data.toProvider.toBigInt() + event.data.fee.toBigInt(),
			0n,
		);
		// A forfeit only happens on a pending lease; the runtime may not have the event at all.
		const forfeited = api.events.payments.Forfeited
			? ofLease(api.events.payments.Forfeited).reduce((sum, event) => sum + event.data.amount.toBigInt(), 0n)
			: 0n;
		const kept = await (await api.at(blockHash)).query.payments.escrows(lease);
		const held = kept.isSome ? kept.unwrap().balance.toBigInt() : 0n;
		assert.equal(
			refunded + paid + forfeited + held,
			deposit,
			`refunded ${refunded} + paid ${paid} + forfeited ${forfeited} + still held ${held} != deposit ${deposit}`,
		);

		const after = await api.rpc.nubes.lease(lease, blockHash);
		assert.ok(after.isNone, `nubes_lease(${lease}) still shows the closed lease`);
		return { refunded, paid, held };
	});

	current = 'summary';
	console.log(
		`ok: ${alice.address} leased ${lease} from ${ferdie.address} at ${rate}/block; ` +
			`deposit ${deposit} = refunded ${accounts.refunded} + paid ${accounts.paid} + held ${accounts.held}`,
	);
	clearTimeout(watchdog);
	await api.disconnect();
}

main().then(
	() => process.exit(0),
	(error) => fail(error?.message ?? String(error)),
);
