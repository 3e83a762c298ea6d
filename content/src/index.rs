//! The index at the head of a content stream: every file's path, size, content type and place.

use crate::ContentError;
use codec::{Decode, DecodeLimit, Encode};

/// The bytes a content stream starts with: the format and its version.
pub const MAGIC: [u8; 8] = *b"nubes/c1";
/// The header: [`MAGIC`] and the index's length (u32, little-endian).
pub const HEADER_BYTES: usize = MAGIC.len() + 4;
/// Most files in one content.
pub const MAX_ENTRIES: usize = 65_536;
/// Longest path, in bytes.
pub const MAX_PATH_BYTES: usize = 1_024;
/// Longest content type, in bytes.
pub const MAX_CONTENT_TYPE_BYTES: usize = 255;
/// Largest index, in bytes: [`MAX_ENTRIES`] files with paths of about 200 bytes.
pub const MAX_INDEX_BYTES: usize = 16 * 1024 * 1024;

/// One file of a content.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Entry {
	/// Its path: relative, `/`-separated.
	pub path: String,
	/// Its size in bytes.
	pub size: u64,
	/// Its media type, as a gateway serves it (`text/html`, `application/octet-stream`, ...).
	pub content_type: String,
	/// Where its bytes start in the stream.
	pub offset: u64,
}

impl Entry {
	/// The stream's byte range this file occupies.
	pub fn range(&self) -> core::ops::Range<u64> {
		self.offset..self.offset.saturating_add(self.size)
	}
}

/// Every file of a content, sorted by path.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct Index {
	/// The files, sorted by path, each path once.
	pub entries: Vec<Entry>,
}

impl Index {
	/// The file at `path`, if there is one.
	pub fn get(&self, path: &str) -> Option<&Entry> {
		self.entries
			.binary_search_by(|entry| entry.path.as_str().cmp(path))
			.ok()
			.and_then(|at| self.entries.get(at))
	}

	/// The header and the index as they start a stream.
	pub fn head(&self) -> Vec<u8> {
		let index = self.encode();
		let mut head = Vec::with_capacity(HEADER_BYTES + index.len());
		head.extend_from_slice(&MAGIC);
		head.extend_from_slice(&(index.len() as u32).to_le_bytes());
		head.extend_from_slice(&index);
		head
	}

	/// How many bytes of the stream's start hold the header and the index, read from the first
	/// bytes of a stream (at least [`HEADER_BYTES`] of them): what a reader must fetch before it
	/// can read the index.
	pub fn head_len(start: &[u8]) -> Result<usize, ContentError> {
		let header = start.get(..HEADER_BYTES).ok_or(ContentError::NotContent)?;
		if header[..MAGIC.len()] != MAGIC {
			return Err(ContentError::NotContent);
		}
		let mut length = [0u8; 4];
		length.copy_from_slice(&header[MAGIC.len()..]);
		let length = u32::from_le_bytes(length) as usize;
		if length > MAX_INDEX_BYTES {
			return Err(ContentError::BadIndex);
		}
		Ok(HEADER_BYTES + length)
	}

	/// Reads the index from the start of a stream of `total` bytes, of which `start` holds at
	/// least [`Index::head_len`], and checks that it describes that stream.
	pub fn read(start: &[u8], total: u64) -> Result<Index, ContentError> {
		let head = Self::head_len(start)?;
		let bytes = start.get(HEADER_BYTES..head).ok_or(ContentError::NotContent)?;
		// Each level of nesting (index, entries, entry, strings) is one.
		let index = Index::decode_all_with_depth_limit(4, &mut &bytes[..])
			.map_err(|_| ContentError::BadIndex)?;
		index.check(head as u64, total)?;
		Ok(index)
	}

	/// Checks the index describes a stream of `total` bytes whose files start at `data_start`:
	/// valid, sorted and unique paths, no path both a file and a directory, printable content
	/// types, and files back to back from `data_start` to the end.
	pub fn check(&self, data_start: u64, total: u64) -> Result<(), ContentError> {
		if self.entries.len() > MAX_ENTRIES {
			return Err(ContentError::TooManyFiles(self.entries.len()));
		}
		if self.entries.is_empty() {
			return Err(ContentError::Empty);
		}
		let mut at = data_start;
		for (i, entry) in self.entries.iter().enumerate() {
			check_path(&entry.path)?;
			if let Some(next) = self.entries.get(i + 1) {
				if next.path <= entry.path {
					return Err(ContentError::IndexMismatch("paths not sorted and unique"));
				}
			}
			// A file "a" and a directory "a/": the directory's first path is where "a/" would
			// sort (one search, not a scan: "a", "aa", "aaa"... would make a scan quadratic).
			let dir = format!("{}/", entry.path);
			let first = self.entries.partition_point(|other| other.path.as_str() < dir.as_str());
			if self.entries.get(first).is_some_and(|other| other.path.starts_with(&dir)) {
				return Err(ContentError::PathConflict(entry.path.clone()));
			}
			if entry.content_type.is_empty()
				|| entry.content_type.len() > MAX_CONTENT_TYPE_BYTES
				|| !entry.content_type.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
			{
				return Err(ContentError::IndexMismatch("a content type is not printable ASCII"));
			}
			if entry.offset != at {
				return Err(ContentError::IndexMismatch("files do not follow each other"));
			}
			at = at.checked_add(entry.size).ok_or(ContentError::IndexMismatch("sizes overflow"))?;
		}
		if at != total {
			return Err(ContentError::IndexMismatch("files do not end where the stream does"));
		}
		Ok(())
	}
}

