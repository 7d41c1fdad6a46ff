# Shared by the shell end-to-end suites (test_cli.sh, test_curl.sh,
# test_dropin.sh, test_proxy.sh): a temp directory, pass/fail counters,
# running one check, reading JSON, failing, removing a network namespace.
# Source it after `set -euo pipefail`.

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
run_id=$(date +%s%N)

# jpy FILE EXPR: evaluates the Python expression EXPR with d = the JSON in FILE.
jpy() { python3 -c 'import json,re,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v))' "$1" "$2"; }

fail() { echo "$*" >&2; exit 1; }

# check NAME FUNCTION: runs one check in a subshell (so `set -e` and `fail` end only that check).
check() {
	local name=$1
	shift
	# Not inside `if`/`||`: there bash would ignore `set -e` in the check.
	set +e
	(set -euo pipefail; "$@") >"$tmp/check.log" 2>&1
	local rc=$?
	set -e
	if ((rc == 0)); then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		sed 's/^/     /' "$tmp/check.log"
		failed=$((failed + 1))
	fi
}

# netns_remove NS: ends every process in the network namespace NS (TERM,
# then KILL), deletes it and its /etc/netns/NS (the suites that run
# servers in a namespace of their own call it on exit).
netns_remove() {
	if ip netns list 2>/dev/null | grep -qw "$1"; then
		ip netns pids "$1" 2>/dev/null | xargs -r kill 2>/dev/null || true
		sleep 0.3
		ip netns pids "$1" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$1" 2>/dev/null || true
	fi
	rm -rf "/etc/netns/$1"
}
