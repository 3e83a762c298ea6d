//! A content: the files packed as one stream (header, index, files), cut into chunks, with the
//! Merkle root that commits to all of it.

use crate::{index::check_path, ContentError, Entry, Index, HEADER_BYTES};
use std::path::Path;

/// Bytes in a chunk: the unit of proofs, erasure coding and reads (the storage proofs'
/// largest chunk).
pub const CHUNK_BYTES: usize = nubes_proofs::protocol::MAX_CHUNK_BYTES;
/// Largest content one deal stores: 1 GiB.
pub const MAX_CONTENT_BYTES: u64 = 1 << 30;

/// A file or a directory packed as one stream, checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Content {
	bytes: Vec<u8>,
	index: Index,
}

impl Content {
	/// Packs `files` (path and bytes; any order) into a content: each path checked, the media
	/// type guessed from its name.
	pub fn from_files(mut files: Vec<(String, Vec<u8>)>) -> Result<Self, ContentError> {
		if files.is_empty() {
			return Err(ContentError::Empty);
		}
		if files.len() > crate::MAX_ENTRIES {
			return Err(ContentError::TooManyFiles(files.len()));
		}
		for (path, _) in &files {
			check_path(path)?;
		}
		files.sort_by(|a, b| a.0.cmp(&b.0));
		// The index's size depends on the offsets it holds; lay the files out twice, the
		// second time after an index of the right length.
		let lay_out = |data_start: u64| {
			let mut at = data_start;
			let entries = files
				.iter()
				.map(|(path, bytes)| {
					let entry = Entry {
						path: path.clone(),
						size: bytes.len() as u64,
						content_type: content_type(path),
						offset: at,
					};
					at = at.saturating_add(entry.size);
					entry
				})
				.collect();
			Index { entries }
		};
		let mut head_len = lay_out(0).head().len();
		let index = loop {
			let index = lay_out(head_len as u64);
			let len = index.head().len();
			if len == head_len {
				break index;
			}
			head_len = len;
		};
		let total = head_len as u64 + files.iter().map(|(_, b)| b.len() as u64).sum::<u64>();
		if total > MAX_CONTENT_BYTES {
			return Err(ContentError::TooLarge(total));
		}
		let mut bytes = index.head();
		bytes.reserve(total as usize - bytes.len());
		for (_, file) in &files {
			bytes.extend_from_slice(file);
		}
		index.check(head_len as u64, total)?;
		Ok(Self { bytes, index })
	}

	/// Packs a file (one entry, named by the file's name) or a directory (every regular file
	/// under it, by its path relative to it). Symbolic links and other special files are
	/// refused rather than followed: a link could pull in files from outside the directory.
	pub fn from_path(path: &Path) -> Result<Self, ContentError> {
		let io = |at: &Path, error: std::io::Error| ContentError::Io {
			path: at.display().to_string(),
			error: error.to_string(),
		};
		let meta = std::fs::symlink_metadata(path).map_err(|e| io(path, e))?;
		if meta.is_file() {
			let name = path
				.file_name()
				.and_then(|name| name.to_str())
				.ok_or_else(|| ContentError::BadPath(path.display().to_string()))?;
			let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
			return Self::from_files(vec![(name.to_string(), bytes)]);
		}
		let mut files = Vec::new();
		let mut total = 0u64;
		let mut pending = vec![path.to_path_buf()];
		while let Some(dir) = pending.pop() {
			for item in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
				let item = item.map_err(|e| io(&dir, e))?;
				let at = item.path();
				let kind = item.file_type().map_err(|e| io(&at, e))?;
				if kind.is_dir() {
					pending.push(at);
					continue;
				}
				if !kind.is_file() {
					return Err(ContentError::Io {
						path: at.display().to_string(),
						error: "not a regular file or directory (links are not followed)".into(),
					});
				}
				let relative = at
					.strip_prefix(path)
					.ok()
					.and_then(|relative| relative.to_str())
					.map(|relative| relative.replace(std::path::MAIN_SEPARATOR, "/"))
					.ok_or_else(|| ContentError::BadPath(at.display().to_string()))?;
				total = total.saturating_add(item.metadata().map_err(|e| io(&at, e))?.len());
				if total > MAX_CONTENT_BYTES {
					return Err(ContentError::TooLarge(total));
				}
				if files.len() >= crate::MAX_ENTRIES {
					return Err(ContentError::TooManyFiles(files.len() + 1));
				}
				files.push((relative, std::fs::read(&at).map_err(|e| io(&at, e))?));
			}
		}
		Self::from_files(files)
	}

	/// Reads a stream back (as rebuilt from shards or fetched chunk by chunk), checking its
	/// header and index.
	pub fn parse(bytes: Vec<u8>) -> Result<Self, ContentError> {
		if bytes.len() as u64 > MAX_CONTENT_BYTES {
			return Err(ContentError::TooLarge(bytes.len() as u64));
		}
		if bytes.len() < HEADER_BYTES {
			return Err(ContentError::NotContent);
		}
		let index = Index::read(&bytes, bytes.len() as u64)?;
		Ok(Self { bytes, index })
	}

	/// The whole stream.
	pub fn bytes(&self) -> &[u8] {
		&self.bytes
	}

	/// Its size in bytes.
	pub fn size(&self) -> u64 {
		self.bytes.len() as u64
	}

	/// The index.
	pub fn index(&self) -> &Index {
		&self.index
	}

	/// The bytes of the file at `path`.
	pub fn file(&self, path: &str) -> Option<&[u8]> {
		let entry = self.index.get(path)?;
		self.bytes.get(entry.offset as usize..entry.range().end as usize)
	}

	/// The chunks, in order; the last one may be shorter.
	pub fn chunks(&self) -> std::slice::Chunks<'_, u8> {
		self.bytes.chunks(CHUNK_BYTES)
	}

	/// How many chunks the stream has.
	pub fn chunk_count(&self) -> u32 {
		self.bytes.len().div_ceil(CHUNK_BYTES) as u32
	}

	/// The root committing to every chunk: what the deal records and readers check against.
	pub fn root(&self) -> [u8; 32] {
		let chunks: Vec<&[u8]> = self.chunks().collect();
		nubes_proofs::storage::commit(&chunks)
	}
}

