package sigv4

import (
	"errors"
	"net/http"
	"testing"
)

// FuzzVerify feeds arbitrary Authorization values, dates, request targets,
// content hashes and bodies to Verify: it must never panic, and every
// failure must be a well-formed *Error.
func FuzzVerify(f *testing.F) {
	f.Add(vanillaAuthz, "20150830T123600Z", "/", "", "")
	f.Add(vanillaAuthz, "20150830T123600Z", "/?Param2=value2&Param1=value1", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature=", "2015", "/a/../b//c", "UNSIGNED-PAYLOAD", "{}")
	f.Add("AWS4-HMAC-SHA256 Credential=//// , SignedHeaders=;, Signature==", "99999999T999999Z", "//", "e3b0", "x")
	f.Add("AWS4-HMAC-SHA256 ,,,=,=,", "", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d", "", "")
	f.Add("", "", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=%00&X-Amz-Expires=-1&X-Amz-Signature=%zz", "", "")
	f.Add("Bearer \x00\xff", "\xff", "*", "\xff", "\x00")

	v := suiteVerifier()
	f.Fuzz(func(t *testing.T, authz, date, target, contentSHA, body string) {
		hdr := map[string]string{"X-Amz-Date": date}
		if contentSHA != "" {
			hdr["X-Amz-Content-Sha256"] = contentSHA
		}
		r := vanillaRequest(authz, hdr, target)
		_ = HasSignature(r)
		id, err := v.Verify(r, []byte(body))
		if err == nil {
			if id != suiteAccessKey {
				t.Fatalf("success with id %q", id)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("non-*Error failure: %v", err)
		}
		if e.Status != http.StatusBadRequest || e.Message == "" || id != "" {
			t.Fatalf("bad error: %+v (id %q)", e, id)
		}
		switch e.Code {
		case CodeUnrecognizedClient, CodeInvalidSignature, CodeIncompleteSignature, CodeMissingAuthenticationToken:
		default:
			t.Fatalf("unexpected code %q", e.Code)
		}
	})
}
