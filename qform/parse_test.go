package qform

import (
	"strings"
	"testing"
)

// surveyForm is a realistic multi-question form: an overview with
// FormattedContent, free text with each constraint, radio buttons,
// checkboxes with min/max, a list, an OtherSelection and a binary image.
const surveyForm = `<?xml version="1.0" encoding="UTF-8"?>
<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Overview>
    <Title>Product survey</Title>
    <FormattedContent><![CDATA[<p>Please answer <b>every</b> question. <a href="https://example.com/help">Help</a></p><script>alert(1)</script>]]></FormattedContent>
    <Binary>
      <MimeType><Type>image</Type><SubType>png</SubType></MimeType>
      <DataURL>https://example.com/product.png</DataURL>
      <AltText>The product</AltText>
    </Binary>
  </Overview>
  <Question>
    <QuestionIdentifier>age</QuestionIdentifier>
    <DisplayName>Your age</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>How old are you?</Text></QuestionContent>
    <AnswerSpecification>
      <FreeTextAnswer>
        <Constraints><IsNumeric minValue="18" maxValue="120"/></Constraints>
      </FreeTextAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>review</QuestionIdentifier>
    <IsRequired>false</IsRequired>
    <QuestionContent><Title>Short review</Title><Text>Tell us what you think.</Text></QuestionContent>
    <AnswerSpecification>
      <FreeTextAnswer>
        <Constraints>
          <Length minLength="5" maxLength="20"/>
          <AnswerFormatRegex regex="\S" errorText="The content cannot be blank."/>
          <AnswerFormatRegex regex="^[a-z ]+$" flags="i" errorText="Letters and spaces only."/>
        </Constraints>
        <DefaultText>great</DefaultText>
        <NumberOfLinesSuggestion>4</NumberOfLinesSuggestion>
      </FreeTextAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>rating</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>How do you rate it?</Text></QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <StyleSuggestion>radiobutton</StyleSuggestion>
        <Selections>
          <Selection><SelectionIdentifier>good</SelectionIdentifier><Text>Good</Text></Selection>
          <Selection><SelectionIdentifier>bad</SelectionIdentifier><Text>Bad</Text></Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>colors</QuestionIdentifier>
    <QuestionContent><Text>Pick two or three colors.</Text></QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <MinSelectionCount>2</MinSelectionCount>
        <MaxSelectionCount>3</MaxSelectionCount>
        <StyleSuggestion>checkbox</StyleSuggestion>
        <Selections>
          <Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>
          <Selection><SelectionIdentifier>green</SelectionIdentifier><FormattedContent><![CDATA[<i>Green</i>]]></FormattedContent></Selection>
          <Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>
          <Selection><SelectionIdentifier>black</SelectionIdentifier>
            <Binary><MimeType><Type>image</Type></MimeType><DataURL>http://example.com/black.gif</DataURL><AltText>Black</AltText></Binary>
          </Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
  <Overview><Text>Almost done.</Text></Overview>
  <Question>
    <QuestionIdentifier>country</QuestionIdentifier>
    <DisplayName>Country</DisplayName>
    <QuestionContent><Text>Where do you live?</Text></QuestionContent>
    <AnswerSpecification>
      <SelectionAnswer>
        <StyleSuggestion>list</StyleSuggestion>
        <Selections>
          <Selection><SelectionIdentifier>fr</SelectionIdentifier><Text>France</Text></Selection>
          <Selection><SelectionIdentifier>jp</SelectionIdentifier><Text>Japan</Text></Selection>
          <OtherSelection>
            <Constraints><Length maxLength="10"/></Constraints>
          </OtherSelection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>photo</QuestionIdentifier>
    <QuestionContent><Text>Upload a photo.</Text></QuestionContent>
    <AnswerSpecification>
      <FileUploadAnswer><MaxFileSizeInBytes>3000000</MaxFileSizeInBytes><MinFileSizeInBytes>1000</MinFileSizeInBytes></FileUploadAnswer>
    </AnswerSpecification>
  </Question>
</QuestionForm>`