/// The chunks of a stream that hold the bytes `range`.
pub fn chunks_of(range: core::ops::Range<u64>) -> core::ops::Range<u32> {
	let chunk = CHUNK_BYTES as u64;
	if range.is_empty() {
		let at = (range.start / chunk) as u32;
		return at..at;
	}
	(range.start / chunk) as u32..range.end.div_ceil(chunk) as u32
}

/// The media type a gateway sends for `path`, from its extension.
fn content_type(path: &str) -> String {
	mime_guess::from_path(path).first_or_octet_stream().essence_str().to_string()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn site() -> Vec<(String, Vec<u8>)> {
		vec![
			("index.html".into(), b"<!doctype html><title>Nubes</title>".to_vec()),
			("assets/app.js".into(), b"console.log('hi')".to_vec()),
			("assets/big.bin".into(), (0..700_000u32).map(|i| (i * 7) as u8).collect()),
			("empty.txt".into(), Vec::new()),
		]
	}

	#[test]
	fn a_directory_packs_and_reads_back_byte_identical() {
		let content = Content::from_files(site()).unwrap();
		for (path, bytes) in site() {
			assert_eq!(content.file(&path), Some(bytes.as_slice()), "{path}");
		}
		let index = content.index();
		assert_eq!(
			index.entries.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
			vec!["assets/app.js", "assets/big.bin", "empty.txt", "index.html"]
		);
		assert_eq!(index.get("index.html").unwrap().content_type, "text/html");
		assert_eq!(index.get("assets/app.js").unwrap().content_type, "text/javascript");
		assert_eq!(index.get("assets/big.bin").unwrap().content_type, "application/octet-stream");
		let again = Content::parse(content.bytes().to_vec()).unwrap();
		assert_eq!(again, content);
		assert_eq!(again.root(), content.root());
		// The big file spans chunks 0 to 3 of the 256 KiB chunks.
		let big = index.get("assets/big.bin").unwrap();
		assert_eq!(chunks_of(big.range()), 0..3);
		assert_eq!(content.chunk_count(), 3);
	}

	#[test]
	fn the_root_commits_to_every_byte_and_the_layout() {
		let content = Content::from_files(site()).unwrap();
		let mut bytes = content.bytes().to_vec();
		let last = bytes.len() - 1;
		bytes[last] ^= 1;
		let changed = Content::parse(bytes).unwrap();
		assert_ne!(changed.root(), content.root());
		// The same files in another order are the same content.
		let mut reversed = site();
		reversed.reverse();
		assert_eq!(Content::from_files(reversed).unwrap().root(), content.root());
	}

	#[test]
	fn bad_input_is_refused_with_its_reason() {
		assert_eq!(Content::from_files(vec![]), Err(ContentError::Empty));
		let escape = vec![("../secret".to_string(), vec![1])];
		assert!(matches!(Content::from_files(escape), Err(ContentError::BadPath(_))));
		let twice = vec![("a".to_string(), vec![1]), ("a".to_string(), vec![2])];
		assert!(Content::from_files(twice).is_err());
		let both = vec![("a".to_string(), vec![1]), ("a/b".to_string(), vec![2])];
		assert_eq!(Content::from_files(both), Err(ContentError::PathConflict("a".into())));
		assert_eq!(Content::parse(b"hello".to_vec()), Err(ContentError::NotContent));
		// A stream cut short no longer matches its index.
		let content = Content::from_files(site()).unwrap();
		let cut = content.bytes()[..content.bytes().len() - 1].to_vec();
		assert!(matches!(Content::parse(cut), Err(ContentError::IndexMismatch(_))));
	}

	#[test]
	fn a_file_or_a_directory_on_disk() {
		let dir = tempfile::tempdir().unwrap();
		std::fs::create_dir_all(dir.path().join("site/assets")).unwrap();
		std::fs::write(dir.path().join("site/index.html"), b"<p>hi</p>").unwrap();
		std::fs::write(dir.path().join("site/assets/a.css"), b"p{}").unwrap();
		let content = Content::from_path(&dir.path().join("site")).unwrap();
		assert_eq!(content.file("assets/a.css"), Some(&b"p{}"[..]));
		assert_eq!(content.index().entries.len(), 2);
		let single = Content::from_path(&dir.path().join("site/index.html")).unwrap();
		assert_eq!(single.file("index.html"), Some(&b"<p>hi</p>"[..]));
		#[cfg(unix)]
		{
			std::os::unix::fs::symlink("/etc", dir.path().join("site/etc")).unwrap();
			assert!(matches!(
				Content::from_path(&dir.path().join("site")),
				Err(ContentError::Io { .. })
			));
		}
		assert!(matches!(
			Content::from_path(&dir.path().join("nowhere")),
			Err(ContentError::Io { .. })
		));
	}
}
