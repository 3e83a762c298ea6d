//! The hashes of the proofs: blake2 computed in this code, or, with the `host-hashing` feature
//! (a verifier inside a runtime), the 256-bit one by the host's native code. The same bytes
//! either way.

/// Blake2b with a 256-bit output.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
	#[cfg(feature = "host-hashing")]
	{
		sp_io::hashing::blake2_256(data)
	}
	#[cfg(not(feature = "host-hashing"))]
	{
		sp_crypto_hashing::blake2_256(data)
	}
}

/// Blake2b with a 512-bit output (no host function has it; used once per unit key).
pub fn blake2_512(data: &[u8]) -> [u8; 64] {
	sp_crypto_hashing::blake2_512(data)
}
