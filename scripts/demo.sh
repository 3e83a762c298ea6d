#!/usr/bin/env bash
# The main job on a fresh machine: set it up, build, start a Nubes development chain at
# ws://127.0.0.1:9944 and one provider agent (Ferdie) at http://127.0.0.1:8700, deploy the
# example WASM HTTP service with `nubes deploy` as Alice, print its URL and what it answers,
# then run until Ctrl-C. State and logs go to ~/.cache/nubes/demo (thrown away on the next run).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/setup.sh"
source "$here/common.sh"
build_node
"$here/build-examples.sh"

demo="$HOME/.cache/nubes/demo"
unmount_under "$demo"
rm -rf "$demo"
mkdir -p "$demo"
nubes="$CARGO_TARGET_DIR/release/nubes"
agent_pid=""
"$NUBES_NODE" --dev --rpc-port 9944 --base-path "$demo/node" >"$demo/node.log" 2>&1 &
node_pid=$!
trap 'kill $agent_pid $node_pid 2>/dev/null || true; wait 2>/dev/null || true' EXIT

wait_until() { # seconds, what, command...
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS > deadline)); then
			echo "demo: $what did not happen; see $demo/*.log" >&2
			exit 1
		fi
		sleep 0.5
	done
}
wait_until 60 "the node's RPC" "$nubes" providers

cat >"$demo/agent.toml" <<CONFIG
chain_url = "ws://127.0.0.1:9944"
key = "//Ferdie"
public_endpoint = "http://127.0.0.1:8700"
listen = "127.0.0.1:8700"
data_dir = "$demo/agent"
region = "local"
[prices]
cpu_millicore = "0.00001"
memory_mib = "0.00001"
storage_gib = "0.0001"
[capacity]
cpu_millicores = 2000
memory_mib = 2048
storage_gib = 1
[settlement]
every_blocks = 20
CONFIG
"$CARGO_TARGET_DIR/release/nubes-agent" run --config "$demo/agent.toml" >"$demo/agent.log" 2>&1 &
agent_pid=$!
echo "demo: agent started (log $demo/agent.log); waiting for it to register"
registered() { "$nubes" --json providers | grep -q '"endpoint":"http://127.0.0.1:8700"'; }
wait_until 120 "the agent's registration" registered

"$nubes" --suri //Alice --json deploy examples/workloads/hello-http.toml >"$demo/deploy.json"
url=$(sed -n 's/.*"urls":\["\([^"]*\)".*/\1/p' "$demo/deploy.json")
echo "demo: deployed; $url answers:"
curl -fsS "$url"
cat <<DONE
demo: running until Ctrl-C
  chain  ws://127.0.0.1:9944   (nubes lease list --suri //Alice)
  agent  http://127.0.0.1:8700 (metrics at /metrics)
  app    $url
DONE
wait "$node_pid"
