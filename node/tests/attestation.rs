//! A dev node's off-chain worker challenges two providers over loopback HTTP: one answers with
//! the real prover, one answers wrongly. Alice's verdict lands on chain as an authorized general
//! transaction, and the wrong one gets a fault once the epoch is judged. Alice's worker also
//! takes part in the seed's beacon: it commits in epoch 0 and reveals in epoch 1.

mod common;

use std::{
	sync::{
		atomic::{AtomicU32, Ordering},
		Arc,
	},
	time::Duration,
};

use common::{
	events_between, free_port, metric, next_nonce, one_core, per_millicore, signed_extrinsic,
	start_dev_node_on, submit_and_finalize, wait_for, NodeProcess,
};
use nubes_proofs::{
	prover::{NoStorage, Prover},
	SignedChallenge,
};
use nubes_runtime::{RuntimeCall, RuntimeEvent, UNIT};
use serde_json::json;
use sp_keyring::Sr25519Keyring;

/// A provider's challenge endpoint on loopback, answering rightly or wrongly.
struct Responder {
	url: String,
	answered: Arc<AtomicU32>,
}

impl Responder {
	fn start(honest: bool) -> Self {
		let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
		let url = format!("http://{}", server.server_addr().to_ip().expect("an IP address"));
		let answered = Arc::new(AtomicU32::new(0));
		let count = answered.clone();
		let kept = common::KeptOpenings::default();
		std::thread::spawn(move || {
			for mut request in server.incoming_requests() {
				if *request.method() == tiny_http::Method::Get {
					let response = kept.respond(request.url());
					let _ = request.respond(response);
					continue;
				}
				let mut body = Vec::new();
				let _ = request.as_reader().read_to_end(&mut body);
				let reply = serde_json::from_slice::<SignedChallenge>(&body)
					.ok()
					.and_then(|signed| {
						Prover::new(2, 64).answer(&signed.challenge, &NoStorage, None).ok()
					})
					.map(|mut proof| {
						kept.keep(&proof.openings);
						if !honest {
							// A unit's root left out.
							proof.answer.roots.pop();
						}
						serde_json::to_vec(&proof.answer).expect("answers serialize")
					});
				count.fetch_add(1, Ordering::SeqCst);
				let response = match reply {
					Some(bytes) => tiny_http::Response::from_data(bytes),
					None => tiny_http::Response::from_data(b"bad challenge".to_vec())
						.with_status_code(400),
				};
				let _ = request.respond(response);
			}
		});
		Self { url, answered }
	}
}

fn submit(node: &NodeProcess, signer: Sr25519Keyring, call: RuntimeCall) {
	let nonce = next_nonce(node, &signer.to_account_id());
	submit_and_finalize(node, &signed_extrinsic(node, signer, call, nonce));
}

fn register(node: &NodeProcess, provider: Sr25519Keyring, endpoint: &str) {
	submit(
		node,
		provider,
		RuntimeCall::ProviderStake(pallet_provider_stake::Call::bond { value: 1_000 * UNIT }),
	);
	submit(
		node,
		provider,
		RuntimeCall::Providers(pallet_providers::Call::register {
			endpoint: endpoint.as_bytes().to_vec().try_into().expect("fits"),
			region: b"local".to_vec().try_into().expect("fits"),
			attributes: Default::default(),
			capacity: one_core(),
			prices: per_millicore(),
		}),
	);
}

