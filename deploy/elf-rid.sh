#!/usr/bin/env bash
# Prints the .NET runtime id a Linux ELF binary was built for (linux-x64, linux-arm64, linux-arm),
# read from its header's e_machine field, so nothing installs binaries for the wrong processor.
#   deploy/elf-rid.sh FILE
set -euo pipefail
magic="$(od -An -tx1 -N4 "$1" | tr -d ' \n')"
[ "$magic" = 7f454c46 ] || { echo "elf-rid.sh: $1 is not an ELF binary" >&2; exit 1; }
machine="$(od -An -tu2 -j18 -N2 "$1" | tr -d ' \n')"
case "$machine" in
    62) echo linux-x64 ;;     # EM_X86_64
    183) echo linux-arm64 ;;  # EM_AARCH64
    40) echo linux-arm ;;     # EM_ARM
    *) echo "unknown-$machine" ;;
esac
