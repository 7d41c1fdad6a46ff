package server_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
)

const layoutHTML = `<!DOCTYPE html><html><body>
<img src="${image_url}" alt="${label}">
<p>Is this a ${label}?</p>
<script>var n = 1; var s = ${ "not a placeholder" }; // ]]> in the template too
</script>
<form action="https://www.mturk.com/mturk/externalSubmit" method="post"><input name="answer"></form>
</body></html>`

// layoutParams builds HITLayoutParameters from name, value pairs.
func layoutParams(kv ...string) []types.HITLayoutParameter {
	var ps []types.HITLayoutParameter
	for i := 0; i < len(kv); i += 2 {
		ps = append(ps, types.HITLayoutParameter{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return ps
}

// layoutHITInput is createHITInput with a layout instead of a Question.
func layoutHITInput(layoutID string, params ...string) *mturk.CreateHITInput {
	in := createHITInput()
	in.Question = nil
	in.HITLayoutId = aws.String(layoutID)
	in.HITLayoutParameters = layoutParams(params...)
	return in
}

// renderedContent parses a HIT's Question as an HTMLQuestion and returns
// its HTMLContent.
func renderedContent(t *testing.T, q string) string {
	t.Helper()
	pq, err := hitd.ParseQuestion(q, hitd.QuestionPolicy{})
	if err != nil || pq.Kind != hitd.QuestionHTML {
		t.Fatalf("Question %q: %v (kind %s)", q, err, pq.Kind)
	}
	return pq.HTMLContent
}

func TestCreateHITWithLayout(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	l, err := env.Service.CreateLayout(ctx, hitdtest.RootAccessKeyID, "pictures", layoutHTML)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ID) != 30 || strings.Trim(l.ID, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		t.Errorf("layout ID %q is not 30 upper-case alphanumerics", l.ID)
	}
	if got := l.Placeholders(); strings.Join(got, ",") != "image_url,label" {
		t.Errorf("placeholders %q", got)
	}

	out, err := env.Client.CreateHIT(ctx, layoutHITInput(l.ID, "image_url", "https://img.example.com/1.png?a=1&b=2", "label", "cat"))
	if err != nil {
		t.Fatal(err)
	}
	wantHTML := strings.NewReplacer("${image_url}", "https://img.example.com/1.png?a=1&amp;b=2", "${label}", "cat").Replace(layoutHTML)
	wantQ := `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[` +
		strings.ReplaceAll(wantHTML, "]]>", "]]]]><![CDATA[>") + `]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>`
	if aws.ToString(out.HIT.HITLayoutId) != l.ID || aws.ToString(out.HIT.Question) != wantQ {
		t.Errorf("CreateHIT: layout %q question\n%s\nwant\n%s", aws.ToString(out.HIT.HITLayoutId), aws.ToString(out.HIT.Question), wantQ)
	}
	got, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: out.HIT.HITId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.HIT.HITLayoutId) != l.ID || aws.ToString(got.HIT.Question) != wantQ || renderedContent(t, aws.ToString(got.HIT.Question)) != wantHTML {
		t.Errorf("GetHIT: layout %q question %q", aws.ToString(got.HIT.HITLayoutId), aws.ToString(got.HIT.Question))
	}
	list, err := env.Client.ListHITs(ctx, &mturk.ListHITsInput{})
	if err != nil || len(list.HITs) != 1 || aws.ToString(list.HITs[0].HITLayoutId) != l.ID || aws.ToString(list.HITs[0].Question) != wantQ {
		t.Errorf("ListHITs: %+v %v", list, err)
	}
	// The HIT keeps its layout and parameters.
	err = env.Store.Read(ctx, func(tx hitd.Tx) error {
		h, err := tx.HIT(ctx, aws.ToString(out.HIT.HITId))
		if err != nil {
			return err
		}
		if h.LayoutID != l.ID || len(h.LayoutParameters) != 2 || h.LayoutParameters[1] != (hitd.HITLayoutParameter{Name: "label", Value: "cat"}) {
			t.Errorf("stored HIT: layout %q parameters %+v", h.LayoutID, h.LayoutParameters)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// CreateHITWithHITType takes a layout too.
	typ, err := env.Client.CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("Label"), Description: aws.String("d"),
		Reward: aws.String("0.10"), AssignmentDurationInSeconds: aws.Int64(600)})
	if err != nil {
		t.Fatal(err)
	}
	withType, err := env.Client.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: typ.HITTypeId, LifetimeInSeconds: aws.Int64(3600),
		HITLayoutId: aws.String(l.ID), HITLayoutParameters: layoutParams("label", "dog", "image_url", "https://img.example.com/2.png")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(withType.HIT.HITLayoutId) != l.ID || aws.ToString(withType.HIT.HITTypeId) != aws.ToString(typ.HITTypeId) ||
		!strings.Contains(renderedContent(t, aws.ToString(withType.HIT.Question)), `<p>Is this a dog?</p>`) {
		t.Errorf("CreateHITWithHITType: %+v", withType.HIT)
	}
	_, err = env.Client.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: typ.HITTypeId, LifetimeInSeconds: aws.Int64(3600),
		HITLayoutId: aws.String(l.ID), HITLayoutParameters: layoutParams("label", "dog")})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", `no value for "image_url"`)
}

