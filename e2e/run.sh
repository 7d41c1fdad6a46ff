#!/usr/bin/env bash
# End-to-end test of the hitd binary with the clients people use: boto3, the
# AWS CLI, curl, the AWS SDK for JavaScript, and a worker's browser.
#
# Builds the binary, starts it on a free loopback port with a fresh data
# directory and fixed root keys, runs e2e/test_metrics.py (Prometheus metrics
# on --metrics-listen after boto3, REST and worker API traffic; first, while
# nothing else runs, as its gauges are realm-wide), e2e/test_boto3.py, e2e/test_cli.sh,
# e2e/test_curl.sh, e2e/test_work_boto3.py (requesters post and review work
# that workers do through the worker API), e2e/test_quals_boto3.py
# (qualification types, tests, requests, requirements and blocks, with workers
# on the worker API and the site's forms), e2e/test_policies_boto3.py (review
# policies: known answers at submit, plurality in the scheduler),
# e2e/test_all_ops.py (every operation of botocore's mturk model answers, none
# "not implemented"), e2e/test_boto2.py (the legacy 2014-08-15 query/XML API
# with boto 2 under Debian's /usr/bin/python3, workers on the worker API) and,
# when node and Chromium are
# there, e2e/browser/test_worker_site.mjs (a worker signs up and works HITs
# on the web site in headless Chromium; the requester posts them and reviews
# the work with boto3, e2e/browser_boto3.py) and e2e/browser/test_quals_site.mjs
# (a worker takes a qualification test and unlocks HITs on the site) and
# e2e/browser/test_console_site.mjs (a requester makes a project, uploads a
# 500-row CSV, publishes, reviews and downloads results in the console while
# workers work on the site); e2e/browser/test_xss_site.mjs (an XSS corpus
# through every field any page renders; no script runs on any page);
# e2e/test_keys_boto3.py (hitd requester rotate-key: old and new keys work
# with boto3 until the grace ends on a --test-mode server of its own whose
# clock it moves, then the old key is refused; adjust-balance; worker
# disable); e2e/test_console_boto3.py (the console and boto3 report the same balance,
# counts, results and ledger); then
# e2e/test_notify_boto3.py (every notification event to a signed webhook, test
# events by webhook and e-mail, dead letters; it runs last so that the message
# it leaves queued for a receiver that is down waits little); then
# restarts the server (SIGTERM, wait, start again on the same data
# directory) and checks what must survive a restart (the queued notification
# is delivered first); last, when the browser
# suite can run, starts the server once more with --content-listen and runs
# test_worker_site.mjs again with requester HTML on an origin of its own;
# then e2e/test_pytest_example.sh (the pytest suite of docs/testing-your-code.md:
# hitd serve --test-mode per test, the clock moved, hitd worker simulate);
# then e2e/test_postgres.sh (the data directory copied to PostgreSQL with
# hitd db copy and served by two nodes, driven by boto3 and the AWS CLI), then
# e2e/test_proxy.sh (hitd behind nginx with deploy/nginx.conf and
# deploy/hitd.toml's settings: TLS, SigV4 through the proxy, links and
# cookies from --public-url or trusted forwarding headers, client
# addresses), e2e/test_dropin.sh (MTurk's host names through a hosts entry and a
# local CA, with psiTurk's and Mephisto's calls replayed) and e2e/docrun.py
# (every command of the guides in docs/), each in a network namespace of its
# own, as root.
# Prints a PASS/FAIL summary and exits non-zero on any failure, showing the
# server log.
#
# Usage: bash e2e/run.sh        (from anywhere; needs go, python3 + boto3, aws, curl,
#                                /usr/bin/python3 + boto 2 (apt-get install python3-boto);
#                                pytest + boto3 under one python3 (apt-get install python3-pytest python3-boto3);
#                                nginx for the reverse-proxy suite (skipped without it);
#                                node + /usr/bin/chromium for the browser suite, which
#                                runs `npm ci` in e2e/browser when its node_modules is missing)
# The browser suite's screenshots stay in a temp directory printed at the end.
set -euo pipefail

e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$e2e/.." && pwd)
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
PYTHON=${PYTHON:-python3}
# boto 2 is Debian's python3-boto, importable only by Debian's own python3.
BOTO2_PYTHON=${BOTO2_PYTHON:-/usr/bin/python3}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900} # seconds one suite may take before it counts as hung
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

