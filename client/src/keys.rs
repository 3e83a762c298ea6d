//! Signing keys: sr25519 from a secret URI, a mnemonic or a key file. The secret never leaves
//! this type: `Debug` shows the account only.

use crate::{AccountId, ClientError};
use std::{path::Path, str::FromStr};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// An sr25519 key pair that signs Nubes transactions.
#[derive(Clone)]
pub struct Keys(Keypair);

impl std::fmt::Debug for Keys {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "Keys({})", crate::to_ss58(&self.account_id()))
	}
}

impl Keys {
	/// From a secret URI: `//Alice` (dev), `PHRASE//hard/soft///password`, or `0x` + 32-byte
	/// seed.
	pub fn from_suri(suri: &str) -> Result<Self, ClientError> {
		// The input is secret: errors never repeat it.
		let uri = SecretUri::from_str(suri.trim())
			.map_err(|_| ClientError::BadKey("not a valid secret URI".into()))?;
		Keypair::from_uri(&uri)
			.map(Self)
			.map_err(|_| ClientError::BadKey("the secret URI does not give a key".into()))
	}

	/// From a BIP-39 mnemonic and an optional password.
	pub fn from_mnemonic(words: &str, password: Option<&str>) -> Result<Self, ClientError> {
		let mnemonic = subxt_signer::bip39::Mnemonic::parse(words.trim())
			.map_err(|_| ClientError::BadKey("not a valid BIP-39 mnemonic".into()))?;
		Keypair::from_phrase(&mnemonic, password)
			.map(Self)
			.map_err(|_| ClientError::BadKey("the mnemonic does not give a key".into()))
	}

	/// From a file holding a secret URI or a mnemonic (one line). On Unix the file must not be
	/// readable by others.
	pub fn from_file(path: &Path) -> Result<Self, ClientError> {
		let unreadable =
			|why: String| ClientError::BadKey(format!("key file {}: {why}", path.display()));
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			let mode = std::fs::metadata(path)
				.map_err(|e| unreadable(e.to_string()))?
				.permissions()
				.mode();
			if mode & 0o077 != 0 {
				return Err(unreadable(format!(
					"readable by others (mode {:o}); run `chmod 600 {}`",
					mode & 0o777,
					path.display()
				)));
			}
		}
		let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
		Self::from_secret(text.trim())
	}

	/// From a secret URI or, if it is one, a mnemonic.
	pub fn from_secret(secret: &str) -> Result<Self, ClientError> {
		if subxt_signer::bip39::Mnemonic::parse(secret).is_ok() {
			return Self::from_mnemonic(secret, None);
		}
		Self::from_suri(secret)
	}

	/// From what `--suri` or a configuration's `key` holds: `@FILE` for a key file, otherwise a
	/// secret URI or a mnemonic.
	pub fn from_spec(spec: &str) -> Result<Self, ClientError> {
		match spec.strip_prefix('@') {
			Some(path) => Self::from_file(Path::new(path)),
			None => Self::from_secret(spec),
		}
	}

	/// The account these keys sign for.
	pub fn account_id(&self) -> AccountId {
		self.0.public_key().to_account_id()
	}

	/// The subxt signer.
	pub fn signer(&self) -> &Keypair {
		&self.0
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

	#[test]
	fn dev_uris_mnemonics_and_files_give_the_same_keys() {
		let alice = Keys::from_suri("//Alice").unwrap();
		assert_eq!(
			alice.account_id(),
			subxt_signer::sr25519::dev::alice().public_key().to_account_id()
		);
		// The dev phrase itself, without derivation, is another account.
		let root = Keys::from_mnemonic(PHRASE, None).unwrap();
		assert_ne!(root.account_id(), alice.account_id());
		assert_eq!(Keys::from_secret(PHRASE).unwrap().account_id(), root.account_id());
		assert_eq!(
			Keys::from_secret(&format!("{PHRASE}//Alice")).unwrap().account_id(),
			alice.account_id()
		);

		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("key");
		std::fs::write(&path, "//Alice\n").unwrap();
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
			let error = Keys::from_file(&path).unwrap_err().to_string();
			assert!(error.contains("chmod 600"), "{error}");
			std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
		}
		assert_eq!(Keys::from_file(&path).unwrap().account_id(), alice.account_id());
	}

	#[test]
	fn secrets_never_show() {
		let keys = Keys::from_suri("//Alice").unwrap();
		let shown = format!("{keys:?}");
		assert!(shown.starts_with("Keys(") && !shown.contains("Alice"), "{shown}");
		let error = Keys::from_suri("my secret words that are not a uri/").unwrap_err().to_string();
		assert!(!error.contains("secret words"), "{error}");
		assert!(Keys::from_mnemonic("one two three", None).is_err());
		assert!(Keys::from_file(Path::new("/nonexistent/key")).is_err());
	}
}
