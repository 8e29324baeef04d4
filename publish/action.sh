#!/usr/bin/env bash
# The steps of the chora-publish composite action (publish/action.yml), one script for the
# Linux, macOS and Windows runners (`shell: bash`; Git Bash on Windows). See docs/action.md.
#
#   action.sh select    print the chora-cli release to install (version=, requirement=)
#   action.sh install   install it by hash into a fresh virtual environment under RUNNER_TEMP;
#                       writes the outputs `version` and `chora-publish` (the binary's path) to
#                       GITHUB_OUTPUT
#   action.sh upload    run `chora-publish upload` with the inputs below
#
# Inputs arrive as environment variables (the action's `env:`; never expanded into the script):
#   INPUT_VERSION             chora-cli release to install; empty: the newest listed
#   INPUT_RUNTIME_INDEX_URL   the index chora-cli is installed from (PyPI's simple API)
#   INPUT_PACKAGES_DIR, INPUT_REPOSITORY_URL, INPUT_SKIP_EXISTING, INPUT_ATTESTATIONS,
#   INPUT_ATTESTATIONS_DIR, INPUT_VERBOSE, INPUT_PRINT_HASH, INPUT_USER, INPUT_PASSWORD,
#   INPUT_VERIFY_PROVENANCE, INPUT_LEDGER
#   CHORA_PUBLISH             the binary `install` put in place (upload only)
#
# The releases come from data/chora-releases.tsv of the action's own checkout (the folder
# above this script): version, wheel file name, sha256, tab-separated, one line per wheel.
# uv (set up by the action, pinned) refuses any file whose SHA-256 is not one of them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
releases_file="$here/../data/chora-releases.tsv"
releases_name="data/chora-releases.tsv"

die() {
  # A GitHub error annotation, then the plain message for logs read elsewhere. The message may
  # quote an input or a line of the releases file: escaped as workflow commands want (%25, %0D,
  # %0A), so no line of it can be read as a command of its own.
  local message="${1//%/%25}"
  message="${message//$'\r'/%0D}"
  message="${message//$'\n'/%0A}"
  printf '::error title=chora-publish action::%s\n' "${message}"
  printf 'chora-publish action: error: %s\n' "${message}" >&2
  exit "${2:-2}"
}

# --- the releases file -----------------------------------------------------------------------

# A sort key for a normalised PEP 440 version (no local part), the ordering chora itself uses
# (src/template/runtime.rs): epoch, release (trailing zeros dropped), pre (a < b < rc < none;
# a bare dev release before any pre), post, dev (a dev release before its final).
version_key() {
  awk -v v="$1" 'BEGIN {
    epoch = 0
    if (index(v, "!") > 0) { epoch = substr(v, 1, index(v, "!") - 1); v = substr(v, index(v, "!") + 1) }
    match(v, /^[0-9]+(\.[0-9]+)*/)
    rel = substr(v, 1, RLENGTH); rest = substr(v, RLENGTH + 1)
    n = split(rel, parts, ".")
    while (n > 1 && parts[n] + 0 == 0) n--
    key = sprintf("%012d", epoch)
    for (i = 1; i <= 12; i++) key = key sprintf(".%012d", (i <= n) ? parts[i] : 0)
    pre = ""; post = "0.000000000000"; dev = "1.000000000000"
    if (match(rest, /^(a|b|rc)[0-9]+/)) {
      tag = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
      match(tag, /[0-9]+/); num = substr(tag, RSTART)
      rank = (tag ~ /^a/) ? 1 : (tag ~ /^b/) ? 2 : 3
      pre = sprintf("%d.%012d", rank, num)
    }
    if (match(rest, /^\.post[0-9]+/)) { post = sprintf("1.%012d", substr(rest, 6, RLENGTH - 5)); rest = substr(rest, RLENGTH + 1) }
    if (match(rest, /^\.dev[0-9]+/)) { dev = sprintf("0.%012d", substr(rest, 5, RLENGTH - 4)) }
    if (pre == "") pre = (dev ~ /^0/ && post ~ /^0/) ? "0.000000000000" : "9.000000000000"
    print key "-" pre "-" post "-" dev
  }'
}

