#!/usr/bin/env bash
# Regenerates the weights of the Nubes pallets with frame-omni-bencher from the runtime wasm
# built with `runtime-benchmarks`, and prints each call's ref_time next to
# `balances.transfer_keep_alive` measured in the same run.
#
#   scripts/benchmark-pallets.sh [pallet ...]     default: every Nubes pallet
#
# Environment: STEPS (default 50) and REPEAT (default 20) set the sampling; MIN_DURATION (default
# 0: REPEAT alone decides) the seconds each benchmark runs at least. The bencher's own default
# (10 s) repeats a fast benchmark with a heavy setup hundreds of times, and on 2026-12-08 it ran
# out of this machine's 24 GiB in the market's `due_release_bids`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"

OMNI_BENCHER_VERSION=0.28.0
STEPS=${STEPS:-50}
REPEAT=${REPEAT:-20}
MIN_DURATION=${MIN_DURATION:-0}
# Runtime-benchmarks changes the runtime's features: build it apart so the node's wasm stays.
BENCH_TARGET_DIR="${NUBES_BENCH_TARGET_DIR:-$HOME/.cache/nubes/bench-target}"

declare -A WEIGHT_FILES=(
	[pallet_provider_stake]=pallets/provider-stake/src/weights.rs
	[pallet_providers]=pallets/providers/src/weights.rs
	[pallet_payments]=pallets/payments/src/weights.rs
	[pallet_market]=pallets/market/src/weights.rs
	[pallet_attestation]=pallets/attestation/src/weights.rs
	[pallet_storage_deals]=pallets/storage-deals/src/weights.rs
	[pallet_names]=pallets/names/src/weights.rs
)
pallets=("$@")
((${#pallets[@]})) || pallets=(pallet_provider_stake pallet_providers pallet_payments pallet_market pallet_attestation pallet_storage_deals pallet_names)

if ! frame-omni-bencher --version 2>/dev/null | grep -q "$OMNI_BENCHER_VERSION"; then
	echo "installing frame-omni-bencher $OMNI_BENCHER_VERSION (once per machine)"
	CARGO_TARGET_DIR="$HOME/.cache/nubes/omni-bencher-target" \
		cargo install --locked frame-omni-bencher --version "$OMNI_BENCHER_VERSION"
fi

echo "building the runtime with runtime-benchmarks"
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo build --locked --release -p nubes-runtime \
	--features runtime-benchmarks
wasm="$BENCH_TARGET_DIR/release/wbuild/nubes-runtime/nubes_runtime.compact.compressed.wasm"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
run() {
	local pallet=$1 extrinsic=$2
	shift 2
	frame-omni-bencher v1 benchmark pallet --runtime "$wasm" --pallet "$pallet" \
		--extrinsic "$extrinsic" --steps "$STEPS" --repeat "$REPEAT" --min-duration "$MIN_DURATION" \
		--heap-pages 4096 --json-file "$results/$pallet.json" "$@"
}

run pallet_balances transfer_keep_alive >/dev/null
for pallet in "${pallets[@]}"; do
	file=${WEIGHT_FILES[$pallet]:?unknown pallet $pallet}
	run "$pallet" '*' --output "$file" --template scripts/frame-weight-template.hbs \
		--header scripts/weight-header.txt >/dev/null
	echo "wrote $file"
done

python3 - "$results" "${pallets[@]}" <<'PY'
# Each call's worst measured execution time (the median over repeats at the component values
# where it is largest) next to balances.transfer_keep_alive from the same run.
import json, os, statistics, sys
from collections import defaultdict
results, pallets = sys.argv[1], sys.argv[2:]

def worst_times(pallet):
    with open(os.path.join(results, pallet + ".json")) as f:
        batches = json.load(f)
    worst = {}
    for batch in batches:
        by_components = defaultdict(list)
        for r in batch["time_results"]:
            by_components[tuple(v for _, v in r["components"])].append(r["extrinsic_time"])
        worst[batch["benchmark"]] = max(statistics.median(times) for times in by_components.values())
    return worst

reference = worst_times("pallet_balances")["transfer_keep_alive"]
print(f"\n{'call':52} {'time (µs)':>10} {'× transfer_keep_alive':>22}")
print(f"{'pallet_balances::transfer_keep_alive':52} {reference / 1000:>10.1f} {1:>22.2f}")
for pallet in pallets:
    for name, time in sorted(worst_times(pallet).items()):
        print(f"{pallet + '::' + name:52} {time / 1000:>10.1f} {time / reference:>22.2f}")
PY
