#!/usr/bin/env bash
# End-to-end test of the drop-in set-up (docs/drop-in.md): tools that
# hard-code MTurk's URLs reach hitd through a hosts-file entry and a local CA.
#
# Makes a network namespace of its own whose /etc/hosts (the file
# /etc/netns/NAME/hosts, which `ip netns exec` mounts over /etc/hosts) maps
# MTurk's requester host names and workersandbox.mturk.com to 127.0.0.1 —
# the machine's own /etc/hosts is never touched — and runs there:
# `hitd tls init`, `hitd serve --tls --listen 127.0.0.1:443`, then, with only
# AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS / SSL_CERT_FILE pointing at the CA:
#   - curl, checking the certificate for every name;
#   - the AWS CLI with no --endpoint-url (live) and the sandbox URL;
#   - the AWS SDK for JavaScript with MTurk's URLs;
#   - e2e/test_replay_psiturk.py and e2e/test_replay_mephisto.py: psiTurk's
#     and Mephisto's MTurk calls, with their parameters, in both realms.
#
# Environment: HITD_BIN (the binary), PYTHON. Needs root (ip netns); exits 77
# when it cannot make a namespace. Prints PASS/FAIL per check and
# "drop-in: N passed, M failed".
set -euo pipefail

e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${HITD_BIN:?set HITD_BIN to the hitd binary}"
PYTHON=${PYTHON:-python3}
. "$e2e/lib.sh"

ns=hitd-dropin-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/hitd-dropin.XXXXXX")
data=$work/data
log=$work/server.log
LIVE=https://mturk-requester.us-east-1.amazonaws.com
SANDBOX=https://mturk-requester-sandbox.us-east-1.amazonaws.com
KEY=HITDDROPINE2EROOT001
SECRET=dropin-e2e-secret-0123456789abcdefghij

cleanup() {
	local rc=$?
	netns_remove "$ns"
	rm -rf "$work" "$tmp"
	exit "$rc"
}

if ((EUID != 0)) || ! command -v ip >/dev/null || ! ip netns add "$ns" 2>/dev/null; then
	echo "SKIP drop-in: needs root and ip netns (iproute2) to make a network namespace"
	rm -rf "$work" "$tmp"
	exit 77
fi
trap cleanup EXIT

mkdir -p "/etc/netns/$ns"
printf '127.0.0.1\tlocalhost mturk-requester.us-east-1.amazonaws.com mturk-requester-sandbox.us-east-1.amazonaws.com workersandbox.mturk.com\n::1\tlocalhost\n' >"/etc/netns/$ns/hosts"
ip netns exec "$ns" ip link set lo up

"$HITD_BIN" tls init --data-dir "$data" --name workersandbox.mturk.com >"$work/tls-init.txt"
ca=$data/tls/ca.pem

# in_ns CMD...: runs CMD in the namespace as a user of the drop-in would:
# MTurk's names resolve to hitd, the CA is trusted, no endpoint is configured.
in_ns() {
	ip netns exec "$ns" env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_MTURK -u AWS_PROFILE \
		AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_DEFAULT_REGION=us-east-1 \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" \
		AWS_CA_BUNDLE="$ca" NODE_EXTRA_CA_CERTS="$ca" SSL_CERT_FILE="$ca" \
		HITD_BIN="$HITD_BIN" HITD_DATA_DIR="$data" HITD_ENDPOINT=$LIVE PYTHON="$PYTHON" "$@"
}

ip netns exec "$ns" env HITD_ROOT_ACCESS_KEY_ID=$KEY HITD_ROOT_SECRET_ACCESS_KEY=$SECRET \
	"$HITD_BIN" serve --tls --listen 127.0.0.1:443 --data-dir "$data" >>"$log" 2>&1 &
for _ in $(seq 150); do
	[[ $(in_ns curl -s --cacert "$ca" --max-time 1 "$LIVE/healthz" 2>/dev/null) == ok* ]] && break
	sleep 0.1
done
[[ $(in_ns curl -s --cacert "$ca" --max-time 1 "$LIVE/healthz" 2>/dev/null) == ok* ]] || {
	echo "hitd serve --tls did not answer $LIVE/healthz in the namespace"
	cat "$log"
	exit 1
}

