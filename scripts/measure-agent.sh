#!/usr/bin/env bash
# Measures the provider agent on this machine against a dev chain (1 s blocks) on loopback:
#   1. `nubes deploy` (direct lease) → the service URL answering: blocks and seconds, median of 10;
#   2. `nubes deploy --auction --bid-window 2` (order created → bids → accepted → answering), median of 10;
#   3. the agent's resident memory with 100 idle leases deployed.
# Usage: scripts/measure-agent.sh   (after a workspace build; state in ~/.cache/nubes/measure)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"
"$NUBES_ROOT/scripts/build-examples.sh" >/dev/null
dir="$HOME/.cache/nubes/measure"
unmount_under "$dir"
rm -rf "$dir"
mkdir -p "$dir"
rpc=9960
nubes=("$CARGO_TARGET_DIR/release/nubes" --url "ws://127.0.0.1:$rpc" --suri //Alice)
agent_pid=""
"$NUBES_NODE" --dev --rpc-port "$rpc" --port 30399 --base-path "$dir/node" >"$dir/node.log" 2>&1 &
node_pid=$!
trap 'kill $agent_pid $node_pid 2>/dev/null || true; wait 2>/dev/null || true; unmount_under "$dir"' EXIT
until "${nubes[@]}" providers >/dev/null 2>&1; do sleep 0.5; done

cat >"$dir/agent.toml" <<CONFIG
chain_url = "ws://127.0.0.1:$rpc"
key = "//Ferdie"
public_endpoint = "http://127.0.0.1:8701"
listen = "127.0.0.1:8701"
data_dir = "$dir/agent"
region = "local"
[prices]
cpu_millicore = "0.00001"
memory_mib = "0.00001"
storage_gib = "0.0001"
[capacity]
cpu_millicores = 2000
memory_mib = 4096
storage_gib = 1
CONFIG
"$CARGO_TARGET_DIR/release/nubes-agent" run --config "$dir/agent.toml" >"$dir/agent.log" 2>&1 &
agent_pid=$!
until "${nubes[@]}" --json providers | grep -q 8701; do sleep 0.5; done

best_block() {
	local hex
	hex=$(curl -s -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' "http://127.0.0.1:$rpc" |
		sed -n 's/.*"number":"0x\([0-9a-f]*\)".*/\1/p')
	echo $((16#$hex))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

measure() { # label, extra deploy args...
	local label=$1
	shift
	: >"$dir/$label.secs"
	: >"$dir/$label.blocks"
	for i in $(seq 10); do
		local b0 t0 url lease
		b0=$(best_block)
		t0=$(date +%s.%N)
		"${nubes[@]}" --json deploy examples/workloads/hello-http.toml "$@" >"$dir/deploy.json"
		url=$(sed -n 's/.*"urls":\["\([^"]*\)".*/\1/p' "$dir/deploy.json")
		until curl -fsS "$url" >/dev/null 2>&1; do sleep 0.05; done
		awk -v t1="$(date +%s.%N)" -v t0="$t0" 'BEGIN { printf "%.2f\n", t1 - t0 }' >>"$dir/$label.secs"
		echo $(($(best_block) - b0)) >>"$dir/$label.blocks"
		lease=$(sed -n 's/.*"lease":\([0-9]*\).*/\1/p' "$dir/deploy.json")
		"${nubes[@]}" lease close "$lease" >/dev/null
	done
	echo "$label: median $(median <"$dir/$label.secs") s, $(median <"$dir/$label.blocks") blocks (runs: $(paste -sd' ' "$dir/$label.secs"))"
}

measure direct
measure auction --auction --bid-window 2

rss() { awk '/VmRSS/ { print $2 }' "/proc/$agent_pid/status"; }
echo "agent RSS with 0 leases: $(rss) KiB"
sed -e 's/cpu = "500m"/cpu = "20m"/' -e 's/memory = "128Mi"/memory = "16Mi"/' -e 's/storage = "1Gi"/storage = "0"/' \
	-e "s|build/hello-http.wasm|$NUBES_ROOT/examples/workloads/build/hello-http.wasm|" \
	examples/workloads/hello-http.toml >"$dir/idle.toml"
for i in $(seq 100); do
	"${nubes[@]}" --json deploy "$dir/idle.toml" >/dev/null
done
sleep 5
echo "agent RSS with 100 idle leases: $(rss) KiB ($(curl -s http://127.0.0.1:8701/metrics | grep '^nubes_agent_workloads_running'))"
