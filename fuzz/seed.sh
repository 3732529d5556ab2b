#!/bin/sh
# Seed fuzz/corpus/edit from the committed ELF fixtures, each prefixed with every edit selector
# byte the target distinguishes (0..63 in steps that cover each flag).
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/edit
for file in $(find ../testdata/elf -path '*/out/*' -type f -size -80k | sort); do
    for selector in 0 1 2 4 6 8 16 32 63; do
        name=$(printf '%s-%02x' "$(echo "$file" | tr '/.' '__')" "$selector")
        { printf "\\$(printf '%03o' "$selector")"; cat "$file"; } > "corpus/edit/$name"
    done
done
ls corpus/edit | wc -l
