"""Fetch one pinned wheel into a cache and extract its shared libraries.

usage: fetch_wheel.py CACHE_DIR FILENAME SHA256

FILENAME is the exact wheel file name (it pins name, version and tags); SHA256 its digest.
A cached wheel with the right digest is reused; otherwise `pip download` fetches it from PyPI
and the digest is checked before anything is extracted. Prints the directory holding the
extracted `*.so*` members. Used by wheelfix's ELF editor tests and `cargo xtask bench-elf`.
"""

import hashlib
import os
import subprocess
import sys
import zipfile


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(cache, filename):
    name, version, python, abi, platforms = filename[: -len(".whl")].split("-")
    command = [
        sys.executable, "-m", "pip", "download", f"{name}=={version}",
        "--no-deps", "--only-binary=:all:", "--dest", cache,
        "--python-version", python.removeprefix("cp")[:1] + "." + python.removeprefix("cp")[1:],
        "--implementation", "cp", "--abi", abi,
    ]
    for platform in platforms.split("."):
        command += ["--platform", platform]
    subprocess.run(command, check=True, stdout=sys.stderr)


def main():
    cache, filename, expected = sys.argv[1:4]
    wheels = os.path.join(cache, "wheels")
    os.makedirs(wheels, exist_ok=True)
    wheel = os.path.join(wheels, filename)
    if not (os.path.exists(wheel) and sha256_of(wheel) == expected):
        download(wheels, filename)
    actual = sha256_of(wheel)
    if actual != expected:
        sys.exit(f"{filename}: sha256 {actual} does not match the pinned {expected}")
    target = os.path.join(cache, "extracted", filename[: -len(".whl")])
    marker = os.path.join(target, ".complete")
    if not os.path.exists(marker):
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                base = os.path.basename(member)
                if ".so" in base and not member.endswith("/"):
                    archive.extract(member, target)
        open(marker, "w").close()
    print(target)


if __name__ == "__main__":
    main()
