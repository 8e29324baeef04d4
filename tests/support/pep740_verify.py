"""Verify PEP 740 attestations with the real verifier (pypi-attestations + sigstore-python)
against a custom trusted root, many cases in one process.

Usage: python pep740_verify.py CASES.json

CASES.json is a JSON list of objects:
  {"attestation": path, "filename": dist file name, "sha256": hex, "trusted_root": path,
   "repository": "owner/repo", "workflow": "release.yml"}
Prints one JSON list to stdout, one {"ok", "error", "predicate_type"} object per case, in
order, and exits 0; non-zero only when the script itself breaks.
"""

import json
import sys

import pypi_attestations._impl as impl
from pypi_attestations import Attestation, Distribution, GitHubPublisher
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

_verifiers = {}


def _verifier(trusted_root_path):
    if trusted_root_path not in _verifiers:
        root = TrustedRoot.from_file(trusted_root_path)
        _verifiers[trusted_root_path] = Verifier(trusted_root=root)
    return _verifiers[trusted_root_path]


def _run(case):
    verifier = _verifier(case["trusted_root"])
    # Attestation.verify only knows the production and staging roots: point both at ours.
    impl.Verifier.production = classmethod(lambda cls, offline=False: verifier)
    impl.Verifier.staging = classmethod(lambda cls, offline=False: verifier)
    with open(case["attestation"], "rb") as f:
        attestation = Attestation.model_validate_json(f.read())
    dist = Distribution(name=case["filename"], digest=case["sha256"])
    publisher = GitHubPublisher(repository=case["repository"], workflow=case["workflow"])
    predicate_type, _predicate = attestation.verify(publisher, dist)
    return predicate_type


def main():
    with open(sys.argv[1], "rb") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        try:
            predicate_type = _run(case)
            out.append({"ok": True, "error": None, "predicate_type": predicate_type})
        except BaseException as e:  # noqa: BLE001 - any failure is this case's failure
            if isinstance(e, KeyboardInterrupt):
                raise
            out.append(
                {"ok": False, "error": f"{type(e).__name__}: {e}", "predicate_type": None}
            )
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
