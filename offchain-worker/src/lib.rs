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
//! Then, untimed beyond the same deadline from its own sending, it reads the openings the
//! answer's roots draw:
//!
//! ```text
//! GET {endpoint}/nubes/v1/challenge/0x{seed}/openings
//! 200 OK
//! Content-Type: application/octet-stream
//! body: Openings, SCALE-encoded, at most MAX_ANSWER_BYTES bytes
//! ```
//!
//! The split (protocol version 4) keeps the timed part small (one root per unit and a 64-byte
//! window per storage probe), so a validator can send a whole turn of challenges in one block
//! and read the openings afterwards; the openings were fixed by what was given in time, so
//! reading them later proves the same.
//!
//! Anything else fails the challenge: no answer in time, a status other than 200, a body that
//! does not parse, an answer to another challenge (its `seed` differs), a wrong version, or an
//! answer whose openings do not verify against its roots. The same types have a SCALE encoding
//! for use on chain.
//!
//! JSON field names (challenges and timed answers) are camelCase; 32-byte values (seeds,
//! accounts, roots, hashes) are `0x`-prefixed lowercase hex; byte strings (chunk data) are
//! `0x`-prefixed hex too.
//! Example:
//!
//! ```json
//! {"challenge":{"version":5,"seed":"0x…","provider":"0x…",
//!   "capacity":{"units":2,"blocks":65536,"samples":16},
//!   "storage":[{"lease":7,"root":"0x…","chunks":1024,"chunk":999,"window":4000}],
//!   "deadlineMs":1300},
//!  "epoch":12,"validator":1,"signature":"0x…(64 bytes)"}
//! ```
//!
//! ```json
//! {"version":5,"seed":"0x…","roots":["0x…","0x…"],
//!  "storage":[{"lease":7,"window":"0x…(64 bytes)"}]}
//! ```
//!
//! The openings are binary (SCALE, the chain's own encoding, of the `Openings` type): some
//! 85 KB of blocks and hashes that JSON's hex would double and a verifier in wasm would spend
//! longer parsing than checking.
//!
//! ## Idle capacity ([`capacity`])
//!
//! Capacity a provider has leased is its tenants' to use; what it offers and has not leased is
//! what a challenge proves. A validator asks one unit per idle core, each filling `blocks` KiB
//! (the idle memory's share per idle core, capped by the chain's parameter, a power of two).
//! A unit's fill is a sequential chain of 1 KiB blocks, each compressing its predecessor with
//! two earlier blocks the predecessor picks (Argon2's data-dependent construction), keyed by the
//! challenge's fresh seed, the provider and the unit. The prover commits each unit's fill with
//! a Merkle root, then opens `samples` blocks at positions drawn from the hash of the roots; the
//! verifier recomputes each opened block from its opened predecessor and two references and
//! checks all four against the root: two compressions and about `4 × log2(blocks)` hashes per
//! opening, whatever the fill's size.
//!
//! So the time an honest machine needs is one unit's fill, its cores working in parallel, and it
//! is nearly the same on every run (no lottery, unlike a hash puzzle). A machine with half the
//! cores fills two units per core, twice as long. A machine with half the memory must recompute
//! the blocks it dropped whenever a later block references them, recursively, and the same at the
//! openings. A machine that skips references to save either is caught by the openings: each lands
//! on a wrong block with the fraction of blocks it got wrong. `examples/calibrate.rs` measures
//! all three against the deadline on the machine it runs on.
//!
//! ## Leased capacity: liveness
//!
//! Capacity a provider has leased is not asked to prove anything; instead, with each challenge,
//! a validator probes a few of the provider's active leases:
//!
//! ```text
//! GET {endpoint}/nubes/v1/leases/{lease}/live
//! 200 OK
//! {"lease":7,"running":true}
//! ```
//!
//! Anything else ([`verify::check_liveness`]), or nothing within the probe's deadline, fails the
//! provider with `Failure::LeaseDown`.
//!
//! ## Storage ([`storage`])
//!
//! A storage deal's shard is committed on chain as the root of a binary Merkle tree over its
//! 256 KiB chunks (polkadot-sdk's `binary-merkle-tree`, leaves hashed with blake2-256). Its
//! holder keeps each chunk sealed under a key bound to its own account ([`seal`]): slow and
//! sequential to make, over a hundred times faster to undo. A probe names one chunk and a
//! 64-byte window in it. In time, the holder gives the window of the sealed chunk. Among the
//! openings, it gives the whole sealed chunk and the Merkle path of the chunk it unseals to. The
//! verifier checks that the window is in the sealed chunk, unseals it and walks the path to the
//! committed root.
//!
//! Returning bytes, not only a hash, shows the data is there: a provider could keep the 32-byte
//! hashes of a terabyte and throw the terabyte away. Sealing shows it is there *at this
//! holder*: a holder that kept nothing, and fetched and rebuilt the chunk from the other holders
//! when probed, would still have to seal it before the deadline, and sealing a chunk takes
//! longer than the deadline allows.

#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

pub mod assignment;
pub mod capacity;
mod hashing;
mod hex_serde;
pub mod protocol;
#[cfg(feature = "std")]
pub mod prover;
pub mod seal;
pub mod storage;
pub mod verify;

pub use protocol::{
	openings_path, Answer, CapacityChallenge, Challenge, ChunkProof, Openings, SignedChallenge,
	StorageAnswer, StorageChallenge, CHALLENGE_PATH, MAX_ANSWER_BYTES, PROTOCOL_VERSION,
};
pub use verify::{verify, Failure};
