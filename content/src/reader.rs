//! Reading a content from sources nobody vouches for (a holder, a cache, a rebuild): every chunk
//! is checked against the content's root before a byte of it is used, so a reader needs only
//! the deal's root and size, read from the chain.

use crate::{chunks_of, ContentError, Index, CHUNK_BYTES, HEADER_BYTES, MAX_CONTENT_BYTES};
use nubes_proofs::ChunkProof;

/// Reads a content's files chunk by chunk from `source` (chunk index to the chunk and its
/// Merkle path), checking each against the root.
pub struct Reader<S> {
	root: [u8; 32],
	size: u64,
	source: S,
	index: Option<Index>,
}

impl<S: FnMut(u32) -> Result<ChunkProof, String>> Reader<S> {
	/// A reader of the content with `root` and `size` (as the deal commits them).
	pub fn new(root: [u8; 32], size: u64, source: S) -> Result<Self, ContentError> {
		if size > MAX_CONTENT_BYTES {
			return Err(ContentError::TooLarge(size));
		}
		if size < HEADER_BYTES as u64 {
			return Err(ContentError::NotContent);
		}
		Ok(Self { root, size, source, index: None })
	}

	/// How many chunks the content has.
	pub fn chunk_count(&self) -> u32 {
		self.size.div_ceil(CHUNK_BYTES as u64) as u32
	}

	/// Chunk `index`, checked: the one asked for, as long as that chunk is, under the root.
	pub fn chunk(&mut self, index: u32) -> Result<Vec<u8>, ContentError> {
		let count = self.chunk_count();
		if index >= count {
			return Err(ContentError::BadRange);
		}
		let proof = (self.source)(index).map_err(ContentError::Unavailable)?;
		let expected = if index + 1 == count {
			(self.size - u64::from(index) * CHUNK_BYTES as u64) as usize
		} else {
			CHUNK_BYTES
		};
		if proof.index != index
			|| proof.data.len() != expected
			|| !nubes_proofs::storage::verify_chunk(&self.root, count, &proof)
		{
			return Err(ContentError::BadChunk(index));
		}
		Ok(proof.data)
	}

	/// The bytes `range` of the stream, checked chunk by chunk.
	fn bytes(&mut self, range: core::ops::Range<u64>) -> Result<Vec<u8>, ContentError> {
		if range.end > self.size || range.start > range.end {
			return Err(ContentError::BadRange);
		}
		let mut out = Vec::with_capacity((range.end - range.start) as usize);
		for index in chunks_of(range.clone()) {
			let chunk = self.chunk(index)?;
			let base = u64::from(index) * CHUNK_BYTES as u64;
			let from = range.start.saturating_sub(base) as usize;
			let to = (range.end - base).min(chunk.len() as u64) as usize;
			out.extend_from_slice(&chunk[from..to]);
		}
		Ok(out)
	}

	/// The index, read (and checked against the stream's size) once.
	pub fn index(&mut self) -> Result<&Index, ContentError> {
		if self.index.is_none() {
			let header = self.bytes(0..HEADER_BYTES as u64)?;
			let head = Index::head_len(&header)? as u64;
			if head > self.size {
				return Err(ContentError::IndexMismatch("the index is longer than the stream"));
			}
			let bytes = self.bytes(0..head)?;
			self.index = Some(Index::read(&bytes, self.size)?);
		}
		self.index.as_ref().ok_or(ContentError::BadIndex)
	}

