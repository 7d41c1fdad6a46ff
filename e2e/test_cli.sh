#!/usr/bin/env bash
# The AWS CLI against hitd, credentials from the environment.
set -euo pipefail
export AWS_ACCESS_KEY_ID=$HITD_ROOT_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$HITD_ROOT_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mt() { aws mturk --endpoint-url "$HITD_E2E_ENDPOINT" --output json "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ok() { echo "  ok  $*"; }

bal=$(mt get-account-balance | json 'd["AvailableBalance"]')
[[ $bal == 10000.00 ]] || { echo "balance $bal"; exit 1; }
ok "get-account-balance"

cat >"$tmp/q.xml" <<'XML'
<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
<HTMLContent><![CDATA[<html><body><form action="https://www.mturk.com/mturk/externalSubmit"><input name="a"></form></body></html>]]></HTMLContent>
<FrameHeight>400</FrameHeight></HTMLQuestion>
XML
hit=$(mt create-hit --title "CLI HIT" --description "made by the AWS CLI" --reward 0.07 \
	--assignment-duration-in-seconds 300 --lifetime-in-seconds 3600 --max-assignments 2 \
	--question "file://$tmp/q.xml" | json 'd["HIT"]["HITId"]')
ok "create-hit $hit"

got=$(mt get-hit --hit-id "$hit" | json 'd["HIT"]["Reward"] + " " + d["HIT"]["HITStatus"] + " " + str(d["HIT"]["NumberOfAssignmentsAvailable"])')
[[ $got == "0.07 Assignable 2" ]] || { echo "get-hit: $got"; exit 1; }
ok "get-hit"

n=$(mt list-hits --max-items 5 --page-size 2 | json 'len(d["HITs"])')
[[ $n == 5 ]] || { echo "list-hits --max-items 5 gave $n"; exit 1; }
token=$(mt list-hits --max-items 2 --page-size 2 | json 'd.get("NextToken", "")')
[[ -n $token ]] || { echo "list-hits gave no NextToken"; exit 1; }
n=$(mt list-hits --max-items 2 --page-size 2 --starting-token "$token" | json 'len(d["HITs"])')
[[ $n == 2 ]] || { echo "second page: $n"; exit 1; }
ok "list-hits pagination"

if err=$(mt get-hit --hit-id 3NOSUCHHITID 2>&1); then echo "get-hit of an unknown HIT succeeded"; exit 1; fi
[[ $err == *RequestError*"does not exist"* ]] || { echo "error output: $err"; exit 1; }
ok "error: $err"
echo "AWS CLI: all checks passed"
