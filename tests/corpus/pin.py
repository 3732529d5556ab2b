#!/usr/bin/env python3
"""Regenerate tests/corpus/wheels.json from the selection below.

For each selected (project, version, filename) this looks the file up in PyPI's JSON API
(`https://pypi.org/pypi/<project>/json`, the project endpoint: the version endpoint may 404 on
mirrors), takes its url, sha256 and size, and writes wheels.json in selection order.
It does not download anything: `cargo xtask corpus` downloads and verifies every hash.

Usage: python3 tests/corpus/pin.py            (rewrites tests/corpus/wheels.json)
"""

import json
import pathlib
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent

# (project, version, filename, covers, notes)
SELECTION = [
    # --- pure wheels -------------------------------------------------------------------------
    ("six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl", ["pure"],
     "Pure py2.py3 wheel: auditwheel show refuses it unless --allow-pure-python-wheel."),
    ("requests", "2.32.3", "requests-2.32.3-py3-none-any.whl", ["pure"],
     "Pure py3 wheel."),
    # --- manylinux1 (manylinux_2_5) ----------------------------------------------------------
    ("markupsafe", "1.1.1", "MarkupSafe-1.1.1-cp37-cp37m-manylinux1_x86_64.whl",
     ["manylinux1", "x86_64", "small"],
     "Tiny old wheel, legacy manylinux1 tag only, cp37m ABI."),
    ("cffi", "1.14.6", "cffi-1.14.6-cp37-cp37m-manylinux1_x86_64.whl",
     ["manylinux1", "x86_64", "vendored-libs"],
     "Vendors libffi under a top-level cffi.libs/ directory."),
    ("pillow", "8.3.2", "Pillow-8.3.2-cp37-cp37m-manylinux_2_5_x86_64.manylinux1_x86_64.whl",
     ["manylinux1", "x86_64", "vendored-libs", "pep600-alias"],
     "PEP 600 tag plus its legacy alias; vendors image codecs in Pillow.libs/."),
    ("numpy", "1.16.6", "numpy-1.16.6-cp37-cp37m-manylinux1_i686.whl",
     ["manylinux1", "i686", "vendored-libs"],
     "32-bit x86; old auditwheel layout with OpenBLAS vendored in numpy/.libs/ (inside the package)."),
    # --- manylinux2010 (manylinux_2_12) ------------------------------------------------------
    ("numpy", "1.21.6", "numpy-1.21.6-cp37-cp37m-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
     ["manylinux2010", "x86_64", "vendored-libs"],
     "OpenBLAS and libgfortran vendored in numpy.libs/."),
    ("pyarrow", "3.0.0", "pyarrow-3.0.0-cp37-cp37m-manylinux2010_x86_64.whl",
     ["manylinux2010", "x86_64", "bundled-libs"],
     "Legacy manylinux2010 tag only; ships libarrow*.so inside pyarrow/ (bundled by the build, not by auditwheel; RPATH $ORIGIN)."),
    ("lxml", "4.6.4", "lxml-4.6.4-cp38-cp38-manylinux_2_12_i686.manylinux2010_i686.manylinux_2_24_i686.whl",
     ["manylinux2010", "manylinux_2_24", "i686"],
     "Three tags, 2_12 and 2_24 for one file (2_24 added for old pip); i686."),
    # --- manylinux2014 (manylinux_2_17) ------------------------------------------------------
    ("psycopg2-binary", "2.9.10", "psycopg2_binary-2.9.10-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "vendored-libs"],
     "Vendors libpq, OpenSSL 1.1, krb5, OpenLDAP, SASL, libselinux... (15 libraries) in psycopg2_binary.libs/."),
    ("scipy", "1.15.3", "scipy-1.15.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "vendored-libs", "many-elfs"],
     "Hundreds of extension modules; OpenBLAS and libgfortran in scipy.libs/."),
    ("h5py", "3.13.0", "h5py-3.13.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "vendored-libs"],
     "HDF5 vendored in h5py.libs/."),
    ("matplotlib", "3.10.1", "matplotlib-3.10.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64"],
     "C++ extensions linking libstdc++ (GLIBCXX/CXXABI versions)."),
    ("shapely", "2.0.7", "shapely-2.0.7-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "vendored-libs"],
     "GEOS vendored in shapely.libs/."),
    ("grpcio", "1.71.0", "grpcio-1.71.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64"],
     "A single extension module (cygrpc) with gRPC/BoringSSL linked in; needs libstdc++."),
    ("uvloop", "0.21.0", "uvloop-0.21.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
     ["manylinux2014", "aarch64"],
     "aarch64 extension with libuv linked in statically (no DT_NEEDED on libuv)."),
    ("ruff", "0.9.10", "ruff-0.9.10-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "scripts-elf"],
     "py3-none wheel whose only ELF is an executable in ruff-0.9.10.data/scripts/ruff."),
    ("ruff", "0.9.10", "ruff-0.9.10-py3-none-manylinux_2_17_ppc64.manylinux2014_ppc64.whl",
     ["manylinux2014", "ppc64", "big-endian", "scripts-elf"],
     "Big-endian 64-bit POWER (ppc64, not ppc64le): the only big-endian ELF in the corpus besides s390x."),
    ("uv", "0.6.14", "uv-0.6.14-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
     ["manylinux2014", "musllinux_1_1", "aarch64", "scripts-elf", "static", "mixed-libc-tags"],
     "Statically linked executables (uv, uvx) in .data/scripts, tagged for both glibc and musl."),
    ("regex", "2024.11.6", "regex-2024.11.6-cp312-cp312-manylinux_2_17_s390x.manylinux2014_s390x.whl",
     ["manylinux2014", "s390x", "big-endian"],
     "s390x (big-endian) extension."),
    ("pydantic-core", "2.27.2", "pydantic_core-2.27.2-cp312-cp312-manylinux_2_17_ppc64le.manylinux2014_ppc64le.whl",
     ["manylinux2014", "ppc64le"],
     "Rust (PyO3) extension on ppc64le."),
    ("orjson", "3.10.18", "orjson-3.10.18-cp312-cp312-manylinux_2_17_armv7l.manylinux2014_armv7l.whl",
     ["manylinux2014", "armv7l"],
     "Rust extension on 32-bit ARM hard-float."),
    ("jaxlib", "0.5.3", "jaxlib-0.5.3-cp312-cp312-manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "large", "legacy-tag-only"],
     "~105 MB; legacy manylinux2014 tag without its manylinux_2_17 alias."),
    ("opencv-python-headless", "4.11.0.86", "opencv_python_headless-4.11.0.86-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux2014", "x86_64", "abi3", "large", "vendored-libs"],
     "~50 MB abi3 wheel; vendors ffmpeg (libavcodec...), OpenBLAS, libgfortran, OpenSSL 1.1, libvpx in opencv_python_headless.libs/."),
    # --- manylinux_2_24 / 2_26 ---------------------------------------------------------------
    ("bcrypt", "4.0.1", "bcrypt-4.0.1-cp36-abi3-manylinux_2_24_x86_64.whl",
     ["manylinux_2_24", "x86_64", "abi3"],
     "abi3 Rust extension tagged manylinux_2_24 only."),
    ("polars", "1.30.0", "polars-1.30.0-cp39-abi3-manylinux_2_24_aarch64.whl",
     ["manylinux_2_24", "aarch64", "abi3"],
     "~33 MB single Rust abi3 extension on aarch64."),
    ("pynacl", "1.6.0", "pynacl-1.6.0-cp38-abi3-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
     ["manylinux_2_26", "manylinux_2_28", "x86_64", "abi3"],
     "manylinux_2_26 (a policy only a few projects use) plus 2_28."),
    # --- manylinux_2_27 / 2_28 ---------------------------------------------------------------
    ("numpy", "2.3.5", "numpy-2.3.5-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
     ["manylinux_2_27", "manylinux_2_28", "x86_64", "vendored-libs"],
     "numpy 2.3 moved to manylinux_2_28; scipy-openblas vendored in numpy.libs/."),
    ("pillow", "11.3.0", "pillow-11.3.0-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
     ["manylinux_2_27", "manylinux_2_28", "aarch64", "vendored-libs"],
     "aarch64 with pillow.libs/."),
    ("pyarrow", "19.0.1", "pyarrow-19.0.1-cp312-cp312-manylinux_2_28_x86_64.whl",
     ["manylinux_2_28", "x86_64", "large", "bundled-libs"],
     "~42 MB; libarrow*.so (libarrow.so.1900 is 65 MB) bundled inside pyarrow/, found through RUNPATH $ORIGIN."),
    ("pyzmq", "26.4.0", "pyzmq-26.4.0-cp312-cp312-manylinux_2_28_x86_64.whl",
     ["manylinux_2_28", "x86_64", "vendored-libs"],
     "libzmq/libsodium vendored in pyzmq.libs/."),
    ("xgboost", "2.1.4", "xgboost-2.1.4-py3-none-manylinux_2_28_x86_64.whl",
     ["manylinux_2_28", "x86_64", "large", "py3-none", "vendored-libs"],
     "~224 MB, the largest wheel (benchmark target): xgboost/lib/libxgboost.so is 347 MB "
     "uncompressed (CUDA kernels built in); libgomp vendored in xgboost.libs/."),
    # --- manylinux_2_31 ----------------------------------------------------------------------
    ("lxml", "6.0.0", "lxml-6.0.0-cp312-cp312-manylinux_2_31_armv7l.whl",
     ["manylinux_2_31", "armv7l"],
     "manylinux_2_31 as the only tag."),
    ("cryptography", "44.0.3", "cryptography-44.0.3-cp37-abi3-manylinux_2_28_armv7l.manylinux_2_31_armv7l.whl",
     ["manylinux_2_28", "manylinux_2_31", "armv7l", "abi3"],
     "abi3 Rust extension on armv7l."),
    ("charset-normalizer", "3.4.4", "charset_normalizer-3.4.4-cp312-cp312-manylinux_2_31_riscv64.manylinux_2_39_riscv64.whl",
     ["manylinux_2_31", "manylinux_2_39", "riscv64"],
     "riscv64 (auditwheel policies for riscv64 start at manylinux_2_31)."),
    # --- manylinux_2_34 ----------------------------------------------------------------------
    ("cryptography", "44.0.3", "cryptography-44.0.3-cp37-abi3-manylinux_2_34_x86_64.whl",
     ["manylinux_2_34", "x86_64", "abi3"],
     "manylinux_2_34 as the only tag."),
    ("pynacl", "1.6.0", "pynacl-1.6.0-cp314-cp314t-manylinux_2_34_aarch64.whl",
     ["manylinux_2_34", "aarch64", "free-threaded"],
     "Free-threaded CPython 3.14 ABI tag (cp314t) on aarch64."),
    # --- musllinux ---------------------------------------------------------------------------
    ("numpy", "2.1.3", "numpy-2.1.3-cp312-cp312-musllinux_1_1_x86_64.whl",
     ["musllinux_1_1", "x86_64", "vendored-libs"],
     "musl build with numpy.libs/ (OpenBLAS, libgfortran)."),
    ("pyyaml", "6.0.2", "PyYAML-6.0.2-cp312-cp312-musllinux_1_1_aarch64.whl",
     ["musllinux_1_1", "aarch64"],
     "musl on aarch64."),
    ("pillow", "11.3.0", "pillow-11.3.0-cp312-cp312-musllinux_1_2_x86_64.whl",
     ["musllinux_1_2", "x86_64", "vendored-libs"],
     "musl build with pillow.libs/."),
    ("zstandard", "0.23.0", "zstandard-0.23.0-cp312-cp312-musllinux_1_2_s390x.whl",
     ["musllinux_1_2", "s390x", "big-endian"],
     "musl on s390x."),
    ("psycopg2-binary", "2.9.10", "psycopg2_binary-2.9.10-cp312-cp312-musllinux_1_2_ppc64le.whl",
     ["musllinux_1_2", "ppc64le", "vendored-libs"],
     "musl on ppc64le with psycopg2_binary.libs/."),
    ("charset-normalizer", "3.4.4", "charset_normalizer-3.4.4-cp312-cp312-musllinux_1_2_armv7l.whl",
     ["musllinux_1_2", "armv7l"],
     "musl on armv7l."),
    ("msgpack", "1.1.0", "msgpack-1.1.0-cp312-cp312-musllinux_1_2_i686.whl",
     ["musllinux_1_2", "i686"],
     "musl on i686."),
    # --- not self-contained: external libraries ----------------------------------------------
    ("pyqt6", "6.7.1", "PyQt6-6.7.1-1-cp38-abi3-manylinux_2_28_x86_64.whl",
     ["manylinux_2_28", "x86_64", "abi3", "build-tag", "external-libs", "external-not-found"],
     "Build tag `1` in the filename. Links libQt6*.so.6 shipped by another wheel (PyQt6-Qt6, via "
     "RUNPATH $ORIGIN/Qt6/lib), so auditwheel finds none of them: claimed manylinux_2_28, verdict linux."),
    ("pyqt6-qt6", "6.7.1", "PyQt6_Qt6-6.7.1-py3-none-manylinux_2_28_x86_64.whl",
     ["manylinux_2_28", "x86_64", "large", "many-elfs", "external-libs", "external-host-resolved"],
     "~74 MB of Qt libraries and plugins built without auditwheel: links X11/xcb/GL/fontconfig/"
     "dbus/gstreamer/... from the system; which of them resolve depends on the host."),
    # --- plain linux / unsupported -----------------------------------------------------------
    ("grpcio", "1.71.0", "grpcio-1.71.0-cp312-cp312-linux_armv7l.whl",
     ["linux", "armv7l"],
     "Published on PyPI with a plain linux_armv7l tag (for Raspberry Pi), not manylinux; needs GLIBC_2.34."),
    ("ruff", "0.9.10", "ruff-0.9.10-py3-none-linux_armv6l.whl",
     ["linux", "armv6l", "scripts-elf", "unsupported-arch"],
     "armv6l: an architecture auditwheel has no policy for."),
]


