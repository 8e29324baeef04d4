#!/usr/bin/env bash
# Benchmark: `chora-publish check` (content vetting on: secrets and stray files in every member)
# against `twine check` on the same 5 x 20 MiB wheels in the same run; prints per tool the
# median CPU (user + sys of the process), the ratio chora/twine and whether chora meets its
# target (<= 0.5 x twine's CPU), then the same read in-process without and with the content
# checks (examples/vet_floor.rs): the floor chora-publish's own archive checks set. Not part of
# the test suite or CI (timings are never asserted).
#
#   bash scripts/bench/vet.sh [RUNS]        (default 7)
#
# The wheels are built by scripts/bench/time_vet.py (seeded, so every run checks the same
# bytes): Python modules, a native extension of binary-ish data and JSON data files, deflated,
# with METADATA (a Markdown description), WHEEL and a correct RECORD; details of the set and of
# the measurement are at the top of that script. The two commands timed:
#   chora-publish check DIR/*.whl
#   twine check DIR/*.whl
# They do different work: twine check reads each wheel's METADATA, renders the description and
# hashes the file; chora-publish check also inflates every member (RECORD hashes and sizes,
# zip CRCs, member safety) and scans it for secrets and stray files, and computes both upload
# digests (docs/chora-publish.md, "Content vetting").
# chora-publish is built with `cargo build --release`; twine is the pinned one from
# scripts/install-test-tools.sh (.tools/bin/twine).
set -euo pipefail

runs="${1:-7}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
tools="${CHORA_TOOLS_DIR:-$repo/.tools}"
if [ ! -x "$tools/bin/twine" ]; then
  bash scripts/install-test-tools.sh >/dev/null
fi

echo "building chora-publish and examples/vet_floor (cargo build --release)..."
cargo build --release --quiet --bin chora-publish --example vet_floor

work="$(mktemp -d "${TMPDIR:-/tmp}/chora-bench-vet.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "$("$repo/target/release/chora-publish" --version); $("$tools/bin/twine" --version | head -n 1)"
python3 "$repo/scripts/bench/time_vet.py" "$runs" "$work" \
  "$repo/target/release/chora-publish" "$tools/bin/twine" \
  "$repo/target/release/examples/vet_floor"
