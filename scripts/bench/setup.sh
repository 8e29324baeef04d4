# Shared start of scripts/bench/new.sh and check.sh (sourced, not run): from the repository
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
