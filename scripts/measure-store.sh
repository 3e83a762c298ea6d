#!/usr/bin/env bash
# Measures storage deals on this machine against a dev chain (500 ms blocks) on loopback, with six
# storage-only agents in three regions:
#   1. `nubes store put` of a SIZE MiB file at 4 + 2 (pack, encode, open the deal, upload six
#      shards, every holder seals its shard and confirms), median of RUNS;
#   2. `nubes store get` of it (find the deal, fetch four shards, check each root, decode, check
#      the content's root, write the file), median of RUNS;
#   3. beside them, a plain loopback copy of the same bytes: one TCP stream, written to a file.
# Usage: scripts/measure-store.sh [SIZE_MIB=16] [RUNS=5]   (after a workspace build)
#        scripts/measure-store.sh --hold [SIZE_MIB]  sets up, stores once, prints the commands to
#        time by hand, and waits until interrupted.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"
hold=false
if [ "${1:-}" = "--hold" ]; then
	hold=true
	shift
fi
size_mib=${1:-16}
runs=${2:-5}
dir="$HOME/.cache/nubes/measure-store"
unmount_under "$dir"
rm -rf "$dir"
mkdir -p "$dir"
rpc=9961
nubes=("$CARGO_TARGET_DIR/release/nubes" --url "ws://127.0.0.1:$rpc" --suri //Alice)
pids=()
"$NUBES_NODE" --dev --dev-block-time 500 --rpc-port "$rpc" --port 30398 --base-path "$dir/node" \
	>"$dir/node.log" 2>&1 &
pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; unmount_under "$dir"' EXIT
until "${nubes[@]}" providers >/dev/null 2>&1; do sleep 0.5; done

holders=("//Bob region-a" "//Charlie region-a" "//Dave region-b" "//Eve region-b"
	"//Ferdie region-c" "//Bob//stash region-c")
port=8710
for holder in "${holders[@]}"; do
	read -r key region <<<"$holder"
	mkdir -p "$dir/$port"
	cat >"$dir/$port/agent.toml" <<CONFIG
chain_url = "ws://127.0.0.1:$rpc"
key = "$key"
public_endpoint = "http://127.0.0.1:$port"
listen = "127.0.0.1:$port"
data_dir = "$dir/$port/data"
region = "$region"
[prices]
cpu_millicore = "0.00001"
memory_mib = "0.00001"
storage_gib = "0.0001"
[capacity]
cpu_millicores = 0
memory_mib = 0
storage_gib = $((runs + 2))
CONFIG
	"$CARGO_TARGET_DIR/release/nubes-agent" run --config "$dir/$port/agent.toml" \
		>"$dir/$port/agent.log" 2>&1 &
	pids+=($!)
	port=$((port + 1))
done
until [ "$("${nubes[@]}" --json providers | grep -o '"endpoint"' | wc -l)" -ge 6 ]; do sleep 0.5; done

head -c $((size_mib << 20)) /dev/urandom >"$dir/data.bin"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
seconds() { awk -v t1="$(date +%s.%N)" -v t0="$1" 'BEGIN { printf "%.3f\n", t1 - t0 }'; }
rate() { awk -v s="$1" -v m="$size_mib" 'BEGIN { printf "%.1f", m * 1.048576 / s }'; }

# The plain copy: one loopback TCP stream into a file, no checks.
cat >"$dir/copy.py" <<'PY'
import socket, sys, threading
src, dst = sys.argv[1], sys.argv[2]
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
def receive():
    conn, _ = server.accept()
    with open(dst, "wb") as out:
        while True:
            data = conn.recv(1 << 20)
            if not data:
                break
            out.write(data)
t = threading.Thread(target=receive); t.start()
client = socket.create_connection(server.getsockname())
with open(src, "rb") as f:
    client.sendfile(f)
client.close(); t.join()
PY
copy() { python3 "$dir/copy.py" "$dir/data.bin" "$dir/copy.bin"; }

"${nubes[@]}" --json store put "$dir/data.bin" --timeout 1200 >"$dir/put.json"
root=$(sed -n 's/.*"root":"\(0x[0-9a-f]*\)".*/\1/p' "$dir/put.json")
if $hold; then
	echo "stored $size_mib MiB as $root; time these by hand:"
	echo "  ${nubes[*]} store get $root data.bin --output $dir/out.bin"
	echo "  ${nubes[*]} store put $dir/data.bin --timeout 1200"
	echo "  python3 $dir/copy.py $dir/data.bin $dir/copy.bin"
	echo "(Ctrl-C ends)"
	wait
fi

: >"$dir/put.secs"
: >"$dir/get.secs"
: >"$dir/copy.secs"
for i in $(seq "$runs"); do
	# A new content each time: a deal per run, each holder keeping one more shard.
	head -c $((size_mib << 20)) /dev/urandom >"$dir/data.bin"
	t0=$(date +%s.%N)
	"${nubes[@]}" --json store put "$dir/data.bin" --timeout 1200 >"$dir/put.json"
	seconds "$t0" >>"$dir/put.secs"
	root=$(sed -n 's/.*"root":"\(0x[0-9a-f]*\)".*/\1/p' "$dir/put.json")
	t0=$(date +%s.%N)
	"${nubes[@]}" store get "$root" data.bin --output "$dir/out.bin"
	seconds "$t0" >>"$dir/get.secs"
	cmp "$dir/data.bin" "$dir/out.bin"
	t0=$(date +%s.%N)
	copy
	seconds "$t0" >>"$dir/copy.secs"
done
for what in put get copy; do
	m=$(median <"$dir/$what.secs")
	echo "$what $size_mib MiB: median $m s, $(rate "$m") MB/s (runs: $(paste -sd' ' "$dir/$what.secs"))"
done
