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
# shellcheck source=scripts/bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
bench_corpus_setup migrate
python3 scripts/bench/time_migrate.py "$rounds" "$corpus" "$work" "$chora" "$zizmor"
