# Shared settings of the Nubes scripts; sourced, not run.

# The repository root, wherever the script is called from.
NUBES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NUBES_ROOT

# Build outside the work tree so that every clone, session and CI run reuses one cache.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nubes/target}"

# The node binary the scripts run (release profile: the tests use the same one).
NUBES_NODE="$CARGO_TARGET_DIR/release/nubes-node"
export NUBES_NODE

# Builds the node (and its runtime wasm) if anything changed. It builds the way the tests do
# (every workspace target, one feature set), so the demo, the local network and the tests share
# one compiled dependency graph instead of two.
build_node() {
	(cd "$NUBES_ROOT" && cargo test --locked --release --workspace --no-run)
}

# Unmounts every lease volume the agent left mounted under a directory (a killed agent leaves
# them; a stopped one keeps them for its restart), so the directory can be removed.
unmount_under() {
	local dir
	dir=$(realpath -m "$1")
	awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
}
