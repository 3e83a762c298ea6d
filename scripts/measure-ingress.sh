#!/usr/bin/env bash
# Measures the agent's ingress under load: requests per second and 99th-percentile latency of
# the hello-http example (2 cores leased, so the lease's CPU share is not the bottleneck),
# loaded by wrk on loopback. Given two builds, it runs both side by side on one dev chain and
# alternates them, A B A B ..., so both see the same machine.
#
# The chain runs no off-chain worker, so no validator challenges the agents while they are
# loaded (an answer late under load would be judged a fault and end the leases mid-run).
#
# Usage: scripts/measure-ingress.sh [DIR_A [DIR_B]]
#   DIR_*: a directory holding the `nubes-agent` and `nubes` binaries of one build (default:
#   this workspace's release build). RUNS (5), SECONDS_PER_RUN (10) and CONNECTIONS (16) set
#   the load. Installs wrk from Debian's packages if it is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
"$NUBES_ROOT/scripts/build-examples.sh" >/dev/null
runs=${RUNS:-5}
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-16}
dirs=("${1:-$CARGO_TARGET_DIR/release}")
[ $# -ge 2 ] && dirs+=("$2")
names=(A B)
keys=(//Ferdie //Eve)

work="$HOME/.cache/nubes/measure-ingress"
unmount_under "$work"
rm -rf "$work"
mkdir -p "$work"
rpc=9970
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; unmount_under "$work"' EXIT
"$NUBES_NODE" --dev --offchain-worker never --rpc-port "$rpc" --port 30398 --base-path "$work/node" >"$work/node.log" 2>&1 &
pids+=($!)
cli() { "${dirs[$1]}/nubes" --url "ws://127.0.0.1:$rpc" --suri //Alice "${@:2}"; }
until cli 0 providers >/dev/null 2>&1; do sleep 0.5; done

urls=()
for i in "${!dirs[@]}"; do
	port=$((8720 + i))
	cat >"$work/agent-$i.toml" <<CONFIG
chain_url = "ws://127.0.0.1:$rpc"
key = "${keys[$i]}"
public_endpoint = "http://127.0.0.1:$port"
listen = "127.0.0.1:$port"
data_dir = "$work/agent-$i"
region = "measure-$i"
[prices]
cpu_millicore = "0.00001"
memory_mib = "0.00001"
storage_gib = "0.0001"
[capacity]
cpu_millicores = 2000
memory_mib = 2048
storage_gib = 1
CONFIG
	"${dirs[$i]}/nubes-agent" run --config "$work/agent-$i.toml" >"$work/agent-$i.log" 2>&1 &
	pids+=($!)
	until cli "$i" --json providers | grep -q "$port"; do sleep 0.5; done
	sed -e 's/cpu = "500m"/cpu = "2000m"/' -e 's/storage = "1Gi"/storage = "0"/' -e 's/^max_price = .*/max_price = "1"/' \
		-e "s|build/hello-http.wasm|$NUBES_ROOT/examples/workloads/build/hello-http.wasm|" \
		examples/workloads/hello-http.toml >"$work/hello-$i.toml"
	printf '\n[placement]\nregions = ["measure-%s"]\n' "$i" >>"$work/hello-$i.toml"
	cli "$i" --json deploy "$work/hello-$i.toml" >"$work/deploy-$i.json"
	url=$(sed -n 's/.*"urls":\["\([^"]*\)".*/\1/p' "$work/deploy-$i.json")
	until curl -fsS "$url" >/dev/null 2>&1; do sleep 0.1; done
	urls+=("$url")
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# wrk's latency in ms, whatever unit it printed.
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; print v }'; }
for run in $(seq "$runs"); do
	for i in "${!urls[@]}"; do
		# wrk resolves with the system resolver, which knows no *.localhost: connect to
		# loopback and name the lease's host in the header.
		hostport=$(sed -E 's#^https?://([^/]*).*#\1#' <<<"${urls[$i]}")
		target=$(sed -E 's#^(https?://)[^/:]*localhost(:[0-9]+)?#\1127.0.0.1\2#' <<<"${urls[$i]}")
		out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Host: $hostport" "$target")
		echo "$out" | awk '/Requests\/sec/ { print $2 }' >>"$work/rps-$i"
		echo "$out" | awk '$1 == "99%" { print $2 }' | to_ms >>"$work/p99-$i"
		errors=$(echo "$out" | awk '/Non-2xx|Socket errors/' | tr '\n' ' ')
		echo "run $run ${names[$i]}: $(tail -1 "$work/rps-$i") req/s, p99 $(tail -1 "$work/p99-$i") ms ${errors}"
	done
done
for i in "${!urls[@]}"; do
	echo "${names[$i]} (${dirs[$i]}): median $(median <"$work/rps-$i") req/s, p99 median $(median <"$work/p99-$i") ms over $runs runs of ${secs} s, $conns connections"
done
