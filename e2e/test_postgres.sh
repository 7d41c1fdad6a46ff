#!/usr/bin/env bash
# PostgreSQL end to end: moves the SQLite data directory the earlier suites
# filled to PostgreSQL with `hitd db copy`, starts two hitd nodes on that one
# database, and drives them with the clients people use:
#   - on the copy: test_boto3.py after-restart against node B (what the
#     SQLite run left — HITs, types, tokens, a second requester — reads back),
#     test_work_boto3.py main against node A (requesters and workers: worker
#     API, AWS CLI, JS SDK), and the AWS CLI on both nodes sees one balance;
#   - on a fresh schema, two new nodes: test_boto3.py main against node A,
#     then after-restart against node B.
# Needs HITD_TEST_POSTGRES_URL (exit 77, a skip, without it), HITD_BIN, the
# data directory of a stopped server in HITD_DATA_DIR, HITD_KEY/HITD_SECRET
# and the root-key environment run.sh exports. Drops its schemas at the end.
set -euo pipefail
e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
if [[ -z ${HITD_TEST_POSTGRES_URL:-} ]]; then
	echo "HITD_TEST_POSTGRES_URL is not set: no PostgreSQL to run on"
	exit 77
fi
: "${HITD_BIN:?}" "${HITD_DATA_DIR:?}" "${HITD_KEY:?}" "${HITD_SECRET:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hitd-e2e-pg.XXXXXX")
schema=hitd_e2e_$(date +%s)_$$
fresh=${schema}_fresh
sep='?'
[[ $HITD_TEST_POSTGRES_URL != *\?* ]] || sep='&'
url="$HITD_TEST_POSTGRES_URL${sep}search_path=$schema"
pids=()

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cleanup() {
	local rc=$?
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if ((rc != 0)); then
		for f in "$work"/node-*.log; do
			[[ -f $f ]] || continue
			echo "--- $f (last 40 lines) ---"
			tail -n 40 "$f"
		done
	fi
	if command -v psql >/dev/null; then
		for s in "$schema" "${schema}_sandbox" "$fresh" "${fresh}_sandbox"; do
			psql -q "$HITD_TEST_POSTGRES_URL" -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

echo "--- hitd db copy --from sqlite:$HITD_DATA_DIR/hitd.db --to …search_path=$schema"
"$HITD_BIN" db copy --from "sqlite:$HITD_DATA_DIR/hitd.db" --to "$url" | tee "$work/copy.txt"
grep -q '^production: money verified' "$work/copy.txt"
grep -q '^sandbox: money verified' "$work/copy.txt"

start_node() { # start_node NAME PORT URL
	"$HITD_BIN" serve --db "$3" --listen "127.0.0.1:$2" --data-dir "$work/$1" --scheduler-interval 200ms >"$work/node-$1.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 300); do
		[[ $(curl -s --max-time 2 "http://127.0.0.1:$2/healthz" 2>/dev/null) == ok* ]] && return 0
		sleep 0.1
	done
	echo "node $1 not healthy after 30 s"
	return 1
}
stop_nodes() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" || { echo "a node did not stop cleanly"; return 1; }; done
	pids=()
}
one_leader() { # one_leader LOG...: exactly one node leads the production scheduler
	local n
	n=$(grep -h 'scheduler: leading' "$@" | grep -vc 'realm=sandbox' || true)
	echo "production scheduler leaders: $n"
	((n == 1))
}

a=$(free_port)
b=$(free_port)
start_node a "$a" "$url"
start_node b "$b" "$url"
echo "nodes: A http://127.0.0.1:$a, B http://127.0.0.1:$b, one database (schema $schema)"
one_leader "$work/node-a.log" "$work/node-b.log"

export HITD_DB=$url # the suites' admin commands (hitd requester create, …) open the same database
echo "--- what the SQLite run left, read through node B"
HITD_ENDPOINT=http://127.0.0.1:$b "$PYTHON" "$e2e/test_boto3.py" after-restart
echo "--- requesters and workers on node A"
HITD_E2E_WORK_STATE=$work/work-state.json HITD_ENDPOINT=http://127.0.0.1:$a "$PYTHON" "$e2e/test_work_boto3.py" main
echo "--- one balance, whichever node answers"
bal() { AWS_ACCESS_KEY_ID=$HITD_KEY AWS_SECRET_ACCESS_KEY=$HITD_SECRET aws mturk get-account-balance \
	--endpoint-url "http://127.0.0.1:$1" --region us-east-1 --query AvailableBalance --output text; }
ba=$(bal "$a")
bb=$(bal "$b")
echo "node A: $ba, node B: $bb"
[[ $ba == "$bb" ]]
stop_nodes

echo "--- a fresh database (schema $fresh): boto3 on node A, checked through node B"
url="$HITD_TEST_POSTGRES_URL${sep}search_path=$fresh"
export HITD_DB=$url
start_node c "$a" "$url"
start_node d "$b" "$url"
one_leader "$work/node-c.log" "$work/node-d.log"
export HITD_E2E_STATE=$work/state.json
HITD_ENDPOINT=http://127.0.0.1:$a "$PYTHON" "$e2e/test_boto3.py" main
HITD_ENDPOINT=http://127.0.0.1:$b "$PYTHON" "$e2e/test_boto3.py" after-restart
stop_nodes
if grep -hE 'level=ERROR|panic' "$work"/node-*.log; then
	echo "a node logged errors (above)"
	exit 1
fi
echo "PASS: PostgreSQL, two nodes"
