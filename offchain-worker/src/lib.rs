//! # nubes-proofs
//!
//! What a Nubes capacity or storage proof *is*, shared by the two sides that must agree on it
//! byte for byte: the provider agent, which answers challenges (the prover, `std` feature), and
//! validators' off-chain workers, which issue challenges and check answers (the verifier,
//! `no_std`, runs inside the runtime).
//!
//! ## The exchange
//!
//! A validator's off-chain worker sends one HTTP request to the provider's registered endpoint:
//!
//! ```text
//! POST {endpoint}/nubes/v1/challenge
//! Content-Type: application/json
//! body: a SignedChallenge (JSON, see below)
//! ```
//!
//! A `SignedChallenge` carries the `Challenge`, its `epoch`, the sender's index `validator` in
//! the epoch's validator list and `signature`, the validator's `nubs` (sr25519) signature of
//! `SignedChallenge::signing_payload`. A provider answers only a validator the epoch's seed
//! assigns to it ([`assignment`]), once per epoch, and refuses anything else with a 4xx.
//!
//! and expects, before `deadline_ms` milliseconds have passed since it sent the request:
//!
//! ```text
//! 200 OK
//! Content-Type: application/json
//! body: an Answer (JSON), at most MAX_ANSWER_BYTES bytes
//! ```
//!
//! Anything else fails the challenge: no answer in time, a status other than 200, a body that
//! does not parse, an answer to another challenge (its `seed` differs), a wrong version, or an
//! answer that does not verify. The same types have a SCALE encoding for use on chain.
//!
//! JSON field names are camelCase; 32-byte values (seeds, accounts, roots, hashes) are
//! `0x`-prefixed lowercase hex; byte strings (chunk data) are `0x`-prefixed hex too. Example:
//!
//! ```json
//! {"challenge":{"version":2,"seed":"0x…","provider":"0x…",
//!   "compute":{"units":4,"solutionsPerUnit":64,"difficulty":12},
//!   "storage":[{"lease":7,"root":"0x…","chunks":1024,"indices":[3,999]}],
//!   "deadlineMs":2000},
//!  "epoch":12,"validator":1,"signature":"0x…(64 bytes)"}
//! ```
//!
//! ```json
//! {"version":2,"seed":"0x…","compute":[[17,40,…],[2,9,…],…],
//!  "storage":[{"lease":7,"chunks":[{"index":3,"data":"0x…","path":["0x…",…]},…]}]}
//! ```
//!
//! ## Compute capacity ([`compute`])
//!
//! A provider selling `n` cores gets `n` units of work. For each unit `u` it must find
//! `solutionsPerUnit` distinct nonces `x` such that
//! `blake2_256("nubes/compute/v1" ‖ seed ‖ provider ‖ u as u32 LE ‖ x as u64 LE)` starts with at
//! least `difficulty` zero bits, and list them in increasing order. Units are independent, so a
//! machine with `n` cores solves them in parallel in about the time one core solves one unit; a
//! machine with half the cores needs about twice as long and misses the deadline. The seed is
//! fresh for every challenge (the validator mixes its own randomness into the epoch's seed), so
//! nothing can be computed ahead. The verifier hashes only a few nonces per unit, picked after
//! the answer arrives ([`compute::verify`]), so checking costs `units × samples` hashes.
//!
//! ### Calibrating difficulty and deadline
//!
//! Each hash meets the target with probability `2^-difficulty`, so the time one core needs for
//! a unit is a sum of `k = solutionsPerUnit` exponential waits: mean `T = k · 2^d / H` for a
//! core doing `H` hashes per second, relative spread `1/√k`. An honest machine finishes in the
//! slowest of its units, about `T (1 + 3/√k)` in the worst of thousands of challenges; a machine
//! with half the cores runs two units per core, `2T (1 ± 1/√(2k))`. With `k = 64` and a deadline
//! of `1.5 T` plus the network round trip, the honest side fails about once in ten thousand
//! units and the half-cored side passes well under once in a hundred challenges. Pick `H` as
//! the hash rate of the slowest core you are willing to call a core (measure it with
//! `cargo bench -p nubes-proofs`), pick `T` (the seconds of full load you impose on a provider
//! per challenge), then `d = log2(T · H / k)`. `examples/calibrate.rs` runs the whole
//! experiment on the machine it runs on. What the puzzle measures is hash throughput in
//! reference cores: a provider with faster cores, or hashing hardware, can sell more "cores"
//! than it has; tie `H` to the slowest core you sell and treat units as compute units.
//!
//! ## Storage ([`storage`])
//!
//! For a lease whose data was committed on chain as the root of a binary Merkle tree over its
//! chunks (polkadot-sdk's `binary-merkle-tree`, leaves hashed with blake2-256), the challenge
//! names random chunk indices; the answer gives, for each, the chunk's bytes and its Merkle path.
//! The verifier hashes the chunk and walks the path to the committed root. Returning the bytes,
//! not only the chunk's hash, is what shows the data is still there: a provider could keep the
//! 32-byte hashes of a terabyte and throw the terabyte away.

#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

pub mod assignment;
pub mod compute;
mod hex_serde;
pub mod protocol;
#[cfg(feature = "std")]
pub mod prover;
pub mod storage;
pub mod verify;

pub use protocol::{
	Answer, Challenge, ChunkProof, ComputeChallenge, SignedChallenge, StorageAnswer,
	StorageChallenge, CHALLENGE_PATH, MAX_ANSWER_BYTES, PROTOCOL_VERSION,
};
pub use verify::{verify, Failure};
