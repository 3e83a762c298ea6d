#!/usr/bin/env bash
# The main job on a fresh machine: set it up, build, and run a Nubes development chain at
# ws://127.0.0.1:9944 until Ctrl-C.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/setup.sh"
exec "$here/dev-node.sh" "$@"
