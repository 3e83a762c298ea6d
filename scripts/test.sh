#!/usr/bin/env bash
# The test suite on a fresh machine: set it up, check formatting, build everything in the
# release profile (the node the tests start is that build), then run every test.
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
