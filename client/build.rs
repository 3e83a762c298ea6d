//! Rebuilds the client when the metadata it is generated from changes: the `subxt` macro reads
//! `metadata/nubes.scale` at compile time, but cargo does not know it does.

fn main() {
	println!("cargo:rerun-if-changed=metadata/nubes.scale");
}
