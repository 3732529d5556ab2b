#!/usr/bin/env python3
"""Ask auditwheel what it thinks of fixture outputs (the verdicts in README.md come from this).

Builds a throwaway wheel holding the given files and prints `auditwheel show --json` for it.

    python3 testdata/elf/oracle.py [--tag cp311-cp311-linux_x86_64] [--pkg demo] \\
        MEMBER=PATH [MEMBER=PATH ...]

MEMBER is the path inside the wheel (e.g. `demo/ext.cpython-311-x86_64-linux-gnu.so`), PATH the
fixture output. auditwheel is taken from $AUDITWHEEL, else `.cache/venv/bin/auditwheel` (create
it with `python3 -m venv .cache/venv && .cache/venv/bin/pip install auditwheel==6.8.1`).
"""

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(directory: Path, pkg: str, tag: str, members: list[tuple[str, Path]]) -> Path:
    dist_info = f"{pkg}-1.0.dist-info"
    files: list[tuple[str, bytes, int]] = []
    for member, path in members:
        files.append((member, path.read_bytes(), 0o755))
    files.append(
        (f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {pkg}\nVersion: 1.0\n".encode(), 0o644)
    )
    files.append(
        (
            f"{dist_info}/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: oracle.py\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
            0o644,
        )
    )
    record = "\n".join(record_line(n, d) for n, d, _ in files) + f"\n{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode(), 0o644))
    wheel = directory / f"{pkg}-1.0-{tag}.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
    return wheel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="cp311-cp311-linux_x86_64")
    parser.add_argument("--pkg", default="demo")
    parser.add_argument("members", nargs="+", metavar="MEMBER=PATH")
    args = parser.parse_args()
    auditwheel = os.environ.get("AUDITWHEEL", str(ROOT / ".cache/venv/bin/auditwheel"))
    members = []
    for spec in args.members:
        member, _, path = spec.partition("=")
        members.append((member, Path(path)))
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(Path(tmp), args.pkg, args.tag, members)
        proc = subprocess.run(
            [auditwheel, "show", "--json", str(wheel)], capture_output=True, text=True, check=False
        )
    if proc.stdout.strip():
        result = json.loads(proc.stdout)
        # policy_upgrades repeats, for every better policy, what stands in the way; keep the
        # union of the blacklisted symbols and drop the rest (external_libs covers the libs).
        blacklisted: dict[str, set[str]] = {}
        for upgrade in result.pop("policy_upgrades", {}).values():
            for lib, symbols in upgrade.get("blacklisted_symbols", {}).items():
                blacklisted.setdefault(lib, set()).update(symbols)
        if blacklisted:
            result["blacklisted_symbols"] = {k: sorted(v) for k, v in sorted(blacklisted.items())}
        print(json.dumps(result, sort_keys=True))
    else:
        sys.stderr.write(proc.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