t_certificate_names() {
	for host in mturk-requester.us-east-1.amazonaws.com mturk-requester-sandbox.us-east-1.amazonaws.com workersandbox.mturk.com; do
		[[ $(in_ns curl -sS --cacert "$ca" "https://$host/healthz") == ok* ]] || fail "https://$host/ not verified with the CA"
	done
	# Without the CA nothing verifies: the certificate is only trusted where told.
	if in_ns env -u SSL_CERT_FILE curl -sS --max-time 2 "$LIVE/healthz" >/dev/null 2>&1; then
		fail "the certificate verified against the system's CAs"
	fi
	grep -q "$ca" "$work/tls-init.txt" || fail "tls init did not name the CA file"
}

t_cli_default_endpoint() {
	in_ns aws --output json mturk get-account-balance >"$tmp/live.json"
	expect_json "$tmp/live.json" 'd["AvailableBalance"]' 10000.00
	in_ns aws --output json --endpoint-url "$SANDBOX" mturk create-hit --title "drop-in CLI $run_id" --description d \
		--reward 1.00 --max-assignments 1 --lifetime-in-seconds 600 --assignment-duration-in-seconds 60 \
		--question '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/t</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>' >"$tmp/hit.json"
	hid=$(jpy "$tmp/hit.json" 'd["HIT"]["HITId"]')
	in_ns aws --output json --endpoint-url "$SANDBOX" mturk get-hit --hit-id "$hid" >"$tmp/get.json"
	expect_json "$tmp/get.json" 'd["HIT"]["HITStatus"]' Assignable
	# The live realm does not have it.
	if in_ns aws --output json mturk get-hit --hit-id "$hid" >"$tmp/live-get.json" 2>"$tmp/live-get.err"; then
		fail "the sandbox HIT is visible live"
	fi
	grep -q "does not exist" "$tmp/live-get.err" || fail "live get-hit: $(cat "$tmp/live-get.err")"
}

t_javascript_sdk() {
	[[ -d $e2e/browser/node_modules/@aws-sdk/client-mturk ]] || fail "e2e/browser/node_modules lacks @aws-sdk/client-mturk (npm ci in e2e/browser)"
	(cd "$e2e/browser" && in_ns node --no-warnings --input-type=module -e '
import { MTurkClient, GetAccountBalanceCommand, ListHITsCommand } from "@aws-sdk/client-mturk";
const live = new MTurkClient({ region: "us-east-1", endpoint: "https://mturk-requester.us-east-1.amazonaws.com" });
const sandbox = new MTurkClient({ region: "us-east-1", endpoint: "https://mturk-requester-sandbox.us-east-1.amazonaws.com" });
const lb = (await live.send(new GetAccountBalanceCommand({}))).AvailableBalance;
const sb = (await sandbox.send(new GetAccountBalanceCommand({}))).AvailableBalance;
const sl = (await sandbox.send(new ListHITsCommand({}))).NumResults;
console.log(JSON.stringify({ lb, sb, sl }));
') >"$tmp/js.json"
	expect_json "$tmp/js.json" 'd["lb"]' 10000.00
	[[ $(jpy "$tmp/js.json" 'd["sl"] >= 1') == true ]] || fail "the JS SDK sees no sandbox HITs: $(cat "$tmp/js.json")"
	[[ $(jpy "$tmp/js.json" 'd["sb"] != "10000.00"') == true ]] || fail "the sandbox balance was not charged: $(cat "$tmp/js.json")"
}

expect_json() { # expect_json FILE EXPR WANT
	local got
	got=$(jpy "$1" "$2")
	[[ $got == "$3" ]] || fail "$2: got '$got', want '$3'"
}

check "certificate for MTurk's names, trusted only through the CA" t_certificate_names
check "AWS CLI: default endpoint is hitd's production, --endpoint-url sandbox its sandbox" t_cli_default_endpoint
check "AWS SDK for JavaScript with MTurk's URLs and NODE_EXTRA_CA_CERTS" t_javascript_sdk

# The replays are suites of their own (their own PASS/FAIL lines).
for replay in test_replay_psiturk.py test_replay_mephisto.py; do
	if [[ ! -f $e2e/$replay ]]; then
		echo "FAIL $replay: missing"
		failed=$((failed + 1))
		continue
	fi
	echo "--- $replay (in the namespace) ---"
	if in_ns "$PYTHON" "$e2e/$replay"; then
		echo "PASS $replay"
		passed=$((passed + 1))
	else
		echo "FAIL $replay"
		failed=$((failed + 1))
	fi
done

if grep -E 'level=ERROR|panic' "$log"; then
	echo "FAIL server log has errors (above)"
	failed=$((failed + 1))
fi
echo "drop-in: $passed passed, $failed failed"
((failed == 0))
