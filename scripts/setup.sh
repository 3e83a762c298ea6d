#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine to build Nubes: system packages, the Rust toolchain of
# rust-toolchain.toml with the wasm target and rust-src. Safe to run any number of times.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# e2fsprogs and mount: the agent's per-lease scratch volumes (and their tests). chromium and
# tesseract-ocr: the gateway test opens a named site in a headless browser and reads its
# screenshot.
packages=(clang libclang-dev protobuf-compiler pkg-config make git curl ca-certificates e2fsprogs mount
	chromium tesseract-ocr)
missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
		|| missing+=("$package")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	sudo_cmd=()
	[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
	"${sudo_cmd[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null; then
	echo "setup: rustup is required (https://rustup.rs); install it and run this again" >&2
	exit 1
fi
cd "$NUBES_ROOT"
# rust-toolchain.toml names the channel; make sure it, the wasm target and rust-src are there.
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup run "$channel" rustc --version >/dev/null 2>&1; then
	rustup toolchain install "$channel" --profile minimal --no-self-update
fi
installed=$(rustup target list --toolchain "$channel" --installed)
for target in wasm32v1-none wasm32-wasip2; do
	grep -qx "$target" <<<"$installed" || rustup target add --toolchain "$channel" "$target"
done
components=$(rustup component list --toolchain "$channel" --installed)
for component in rust-src rustfmt clippy; do
	grep -q "^$component" <<<"$components" || rustup component add --toolchain "$channel" "$component"
done
mkdir -p "$CARGO_TARGET_DIR"
echo "setup: ready (toolchain $channel, target dir $CARGO_TARGET_DIR)"