func TestLayoutValuesAreEscaped(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	l, err := env.Service.CreateLayout(ctx, hitdtest.RootAccessKeyID, "hostile", `<div title="${a}">${b}</div><p>${other}</p>`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Client.CreateHIT(ctx, layoutHITInput(l.ID,
		"a", `"><img src=x onerror=alert(1)>`,
		"b", `<script>alert(document.cookie)</script>]]><![CDATA[<b>`,
		"other", `${a} and ${b}`))
	if err != nil {
		t.Fatal(err)
	}
	got := renderedContent(t, aws.ToString(out.HIT.Question))
	want := `<div title="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;script&gt;alert(document.cookie)&lt;/script&gt;]]&gt;&lt;![CDATA[&lt;b&gt;</div><p>${a} and ${b}</p>`
	if got != want {
		t.Errorf("rendered\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{"<script", "<img", "]]>"} {
		if strings.Contains(got, bad) {
			t.Errorf("rendered HTML contains %q", bad)
		}
	}
	// A value ending in "]]" before template text ">" makes "]]>" only in
	// the rendered HTML; the CDATA section is split and the HTML survives.
	l2, err := env.Service.CreateLayout(ctx, hitdtest.RootAccessKeyID, "brackets", `<p>${x}>]]></p>`)
	if err != nil {
		t.Fatal(err)
	}
	out, err = env.Client.CreateHIT(ctx, layoutHITInput(l2.ID, "x", "a[b[0]]"))
	if err != nil {
		t.Fatal(err)
	}
	if got := renderedContent(t, aws.ToString(out.HIT.Question)); got != `<p>a[b[0]]>]]></p>` {
		t.Errorf("rendered %q", got)
	}
}

