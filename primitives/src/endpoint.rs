//! A provider's public endpoint: the http(s) URL of its agent, where tenants deliver manifests
//! and validators send challenges.

use sp_runtime::{traits::ConstU32, BoundedVec};

/// Longest endpoint URL, in bytes.
pub const MAX_ENDPOINT_LEN: u32 = 256;

/// An endpoint URL (`http://` or `https://`), checked by [`validate`].
pub type Endpoint = BoundedVec<u8, ConstU32<MAX_ENDPOINT_LEN>>;

/// Why an endpoint was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EndpointError {
	/// The scheme is not `http://` or `https://`.
	BadScheme,
	/// There is no host after the scheme.
	MissingHost,
	/// The host holds a character a host name or IP literal cannot hold, or user info (`@`).
	BadHost,
	/// The port is not a number from 1 to 65535.
	BadPort,
	/// The URL holds a space, a control or a non-ASCII character.
	BadCharacter,
}

/// Checks that `url` is an absolute http(s) URL with a host and an optional valid port.
pub fn validate(url: &[u8]) -> Result<(), EndpointError> {
	if !url.iter().all(|b| b.is_ascii_graphic()) {
		return Err(EndpointError::BadCharacter);
	}
	let rest = url
		.strip_prefix(b"https://")
		.or_else(|| url.strip_prefix(b"http://"))
		.ok_or(EndpointError::BadScheme)?;
	let authority_end =
		rest.iter().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
	let authority = &rest[..authority_end];
	if authority.is_empty() {
		return Err(EndpointError::MissingHost);
	}
	// An IPv6 literal is bracketed: `[::1]:8080`.
	let (host, port) = if let Some(inner) = authority.strip_prefix(b"[") {
		let close = inner.iter().position(|b| *b == b']').ok_or(EndpointError::BadHost)?;
		let host = &inner[..close];
		if host.is_empty()
			|| !host.iter().all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.')
		{
			return Err(EndpointError::BadHost);
		}
		let after = &inner[close + 1..];
		match after {
			[] => (host, None),
			[b':', port @ ..] => (host, Some(port)),
			_ => return Err(EndpointError::BadHost),
		}
	} else {
		match authority.iter().position(|b| *b == b':') {
			Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
			None => (authority, None),
		}
	};
	if host.is_empty() {
		return Err(EndpointError::MissingHost);
	}
	if !authority.starts_with(b"[")
		&& !host.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
	{
		return Err(EndpointError::BadHost);
	}
	if let Some(port) = port {
		let valid = !port.is_empty()
			&& port.len() <= 5
			&& port.iter().all(u8::is_ascii_digit)
			&& port.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')).wrapping_sub(1) < 65535;
		if !valid {
			return Err(EndpointError::BadPort);
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accepts_real_endpoints() {
		for url in [
			"https://provider.example.com",
			"http://127.0.0.1:8080/",
			"https://node-7.eu.example.org:443/nubes/v1?x=1",
			"http://[::1]:9000/api",
		] {
			assert_eq!(validate(url.as_bytes()), Ok(()), "{url}");
		}
	}

	#[test]
	fn refuses_bad_endpoints() {
		assert_eq!(validate(b"ftp://host"), Err(EndpointError::BadScheme));
		assert_eq!(validate(b"provider.example.com"), Err(EndpointError::BadScheme));
		assert_eq!(validate(b"https://"), Err(EndpointError::MissingHost));
		assert_eq!(validate(b"https:///path"), Err(EndpointError::MissingHost));
		assert_eq!(validate(b"https://:80"), Err(EndpointError::MissingHost));
		assert_eq!(validate(b"https://user@host"), Err(EndpointError::BadHost));
		assert_eq!(validate(b"https://host:0"), Err(EndpointError::BadPort));
		assert_eq!(validate(b"https://host:65536"), Err(EndpointError::BadPort));
		assert_eq!(validate(b"https://host:http"), Err(EndpointError::BadPort));
		assert_eq!(validate(b"https://host:"), Err(EndpointError::BadPort));
		assert_eq!(validate(b"https://ho st"), Err(EndpointError::BadCharacter));
		assert_eq!(validate("https://hóst".as_bytes()), Err(EndpointError::BadCharacter));
		assert_eq!(validate(b"http://[::1"), Err(EndpointError::BadHost));
	}
}
