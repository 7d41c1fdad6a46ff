#!/usr/bin/env bash
# End-to-end test of the built hitd binary with the clients people use:
# boto3, the AWS CLI and curl. Builds the binary, starts it on a free port
# with a fresh data directory, runs the client scripts, restarts the server
# on the same data and checks what must survive a restart.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

work=$(mktemp -d)
bin=$work/hitd
data=$work/data
log=$work/server.log
pid=""
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "---- server log ----" >&2
	tail -n 50 "$log" >&2 || true
	exit 1
}

go build -o "$bin" ./cmd/hitd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export HITD_E2E_ENDPOINT=http://127.0.0.1:$port
export HITD_ROOT_ACCESS_KEY_ID=HITDE2EROOT000000001
export HITD_ROOT_SECRET_ACCESS_KEY=e2e-root-secret-please-change
export HITD_E2E_BIN=$bin HITD_E2E_DATA=$data HITD_E2E_STATE=$work/state.json

start() {
	"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" >>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		curl -fsS "$HITD_E2E_ENDPOINT/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || fail "server exited at start"
		sleep 0.1
	done
	fail "server not healthy after 10s"
}
stop() {
	kill -TERM "$pid"
	wait "$pid" || fail "server did not exit cleanly on SIGTERM"
	pid=""
}

start
echo "== boto3"
python3 e2e/test_boto3.py before || fail "boto3"
echo "== AWS CLI"
bash e2e/test_cli.sh || fail "AWS CLI"
echo "== curl"
bash e2e/test_curl.sh || fail "curl"
grep -q 'msg=request .*operation=CreateHIT .*requester=' "$log" || fail "no structured request log line"

echo "== restart"
python3 e2e/test_boto3.py snapshot || fail "snapshot"
stop
start
python3 e2e/test_boto3.py after || fail "boto3 after restart"
stop
echo "PASS: end to end"
