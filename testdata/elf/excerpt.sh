#!/bin/sh
# Print the readelf lines that a fixture README records for each output, so the excerpts in
# the READMEs can be regenerated after `cargo xtask fixtures` and compared with `git diff`:
#   sh testdata/elf/excerpt.sh testdata/elf/glibc/out/*
# Only facts an auditor looks at are kept: identity (class, data, machine, flags), segments
# (PT_INTERP, PT_GNU_STACK), dynamic tags (NEEDED, SONAME, RPATH, RUNPATH), version needs and
# definitions, GNU property notes, and the dynamic symbols minus the crt boilerplate.
set -eu
for f in "$@"; do
    printf '$ readelf -W -h -l -d -V -n --dyn-syms %s   # filtered\n' "$(basename "$f")"
    readelf -W -h "$f" | grep -E '^  (Class|Data|Type|Machine|Flags):' || true
    readelf -W -l "$f" | grep -E '^ *(INTERP|GNU_STACK)|interpreter' || true
    readelf -W -d "$f" | grep -E '\((NEEDED|SONAME|RPATH|RUNPATH|RELR|FLAGS_1)\)' || true
    readelf -W -V "$f" | grep -E 'File:|Name:' || true
    readelf -W -n "$f" | grep -E 'Properties:' || true
    readelf -W --dyn-syms "$f" |
        grep -aE '^ +[0-9]+:' |
        grep -avE ' (_ITM_[A-Za-z]+|__gmon_start__|__cxa_finalize(@[A-Z_0-9.]+ \([0-9]+\))?|)$' || true
    echo
done