# Read the releases file into VERSIONS (unique, in file order) and LINES ("version wheel sha").
read_releases() {
  [[ -f "$releases_file" ]] || die "$releases_name is missing from the action's checkout ($releases_file)"
  VERSIONS=()
  LINES=()
  local n=0 line version wheel sha extra seen
  while IFS= read -r line || [[ -n "$line" ]]; do
    n=$((n + 1))
    line="${line%$'\r'}"
    [[ -z "${line//[[:space:]]/}" || "$line" == \#* ]] && continue
    IFS=$'\t' read -r version wheel sha extra <<<"$line"
    if [[ -n "${extra:-}" || -z "${sha:-}" ]]; then
      die "$releases_name, line $n: expected 3 tab-separated columns (version, wheel file name, sha256)"
    fi
    [[ "$version" =~ ^([0-9]+!)?[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$ ]] ||
      die "$releases_name, line $n: '$version' is not a normalised PEP 440 version of a public release"
    [[ "$wheel" =~ ^chora_cli-[A-Za-z0-9._-]+\.whl$ ]] ||
      die "$releases_name, line $n: '$wheel' is not a chora-cli wheel file name"
    [[ "$sha" =~ ^[0-9a-f]{64}$ ]] ||
      die "$releases_name, line $n: '$sha' is not a SHA-256 in lowercase hex (64 digits)"
    LINES+=("$version $wheel $sha")
    seen=0
    for v in "${VERSIONS[@]+"${VERSIONS[@]}"}"; do [[ "$v" == "$version" ]] && seen=1; done
    [[ $seen == 1 ]] || VERSIONS+=("$version")
  done <"$releases_file"
}

# Set VERSION and REQUIREMENT (`chora-cli==V --hash=sha256:… ` for every wheel of V).
select_release() {
  read_releases
  if [[ ${#VERSIONS[@]} -eq 0 ]]; then
    die "$releases_name of this action lists no chora-cli release: none is published yet, so there is nothing to install by hash. Pin the action to a commit whose $releases_name lists a release, or publish with pypa/gh-action-pypi-publish until then."
  fi
  local wanted="${INPUT_VERSION:-}" v best="" keys=""
  if [[ -n "$wanted" ]]; then
    for v in "${VERSIONS[@]}"; do [[ "$v" == "$wanted" ]] && best="$v"; done
    [[ -n "$best" ]] ||
      die "chora-cli $wanted is not in $releases_name of this action (it lists: ${VERSIONS[*]}); only a listed release can be installed by hash. Use one of those, or leave 'version' empty for the newest."
  else
    for v in "${VERSIONS[@]}"; do keys+="$(version_key "$v") $v"$'\n'; done
    # Fixed-width keys: byte order is version order.
    best="$(printf '%s' "$keys" | LC_ALL=C sort | tail -n 1)"
    best="${best##* }"
  fi
  VERSION="$best"
  REQUIREMENT="chora-cli==$VERSION"
  WHEELS=()
  local entry version wheel sha
  for entry in "${LINES[@]}"; do
    read -r version wheel sha <<<"$entry"
    if [[ "$version" == "$VERSION" ]]; then
      REQUIREMENT+=" --hash=sha256:$sha"
      WHEELS+=("$wheel")
    fi
  done
}

# A regex matching one platform tag this runner (RUNNER_OS, RUNNER_ARCH) can install; empty
# when the runner is not one of these (uv then decides alone).
platform_pattern() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo '^(many|musl)?linux.*_x86_64$' ;;
    Linux/ARM64) echo '^(many|musl)?linux.*_aarch64$' ;;
    macOS/X64) echo '^macosx_.*_(x86_64|intel|universal2)$' ;;
    macOS/ARM64) echo '^macosx_.*_(arm64|universal2)$' ;;
    Windows/X64) echo '^win_amd64$' ;;
    Windows/ARM64) echo '^win_arm64$' ;;
    *) echo '' ;;
  esac
}

# Whether a wheel (file name) has a platform tag matching the regex $2, or `any`.
wheel_fits() {
  local stem="${1%.whl}" tag
  local platforms="${stem##*-}"
  local IFS=.
  for tag in $platforms; do
    [[ "$tag" == any || "$tag" =~ $2 ]] && return 0
  done
  return 1
}

# --- the steps -------------------------------------------------------------------------------

cmd_select() {
  select_release
  printf 'version=%s\nrequirement=%s\n' "$VERSION" "$REQUIREMENT"
}

