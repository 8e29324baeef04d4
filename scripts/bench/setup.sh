# Shared starts of the benchmarks (sourced, not run): bench_setup for scripts/bench/new.sh and check.sh,
# bench_corpus_setup for migrate.sh and audit.sh.
#
# bench_setup: for new.sh and check.sh: from the repository
# root, install the pinned test tools, build chora in release mode and make a scratch folder
# that is removed on exit. Call `bench_setup NAME`; it sets repo, py (the tools' Python),
# copier_bin, chora, version (from Cargo.toml) and work.
bench_setup() {
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  cd "$repo"
  bash scripts/install-test-tools.sh >/dev/null
  py="$repo/.tools/bin/python"
  copier_bin="$repo/.tools/bin/copier"

  echo "building chora (cargo build --release)..."
  cargo build --release --quiet
  chora="$repo/target/release/chora"
  version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"

  work="$(mktemp -d "${TMPDIR:-/tmp}/chora-bench-$1.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
}

# Shared start of scripts/bench/migrate.sh and audit.sh (sourced): from the repository root,
# the pinned zizmor (installed when missing), the shared corpus (exit 2 without it), the
# release build of chora and a scratch folder removed on exit. Call `bench_corpus_setup NAME`;
# it sets repo, corpus, chora, zizmor and work.
bench_corpus_setup() {
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  cd "$repo"
  local tools="${CHORA_TOOLS_DIR:-$repo/.tools}"
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
  work="$(mktemp -d "${TMPDIR:-/tmp}/chora-bench-$1.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "machine: $(nproc) cores, $(uname -sr); $("$chora" --version); $("$zizmor" --version)"
}
