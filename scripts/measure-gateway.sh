#!/usr/bin/env bash
# Measures a gateway on this machine against a dev chain (500 ms blocks) on loopback: three
# storage agents in three regions, one of them a gateway, and a site (examples/site plus a
# SIZE MiB file of random bytes) stored at 2 + 1 and named with `nubes site deploy`. Then, with
# curl, median of RUNS:
#   1. cold: the gateway just restarted (nothing cached), time to first byte and total of
#      index.html: the name resolved, the whole content fetched from two holders, each shard
#      checked against its root, decoded and checked against the content's root;
#   2. warm: time to first byte of index.html, and the large file's throughput;
#   3. beside them, the same files from nginx on the same machine (Debian's nginx, installed if
#      missing), the static server a user would pick.
# Usage: scripts/measure-gateway.sh [SIZE_MIB=8] [RUNS=7]   (after a workspace build)
#        scripts/measure-gateway.sh --hold [SIZE_MIB]  sets up, prints the commands to time by
#        hand (warm), and waits until interrupted.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"
hold=false
if [ "${1:-}" = "--hold" ]; then
	hold=true
	shift
fi
size_mib=${1:-8}
runs=${2:-7}
if ! command -v nginx >/dev/null; then
	sudo_cmd=()
	[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq nginx-light curl >/dev/null
fi
dir="$HOME/.cache/nubes/measure-gateway"
unmount_under "$dir"
rm -rf "$dir"
mkdir -p "$dir"
rpc=9962
nubes=("$CARGO_TARGET_DIR/release/nubes" --url "ws://127.0.0.1:$rpc" --suri //Alice)
pids=()
"$NUBES_NODE" --dev --dev-block-time 500 --rpc-port "$rpc" --port 30397 --base-path "$dir/node" \
	>"$dir/node.log" 2>&1 &
pids+=($!)
agent_pids=()
cleanup() {
	kill "${agent_pids[@]}" "${pids[@]}" 2>/dev/null || true
	[ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
	wait 2>/dev/null || true
	unmount_under "$dir"
}
trap cleanup EXIT
until "${nubes[@]}" providers >/dev/null 2>&1; do sleep 0.5; done

holders=("//Bob region-a true" "//Dave region-b false" "//Ferdie region-c false")
port=8720
gateway_port=$port
# Starts the agent of port $1 in the background; its pid in $started.
start_agent() {
	"$CARGO_TARGET_DIR/release/nubes-agent" run --config "$dir/$1/agent.toml" \
		>>"$dir/$1/agent.log" 2>&1 &
	started=$!
}
for holder in "${holders[@]}"; do
	read -r key region gateway <<<"$holder"
	mkdir -p "$dir/$port"
	cat >"$dir/$port/agent.toml" <<CONFIG
chain_url = "ws://127.0.0.1:$rpc"
key = "$key"
public_endpoint = "http://127.0.0.1:$port"
listen = "127.0.0.1:$port"
data_dir = "$dir/$port/data"
region = "$region"
gateway = $gateway
gateway_cache_mib = 1024
[prices]
cpu_millicore = "0.00001"
memory_mib = "0.00001"
storage_gib = "0.0001"
[capacity]
cpu_millicores = 0
memory_mib = 0
storage_gib = 2
CONFIG
	start_agent "$port"
	agent_pids+=("$started")
	port=$((port + 1))
done
until [ "$("${nubes[@]}" --json providers | grep -o '"endpoint"' | wc -l)" -ge 3 ]; do sleep 0.5; done

site="$dir/site"
cp -r examples/site "$site"
head -c $((size_mib << 20)) /dev/urandom >"$site/big.bin"
"${nubes[@]}" --json site deploy "$site" --name measured --data 2 --parity 1 --timeout 1200 \
	>"$dir/deploy.json"
host="measured.localhost:$gateway_port"

# nginx serving the same directory.
nginx_port=8790
# Its workers read the files as the user running this script.
nginx_user=""
[[ $(id -u) -eq 0 ]] && nginx_user="user root;"
cat >"$dir/nginx.conf" <<NGINX
$nginx_user
daemon on;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
worker_processes 1;
events { worker_connections 256; }
http {
	access_log off;
	include /etc/nginx/mime.types;
	sendfile on;
	server { listen 127.0.0.1:$nginx_port; root $site; }
}
NGINX
nginx -c "$dir/nginx.conf"

gateway_url() { echo "http://127.0.0.1:$gateway_port$1"; }
nginx_url() { echo "http://127.0.0.1:$nginx_port$1"; }
# curl's times (seconds): first byte, total, and the download rate in bytes per second.
timed() { curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{speed_download}\n' "$@"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column() { awk -v c="$1" '{ print $c }' "$2" | median; }

# Both serve the same bytes.
curl -sf -H "Host: $host" "$(gateway_url /big.bin)" | cmp - "$site/big.bin"
curl -sf "$(nginx_url /big.bin)" | cmp - "$site/big.bin"

if $hold; then
	echo "serving; time these by hand (warm):"
	echo "  curl -s -o /dev/null -H 'Host: $host' $(gateway_url /big.bin)"
	echo "  curl -s -o /dev/null $(nginx_url /big.bin)"
	echo "  curl -s -o /dev/null -H 'Host: $host' $(gateway_url /index.html)"
	echo "  curl -s -o /dev/null $(nginx_url /index.html)"
	echo "(Ctrl-C ends)"
	wait
fi

: >"$dir/cold"
for i in $(seq "$runs"); do
	kill "${agent_pids[0]}"
	wait "${agent_pids[0]}" 2>/dev/null || true
	start_agent "$gateway_port"
	agent_pids[0]=$started
	until curl -s -o /dev/null "http://127.0.0.1:$gateway_port/metrics"; do sleep 0.2; done
	timed -H "Host: $host" "$(gateway_url /index.html)" >>"$dir/cold"
done
: >"$dir/warm-page"
: >"$dir/nginx-page"
: >"$dir/warm-big"
: >"$dir/nginx-big"
for i in $(seq "$runs"); do
	timed -H "Host: $host" "$(gateway_url /index.html)" >>"$dir/warm-page"
	timed "$(nginx_url /index.html)" >>"$dir/nginx-page"
	timed -H "Host: $host" "$(gateway_url /big.bin)" >>"$dir/warm-big"
	timed "$(nginx_url /big.bin)" >>"$dir/nginx-big"
done
ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
mbs() { awk -v b="$1" 'BEGIN { printf "%.0f MB/s", b / 1e6 }'; }
content=$(sed -n 's/.*"root":"\(0x[0-9a-f]*\)".*/\1/p' "$dir/deploy.json")
echo "site: examples/site + $size_mib MiB, root $content, stored at 2 + 1; medians of $runs runs"
echo "gateway cold index.html: first byte $(ms "$(column 1 "$dir/cold")"), total $(ms "$(column 2 "$dir/cold")")"
echo "gateway warm index.html: first byte $(ms "$(column 1 "$dir/warm-page")")"
echo "nginx        index.html: first byte $(ms "$(column 1 "$dir/nginx-page")")"
echo "gateway warm big.bin: $(mbs "$(column 3 "$dir/warm-big")"), total $(ms "$(column 2 "$dir/warm-big")")"
echo "nginx        big.bin: $(mbs "$(column 3 "$dir/nginx-big")"), total $(ms "$(column 2 "$dir/nginx-big")")"
