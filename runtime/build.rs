//! Builds the runtime's WebAssembly blob (skipped when compiled for wasm itself, or with
//! `SKIP_WASM_BUILD=1` for pallet work that needs no wasm).

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
