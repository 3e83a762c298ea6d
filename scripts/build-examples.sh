#!/usr/bin/env bash
# Builds the sample workloads (examples/workloads) into WASI 0.2 components and copies them to
# examples/workloads/build/. Installs the wasm32-wasip2 target if it is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
rustup target list --toolchain "$channel" --installed | grep -qx wasm32-wasip2 \
	|| rustup target add --toolchain "$channel" wasm32-wasip2
out="$CARGO_TARGET_DIR/examples-wasm"
cargo build --quiet --locked --release --target wasm32-wasip2 \
	--manifest-path examples/workloads/Cargo.toml --target-dir "$out"
mkdir -p examples/workloads/build
for name in hello-http sandbox-probe; do
	cp "$out/wasm32-wasip2/release/$name.wasm" "examples/workloads/build/$name.wasm.part"
	mv "examples/workloads/build/$name.wasm.part" "examples/workloads/build/$name.wasm"
done
echo "build-examples: examples/workloads/build/{hello-http,sandbox-probe}.wasm"
