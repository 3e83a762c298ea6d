#!/usr/bin/env bash
# Checks that the Markdown docs match the code: relative links and anchors, the nubes,
# nubes-agent and nubes-node commands they show (through each command's --help), the scripts and
# cargo packages they name. Needs the release binaries (cargo test --locked --release --workspace
# --no-run, as scripts/test.sh builds them); with --links-only it checks only links, scripts and
# packages, without them. Exit status 1 lists every problem as file:line. See check-docs.py.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"
release="$CARGO_TARGET_DIR/release"
exec python3 scripts/check-docs.py --root "$NUBES_ROOT" \
	--nubes "$release/nubes" --nubes-agent "$release/nubes-agent" --nubes-node "$release/nubes-node" \
	"$@"