func TestLayoutErrors(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	l, err := env.Service.CreateLayout(ctx, hitdtest.RootAccessKeyID, "pictures", layoutHTML)
	if err != nil {
		t.Fatal(err)
	}
	other, otherClient := env.NewRequester("other lab")
	theirs, err := env.Service.CreateLayout(ctx, other.AccessKeyID, "theirs", "<p>${label}</p>")
	if err != nil {
		t.Fatal(err)
	}
	gone, err := env.Service.CreateLayout(ctx, other.ID, "gone", "<p>${label}</p>") // by requester ID
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Service.DeleteLayout(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	tooBig := strings.Repeat("x", hitd.MaxQuestionBytes)
	// A value just under the limit once escaped ("&" becomes "&amp;") is too big.
	escapedTooBig := strings.Repeat("&", hitd.MaxQuestionBytes/5)

	balance := func(c *mturk.Client) string {
		b, err := c.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(b.AvailableBalance)
	}
	before := balance(env.Client)
	for _, tc := range []struct {
		name   string
		client *mturk.Client
		in     *mturk.CreateHITInput
		code   string
		msg    []string
	}{
		{"missing", env.Client, layoutHITInput(l.ID, "label", "cat"), "AWS.MechanicalTurk.InvalidParameterValue", []string{`no value for "image_url"`, l.ID}},
		{"none at all", env.Client, layoutHITInput(l.ID), "AWS.MechanicalTurk.InvalidParameterValue", []string{`no value for "image_url", "label"`}},
		{"unknown", env.Client, layoutHITInput(l.ID, "label", "cat", "image_url", "u", "colour", "red"), "AWS.MechanicalTurk.InvalidParameterValue", []string{`unknown "colour"`}},
		{"duplicate", env.Client, layoutHITInput(l.ID, "label", "cat", "image_url", "u", "label", "dog"), "AWS.MechanicalTurk.InvalidParameterValue", []string{`more than one value for "label"`}},
		{"names are case-sensitive", env.Client, layoutHITInput(l.ID, "Label", "cat", "image_url", "u"), "AWS.MechanicalTurk.InvalidParameterValue", []string{`no value for "label"`, `unknown "Label"`}},
		{"control character", env.Client, layoutHITInput(l.ID, "label", "a\x01", "image_url", "u"), "AWS.MechanicalTurk.InvalidParameterValue", []string{`"label"`, "U+0001"}},
		{"another requester's layout", env.Client, layoutHITInput(theirs.ID, "label", "cat"), "AWS.MechanicalTurk.HITLayoutDoesNotExist", []string{theirs.ID}},
		{"deleted layout", otherClient, layoutHITInput(gone.ID, "label", "cat"), "AWS.MechanicalTurk.HITLayoutDoesNotExist", []string{gone.ID}},
		{"unknown layout", env.Client, layoutHITInput("3NOSUCHLAYOUT00000000000000000", "label", "cat"), "AWS.MechanicalTurk.HITLayoutDoesNotExist", []string{"3NOSUCHLAYOUT"}},
		{"too large", env.Client, layoutHITInput(l.ID, "label", tooBig, "image_url", "u"), "AWS.MechanicalTurk.ParameterOutOfRange", []string{"65535", l.ID}},
		{"too large once escaped", env.Client, layoutHITInput(l.ID, "label", escapedTooBig, "image_url", "u"), "AWS.MechanicalTurk.ParameterOutOfRange", []string{"65535"}},
		{"parameters without a layout", env.Client, func() *mturk.CreateHITInput {
			in := createHITInput()
			in.HITLayoutParameters = layoutParams("label", "cat")
			return in
		}(), "AWS.MechanicalTurk.InvalidParameterValue", []string{"HITLayoutParameters can only be used with a HITLayoutId"}},
		{"layout and question", env.Client, func() *mturk.CreateHITInput {
			in := layoutHITInput(l.ID, "label", "cat", "image_url", "u")
			in.Question = aws.String(htmlQ)
			return in
		}(), "AWS.MechanicalTurk.InvalidParameterValue", []string{"not both"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.CreateHIT(ctx, tc.in)
			wantTurk(t, err, tc.code, tc.msg[0])
			for _, m := range tc.msg[1:] {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
	if n := countHITs(t, env.Client) + countHITs(t, otherClient); n != 0 {
		t.Errorf("failed creates left %d HITs", n)
	}
	if after := balance(env.Client); after != before {
		t.Errorf("balance %s after failed creates, was %s", after, before)
	}
	// The other requester can use its own layout.
	if _, err := otherClient.CreateHIT(ctx, layoutHITInput(theirs.ID, "label", "cat")); err != nil {
		t.Errorf("owner's CreateHIT: %v", err)
	}
}

func TestDeletedLayoutKeepsExistingHITs(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	l, err := env.Service.CreateLayout(ctx, hitdtest.RootAccessKeyID, "pictures", "<p>${label}</p>")
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Client.CreateHIT(ctx, layoutHITInput(l.ID, "label", "cat"))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Service.DeleteLayout(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = env.Client.CreateHIT(ctx, layoutHITInput(l.ID, "label", "dog"))
	wantTurk(t, err, "AWS.MechanicalTurk.HITLayoutDoesNotExist", l.ID)
	got, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: out.HIT.HITId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.HIT.HITLayoutId) != l.ID || renderedContent(t, aws.ToString(got.HIT.Question)) != "<p>cat</p>" {
		t.Errorf("HIT after its layout was deleted: %q %q", aws.ToString(got.HIT.HITLayoutId), aws.ToString(got.HIT.Question))
	}
	if _, err := env.Service.GetLayout(ctx, l.ID); hitd.ErrorCode(err) != hitd.ErrLayoutNotFound {
		t.Errorf("GetLayout of a deleted layout: %v", err)
	}
	if err := env.Service.DeleteLayout(ctx, l.ID); hitd.ErrorCode(err) != hitd.ErrLayoutNotFound {
		t.Errorf("deleting twice: %v", err)
	}
	if ls, err := env.Service.ListLayouts(ctx, hitdtest.RootAccessKeyID); err != nil || len(ls) != 0 {
		t.Errorf("ListLayouts after delete: %v %v", ls, err)
	}
}

// TestLayoutDeleteRacesCreate deletes a layout while HITs are being made
// from it: every create either succeeds before the delete or fails with
// HITLayoutDoesNotExist, and none succeeds after the delete returned.
func TestLayoutDeleteRacesCreate(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	l, err := env.Service.CreateLayout(ctx, hitdtest.RootAccessKeyID, "race", "<p>${label}</p>")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, refused := 0, 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.Client.CreateHIT(ctx, layoutHITInput(l.ID, "label", "x"))
			mu.Lock()
			defer mu.Unlock()
			var re *types.RequestError
			switch {
			case err == nil:
				created++
			case errors.As(err, &re) && aws.ToString(re.TurkErrorCode) == "AWS.MechanicalTurk.HITLayoutDoesNotExist":
				refused++
			default:
				t.Errorf("CreateHIT: %v", err)
			}
		}()
	}
	if err := env.Service.DeleteLayout(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = env.Client.CreateHIT(ctx, layoutHITInput(l.ID, "label", "x"))
	wantTurk(t, err, "AWS.MechanicalTurk.HITLayoutDoesNotExist", l.ID)
	wg.Wait()
	if created+refused != 20 || countHITs(t, env.Client) != created {
		t.Errorf("created %d, refused %d, listed %d", created, refused, countHITs(t, env.Client))
	}
}

func TestCreateLayoutValidation(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, requester, layoutName, html string
		code                              hitd.Code
	}{
		{"no name", hitdtest.RootAccessKeyID, "", "<p>${a}</p>", hitd.ErrMissingParameter},
		{"long name", hitdtest.RootAccessKeyID, strings.Repeat("n", 256), "<p>${a}</p>", hitd.ErrOutOfRange},
		{"empty HTML", hitdtest.RootAccessKeyID, "n", "  ", hitd.ErrMissingParameter},
		{"control character", hitdtest.RootAccessKeyID, "n", "<p>\x02</p>", hitd.ErrInvalidParameter},
		{"too large", hitdtest.RootAccessKeyID, "n", strings.Repeat("x", hitd.MaxQuestionBytes), hitd.ErrOutOfRange},
		{"unknown requester", "HITDNOSUCHKEY", "n", "<p>${a}</p>", hitd.ErrNotAuthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := env.Service.CreateLayout(ctx, tc.requester, tc.layoutName, tc.html); hitd.ErrorCode(err) != tc.code {
				t.Errorf("CreateLayout: %v, want %s", err, tc.code)
			}
		})
	}
	if ls, err := env.Service.ListLayouts(ctx, hitdtest.RootAccessKeyID); err != nil || len(ls) != 0 {
		t.Errorf("failed creates left layouts: %v %v", ls, err)
	}
}