	/// The bytes `range` (start included, end excluded; `None` for all) of the file at `path`.
	/// A range past the file's end is cut at its end; one starting past it is refused.
	pub fn read(
		&mut self,
		path: &str,
		range: Option<core::ops::Range<u64>>,
	) -> Result<Vec<u8>, ContentError> {
		let entry = self.index()?.get(path).ok_or_else(|| ContentError::NoSuchPath(path.into()))?;
		let (offset, size) = (entry.offset, entry.size);
		let range = range.unwrap_or(0..size);
		if range.start > range.end || range.start > size {
			return Err(ContentError::BadRange);
		}
		self.bytes(offset + range.start..offset + range.end.min(size))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::Content;

	/// A content of `files` files whose index spans more than one chunk.
	fn big_site(files: usize) -> Content {
		let mut all: Vec<(String, Vec<u8>)> = (0..files)
			.map(|i| (format!("pages/{i:05}/{}.html", "long-name-".repeat(8)), vec![i as u8; 10]))
			.collect();
		all.push(("video.bin".into(), (0..600_000u32).map(|i| (i % 251) as u8).collect()));
		Content::from_files(all).unwrap()
	}

	/// Chunks straight from `content`, through `tamper`.
	fn source<'a>(
		content: &'a Content,
		tamper: impl Fn(u32, &mut ChunkProof) + 'a,
	) -> impl FnMut(u32) -> Result<ChunkProof, String> + 'a {
		let chunks: Vec<&[u8]> = content.chunks().collect();
		move |index| {
			let mut proof =
				nubes_proofs::storage::prove_chunk(&chunks, index).ok_or("no such chunk")?;
			tamper(index, &mut proof);
			Ok(proof)
		}
	}

	#[test]
	fn files_and_ranges_read_back_checked_from_an_index_of_several_chunks() {
		let content = big_site(5_000);
		let head = Index::head_len(content.bytes()).unwrap();
		assert!(head > 2 * CHUNK_BYTES, "an index of {head} bytes spans three chunks");
		let mut reader =
			Reader::new(content.root(), content.size(), source(&content, |_, _| {})).unwrap();
		assert_eq!(reader.index().unwrap(), content.index());
		let path = &content.index().entries[1234].path.clone();
		assert_eq!(reader.read(path, None).unwrap(), content.file(path).unwrap());
		let video = content.file("video.bin").unwrap();
		assert_eq!(reader.read("video.bin", None).unwrap(), video);
		// A range across a chunk boundary, one cut at the end, an empty one.
		let boundary = (CHUNK_BYTES as u64)
			- content.index().get("video.bin").unwrap().offset % CHUNK_BYTES as u64;
		let across = boundary - 5..boundary + 5;
		assert_eq!(
			reader.read("video.bin", Some(across.clone())).unwrap(),
			&video[across.start as usize..across.end as usize]
		);
		assert_eq!(reader.read("video.bin", Some(599_990..700_000)).unwrap(), &video[599_990..]);
		assert_eq!(reader.read("video.bin", Some(10..10)).unwrap(), Vec::<u8>::new());
		assert_eq!(reader.read("video.bin", Some(600_001..600_002)), Err(ContentError::BadRange));
		assert_eq!(reader.read("nowhere", None), Err(ContentError::NoSuchPath("nowhere".into())));
	}

	#[test]
	fn a_chunk_that_is_not_the_committed_one_is_refused() {
		let content = big_site(10);
		let (root, size) = (content.root(), content.size());
		let last = content.chunk_count() - 1;
		// A flipped byte, another chunk's data, a longer chunk, an unreachable source.
		let mut flipped = Reader::new(
			root,
			size,
			source(&content, |i, p| {
				if i == last {
					p.data[3] ^= 1;
				}
			}),
		)
		.unwrap();
		assert_eq!(flipped.read("video.bin", None), Err(ContentError::BadChunk(last)));
		let mut swapped = Reader::new(
			root,
			size,
			source(&content, |i, p| {
				if i == 1 {
					p.index = 0;
				}
			}),
		)
		.unwrap();
		assert_eq!(swapped.read("video.bin", None), Err(ContentError::BadChunk(1)));
		let mut padded = Reader::new(
			root,
			size,
			source(&content, |i, p| {
				if i == last {
					p.data.push(0);
				}
			}),
		)
		.unwrap();
		assert_eq!(padded.chunk(last), Err(ContentError::BadChunk(last)));
		let mut away = Reader::new(root, size, |_| Err("connection refused".to_string())).unwrap();
		assert_eq!(
			away.index().err(),
			Some(ContentError::Unavailable("connection refused".into()))
		);
		// The right chunks under another root.
		let mut other = Reader::new([7; 32], size, source(&content, |_, _| {})).unwrap();
		assert_eq!(other.index().err(), Some(ContentError::BadChunk(0)));
		assert!(Reader::new(root, MAX_CONTENT_BYTES + 1, source(&content, |_, _| {})).is_err());
	}
}