cmd_install() {
  [[ -n "${RUNNER_TEMP:-}" ]] || die "RUNNER_TEMP is not set (this runs as a GitHub Actions step)"
  [[ -n "${GITHUB_OUTPUT:-}" ]] || die "GITHUB_OUTPUT is not set (this runs as a GitHub Actions step)"
  command -v uv >/dev/null 2>&1 || die "uv is not on PATH (the action's setup-uv step puts it there)"
  select_release

  local pattern wheel fits=0
  pattern="$(platform_pattern)"
  if [[ -n "$pattern" ]]; then
    for wheel in "${WHEELS[@]}"; do
      if wheel_fits "$wheel" "$pattern"; then fits=1; fi
    done
    [[ $fits == 1 ]] ||
      die "chora-cli $VERSION has no wheel for this runner ($RUNNER_OS $RUNNER_ARCH); $releases_name lists: ${WHEELS[*]}"
  fi

  local temp="$RUNNER_TEMP"
  # Git Bash on Windows: a path every program here reads the same way (D:/a/_temp).
  if command -v cygpath >/dev/null 2>&1; then temp="$(cygpath -m "$temp")"; fi
  local venv requirements bin exe=""
  venv="$(mktemp -d "$temp/chora-cli.XXXXXXXX")"
  requirements="$venv.requirements.txt"
  printf '%s\n' "$REQUIREMENT" >"$requirements"
  echo "Installing chora-cli $VERSION by hash (${#WHEELS[@]} wheel(s) listed in $releases_name)"
  uv venv --no-config --no-project --quiet "$venv"
  uv pip install --no-config --python "$venv" --default-index "${INPUT_RUNTIME_INDEX_URL:-https://pypi.org/simple/}" \
    --require-hashes --no-deps --only-binary :all: -r "$requirements"

  bin="$venv/bin"
  if [[ -d "$venv/Scripts" ]]; then
    bin="$venv/Scripts"
    exe=".exe"
  fi
  local publish="$bin/chora-publish$exe"
  [[ -x "$publish" ]] || die "chora-cli $VERSION installed, but $publish is not there" 4
  "$publish" --version
  {
    printf 'version=%s\n' "$VERSION"
    printf 'chora-publish=%s\n' "$publish"
  } >>"$GITHUB_OUTPUT"
}

# Set FLAG to true or false from an input, case-insensitively, as GitHub and
# pypa/gh-action-pypi-publish spell them. (bash 3.2 compatible: macOS's own bash.)
boolean() {
  local value
  value="$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')"
  case "$value" in
    true | false) FLAG="$value" ;;
    *) die "input '$1' must be true or false, not '$2'" ;;
  esac
}

cmd_upload() {
  local publish="${CHORA_PUBLISH:-}"
  [[ -n "$publish" && -x "$publish" ]] || die "no chora-publish installed (the install step runs first)"
  local dir="${INPUT_PACKAGES_DIR:-dist}"
  dir="${dir%/}"
  [[ -d "$dir" ]] || die "packages-dir '$dir' is not a folder (build the distributions into it first)"

  local skip attest verbose print_hash provenance
  boolean skip-existing "${INPUT_SKIP_EXISTING:-false}" && skip="$FLAG"
  boolean attestations "${INPUT_ATTESTATIONS:-true}" && attest="$FLAG"
  boolean verbose "${INPUT_VERBOSE:-false}" && verbose="$FLAG"
  boolean print-hash "${INPUT_PRINT_HASH:-false}" && print_hash="$FLAG"
  boolean verify-provenance "${INPUT_VERIFY_PROVENANCE:-false}" && provenance="$FLAG"

  local args=(upload --repository-url "${INPUT_REPOSITORY_URL:-https://upload.pypi.org/legacy/}")
  if [[ -n "${INPUT_PASSWORD:-}" ]]; then
    local user="${INPUT_USER:-__token__}"
    [[ "$user" == "__token__" ]] ||
      die "input 'user' is '$user': chora-publish uploads with API tokens only (user __token__); make a project-scoped token, or use Trusted Publishing (no password)"
    # The token reaches chora-publish through its environment only, never its command line.
    export CHORA_PUBLISH_TOKEN="$INPUT_PASSWORD"
    args+=(--auth token)
  else
    unset CHORA_PUBLISH_TOKEN
    args+=(--auth oidc)
  fi
  unset INPUT_PASSWORD
  if [[ $attest == true ]]; then
    args+=(--attestations=auto --attestations-dir "${INPUT_ATTESTATIONS_DIR:-attestations}")
  else
    args+=(--attestations=never)
  fi
  [[ $skip == true ]] && args+=(--skip-existing)
  [[ $verbose == true ]] && args+=(--verbose)
  [[ $provenance == true ]] && args+=(--verify-provenance)
  [[ -n "${INPUT_LEDGER:-}" ]] && args+=(--ledger "$INPUT_LEDGER")
  args+=("$dir")

  if [[ $print_hash == true ]]; then
    # Validates every file and prints its SHA-256, before anything is sent.
    "$publish" check "$dir"
  fi
  "$publish" "${args[@]}"
}

case "${1:-}" in
  select) cmd_select ;;
  install) cmd_install ;;
  upload) cmd_upload ;;
  *) die "usage: action.sh select|install|upload" ;;
esac
