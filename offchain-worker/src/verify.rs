//! The verifier's whole check of one response: transport, timing, shape, compute, storage.

use crate::{
	capacity::{self, CapacityFailure},
	protocol::{Answer, Challenge, MAX_ANSWER_BYTES, PROTOCOL_VERSION},
	storage::{self, StorageFailure},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
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

/// Checks `answer` to `challenge`, received `elapsed_ms` after sending it. The blocks it opens
/// are drawn from the answer's own roots, so the prover could not pick them.
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
	capacity::verify(&challenge.seed, &challenge.provider, &challenge.capacity, &answer.capacity)
		.map_err(Failure::Capacity)?;
	storage::verify(&challenge.storage, &answer.storage).map_err(Failure::Storage)
}

/// The whole check of an HTTP response: status, size, parse, then [`verify`].
pub fn check_response(
	challenge: &Challenge,
	status: u16,
	body: &[u8],
	elapsed_ms: u32,
) -> Result<(), Failure> {
	if status != 200 {
		return Err(Failure::HttpStatus(status));
	}
	if elapsed_ms > challenge.deadline_ms {
		return Err(Failure::Late { elapsed_ms });
	}
	let answer = parse_answer(body)?;
	verify(challenge, &answer, elapsed_ms)
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
		let answer = Prover::new(2, 2).answer(&challenge(), &NoStorage, None).unwrap();
		assert_eq!(check_response(&challenge(), 200, &body(&answer), 999), Ok(()));
	}

	#[test]
	fn every_bad_response_fails_with_its_reason() {
		let c = challenge();
		let answer = Prover::new(2, 2).answer(&c, &NoStorage, None).unwrap();
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
		missing_unit.capacity.roots.pop();
		assert_eq!(
			check_response(&c, 200, &body(&missing_unit), 10),
			Err(Failure::Capacity(CapacityFailure::WrongUnitCount))
		);
		let mut storage = c.clone();
		storage.storage =
			vec![StorageChallenge { lease: 1, root: [0; 32], chunks: 4, indices: vec![1] }];
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
			vec![StorageChallenge { lease: 3, root: [7; 32], chunks: 9, indices: vec![2, 8] }];
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
