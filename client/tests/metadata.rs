//! The committed metadata the client is generated from must be the metadata of the runtime this
//! workspace builds: otherwise the client would encode calls the chain no longer understands.
//! Refresh it with `scripts/refresh-metadata.sh`, or run this test with
//! `NUBES_UPDATE_METADATA=1`.

#[test]
fn committed_metadata_matches_the_runtime() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/metadata/nubes.scale");
	let native = nubes_runtime::Runtime::metadata_at_version(16).expect("the runtime has V16");
	if std::env::var_os("NUBES_UPDATE_METADATA").is_some() {
		std::fs::write(path, &native[..]).expect("metadata file is writable");
	}
	let committed = std::fs::read(path).expect("client/metadata/nubes.scale exists");
	let native = subxt::Metadata::decode_from(&native[..]).expect("native metadata decodes");
	let committed =
		subxt::Metadata::decode_from(&committed[..]).expect("committed metadata decodes");
	assert!(
		nubes_client::api::is_codegen_valid_for(&native),
		"the client was generated from other metadata than the runtime's: run scripts/refresh-metadata.sh"
	);
	assert_eq!(
		committed.hasher().hash(),
		native.hasher().hash(),
		"client/metadata/nubes.scale is stale: run scripts/refresh-metadata.sh"
	);
}
