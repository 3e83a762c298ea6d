#!/usr/bin/env bash
# Starts, stops or shows a four-validator Nubes network (Alice, Bob, Charlie, Dave) on loopback,
# running real Aura + GRANDPA consensus.
#
#   scripts/local-net.sh start    build the node, start the validators that are not running
#   scripts/local-net.sh stop     stop them (the chain data stays)
#   scripts/local-net.sh status   which run, their best and finalized blocks
#   scripts/local-net.sh purge    stop them and delete the chain data
#
# Validator i (0..3) listens for peers on 30333+i and for RPC on 9944+i (Alice on 9944).
# Node keys are fixed so the peer ids, and so the bootnodes, never change. Every command is
# safe to run twice.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NET_DIR="${NUBES_NET_DIR:-$HOME/.cache/nubes/local-net}"
NAMES=(alice bob charlie dave)
P2P_BASE=30333
RPC_BASE=9944

node_key() { printf '%064x' $(($1 + 1)); }
pid_file() { echo "$NET_DIR/${NAMES[$1]}.pid"; }
is_running() {
	local pid_file
	pid_file=$(pid_file "$1")
	[[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}
peer_id() { node_key "$1" | "$NUBES_NODE" key inspect-node-key; }

rpc() {
	curl -s -m 2 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "http://127.0.0.1:$1"
}

start() {
	build_node
	mkdir -p "$NET_DIR"
	local bootnodes=() i
	for i in 0 1 2 3; do
		bootnodes+=("/ip4/127.0.0.1/tcp/$((P2P_BASE + i))/p2p/$(peer_id "$i")")
	done
	for i in 0 1 2 3; do
		local name=${NAMES[$i]}
		if is_running "$i"; then
			echo "$name already running (pid $(cat "$(pid_file "$i")"))"
			continue
		fi
		local args=(--chain local "--$name" --validator --name "$name"
			--base-path "$NET_DIR/$name" --port $((P2P_BASE + i)) --rpc-port $((RPC_BASE + i))
			--node-key "$(node_key "$i")" --no-telemetry --no-mdns --rpc-cors all)
		local j
		for j in 0 1 2 3; do
			[[ $j == "$i" ]] || args+=(--bootnodes "${bootnodes[$j]}")
		done
		nohup "$NUBES_NODE" "${args[@]}" >"$NET_DIR/$name.log" 2>&1 &
		echo $! >"$(pid_file "$i")"
		echo "$name started (pid $!, rpc ws://127.0.0.1:$((RPC_BASE + i)), log $NET_DIR/$name.log)"
	done
}

stop() {
	local i
	for i in 0 1 2 3; do
		if is_running "$i"; then
			local pid
			pid=$(cat "$(pid_file "$i")")
			kill "$pid"
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
			kill -9 "$pid" 2>/dev/null || true
			echo "${NAMES[$i]} stopped"
		fi
		rm -f "$(pid_file "$i")"
	done
}

status() {
	local i
	for i in 0 1 2 3; do
		if is_running "$i"; then
			local port=$((RPC_BASE + i)) best finalized
			best=$(rpc $port chain_getHeader '[]' | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')
			finalized=$(rpc $port chain_getFinalizedHead '[]' | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
			finalized=$(rpc $port chain_getHeader "[\"$finalized\"]" | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')
			echo "${NAMES[$i]}: running, best #$((best)), finalized #$((finalized)), rpc ws://127.0.0.1:$port"
		else
			echo "${NAMES[$i]}: stopped"
		fi
	done
}

case "${1:-}" in
	start) start ;;
	stop) stop ;;
	status) status ;;
	purge) stop; rm -rf "$NET_DIR"; echo "chain data removed" ;;
	*) echo "usage: $0 start|stop|status|purge" >&2; exit 2 ;;
esac
