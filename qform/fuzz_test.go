package qform

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// mturkDocsForm is the QuestionForm example of MTurk's API reference (the
// tic-tac-toe survey: free text with a length constraint, and a selection
// with a default), as published.
const mturkDocsForm = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Overview>
    <Title>Game 01523, "X" to play</Title>
    <Text>
      You are helping to decide the next move in a game of Tic-Tac-Toe.  The board looks like this:
    </Text>
    <Binary>
      <MimeType>
        <Type>image</Type>
        <SubType>gif</SubType>
      </MimeType>
      <DataURL>http://tictactoe.amazon.com/game/01523/board.gif</DataURL>
      <AltText>The game board, with "X" to move.</AltText>
    </Binary>
    <Text>
      Player "X" has the next move.
    </Text>
  </Overview>
  <Question>
    <QuestionIdentifier>nextmove</QuestionIdentifier>
    <DisplayName>The Next Move</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent>
      <Text>
        What are the coordinates of the best move for player "X" in this game?
      </Text>
    </QuestionContent>
    <AnswerSpecification>
      <FreeTextAnswer>
        <Constraints>
          <Length minLength="2" maxLength="2" />
        </Constraints>
        <DefaultText>C1</DefaultText>
      </FreeTextAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>likelytowin</QuestionIdentifier>
    <DisplayName>The Next Move</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent>
      <Text>
        How likely is it that player "X" will win this game?
      </Text>
    </QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <StyleSuggestion>radiobutton</StyleSuggestion>
        <Selections>
          <Selection>
            <SelectionIdentifier>notlikely</SelectionIdentifier>
            <Text>Not likely</Text>
          </Selection>
          <Selection>
            <SelectionIdentifier>unsure</SelectionIdentifier>
            <Text>It could go either way</Text>
          </Selection>
          <Selection>
            <SelectionIdentifier>likely</SelectionIdentifier>
            <Text>Likely</Text>
          </Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
</QuestionForm>`

// FuzzParse checks the QuestionForm parser: any document either fails with
// no form, or gives a form whose questions have distinct, non-empty,
// trimmed identifiers, that renders without a <script>, whose Validate
// gives answers or errors (not both, not neither), and whose validated
// answers survive EncodeAnswers and DecodeAnswers.
func FuzzParse(f *testing.F) {
	f.Add(surveyForm)
	f.Add(strings.Replace(surveyForm, Namespace, Namespace2005, 1))
	f.Add(form(freeTextQuestion("a", `<Constraints><AnswerFormatRegex regex="^\p{Alpha}+\Z" flags="i"/></Constraints>`)))
	f.Add(`<QuestionForm xmlns="` + Namespace + `"><Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent><FormattedContent><![CDATA[<p>x</p>]]></FormattedContent></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection><OtherSelection/></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>`)
	f.Add(`<QuestionForm`)
	f.Add(mturkDocsForm)
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
		// What Validate accepts is stored as QuestionFormAnswers and read
		// back by the requester: it must survive the codec.
		if answers != nil {
			back, err := DecodeAnswers(EncodeAnswers(answers))
			if err != nil {
				t.Fatalf("validated answers do not decode: %v", err)
			}
			for i := range answers {
				a := &answers[i]
				for _, p := range []**string{&a.FreeText, &a.OtherSelectionText} {
					if *p != nil {
						s := xmlSafe(**p)
						*p = &s
					}
				}
			}
			if !reflect.DeepEqual(back, answers) {
				t.Fatalf("validated answers\n%s\ncome back as\n%s", dump(answers), dump(back))
			}
		}
		seen := map[string]bool{}
		for _, q := range form.Questions() {
			if q.Identifier == "" || q.Identifier != strings.TrimSpace(q.Identifier) || seen[q.Identifier] {
				t.Fatalf("question identifier %q (empty, untrimmed or repeated)", q.Identifier)
			}
			seen[q.Identifier] = true
		}
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
		// Sanitized markup is a fixed point: nothing in it is left to remove.
		// (FormattedContent comes out of an XML parser, so it is XML text;
		// the decoder stops at a byte XML cannot carry and the rest is
		// escaped as text.)
		// Line ends are compared as an XML parser reads them: a raw CR in text
		// escaped after a syntax error reads back as LF, as in HTML.
		if again := string(SanitizeFormattedContent(out)); isXMLText(in) && lf(again) != lf(out) {
			t.Fatalf("SanitizeFormattedContent is not idempotent:\n in %q\nout %q\nagain %q", in, out, again)
		}
		_ = formattedText(in)
	})
}

// mturkDocsAnswers is the QuestionFormAnswers example of MTurk's API
// reference (the tic-tac-toe survey), with its whitespace.
const mturkDocsAnswers = `<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
  <Answer>
    <QuestionIdentifier>nextmove</QuestionIdentifier>
    <FreeText>C3</FreeText>
  </Answer>
  <Answer>
    <QuestionIdentifier>likelytowin</QuestionIdentifier>
    <SelectionIdentifier>notlikely</SelectionIdentifier>
  </Answer>
