#!/usr/bin/env bash
# Runs every test: the xunit suites, then the end-to-end run through nginx with the AOT binaries.
# Installs what it needs first (NuGet restore; apt packages when root, see install-test-deps.sh).
# Closing line: "N passed, N failed, N skipped"; exits non-zero when anything failed or broke.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
log=artifacts/test-output.txt
e2e_log=artifacts/e2e-output.txt
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
export D3KOS_RELIABILITY_OUT="$PWD/artifacts/reliability.jsonl"
rm -f "$D3KOS_RELIABILITY_OUT"
dotnet test D3kos.sln -c Release --no-build --nologo 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || broken=1

# Each test assembly ends with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T".
read -r passed failed skipped < <(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
    awk -F'[:,] *' '{f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}')

if $deps_ok; then
    tests/e2e/run.sh --bin "$bin" 2>&1 | tee "$e2e_log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || broken=1
    read -r e2e_passed e2e_failed < <(grep -Eo '^e2e: [0-9]+ passed, [0-9]+ failed' "$e2e_log" | awk '{print $2, $4}')
    passed=$((passed + ${e2e_passed:-0}))
    failed=$((failed + ${e2e_failed:-0}))
else
    echo "e2e: skipped (nginx, clang, zlib1g-dev, jq or systemd-analyze missing and not installable here)"
    skipped=$((skipped + 1))
fi

if [ "$broken" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # a runner broke before it could count (a crash, a build error): that is a failure
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