/// Checks one path: relative, `/`-separated, no empty, `.` or `..` segment, no control
/// character or backslash, at most [`MAX_PATH_BYTES`].
pub fn check_path(path: &str) -> Result<(), ContentError> {
	let bad = || ContentError::BadPath(path.chars().take(64).collect());
	if path.is_empty() || path.len() > MAX_PATH_BYTES {
		return Err(bad());
	}
	if path.chars().any(|c| c.is_control() || c == '\\') {
		return Err(bad());
	}
	if path.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
		return Err(bad());
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn entry(path: &str, size: u64, offset: u64) -> Entry {
		Entry { path: path.into(), size, content_type: "text/plain".into(), offset }
	}

	#[test]
	fn paths_that_could_escape_or_collide_are_refused() {
		for bad in ["", "/etc/passwd", "a//b", "a/./b", "../x", "a/..", "a\\b", "a\nb", "a/"] {
			assert!(matches!(check_path(bad), Err(ContentError::BadPath(_))), "{bad:?}");
		}
		assert!(check_path(&"a".repeat(MAX_PATH_BYTES + 1)).is_err());
		for good in ["index.html", "assets/app.js", "a b/ü.txt", ".well-known/x"] {
			assert_eq!(check_path(good), Ok(()), "{good:?}");
		}
	}

	#[test]
	fn an_index_must_describe_its_stream_exactly() {
		let index = Index { entries: vec![entry("a", 3, 10), entry("b/c", 4, 13)] };
		assert_eq!(index.check(10, 17), Ok(()));
		assert!(matches!(index.check(10, 18), Err(ContentError::IndexMismatch(_))), "too short");
		assert!(matches!(index.check(11, 18), Err(ContentError::IndexMismatch(_))), "a gap");
		let unsorted = Index { entries: vec![entry("b", 3, 10), entry("a", 4, 13)] };
		assert!(matches!(unsorted.check(10, 17), Err(ContentError::IndexMismatch(_))));
		let twice = Index { entries: vec![entry("a", 3, 10), entry("a", 4, 13)] };
		assert!(matches!(twice.check(10, 17), Err(ContentError::IndexMismatch(_))));
		// "a" and "a/b": a file and a directory of one name, with "a-x" sorted between them.
		let both =
			Index { entries: vec![entry("a", 1, 10), entry("a-x", 1, 11), entry("a/b", 1, 12)] };
		assert_eq!(both.check(10, 13), Err(ContentError::PathConflict("a".into())));
		let overflow = Index { entries: vec![entry("a", u64::MAX, 10), entry("b", 1, 9)] };
		assert!(overflow.check(10, 10).is_err());
		let mut typed = index.clone();
		typed.entries[0].content_type = "text/html\r\nSet-Cookie: x".into();
		assert!(matches!(typed.check(10, 17), Err(ContentError::IndexMismatch(_))));
		assert_eq!(Index::default().check(0, 0), Err(ContentError::Empty));
	}

	#[test]
	fn a_hostile_header_is_refused_before_anything_is_allocated() {
		assert_eq!(Index::head_len(b"nubes/c"), Err(ContentError::NotContent));
		assert_eq!(Index::head_len(b"nubes/c0\0\0\0\0"), Err(ContentError::NotContent));
		let mut huge = MAGIC.to_vec();
		huge.extend_from_slice(&u32::MAX.to_le_bytes());
		assert_eq!(Index::head_len(&huge), Err(ContentError::BadIndex));
		// An index claiming a million entries in a few bytes.
		let mut lying = MAGIC.to_vec();
		lying.extend_from_slice(&5u32.to_le_bytes());
		lying.extend_from_slice(&[0x02, 0x09, 0x3d, 0x00, 0x00]);
		assert_eq!(Index::read(&lying, 100), Err(ContentError::BadIndex));
	}
}
