package api

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

func TestKebab(t *testing.T) {
	for name, want := range map[string]string{
		"CreateHITWithHITType":              "create-hit-with-hit-type",
		"ListHITs":                          "list-hits",
		"ListHITsForQualificationType":      "list-hits-for-qualification-type",
		"UpdateHITTypeOfHIT":                "update-hit-type-of-hit",
		"GetFileUploadURL":                  "get-file-upload-url",
		"GetAccountBalance":                 "get-account-balance",
		"CreateAdditionalAssignmentsForHIT": "create-additional-assignments-for-hit",
		"ListReviewableHITs":                "list-reviewable-hits",
	} {
		if got := Kebab(name); got != want {
			t.Errorf("Kebab(%s) = %s, want %s", name, got, want)
		}
	}
}

// botocoreModel loads the 2017-01-17 service model that ships with the
// machine's botocore, or skips.
func botocoreModel(t *testing.T) map[string]any {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Skip("python3 with botocore is not available; cannot compare with the service model")
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(out)), "data", "mturk", "2017-01-17", "service-2.json.gz"))
	if err != nil {
		t.Skipf("botocore has no MTurk model: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTableCoversTheModel(t *testing.T) {
	m := botocoreModel(t)
	var model []string
	for name := range m["operations"].(map[string]any) {
		model = append(model, name)
	}
	slices.Sort(model)
	var table []string
	paths := map[string]bool{}
	for _, o := range NewTable().All() {
		table = append(table, o.Name)
		if paths[o.Path] {
			t.Errorf("duplicate path %s", o.Path)
		}
		paths[o.Path] = true
	}
	if !slices.Equal(model, table) {
		t.Errorf("table operations %v\nmodel operations %v", table, model)
	}
	if len(table) != 39 {
		t.Errorf("%d operations, want 39", len(table))
	}
}

func TestTimestampMembersMatchModel(t *testing.T) {
	m := botocoreModel(t)
	shapes := m["shapes"].(map[string]any)
	kinds := map[string]map[string]bool{} // member name → shape types it has
	for _, s := range shapes {
		members, _ := s.(map[string]any)["members"].(map[string]any)
		for name, mem := range members {
			typ := shapes[mem.(map[string]any)["shape"].(string)].(map[string]any)["type"].(string)
			if kinds[name] == nil {
				kinds[name] = map[string]bool{}
			}
			kinds[name][typ] = true
		}
	}
	var want []string
	for name, k := range kinds {
		if k["timestamp"] {
			want = append(want, name)
			if len(k) > 1 {
				t.Errorf("member %s is a timestamp in one shape and %v in another; conversion by name is unsafe", name, k)
			}
		}
	}
	slices.Sort(want)
	got := TimestampMembers()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("timestamp members %v, model has %v", got, want)
	}
}

