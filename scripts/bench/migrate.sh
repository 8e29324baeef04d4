#!/usr/bin/env bash
# Benchmark: `chora migrate --check` against `zizmor --offline` over the real workflow corpus
# (../shared/corpus, beside the repository), same machine, same run; prints medians and the
# ratio zizmor/chora (target: chora >= 10x faster). Not part of the test suite or CI (timings
# are never asserted).
#
#   bash scripts/bench/migrate.sh [ROUNDS]        (default 5)
#
# Each corpus file gets a repository layout of its own in a temporary folder
# (<tmp>/<id>/.github/workflows/<its file name>), copied at bench time and removed on exit:
# never into the repository. One round runs each tool once per repository, as a user or a
# pre-commit hook would (one process per repository); rounds alternate between the tools so that
# drifts in machine load hit both alike. Both tools read the same files; zizmor runs every audit
# offline (its `use-trusted-publishing` audit is the overlap), chora only what migrate needs.
# chora is the release build of the chora binary (`cargo build --release --bin chora`); zizmor
# is the pinned one from scripts/install-test-tools.sh ($CHORA_TOOLS_DIR/bin/zizmor, default
# .tools/bin/zizmor).
set -euo pipefail

rounds="${1:-5}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
tools="${CHORA_TOOLS_DIR:-$repo/.tools}"
if [ ! -x "$tools/bin/zizmor" ]; then
  bash scripts/install-test-tools.sh >/dev/null
fi
corpus="$repo/../shared/corpus"
if [ ! -f "$corpus/index.tsv" ]; then
  echo "needs the shared corpus at $corpus (../shared/corpus beside the repository)" >&2
  exit 2
fi

echo "building chora (cargo build --release --bin chora)..."
cargo build --release --quiet --bin chora
chora="$repo/target/release/chora"
zizmor="$tools/bin/zizmor"

work="$(mktemp -d "${TMPDIR:-/tmp}/chora-bench-migrate.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(uname -sr); $("$chora" --version); $("$zizmor" --version)"
python3 scripts/bench/time_migrate.py "$rounds" "$corpus" "$work" "$chora" "$zizmor"
