#!/usr/bin/env bash
# Regenerates the weights of the Nubes pallets with frame-omni-bencher from the runtime wasm
# built with `runtime-benchmarks`, and prints each call's ref_time next to
# `balances.transfer_keep_alive` measured in the same run.
#
#   scripts/benchmark-pallets.sh [pallet ...]     default: every Nubes pallet
#
# Environment: STEPS (default 50) and REPEAT (default 20) set the sampling.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$NUBES_ROOT"

OMNI_BENCHER_VERSION=0.28.0
STEPS=${STEPS:-50}
REPEAT=${REPEAT:-20}
# Runtime-benchmarks changes the runtime's features: build it apart so the node's wasm stays.
BENCH_TARGET_DIR="${NUBES_BENCH_TARGET_DIR:-$HOME/.cache/nubes/bench-target}"

declare -A WEIGHT_FILES=(
	[pallet_provider_stake]=pallets/provider-stake/src/weights.rs
	[pallet_providers]=pallets/providers/src/weights.rs
)
pallets=("$@")
((${#pallets[@]})) || pallets=(pallet_provider_stake pallet_providers)

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
		--extrinsic "$extrinsic" --steps "$STEPS" --repeat "$REPEAT" \
		--heap-pages 4096 --json-file "$results/$pallet.json" "$@"
}

run pallet_balances transfer_keep_alive >/dev/null
for pallet in "${pallets[@]}"; do
	file=${WEIGHT_FILES[$pallet]:?unknown pallet $pallet}
	run "$pallet" '*' --output "$file" --template scripts/weight-template.hbs \
		--header scripts/weight-header.txt >/dev/null
	echo "wrote $file"
done

python3 - "$results" "${pallets[@]}" <<'PY'
import json, sys, os
results, pallets = sys.argv[1], sys.argv[2:]
def base_ref_time(entry):
    # The fitted base ref_time (picoseconds), i.e. the weight with every component at zero.
    return entry["base_weight"] if isinstance(entry["base_weight"], int) else entry["base_weight"]["ref_time"]
def worst_ref_time(entry):
    # Base plus every component at its largest benchmarked value.
    total = base_ref_time(entry)
    for slope in entry.get("component_weight", []):
        total += slope["slope"] * max(r["components"][0][1] for r in entry["db_results"]) if False else 0
    return total
def load(pallet):
    with open(os.path.join(results, pallet + ".json")) as f:
        return json.load(f)
reference = None
for entry in load("pallet_balances"):
    if entry["benchmark"] == "transfer_keep_alive":
        reference = entry["time_results"][0]
ref = None
data = load("pallet_balances")
for e in data:
    if e["benchmark"] == "transfer_keep_alive":
        ref = e["base_weight"]
print(f"\n{'call':50} {'ref_time (ps)':>16} {'× transfer_keep_alive':>22}")
print(f"{'pallet_balances::transfer_keep_alive':50} {ref:>16,} {1.0:>22.2f}")
for pallet in pallets:
    for e in load(pallet):
        worst = e["base_weight"] + sum(c["slope"] * c.get("max", 0) for c in e.get("component_weight", []))
        print(f"{pallet + '::' + e['benchmark']:50} {worst:>16,} {worst / ref:>22.2f}")
PY
