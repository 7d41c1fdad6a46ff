package legacy_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/qform"
)

const htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form action="https://www.mturk.com/mturk/externalSubmit" method="post"><input name="a"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

// hitParams are an inline CreateHIT's parameters.
func hitParams(extra ...string) []string {
	return append([]string{
		"Title", "Legacy HIT", "Description", "Made through the 2014-08-15 API", "Keywords", "legacy, test",
		"Reward.1.Amount", "0.05", "Reward.1.CurrencyCode", "USD", "AssignmentDurationInSeconds", "600",
		"LifetimeInSeconds", "3600", "MaxAssignments", "3", "Question", htmlQ,
	}, extra...)
}

func TestSignatures(t *testing.T) {
	e := hitdtest.New(t)
	other, _ := e.NewRequester("other")
	for _, kind := range []string{"rest", "1", "2"} {
		for _, route := range []struct{ method, path string }{{"POST", "/"}, {"GET", "/"}, {"POST", "/onca/xml"}, {"GET", "/onca/xml"}} {
			c := newClient(t, e).with(func(c *client) { c.sig, c.method, c.path = kind, route.method, route.path })
			name := "sig" + kind + " " + route.method + " " + route.path
			t.Run(name, func(t *testing.T) {
				c.t = t
				r := c.do("GetAccountBalance").ok()
				if r.get("Amount") != "10000.00" || r.get("FormattedPrice") != "$10,000.00" || r.get("CurrencyCode") != "USD" {
					t.Fatalf("balance:\n%s", r.body)
				}
				if !strings.HasPrefix(r.contentType, "text/xml") {
					t.Errorf("Content-Type %q", r.contentType)
				}
				// Another requester's keys work too, and name that requester.
				c2 := c.with(func(c *client) { c.key, c.secret = other.AccessKeyID, other.SecretAccessKey })
				c2.do("GetAccountBalance").ok()

				bad := []struct {
					name string
					mod  func(*client)
					code string
				}{
					{"wrong secret", func(c *client) { c.secret = "not-the-secret" }, "AWS.BadClaimsSupplied"},
					{"unknown key", func(c *client) { c.key = "HITDNOSUCHKEY0000000" }, "AWS.NotAuthorized"},
					{"stale timestamp", func(c *client) { c.now = func() time.Time { return time.Now().Add(-16 * time.Minute) } }, "AWS.BadClaimsSupplied"},
					{"future timestamp", func(c *client) { c.now = func() time.Time { return time.Now().Add(16 * time.Minute) } }, "AWS.BadClaimsSupplied"},
					{"tampered operation", func(c *client) { c.tamper = func(v url.Values) { v.Set("Operation", "GetAccountBalance2") } }, "AWS.BadClaimsSupplied"},
					{"tampered timestamp", func(c *client) {
						c.tamper = func(v url.Values) { v.Set("Timestamp", time.Now().UTC().Add(time.Second).Format(time.RFC3339Nano)) }
					}, "AWS.BadClaimsSupplied"},
					{"missing signature", func(c *client) { c.tamper = func(v url.Values) { v.Del("Signature") } }, "AWS.MechanicalTurk.MissingParameters"},
				}
				if kind != "rest" { // the REST signature covers only Service, Operation and Timestamp
					bad = append(bad, struct {
						name string
						mod  func(*client)
						code string
					}{"tampered parameter", func(c *client) { c.tamper = func(v url.Values) { v.Set("Extra", "1") } }, "AWS.BadClaimsSupplied"})
				}
				for _, b := range bad {
					r := c.with(b.mod).do("GetAccountBalance").fails(b.code)
					if strings.Contains(r.body, "10000.00") {
						t.Errorf("%s: balance leaked", b.name)
					}
				}
			})
		}
	}
}

func TestStaleTimestampUsesSignatureClock(t *testing.T) {
	e := hitdtest.New(t)
	e.Clock.Advance(48 * time.Hour) // the Service's clock moves; signatures use real time
	newClient(t, e).do("GetAccountBalance").ok()
}

