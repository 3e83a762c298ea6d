//! Verification on a real network: four validators (Alice, Bob, Charlie, Dave; Aura + GRANDPA on
//! loopback) check 50 providers registered at genesis, each served by a loopback responder that
//! answers with the real prover. One responder sends its answer's head at once and drips its
//! body over seconds. In each of two epochs every provider must be challenged by exactly the
//! three validators its slot assigns it, only the dripping one may be judged faulty, every
//! validator must account for its whole share in a summary and close the epoch with nothing
//! against it, and the spread of the challenges' arrival times is printed.

mod common;

use std::{
	collections::{BTreeMap, BTreeSet},
	io::Read,
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use common::{
	events_between, one_core, per_millicore, run_to_exit, wait_for, NodeProcess, Validator,
};
use nubes_proofs::{
	assignment,
	prover::{NoStorage, Prover},
	SignedChallenge,
};
use nubes_runtime::{AccountId, RuntimeEvent, UNIT};
use serde_json::{json, Value};
use sp_core::Pair;

const PROVIDERS: u32 = 50;
/// The slot (and genesis position) of the provider that drips its answers.
const DRIPPING: u32 = 17;
const VALIDATORS: u32 = 4;
/// The epochs the test watches: both start and are judged while it runs.
const EPOCHS: [u32; 2] = [0, 1];

/// When a challenge reached a responder: its epoch, its validator's index in the epoch.
type Arrivals = Arc<Mutex<Vec<(u32, u32, Instant)>>>;

/// A provider's challenge endpoint on loopback.
struct Responder {
	url: String,
	arrivals: Arrivals,
}

/// A body that comes a thirtieth at a time, every 100 ms: three seconds in all.
struct Drip {
	bytes: Vec<u8>,
	sent: usize,
}

impl Read for Drip {
	fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
		if self.sent >= self.bytes.len() {
			return Ok(0);
		}
		std::thread::sleep(Duration::from_millis(100));
		let step = (self.bytes.len() / 30).max(1).min(buffer.len());
		let end = (self.sent + step).min(self.bytes.len());
		let n = end - self.sent;
		buffer[..n].copy_from_slice(&self.bytes[self.sent..end]);
		self.sent = end;
		Ok(n)
	}
}

impl Responder {
	fn start(drip: bool) -> Self {
		let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
		let url = format!("http://{}", server.server_addr().to_ip().expect("an IP address"));
		let arrivals: Arrivals = Arc::default();
		let seen = arrivals.clone();
		let kept = common::KeptOpenings::default();
		std::thread::spawn(move || {
			for mut request in server.incoming_requests() {
				if *request.method() == tiny_http::Method::Get {
					let response = kept.respond(request.url());
					let _ = request.respond(response);
					continue;
				}
				let seen = seen.clone();
				let kept = kept.clone();
				// Each challenge on its own thread, as an agent answers them.
				std::thread::spawn(move || {
					let at = Instant::now();
					let mut body = Vec::new();
					let _ = request.as_reader().read_to_end(&mut body);
					let Ok(signed) = serde_json::from_slice::<SignedChallenge>(&body) else {
						let _ = request.respond(tiny_http::Response::empty(400));
						return;
					};
					seen.lock().expect("arrivals").push((signed.epoch, signed.validator, at));
					let answer = Prover::new(1, 64)
						.answer(&signed.challenge, &NoStorage, None)
						.map(|proof| {
							kept.keep(&proof.openings);
							serde_json::to_vec(&proof.answer).expect("answers serialize")
						});
					let Ok(bytes) = answer else {
						let _ = request.respond(tiny_http::Response::empty(400));
						return;
					};
					let length = bytes.len();
					let headers = vec![tiny_http::Header::from_bytes(
						&b"Content-Type"[..],
						&b"application/json"[..],
					)
					.expect("a header")];
					let _ = if drip {
						request.respond(tiny_http::Response::new(
							tiny_http::StatusCode(200),
							headers,
							Drip { bytes, sent: 0 },
							Some(length),
							None,
						))
					} else {
						request.respond(tiny_http::Response::from_data(bytes))
					};
				});
			}
		});
		Self { url, arrivals }
	}

	/// When challenges of `epoch` reached it, earliest first.
	fn times(&self, epoch: u32) -> Vec<Instant> {
		let mut at: Vec<Instant> = self
			.arrivals
			.lock()
			.expect("arrivals")
			.iter()
			.filter(|(e, ..)| *e == epoch)
			.map(|(.., at)| *at)
			.collect();
		at.sort();
		at
	}
}

/// The account of provider `i` (`//Provider{i}`).
fn provider_account(i: u32) -> AccountId {
	sp_core::sr25519::Pair::from_string(&format!("//Provider{i}"), None)
		.expect("a dev seed")
		.public()
		.into()
}

