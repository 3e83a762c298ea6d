#!/usr/bin/env bash
# Builds and runs a single-node development chain at ws://127.0.0.1:9944 (blocks sealed and
# finalized every second, Alice's keys, state thrown away on exit). Extra arguments go to the
# node, e.g. `scripts/dev-node.sh --dev-block-time 500`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build_node
exec "$NUBES_NODE" --dev --rpc-port 9944 "$@"
