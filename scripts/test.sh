#!/usr/bin/env bash
# Restores, builds and runs every test in the solution, then prints one closing line:
#   N passed, N failed, N skipped
# and exits non-zero when anything failed or the run broke.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
log=artifacts/test-output.txt

dotnet restore D3kos.sln --nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
dotnet build D3kos.sln -c Release --no-restore --nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
dotnet test D3kos.sln -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Each test assembly ends with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T".
read -r passed failed skipped < <(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
    awk -F'[:,] *' '{f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # the runner broke before it could count (a crash, a build error): that is a failure
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