def project_json(project):
    url = f"https://pypi.org/pypi/{project}/json"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def canonical_url(url):
    """Some mirrors of the JSON API answer relative URLs (`../../packages/packages/ab/cd/...`);
    pin the canonical files.pythonhosted.org address instead (the one the simple index shows)."""
    prefix = "https://files.pythonhosted.org/packages/"
    if url.startswith(prefix):
        return url
    marker = "/packages/packages/"
    if marker in url:
        return prefix + url.split(marker, 1)[1]
    raise SystemExit(f"unexpected file URL {url}")


def tags_of(filename):
    """The platform tags of a wheel filename, in filename order (python/abi tags are in it too)."""
    return filename[: -len(".whl")].split("-")[-1].split(".")


def main():
    cache = {}
    entries = []
    for project, version, filename, covers, notes in SELECTION:
        if project not in cache:
            cache[project] = project_json(project)
        files = cache[project]["releases"].get(version, [])
        match = [f for f in files if f["filename"] == filename]
        if not match:
            raise SystemExit(f"{project} {version}: no file {filename} on PyPI")
        f = match[0]
        if f.get("yanked"):
            raise SystemExit(f"{filename} is yanked")
        entries.append({
            "name": project,
            "version": version,
            "filename": filename,
            "url": canonical_url(f["url"]),
            "sha256": f["digests"]["sha256"],
            "size": f["size"],
            "tags_claimed": tags_of(filename),
            "covers": covers,
            "notes": notes,
        })
    names = [e["filename"] for e in entries]
    if len(names) != len(set(names)):
        raise SystemExit("duplicate filename in SELECTION")
    out = HERE / "wheels.json"
    out.write_text(json.dumps(entries, indent=2) + "\n")
    total = sum(e["size"] for e in entries)
    print(f"wrote {out} with {len(entries)} wheels, {total / 1e6:.1f} MB in total")


if __name__ == "__main__":
    main()
