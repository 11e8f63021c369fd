# Shared by the shell test stages (tests/e2e/run.sh, tests/systemd/run.sh). Source it after setting
# $work (a scratch folder), passed=0 and failed=0.

check() {  # check NAME COMMAND...: one pass or fail; a "bash -c" pipeline fails if any part fails
    local name="$1"; shift
    [ "$1" = bash ] && [ "$2" = -c ] && set -- bash -o pipefail "${@:2}"
    if "$@" >"$work/check.out" 2>&1; then
        passed=$((passed + 1)); echo "  ok    $name"
    else
        failed=$((failed + 1)); echo "  FAIL  $name"; sed 's/^/        /' "$work/check.out" | head -20
    fi
}
