//! Why content is refused: every input (files to pack, a stream read back, shards from other
//! holders) is checked, and each way it can be wrong has its own error.

/// Why content could not be packed, read or rebuilt.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentError {
	/// A path is empty, too long, absolute, has an empty, `.` or `..` segment, or a control
	/// character or backslash.
	#[error("bad path {0:?}: relative, `/`-separated, no empty, `.` or `..` segments, at most 1024 bytes")]
	BadPath(String),
	/// Two files have the same path, or one's path is a directory of another's.
	#[error("path {0:?} is given twice, or is both a file and a directory")]
	PathConflict(String),
	/// More files than [`crate::MAX_ENTRIES`].
	#[error("{0} files: at most {max}", max = crate::MAX_ENTRIES)]
	TooManyFiles(usize),
	/// The content is larger than [`crate::MAX_CONTENT_BYTES`].
	#[error("{0} bytes: content is at most {max} bytes", max = crate::MAX_CONTENT_BYTES)]
	TooLarge(u64),
	/// Nothing to store.
	#[error("no file to store")]
	Empty,
	/// The stream does not start with [`crate::MAGIC`] and a whole header.
	#[error("not a Nubes content stream")]
	NotContent,
	/// The index is larger than [`crate::MAX_INDEX_BYTES`], or does not decode.
	#[error("the index does not decode")]
	BadIndex,
	/// The index does not describe the stream: unsorted paths, a content type that is not
	/// printable ASCII, or files that do not follow each other to the stream's end.
	#[error("the index does not describe the stream: {0}")]
	IndexMismatch(&'static str),
	/// Erasure parameters out of range.
	#[error(
		"erasure {data} + {parity}: data and parity shards at least 1 each, at most 255 in all"
	)]
	BadErasure {
		/// Data shards.
		data: u8,
		/// Parity shards.
		parity: u8,
	},
	/// Shards that do not fit together: too few, unknown or repeated indices, or chunks of
	/// other counts or sizes.
	#[error("shards do not fit: {0}")]
	BadShards(&'static str),
	/// The Reed–Solomon coder refused the shards.
	#[error("erasure coding: {0}")]
	Coding(String),
	/// A chunk a source gave is not the committed one: another index, another length, or a
	/// path that does not lead to the root.
	#[error("chunk {0} does not match the content's root")]
	BadChunk(u32),
	/// A source could not give a chunk.
	#[error("chunk source: {0}")]
	Unavailable(String),
	/// No file at this path.
	#[error("no file {0:?} in this content")]
	NoSuchPath(String),
	/// A byte range outside the file or the stream.
	#[error("range outside the file")]
	BadRange,
	/// Reading files from disk.
	#[error("{path}: {error}")]
	Io {
		/// The file or directory.
		path: String,
		/// What went wrong.
		error: String,
	},
}
