#!/usr/bin/env bash
# The test suite on a fresh machine: set it up, check formatting, build everything in the
# release profile (the node the tests start is that build), then run every test, and the
# pallets' benchmarks as tests.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/setup.sh"
source "$here/common.sh"
cd "$NUBES_ROOT"

cargo fmt --all --check

started=$(date +%s)
cargo test --locked --release --workspace --no-run
built=$(date +%s)
echo "test.sh: build took $((built - started)) s"

cargo test --locked --release --workspace
finished=$(date +%s)
echo "test.sh: tests took $((finished - built)) s"

# The pallets' benchmarks, run once each as tests against their mocks, so that the code that
# measures every call's weight keeps working. The runtime wasm is not needed for them.
SKIP_WASM_BUILD=1 cargo test --locked --release --features runtime-benchmarks \
	-p pallet-provider-stake -p pallet-providers -p pallet-market -p pallet-payments \
	-p pallet-attestation -p pallet-storage-deals -p pallet-names benchmark
echo "test.sh: benchmark tests took $(($(date +%s) - finished)) s"

# A polkadot.js dApp against a dev chain of the node just built, in the chain's own address
# format; then the docs against the binaries.
"$here/test-js.sh" --no-build
"$here/check-docs.sh"