</QuestionFormAnswers>
`

// FuzzAnswers checks the QuestionFormAnswers codec both ways:
//
//   - any text survives EncodeAnswers then DecodeAnswers (characters XML
//     cannot carry become U+FFFD), and the encoding is pure ASCII;
//   - DecodeAnswers never panics, and whatever it accepts is a fixed point
//     of the codec: EncodeAnswers(decoded) decodes to the same answers and
//     encodes to the same bytes again.
func FuzzAnswers(f *testing.F) {
	f.Add(mturkAnswer, "q1", "plain", "sel")
	f.Add(mturkDocsAnswers, "a&b", "1 < 2 & \"x\"\r\n\t😀 é \x00 \xff", "ü")
	f.Add(`<?xml version="1.0" encoding="UTF-8"?><QuestionFormAnswers><Answer><QuestionIdentifier>color</QuestionIdentifier><SelectionIdentifier>red</SelectionIdentifier><SelectionIdentifier>blue</SelectionIdentifier><OtherSelectionText>teal &amp; &#233;&#13;</OtherSelectionText></Answer><Answer><QuestionIdentifier> unanswered </QuestionIdentifier></Answer></QuestionFormAnswers>`, "", "", "")
	f.Add(`<QuestionFormAnswers xmlns="`+AnswersNamespace+`"><Answer><QuestionIdentifier>f</QuestionIdentifier><UploadedFileSizeInBytes>3</UploadedFileSizeInBytes><UploadedFileKey>k</UploadedFileKey></Answer></QuestionFormAnswers>`, "", "", "")
	f.Add(`<QuestionFormAnswers><Answer><QuestionIdentifier>q</QuestionIdentifier><FreeText>a</FreeText><SelectionIdentifier>b</SelectionIdentifier></Answer></QuestionFormAnswers>`, "", "", "")
	f.Fuzz(func(t *testing.T, doc, id, text, sel string) {
		if dec, err := DecodeAnswers(doc); err == nil {
			enc := EncodeAnswers(dec)
			again, err := DecodeAnswers(enc)
			if err != nil {
				t.Fatalf("%q decodes to %s, which encodes to %q, which does not decode: %v", doc, dump(dec), enc, err)
			}
			if !reflect.DeepEqual(again, dec) {
				t.Fatalf("%q decodes to\n%s\nbut after encoding to %q\n%s", doc, dump(dec), enc, dump(again))
			}
			if enc2 := EncodeAnswers(again); enc2 != enc {
				t.Fatalf("encoding is not stable:\n%q\n%q", enc, enc2)
			}
		} else if !strings.HasPrefix(err.Error(), "QuestionFormAnswers: ") {
			t.Fatalf("DecodeAnswers error %q does not name the document", err)
		}

		in := []Answer{
			{QuestionIdentifier: id, FreeText: &text},
			{QuestionIdentifier: sel, SelectionIdentifiers: []string{sel, text}, OtherSelectionText: &id},
			{QuestionIdentifier: text},
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
			{QuestionIdentifier: *n(text)},
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

// isXMLText reports whether s is valid UTF-8 made of XML 1.0 Chars only.
func isXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000) {
			return false
		}
	}
	return true
}

// lf normalises line ends as XML and HTML parsers do.
func lf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