/// The `local` chain spec with the providers at genesis, 20-block epochs and light challenges.
fn chain_spec(root: &std::path::Path, responders: &[Responder]) -> PathBuf {
	let output = run_to_exit(&["build-spec", "--chain", "local"], Duration::from_secs(60));
	assert!(output.status.success(), "build-spec: {output:?}");
	let mut spec: Value = serde_json::from_slice(&output.stdout).expect("a JSON chain spec");
	let patch = &mut spec["genesis"]["runtimeGenesis"]["patch"];
	let accounts: Vec<AccountId> = (0..PROVIDERS).map(provider_account).collect();
	let balances = patch["balances"]["balances"].as_array_mut().expect("endowed accounts");
	for account in &accounts {
		balances.push(json!([account, 10_000 * UNIT]));
	}
	patch["providerStake"]["bonds"] =
		json!(accounts.iter().map(|account| json!([account, 1_000 * UNIT])).collect::<Vec<_>>());
	let providers: Vec<pallet_providers::GenesisProvider<AccountId, nubes_runtime::Balance>> =
		accounts
			.iter()
			.zip(responders)
			.map(|(account, responder)| pallet_providers::GenesisProvider {
				account: account.clone(),
				endpoint: responder.url.clone(),
				region: "local".into(),
				attributes: vec![],
				capacity: one_core(),
				prices: per_millicore(),
			})
			.collect();
	patch["providers"]["providers"] = serde_json::to_value(providers).expect("providers");
	patch["attestation"]["timing"] =
		serde_json::to_value(pallet_attestation::Timing { epoch_length: 20, report_window: 5 })
			.expect("timing");
	// Light work: four nodes and fifty responders share this machine's cores.
	patch["attestation"]["parameters"] = serde_json::to_value(pallet_attestation::Parameters {
		unit_kib: 64,
		..nubes_runtime::configs::AttestationParameters::get()
	})
	.expect("parameters");
	let path = root.join("spec.json");
	std::fs::write(&path, serde_json::to_vec_pretty(&spec).expect("JSON")).expect("spec file");
	path
}

