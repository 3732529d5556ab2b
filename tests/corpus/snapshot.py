#!/usr/bin/env python3
"""Record what auditwheel says about every corpus wheel: tests/corpus/auditwheel-<version>.json.

For each wheel of tests/corpus/wheels.json (fetched first with `cargo xtask corpus`) this runs
`auditwheel show --json WHEEL` (pure wheels: `show --json --allow-pure-python-wheel`, plus the
plain invocation, which refuses them) several times, and records the exit code, the parsed JSON
output, stderr, whether a Python traceback appeared, and the wall time of each run (the
median is the headline). Runs are sequential so timings do not compete for the CPU.

The snapshot is a reference for humans and for designing the differential test, not its
oracle: the test runs auditwheel live. External libraries are resolved against THIS host
(its /etc/ld.so.conf and installed packages), so `external_libs` differs between machines.

Usage (auditwheel installed in a venv, e.g. `.cache/venv`):
    python3 -m venv .cache/venv && .cache/venv/bin/pip install auditwheel==6.8.1
    cargo xtask corpus
    .cache/venv/bin/python tests/corpus/snapshot.py [--runs 3] [--only FILENAME_OR_NAME ...]
With --only, the other wheels' records are kept from the existing snapshot.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def auditwheel_version():
    from importlib.metadata import version

    return version("auditwheel")


def host_facts():
    facts = {"machine": platform.machine(), "kernel": platform.release()}
    try:
        for line in pathlib.Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                facts["os"] = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    libc, libc_version = platform.libc_ver()
    facts["libc"] = f"{libc} {libc_version}".strip()
    facts["python"] = platform.python_version()
    facts["cpus"] = os.cpu_count()
    return facts


def run_once(command):
    """Run auditwheel once: (completed process, wall seconds, CPU seconds user+system)."""
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    seconds = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    return completed, seconds, cpu


def parse_json(stdout):
    # `show --json` prints exactly one JSON document on stdout (logging goes to stderr).
    try:
        return json.loads(stdout)
    except ValueError:
        return None


def record(auditwheel, wheel_path, extra_args, runs):
    command = [auditwheel, "show", "--json", *extra_args, str(wheel_path)]
    results = [run_once(command) for _ in range(runs)]
    first = results[0][0]
    stdouts = {r.stdout for r, _, _ in results}
    codes = {r.returncode for r, _, _ in results}
    times = [round(s, 3) for _, s, _ in results]
    cpu_times = [round(c, 3) for _, _, c in results]
    stderr = first.stderr
    return {
        "args": ["show", "--json", *extra_args, wheel_path.name],
        "exit_code": first.returncode,
        "seconds_median": round(statistics.median(times), 3),
        "seconds_runs": times,
        "cpu_seconds_median": round(statistics.median(cpu_times), 3),
        "cpu_seconds_runs": cpu_times,
        "deterministic": len(stdouts) == 1 and len(codes) == 1,
        "traceback": "Traceback (most recent call last)" in stderr,
        "stderr": stderr if len(stderr) <= 4000 else stderr[:2000] + "\n[...]\n" + stderr[-2000:],
        "output": parse_json(first.stdout),
        "raw_stdout": None if parse_json(first.stdout) is not None else first.stdout,
    }


def summarize(entry, result):
    output = result["output"] or {}
    return {
        "filename": entry["filename"],
        "tags_claimed": entry["tags_claimed"],
        "overall_tag": output.get("overall_tag"),
        "sym_tag": output.get("sym_tag"),
        "external_libs": output.get("external_libs"),
        "error": output.get("error"),
        "exit_code": result["exit_code"],
        "seconds_median": result["seconds_median"],
        "cpu_seconds_median": result["cpu_seconds_median"],
        "traceback": result["traceback"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", default=[])
    parser.add_argument("--auditwheel", default=str(pathlib.Path(sys.executable).parent / "auditwheel"))
    parser.add_argument("--cache", default=os.environ.get("WHEELFIX_CORPUS_DIR") or str(ROOT / ".cache/corpus"))
    args = parser.parse_args()

    version = auditwheel_version()
    out_path = HERE / f"auditwheel-{version}.json"
    wheels = json.loads((HERE / "wheels.json").read_text())
    previous = {}
    if args.only and out_path.exists():
        previous = {w["filename"]: w for w in json.loads(out_path.read_text())["wheels"]}

    load_before = os.getloadavg()
    started = time.perf_counter()
    records = []
    for entry in wheels:
        selected = not args.only or entry["filename"] in args.only or entry["name"] in args.only
        if not selected:
            if entry["filename"] in previous:
                records.append(previous[entry["filename"]])
            continue
        wheel_path = pathlib.Path(args.cache) / entry["filename"]
        if not wheel_path.is_file():
            raise SystemExit(f"{wheel_path} is missing: run `cargo xtask corpus` first")
        pure = "pure" in entry["covers"]
        show = record(args.auditwheel, wheel_path, ["--allow-pure-python-wheel"] if pure else [], args.runs)
        # The headline first, the full record after it.
        rec = summarize(entry, show)
        rec["size"] = entry["size"]
        rec["show"] = show
        if pure:
            # What the plain invocation (the one used for platform wheels) says about it.
            rec["show_without_allow_pure"] = record(args.auditwheel, wheel_path, [], 1)
        records.append(rec)
        print(
            f"{rec['show']['seconds_median']:8.2f}s {rec['show']['cpu_seconds_median']:8.2f}s cpu  exit {rec['show']['exit_code']}  "
            f"{rec['overall_tag'] or rec['error']}  {entry['filename']}",
            flush=True,
        )

    snapshot = {
        "auditwheel": version,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": host_facts(),
        "runs_per_wheel": args.runs,
        "total_seconds": round(time.perf_counter() - started, 1),
        # Other processes competing for the CPU make the timings noisy: record how busy it was.
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "notes": (
            "Reference snapshot, not the oracle: the differential test runs auditwheel live. "
            "external_libs is resolved against the host that produced this file. "
            "seconds_median is the median wall time of runs_per_wheel sequential runs "
            "(time.perf_counter around the whole process, including interpreter start-up); "
            "cpu_seconds_median the median user+system CPU time of the same runs (getrusage of "
            "the child), which depends much less on other load on the machine."
        ),
        "wheels": records,
    }
    out_path.write_text(json.dumps(snapshot, indent=1, sort_keys=False) + "\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
