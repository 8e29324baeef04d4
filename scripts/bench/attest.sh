#!/usr/bin/env bash
# Benchmark: signing PEP 740 attestations for 5 distributions, `chora-publish sign` against
# `pypi-attestations sign` (the Python library calls its CLI makes), both against the same
# Sigstore stand-ins (examples/sigstore_standins.rs: GitHub OIDC, Fulcio-like CA, Rekor v1-like
# log — the test suite's) with the same trust root, in one run. Prints per tool the median CPU
# (user + sys of the process and its children) and wall time, and the ratios. Target: chora
# uses >= 10x less CPU. Not part of the test suite or CI (timings are never asserted).
#
#   bash scripts/bench/attest.sh [ROUNDS]        (default 5)
#
# Rounds alternate between the tools. Each round signs 5 fresh 1 MiB wheels into an empty folder
# and checks that 5 attestation files were written. chora-publish makes one identity token, key,
# certificate and log entry per file (as upload does); pypi-attestations signs all files with one
# signer (one certificate), as `pypi-attestations sign` and pypa/gh-action-pypi-publish do —
# fewer round trips for Python, so the ratio understates chora's advantage per file.
# chora-publish is the release build; Python is the test venv (.tools/bin/python, from
# scripts/install-test-tools.sh) with pypi-attestations 0.0.30 and sigstore 4.5.1.
set -euo pipefail

rounds="${1:-5}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
tools="${CHORA_TOOLS_DIR:-$repo/.tools}"
if [ ! -x "$tools/bin/python" ] || ! "$tools/bin/python" -c 'import pypi_attestations, sigstore' 2>/dev/null; then
  bash scripts/install-test-tools.sh >/dev/null
fi

echo "building chora-publish and the stand-ins (cargo build --release)..."
cargo build --release --quiet --bin chora-publish
cargo build --release --quiet --example sigstore_standins
exec "$tools/bin/python" scripts/bench/time_attest.py "$rounds" \
  "$repo/target/release/chora-publish" "$repo/target/release/examples/sigstore_standins"
