package legacy

import (
	"crypto/sha256"
	"net/http/httptest"
	"testing"
)

// Vectors computed by boto 2.49's own handlers (boto/auth.py,
// QuerySignatureV1AuthHandler and QuerySignatureV2AuthHandler._calc_signature).
func TestSignatureVectorsFromBoto(t *testing.T) {
	const secret = "test-root-secret-0123456789abcdefghijklm"
	p := params{
		"Operation": "RegisterHITType", "Version": "2014-08-15", "AWSAccessKeyId": "HITDTESTROOT00000000",
		"SignatureVersion": "1", "Timestamp": "2014-08-15T12:00:00Z", "Title": "Tag ümlaut & co", "Description": "d",
		"Reward.1.Amount": "0.05", "Reward.1.CurrencyCode": "USD", "AssignmentDurationInSeconds": "300", "keywords": "a, b",
		"Signature": "ignored",
	}
	if got, want := querySignatureV1(secret, p), "hvwoK8kp+1SDIQKeSxhp7ji8jnY="; got != want {
		t.Errorf("v1 = %s, want %s", got, want)
	}
	p["SignatureVersion"], p["SignatureMethod"] = "2", "HmacSHA256"
	r := httptest.NewRequest("POST", "http://Example.com:8080/", nil)
	if got, want := querySignatureV2(secret, sha256.New, r, p), "y4tM1mxsGZwtqPSIhX+nUGBfb25JxPLBA8dseP5KNwQ="; got != want {
		t.Errorf("v2 = %s, want %s", got, want)
	}
}

func TestFormatPrice(t *testing.T) {
	for in, want := range map[string]string{"0.05": "$0.05", "10000.00": "$10,000.00", "5": "$5.00", "0.5": "$0.50", "1234567.10": "$1,234,567.10", "100.00": "$100.00"} {
		if got := formatPrice(in); got != want {
			t.Errorf("formatPrice(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseParams: the parser and every structured reader must never
// panic, whatever the query string.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		"Operation=CreateHIT&Reward.1.Amount=0.05&QualificationRequirement.1.Comparator=In&QualificationRequirement.1.IntegerValue.2=5",
		"QualificationRequirement.1.LocaleValue.1.Country=US&QualificationRequirement.1.LocaleValue.Country=DE",
		"a=1&a=2", "%zz", "x=%", "QualificationRequirement.99999999999999999999.x=1", "HITLayoutParameter..Name=1",
		"QualificationRequirement.-1.Comparator=1", "AssignmentStatus=Submitted,Approved&PageSize=0&PageNumber=-5",
		"Notification.1.EventType.1=AssignmentSubmitted&Notification.1.Transport=SQS", "AssignmentReviewPolicy.PolicyName=x&AssignmentReviewPolicy.Parameter.1.MapEntry.1.Value.1=v",
		"=x", "Timestamp=2014-08-15T12:00:00.123+02:00",
	} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		p, err := parseParams(query, body)
		if err != nil {
			return
		}
		d := &decoder{p: p}
		d.price("Reward")
		d.price("BonusAmount")
		d.qualificationRequirements()
		d.layoutParameters()
		d.notification()
		d.reviewPolicy("AssignmentReviewPolicy")
		d.assignmentStatuses()
		d.int64p("PageSize")
		d.int32p("IntegerValue")
		d.boolp("Active")
		d.list("WorkerId")
		hitTypeInput(&decoder{p: p})
		parseTimestamp(p["Timestamp"])
		querySignatureV1("s", p)
		restSignature("s", p)
		querySignatureV2("s", sha256.New, httptest.NewRequest("GET", "/", nil), p)
		if _, err := paged(d, sortOrder[int]{"": func(a, b int) int { return a - b }}, func(string, int64) ([]int, string, error) { return []int{3, 1, 2}, "", nil }); err != nil {
			return
		}
	})
}
