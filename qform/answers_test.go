package qform

import (
	"reflect"
	"strings"
	"testing"
)

// mturkAnswer is the Answer of an assignment exactly as MTurk's 2017-01-17
// API returned it to boto3's list_assignments_for_hit, quoted in public
// boto3 scripts (a response dump dated 2021-02-11, and a docstring quoting
// a 2021-08 response):
//
//	'Answer': '<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>plausibility</QuestionIdentifier><FreeText>4</FreeText></Answer></QuestionFormAnswers>'
//
// The 2021-02-11 dump also shows that several answers follow each other with
// no whitespace, that double quotes in text are left alone ({"good":[…]}),
// and that a non-ASCII character is a decimal character reference ("neat
// day to announce it &#8212; did they", an em dash).
const mturkAnswer = `<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>plausibility</QuestionIdentifier><FreeText>4</FreeText></Answer></QuestionFormAnswers>`

func TestEncodeAnswersGolden(t *testing.T) {
	tests := []struct {
		name    string
		answers []Answer
		want    string
	}{
		{"MTurk sample", []Answer{{QuestionIdentifier: "plausibility", FreeText: ptr("4")}}, mturkAnswer},
		{"several answers, quotes and an em dash",
			[]Answer{
				{QuestionIdentifier: "part_no", FreeText: ptr("0")},
				{QuestionIdentifier: "answer_0", FreeText: ptr(`{"text":"neat day to announce it — did they"}`)},
			},
			`<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">` +
				`<Answer><QuestionIdentifier>part_no</QuestionIdentifier><FreeText>0</FreeText></Answer>` +
				`<Answer><QuestionIdentifier>answer_0</QuestionIdentifier><FreeText>{"text":"neat day to announce it &#8212; did they"}</FreeText></Answer>` +
				`</QuestionFormAnswers>`},
		{"selections and other",
			[]Answer{
				{QuestionIdentifier: "colors", SelectionIdentifiers: []string{"red", "blue"}},
				{QuestionIdentifier: "country", OtherSelectionText: ptr("Perú")},
				{QuestionIdentifier: "none"},
			},
			`<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">` +
				`<Answer><QuestionIdentifier>colors</QuestionIdentifier><SelectionIdentifier>red</SelectionIdentifier><SelectionIdentifier>blue</SelectionIdentifier></Answer>` +
				`<Answer><QuestionIdentifier>country</QuestionIdentifier><OtherSelectionText>Per&#250;</OtherSelectionText></Answer>` +
				`<Answer><QuestionIdentifier>none</QuestionIdentifier></Answer>` +
				`</QuestionFormAnswers>`},
		{"escaping",
			[]Answer{{QuestionIdentifier: "a&b", FreeText: ptr("1 < 2 > 0 & \"x\" 'y'\r\n\ttab \x01 😀")}},
			`<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">` +
				`<Answer><QuestionIdentifier>a&amp;b</QuestionIdentifier><FreeText>1 &lt; 2 &gt; 0 &amp; "x" 'y'&#13;` + "\n\t" + `tab &#65533; &#128512;</FreeText></Answer>` +
				`</QuestionFormAnswers>`},
		{"no answers",
			nil,
			`<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"></QuestionFormAnswers>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EncodeAnswers(tt.answers)
			if got != tt.want {
				t.Errorf("EncodeAnswers =\n%s\nwant\n%s", got, tt.want)
			}
			for i := 0; i < len(got); i++ {
				if got[i] >= 0x80 {
					t.Fatalf("byte %d is not ASCII: %q", i, got[i])
				}
			}
		})
	}
}

func TestAnswersRoundTrip(t *testing.T) {
	tests := [][]Answer{
		{{QuestionIdentifier: "plausibility", FreeText: ptr("4")}},
		{
			{QuestionIdentifier: "q<1>", FreeText: ptr(`<script>alert("x")</script> & ]]> &amp;`)},
			{QuestionIdentifier: "unicode", FreeText: ptr("naïve café — 日本語 😀 \u00a0 \u2028")},
			{QuestionIdentifier: "lines", FreeText: ptr("a\r\nb\rc\n\td  ")},
			{QuestionIdentifier: "empty", FreeText: ptr("")},
			{QuestionIdentifier: "sel", SelectionIdentifiers: []string{"a&b", "ü"}},
			{QuestionIdentifier: "other", SelectionIdentifiers: []string{"x"}, OtherSelectionText: ptr(" spaced ")},
			{QuestionIdentifier: "blank selection"},
			{QuestionIdentifier: " padded id "},
		},
	}
	for _, answers := range tests {
		enc := EncodeAnswers(answers)
		got, err := DecodeAnswers(enc)
		if err != nil {
			t.Fatalf("DecodeAnswers(%s): %v", enc, err)
		}
		if !reflect.DeepEqual(got, answers) {
			t.Errorf("round trip of\n%s\ngave\n%s", dump(answers), dump(got))
		}
	}
}

func TestDecodeAnswersMTurkForms(t *testing.T) {
	// The pre-2017 API's layout (UTF-8 declaration, standalone="no"), with
	// indentation, and a namespace-less document.
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
  <Answer>
    <QuestionIdentifier>Tag 1:</QuestionIdentifier>
    <FreeText>hit2_tag1 &#8212; é</FreeText>
  </Answer>
  <Answer>
    <QuestionIdentifier>pick</QuestionIdentifier>
    <SelectionIdentifier>a</SelectionIdentifier>
    <SelectionIdentifier>b</SelectionIdentifier>
    <OtherSelectionText>zz</OtherSelectionText>
  </Answer>
</QuestionFormAnswers>`
	got, err := DecodeAnswers(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []Answer{
		{QuestionIdentifier: "Tag 1:", FreeText: ptr("hit2_tag1 — é")},
		{QuestionIdentifier: "pick", SelectionIdentifiers: []string{"a", "b"}, OtherSelectionText: ptr("zz")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
	if _, err := DecodeAnswers(`<QuestionFormAnswers><Answer><QuestionIdentifier>x</QuestionIdentifier><FreeText>y</FreeText></Answer></QuestionFormAnswers>`); err != nil {
		t.Errorf("namespace-less document: %v", err)
	}
}

func TestDecodeAnswersErrors(t *testing.T) {
	ns := `xmlns="` + AnswersNamespace + `"`
	tests := []struct{ doc, want string }{
		{`<QuestionFormAnswers ` + ns + `><Answer>`, "not well-formed"},
		{`<QuestionForm ` + ns + `/>`, "expected <QuestionFormAnswers>"},
		{`<QuestionFormAnswers xmlns="urn:x"/>`, "expected <QuestionFormAnswers>"},
		{`<QuestionFormAnswers ` + ns + `><Foo/></QuestionFormAnswers>`, "<Foo> (line 1): is not allowed"},
		{`<QuestionFormAnswers ` + ns + `><Answer><FreeText>x</FreeText></Answer></QuestionFormAnswers>`, "missing its required <QuestionIdentifier>"},
		{`<QuestionFormAnswers ` + ns + `><Answer><QuestionIdentifier>a</QuestionIdentifier><FreeText>x</FreeText><SelectionIdentifier>s</SelectionIdentifier></Answer></QuestionFormAnswers>`, "has both <FreeText> and selections"},
		{`<QuestionFormAnswers ` + ns + `><Answer><QuestionIdentifier>a</QuestionIdentifier><UploadedFileSizeInBytes>3</UploadedFileSizeInBytes><UploadedFileKey>k</UploadedFileKey></Answer></QuestionFormAnswers>`, "file-upload answers are not supported"},
		{`<?xml version="1.0" encoding="EBCDIC"?><QuestionFormAnswers ` + ns + `/>`, "encoding"},
		{"\xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := DecodeAnswers(tt.doc)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "QuestionFormAnswers: ") {
			t.Errorf("DecodeAnswers(%q) error = %v; want one containing %q", tt.doc, err, tt.want)
		}
	}
}

func TestFreeTextAnswers(t *testing.T) {
	got := FreeTextAnswers([]Field{
		{Name: "comment", Values: []string{"fine & dandy"}},
		{Name: "colors", Values: []string{"red"}},
		{Name: "", Values: []string{"dropped"}},
		{Name: "empty"},
		{Name: "colors", Values: []string{"blue", "green"}},
	})
	want := []Answer{
		{QuestionIdentifier: "comment", FreeText: ptr("fine & dandy")},
		{QuestionIdentifier: "colors", FreeText: ptr("red|blue|green")},
		{QuestionIdentifier: "empty", FreeText: ptr("")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
	enc := EncodeAnswers(got)
	if !strings.Contains(enc, "<Answer><QuestionIdentifier>colors</QuestionIdentifier><FreeText>red|blue|green</FreeText></Answer>") {
		t.Errorf("encoded: %s", enc)
	}
}
