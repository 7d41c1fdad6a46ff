package hitd

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hitd/hitd/qform"
)

const testExternalQuestion = `<?xml version="1.0" encoding="UTF-8"?>
<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">
  <ExternalURL>https://tasks.example.com/label?batch=7&amp;item=42&amp;lang=en</ExternalURL>
  <FrameHeight>600</FrameHeight>
</ExternalQuestion>`

const testHTMLContent = `
<!DOCTYPE html>
<html>
 <head>
  <meta http-equiv='Content-Type' content='text/html; charset=UTF-8'/>
  <script type='text/javascript' src='https://s3.amazonaws.com/mturk-public/externalHIT_v1.js'></script>
  <script>
    function check() { return document.getElementById("answer").value.length > 0 && 1 < 2; }
  </script>
 </head>
 <body>
  <form name='mturk_form' method='post' id='mturk_form' action='https://www.mturk.com/mturk/externalSubmit'>
   <input type='hidden' value='' name='assignmentId' id='assignmentId'/>
   <h1>What's up?</h1>
   <p><textarea name='answer' id='answer' rows=4 cols=80></textarea></p>
   <p><input type='submit' id='submitButton' value='Submit' /></p>
  </form>
  <script language='Javascript'>turkSetAssignmentID();</script>
 </body>
</html>
`

const testHTMLQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[` + testHTMLContent + `]]>
  </HTMLContent>
  <FrameHeight>450</FrameHeight>
</HTMLQuestion>
`

const testQuestionForm = `<?xml version="1.0" encoding="UTF-8"?>
<!-- A survey with two questions -->
<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Overview>
    <Title>Game 01523, "X" to play</Title>
    <Text>You are helping to decide the next move in a game of Tic-Tac-Toe.</Text>
    <Binary>
      <MimeType><Type>image</Type><SubType>gif</SubType></MimeType>
      <DataURL>https://tictactoe.example.com/images/board.gif?game=01523&amp;size=l</DataURL>
      <AltText>The game board</AltText>
    </Binary>
  </Overview>
  <Question>
    <QuestionIdentifier>nextmove</QuestionIdentifier>
    <DisplayName>The Next Move</DisplayName>
    <IsRequired>true</IsRequired>
    <QuestionContent>
      <Text>What are the coordinates of the best move for player "X" in this game?</Text>
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
      <Text>How likely is it that player "X" will win this game?</Text>
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
            <SelectionIdentifier>likely</SelectionIdentifier>
            <Text>Likely</Text>
          </Selection>
        </Selections>
      </SelectionAnswer>
    </AnswerSpecification>
  </Question>
