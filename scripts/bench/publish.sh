#!/usr/bin/env bash
# Benchmark: `chora-publish upload` against `uv publish` and `twine upload`, uploading the same
# wheels to the same local pypiserver in the same run; prints per tool the client's CPU time
# (user+sys of the client process only) and peak RSS, the ratios chora/uv and chora/twine, the
# CPU of `chora-publish check` on the 1 GiB wheel, the single-core floor of the two digests
# (examples/hash_floor.rs), and whether chora meets its targets. Not part of the
# test suite or CI (timings are never asserted).
#
#   bash scripts/bench/publish.sh [--no-large] [--runs N] [--large-runs N] [--hash-runs N]
#
#   --no-large      only the 5 x 20 MiB set (skips the 1 GiB set and the check timing; the
#                   full run takes a few minutes and needs about 3.5 GiB in $TMPDIR)
#   --runs N        alternating runs per tool on the 5 x 20 MiB set (default 5; medians shown)
#   --large-runs N  alternating runs per tool on the 1 GiB set (default 5)
#   --hash-runs N   runs of each `chora-publish check` hashing measurement (default 3, best kept)
#
# Sets: five 20 MiB wheels (benchpkg0..4) and one 1 GiB wheel (benchlarge), built in a temporary
# folder by scripts/bench/publish_bench.py: random (incompressible) payload stored uncompressed,
# with METADATA, WHEEL and a correct RECORD, so that chora-publish's pre-upload validation passes.
# Targets (medians): client CPU <= 1.15 x chora-publish's own hashing floor (the upload digests
# and RECORD hashing its checks require, at examples/hash_floor.rs's rates) on both sets, and
# <= 0.6 x uv's on the 5 x 20 MiB set; peak RSS <= 15 MiB and flat from 20 MiB to 1 GiB files.
#
# The server is the pinned pypiserver on 127.0.0.1, started as tests/support/standin/pypiserver.rs
# does; its package folder is emptied before every upload, so each tool uploads every file,
# and after each upload the folder must hold exactly the set's files with the original sha256
# (and the tool must exit 0), or the benchmark stops. Runs alternate between the tools. Each
# tool runs under GNU time (/usr/bin/time, Debian package `time`; installed when missing):
#   chora-publish upload --auth token --repository-url URL DIR/*.whl   (CHORA_PUBLISH_TOKEN)
#   uv publish --publish-url URL --username __token__ --password ... \
#              --trusted-publishing never --no-progress DIR/*.whl
#   twine upload --repository-url URL --non-interactive --disable-progress-bar DIR/*.whl
#                                                      (TWINE_USERNAME / TWINE_PASSWORD)
# chora-publish is built with `cargo build --release`; uv, twine and pypiserver are the pinned
# ones from scripts/install-test-tools.sh. Details of the measurement are at the top of
# scripts/bench/publish_bench.py.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
  echo "installing GNU time (apt-get install time)..."
  if [[ "$(id -u)" == 0 ]]; then
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
  else
    echo "publish.sh: GNU time (/usr/bin/time) is missing: install Debian's 'time' package" >&2
    exit 1
  fi
fi

bash scripts/install-test-tools.sh >/dev/null
py="$repo/.tools/venv/bin/python"   # the venv's own path (the .tools/bin symlink loses the venv)

echo "building chora-publish and examples/hash_floor (cargo build --release)..."
cargo build --release --quiet --bin chora-publish --example hash_floor

work="$(mktemp -d "${TMPDIR:-/tmp}/chora-bench-publish.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$py" "$repo/scripts/bench/publish_bench.py" --repo "$repo" --work "$work" "$@"