#[test]
fn four_validators_challenge_every_provider_each_epoch_and_a_dripping_one_delays_nobody() {
	let responders: Vec<Responder> =
		(0..PROVIDERS).map(|i| Responder::start(i == DRIPPING)).collect();
	let root = tempfile::tempdir().expect("temp dir");
	let spec = chain_spec(root.path(), &responders);
	let spec = spec.to_str().expect("a UTF-8 path");
	let validators: Vec<Validator> = ["alice", "bob", "charlie", "dave"]
		.into_iter()
		.enumerate()
		.map(|(i, name)| Validator::new(i as u8, name, root.path()))
		.collect();
	let nodes: Vec<NodeProcess> = validators.iter().map(|v| v.start(&validators, spec)).collect();
	let alice = &nodes[0];

	// Until both epochs are judged and closed, on finalized blocks.
	let mut seen = 0;
	let mut events = Vec::new();
	let closed = |events: &[RuntimeEvent], which: u32| {
		let books = events.iter().filter(|event| {
			matches!(
				event,
				RuntimeEvent::Attestation(pallet_attestation::Event::ValidatorAccounted {
					epoch, ..
				}) if *epoch == which
			)
		});
		books.count() == VALIDATORS as usize
	};
	wait_for("epochs 0 and 1 judged and closed", Duration::from_secs(420), || {
		let finalized = alice.finalized_number().ok()?;
		if finalized > seen {
			events.extend(events_between(alice, seen + 1, finalized));
			seen = finalized;
		}
		EPOCHS.iter().all(|epoch| closed(&events, *epoch)).then_some(())
	});

	// Only the dripping provider is faulty, in each epoch.
	let faults: BTreeSet<(u32, AccountId)> = events
		.iter()
		.filter_map(|event| match event {
			RuntimeEvent::Attestation(pallet_attestation::Event::Fault {
				provider, epoch, ..
			}) => Some((*epoch, provider.clone())),
			_ => None,
		})
		.collect();
	let expected: BTreeSet<(u32, AccountId)> =
		EPOCHS.iter().map(|epoch| (*epoch, provider_account(DRIPPING))).collect();
	assert_eq!(faults, expected, "only the dripping provider, in both epochs");

	// Every validator accounted for its whole share, the dripping provider its one failure if
	// it is one of its three; and its book closed with no silence and no disagreement.
	for epoch in EPOCHS {
		for index in 0..VALIDATORS {
			let share = assignment::share(index, VALIDATORS, 3, PROVIDERS);
			let failed = u32::from(assignment::is_assigned(DRIPPING, VALIDATORS, 3, index));
			let summaries: Vec<(u32, u32)> = events
				.iter()
				.filter_map(|event| match event {
					RuntimeEvent::Attestation(pallet_attestation::Event::Summarized {
						epoch: e,
						validator,
						challenged,
						failed,
						..
					}) if *e == epoch && *validator == index => Some((*challenged, *failed)),
					_ => None,
				})
				.collect();
			assert_eq!(summaries, vec![(share, failed)], "validator {index}'s summary of {epoch}");
		}
		let books: Vec<(Option<u32>, u32, u32, u32)> = events
			.iter()
			.filter_map(|event| match event {
				RuntimeEvent::Attestation(pallet_attestation::Event::ValidatorAccounted {
					epoch: e,
					share,
					challenged,
					false_failures,
					missed_faults,
					..
				}) if *e == epoch => Some((*challenged, *share, *false_failures, *missed_faults)),
				_ => None,
			})
			.collect();
		assert!(
			books
				.iter()
				.all(|(challenged, share, false_failures, missed)| *challenged == Some(*share)
					&& *false_failures == 0
					&& *missed == 0),
			"epoch {epoch}'s books: {books:?}"
		);
	}
	// The runtime API governance reads: four validators, two epochs each, none silent or late.
	let standings: Vec<(pallet_attestation::crypto::Public, pallet_attestation::Standing)> = {
		let raw = alice.rpc("state_call", json!(["AttestationApi_standings", "0x"])).expect("call");
		let bytes = common::from_hex(raw.as_str().expect("hex"));
		codec::Decode::decode(&mut &bytes[..]).expect("standings")
	};
	assert_eq!(standings.len(), VALIDATORS as usize);
	for (key, standing) in &standings {
		assert!(standing.epochs >= 2, "{key:?}: {standing:?}");
		assert_eq!((standing.silent, standing.late, standing.unchallenged), (0, 0, 0), "{key:?}");
	}

	// Every provider challenged, in each epoch, by exactly the validators of its slot.
	for (slot, responder) in responders.iter().enumerate() {
		let arrivals = responder.arrivals.lock().expect("arrivals").clone();
		for epoch in EPOCHS {
			let by: BTreeSet<u32> =
				arrivals.iter().filter(|(e, ..)| *e == epoch).map(|(_, v, _)| *v).collect();
			let want: BTreeSet<u32> =
				assignment::assigned(slot as u32, VALIDATORS, 3).into_iter().collect();
			assert_eq!(by, want, "provider {slot} in epoch {epoch}");
			let count = arrivals.iter().filter(|(e, ..)| *e == epoch).count();
			assert_eq!(count, 3, "provider {slot} challenged once by each in epoch {epoch}");
			// Its validators reach it in three different turns, so blocks (3 s) apart: it never
			// answers two at once.
			for pair in responder.times(epoch).windows(2) {
				let gap = pair[1].duration_since(pair[0]);
				assert!(
					gap > Duration::from_secs(1),
					"provider {slot} challenged twice within {gap:?} in epoch {epoch}"
				);
			}
		}
	}
	// And every provider's k-th challenge of an epoch (its turn k) goes out in one block: print
	// how closely, per turn, they arrive across the providers.
	for epoch in EPOCHS {
		for turn in 0..3usize {
			let kth: Vec<Instant> = responders
				.iter()
				.enumerate()
				.filter(|(slot, _)| *slot as u32 != DRIPPING)
				.filter_map(|(_, responder)| responder.times(epoch).get(turn).copied())
				.collect();
			let first = kth.iter().min().expect("arrivals");
			let last = kth.iter().max().expect("arrivals");
			println!(
				"epoch {epoch}, turn {turn}: {} providers' challenges within {} ms",
				kth.len(),
				last.duration_since(*first).as_millis()
			);
		}
	}

	// The spread of arrival times: per epoch, from the first challenge to the last, and per
	// validator (its pages).
	for epoch in EPOCHS {
		let mut times: BTreeMap<u32, Vec<Instant>> = BTreeMap::new();
		for (slot, responder) in responders.iter().enumerate() {
			if slot as u32 == DRIPPING {
				continue;
			}
			for (e, validator, at) in responder.arrivals.lock().expect("arrivals").iter() {
				if *e == epoch {
					times.entry(*validator).or_default().push(*at);
				}
			}
		}
		let all: Vec<Instant> = times.values().flatten().copied().collect();
		let first = *all.iter().min().expect("challenges arrived");
		let last = *all.iter().max().expect("challenges arrived");
		let per_validator: Vec<String> = times
			.iter()
			.map(|(validator, at)| {
				let first = at.iter().min().expect("one at least");
				let last = at.iter().max().expect("one at least");
				format!(
					"{validator}: {} in {} ms",
					at.len(),
					last.duration_since(*first).as_millis()
				)
			})
			.collect();
		println!(
			"epoch {epoch}: {} challenges to the 49 other providers within {} ms; per validator {}",
			all.len(),
			last.duration_since(first).as_millis(),
			per_validator.join(", ")
		);
	}
}