#[test]
fn the_offchain_worker_reports_a_wrong_answer_and_the_epoch_judges_it_a_fault() {
	let honest = Responder::start(true);
	let wrong = Responder::start(false);
	let base = tempfile::tempdir().expect("temp dir");
	// Half-second blocks: a 20-block epoch is ten seconds.
	let prometheus = free_port();
	let node = start_dev_node_on(&base, &["--dev-block-time", "500"], Some(prometheus));
	node.wait_finalized(1, Duration::from_secs(120));
	let good = Sr25519Keyring::Bob;
	let bad = Sr25519Keyring::Charlie;
	register(&node, good, &honest.url);
	register(&node, bad, &wrong.url);

	let mut seen = 1;
	let mut events = Vec::new();
	let fault_of = |events: &[RuntimeEvent], who: &Sr25519Keyring| {
		events.iter().any(|event| {
			matches!(
				event,
				RuntimeEvent::Attestation(pallet_attestation::Event::Fault { provider, .. })
					if *provider == who.to_account_id()
			)
		})
	};
	let judged =
		wait_for("an epoch with both providers to be judged", Duration::from_secs(180), || {
			let finalized = node.finalized_number().ok()?;
			events.extend(events_between(&node, seen + 1, finalized));
			seen = finalized;
			// The first epoch judged with a fault: the providers registered during epoch 0, so
			// they are challenged from epoch 1 on (a worker walks the registry once per epoch).
			events.iter().find_map(|event| match event {
				RuntimeEvent::Attestation(pallet_attestation::Event::EpochJudged {
					epoch,
					faults,
				}) if *faults > 0 => Some((*epoch, *faults)),
				_ => None,
			})
		});
	assert!(
		events.iter().any(|event| matches!(
			event,
			RuntimeEvent::Attestation(pallet_attestation::Event::FailuresReported { .. })
		)),
		"Alice's report landed"
	);
	assert!(fault_of(&events, &bad), "the wrong answers are a fault");
	// Alice's worker committed in epoch 0 and revealed in epoch 1: epoch 2's seed is hers.
	assert!(
		events.iter().any(|event| matches!(
			event,
			RuntimeEvent::Attestation(pallet_attestation::Event::Revealed { epoch: 1, .. })
		)),
		"Alice's reveal landed"
	);
	assert!(
		events.iter().any(|event| matches!(
			event,
			RuntimeEvent::Attestation(pallet_attestation::Event::EpochStarted {
				epoch: 2,
				reveals: 1,
				..
			})
		)),
		"epoch 2's seed came from the reveal"
	);
	assert!(!fault_of(&events, &good), "the right answers are not: {events:?}");
	assert_eq!(judged.1, 1, "one fault in the judged epoch {}", judged.0);
	assert!(honest.answered.load(Ordering::SeqCst) >= 1, "the honest provider was challenged");
	assert!(wrong.answered.load(Ordering::SeqCst) >= 1, "the wrong provider was challenged");
	// The registry's reputation counts it.
	let provider = node
		.rpc(
			"nubes_provider",
			json!([sp_core::crypto::Ss58Codec::to_ss58check(&bad.to_account_id())]),
		)
		.expect("nubes_provider answers");
	assert_eq!(provider["reputation"]["faults"], 1, "{provider}");

	// The validator's metrics show its own work and the chain's verdicts.
	let counted = |name: &str, labels: &[(&str, &str)]| metric(prometheus, name, labels);
	let events = |kind| counted("nubes_attestation_events_total", &[("kind", kind)]);
	let challenges = |outcome| counted("nubes_validator_challenges_total", &[("outcome", outcome)]);
	wait_for("the metrics to catch up with finality", Duration::from_secs(30), || {
		events("fault").filter(|count| *count >= 1.0)
	});
	assert!(challenges("sent") >= Some(2.0));
	assert!(challenges("passed") >= Some(1.0));
	assert!(challenges("failed") >= Some(1.0));
	assert!(counted("nubes_validator_reports_total", &[("outcome", "submitted")]) >= Some(1.0));
	assert!(events("report") >= Some(1.0));
	assert!(events("reveal") >= Some(1.0));
	assert!(events("epoch_judged") >= Some(1.0));
	assert!(counted("nubes_attestation_failures_reported_total", &[]) >= Some(1.0));
	assert!(counted("nubes_attestation_epoch", &[]) >= Some(1.0));
}
