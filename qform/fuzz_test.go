package qform

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(surveyForm)
	f.Add(strings.Replace(surveyForm, Namespace, Namespace2005, 1))
	f.Add(form(freeTextQuestion("a", `<Constraints><AnswerFormatRegex regex="^\p{Alpha}+\Z" flags="i"/></Constraints>`)))
	f.Add(`<QuestionForm xmlns="` + Namespace + `"><Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent><FormattedContent><![CDATA[<p>x</p>]]></FormattedContent></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection><OtherSelection/></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>`)
	f.Add(`<QuestionForm`)
	f.Fuzz(func(t *testing.T, doc string) {
		form, err := Parse(doc)
		if err != nil {
			if form != nil {
				t.Fatalf("Parse returned a form and an error")
			}
			return
		}
		// A parsed form must render and validate without panicking.
		html := string(form.Render(map[string][]string{"a": {doc}}, FieldErrors{"a": doc}))
		if strings.Contains(html, "<script") {
			t.Fatalf("rendered <script>: %s", html)
		}
		values := map[string][]string{}
		for _, q := range form.Questions() {
			values[q.Identifier] = []string{doc, "", q.Identifier}
			values[q.OtherFieldName()] = []string{doc}
		}
		answers, errs := form.Validate(values)
		if (answers == nil) == (errs == nil) && len(form.Questions()) > 0 && !allUploads(form) {
			t.Fatalf("Validate returned answers %v and errors %v", answers, errs)
		}
		_ = EncodeAnswers(answers)
	})
}

func allUploads(f *Form) bool {
	for _, q := range f.Questions() {
		if q.FileUpload == nil {
			return false
		}
	}
	return true
}

func FuzzSanitize(f *testing.F) {
	for _, s := range xssCorpus {
		f.Add(s)
	}
	f.Add(`<p>Hello <b>world</b> <a href="https://example.com/">x</a><img src="https://example.com/i.png"></p>`)
	f.Fuzz(func(t *testing.T, in string) {
		out := string(SanitizeFormattedContent(in))
		if msg := unsafeMarkup(out); msg != "" {
			t.Fatalf("SanitizeFormattedContent(%q) = %q: %s", in, out, msg)
		}
		_ = formattedText(in)
	})
}

// FuzzAnswers checks that any text survives EncodeAnswers and
// DecodeAnswers (characters XML cannot carry become U+FFFD), and that
// DecodeAnswers never panics.
func FuzzAnswers(f *testing.F) {
	f.Add("q1", "plain", "sel")
	f.Add("a&b", "1 < 2 & \"x\"\r\n\t😀 é \x00 \xff", "ü")
	f.Add(mturkAnswer, "", "")
	f.Fuzz(func(t *testing.T, id, text, sel string) {
		if _, err := DecodeAnswers(id); err != nil {
			_ = err // any input: no panic is all we ask
		}
		in := []Answer{
			{QuestionIdentifier: id, FreeText: &text},
			{QuestionIdentifier: sel, SelectionIdentifiers: []string{sel, text}, OtherSelectionText: &id},
		}
		enc := EncodeAnswers(in)
		for i := 0; i < len(enc); i++ {
			if enc[i] >= 0x80 {
				t.Fatalf("non-ASCII byte in %q", enc)
			}
		}
		got, err := DecodeAnswers(enc)
		if err != nil {
			t.Fatalf("DecodeAnswers(EncodeAnswers(…)) = %v\n%s", err, enc)
		}
		n := func(s string) *string { s = xmlSafe(s); return &s }
		want := []Answer{
			{QuestionIdentifier: *n(id), FreeText: n(text)},
			{QuestionIdentifier: *n(sel), SelectionIdentifiers: []string{*n(sel), *n(text)}, OtherSelectionText: n(id)},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip:\n got %q\nwant %q", dump(got), dump(want))
		}
	})
}

// xmlSafe is what EncodeAnswers can carry of s.
func xmlSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			r = 0xFFFD
		}
		b.WriteRune(r)
	}
	return b.String()
}
