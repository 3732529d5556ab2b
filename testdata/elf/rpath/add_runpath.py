"""Give an ELF64 little-endian object that has a DT_RPATH a DT_RUNPATH as well.

    python3 add_runpath.py FILE SUFFIX

GNU ld writes DT_RPATH or DT_RUNPATH, never both. Real binaries with both exist (older
linkers, patched binaries), and the loader must then ignore DT_RPATH. This turns one of the
spare DT_NULL slots ld leaves at the end of .dynamic into a DT_RUNPATH whose string is
SUFFIX, which must be a tail of the DT_RPATH string: the string table already holds it (a
NUL-terminated tail of a string is itself a string), so nothing has to move.
"""

import struct
import sys

DT_NULL, DT_STRTAB, DT_RPATH, DT_RUNPATH = 0, 5, 15, 29
PT_DYNAMIC = 2


def main() -> None:
    path, suffix = sys.argv[1], sys.argv[2].encode()
    data = bytearray(open(path, "rb").read())
    if data[:6] != b"\x7fELF\x02\x01":
        sys.exit(f"{path}: not an ELF64 little-endian file")
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    dyn_off = dyn_size = None
    loads = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize
        )
        if p_type == PT_DYNAMIC:
            dyn_off, dyn_size = p_offset, p_filesz
        if p_type == 1:  # PT_LOAD: to map DT_STRTAB's address to a file offset
            loads.append((p_vaddr, p_offset, p_filesz))
    if dyn_off is None:
        sys.exit(f"{path}: no PT_DYNAMIC")
    entries = [struct.unpack_from("<qQ", data, dyn_off + i * 16) for i in range(dyn_size // 16)]
    tags = dict((t, v) for t, v in entries if t != DT_NULL)
    if DT_RUNPATH in tags or DT_RPATH not in tags:
        sys.exit(f"{path}: needs a DT_RPATH and no DT_RUNPATH")
    strtab = next(off + tags[DT_STRTAB] - va for va, off, sz in loads if va <= tags[DT_STRTAB] < va + sz)
    rpath_at = strtab + tags[DT_RPATH]
    rpath = bytes(data[rpath_at : data.index(b"\0", rpath_at)])
    if not rpath.endswith(suffix):
        sys.exit(f"{path}: DT_RPATH {rpath!r} does not end with {suffix!r}")
    first_null = next(i for i, (t, _) in enumerate(entries) if t == DT_NULL)
    if first_null + 1 >= len(entries):
        sys.exit(f"{path}: no spare DT_NULL slot in .dynamic")
    runpath = tags[DT_RPATH] + len(rpath) - len(suffix)
    struct.pack_into("<qQ", data, dyn_off + first_null * 16, DT_RUNPATH, runpath)
    open(path, "wb").write(data)


if __name__ == "__main__":
    main()
