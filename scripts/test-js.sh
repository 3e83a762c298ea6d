#!/usr/bin/env bash
# The JavaScript package's dApp test (js/test/dapp.test.mjs): installs js/'s locked
# dependencies, builds the node if anything changed (skipped with --no-build), starts a
# throw-away dev chain on free ports, runs `npm test` against it and stops the node whatever
# happens. Needs Node 20 or later with npm.
#
#   scripts/test-js.sh [--no-build]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"

build=1
if [[ "${1:-}" == "--no-build" ]]; then
	build=0
fi

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
	echo "test-js: Node.js 20 or later with npm is needed" >&2
	exit 1
fi
if (($(node -p 'process.versions.node.split(".")[0]') < 20)); then
	echo "test-js: Node.js 20 or later is needed, found $(node --version)" >&2
	exit 1
fi

(cd js && npm ci --no-audit --no-fund)

if ((build)); then
	build_node
fi
if [[ ! -x "$NUBES_NODE" ]]; then
	echo "test-js: no node binary at $NUBES_NODE; build it (drop --no-build)" >&2
	exit 1
fi

# Two free ports, taken while both are held so that they differ.
read -r rpc_port p2p_port < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')

log_dir=$(mktemp -d)
node_pid=""
cleanup() {
	if [[ -n "$node_pid" ]]; then
		kill "$node_pid" 2>/dev/null || true
		wait "$node_pid" 2>/dev/null || true
	fi
	rm -rf "$log_dir"
}
trap cleanup EXIT

"$NUBES_NODE" --dev --tmp --rpc-port "$rpc_port" --port "$p2p_port" \
	--no-prometheus --no-telemetry --no-mdns >"$log_dir/node.log" 2>&1 &
node_pid=$!

# Waits until the node answers JSON-RPC on its port (HTTP and WebSocket share it).
deadline=$((SECONDS + 60))
until python3 - "$rpc_port" <<'PY' 2>/dev/null; do
import json, sys, urllib.request
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "system_health", "params": []}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}", body, {"Content-Type": "application/json"})
sys.exit(0 if "result" in json.load(urllib.request.urlopen(request, timeout=2)) else 1)
PY
	if ! kill -0 "$node_pid" 2>/dev/null; then
		echo "test-js: the node exited; its log:" >&2
		tail -n 30 "$log_dir/node.log" >&2
		exit 1
	fi
	if ((SECONDS > deadline)); then
		echo "test-js: the node did not answer on port $rpc_port within 60 s; its log:" >&2
		tail -n 30 "$log_dir/node.log" >&2
		exit 1
	fi
	sleep 0.5
done

status=0
(cd js && NUBES_WS="ws://127.0.0.1:$rpc_port" npm test) || status=$?
if ((status != 0)); then
	echo "test-js: the dApp test failed; the node's log ends:" >&2
	tail -n 30 "$log_dir/node.log" >&2
fi
exit "$status"