func mustParse(t testing.TB, s string) *Form {
	t.Helper()
	f, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestParseSurvey(t *testing.T) {
	f := mustParse(t, surveyForm)
	if f.Namespace != Namespace {
		t.Errorf("Namespace = %q", f.Namespace)
	}
	if len(f.Items) != 8 {
		t.Fatalf("got %d items, want 8", len(f.Items))
	}
	if f.Items[0].Overview == nil || f.Items[5].Overview == nil {
		t.Fatalf("items 0 and 5 should be overviews")
	}
	ov := f.Items[0].Overview.Content
	if len(ov) != 3 || ov[0].Kind != ContentTitle || ov[1].Kind != ContentFormatted || ov[2].Kind != ContentBinary {
		t.Fatalf("overview content = %+v", ov)
	}
	if b := ov[2].Binary; b.MimeType != "image" || b.MimeSubType != "png" || b.DataURL != "https://example.com/product.png" || b.AltText != "The product" {
		t.Errorf("binary = %+v", b)
	}
	qs := f.Questions()
	var ids []string
	for _, q := range qs {
		ids = append(ids, q.Identifier)
	}
	if got := strings.Join(ids, ","); got != "age,review,rating,colors,country,photo" {
		t.Fatalf("question ids = %s", got)
	}
	age := qs[0]
	if !age.IsRequired || age.DisplayName != "Your age" || age.FreeText == nil || !age.FreeText.IsNumeric ||
		*age.FreeText.MinValue != 18 || *age.FreeText.MaxValue != 120 {
		t.Errorf("age = %+v / %+v", age, age.FreeText)
	}
	review := qs[1].FreeText
	if *review.MinLength != 5 || *review.MaxLength != 20 || len(review.Regexes) != 2 || *review.DefaultText != "great" || review.NumberOfLinesSuggestion != 4 {
		t.Errorf("review = %+v", review)
	}
	if review.Regexes[1].Flags != "i" || review.Regexes[1].ErrorText != "Letters and spaces only." {
		t.Errorf("regex = %+v", review.Regexes[1])
	}
	colors := qs[3].Selection
	if colors.MinSelectionCount != 2 || colors.MaxSelectionCount != 3 || colors.StyleSuggestion != "checkbox" || len(colors.Selections) != 4 {
		t.Errorf("colors = %+v", colors)
	}
	if colors.Selections[1].Content.Kind != ContentFormatted || colors.Selections[3].Content.Kind != ContentBinary {
		t.Errorf("colors selections = %+v", colors.Selections)
	}
	rating := qs[2].Selection
	if rating.MinSelectionCount != 1 || rating.MaxSelectionCount != 1 || rating.minGiven {
		t.Errorf("rating defaults = %+v", rating)
	}
	country := qs[4].Selection
	if country.Other == nil || *country.Other.MaxLength != 10 || country.OtherValue != "__other__" {
		t.Errorf("country other = %+v", country)
	}
	if qs[5].FileUpload == nil || qs[5].FileUpload.MaxFileSizeInBytes != 3000000 {
		t.Errorf("photo = %+v", qs[5])
	}
}

func TestParse2005Namespace(t *testing.T) {
	doc := strings.Replace(surveyForm, Namespace, Namespace2005, 1)
	f := mustParse(t, doc)
	if f.Namespace != Namespace2005 {
		t.Errorf("Namespace = %q", f.Namespace)
	}
}

func TestParseOtherValueAvoidsClash(t *testing.T) {
	doc := form(`<Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent><Text>x</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><Selections>
<Selection><SelectionIdentifier>__other__</SelectionIdentifier><Text>a</Text></Selection>
<OtherSelection/></Selections></SelectionAnswer></AnswerSpecification></Question>`)
	f := mustParse(t, doc)
	if got := f.Questions()[0].Selection.OtherValue; got != "__other___" {
		t.Errorf("OtherValue = %q", got)
	}
}

// form wraps questions in a QuestionForm root.
func form(body string) string {
	return `<QuestionForm xmlns="` + Namespace + `">` + body + `</QuestionForm>`
}

func freeTextQuestion(id, spec string) string {
	return `<Question><QuestionIdentifier>` + id + `</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent>` +
		`<AnswerSpecification><FreeTextAnswer>` + spec + `</FreeTextAnswer></AnswerSpecification></Question>`
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not xml", `<QuestionForm`, "not well-formed XML"},
		{"wrong root", `<HTMLQuestion xmlns="` + Namespace + `"/>`, "<HTMLQuestion> (line 1): the root element must be <QuestionForm>"},
		{"wrong namespace", `<QuestionForm xmlns="urn:x"/>`, `<QuestionForm> (line 1): must be in namespace`},
		{"no questions", form(`<Overview><Text>x</Text></Overview>`), "has no <Question>"},
		{"unknown child", form(`<Questions/>`), "<Questions> (line 1): is not allowed in <QuestionForm>"},
		{"missing identifier", form(`<Question><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>`), "<Question> (line 1): is missing its required <QuestionIdentifier>"},
		{"empty identifier", form(freeTextQuestion("  ", "")), "<QuestionIdentifier> (line 1): is empty"},
		{"duplicate identifier", form(freeTextQuestion("a", "") + "\n" + freeTextQuestion("a", "")), "is already used"},
		{"other field clash", form(freeTextQuestion("c.other", "") + `<Question><QuestionIdentifier>c</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>x</Text></Selection><OtherSelection/></Selections></SelectionAnswer></AnswerSpecification></Question>`), `"c.other" is already used`},
		{"bad IsRequired", form(strings.Replace(freeTextQuestion("a", ""), "<QuestionContent>", "<IsRequired>yes</IsRequired><QuestionContent>", 1)), `<IsRequired> (line 1): is "yes"`},
		{"two answer specs", form(`<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/><FreeTextAnswer/></AnswerSpecification></Question>`), "<AnswerSpecification> (line 1): must contain exactly one"},
		{"bad minValue", form(freeTextQuestion("a", `<Constraints><IsNumeric minValue="x"/></Constraints>`)), `<IsNumeric> (line 1): minValue "x" is not an integer`},
		{"min above max", form(freeTextQuestion("a", `<Constraints><IsNumeric minValue="5" maxValue="1"/></Constraints>`)), "minValue 5 is greater than maxValue 1"},
		{"bad length attr", form(freeTextQuestion("a", `<Constraints><Length maxlength="5"/></Constraints>`)), `<Length> (line 1): has unknown attribute "maxlength"`},
		{"zero maxLength", form(freeTextQuestion("a", `<Constraints><Length maxLength="0"/></Constraints>`)), "maxLength is 0; it must be at least 1"},
		{"regex missing", form(freeTextQuestion("a", `<Constraints><AnswerFormatRegex errorText="x"/></Constraints>`)), "<AnswerFormatRegex> (line 1): is missing its required regex attribute"},
		{"regex lookahead", form(freeTextQuestion("a", `<Constraints><AnswerFormatRegex regex="(?=a)b"/></Constraints>`)), `<AnswerFormatRegex> (line 1): regex "(?=a)b" cannot be used`},
		{"regex bad flag", form(freeTextQuestion("a", `<Constraints><AnswerFormatRegex regex="a" flags="x"/></Constraints>`)), "flags \"x\" contains 'x'"},
		{"constraints order dup", form(freeTextQuestion("a", `<Constraints><Length/><Length/></Constraints>`)), "<Length> (line 1): appears more than once"},
		{"formatted content markup", form(`<Overview><FormattedContent><b>x</b></FormattedContent></Overview>` + freeTextQuestion("a", "")), "wrap the XHTML in <![CDATA["},
		{"bad style", form(`<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>slider</StyleSuggestion><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>x</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question>`), `<StyleSuggestion> (line 1): is "slider"`},
		{"min above max selections", form(`<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><SelectionAnswer><MinSelectionCount>3</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>x</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question>`), "MinSelectionCount 3 is greater than MaxSelectionCount 2"},
		{"duplicate selection", form(`<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>x</Text></Selection><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>y</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question>`), `SelectionIdentifier "x" is already used`},
		{"selection without text", form(`<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>t</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier></Selection></Selections></SelectionAnswer></AnswerSpecification></Question>`), "<Selection> (line 1): must contain a <SelectionIdentifier> and exactly one"},
		{"bad mime type", form(`<Overview><Binary><MimeType><Type>text</Type></MimeType><DataURL>http://x/</DataURL><AltText>a</AltText></Binary></Overview>` + freeTextQuestion("a", "")), `<Type> (line 1): is "text"`},
		{"foreign element", form(`<Overview><x:Text xmlns:x="urn:x">a</x:Text></Overview>`), `<Text> (line 1): is in namespace "urn:x"`},
		{"empty content", form(`<Overview/>` + freeTextQuestion("a", "")), "<Overview> (line 1): is empty"},
		{"text in container", form(`hello` + freeTextQuestion("a", "")), `<QuestionForm> (line 1): contains text "hello"`},
		{"line numbers", form("\n\n" + freeTextQuestion("a", "\n<Constraints><IsNumeric minValue=\"q\"/></Constraints>")), "<IsNumeric> (line 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse succeeded; want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestJavaRegexTranslation(t *testing.T) {
	tests := []struct {
		regex, flags string
		match, miss  []string
	}{
		{`^\p{Alpha}+$`, "", []string{"abc"}, []string{"ab1", "é"}},
		{`^[\p{Digit}-]+$`, "", []string{"12-3"}, []string{"a"}},
		{`^\P{Digit}+$`, "", []string{"ab"}, []string{"a1"}},
		{`^[\P{Upper}]+$`, "", []string{"ab1"}, []string{"aB"}},
		{`^\p{IsLatin}+$`, "", []string{"été"}, []string{"日本"}},
		{`^\p{javaLowerCase}+$`, "", []string{"abc"}, []string{"Abc"}},
		{`abc\Z`, "", []string{"xabc", "abc\n"}, []string{"abcd"}},
		{`^[]a]+$`, "", []string{"]a"}, []string{"b"}},
		{`^\Q\p{Alpha}\E$`, "", []string{`\p{Alpha}`}, []string{"a"}},
		{`^yes$`, "i", []string{"YES", "Yes"}, []string{"yes!"}},
		{`^a.b$`, "s", []string{"a\nb"}, []string{"ab"}},
		{`\S`, "", []string{" x "}, []string{"   ", ""}},
		{`^(?<year>[12][0-9]{3})$`, "", []string{"1971"}, []string{"971"}},
	}
	for _, tt := range tests {
		re, err := compileRegex(tt.regex, tt.flags)
		if err != nil {
			t.Errorf("compileRegex(%q, %q): %v", tt.regex, tt.flags, err)
			continue
		}
		for _, s := range tt.match {
			if !re.MatchString(s) {
				t.Errorf("%q (flags %q, as %q) does not match %q", tt.regex, tt.flags, re, s)
			}
		}
		for _, s := range tt.miss {
			if re.MatchString(s) {
				t.Errorf("%q (flags %q, as %q) matches %q", tt.regex, tt.flags, re, s)
			}
		}
	}
}
