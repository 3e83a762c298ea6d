//! TLS on the agent's public listener: the provider's own certificate and key (PEM files, as
//! certbot or any CA writes them), served by rustls. The files are read again when they change,
//! so a renewed certificate takes effect without a restart; a renewal that does not load
//! (half-written, key and certificate apart) keeps the previous pair and says why.

use rustls::{
	crypto::CryptoProvider,
	pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
	server::{ClientHello, ResolvesServerCert},
	sign::CertifiedKey,
	ServerConfig,
};
use std::{
	path::{Path, PathBuf},
	sync::{Arc, RwLock},
	time::{Duration, SystemTime},
};
use tokio_rustls::TlsAcceptor;

/// How often the certificate files are checked for a change.
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// Why a certificate and key cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
	/// A file cannot be read or holds no PEM item of the kind needed.
	#[error("{path}: {reason}")]
	File {
		/// The file.
		path: PathBuf,
		/// What is wrong with it.
		reason: String,
	},
	/// The key does not belong to the certificate, or rustls refuses the pair.
	#[error("the certificate and key cannot be served together: {0}")]
	Pair(String),
}

/// The provider's certificate files and the pair loaded from them.
#[derive(Debug)]
pub struct CertFiles {
	cert: PathBuf,
	key: PathBuf,
	current: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
	pair: Arc<CertifiedKey>,
	stamp: (Option<SystemTime>, Option<SystemTime>),
}

fn provider() -> Arc<CryptoProvider> {
	Arc::new(rustls::crypto::ring::default_provider())
}

fn modified(path: &Path) -> Option<SystemTime> {
	std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reads a certificate chain and its private key from PEM files and checks that they match.
pub fn read_pair(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
	let file_error = |path: &Path, reason: String| TlsError::File { path: path.into(), reason };
	let chain = CertificateDer::pem_file_iter(cert)
		.map_err(|e| file_error(cert, e.to_string()))?
		.collect::<Result<Vec<_>, _>>()
		.map_err(|e| file_error(cert, e.to_string()))?;
	if chain.is_empty() {
		return Err(file_error(cert, "no CERTIFICATE in the file".into()));
	}
	let private = PrivateKeyDer::from_pem_file(key)
		.map_err(|e| file_error(key, format!("no private key: {e}")))?;
	CertifiedKey::from_der(chain, private, &provider()).map_err(|e| TlsError::Pair(e.to_string()))
}

impl CertFiles {
	/// Loads the pair from `cert` and `key`; fails if it cannot be served.
	pub fn load(cert: &Path, key: &Path) -> Result<Arc<Self>, TlsError> {
		let stamp = (modified(cert), modified(key));
		let pair = Arc::new(read_pair(cert, key)?);
		Ok(Arc::new(Self {
			cert: cert.into(),
			key: key.into(),
			current: RwLock::new(Loaded { pair, stamp }),
		}))
	}

	/// Loads the files again if either changed since a pair was last loaded from them;
	/// `Ok(true)` if a new pair is now served. On error the previous pair stays.
	pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
		let stamp = (modified(&self.cert), modified(&self.key));
		let unchanged = self.current.read().map(|c| c.stamp == stamp).unwrap_or(false);
		if unchanged {
			return Ok(false);
		}
		// A pair that does not load is tried again at the next check (a writer may not have
		// finished), and the served pair stays meanwhile.
		let pair = Arc::new(read_pair(&self.cert, &self.key)?);
		let mut current = self.current.write().map_err(|e| TlsError::Pair(e.to_string()))?;
		current.stamp = stamp;
		current.pair = pair;
		Ok(true)
	}

	/// The TLS acceptor of the listener: HTTP/1.1 only (what the server speaks), TLS 1.2 and
	/// 1.3 with rustls' safe defaults, no client certificates.
	pub fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, TlsError> {
		let mut config = ServerConfig::builder_with_provider(provider())
			.with_safe_default_protocol_versions()
			.map_err(|e| TlsError::Pair(e.to_string()))?
			.with_no_client_auth()
			.with_cert_resolver(self.clone());
		config.alpn_protocols = vec![b"http/1.1".to_vec()];
		Ok(TlsAcceptor::from(Arc::new(config)))
	}

	/// Checks the files every [`RELOAD_EVERY`] until `stop` turns true.
	pub async fn watch(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
		loop {
			tokio::select! {
				_ = tokio::time::sleep(RELOAD_EVERY) => {},
				_ = stop.changed() => return,
			}
			match self.reload_if_changed() {
				Ok(true) => tracing::info!(cert = %self.cert.display(), "TLS certificate reloaded"),
				Ok(false) => {}
				Err(e) => tracing::warn!(
					error = %e,
					"the changed TLS certificate does not load; the previous one is still served"
				),
			}
		}
	}
}

impl ResolvesServerCert for CertFiles {
	fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
		self.current.read().ok().map(|c| c.pair.clone())
	}
}
