package qform

import (
	"maps"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// goodSurvey is a valid submission of surveyForm.
func goodSurvey() url.Values {
	return url.Values{
		"age":           {"42"},
		"review":        {"Really good"},
		"rating":        {"good"},
		"colors":        {"blue", "red"},
		"country":       {"jp"},
		"country.other": {""},
		"assignmentId":  {"ignored"},
	}
}

func ptr(s string) *string { return &s }

func TestValidateGood(t *testing.T) {
	f := mustParse(t, surveyForm)
	answers, errs := f.Validate(goodSurvey())
	if errs != nil {
		t.Fatalf("errs = %v", errs)
	}
	want := []Answer{
		{QuestionIdentifier: "age", FreeText: ptr("42")},
		{QuestionIdentifier: "review", FreeText: ptr("Really good")},
		{QuestionIdentifier: "rating", SelectionIdentifiers: []string{"good"}},
		{QuestionIdentifier: "colors", SelectionIdentifiers: []string{"red", "blue"}}, // form order
		{QuestionIdentifier: "country", SelectionIdentifiers: []string{"jp"}},
	}
	if !reflect.DeepEqual(answers, want) {
		t.Errorf("answers =\n%s\nwant\n%s", dump(answers), dump(want))
	}
}

func dump(as []Answer) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.QuestionIdentifier + ":")
		if a.FreeText != nil {
			b.WriteString(" FreeText=" + *a.FreeText)
		}
		if a.SelectionIdentifiers != nil {
			b.WriteString(" Sel=" + strings.Join(a.SelectionIdentifiers, ","))
		}
		if a.OtherSelectionText != nil {
			b.WriteString(" Other=" + *a.OtherSelectionText)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestValidateVariants(t *testing.T) {
	f := mustParse(t, surveyForm)
	tests := []struct {
		name   string
		change map[string][]string // fields to set (nil slice: delete)
		errs   FieldErrors         // nil: valid
		check  func(t *testing.T, as []Answer)
	}{
		{name: "numeric with spaces and sign", change: map[string][]string{"age": {" +18 "}}},
		{name: "required missing", change: map[string][]string{"age": nil}, errs: FieldErrors{"age": "This question is required."}},
		{name: "required blank", change: map[string][]string{"age": {"  \t"}}, errs: FieldErrors{"age": "This question is required."}},
		{name: "not a number", change: map[string][]string{"age": {"42.5"}}, errs: FieldErrors{"age": "Enter a whole number from 18 to 120."}},
		{name: "below minValue", change: map[string][]string{"age": {"17"}}, errs: FieldErrors{"age": "Enter a whole number from 18 to 120."}},
		{name: "above maxValue", change: map[string][]string{"age": {"121"}}, errs: FieldErrors{"age": "Enter a whole number from 18 to 120."}},
		{name: "huge number", change: map[string][]string{"age": {"99999999999999999999999"}}, errs: FieldErrors{"age": "Enter a whole number from 18 to 120."}},
		{name: "too short", change: map[string][]string{"review": {"good"}}, errs: FieldErrors{"review": "Enter at least 5 characters (you entered 4)."}},
		{name: "too long", change: map[string][]string{"review": {strings.Repeat("a", 21)}}, errs: FieldErrors{"review": "Enter at most 20 characters (you entered 21)."}},
		{name: "length counts runes", change: map[string][]string{"review": {strings.Repeat("é", 20)}}, errs: FieldErrors{"review": "Letters and spaces only."}},
		{name: "regex errorText", change: map[string][]string{"review": {"good 4 you"}}, errs: FieldErrors{"review": "Letters and spaces only."}},
		{name: "regex flag i", change: map[string][]string{"review": {"GOOD STUFF"}}},
		{name: "optional blank skips constraints", change: map[string][]string{"review": {""}}, check: func(t *testing.T, as []Answer) {
			if *as[1].FreeText != "" {
				t.Errorf("review = %q", *as[1].FreeText)
			}
		}},
		{name: "radio required", change: map[string][]string{"rating": nil}, errs: FieldErrors{"rating": "This question is required; choose an option."}},
		{name: "radio two values", change: map[string][]string{"rating": {"good", "bad"}}, errs: FieldErrors{"rating": "Choose at most 1 option (you chose 2)."}},
		{name: "radio duplicate value counts once", change: map[string][]string{"rating": {"bad", "bad"}}},
		{name: "unknown selection", change: map[string][]string{"rating": {"meh"}}, errs: FieldErrors{"rating": `"meh" is not one of the choices.`}},
		{name: "checkbox below min", change: map[string][]string{"colors": {"red"}}, errs: FieldErrors{"colors": "Choose at least 2 options (you chose 1)."}},
		{name: "checkbox none with explicit min", change: map[string][]string{"colors": nil}, errs: FieldErrors{"colors": "Choose at least 2 options."}},
		{name: "checkbox above max", change: map[string][]string{"colors": {"red", "green", "blue", "black"}}, errs: FieldErrors{"colors": "Choose at most 3 options (you chose 4)."}},
		{name: "optional list unanswered", change: map[string][]string{"country": {""}}, check: func(t *testing.T, as []Answer) {
			if a := as[4]; a.QuestionIdentifier != "country" || a.SelectionIdentifiers != nil || a.OtherSelectionText != nil || a.FreeText != nil {
				t.Errorf("country = %+v", a)
			}
		}},
		{name: "other chosen", change: map[string][]string{"country": {"__other__"}, "country.other": {"Peru"}}, check: func(t *testing.T, as []Answer) {
			if a := as[4]; a.SelectionIdentifiers != nil || a.OtherSelectionText == nil || *a.OtherSelectionText != "Peru" {
				t.Errorf("country = %s", dump(as[4:5]))
			}
		}},
		{name: "other text alone chooses other", change: map[string][]string{"country": {""}, "country.other": {"Peru"}}, check: func(t *testing.T, as []Answer) {
			if a := as[4]; a.OtherSelectionText == nil || *a.OtherSelectionText != "Peru" {
				t.Errorf("country = %s", dump(as[4:5]))
			}
		}},
		{name: "other without text", change: map[string][]string{"country": {"__other__"}}, errs: FieldErrors{"country": "You chose “Other”; type your answer in its box."}},
		{name: "other plus selection", change: map[string][]string{"country.other": {"Peru"}}, errs: FieldErrors{"country": "Choose at most 1 option (you chose 2, counting your “Other” answer)."}},
		{name: "other constraint", change: map[string][]string{"country": {"__other__"}, "country.other": {"Saint Vincent"}}, errs: FieldErrors{"country": "“Other”: Enter at most 10 characters (you entered 13)."}},
		{name: "every bad field at once", change: map[string][]string{"age": {"x"}, "review": {"1"}, "rating": nil, "colors": {"red"}},
			errs: FieldErrors{
				"age":    "Enter a whole number from 18 to 120.",
				"review": "Enter at least 5 characters (you entered 1).",
				"rating": "This question is required; choose an option.",
				"colors": "Choose at least 2 options (you chose 1).",
			}},
		{name: "invalid utf-8 is replaced", change: map[string][]string{"review": {"ok ok \xff"}}, errs: FieldErrors{"review": "Letters and spaces only."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := goodSurvey()
			for k, v := range tt.change {
				if v == nil {
					delete(values, k)
				} else {
					values[k] = v
				}
			}
			as, errs := f.Validate(values)
			if !maps.Equal(errs, tt.errs) {
				t.Fatalf("errs = %#v\nwant %#v", errs, tt.errs)
			}
			if tt.errs != nil {
				if as != nil {
					t.Errorf("answers = %v, want nil with errors", as)
				}
				return
			}
			if len(as) != 5 {
				t.Fatalf("got %d answers:\n%s", len(as), dump(as))
			}
			if tt.check != nil {
				tt.check(t, as)
			}
		})
	}
}

func TestValidateFileUpload(t *testing.T) {
	doc := form(`<Question><QuestionIdentifier>f</QuestionIdentifier><IsRequired>true</IsRequired><QuestionContent><Text>t</Text></QuestionContent>
<AnswerSpecification><FileUploadAnswer><MaxFileSizeInBytes>10</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification></Question>`)
	f := mustParse(t, doc)
	_, errs := f.Validate(nil)
	if !strings.Contains(errs["f"], "File upload is not supported") {
		t.Errorf("errs = %v", errs)
	}
	f = mustParse(t, strings.Replace(doc, "<IsRequired>true</IsRequired>", "", 1))
	as, errs := f.Validate(nil)
	if errs != nil || len(as) != 0 {
		t.Errorf("optional upload: answers %v, errs %v", as, errs)
	}
}

func TestValidateNumericBounds(t *testing.T) {
	tests := []struct {
		constraint, value, want string
	}{
		{`<IsNumeric/>`, "-99999999999999999999999", ""},
		{`<IsNumeric/>`, "1e3", "Enter a whole number."},
		{`<IsNumeric minValue="0"/>`, "-99999999999999999999999", "Enter a whole number of at least 0."},
		{`<IsNumeric maxValue="0"/>`, "99999999999999999999999", "Enter a whole number of at most 0."},
		{`<IsNumeric maxValue="0"/>`, "-5", ""},
		{`<IsNumeric minValue="-3" maxValue="-1"/>`, "-2", ""},
	}
	for _, tt := range tests {
		f := mustParse(t, form(freeTextQuestion("n", "<Constraints>"+tt.constraint+"</Constraints>")))
		_, errs := f.Validate(url.Values{"n": {tt.value}})
		if errs["n"] != tt.want {
			t.Errorf("%s with %q: error %q, want %q", tt.constraint, tt.value, errs["n"], tt.want)
		}
	}
}

func TestValidateDefaultSelectionCounts(t *testing.T) {
	// No MinSelectionCount, not required: leaving it blank is fine; a
	// multi-select with MaxSelectionCount 2 accepts one or two choices.
	f := mustParse(t, form(`<Question><QuestionIdentifier>s</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><MaxSelectionCount>2</MaxSelectionCount><Selections>
<Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection>
<Selection><SelectionIdentifier>b</SelectionIdentifier><Text>B</Text></Selection>
<Selection><SelectionIdentifier>c</SelectionIdentifier><Text>C</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>`))
	for _, vs := range [][]string{nil, {"a"}, {"c", "a"}} {
		if _, errs := f.Validate(url.Values{"s": vs}); errs != nil {
			t.Errorf("%v: %v", vs, errs)
		}
	}
	if _, errs := f.Validate(url.Values{"s": {"a", "b", "c"}}); errs["s"] == "" {
		t.Errorf("three choices accepted")
	}
}

func TestFieldErrorsError(t *testing.T) {
	e := FieldErrors{"b": "bad.", "a": "worse."}
	if got := e.Error(); got != `invalid answer: "a": worse.; "b": bad.` {
		t.Errorf("Error() = %q", got)
	}
}
