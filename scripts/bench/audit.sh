#!/usr/bin/env bash
# Benchmark: `chora audit` (offline) against `zizmor --offline` over the real workflow corpus
# (../shared/corpus beside the repository), same machine, same run, ratio printed (target:
# chora >= 5x faster); then `chora audit` over 1,000 generated repositories in one invocation
# (target: < 2 s). Not part of the test suite or CI (timings are never asserted).
#
#   bash scripts/bench/audit.sh [ROUNDS]        (default 5)
#
# Part 1 gives each corpus file a repository of its own in a temporary folder (as
# scripts/bench/migrate.sh does) and times, per round, each tool over all of them twice: one
# process per repository (a pre-commit hook, a CI job) and one process for all (an
# organisation sweep). Part 2 generates 1,000 projects with `chora new` (each its own name,
# four answer sets in turn) and times `chora audit --repos-from` over them. chora is the release
# build (`cargo build --release --bin chora`); zizmor the pinned one of
# scripts/install-test-tools.sh.
set -euo pipefail

rounds="${1:-5}"
# shellcheck source=scripts/bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
bench_corpus_setup audit
python3 scripts/bench/time_audit.py "$rounds" "$corpus" "$work" "$chora" "$zizmor"
