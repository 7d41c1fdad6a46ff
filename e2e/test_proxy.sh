#!/usr/bin/env bash
# End-to-end test of hitd behind a reverse proxy (docs/deploy.md): nginx
# with deploy/nginx.conf as shipped (only its certificate paths changed, to
# certificates made here) in front of hitd started with deploy/hitd.toml's
# settings as flags, in a network namespace of its own whose /etc/hosts maps
# hits.example.org and content.example.org to 127.0.0.1, so that nginx
# listens on 80 and 443 as in production. Checks, through nginx:
#   - TLS for both names, the redirect from http, a refused handshake for
#     any other name;
#   - boto3 (SigV4 signs the Host nginx passes on) and the legacy API's
#     long GET URLs; nginx's 1 MiB bound on API bodies;
#   - turkSubmitTo, externalSubmit URLs in requester HTML on the content
#     origin, and Secure cookies, from --public-url;
#   - the client address in hitd's log is the one nginx saw, whatever
#     X-Forwarded-For the client sent;
# then, with --public-url and the content origin left out, that the links
# follow X-Forwarded-Proto/-Host from the trusted proxy, and, without
# --trusted-proxies, that those headers are ignored.
#
# Environment: HITD_BIN (the binary), PYTHON (with boto3). Needs root (ip
# netns) and nginx; exits 77 without them. Prints PASS/FAIL per check and
# "proxy: N passed, M failed".
set -euo pipefail

e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$e2e/.." && pwd)
: "${HITD_BIN:?set HITD_BIN to the hitd binary}"
PYTHON=${PYTHON:-python3}
. "$e2e/lib.sh"

ns=hitd-proxy-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/hitd-proxy.XXXXXX")
data=$work/data
log=$work/server.log
SITE=https://hits.example.org
CONTENT=https://content.example.org
KEY=HITDPROXYE2EROOT0001
SECRET=proxy-e2e-secret-0123456789abcdefghijk

cleanup() {
	local rc=$?
	netns_remove "$ns"
	rm -rf "$work" "$tmp"
	exit "$rc"
}

if ! command -v nginx >/dev/null; then
	echo "SKIP proxy: nginx is not installed (apt-get install nginx)"
	rm -rf "$work" "$tmp"
	exit 77
fi
if ((EUID != 0)) || ! command -v ip >/dev/null || ! ip netns add "$ns" 2>/dev/null; then
	echo "SKIP proxy: needs root and ip netns (iproute2) to make a network namespace"
	rm -rf "$work" "$tmp"
	exit 77
fi
trap cleanup EXIT

mkdir -p "/etc/netns/$ns"
printf '127.0.0.1\tlocalhost hits.example.org content.example.org other.example.org\n::1\tlocalhost\n' >"/etc/netns/$ns/hosts"
ip netns exec "$ns" ip link set lo up

in_ns() { ip netns exec "$ns" "$@"; }
ca=$work/tls/ca.pem
curl_ns() { in_ns curl -sS --max-time 10 --cacert "$ca" "$@"; }

# nginx: deploy/nginx.conf, its certificate paths pointed at certificates
# for both names, inside a minimal main configuration.
"$HITD_BIN" tls init --dir "$work/tls" --name hits.example.org --name content.example.org >/dev/null
mkdir -p "$work/nginx"
sed -e "s|/etc/letsencrypt/live/[^/]*/fullchain.pem|$work/tls/server.pem|" \
	-e "s|/etc/letsencrypt/live/[^/]*/privkey.pem|$work/tls/server-key.pem|" "$repo/deploy/nginx.conf" >"$work/nginx/hitd.conf"
cat >"$work/nginx/nginx.conf" <<EOF
user root;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
	access_log $work/nginx/access.log;
	include $work/nginx/hitd.conf;
}
EOF
# (ip netns exec itself in the background, not in_ns: $! is then nginx.)
ip netns exec "$ns" nginx -g 'daemon off;' -p "$work/nginx" -c "$work/nginx/nginx.conf" >>"$work/nginx/stderr.log" 2>&1 &
nginx_pid=$!

