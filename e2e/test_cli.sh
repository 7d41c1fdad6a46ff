#!/usr/bin/env bash
# End-to-end test of hitd with the AWS CLI (`aws mturk ...`), pointed at the
# server with --endpoint-url and given credentials through the environment.
#
# Environment: HITD_ENDPOINT, HITD_KEY, HITD_SECRET (see e2e/run.sh).
# Prints PASS/FAIL per check and "cli: N passed, M failed"; exits non-zero on
# any failure.
set -euo pipefail

: "${HITD_ENDPOINT:?}" "${HITD_KEY:?}" "${HITD_SECRET:?}"
export AWS_ACCESS_KEY_ID=$HITD_KEY AWS_SECRET_ACCESS_KEY=$HITD_SECRET AWS_DEFAULT_REGION=us-east-1
# Keep the caller's own AWS configuration out of the test.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

. "$(dirname "$0")/lib.sh"

mturk() { aws --endpoint-url "$HITD_ENDPOINT" --output json mturk "$@"; }


expect() { # expect FILE EXPR WANT
	local got
	got=$(jpy "$1" "$2")
	[[ $got == "$3" ]] || fail "$2: got '$got', want '$3'"
}

cat >"$tmp/question.xml" <<'EOF'
<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">
  <ExternalURL>https://example.com/cli-task?batch=1&amp;item=2</ExternalURL>
  <FrameHeight>640</FrameHeight>
</ExternalQuestion>
EOF

t_balance() {
	# boto3's suite ran first and its HITs reserve money: check the shape only
	# (test_work_boto3.py checks the arithmetic on a requester of its own).
	mturk get-account-balance >"$tmp/out.json"
	expect "$tmp/out.json" 'bool(re.fullmatch(r"[0-9]+\.[0-9]{2}", d["AvailableBalance"])) and float(d["AvailableBalance"]) < 10000' true
}

t_create_and_get_hit() {
	mturk create-hit --title "cli $run_id" --description "Made by the AWS CLI" --keywords "cli, e2e" \
		--reward 0.10 --assignment-duration-in-seconds 600 --lifetime-in-seconds 3600 --max-assignments 2 \
		--question "file://$tmp/question.xml" \
		--qualification-requirements '[{"QualificationTypeId":"00000000000000000071","Comparator":"EqualTo","LocaleValues":[{"Country":"US"}]}]' \
		>"$tmp/create.json"
	local id
	id=$(jpy "$tmp/create.json" 'd["HIT"]["HITId"]')
	[[ $id =~ ^[A-Z0-9]{30}$ ]] || fail "HITId '$id' is not 30 upper-case alphanumerics"
	mturk get-hit --hit-id "$id" >"$tmp/get.json"
	expect "$tmp/get.json" 'd["HIT"]["HITId"]' "$id"
	expect "$tmp/get.json" 'd["HIT"]["Title"]' "cli $run_id"
	expect "$tmp/get.json" 'd["HIT"]["Reward"]' 0.10
	expect "$tmp/get.json" 'd["HIT"]["MaxAssignments"]' 2
	expect "$tmp/get.json" 'd["HIT"]["HITStatus"]' Assignable
	expect "$tmp/get.json" 'd["HIT"]["QualificationRequirements"][0]["LocaleValues"][0]["Country"]' US
	expect "$tmp/get.json" 'd["HIT"]["Question"] == open(sys.argv[1].rsplit("/",1)[0] + "/question.xml").read()' true
	expect "$tmp/get.json" 'round(d["HIT"]["Expiration"] - d["HIT"]["CreationTime"])' 3600
}

t_hit_type_dedup() {
	local a b
	a=$(mturk create-hit-type --title "cli type $run_id" --description d --reward 0.05 \
		--assignment-duration-in-seconds 300 --query HITTypeId --output text)
	b=$(mturk create-hit-type --title "cli type $run_id" --description d --reward 0.05 \
		--assignment-duration-in-seconds 300 --query HITTypeId --output text)
	[[ $a == "$b" && $a =~ ^[A-Z0-9]{30}$ ]] || fail "create-hit-type twice gave '$a' and '$b'"
	mturk create-hit-with-hit-type --hit-type-id "$a" --lifetime-in-seconds 600 \
		--question "file://$tmp/question.xml" >"$tmp/out.json"
	expect "$tmp/out.json" 'd["HIT"]["HITTypeId"]' "$a"
	expect "$tmp/out.json" 'd["HIT"]["Title"]' "cli type $run_id"
}

