//! Names: the DNS labels a dApp is reached by (`{name}.{gateway domain}`), with the rules the
//! chain applies to them and that the client, the CLI and the gateways apply before asking it,
//! so that every piece agrees on which names can exist.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{traits::ConstU32, BoundedVec};

/// Shortest name, in bytes.
pub const MIN_NAME: usize = 3;
/// Longest name: a DNS label.
pub const MAX_NAME: usize = 63;
/// Longest path inside a site a name may point to.
pub const MAX_SITE_PATH: u32 = 255;
/// Most replicas (leases) a name may point to.
pub const MAX_REPLICAS: u32 = 16;
/// Names nobody may register: those a gateway or a provider's machine answers for itself, and
/// those a reader would take for the operator's own.
pub const RESERVED: &[&str] = &[
	"api",
	"admin",
	"dashboard",
	"gateway",
	"localhost",
	"mail",
	"metrics",
	"nubes",
	"rpc",
	"status",
	"wss",
	"www",
];

/// A name as stored: 3 to 63 bytes of `[a-z0-9-]`, checked by [`check_name`].
pub type Name = BoundedVec<u8, ConstU32<{ MAX_NAME as u32 }>>;
/// A path inside a site (`docs`, `app/v2`), checked by [`check_site_path`].
pub type SitePath = BoundedVec<u8, ConstU32<MAX_SITE_PATH>>;

/// What a name points to.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Target {
	/// A site: the content with `root` (any storage deal storing it), from `path` down (empty:
	/// the whole content).
	Site {
		/// The content's root, as storage deals commit it.
		root: [u8; 32],
		/// The directory (or file) inside the content the site starts at.
		path: SitePath,
	},
	/// A deployment: HTTP services running under these leases, one replica each.
	Deployment {
		/// The replicas' leases.
		leases: BoundedVec<crate::LeaseId, ConstU32<MAX_REPLICAS>>,
	},
}

/// Why a name cannot exist.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NameError {
	/// Shorter than [`MIN_NAME`] or longer than [`MAX_NAME`].
	Length,
	/// A byte outside `[a-z0-9-]` (upper case included: names are lower case).
	Character,
	/// It does not start with a letter (all-digit names among them).
	FirstCharacter,
	/// It ends with a hyphen.
	LastCharacter,
	/// `--` at its third and fourth bytes: the form of internationalized labels (`xn--`), which
	/// would show as other letters in a browser.
	Punycode,
	/// `l` and digits only: the form of a lease's own host (`l42`).
	LeaseHost,
	/// One of [`RESERVED`].
	Reserved,
}

impl NameError {
	/// What the rule is, for people.
	pub fn describe(&self) -> &'static str {
		match self {
			Self::Length => "a name is 3 to 63 characters",
			Self::Character => "a name is lower-case letters, digits and hyphens",
			Self::FirstCharacter => "a name starts with a letter",
			Self::LastCharacter => "a name does not end with a hyphen",
			Self::Punycode => "a name has no `--` at its third and fourth characters",
			Self::LeaseHost => "`l` followed by digits is a lease's own host",
			Self::Reserved => "this name is reserved",
		}
	}
}

/// Checks `name` is one that may be registered.
pub fn check_name(name: &[u8]) -> Result<(), NameError> {
	if name.len() < MIN_NAME || name.len() > MAX_NAME {
		return Err(NameError::Length);
	}
	if !name.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-') {
		return Err(NameError::Character);
	}
	if !name[0].is_ascii_lowercase() {
		return Err(NameError::FirstCharacter);
	}
	if name[name.len() - 1] == b'-' {
		return Err(NameError::LastCharacter);
	}
	if name.get(2..4) == Some(b"--".as_slice()) {
		return Err(NameError::Punycode);
	}
	if name[0] == b'l' && name[1..].iter().all(u8::is_ascii_digit) {
		return Err(NameError::LeaseHost);
	}
	if RESERVED.iter().any(|reserved| reserved.as_bytes() == name) {
		return Err(NameError::Reserved);
	}
	Ok(())
}

/// How many times the base deposit and rent a name of `len` bytes costs: 32 for three bytes,
/// halving with each byte more, 1 from eight bytes on. Short names are few (some 50,000 of three
/// bytes) and sought after; pricing them higher keeps them from being taken in bulk.
pub fn length_factor(len: usize) -> u32 {
	match len {
		0..=3 => 32,
		4 => 16,
		5 => 8,
		6 => 4,
		7 => 2,
		_ => 1,
	}
}

/// Checks a path inside a site: empty (the whole content) or `/`-separated segments of printable
/// ASCII other than `\`, none empty, `.` or `..`, as the content's own paths are.
pub fn check_site_path(path: &[u8]) -> bool {
	if path.is_empty() {
		return true;
	}
	path.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
		&& path
			.split(|b| *b == b'/')
			.all(|segment| !segment.is_empty() && segment != b"." && segment != b"..")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_follow_dns_labels_and_never_look_like_a_lease_host() {
		for good in ["abc", "my-app", "a1b2", "l1x", "lab", "l", "z".repeat(63).as_str()] {
			if good.len() >= MIN_NAME {
				assert_eq!(check_name(good.as_bytes()), Ok(()), "{good}");
			}
		}
		let cases: &[(&str, NameError)] = &[
			("ab", NameError::Length),
			(&"a".repeat(64), NameError::Length),
			("MyApp", NameError::Character),
			("my_app", NameError::Character),
			("my.app", NameError::Character),
			("123", NameError::FirstCharacter),
			("1abc", NameError::FirstCharacter),
			("-abc", NameError::FirstCharacter),
			("abc-", NameError::LastCharacter),
			("xn--p1ai", NameError::Punycode),
			("ab--c", NameError::Punycode),
			("l42", NameError::LeaseHost),
			("l000", NameError::LeaseHost),
			("www", NameError::Reserved),
			("localhost", NameError::Reserved),
		];
		for (name, error) in cases {
			assert_eq!(check_name(name.as_bytes()), Err(*error), "{name}");
		}
	}

	#[test]
	fn shorter_names_cost_more() {
		let factors: Vec<u32> = (3..=9).map(length_factor).collect();
		assert_eq!(factors, vec![32, 16, 8, 4, 2, 1, 1]);
	}

	#[test]
	fn site_paths_stay_inside_the_content() {
		for good in ["", "dist", "app/v2", "a.b/c-d_e"] {
			assert!(check_site_path(good.as_bytes()), "{good}");
		}
		for bad in ["/dist", "dist/", "a//b", "..", "a/../b", "./a", "a b", "a\\b", "é"] {
			assert!(!check_site_path(bad.as_bytes()), "{bad}");
		}
	}
}
