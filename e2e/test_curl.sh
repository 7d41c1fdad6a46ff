#!/usr/bin/env bash
# The REST edge with curl and HTTP Basic auth.
set -euo pipefail
base=$HITD_E2E_ENDPOINT
auth="$HITD_ROOT_ACCESS_KEY_ID:$HITD_ROOT_SECRET_ACCESS_KEY"
body=$(mktemp)
trap 'rm -f "$body"' EXIT
ok() { echo "  ok  $*"; }
# post PATH JSON [curl args…] → prints the HTTP status; the body is in $body
post() {
	local path=$1 data=$2
	shift 2
	curl -sS -o "$body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@" --data "$data" "$base$path"
}
field() { python3 -c "import json,sys; d=json.load(open('$body')); print($1)"; }
expect() { # expect STATUS GOT WHAT
	[[ $2 == "$1" ]] || { echo "$3: status $2, want $1: $(cat "$body")"; exit 1; }
}

s=$(post /v1/get-account-balance '{}' -u "$auth"); expect 200 "$s" balance
[[ $(field 'd["AvailableBalance"]') == 10000.00 ]]; ok "get-account-balance"

s=$(post /v1/create-hit-type '{"Title":"curl","Description":"d","Reward":"0.02","AssignmentDurationInSeconds":120}' -u "$auth")
expect 200 "$s" create-hit-type
type=$(field 'd["HITTypeId"]'); ok "create-hit-type $type"

q='<QuestionForm xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd\"><Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>?</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>'
s=$(post /api/v1/create-hit-with-hit-type "{\"HITTypeId\":\"$type\",\"LifetimeInSeconds\":600,\"Question\":\"$q\"}" -u "$auth")
expect 200 "$s" create-hit-with-hit-type
hit=$(field 'd["HIT"]["HITId"]'); ok "create-hit-with-hit-type $hit (under /api/v1)"

s=$(post /v1/get-hit "{\"HITId\":\"$hit\"}" -u "$auth"); expect 200 "$s" get-hit
created=$(field 'd["HIT"]["CreationTime"]')
[[ $created =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || { echo "CreationTime $created is not ISO-8601"; exit 1; }
ok "get-hit, CreationTime $created"

s=$(post /v1/list-hits '{"MaxResults":2}' -u "$auth"); expect 200 "$s" list-hits
[[ $(field 'd["NumResults"]') == 2 && -n $(field 'd.get("NextToken","")') ]]; ok "list-hits"

s=$(post /v1/get-hit '{"HITId":"3NOSUCHHIT"}' -u "$auth"); expect 404 "$s" "unknown HIT"
[[ $(field 'd["__type"] + " " + d["TurkErrorCode"]') == "RequestError AWS.MechanicalTurk.HITDoesNotExist" ]]; ok "404 for an unknown HIT"

s=$(post /v1/create-hit-type '{"Title":"x","Description":"d","Reward":"0.02","AssignmentDurationInSeconds":5}' -u "$auth"); expect 400 "$s" "bad input"
[[ $(field 'd["TurkErrorCode"]') == AWS.MechanicalTurk.ParameterOutOfRange ]]; ok "400 for bad input"

s=$(post /v1/get-account-balance '{}'); expect 401 "$s" "no credentials"; ok "401 without credentials"
s=$(post /v1/get-account-balance '{}' -u "$HITD_ROOT_ACCESS_KEY_ID:wrong"); expect 403 "$s" "wrong secret"; ok "403 with a wrong secret"
s=$(post /v1/get-account-balance '{}' -u "$auth" -H 'Content-Type: application/x-amz-json-1.1'); expect 200 "$s" "x-amz-json content type"
ok "application/x-amz-json-1.1 accepted"
echo "curl: all checks passed"