work=$(mktemp -d "${TMPDIR:-/tmp}/hitd-e2e.XXXXXX")
data=$work/data
log=$work/server.log
server_pid=""
results=()
failures=0
skips=()
shots="" # the browser suite's screenshot directory, once made
log_shown=0

section() { printf '\n=== %s ===\n' "$*"; }

stop_server() { # stop_server: SIGTERM and wait; returns the server's exit status
	local pid=$server_pid rc=0
	server_pid=""
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 300); do # 30 s
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "server $pid did not stop within 30s of SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	wait "$pid" || rc=$?
	return "$rc"
}

cleanup() {
	local rc=$?
	stop_server >/dev/null 2>&1 || true
	if ((rc != 0)) && ((!log_shown)) && [[ -s $log ]]; then
		show_log
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_log() {
	log_shown=1
	section "server log ($log): warnings and errors, then the last 80 lines"
	grep -E 'level=(WARN|ERROR)|panic' "$log" | tail -n 50 || true
	echo "--- tail ---"
	tail -n 80 "$log"
}

# record NAME STATUS: remembers one suite's result.
record() {
	if (($2 == 0)); then
		results+=("PASS  $1")
	else
		results+=("FAIL  $1 (exit $2)")
		failures=$((failures + 1))
	fi
}

# suite NAME COMMAND...: runs one test suite with a time limit and records it.
suite() {
	local name=$1 rc=0
	shift
	section "$name"
	timeout --kill-after=10 "$SUITE_TIMEOUT" "$@" || rc=$?
	((rc != 124)) || echo "$name: timed out after ${SUITE_TIMEOUT}s"
	record "$name" "$rc"
}

# skippable_suite NAME COMMAND...: suite, except that exit status 77 (cannot
# run here, e.g. no root for a network namespace) is a recorded skip.
skippable_suite() {
	local name=$1 rc=0
	shift
	section "$name"
	timeout --kill-after=10 "$SUITE_TIMEOUT" "$@" || rc=$?
	if ((rc == 77)); then
		skips+=("SKIP  $name: cannot run here (see above)")
		return
	fi
	((rc != 124)) || echo "$name: timed out after ${SUITE_TIMEOUT}s"
	record "$name" "$rc"
}

# node_modules_ready: e2e/browser's packages (playwright-core, @aws-sdk/client-mturk)
# are installed, by `npm ci` once if they are missing (a failure is recorded).
npm_rc=""
node_modules_ready() {
	if [[ -z $npm_rc ]]; then
		npm_rc=0
		if [[ ! -d $e2e/browser/node_modules/playwright-core || ! -d $e2e/browser/node_modules/@aws-sdk/client-mturk ]]; then
			section "npm ci (e2e/browser)"
			(cd "$e2e/browser" && npm ci --no-audit --no-fund) || npm_rc=$?
			record "npm ci in e2e/browser" "$npm_rc"
		fi
	fi
	((npm_rc == 0))
}

# browser_missing: why the browser suite cannot run here ("" if it can).
browser_missing() {
	command -v node >/dev/null || { echo "node is not installed"; return; }
	[[ -x $CHROMIUM ]] || echo "$CHROMIUM is not installed (apt-get install chromium)"
}

# chromium_suite NAME SCRIPT SHOTS_SUBDIR [ENV=VALUE...]: one of e2e/browser's
# suites in headless Chromium, when node and Chromium are installed (.ci/run
# installs both); otherwise a recorded skip. Runs `npm ci` in e2e/browser first
# if its packages are missing. Screenshots are kept after the run (outside
# $work), for people to look at.
chromium_suite() {
	local name=$1 script=$2 sub=$3 why
	shift 3
	why=$(browser_missing)
	if [[ -n $why ]]; then
		section "$name"
		echo "SKIP: $why"
		skips+=("SKIP  $name: $why")
		return
	fi
	node_modules_ready || return 0
	[[ -n $shots ]] || shots=$(mktemp -d "${TMPDIR:-/tmp}/hitd-e2e-shots.XXXXXX")
	suite "$name" env CHROMIUM="$CHROMIUM" HITD_E2E_SHOTS="$shots/$sub" "$@" node "$e2e/browser/$script"
}

# browser_suite LABEL SHOTS_SUBDIR [ENV=VALUE...]: the worker site in headless
# Chromium (e2e/browser/test_worker_site.mjs).
browser_suite() {
	local label=$1 sub=$2
	shift 2
	chromium_suite "browser: worker site in Chromium, $label (e2e/browser/test_worker_site.mjs)" test_worker_site.mjs "$sub" "$@"
}

# quals_browser_suite: qualifications on the worker site (e2e/browser/test_quals_site.mjs).
quals_browser_suite() {
	chromium_suite "browser: qualifications on the worker site in Chromium (e2e/browser/test_quals_site.mjs)" test_quals_site.mjs quals
}

# console_browser_suite: the requester console (e2e/browser/test_console_site.mjs:
# a project, a 500-row CSV, workers, review, results).
console_browser_suite() {
	chromium_suite "browser: requester console in Chromium, 500-row batch (e2e/browser/test_console_site.mjs)" test_console_site.mjs console
}

# xss_browser_suite: an XSS corpus through every requester- and worker-supplied
# field, every page checked (e2e/browser/test_xss_site.mjs).
xss_browser_suite() {
	chromium_suite "browser: XSS corpus through every field, every page in Chromium (e2e/browser/test_xss_site.mjs)" test_xss_site.mjs xss
}

wait_healthy() {
	for _ in $(seq 300); do # 30 s
		if [[ $(curl -s --max-time 2 "$HITD_ENDPOINT/healthz" 2>/dev/null) == ok* ]]; then
			return 0
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "server exited during start-up" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "server not healthy after 30s" >&2
	return 1
}

section "build (scripts/build: the static binary deploy/Dockerfile ships)"
bash "$repo/scripts/build" "$work/hitd"
"$work/hitd" --help >/dev/null

port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HITD_ENDPOINT=http://127.0.0.1:$port
export HITD_KEY=HITDE2EROOTKEY000001
export HITD_SECRET=e2eRootSecret0123456789abcdefghijklmnopq
export HITD_BIN=$work/hitd HITD_DATA_DIR=$data HITD_E2E_STATE=$work/state.json HITD_E2E_WORK_STATE=$work/work-state.json
export HITD_E2E_NOTIFY_STATE=$work/notify-state.json
# The server's own configuration (root keys; the webhook signing secret and the
# SMTP server for Email notifications, which test_notify_boto3.py checks and
# runs) comes from its environment, on every start.
export HITD_ROOT_ACCESS_KEY_ID=$HITD_KEY HITD_ROOT_SECRET_ACCESS_KEY=$HITD_SECRET
export HITD_WEBHOOK_SECRET=e2eWebhookSecret-$RANDOM$RANDOM-0123456789abcdef
smtp_port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HITD_SMTP_ADDR=127.0.0.1:$smtp_port
metrics_port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HITD_METRICS_URL=http://127.0.0.1:$metrics_port/metrics

section "start (flags: --listen 127.0.0.1:$port --metrics-listen 127.0.0.1:$metrics_port --data-dir $data; env: HITD_WEBHOOK_SECRET, HITD_SMTP_ADDR=$HITD_SMTP_ADDR)"
"$work/hitd" serve --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$metrics_port" --data-dir "$data" >>"$log" 2>&1 &
server_pid=$!
start_rc=0
wait_healthy || start_rc=$?
record "server starts and answers /healthz" "$start_rc"
((start_rc == 0)) || exit 1
echo "server pid $server_pid on $HITD_ENDPOINT"

# First, while nothing else runs: the metrics' gauges count the whole realm.
suite "metrics: /metrics after boto3 + REST + worker API traffic (e2e/test_metrics.py)" "$PYTHON" "$e2e/test_metrics.py"
suite "boto3 (e2e/test_boto3.py)" "$PYTHON" "$e2e/test_boto3.py" main
suite "AWS CLI (e2e/test_cli.sh)" bash "$e2e/test_cli.sh"
suite "curl (e2e/test_curl.sh)" bash "$e2e/test_curl.sh"
# The work suite's JavaScript SDK check uses e2e/browser's packages too.
! command -v node >/dev/null || node_modules_ready || true
suite "work: boto3 + worker API + AWS CLI + JS SDK (e2e/test_work_boto3.py)" "$PYTHON" "$e2e/test_work_boto3.py" main
suite "qualifications: boto3 + worker API + site forms (e2e/test_quals_boto3.py)" "$PYTHON" "$e2e/test_quals_boto3.py"
suite "review policies: boto3 + worker API + scheduler (e2e/test_policies_boto3.py)" "$PYTHON" "$e2e/test_policies_boto3.py"
suite "every operation of botocore's mturk model (e2e/test_all_ops.py)" "$PYTHON" "$e2e/test_all_ops.py"
suite "isolation between requesters, disable/enable: boto3 (e2e/test_isolation_boto3.py)" "$PYTHON" "$e2e/test_isolation_boto3.py"
# A test-mode server of its own (its clock moves past a grace period), on a fresh data directory.
suite "admin: key rotation with a grace period, balance adjustments, disabled workers: boto3 + test mode (e2e/test_keys_boto3.py)" \
	env HITD_BIN="$work/hitd" "$PYTHON" "$e2e/test_keys_boto3.py"
boto2_name="legacy API: boto 2 + worker API (e2e/test_boto2.py)"
if "$BOTO2_PYTHON" -c 'import boto.mturk.connection' 2>/dev/null; then
	suite "$boto2_name" env HITD_BOTO3_PYTHON="$PYTHON" "$BOTO2_PYTHON" "$e2e/test_boto2.py"
else
	section "$boto2_name"
	echo "$BOTO2_PYTHON cannot import boto (boto 2): apt-get install python3-boto"
	record "$boto2_name" 1
fi
browser_suite "content under /content/" same-origin
quals_browser_suite
console_browser_suite
xss_browser_suite
suite "requester console vs boto3: the same numbers (e2e/test_console_boto3.py)" "$PYTHON" "$e2e/test_console_boto3.py"
# Last before the restart: it leaves a notification queued for a receiver that
# is down, which the restarted server must deliver (its retries back off).
suite "notifications: webhook + e-mail + outbox (e2e/test_notify_boto3.py)" "$PYTHON" "$e2e/test_notify_boto3.py" main

section "server log"
log_rc=0
grep -q 'msg="hitd listening"' "$log" || { echo "no 'hitd listening' line in the log"; log_rc=1; }
n=$(grep 'msg=request ' "$log" | grep 'operation=CreateHIT ' | grep -c 'status=200' || true)
((n > 0)) || { echo "no request log line for a successful CreateHIT"; log_rc=1; }
if grep -E 'level=ERROR|panic' "$log"; then
	echo "the server logged errors (above)"
	log_rc=1
fi
((log_rc == 0)) && echo "one structured line per request; no errors"
record "server log: start line, request lines, no errors" "$log_rc"

section "restart (SIGTERM, then start again on the same data directory, configured by environment)"
stop_rc=0
stop_server || stop_rc=$?
grep -q 'msg=stopped' "$log" || { echo "no 'stopped' line in the log"; ((stop_rc != 0)) || stop_rc=1; }
record "graceful shutdown on SIGTERM (exit 0)" "$stop_rc"
echo "--- restart ---" >>"$log"
HITD_LISTEN=127.0.0.1:$port HITD_DATA_DIR=$data "$work/hitd" serve >>"$log" 2>&1 &
server_pid=$!
start_rc=0
wait_healthy || start_rc=$?
record "server restarts (HITD_LISTEN, HITD_DATA_DIR) and answers /healthz" "$start_rc"
if ((start_rc == 0)); then
	# First: the notification queued before the restart is on a retry schedule.
	suite "notifications after restart (e2e/test_notify_boto3.py after-restart)" "$PYTHON" "$e2e/test_notify_boto3.py" after-restart
	suite "after restart (e2e/test_boto3.py after-restart)" "$PYTHON" "$e2e/test_boto3.py" after-restart
	suite "work after restart (e2e/test_work_boto3.py after-restart)" "$PYTHON" "$e2e/test_work_boto3.py" after-restart
fi

section "admin command while the server runs, store named by HITD_DB"
admin_rc=0
db_file=$data/hitd.db
if [[ ! -f $db_file ]]; then
	echo "no hitd.db in $data"
	admin_rc=1
else
	mkdir -p "$work/empty"
	HITD_DB=sqlite:$db_file "$work/hitd" requester list --data-dir "$work/empty" | tee "$work/requesters.txt" || admin_rc=$?
	grep -q "$HITD_KEY" "$work/requesters.txt" || { echo "root access key not listed"; admin_rc=1; }
	grep -q "e2e-bob-" "$work/requesters.txt" || { echo "the requester made by test_boto3.py is not listed"; admin_rc=1; }
fi
record "hitd requester list with HITD_DB=sqlite:FILE" "$admin_rc"

stop_rc=0
stop_server || stop_rc=$?
record "graceful shutdown after the restart" "$stop_rc"

if [[ -z $(browser_missing) ]]; then
	# Requester HTML on an origin of its own: the browser suite again, against
	# the same data directory (its names are unique per run).
	cport=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	section "start with a separate content origin (--content-listen 127.0.0.1:$cport)"
	echo "--- restart with --content-listen ---" >>"$log"
	"$work/hitd" serve --listen "127.0.0.1:$port" --content-listen "127.0.0.1:$cport" --data-dir "$data" >>"$log" 2>&1 &
	server_pid=$!
	start_rc=0
	wait_healthy || start_rc=$?
	record "server starts with --content-listen and answers /healthz" "$start_rc"
	if ((start_rc == 0)); then
		browser_suite "content on its own origin (--content-listen)" content-origin \
			HITD_E2E_CONTENT_ORIGIN="http://127.0.0.1:$cport"
	fi
	stop_rc=0
	stop_server || stop_rc=$?
	record "graceful shutdown (--content-listen)" "$stop_rc"
fi

# A requester's own pytest suite in test mode (docs/examples/pytest), with
# servers of its own: Debian's python3-pytest and python3-boto3 (.ci/run).
suite "test mode: the pytest example of docs/testing-your-code.md (e2e/test_pytest_example.sh)" \
	env HITD_BIN="$work/hitd" PYTHON="$PYTHON" bash "$e2e/test_pytest_example.sh"

# The data directory the suites above filled, moved to PostgreSQL and served
# by two nodes at once (skipped without HITD_TEST_POSTGRES_URL).
skippable_suite "PostgreSQL: db copy of this run's data, two nodes, boto3 + AWS CLI + worker API (e2e/test_postgres.sh)" \
	env PYTHON="$PYTHON" bash "$e2e/test_postgres.sh"

# The drop-in set-up, the reverse proxy and the guides run servers of their
# own, each in a network namespace of its own (they need root; without it
# they are skipped).
skippable_suite "reverse proxy: nginx with deploy/nginx.conf, TLS, --trusted-proxies (e2e/test_proxy.sh)" \
	env HITD_BIN="$work/hitd" PYTHON="$PYTHON" bash "$e2e/test_proxy.sh"
skippable_suite "drop-in: MTurk's host names via hosts entry + local CA; psiTurk and Mephisto replays (e2e/test_dropin.sh)" \
	env HITD_BIN="$work/hitd" PYTHON="$PYTHON" bash "$e2e/test_dropin.sh"
skippable_suite "guides: every command of the docs' guides (e2e/docrun.py)" \
	env HITD_BIN="$work/hitd" "$PYTHON" "$e2e/docrun.py" "$repo/docs/quickstart.md" "$repo/docs/drop-in.md" \
	"$repo/docs/moving-from-mturk.md" "$repo/docs/psiturk.md" "$repo/docs/mephisto.md" "$repo/docs/configuration.md"

section "server log, whole run"
log_rc=0
if grep -E 'level=ERROR|panic' "$log"; then
	echo "the server logged errors (above)"
	log_rc=1
else
	echo "no errors logged across the restarts"
fi
record "server log: no errors across the restarts" "$log_rc"

section "summary"
printf '%s\n' "${results[@]}"
((${#skips[@]} == 0)) || printf '%s\n' "${skips[@]}"
[[ -z $shots ]] || echo "screenshots (kept): $shots"
total=${#results[@]}
if ((failures == 0)); then
	echo "PASS: end-to-end, all $total steps passed"
else
	echo "FAIL: end-to-end, $failures of $total steps failed"
	show_log
fi
skipped=""
((${#skips[@]} == 0)) || skipped=", ${#skips[@]} skipped"
echo "e2e: $((total - failures)) passed, $failures failed$skipped"
((failures == 0))
