//! # nubes-content
//!
//! What a dApp stores on Nubes, byte for byte, shared by everyone who must agree on it: the
//! client that packs and uploads it, the agents that hold and rebuild it, the gateways that serve
//! it and the validators that challenge its holders.
//!
//! ## The content stream ([`Content`])
//!
//! A deal stores one *content*: a file or a directory, packed as one stream of bytes:
//!
//! ```text
//! "nubes/c1"  index length (u32, little-endian)  index (SCALE)  file bytes, in index order
//! ```
//!
//! The [`Index`] lists every file by path (sorted, unique, `/`-separated, no `.` or `..`
//! segments), with its size, its content type (guessed from its name) and its offset in the
//! stream; the files follow it back to back, so a directory of small files wastes nothing. A
//! single file is a directory of one entry, named by the file's name.
//!
//! The stream is cut into chunks of [`CHUNK_BYTES`] (256 KiB, the last one shorter), and the
//! content's *root* is the binary Merkle root of the chunks (blake2-256 leaves,
//! `nubes_proofs::storage::commit`): a reader fetches the first chunk, reads the index (more
//! chunks if the index is longer), and then exactly the chunks a file spans, each checked
//! against the root with its Merkle path before a byte of it is used ([`Reader`]).
//!
//! ## Erasure coding ([`erasure`])
//!
//! The chunks are grouped `data` at a time into *stripes* (the last chunk padded with zeros to
//! a whole chunk, the last stripe with zero chunks), and each stripe is extended with `parity`
//! Reed–Solomon chunks (`reed-solomon-simd`, GF(2^16)). *Shard* `j` holds chunk `j` of every
//! stripe: shards `0..data` are the content itself, the rest parity; any `data` of the
//! `data + parity` shards give back the content. Each shard has its own Merkle root over its
//! chunks, which its holder is challenged against. A deal commits to the content's root and
//! size, the erasure parameters and every shard's root.

#![warn(missing_docs)]

pub mod erasure;
mod error;
mod index;
mod pack;
mod reader;

pub use erasure::{Erasure, Shard};
pub use error::ContentError;
pub use index::{Entry, Index, HEADER_BYTES, MAGIC, MAX_ENTRIES, MAX_INDEX_BYTES, MAX_PATH_BYTES};
pub use pack::{chunks_of, Content, CHUNK_BYTES, MAX_CONTENT_BYTES};
pub use reader::Reader;