func TestEncodeOutputTimestamps(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 250_000_000, time.UTC)
	out := struct {
		HIT struct {
			CreationTime time.Time `json:"CreationTime"`
			Title        string    `json:"Title"`
		} `json:"HIT"`
	}{}
	out.HIT.CreationTime, out.HIT.Title = at, "<b>&</b>"
	b, err := EncodeOutput(out, EpochSeconds)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"HIT":{"CreationTime":1795435200.25,"Title":"<b>&</b>"}}` {
		t.Errorf("epoch encoding: %s", b)
	}
	b, _ = EncodeOutput(out, ISO8601)
	if !strings.Contains(string(b), `"CreationTime":"2026-11-23T12:00:00.25Z"`) {
		t.Errorf("ISO encoding: %s", b)
	}
}

func TestDecodeInputTimestamps(t *testing.T) {
	type in struct {
		ExpireAt *time.Time `json:"ExpireAt"`
	}
	want := time.Date(2026, 11, 23, 12, 0, 0, 500_000_000, time.UTC)
	for _, body := range []string{`{"ExpireAt":1795435200.5}`, `{"ExpireAt":"2026-11-23T12:00:00.5Z"}`, `{"ExpireAt":"2026-11-23T13:00:00.5+01:00"}`, `{"ExpireAt":"1795435200.5"}`} {
		var v in
		if err := DecodeInput([]byte(body), &v); err != nil || v.ExpireAt == nil || !v.ExpireAt.Equal(want) {
			t.Errorf("%s → %v, %v", body, v.ExpireAt, err)
		}
	}
	for _, body := range []string{`{"ExpireAt":true}`, `{"ExpireAt":-5}`, `{"ExpireAt":"soon"}`, `{"ExpireAt":1e300}`} {
		var v in
		err := DecodeInput([]byte(body), &v)
		var de *hitd.Error
		if !errors.As(err, &de) || de.Code != hitd.ErrInvalidParameter {
			t.Errorf("%s → %v, want InvalidParameterValue", body, err)
		}
	}
}

func TestToWire(t *testing.T) {
	now := time.UnixMilli(1619128282649)
	w := ToWire(hitd.Errorf(hitd.ErrHITNotFound, "Hit X does not exist."), now)
	if w.Type != "RequestError" || w.Message != "Hit X does not exist. (1619128282649)" || w.TurkErrorCode != "AWS.MechanicalTurk.HITDoesNotExist" || w.RESTStatus() != 404 || w.JSONStatus() != 400 {
		t.Errorf("not found: %+v", w)
	}
	w = ToWire(errors.New("disk on fire"), now)
	if w.Type != "ServiceFault" || strings.Contains(w.Message, "disk") || w.JSONStatus() != 500 || w.RESTStatus() != 500 {
		t.Errorf("internal: %+v", w)
	}
	for code := range wireCodes {
		if w := ToWire(hitd.Errorf(code, "m"), now); !strings.HasPrefix(w.TurkErrorCode, "AWS.") {
			t.Errorf("%s → %q", code, w.TurkErrorCode)
		}
	}
}

// FuzzDecodeInput: any body decodes to an input or a RequestError; never a
// panic, never another kind of error.
func FuzzDecodeInput(f *testing.F) {
	for _, s := range []string{`{}`, ``, `{"HITTypeId":"X","LifetimeInSeconds":60,"MaxAssignments":3,"Question":"<a/>"}`,
		`{"ExpireAt":1795435200.5,"HITId":"A"}`, `{"ExpireAt":"2026-11-23T12:00:00Z"}`, `{"QualificationRequirements":[{"Comparator":"In","IntegerValues":[1,2]}]}`,
		`[`, `{"Reward":5}`, `{"CreationTime":{"ExpireAt":1}}`, `null`, `{"MaxResults":1e99}`} {
		f.Add([]byte(s))
	}
	table := NewTable()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, o := range table.All() {
			if !o.Implemented() {
				continue
			}
			in, err := o.Decode(body)
			var de *hitd.Error
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("%s: %q → non-domain error %v", o.Name, body, err)
			}
			if err == nil && in == nil {
				t.Fatalf("%s: no input and no error", o.Name)
			}
		}
	})
}

// TestEpochTimestampsMatchesTreeRewrite checks the byte-level rewrite of
// output timestamps against decoding the whole document, converting by
// member name and encoding it again, on output with timestamps in nested
// objects and arrays, nulls, and strings that look like timestamp members.
func TestEpochTimestampsMatchesTreeRewrite(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 250_000_000, time.UTC)
	type asg struct {
		AssignmentId string     `json:"AssignmentId"`
		AcceptTime   time.Time  `json:"AcceptTime"`
		SubmitTime   *time.Time `json:"SubmitTime"`
		ApprovalTime *time.Time `json:"ApprovalTime,omitempty"`
		Answer       string     `json:"Answer"`
	}
	out := struct {
		Assignments []asg     `json:"Assignments"`
		Deadline    time.Time `json:"Deadline"`
		Note        string    `json:"Note"`
	}{
		Assignments: []asg{
			{AssignmentId: "A1", AcceptTime: at, SubmitTime: new(at.Add(1500 * time.Millisecond)), Answer: `{"CreationTime":"x"} "Deadline":"2026-01-01T00:00:00Z"`},
			{AssignmentId: "A2", AcceptTime: at.Add(-time.Hour), ApprovalTime: new(at.Add(time.Second)), Answer: `\":\"CreationTime\":\"`},
		},
		Deadline: at.Add(2 * time.Second),
		Note:     `"SubmitTime":"not a time"`,
	}
	b, err := EncodeOutput(out, ISO8601)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := epochTimestamps(b)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := rewriteTimestamps(b, toEpoch)
	if err != nil {
		t.Fatal(err)
	}
	var x, y any
	if err := json.Unmarshal(fast, &x); err != nil {
		t.Fatalf("rewritten output is not JSON: %v\n%s", err, fast)
	}
	if err := json.Unmarshal(tree, &y); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(x, y) {
		t.Errorf("byte rewrite:\n%s\ntree rewrite:\n%s", fast, tree)
	}
	if !strings.Contains(string(fast), `"AcceptTime":1795435200.25`) || !strings.Contains(string(fast), `"SubmitTime":null`) {
		t.Errorf("rewritten: %s", fast)
	}
}

func TestTimestampSuffixesCoverEveryMember(t *testing.T) {
	for _, name := range TimestampMembers() {
		key := []byte(`"` + name + `"`)
		if !hasTimestampMember(key) {
			t.Errorf("%s: not found by hasTimestampMember", name)
		}
	}
}
