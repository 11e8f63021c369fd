#!/usr/bin/env bash
# Runs every test: the xunit suites, then the end-to-end run through nginx with the AOT binaries.
# Installs what it needs first (NuGet restore; apt packages when root, see install-test-deps.sh).
# Closing line: "N passed, N failed, N skipped"; exits non-zero when anything failed or broke.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
log=artifacts/test-output.txt
broken=0

deps_ok=true
./scripts/install-test-deps.sh || deps_ok=false

dotnet restore D3kos.sln --nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
dotnet build D3kos.sln -c Release --no-restore --nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

# The fault suite and the end-to-end run use the Native AOT binaries, as shipped, when they can be built.
bin="$PWD/artifacts/publish"
if $deps_ok && deploy/publish.sh --out "$bin" > artifacts/publish.log 2>&1; then
    export D3KOS_BIN="$bin"
else
    echo "AOT publish not possible here (see artifacts/publish.log): fault tests run on the JIT build"
    deps_ok=false
fi
# The Pi's own binaries, cross-compiled; the end-to-end run repeats on them under qemu-user.
bin_arm64="$PWD/artifacts/publish-linux-arm64"
arm64_ok=false
if $deps_ok && [ "$(uname -m)" != aarch64 ]; then
    if deploy/publish.sh --rid linux-arm64 --out "$bin_arm64" > artifacts/publish-linux-arm64.log 2>&1; then
        arm64_ok=true
    else
        echo "arm64 publish failed (see artifacts/publish-linux-arm64.log)"
        broken=1
    fi
fi
export D3KOS_RELIABILITY_OUT="$PWD/artifacts/reliability.jsonl"
rm -f "$D3KOS_RELIABILITY_OUT"
rm -f artifacts/axe-figure.txt
dotnet test D3kos.sln -c Release --no-build --nologo 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || broken=1
# The browser tests' accessibility audit (axe-core in every state of the owner's page they reach).
if [ -f artifacts/axe-figure.txt ]; then
    echo "axe-core on the owner's page, violations by impact per state:"
    cat artifacts/axe-figure.txt
fi

# Each test assembly ends with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T".
read -r passed failed skipped < <(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
    awk -F'[:,] *' '{f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}')

e2e() {  # e2e RID BIN: one end-to-end run, its counts added to the totals
    local out="artifacts/e2e-$1-output.txt"
    tests/e2e/run.sh --rid "$1" --bin "$2" 2>&1 | tee "$out"
    [ "${PIPESTATUS[0]}" -eq 0 ] || broken=1
    read -r e2e_passed e2e_failed < <(grep -Eo "^e2e $1: [0-9]+ passed, [0-9]+ failed" "$out" | awk '{print $3, $5}')
    passed=$((passed + ${e2e_passed:-0}))
    failed=$((failed + ${e2e_failed:-0}))
}
if $deps_ok; then
    e2e linux-x64 "$bin"
else
    echo "e2e linux-x64: skipped (nginx, clang, zlib1g-dev, jq or systemd-analyze missing and not installable here)"
    skipped=$((skipped + 1))
fi
# Under a real systemd (a booted bookworm container): the units' sandbox, restarts, journal, power-cycle.
if $deps_ok; then
    # Bounded: a container that hangs must not take CI's 90 minutes with it.
    timeout -k 60 1200 tests/systemd/run.sh --bin "$bin" 2>&1 | tee artifacts/systemd-output.txt
    [ "${PIPESTATUS[0]}" -eq 0 ] || broken=1
    read -r sd_passed sd_failed sd_skipped < <(grep -Eo '^systemd: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' artifacts/systemd-output.txt |
        awk '{print $2, $4, ($6 == "" ? 0 : $6)}')
    passed=$((passed + ${sd_passed:-0}))
    failed=$((failed + ${sd_failed:-0}))
    skipped=$((skipped + ${sd_skipped:-0}))
else
    echo "systemd: skipped (the AOT binaries could not be built here)"
    skipped=$((skipped + 1))
fi
if $arm64_ok; then
    e2e linux-arm64 "$bin_arm64"
elif [ "$(uname -m)" != aarch64 ]; then
    echo "e2e linux-arm64: skipped (no arm64 sysroot, lld or qemu-user-static here; see install-test-deps.sh)"
    skipped=$((skipped + 1))
fi

if [ "$broken" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # a runner broke before it could count (a crash, a build error): that is a failure
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
