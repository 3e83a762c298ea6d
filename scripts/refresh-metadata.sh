#!/usr/bin/env bash
# Refreshes the runtime metadata the client is generated from (client/metadata/nubes.scale):
# from the node at --url if given, otherwise from a temporary dev node built from this tree.
#
#   scripts/refresh-metadata.sh [--url http://127.0.0.1:9944]
#
# `cargo test -p nubes-client --test metadata` fails whenever the committed file no longer
# matches the runtime the workspace builds; run this script (or that test with
# NUBES_UPDATE_METADATA=1) after changing the runtime.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"

url=""
if [[ "${1:-}" == "--url" ]]; then
	url=${2:?--url needs a value}
fi
out=client/metadata/nubes.scale

node_pid=""
cleanup() { [[ -n "$node_pid" ]] && kill "$node_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [[ -z "$url" ]]; then
	build_node
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	base=$(mktemp -d)
	"$CARGO_TARGET_DIR/release/nubes-node" --dev --base-path "$base" --rpc-port "$port" --port 0 \
		--no-prometheus --no-telemetry --no-mdns >"$base/node.log" 2>&1 &
	node_pid=$!
	url="http://127.0.0.1:$port"
fi

python3 - "$url" "$out" <<'PY'
# Asks the node for metadata V16 (`Metadata_metadata_at_version`), unwraps the SCALE
# `Option<OpaqueMetadata>` and writes the `RuntimeMetadataPrefixed` bytes.
import json, sys, time, urllib.request
url, out = sys.argv[1], sys.argv[2]
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_call",
                   "params": ["Metadata_metadata_at_version", "0x10000000"]}).encode()
deadline = time.time() + 60
while True:
    try:
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        reply = json.load(urllib.request.urlopen(request, timeout=5))
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(f"no node answers at {url}")
        time.sleep(0.5)
if "error" in reply:
    sys.exit(f"the node refused: {reply['error']}")
raw = bytes.fromhex(reply["result"][2:])
if not raw or raw[0] != 1:
    sys.exit("the runtime has no metadata V16")
def compact(b):
    mode = b[0] & 3
    if mode == 0: return b[0] >> 2, 1
    if mode == 1: return int.from_bytes(b[:2], "little") >> 2, 2
    if mode == 2: return int.from_bytes(b[:4], "little") >> 2, 4
    n = (b[0] >> 2) + 4
    return int.from_bytes(b[1:1 + n], "little"), 1 + n
length, used = compact(raw[1:])
data = raw[1 + used:1 + used + length]
if len(data) != length:
    sys.exit("truncated metadata")
with open(out, "wb") as f:
    f.write(data)
print(f"wrote {out} ({length} bytes) from {url}")
PY