# hitd serve's flags from deploy/hitd.toml (key = "value" lines), with
# some left out (drop=KEY,KEY) and the data directory here.
toml_flags() {
	local drop=",$1," key value
	while IFS='=' read -r key value; do
		key=${key%%[[:space:]]*}
		[[ $key =~ ^[a-z0-9-]+$ && $drop != *",$key,"* ]] || continue
		value=${value#*\"}
		printf -- '--%s\n%s\n' "$key" "${value%\"*}"
	done <"$repo/deploy/hitd.toml"
}
hitd_pid=""
start_hitd() { # start_hitd DROP: hitd serve with deploy/hitd.toml's flags less DROP
	local flags
	mapfile -t flags < <(toml_flags "$1")
	echo "--- hitd serve ${flags[*]} --data-dir $data ---" >>"$log"
	ip netns exec "$ns" env HITD_ROOT_ACCESS_KEY_ID=$KEY HITD_ROOT_SECRET_ACCESS_KEY=$SECRET \
		"$HITD_BIN" serve "${flags[@]}" --data-dir "$data" >>"$log" 2>&1 &
	hitd_pid=$!
	for _ in $(seq 150); do
		[[ $(curl_ns --max-time 1 "$SITE/healthz" 2>/dev/null) == ok* ]] && return 0
		sleep 0.1
	done
	echo "hitd did not answer $SITE/healthz through nginx; nginx's log:"
	cat "$work/nginx/error.log" "$work/nginx/stderr.log" 2>/dev/null || true
	tail -n 30 "$log"
	exit 1
}
stop_hitd() {
	kill -TERM "$hitd_pid" 2>/dev/null || true
	wait "$hitd_pid" 2>/dev/null || true
}

# preview_param HITID: the turkSubmitTo in the HIT's preview page.
preview_param() {
	curl_ns "$SITE/hits/$1" | grep -o 'turkSubmitTo=[^&"]*' | head -n 1
}
# login_cookie: the Set-Cookie of a worker's login through nginx.
login_cookie() {
	curl_ns -o /dev/null -D - -d username=proxied -d password=proxied-password "$SITE/login" | tr -d '\r' | grep -i '^set-cookie: hitd_session=' || true
}

start_hitd ""
"$HITD_BIN" worker create --data-dir "$data" --username proxied --password proxied-password >/dev/null

t_tls() {
	[[ $(curl_ns "$SITE/healthz") == ok* ]] || fail "$SITE/healthz"
	[[ $(curl_ns -o /dev/null -w '%{http_code}' "$CONTENT/content/preview-NOSUCHHIT") == 404 ]] || fail "$CONTENT does not reach hitd's content origin"
	local got
	got=$(curl_ns -o /dev/null -w '%{http_code} %{redirect_url}' "http://hits.example.org/v1/list-hits")
	[[ $got == "308 $SITE/v1/list-hits" ]] || fail "http:// answered $got, want a 308 to https"
	if curl_ns -o /dev/null "https://other.example.org/healthz" 2>"$tmp/other.err"; then
		fail "a name nginx does not serve got an answer"
	fi
	grep -qiE 'alert|handshake|SSL' "$tmp/other.err" || fail "other.example.org: $(cat "$tmp/other.err")"
}

t_boto3() {
	in_ns env AWS_CA_BUNDLE="$ca" "$PYTHON" - "$SITE" "$KEY" "$SECRET" >"$tmp/hits.json" <<'EOF'
import json, sys
import boto3
site, key, secret = sys.argv[1:4]
c = boto3.client("mturk", endpoint_url=site, region_name="us-east-1",
                 aws_access_key_id=key, aws_secret_access_key=secret)
assert c.get_account_balance()["AvailableBalance"] == "10000.00"
common = dict(Title="Behind nginx", Description="d", Reward="0.05", MaxAssignments=1,
              LifetimeInSeconds=3600, AssignmentDurationInSeconds=600)
ext = c.create_hit(Question='<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://tasks.example.net/t</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>', **common)
html = c.create_hit(Question='<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><form method="post" action="https://www.mturk.com/mturk/externalSubmit"><input name="a"></form>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>', **common)
print(json.dumps({"ext": ext["HIT"]["HITId"], "html": html["HIT"]["HITId"]}))
EOF
	jpy "$tmp/hits.json" 'd["ext"]' >/dev/null
}

t_limits() {
	# The legacy API's GET: a 100 KB URL reaches hitd (which refuses the
	# unsigned request in its own XML), not nginx's 414. Over HTTP/1.1,
	# as boto 2 sends it.
	local q code
	q=$(head -c 100000 /dev/zero | tr '\0' 'x')
	code=$(curl_ns --http1.1 -o "$tmp/legacy.xml" -w '%{http_code}' "$SITE/onca/xml?Service=AWSMechanicalTurkRequester&Operation=GetAccountBalance&Question=$q")
	[[ $code != 414 && $code != 400 ]] || fail "a 100 KB legacy URL: HTTP $code: $(head -c 300 "$tmp/legacy.xml")"
	grep -q '<?xml' "$tmp/legacy.xml" || fail "a 100 KB legacy URL was not answered by hitd: HTTP $code: $(head -c 300 "$tmp/legacy.xml")"
	# An API body over 1 MiB: nginx's 413.
	head -c 2000000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
	code=$(curl_ns -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-amz-json-1.1' \
		-H 'X-Amz-Target: MTurkRequesterServiceV20170117.ListHITs' --data-binary @"$tmp/big.json" "$SITE/")
	[[ $code == 413 ]] || fail "a 2 MB API body: HTTP $code, want 413"
}

# t_links CONTENT: turkSubmitTo, the submit URL that MTurk's in requester
# HTML (served by CONTENT) becomes and its frame-ancestors are the public
# site's https URL, and the login cookie is Secure.
t_links() {
	local ext html got
	ext=$(jpy "$tmp/hits.json" 'd["ext"]')
	html=$(jpy "$tmp/hits.json" 'd["html"]')
	got=$(preview_param "$ext")
	[[ $got == "turkSubmitTo=https%3A%2F%2Fhits.example.org" ]] || fail "turkSubmitTo: $got"
	curl_ns -D "$tmp/content.h" "$1/content/preview-$html" >"$tmp/content.html"
	grep -q 'action="https://hits.example.org/mturk/externalSubmit"' "$tmp/content.html" || fail "content: $(cat "$tmp/content.html")"
	grep -qi '^content-security-policy: sandbox.*frame-ancestors.* https://hits.example.org' "$tmp/content.h" || fail "content CSP: $(grep -i content-security "$tmp/content.h")"
	got=$(login_cookie)
	[[ $got == *"; Secure"* ]] || fail "login cookie: $got"
}

t_client_address() {
	# From 127.0.0.2 (not a trusted proxy), claiming to be 6.6.6.6.
	curl_ns --interface 127.0.0.2 -H 'X-Forwarded-For: 6.6.6.6' -o /dev/null "$SITE/healthz?from=spoofer"
	sleep 0.2
	grep '"msg":"request"' "$log" | grep -q '"client":"127.0.0.2"' || fail "no request line with the client 127.0.0.2: $(grep '"path":"/healthz"' "$log" | tail -n 2)"
	! grep '"msg":"request"' "$log" | grep -q '"client":"6.6.6.6"' || fail "hitd believed the client's own X-Forwarded-For"
}

check "TLS for both names through nginx; http redirects; other names refused" t_tls
check "boto3 through nginx (SigV4 over the proxy)" t_boto3
check "nginx's limits: long legacy URLs pass, API bodies over 1 MiB get 413" t_limits
check "--public-url: turkSubmitTo, externalSubmit on the content origin, Secure cookie" t_links "$CONTENT"
check "client address: nginx's view, not the client's X-Forwarded-For" t_client_address
stop_hitd

start_hitd public-url,content-listen,content-origin
check "no --public-url, trusted proxy: links from X-Forwarded-Proto/-Host, Secure cookie" t_links "$SITE"
stop_hitd

t_untrusted() {
	local ext got
	ext=$(jpy "$tmp/hits.json" 'd["ext"]')
	got=$(preview_param "$ext")
	# The Host nginx passed on, with the scheme of nginx's own connection.
	[[ $got == "turkSubmitTo=http%3A%2F%2Fhits.example.org" ]] || fail "turkSubmitTo: $got"
	got=$(login_cookie)
	[[ -n $got && $got != *"; Secure"* ]] || fail "login cookie: $got"
	# From 127.0.0.2: hitd names its peer, nginx (127.0.0.1).
	curl_ns --interface 127.0.0.2 -H 'X-Forwarded-For: 6.6.6.6' -o /dev/null "$SITE/healthz?from=untrusted"
	sleep 0.2
	got=$(grep '"msg":"request"' "$log" | tail -n 1)
	[[ $got == *'"client":"127.0.0.1"'* ]] || fail "the request line does not name nginx as the client: $got"
}
start_hitd public-url,content-listen,content-origin,trusted-proxies
check "no --trusted-proxies: forwarding headers ignored (http links, no Secure, nginx's address)" t_untrusted
stop_hitd

kill "$nginx_pid" 2>/dev/null || true
if grep -E '"level":"ERROR"|panic' "$log"; then
	echo "FAIL server log has errors (above)"
	failed=$((failed + 1))
fi
echo "proxy: $passed passed, $failed failed"
((failed == 0))