t_list_hits_pagination() {
	for i in 1 2 3 4 5 6; do
		mturk create-hit --title "cli page $i $run_id" --description d --reward 0.01 \
			--assignment-duration-in-seconds 60 --lifetime-in-seconds 600 \
			--question "file://$tmp/question.xml" >/dev/null
	done
	# The CLI follows NextToken by itself: the full list, 10 per request.
	mturk list-hits --page-size 10 >"$tmp/all.json"
	local total
	total=$(jpy "$tmp/all.json" 'len(d["HITs"])')
	((total >= 8)) || fail "list-hits returned only $total HITs"
	expect "$tmp/all.json" 'len(d["HITs"]) == len({h["HITId"] for h in d["HITs"]})' true
	expect "$tmp/all.json" 'sum(1 for h in d["HITs"] if h["Title"].startswith("cli page"))' 6
	# --max-items with a page size that does not divide it, then --starting-token.
	mturk list-hits --max-items 3 --page-size 2 >"$tmp/p1.json"
	expect "$tmp/p1.json" 'len(d["HITs"])' 3
	local token
	token=$(jpy "$tmp/p1.json" 'd["NextToken"]')
	[[ -n $token ]] || fail "no NextToken after --max-items 3"
	mturk list-hits --max-items 3 --page-size 2 --starting-token "$token" >"$tmp/p2.json"
	python3 - "$tmp/all.json" "$tmp/p1.json" "$tmp/p2.json" <<'EOF' || fail "pages do not match the full list"
import json, sys
full, p1, p2 = ([h["HITId"] for h in json.load(open(f))["HITs"]] for f in sys.argv[1:])
assert p1 + p2 == full[:6], (p1, p2, full[:6])
EOF
	# One request, MaxResults=5, no automatic pagination.
	mturk list-hits --no-paginate --max-results 5 >"$tmp/one.json"
	expect "$tmp/one.json" 'len(d["HITs"])' 5
	expect "$tmp/one.json" 'd["NumResults"]' 5
	expect "$tmp/one.json" 'bool(d.get("NextToken"))' true
}

t_errors() {
	local rc=0
	mturk get-hit --hit-id 3NOSUCHHIT000000000000000000ZZ >"$tmp/out" 2>"$tmp/err" || rc=$?
	((rc != 0)) || fail "get-hit of an unknown HIT exited 0"
	grep -q 'RequestError' "$tmp/err" || fail "stderr lacks RequestError: $(cat "$tmp/err")"
	grep -q 'Hit 3NOSUCHHIT000000000000000000ZZ does not exist' "$tmp/err" || fail "stderr: $(cat "$tmp/err")"
	rc=0
	mturk create-hit --title t --description d --reward 0.001 --assignment-duration-in-seconds 600 \
		--lifetime-in-seconds 600 --question "file://$tmp/question.xml" >"$tmp/out" 2>"$tmp/err" || rc=$?
	((rc != 0)) || fail "create-hit with Reward 0.001 exited 0"
	grep -q 'RequestError.*Reward' "$tmp/err" || fail "stderr: $(cat "$tmp/err")"
	rc=0
	AWS_SECRET_ACCESS_KEY=wrong mturk get-account-balance >"$tmp/out" 2>"$tmp/err" || rc=$?
	((rc != 0)) || fail "a wrong secret was accepted"
	grep -q 'InvalidSignatureException' "$tmp/err" || fail "stderr: $(cat "$tmp/err")"
}

aws --version 2>&1
check "get-account-balance" t_balance
check "create-hit --question file://, get-hit" t_create_and_get_hit
check "create-hit-type dedup, create-hit-with-hit-type" t_hit_type_dedup
check "list-hits pagination (--max-items, --starting-token, --page-size)" t_list_hits_pagination
check "errors exit non-zero with RequestError" t_errors

echo "cli: $passed passed, $failed failed"
((failed == 0))
