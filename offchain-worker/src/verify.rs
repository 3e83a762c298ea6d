//! The verifier's whole check of a provider's answers: the timed commitment (transport, timing,
//! shape, storage), then the openings of its fills against it.

use crate::{
	capacity::{self, CapacityFailure},
	protocol::{Answer, Challenge, Openings, MAX_ANSWER_BYTES, PROTOCOL_VERSION},
	storage::{self, StorageFailure},
};
use codec::{Decode, DecodeLimit, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Why a provider failed a challenge: what a validator reports.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Failure {
	/// No answer: the endpoint could not be reached or did not answer before the deadline.
	Unreachable,
	/// The endpoint answered with an HTTP status other than 200.
	HttpStatus(u16),
	/// The whole answer arrived after the deadline.
	Late {
		/// Milliseconds it took.
		elapsed_ms: u32,
	},
	/// The body is larger than [`MAX_ANSWER_BYTES`].
	Oversize,
	/// The body is not an answer.
	Malformed,
	/// The answer speaks another protocol version.
	WrongVersion,
	/// The answer is for another challenge.
	SeedMismatch,
	/// The capacity puzzle is not solved.
	Capacity(CapacityFailure),
	/// A storage probe is not answered.
	Storage(StorageFailure),
	/// A lease the chain holds active is not running: its liveness probe got no answer in
	/// time, another status than 200, or an answer that does not say it runs.
	LeaseDown {
		/// The lease.
		lease: u64,
	},
}

/// The check of a lease's liveness probe: `Ok` only for a 200 whose body says the lease runs.
pub fn check_liveness(lease: u64, status: u16, body: &[u8]) -> Result<(), Failure> {
	let down = Failure::LeaseDown { lease };
	if status != 200 || body.len() > crate::protocol::MAX_LIVENESS_BYTES {
		return Err(down);
	}
	match serde_json::from_slice::<crate::protocol::Liveness>(body) {
		Ok(live) if live.lease == lease && live.running => Ok(()),
		_ => Err(down),
	}
}

/// Reads an answer body (JSON), refusing oversize or malformed ones.
pub fn parse_answer(body: &[u8]) -> Result<Answer, Failure> {
	if body.len() > MAX_ANSWER_BYTES {
		return Err(Failure::Oversize);
	}
	serde_json::from_slice(body).map_err(|_| Failure::Malformed)
}

/// How deep an openings body's SCALE nesting may go: `Openings` → `Opening` → `OpenedBlock`.
const OPENINGS_DEPTH: u32 = 8;

/// Reads an openings body (SCALE), refusing oversize or malformed ones: the whole body must be
/// one `Openings`, and no length it claims allocates more than the body holds.
pub fn parse_openings(body: &[u8]) -> Result<Openings, Failure> {
	if body.len() > MAX_ANSWER_BYTES {
		return Err(Failure::Oversize);
	}
	Openings::decode_all_with_depth_limit(OPENINGS_DEPTH, &mut &body[..])
		.map_err(|_| Failure::Malformed)
}

/// Checks the timed `answer` to `challenge`, received `elapsed_ms` after sending it: in time,
/// for this challenge, one root per unit, and the storage probes answered. The roots are checked
/// by the openings they draw ([`verify_openings`]).
pub fn verify(challenge: &Challenge, answer: &Answer, elapsed_ms: u32) -> Result<(), Failure> {
	if elapsed_ms > challenge.deadline_ms {
		return Err(Failure::Late { elapsed_ms });
	}
	if answer.version != PROTOCOL_VERSION {
		return Err(Failure::WrongVersion);
	}
	if answer.seed != challenge.seed {
		return Err(Failure::SeedMismatch);
	}
	if answer.roots.len() != challenge.capacity.units as usize {
		return Err(Failure::Capacity(CapacityFailure::WrongUnitCount));
	}
	storage::verify(&challenge.storage, &answer.storage).map_err(Failure::Storage)
}

/// Checks the `openings` of what a provider committed to in its timed `answer`: the fills'
/// openings, drawn from the answer's roots so the prover could not pick them, each recomputing
/// to a block under its root; and each probed shard's sealed chunk, holding the window given in
/// time and unsealing to a chunk under the shard's root.
pub fn verify_openings(
	challenge: &Challenge,
	answer: &Answer,
	openings: &Openings,
) -> Result<(), Failure> {
	if openings.version != PROTOCOL_VERSION {
		return Err(Failure::WrongVersion);
	}
	if openings.seed != challenge.seed {
		return Err(Failure::SeedMismatch);
	}
	capacity::verify(
		&challenge.seed,
		&challenge.provider,
		&challenge.capacity,
		&answer.roots,
		&openings.openings,
	)
	.map_err(Failure::Capacity)?;
	storage::verify_sealed(
		&challenge.provider,
		&challenge.storage,
		&answer.storage,
		&openings.storage,
	)
	.map_err(Failure::Storage)
}

/// The whole check of the timed HTTP response: status, time, size, parse, then [`verify`];
/// the answer, whose roots the openings are checked against.
pub fn check_response(
	challenge: &Challenge,
	status: u16,
	body: &[u8],
	elapsed_ms: u32,
) -> Result<Answer, Failure> {
	if status != 200 {
		return Err(Failure::HttpStatus(status));
	}
	if elapsed_ms > challenge.deadline_ms {
		return Err(Failure::Late { elapsed_ms });
	}
	let answer = parse_answer(body)?;
	verify(challenge, &answer, elapsed_ms)?;
	Ok(answer)
}

/// The whole check of the openings' HTTP response: status, size, parse, then
/// [`verify_openings`] against the timed `answer`.
pub fn check_openings(
	challenge: &Challenge,
	answer: &Answer,
	status: u16,
	body: &[u8],
) -> Result<(), Failure> {
	if status != 200 {
		return Err(Failure::HttpStatus(status));
	}
	verify_openings(challenge, answer, &parse_openings(body)?)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		protocol::{CapacityChallenge, StorageChallenge},
		prover::{NoStorage, Prover},
	};
	use codec::{Decode, Encode};

	fn challenge() -> Challenge {
		Challenge {
			version: PROTOCOL_VERSION,
			seed: [5; 32],
			provider: [6; 32],
			capacity: CapacityChallenge { units: 2, blocks: 128, samples: 8 },
			storage: vec![],
			deadline_ms: 1_000,
		}
	}

	fn body(answer: &Answer) -> Vec<u8> {
		serde_json::to_vec(answer).unwrap()
	}

	#[test]
	fn a_valid_answer_passes_through_json() {
		let proof = Prover::new(2, 2).answer(&challenge(), &NoStorage, None).unwrap();
		let answer = check_response(&challenge(), 200, &body(&proof.answer), 999).unwrap();
		assert_eq!(answer, proof.answer);
		let openings = proof.openings.encode();
		assert_eq!(check_openings(&challenge(), &answer, 200, &openings), Ok(()));
	}

	#[test]
	fn openings_are_checked_against_the_roots_committed_in_time() {
		let c = challenge();
		let proof = Prover::new(2, 2).answer(&c, &NoStorage, None).unwrap();
		let answer = &proof.answer;
		let scale = |openings: &Openings| openings.encode();
		assert_eq!(check_openings(&c, answer, 404, b""), Err(Failure::HttpStatus(404)));
		assert_eq!(check_openings(&c, answer, 200, b"[]"), Err(Failure::Malformed));
		// Trailing bytes, a length claiming more than the body, a body too large.
		let mut longer = scale(&proof.openings);
		longer.push(0);
		assert_eq!(check_openings(&c, answer, 200, &longer), Err(Failure::Malformed));
		let mut claims = scale(&Openings {
			version: PROTOCOL_VERSION,
			seed: c.seed,
			openings: vec![],
			storage: vec![],
		});
		*claims.last_mut().unwrap() = 0xff;
		claims.extend([0xff; 3]);
		assert_eq!(check_openings(&c, answer, 200, &claims), Err(Failure::Malformed));
		let huge = vec![0u8; MAX_ANSWER_BYTES + 1];
		assert_eq!(check_openings(&c, answer, 200, &huge), Err(Failure::Oversize));
		let mut old = proof.openings.clone();
		old.version = 3;
		assert_eq!(check_openings(&c, answer, 200, &scale(&old)), Err(Failure::WrongVersion));
		let mut other = proof.openings.clone();
		other.seed = [1; 32];
		assert_eq!(check_openings(&c, answer, 200, &scale(&other)), Err(Failure::SeedMismatch));
		// Openings of another fill than the one committed: a prover that sent roots in time
		// without the fills cannot open them afterwards.
		let mut committed = answer.clone();
		committed.roots[1][0] ^= 1;
		assert!(matches!(
			check_openings(&c, &committed, 200, &scale(&proof.openings)),
			Err(Failure::Capacity(_))
		));
		let mut fewer = proof.openings.clone();
		fewer.openings.pop();
		assert_eq!(
			check_openings(&c, answer, 200, &scale(&fewer)),
			Err(Failure::Capacity(CapacityFailure::WrongOpeningCount))
		);
	}

	#[test]
	fn every_bad_response_fails_with_its_reason() {
		let c = challenge();
		let answer = Prover::new(2, 2).answer(&c, &NoStorage, None).unwrap().answer;
		assert_eq!(check_response(&c, 500, b"", 10), Err(Failure::HttpStatus(500)));
		assert_eq!(
			check_response(&c, 200, &body(&answer), 1_001),
			Err(Failure::Late { elapsed_ms: 1_001 })
		);
		assert_eq!(check_response(&c, 200, b"{not json", 10), Err(Failure::Malformed));
		assert_eq!(
			check_response(&c, 200, br#"{"version":1,"seed":"0x05"}"#, 10),
			Err(Failure::Malformed)
		);
		let huge = vec![b' '; MAX_ANSWER_BYTES + 1];
		assert_eq!(check_response(&c, 200, &huge, 10), Err(Failure::Oversize));
		let mut old = answer.clone();
		old.version = 0;
		assert_eq!(check_response(&c, 200, &body(&old), 10), Err(Failure::WrongVersion));
		let mut replayed = answer.clone();
		replayed.seed = [9; 32];
		assert_eq!(check_response(&c, 200, &body(&replayed), 10), Err(Failure::SeedMismatch));
		let mut missing_unit = answer.clone();
		missing_unit.roots.pop();
		assert_eq!(
			check_response(&c, 200, &body(&missing_unit), 10),
			Err(Failure::Capacity(CapacityFailure::WrongUnitCount))
		);
		let mut storage = c.clone();
		storage.storage =
			vec![StorageChallenge { lease: 1, root: [0; 32], chunks: 4, chunk: 1, window: 0 }];
		assert_eq!(
			check_response(&storage, 200, &body(&answer), 10),
			Err(Failure::Storage(StorageFailure::WrongLease { probe: 0 }))
		);
	}

	#[test]
	fn a_lease_is_live_only_when_its_agent_says_it_runs_that_lease() {
		let body = |lease: u64, running: bool| {
			serde_json::to_vec(&crate::protocol::Liveness { lease, running }).unwrap()
		};
		assert_eq!(check_liveness(7, 200, &body(7, true)), Ok(()));
		let down = Err(Failure::LeaseDown { lease: 7 });
		assert_eq!(check_liveness(7, 200, &body(7, false)), down);
		assert_eq!(check_liveness(7, 200, &body(8, true)), down, "another lease's answer");
		assert_eq!(check_liveness(7, 503, &body(7, true)), down);
		assert_eq!(check_liveness(7, 404, b"lease 7 runs nothing here"), down);
		assert_eq!(check_liveness(7, 200, b"OK"), down);
		let mut padded = body(7, true);
		padded.resize(2_000, b' ');
		assert_eq!(check_liveness(7, 200, &padded), down, "oversize");
		assert_eq!(crate::protocol::liveness_path(7), "/nubes/v1/leases/7/live");
	}

	#[test]
	fn json_and_scale_round_trip() {
		let mut c = challenge();
		c.storage =
			vec![StorageChallenge { lease: 3, root: [7; 32], chunks: 9, chunk: 8, window: 2 }];
		let json = serde_json::to_string(&c).unwrap();
		assert!(json.contains(r#""deadlineMs":1000"#), "{json}");
		assert!(json.contains(&format!(r#""seed":"0x{}""#, "05".repeat(32))), "{json}");
		assert_eq!(serde_json::from_str::<Challenge>(&json).unwrap(), c);
		assert_eq!(Challenge::decode(&mut &c.encode()[..]).unwrap(), c);
		// Unknown fields and short hex are refused.
		assert!(serde_json::from_str::<Challenge>(
			&json.replace("\"version\"", "\"extra\":1,\"version\"")
		)
		.is_err());
		assert!(serde_json::from_str::<Challenge>(&json.replace(&"05".repeat(32), "05")).is_err());
		let failure = Failure::Capacity(CapacityFailure::WrongBlock { sample: 1 });
		assert_eq!(Failure::decode(&mut &failure.encode()[..]).unwrap(), failure);
	}
}
