#!/usr/bin/env bash
# The whole test suite: `bash scripts/test.sh` from anywhere in the repository.
#
#   1. scripts/install-test-tools.sh   third-party tools into .tools/ (instant when up to date)
#   2. cargo fmt --all -- --check
#   3. cargo clippy --all-targets -- -D warnings
#   4. cargo test --all-targets        with CHORA_TOOLS_DIR=<repo>/.tools, UV_PYTHON_DOWNLOADS=never
#
# Stops at the first failing step and exits non-zero. Extra arguments go to `cargo test`
# (e.g. `bash scripts/test.sh -- --nocapture`, or a test-name filter after `--`).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() {
  printf '\n==> %s\n' "$*"
}

step "install test tools"
bash "$repo/scripts/install-test-tools.sh"

# The tests find the tools here and fail (never skip) when one is missing.
export CHORA_TOOLS_DIR="$repo/.tools"
# uv must use the Python on the machine: there is no network for python-build-standalone.
export UV_PYTHON_DOWNLOADS=never
# No colour codes or progress bars in logs; stable backtraces on failure.
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo test --all-targets"
cargo test --all-targets "$@"

printf '\n==> all checks passed\n'