func TestRoutingKeeps2017AndWorkerSite(t *testing.T) {
	e := hitdtest.New(t)
	// The SDK (AWS JSON, POST / with X-Amz-Target) still works.
	if _, err := e.Client.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{}); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(e.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "hitd:") {
		t.Fatalf("GET / = %d %q", res.StatusCode, b)
	}
	// A form POST without X-Amz-Target but also without credentials is
	// legacy, and says what is missing.
	res, err = http.Post(e.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Operation=GetAccountBalance"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "AWS.MechanicalTurk.MissingParameters") || !strings.Contains(string(b), "<GetAccountBalanceResponse>") {
		t.Fatalf("unsigned legacy POST:\n%s", b)
	}
}

func TestRegisterHITTypeMatchesCreateHITType(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	r := c.do("RegisterHITType",
		"Title", "Location and Photograph Identification", "Description", "Select the image that best represents...",
		"Reward.1.Amount", "5", "Reward.1.CurrencyCode", "USD", "AssignmentDurationInSeconds", "30",
		"Keywords", "location, photograph, image, identification, opinion",
		"QualificationRequirement.1.QualificationTypeId", "00000000000000000071",
		"QualificationRequirement.1.Comparator", "In",
		"QualificationRequirement.1.LocaleValue.1.Country", "US",
		"QualificationRequirement.1.LocaleValue.2.Country", "DE",
		"QualificationRequirement.1.RequiredToPreview", "true",
	).ok()
	if r.root != "RegisterHITTypeResponse" || !strings.Contains(r.body, "<RegisterHITTypeResult><Request><IsValid>True</IsValid></Request><HITTypeId>") {
		t.Fatalf("shape:\n%s", r.body)
	}
	id := r.get("HITTypeId")
	out, err := e.Client.CreateHITType(context.Background(), &mturk.CreateHITTypeInput{
		Title: aws.String("Location and Photograph Identification"), Description: aws.String("Select the image that best represents..."),
		Reward: aws.String("5.00"), AssignmentDurationInSeconds: aws.Int64(30), AutoApprovalDelayInSeconds: aws.Int64(2592000),
		Keywords: aws.String("location, photograph, image, identification, opinion"),
		QualificationRequirements: []types.QualificationRequirement{{
			QualificationTypeId: aws.String("00000000000000000071"), Comparator: types.ComparatorIn,
			LocaleValues: []types.Locale{{Country: aws.String("US")}, {Country: aws.String("DE")}}, RequiredToPreview: aws.Bool(true),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *out.HITTypeId != id || id == "" {
		t.Fatalf("legacy %q, SDK %q", id, *out.HITTypeId)
	}
	// And the legacy call again returns the same id.
	if again := c.do("RegisterHITType", "Title", "Location and Photograph Identification", "Description", "Select the image that best represents...",
		"Reward.1.Amount", "5.0", "AssignmentDurationInSeconds", "30", "Keywords", "location, photograph, image, identification, opinion",
		"QualificationRequirement.1.QualificationTypeId", "00000000000000000071", "QualificationRequirement.1.Comparator", "In",
		"QualificationRequirement.1.LocaleValue.1.Country", "US", "QualificationRequirement.1.LocaleValue.2.Country", "DE",
		"QualificationRequirement.1.RequiredToPreview", "True").ok().get("HITTypeId"); again != id {
		t.Fatalf("second registration %q, want %q", again, id)
	}

	// Seed 003's limits.
	base := []string{"Title", "T", "Description", "D", "Reward.1.Amount", "0.05", "AssignmentDurationInSeconds", "60"}
	set := func(name, v string) []string {
		out := append([]string(nil), base...)
		for i := 0; i < len(out); i += 2 {
			if out[i] == name {
				out[i+1] = v
				return out
			}
		}
		return append(out, name, v)
	}
	for _, tc := range []struct {
		name string
		kv   []string
		code string
	}{
		{"title 129", set("Title", strings.Repeat("t", 129)), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"description 2000", set("Description", strings.Repeat("d", 2000)), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"keywords 1000", set("Keywords", strings.Repeat("k", 1000)), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"duration 29", set("AssignmentDurationInSeconds", "29"), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"approval delay too long", set("AutoApprovalDelayInSeconds", "2592001"), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"no title", set("Title", ""), "AWS.MechanicalTurk.MissingParameters"},
		{"no reward", set("Reward.1.Amount", ""), "AWS.MechanicalTurk.MissingParameters"},
		{"euro", set("Reward.1.CurrencyCode", "EUR"), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"duration not a number", set("AssignmentDurationInSeconds", "ten"), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"duration 31536001", set("AssignmentDurationInSeconds", "31536001"), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"approval delay negative", set("AutoApprovalDelayInSeconds", "-1"), "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"11 requirements", requirements(base, 11), "AWS.MechanicalTurk.ParameterOutOfRange"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newClient(t, e).do("RegisterHITType", tc.kv...)
			if r.code() != tc.code {
				t.Fatalf("code %q, want %q:\n%s", r.code(), tc.code, r.body)
			}
			if !strings.Contains(r.body, "<RegisterHITTypeResult><Request><IsValid>False</IsValid><Errors>") {
				t.Fatalf("shape:\n%s", r.body)
			}
		})
	}
	for _, ok := range [][]string{set("Description", strings.Repeat("d", 1999)), set("Keywords", strings.Repeat("k", 999)), set("AssignmentDurationInSeconds", "31536000"), set("Title", strings.Repeat("t", 128)),
		set("AutoApprovalDelayInSeconds", "0"), requirements(base, 10)} {
		newClient(t, e).do("RegisterHITType", ok...).ok()
	}
}

// requirements returns kv with n QualificationRequirements added.
func requirements(kv []string, n int) []string {
	out := append([]string(nil), kv...)
	for i := 1; i <= n; i++ {
		pre := "QualificationRequirement." + strconv.Itoa(i) + "."
		out = append(out, pre+"QualificationTypeId", "000000000000000000L0", pre+"Comparator", "GreaterThan", pre+"IntegerValue", strconv.Itoa(i))
	}
	return out
}

func TestCreateHITRoundTrips(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	ctx := context.Background()

	// Legacy CreateHIT (inline type), read back with the SDK.
	r := c.do("CreateHIT", hitParams("RequesterAnnotation", "batch-7",
		"QualificationRequirement.1.QualificationTypeId", "000000000000000000L0",
		"QualificationRequirement.1.Comparator", "GreaterThanOrEqualTo", "QualificationRequirement.1.IntegerValue", "95")...).ok()
	if r.root != "CreateHITResponse" || !strings.Contains(r.body, "<HIT><Request><IsValid>True</IsValid></Request><HITId>") {
		t.Fatalf("shape:\n%s", r.body)
	}
	hitID := r.get("HITId")
	got, err := e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(hitID)})
	if err != nil {
		t.Fatal(err)
	}
	h := got.HIT
	if *h.Title != "Legacy HIT" || *h.Reward != "0.05" || *h.MaxAssignments != 3 || *h.RequesterAnnotation != "batch-7" ||
		*h.AssignmentDurationInSeconds != 600 || *h.HITTypeId != r.get("HITTypeId") || len(h.QualificationRequirements) != 1 ||
		h.QualificationRequirements[0].IntegerValues[0] != 95 || *h.Question != htmlQ {
		t.Fatalf("SDK sees %+v", h)
	}

	// SDK CreateHIT, read back with legacy GetHIT.
	out, err := e.Client.CreateHIT(ctx, &mturk.CreateHITInput{
		Title: aws.String("SDK HIT"), Description: aws.String("d & <more>"), Reward: aws.String("1234.5"),
		AssignmentDurationInSeconds: aws.Int64(300), LifetimeInSeconds: aws.Int64(7200), MaxAssignments: aws.Int32(2), Question: aws.String(htmlQ),
		QualificationRequirements: []types.QualificationRequirement{{QualificationTypeId: aws.String("00000000000000000071"), Comparator: types.ComparatorEqualTo,
			LocaleValues: []types.Locale{{Country: aws.String("US"), Subdivision: aws.String("WA")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := c.do("GetHIT", "HITId", *out.HIT.HITId).ok()
	if !strings.Contains(g.body, "<GetHITResponse><OperationRequest><RequestId>") || !strings.Contains(g.body, "<HIT><Request><IsValid>True</IsValid></Request><HITId>"+*out.HIT.HITId) {
		t.Fatalf("shape:\n%s", g.body)
	}
	for name, want := range map[string]string{
		"Title": "SDK HIT", "Description": "d & <more>", "Amount": "1234.50", "FormattedPrice": "$1,234.50", "MaxAssignments": "2",
		"HITStatus": "Assignable", "HITTypeId": *out.HIT.HITTypeId, "HITGroupId": *out.HIT.HITTypeId, "AssignmentDurationInSeconds": "300",
		"AutoApprovalDelayInSeconds": "2592000", "Question": htmlQ, "Country": "US", "Subdivision": "WA", "Comparator": "EqualTo",
		"HITReviewStatus": "NotReviewed", "NumberOfAssignmentsAvailable": "2", "NumberOfAssignmentsPending": "0",
		"Expiration": out.HIT.Expiration.UTC().Format("2006-01-02T15:04:05Z"), "CreationTime": out.HIT.CreationTime.UTC().Format("2006-01-02T15:04:05Z"),
	} {
		if v := g.get(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}

	// CreateHIT by HITTypeId, and the two forms cannot be mixed.
	typeID := c.do("RegisterHITType", "Title", "T2", "Description", "D2", "Reward.1.Amount", "0.10", "AssignmentDurationInSeconds", "120").ok().get("HITTypeId")
	byType := c.do("CreateHIT", "HITTypeId", typeID, "LifetimeInSeconds", "600", "Question", htmlQ, "UniqueRequestToken", "tok-1").ok()
	if byType.get("HITTypeId") != typeID || byType.get("Amount") != "0.10" || byType.get("MaxAssignments") != "1" {
		t.Fatalf("by type:\n%s", byType.body)
	}
	c.do("CreateHIT", "HITTypeId", typeID, "LifetimeInSeconds", "600", "Question", htmlQ, "UniqueRequestToken", "tok-1").fails("AWS.MechanicalTurk.HitAlreadyExists")
	c.do("CreateHIT", "HITTypeId", typeID, "Title", "x", "LifetimeInSeconds", "600", "Question", htmlQ).fails("AWS.MechanicalTurk.InvalidParameterValue")
	c.do("CreateHIT", "HITTypeId", "NOSUCHTYPE0000000000000000000", "LifetimeInSeconds", "600", "Question", htmlQ).fails("AWS.MechanicalTurk.HITTypeDoesNotExist")
	c.do("CreateHIT", hitParams("Question", "<nope")...).fails("AWS.MechanicalTurk.XMLParseError")

	// A HIT from a layout with HITLayoutParameter.N.
	layout, err := e.Service.CreateLayout(ctx, e.Root.ID, "l", `<p>${word}</p><form><input name="x"></form>`)
	if err != nil {
		t.Fatal(err)
	}
	lr := c.do("CreateHIT", "HITTypeId", typeID, "LifetimeInSeconds", "600", "HITLayoutId", layout.ID,
		"HITLayoutParameter.1.Name", "word", "HITLayoutParameter.1.Value", "hello").ok()
	if lr.get("HITLayoutId") != layout.ID {
		t.Fatalf("layout HIT:\n%s", lr.body)
	}
	c.do("CreateHIT", "HITTypeId", typeID, "LifetimeInSeconds", "600", "HITLayoutId", layout.ID).fails(layoutMissingCode(t, e, layout.ID, typeID))
}

// layoutMissingCode is whatever the Service says about a layout HIT with a
// placeholder unfilled (the legacy edge adds nothing of its own).
func layoutMissingCode(t *testing.T, e *hitdtest.Env, layoutID, typeID string) string {
	_, err := e.Service.CreateHITWithHITType(context.Background(), hitd.Caller{RequesterID: e.Root.ID}, &hitd.CreateHITWithHITTypeInput{HITTypeId: typeID, LifetimeInSeconds: aws.Int64(600), HITLayoutId: layoutID})
	if err == nil {
		t.Fatal("want an error for a missing layout parameter")
	}
	return "AWS.MechanicalTurk." + map[hitd.Code]string{hitd.ErrMissingParameter: "MissingParameters", hitd.ErrInvalidParameter: "InvalidParameterValue"}[hitd.ErrorCode(err)]
}

// work makes workers accept and submit n assignments of a HIT.
func work(t *testing.T, e *hitdtest.Env, hitID string, names ...string) []*hitd.Assignment {
	t.Helper()
	ctx := context.Background()
	var out []*hitd.Assignment
	for _, n := range names {
		w, err := e.Service.CreateWorker(ctx, n, "password-"+n)
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.Service.AcceptHIT(ctx, w.ID, hitID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Service.SubmitAssignment(ctx, w.ID, a.ID, []qform.Field{{Name: "a", Values: []string{"answer-" + n}}}); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestAssignmentsBonusesAndReview(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	hitID := c.do("CreateHIT", hitParams()...).ok().get("HITId")
	as := work(t, e, hitID, "ann", "bob", "cyd")

	r := c.do("GetAssignmentsForHIT", "HITId", hitID, "PageSize", "2").ok()
	if r.get("NumResults") != "2" || r.get("TotalNumResults") != "3" || r.get("PageNumber") != "1" || len(r.all("AssignmentId")) != 2 ||
		r.get("AssignmentStatus") != "Submitted" || !strings.Contains(r.get("Answer"), "answer-") || r.get("SubmitTime") == "" {
		t.Fatalf("page 1:\n%s", r.body)
	}
	r2 := c.do("GetAssignmentsForHIT", "HITId", hitID, "PageSize", "2", "PageNumber", "2").ok()
	if r2.get("NumResults") != "1" || r2.get("TotalNumResults") != "3" {
		t.Fatalf("page 2:\n%s", r2.body)
	}
	c.do("GetAssignmentsForHIT", "HITId", hitID, "PageSize", "101").fails("AWS.MechanicalTurk.ParameterOutOfRange")
	c.do("GetAssignmentsForHIT", "HITId", hitID, "SortProperty", "Colour").fails("AWS.MechanicalTurk.InvalidParameterValue")

	c.do("ApproveAssignment", "AssignmentId", as[0].ID, "RequesterFeedback", "thanks").ok()
	c.do("ApproveAssignment", "AssignmentId", as[0].ID).fails("AWS.MechanicalTurk.InvalidAssignmentState")
	c.do("RejectAssignment", "AssignmentId", as[1].ID).ok()
	c.do("ApproveRejectedAssignment", "AssignmentId", as[1].ID, "RequesterFeedback", "sorry").ok()
	c.do("RejectAssignment", "AssignmentId", as[2].ID, "RequesterFeedback", "no").ok()
	c.do("ApproveAssignment", "AssignmentId", "NOSUCHASSIGNMENT0000000000000").fails("AWS.MechanicalTurk.AssignmentDoesNotExist")

	approved := c.do("GetAssignmentsForHIT", "HITId", hitID, "AssignmentStatus", "Approved").ok()
	if approved.get("TotalNumResults") != "2" {
		t.Fatalf("approved:\n%s", approved.body)
	}
	ga := c.do("GetAssignment", "AssignmentId", as[2].ID).ok()
	if ga.get("AssignmentStatus") != "Rejected" || ga.get("HITId") != hitID || ga.get("RequesterFeedback") != "no" || ga.get("Title") != "Legacy HIT" {
		t.Fatalf("GetAssignment:\n%s", ga.body)
	}

	c.do("GrantBonus", "WorkerId", as[0].WorkerID, "AssignmentId", as[0].ID, "BonusAmount.1.Amount", "1.25", "BonusAmount.1.CurrencyCode", "USD", "Reason", "great").ok()
	c.do("GrantBonus", "WorkerId", as[0].WorkerID, "AssignmentId", as[0].ID, "BonusAmount.1.Amount", "99999", "Reason", "too much").fails("AWS.MechanicalTurk.InsufficientFunds")
	bp := c.do("GetBonusPayments", "HITId", hitID).ok()
	if bp.get("TotalNumResults") != "1" || bp.get("WorkerId") != as[0].WorkerID || bp.get("FormattedPrice") != "$1.25" || bp.get("Reason") != "great" || bp.get("GrantTime") == "" {
		t.Fatalf("bonuses:\n%s", bp.body)
	}
	sdk, err := e.Client.ListBonusPayments(context.Background(), &mturk.ListBonusPaymentsInput{AssignmentId: aws.String(as[0].ID)})
	if err != nil || len(sdk.BonusPayments) != 1 || *sdk.BonusPayments[0].BonusAmount != "1.25" {
		t.Fatalf("SDK bonuses %v %v", sdk, err)
	}

	// Balance: 10000 - 3×0.05 reward - 20% fee... whatever the SDK says.
	bal, err := e.Client.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.do("GetAccountBalance").ok().get("Amount"); got != *bal.AvailableBalance {
		t.Fatalf("legacy balance %s, SDK %s", got, *bal.AvailableBalance)
	}

	// The HIT is now fully worked: Reviewable.
	rv := c.do("GetReviewableHITs").ok()
	if rv.get("TotalNumResults") != "1" || rv.get("HITId") != hitID || rv.get("HITStatus") != "Reviewable" {
		t.Fatalf("reviewable:\n%s", rv.body)
	}
	c.do("SetHITAsReviewing", "HITId", hitID).ok()
	if got := c.do("GetReviewableHITs", "Status", "Reviewing").ok(); got.get("HITId") != hitID {
		t.Fatalf("reviewing:\n%s", got.body)
	}
	c.do("SetHITAsReviewing", "HITId", hitID, "Revert", "true").ok()
	c.do("DisposeHIT", "HITId", hitID).ok()
	if got := c.do("GetHIT", "HITId", hitID).ok(); got.get("HITStatus") != "Disposed" {
		t.Fatalf("GetHIT after DisposeHIT:\n%s", got.body)
	}
}

func TestExtendExpireChangeTypeDisable(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	ctx := context.Background()
	created := c.do("CreateHIT", hitParams("MaxAssignments", "2")...).ok()
	hitID := created.get("HITId")
	exp0, _ := time.Parse(time.RFC3339, created.get("Expiration"))

	c.do("ExtendHIT", "HITId", hitID, "MaxAssignmentsIncrement", "3", "ExpirationIncrementInSeconds", "3600").ok()
	h, err := e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(hitID)})
	if err != nil {
		t.Fatal(err)
	}
	if *h.HIT.MaxAssignments != 5 || h.HIT.Expiration.Sub(exp0) != time.Hour {
		t.Fatalf("after ExtendHIT: max %d, expiration moved %v", *h.HIT.MaxAssignments, h.HIT.Expiration.Sub(exp0))
	}
	c.do("ExtendHIT", "HITId", hitID).fails("AWS.MechanicalTurk.MissingParameters")
	c.do("ExtendHIT", "HITId", hitID, "ExpirationIncrementInSeconds", "59").fails("AWS.MechanicalTurk.ParameterOutOfRange")
	c.do("ExtendHIT", "HITId", hitID, "MaxAssignmentsIncrement", "0").fails("AWS.MechanicalTurk.ParameterOutOfRange")

	c.do("ForceExpireHIT", "HITId", hitID).ok()
	if g := c.do("GetHIT", "HITId", hitID).ok(); g.get("HITStatus") != "Reviewable" {
		t.Fatalf("after ForceExpireHIT:\n%s", g.body)
	}
	// Extending an expired HIT counts from now.
	c.do("ExtendHIT", "HITId", hitID, "ExpirationIncrementInSeconds", "600").ok()
	h, _ = e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(hitID)})
	if d := h.HIT.Expiration.Sub(e.Clock.Now()); d < 599*time.Second || d > 601*time.Second {
		t.Fatalf("expired HIT extended to now+%v", d)
	}
	c.do("ExpireHIT", "HITId", hitID).ok()

	// ChangeHITTypeOfHIT, checked with the SDK.
	newType := c.do("RegisterHITType", "Title", "New type", "Description", "d", "Reward.1.Amount", "0.05", "AssignmentDurationInSeconds", "60").ok().get("HITTypeId")
	c.do("ChangeHITTypeOfHIT", "HITId", hitID, "HITTypeId", newType).ok()
	h, _ = e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(hitID)})
	if *h.HIT.HITTypeId != newType || *h.HIT.Title != "New type" {
		t.Fatalf("type not changed: %s %s", *h.HIT.HITTypeId, *h.HIT.Title)
	}

	// DisableHIT approves submitted work and disposes of the HIT.
	h2 := c.do("CreateHIT", hitParams()...).ok().get("HITId")
	as := work(t, e, h2, "dee")
	c.do("DisableHIT", "HITId", h2).ok()
	if got := c.do("GetHIT", "HITId", h2).ok(); got.get("HITStatus") != "Disposed" {
		t.Fatalf("GetHIT after DisableHIT:\n%s", got.body)
	}
	a, err := e.Service.GetAssignment(ctx, hitd.Caller{RequesterID: e.Root.ID}, &hitd.AssignmentIdInput{AssignmentId: as[0].ID})
	if err == nil && a.Assignment.AssignmentStatus != "Approved" {
		t.Fatalf("DisableHIT left the assignment %s", a.Assignment.AssignmentStatus)
	}
}

func TestSearchHITsPaging(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	var ids []string
	for i, title := range []string{"c", "a", "e", "b", "d"} {
		ids = append(ids, c.do("CreateHIT", hitParams("Title", title, "Reward.1.Amount", []string{"0.05", "0.50", "0.01", "1.00", "0.10"}[i])...).ok().get("HITId"))
		e.Clock.Advance(time.Second)
	}
	r := c.do("SearchHITs", "PageSize", "2", "PageNumber", "2").ok()
	if r.get("NumResults") != "2" || r.get("TotalNumResults") != "5" || r.get("PageNumber") != "2" || strings.Join(r.all("HITId"), ",") != ids[2]+","+ids[3] {
		t.Fatalf("page 2 by creation:\n%s", r.body)
	}
	r = c.do("SearchHITs", "SortProperty", "Title", "SortDirection", "Descending", "PageSize", "3").ok()
	if got := strings.Join(r.all("Title"), ""); got != "edc" {
		t.Fatalf("titles descending %q", got)
	}
	r = c.do("SearchHITs", "SortProperty", "Reward").ok()
	if got := strings.Join(r.all("Amount"), " "); got != "0.01 0.05 0.10 0.50 1.00" {
		t.Fatalf("rewards %q", got)
	}
	if r := c.do("SearchHITs", "PageNumber", "9").ok(); r.get("NumResults") != "0" || r.get("TotalNumResults") != "5" {
		t.Fatalf("past the end:\n%s", r.body)
	}
	c.do("SearchHITs", "PageNumber", "0").fails("AWS.MechanicalTurk.ParameterOutOfRange")
	c.do("SearchHITs", "SortDirection", "Sideways").fails("AWS.MechanicalTurk.InvalidParameterValue")
	// ResponseGroup is accepted (every group's elements are always sent).
	c.do("SearchHITs", "ResponseGroup.1", "Minimal", "ResponseGroup.2", "HITDetail").ok()
}

func TestErrorXML(t *testing.T) {
	e := hitdtest.New(t)
	c := newClient(t, e)
	r := c.do("GetHIT", "HITId", "NOSUCHHIT000000000000000000000").fails("AWS.MechanicalTurk.HITDoesNotExist")
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		"<GetHITResponse><OperationRequest><RequestId>",
		"<HIT><Request><IsValid>False</IsValid><Errors><Error><Code>AWS.MechanicalTurk.HITDoesNotExist</Code><Message>",
		"</Message></Error></Errors></Request></HIT></GetHITResponse>",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("missing %q in\n%s", want, r.body)
		}
	}
	if !regexp.MustCompile(`^Hit .+ \(\d{13}\)$`).MatchString(r.get("Message")) {
		t.Errorf("message %q: want api.ToWire's, stamped with epoch milliseconds", r.get("Message"))
	}
	// Errors before the operation runs are in OperationRequest.
	u := c.do("FrobnicateHIT").fails("AWS.MechanicalTurk.UnknownOperation")
	if !strings.Contains(u.body, "<FrobnicateHITResponse><OperationRequest><RequestId>") || !strings.Contains(u.body, "</Errors></OperationRequest></FrobnicateHITResponse>") {
		t.Fatalf("unknown op:\n%s", u.body)
	}
	c.do("GetHIT").fails("AWS.MechanicalTurk.MissingParameters")
	c.do("SearchHITs", "PageSize", "ten").fails("AWS.MechanicalTurk.InvalidParameterValue")
	c.do("GetAccountBalance", "Service", "AWSMechanicalTurkWorker").fails("AWS.MechanicalTurk.InvalidParameterValue")
	c.do("CreateHIT", hitParams("QualificationRequirement.x.Comparator", "Exists")...).fails("AWS.MechanicalTurk.InvalidParameterValue")

	// A non-name Operation still gets well-formed XML.
	res, err := http.Post(e.URL+"/onca/xml", "application/x-www-form-urlencoded", strings.NewReader("Operation=%3Cx%3E&AWSAccessKeyId=a&Timestamp=t&Signature=s"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response><OperationRequest>") || res.StatusCode != 200 {
		t.Fatalf("%d\n%s", res.StatusCode, b)
	}
	// Repeated parameters are refused.
	res, _ = http.Post(e.URL+"/onca/xml?Operation=GetHIT", "application/x-www-form-urlencoded", strings.NewReader("Operation=GetAccountBalance"))
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "given more than once") {
		t.Fatalf("duplicate:\n%s", b)
	}
	// Other methods.
	req, _ := http.NewRequest("PUT", e.URL+"/onca/xml", nil)
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("PUT = %d", res.StatusCode)
	}
}