</QuestionForm>`

const (
	nsEQ   = `xmlns="` + ExternalQuestionNamespace + `"`
	nsHQ   = `xmlns="` + HTMLQuestionNamespace + `"`
	nsQF   = `xmlns="` + QuestionFormNamespace + `"`
	nsQF05 = `xmlns="` + QuestionFormNamespace2005 + `"`
)

func extQ(url, height string) string {
	return `<ExternalQuestion ` + nsEQ + `><ExternalURL>` + url + `</ExternalURL><FrameHeight>` + height + `</FrameHeight></ExternalQuestion>`
}

func htmlQ(content, height string) string {
	return `<HTMLQuestion ` + nsHQ + `><HTMLContent>` + content + `</HTMLContent><FrameHeight>` + height + `</FrameHeight></HTMLQuestion>`
}

const formAnswer = `<AnswerSpecification><FreeTextAnswer/></AnswerSpecification>`

func formQ(ns, body string) string {
	return `<QuestionForm ` + ns + `>` + body + `</QuestionForm>`
}

func formQuestion(id string) string {
	return `<Question><QuestionIdentifier>` + id + `</QuestionIdentifier><QuestionContent><Text>?</Text></QuestionContent>` + formAnswer + `</Question>`
}

func TestParseQuestion(t *testing.T) {
	allowHTTP := QuestionPolicy{AllowHTTPExternalURLs: true}
	tests := []struct {
		name     string
		q        string
		policy   QuestionPolicy
		want     *ParsedQuestion // when the question is valid
		wantCode Code            // when it is not
		wantMsg  string          // substring of the error message
	}{
		// ExternalQuestion
		{name: "external with &amp; query", q: testExternalQuestion,
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://tasks.example.com/label?batch=7&item=42&lang=en", FrameHeight: 600}},
		{name: "external frame height 0 means full window", q: extQ("https://example.com/", "0"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://example.com/", FrameHeight: 0}},
		{name: "external URL and height trimmed", q: extQ("\n   https://example.com/a  \n", " 800\n"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://example.com/a", FrameHeight: 800}},
		{name: "external URL in CDATA", q: extQ("<![CDATA[https://example.com/?a=1&b=2]]>", "1"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://example.com/?a=1&b=2", FrameHeight: 1}},
		{name: "external elements in either order", q: `<ExternalQuestion ` + nsEQ + `><FrameHeight>5</FrameHeight><ExternalURL>https://e.com</ExternalURL></ExternalQuestion>`,
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://e.com", FrameHeight: 5}},
		{name: "external prefixed namespace", q: `<mt:ExternalQuestion xmlns:mt="` + ExternalQuestionNamespace + `"><mt:ExternalURL>https://e.com</mt:ExternalURL><mt:FrameHeight>5</mt:FrameHeight></mt:ExternalQuestion>`,
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://e.com", FrameHeight: 5}},
		{name: "external with BOM", q: "\uFEFF" + testExternalQuestion,
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://tasks.example.com/label?batch=7&item=42&lang=en", FrameHeight: 600}},
		{name: "external max frame height", q: extQ("https://example.com/", "100000"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://example.com/", FrameHeight: MaxFrameHeight}},
		{name: "http localhost", q: extQ("http://localhost:8080/task", "400"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "http://localhost:8080/task", FrameHeight: 400}},
		{name: "http sub.localhost", q: extQ("http://tasks.localhost/task", "400"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "http://tasks.localhost/task", FrameHeight: 400}},
		{name: "http 127.x", q: extQ("http://127.1.2.3:9000/", "400"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "http://127.1.2.3:9000/", FrameHeight: 400}},
		{name: "http ::1", q: extQ("http://[::1]:9000/", "400"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "http://[::1]:9000/", FrameHeight: 400}},
		{name: "HTTP upper-case localhost", q: extQ("HTTP://LOCALHOST/", "400"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "HTTP://LOCALHOST/", FrameHeight: 400}},
		{name: "http any host when allowed", q: extQ("http://tasks.example.com/x", "400"), policy: allowHTTP,
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "http://tasks.example.com/x", FrameHeight: 400}},
		{name: "http remote host rejected", q: extQ("http://tasks.example.com/x", "400"),
			wantCode: ErrInvalidParameter, wantMsg: `ExternalURL "http://tasks.example.com/x" must use https`},
		{name: "http localhost lookalike rejected", q: extQ("http://localhost.example.com/", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "must use https"},
		{name: "http 128.0.0.1 rejected", q: extQ("http://128.0.0.1/", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "must use https"},
		{name: "ftp rejected even when http allowed", q: extQ("ftp://example.com/x", "400"), policy: allowHTTP,
			wantCode: ErrInvalidParameter, wantMsg: "must use https, not ftp"},
		{name: "javascript rejected", q: extQ("javascript:alert(1)", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "absolute URL with a host"},
		{name: "relative URL rejected", q: extQ("/task?x=1", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "absolute URL with a host"},
		{name: "URL without host rejected", q: extQ("https:///path", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "absolute URL with a host"},
		{name: "unparsable URL", q: extQ("https://exa mple.com/", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "is not a valid URL"},
		{name: "bad port", q: extQ("https://example.com:port/", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "is not a valid URL"},
		{name: "empty URL", q: extQ("  ", "400"),
			wantCode: ErrInvalidParameter, wantMsg: "ExternalURL is empty"},
		{name: "missing ExternalURL", q: `<ExternalQuestion ` + nsEQ + `><FrameHeight>5</FrameHeight></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "missing its required <ExternalURL>"},
		{name: "missing FrameHeight", q: `<ExternalQuestion ` + nsEQ + `><ExternalURL>https://e.com</ExternalURL></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "missing its required <FrameHeight>"},
		{name: "two ExternalURLs", q: `<ExternalQuestion ` + nsEQ + `><ExternalURL>https://e.com</ExternalURL><ExternalURL>https://f.com</ExternalURL><FrameHeight>5</FrameHeight></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "more than one <ExternalURL>"},
		{name: "unknown child of ExternalQuestion", q: `<ExternalQuestion ` + nsEQ + `><ExternalURL>https://e.com</ExternalURL><FrameHeight>5</FrameHeight><Title>x</Title></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "unexpected element <Title>"},
		{name: "child in another namespace", q: `<ExternalQuestion ` + nsEQ + `><ExternalURL xmlns="urn:other">https://e.com</ExternalURL><FrameHeight>5</FrameHeight></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: `is in namespace "urn:other"`},
		{name: "text in ExternalQuestion", q: `<ExternalQuestion ` + nsEQ + `>hello<ExternalURL>https://e.com</ExternalURL><FrameHeight>5</FrameHeight></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: `contains text "hello"`},
		{name: "element inside ExternalURL", q: extQ("<b>https://e.com</b>", "5"),
			wantCode: ErrXMLParse, wantMsg: "must contain only text"},
		{name: "frame height not integer", q: extQ("https://e.com", "tall"),
			wantCode: ErrInvalidParameter, wantMsg: `FrameHeight "tall" is not an integer`},
		{name: "frame height empty", q: extQ("https://e.com", ""),
			wantCode: ErrInvalidParameter, wantMsg: "is not an integer"},
		{name: "frame height fraction", q: extQ("https://e.com", "1.5"),
			wantCode: ErrInvalidParameter, wantMsg: "is not an integer"},
		{name: "frame height negative", q: extQ("https://e.com", "-1"),
			wantCode: ErrOutOfRange, wantMsg: "FrameHeight -1 is out of range"},
		{name: "frame height too large", q: extQ("https://e.com", "100001"),
			wantCode: ErrOutOfRange, wantMsg: "out of range"},
		{name: "frame height overflows int64", q: extQ("https://e.com", "99999999999999999999999"),
			wantCode: ErrOutOfRange, wantMsg: "out of range"},

		// HTMLQuestion
		{name: "html with CDATA document", q: testHTMLQuestion,
			want: &ParsedQuestion{Kind: QuestionHTML, HTMLContent: testHTMLContent + "\n  ", FrameHeight: 450}},
		{name: "html escaped instead of CDATA", q: htmlQ("&lt;p&gt;Hi &amp; bye&lt;/p&gt;", "0"),
			want: &ParsedQuestion{Kind: QuestionHTML, HTMLContent: "<p>Hi & bye</p>", FrameHeight: 0}},
		{name: "html empty", q: htmlQ("<![CDATA[  \n ]]>", "0"),
			wantCode: ErrInvalidParameter, wantMsg: "HTMLContent is empty"},
		{name: "html raw elements", q: htmlQ("<p>hi</p>", "0"),
			wantCode: ErrXMLParse, wantMsg: "wrap the HTML in <![CDATA["},
		{name: "html missing content", q: `<HTMLQuestion ` + nsHQ + `><FrameHeight>5</FrameHeight></HTMLQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "missing its required <HTMLContent>"},
		{name: "html missing frame height", q: `<HTMLQuestion ` + nsHQ + `><HTMLContent>x</HTMLContent></HTMLQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "missing its required <FrameHeight>"},
		{name: "html bad frame height", q: htmlQ("x", "-5"),
			wantCode: ErrOutOfRange, wantMsg: "out of range"},
		{name: "html ExternalURL child", q: `<HTMLQuestion ` + nsHQ + `><ExternalURL>https://e.com</ExternalURL><HTMLContent>x</HTMLContent><FrameHeight>5</FrameHeight></HTMLQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "unexpected element <ExternalURL>"},
		{name: "html with external namespace", q: `<HTMLQuestion ` + nsEQ + `><HTMLContent>x</HTMLContent><FrameHeight>5</FrameHeight></HTMLQuestion>`,
			wantCode: ErrXMLParse, wantMsg: HTMLQuestionNamespace},

		// QuestionForm
		{name: "form with overview and two questions", q: testQuestionForm,
			want: &ParsedQuestion{Kind: QuestionForm, QuestionIdentifiers: []string{"nextmove", "likelytowin"}}},
		{name: "form 2005 namespace", q: formQ(nsQF05, formQuestion("a")),
			want: &ParsedQuestion{Kind: QuestionForm, QuestionIdentifiers: []string{"a"}}},
		{name: "form overview between questions", q: formQ(nsQF, formQuestion(" b ")+`<Overview><Text>x</Text></Overview>`+formQuestion("a")),
			want: &ParsedQuestion{Kind: QuestionForm, QuestionIdentifiers: []string{"b", "a"}}},
		{name: "form without questions", q: formQ(nsQF, `<Overview><Text>x</Text></Overview>`),
			wantCode: ErrXMLParse, wantMsg: "missing its required <Question>"},
		{name: "form empty", q: formQ(nsQF, ``),
			wantCode: ErrXMLParse, wantMsg: "missing its required <Question>"},
		{name: "form duplicate identifier", q: formQ(nsQF, formQuestion("q1")+formQuestion("q2")+formQuestion(" q1")),
			wantCode: ErrInvalidParameter, wantMsg: `QuestionIdentifier "q1" (line 1) is already used`},
		{name: "form empty identifier", q: formQ(nsQF, formQuestion("  ")),
			wantCode: ErrInvalidParameter, wantMsg: "QuestionIdentifier (line 1) is empty"},
		{name: "form missing identifier", q: formQ(nsQF, `<Question>`+formAnswer+`</Question>`),
			wantCode: ErrXMLParse, wantMsg: "missing its required <QuestionIdentifier>"},
		{name: "form two identifiers", q: formQ(nsQF, `<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionIdentifier>b</QuestionIdentifier>`+formAnswer+`</Question>`),
			wantCode: ErrXMLParse, wantMsg: "more than one <QuestionIdentifier>"},
		{name: "form identifier with element", q: formQ(nsQF, formQuestion("<b>a</b>")),
			wantCode: ErrXMLParse, wantMsg: "must contain only text"},
		{name: "form missing answer specification", q: formQ(nsQF, `<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionContent><Text>?</Text></QuestionContent></Question>`),
			wantCode: ErrXMLParse, wantMsg: "missing its required <AnswerSpecification>"},
		{name: "form two answer specifications", q: formQ(nsQF, `<Question><QuestionIdentifier>a</QuestionIdentifier>`+formAnswer+formAnswer+`</Question>`),
			wantCode: ErrXMLParse, wantMsg: "more than one <AnswerSpecification>"},
		{name: "form unknown child", q: formQ(nsQF, formQuestion("a")+`<Footer>x</Footer>`),
			wantCode: ErrXMLParse, wantMsg: "unexpected element <Footer> (line 1) in <QuestionForm>; expected <Overview> or <Question>"},
		{name: "form text child", q: formQ(nsQF, `oops`+formQuestion("a")),
			wantCode: ErrXMLParse, wantMsg: `contains text "oops"`},
		{name: "form without namespace", q: `<QuestionForm>` + formQuestion("a") + `</QuestionForm>`,
			wantCode: ErrXMLParse, wantMsg: "must be in namespace \"" + QuestionFormNamespace + "\" or \"" + QuestionFormNamespace2005 + "\""},
		{name: "form with ExternalQuestion namespace", q: formQ(nsEQ, formQuestion("a")),
			wantCode: ErrXMLParse, wantMsg: "but it is in namespace \"" + ExternalQuestionNamespace + "\""},

		// Root element and namespace
		{name: "external without namespace", q: `<ExternalQuestion><ExternalURL>https://e.com</ExternalURL><FrameHeight>5</FrameHeight></ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "<ExternalQuestion> must be in namespace \"" + ExternalQuestionNamespace + "\""},
		{name: "external with unbound prefix", q: `<mt:ExternalQuestion><mt:ExternalURL>https://e.com</mt:ExternalURL><mt:FrameHeight>5</mt:FrameHeight></mt:ExternalQuestion>`,
			wantCode: ErrXMLParse, wantMsg: "must be in namespace"},
		{name: "unknown root", q: `<HIT><Title>x</Title></HIT>`,
			wantCode: ErrXMLParse, wantMsg: "root element <HIT> is not a known question type; expected <ExternalQuestion>, <HTMLQuestion> or <QuestionForm>"},
		{name: "answer document as question", q: `<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"/>`,
			wantCode: ErrXMLParse, wantMsg: "expected <ExternalQuestion>, <HTMLQuestion> or <QuestionForm>"},

		// Well-formedness
		{name: "empty", q: "", wantCode: ErrXMLParse, wantMsg: "Question is empty"},
		{name: "whitespace only", q: " \n\t ", wantCode: ErrXMLParse, wantMsg: "Question is empty"},
		{name: "plain text", q: "https://example.com/", wantCode: ErrXMLParse, wantMsg: `text "https://example.com/" before the root element`},
		{name: "comments only", q: "<?xml version='1.0'?><!-- nothing -->", wantCode: ErrXMLParse, wantMsg: "no root element"},
		{name: "text before root", q: "hello " + testExternalQuestion[strings.Index(testExternalQuestion, "<Ext"):], wantCode: ErrXMLParse, wantMsg: `text "hello" before the root element`},
		{name: "text after root", q: testHTMLQuestion + "trailing", wantCode: ErrXMLParse, wantMsg: `text "trailing" after the root element`},
		{name: "two roots", q: testExternalQuestion + testExternalQuestion[strings.Index(testExternalQuestion, "<Ext"):], wantCode: ErrXMLParse, wantMsg: "exactly one root element"},
		{name: "comment, PI and whitespace around root", q: "<?xml version=\"1.0\"?>\n<!-- c -->\n<?php echo 1 ?>\n" + extQ("https://e.com", "1") + "\n<!-- end -->\n\n",
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://e.com", FrameHeight: 1}},
		{name: "doctype before root", q: "<!DOCTYPE ExternalQuestion>\n" + extQ("https://e.com", "1"),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://e.com", FrameHeight: 1}},
		{name: "xml declaration after a comment", q: "<!-- c -->" + testExternalQuestion, wantCode: ErrXMLParse, wantMsg: "XML declaration <?xml ...?> must be at the very start"},
		{name: "leading whitespace before the declaration is tolerated", q: "\n   " + testExternalQuestion,
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://tasks.example.com/label?batch=7&item=42&lang=en", FrameHeight: 600}},
		{name: "unclosed root", q: strings.TrimSuffix(testExternalQuestion, "</ExternalQuestion>"), wantCode: ErrXMLParse, wantMsg: "not well-formed XML: line 5: unexpected EOF"},
		{name: "mismatched tags", q: strings.Replace(testExternalQuestion, "</FrameHeight>", "</frameheight>", 1), wantCode: ErrXMLParse, wantMsg: "line 4: element <FrameHeight> closed by </frameheight>"},
		{name: "unescaped ampersand", q: extQ("https://e.com/?a=1&b=2", "1"), wantCode: ErrXMLParse, wantMsg: "not well-formed XML: line 1"},
		{name: "undefined entity", q: extQ("https://e.com/&nbsp;", "1"), wantCode: ErrXMLParse, wantMsg: "invalid character entity &nbsp;"},
		{name: "DTD entity not expanded", q: `<!DOCTYPE ExternalQuestion [<!ENTITY u "https://e.com/">]>` + extQ("&u;", "1"), wantCode: ErrXMLParse, wantMsg: "invalid character entity &u;"},
		{name: "external entity not expanded", q: `<!DOCTYPE ExternalQuestion [<!ENTITY u SYSTEM "file:///etc/passwd">]>` + extQ("https://e.com/&u;", "1"), wantCode: ErrXMLParse, wantMsg: "invalid character entity &u;"},
		{name: "billion laughs", q: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + htmlQ("&lol3;", "1"), wantCode: ErrXMLParse, wantMsg: "invalid character entity &lol3;"},
		{name: "doctype inside root", q: `<ExternalQuestion ` + nsEQ + `><!DOCTYPE x><ExternalURL>https://e.com</ExternalURL><FrameHeight>5</FrameHeight></ExternalQuestion>`, wantCode: ErrXMLParse, wantMsg: "not allowed inside an element"},
		{name: "invalid UTF-8", q: extQ("https://e.com/\xff", "1"), wantCode: ErrXMLParse, wantMsg: "not valid UTF-8"},
		{name: "non-UTF-8 encoding declared", q: `<?xml version="1.0" encoding="ISO-8859-1"?>` + extQ("https://e.com/", "1"), wantCode: ErrXMLParse, wantMsg: "ISO-8859-1"},
		{name: "control character", q: extQ("https://e.com/\x01", "1"), wantCode: ErrXMLParse, wantMsg: "not well-formed XML"},
		{name: "deeply nested", q: formQ(nsQF, `<Overview>`+strings.Repeat("<a>", 300)+strings.Repeat("</a>", 300)+`</Overview>`+formQuestion("a")), wantCode: ErrXMLParse, wantMsg: "nested more than 256 deep"},
		{name: "nested within limit", q: formQ(nsQF, `<Overview>`+strings.Repeat("<a>", 250)+strings.Repeat("</a>", 250)+`</Overview>`+formQuestion("a")),
			want: &ParsedQuestion{Kind: QuestionForm, QuestionIdentifiers: []string{"a"}}},

		// Size
		{name: "exactly MaxQuestionBytes", q: padQuestion(extQ("https://e.com", "1"), MaxQuestionBytes),
			want: &ParsedQuestion{Kind: QuestionExternal, ExternalURL: "https://e.com", FrameHeight: 1}},
		{name: "one byte over MaxQuestionBytes", q: padQuestion(extQ("https://e.com", "1"), MaxQuestionBytes+1),
			wantCode: ErrOutOfRange, wantMsg: "Question is 65536 bytes long; the limit is 65535 bytes"},
		{name: "multi-byte characters count as bytes", q: htmlQ(strings.Repeat("é", 33000), "1"),
			wantCode: ErrOutOfRange, wantMsg: "the limit is 65535 bytes"},
		{name: "huge whitespace", q: strings.Repeat(" ", 1<<20), wantCode: ErrOutOfRange, wantMsg: "limit is 65535 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuestion(tt.q, tt.policy)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("ParseQuestion: unexpected error %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("ParseQuestion = %#v, want %#v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseQuestion = %#v, want error %s", got, tt.wantCode)
			}
			if got != nil {
				t.Errorf("ParseQuestion returned %#v along with error", got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *hitd.Error", err, err)
			}
			if e.Code != tt.wantCode {
				t.Errorf("code = %s, want %s (message %q)", e.Code, tt.wantCode, e.Message)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tt.wantMsg)
			}
			if !strings.HasPrefix(e.Message, "Question") {
				t.Errorf("message = %q, want it to name the Question parameter", e.Message)
			}
		})
	}
}

// padQuestion pads q with trailing whitespace to exactly n bytes.
func padQuestion(q string, n int) string {
	return q + strings.Repeat("\n", n-len(q))
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "localhost.": true, "a.b.localhost": true,
		"127.0.0.1": true, "127.255.255.254": true, "::1": true, "::ffff:127.0.0.1": true,
		"example.com": false, "localhost.example.com": false, "notlocalhost": false,
		"128.0.0.1": false, "10.0.0.1": false, "::2": false, "0.0.0.0": false, "": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// FuzzParseQuestion checks ParseQuestion on any document: failures are
// *Errors of the three documented codes with a message and no result; an
// accepted question has its kind's content, a FrameHeight in range and at
// most MaxQuestionBytes; its ExternalURL or HTMLContent, written into a
// fresh document, parses back equal; and a QuestionForm's identifiers are
// those qform.Parse finds.
func FuzzParseQuestion(f *testing.F) {
	for _, s := range []string{
		testExternalQuestion,
		testHTMLQuestion,
		testQuestionForm,
		extQ("http://localhost:8080/?a=1&amp;b=2", "0"),
		htmlQ("<![CDATA[<p>hi</p>]]>", "300"),
		formQ(nsQF05, formQuestion("a")+formQuestion("b")),
		`<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>`,
		"",
		"<",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	allowed := map[Code]bool{ErrXMLParse: true, ErrInvalidParameter: true, ErrOutOfRange: true}
	f.Fuzz(func(t *testing.T, q string, allowHTTP bool) {
		got, err := ParseQuestion(q, QuestionPolicy{AllowHTTPExternalURLs: allowHTTP})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *hitd.Error", err, err)
			}
			if e.Message == "" {
				t.Fatalf("error with code %s has an empty message", e.Code)
			}
			if !allowed[e.Code] {
				t.Fatalf("unexpected code %s (%s)", e.Code, e.Message)
			}
			if got != nil {
				t.Fatalf("non-nil result %#v along with error", got)
			}
			return
		}
		if got == nil {
			t.Fatal("nil result without error")
		}
		switch got.Kind {
		case QuestionExternal:
			if got.ExternalURL == "" {
				t.Fatal("ExternalQuestion with empty ExternalURL")
			}
		case QuestionHTML:
			if isXMLSpace(got.HTMLContent) {
				t.Fatal("HTMLQuestion with empty HTMLContent")
			}
		case QuestionForm:
			if len(got.QuestionIdentifiers) == 0 {
				t.Fatal("QuestionForm without questions")
			}
		default:
			t.Fatalf("unexpected kind %q", got.Kind)
		}
		if got.FrameHeight < 0 || got.FrameHeight > MaxFrameHeight {
			t.Fatalf("FrameHeight %d out of range", got.FrameHeight)
		}
		if len(q) > MaxQuestionBytes {
			t.Fatalf("accepted a %d-byte question", len(q))
		}
		// What was parsed out, written into a fresh document, parses back
		// the same.
		var again string
		switch got.Kind {
		case QuestionExternal:
			var b strings.Builder
			xml.EscapeText(&b, []byte(got.ExternalURL))
			again = extQ(b.String(), strconv.Itoa(got.FrameHeight))
		case QuestionHTML:
			again = strings.TrimSuffix(LayoutQuestion(got.HTMLContent), LayoutQuestionSuffix) +
				"]]></HTMLContent><FrameHeight>" + strconv.Itoa(got.FrameHeight) + "</FrameHeight></HTMLQuestion>"
		case QuestionForm:
			// The worker site parses QuestionForms with qform, and the worker
			// API reports ParseQuestion's identifiers: they must agree.
			if form, err := qform.Parse(q); err == nil {
				var ids []string
				for _, fq := range form.Questions() {
					ids = append(ids, fq.Identifier)
				}
				if !reflect.DeepEqual(ids, got.QuestionIdentifiers) {
					t.Fatalf("qform identifiers %q, ParseQuestion's %q", ids, got.QuestionIdentifiers)
				}
			}
		}
		if again != "" && len(again) <= MaxQuestionBytes {
			back, err := ParseQuestion(again, QuestionPolicy{AllowHTTPExternalURLs: allowHTTP})
			if err != nil {
				t.Fatalf("%+v written back as %q: %v", got, again, err)
			}
			if got.Kind == QuestionHTML {
				got.HTMLContent = xmlLineEnds(got.HTMLContent) // a raw CR in CDATA reads back as LF
			}
			if !reflect.DeepEqual(back, got) {
				t.Fatalf("%+v written back as %q parses as %+v", got, again, back)
			}
		}
	})
}
