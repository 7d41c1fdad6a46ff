package hitd

import (
	"encoding/xml"
	"errors"
	"io"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// QuestionKind is the kind of question document: ExternalQuestion,
// HTMLQuestion or QuestionForm.
type QuestionKind string

// The three question document kinds MTurk accepts.
const (
	QuestionExternal QuestionKind = "ExternalQuestion"
	QuestionHTML     QuestionKind = "HTMLQuestion"
	QuestionForm     QuestionKind = "QuestionForm"
)

// Schema namespaces, as in MTurk's published schemas. The root element of a
// Question document must be in the namespace of its kind.
const (
	ExternalQuestionNamespace = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"
	HTMLQuestionNamespace     = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
	QuestionFormNamespace     = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
	// QuestionFormNamespace2005 is the older QuestionForm schema, still
	// accepted.
	QuestionFormNamespace2005 = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
)

// MaxQuestionBytes is the largest Question document accepted, in bytes
// (whitespace included), as on MTurk.
const MaxQuestionBytes = 65535

// MaxFrameHeight is the largest FrameHeight accepted, in pixels. MTurk
// documents no ceiling; this one only keeps the value sane.
const MaxFrameHeight = 100000

// maxQuestionDepth bounds element nesting in a Question document. No valid
// question comes near it; it keeps hostile input cheap.
const maxQuestionDepth = 256

// QuestionPolicy holds the server options that affect which questions are
// accepted.
type QuestionPolicy struct {
	AllowHTTPExternalURLs bool // --allow-http-external-urls: accept http:// ExternalURLs for any host
}

// ParsedQuestion is what later code (the worker site) needs from a validated
// question.
type ParsedQuestion struct {
	Kind        QuestionKind
	ExternalURL string // ExternalQuestion: the decoded URL, surrounding whitespace trimmed
	HTMLContent string // HTMLQuestion: the decoded content, as written
	FrameHeight int    // ExternalQuestion / HTMLQuestion (0 means "full window", as on MTurk)
	// QuestionIdentifiers are the QuestionForm's identifiers in document
	// order, surrounding whitespace trimmed.
	QuestionIdentifiers []string
}

// ParseQuestion checks a Question parameter the way MTurk did and returns
// what it found. Errors are *Error with code ErrXMLParse (not well-formed, or
// not a known question schema), ErrInvalidParameter (a well-formed document
// with a value that is not allowed) or ErrOutOfRange (a size limit).
func ParseQuestion(q string, p QuestionPolicy) (*ParsedQuestion, error) {
	if len(q) > MaxQuestionBytes {
		return nil, Errorf(ErrOutOfRange, "Question is %d bytes long; the limit is %d bytes", len(q), MaxQuestionBytes)
	}
	if strings.TrimSpace(q) == "" {
		return nil, Errorf(ErrXMLParse, "Question is empty")
	}
	if !utf8.ValidString(q) {
		return nil, Errorf(ErrXMLParse, "Question is not valid UTF-8")
	}
	q = strings.TrimPrefix(q, "\uFEFF") // a byte order mark may precede the XML declaration
	// Strict XML forbids whitespace before the declaration, but scripts often
	// build the Question from an indented triple-quoted string; accept it.
	q = strings.TrimLeft(q, " \t\r\n")

	root, err := parseQuestionTree(q)
	if err != nil {
		return nil, err
	}
	kind, err := questionKindOf(root)
	if err != nil {
		return nil, err
	}
	if err := root.onlyElements(); err != nil {
		return nil, err
	}
	switch kind {
	case QuestionExternal:
		return parseExternalQuestion(root, p)
	case QuestionHTML:
		return parseHTMLQuestion(root)
	default:
		return parseQuestionForm(root)
	}
}

// questionNode is one element of a parsed Question document.
type questionNode struct {
	name     xml.Name
	line     int
	text     strings.Builder // character data directly inside the element
	children []*questionNode
}

// parseQuestionTree checks that q is one well-formed XML document and returns
// its root element.
func parseQuestionTree(q string) (*questionNode, error) {
	d := xml.NewDecoder(strings.NewReader(q))
	d.Strict = true
	var root *questionNode
	var stack []*questionNode
	for {
		offset := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, questionSyntaxError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			if len(stack) == 0 && root != nil {
				return nil, Errorf(ErrXMLParse, "Question: line %d: element <%s> follows the root element <%s>; a document has exactly one root element", line, t.Name.Local, root.name.Local)
			}
			if len(stack) >= maxQuestionDepth {
				return nil, Errorf(ErrXMLParse, "Question: line %d: elements are nested more than %d deep", line, maxQuestionDepth)
			}
			n := &questionNode{name: t.Name, line: line}
			if len(stack) == 0 {
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1] // the strict decoder has matched it to its start
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
				break
			}
			if !isXMLSpace(string(t)) {
				line, _ := d.InputPos()
				where := "before"
				if root != nil {
					where = "after"
				}
				return nil, Errorf(ErrXMLParse, "Question: line %d: text %s %s the root element; only whitespace, comments and processing instructions may surround it", line, quoteShort(strings.Trim(string(t), " \t\r\n")), where)
			}
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") && offset != 0 {
				line, _ := d.InputPos()
				return nil, Errorf(ErrXMLParse, "Question: line %d: the XML declaration <?xml ...?> must be at the very start of the document", line)
			}
		case xml.Directive:
			if len(stack) > 0 {
				line, _ := d.InputPos()
				return nil, Errorf(ErrXMLParse, "Question: line %d: a <!...> declaration is not allowed inside an element", line)
			}
		case xml.Comment:
		}
	}
	if root == nil {
		return nil, Errorf(ErrXMLParse, "Question has no root element; expected <ExternalQuestion>, <HTMLQuestion> or <QuestionForm>")
	}
	return root, nil
}

// questionSyntaxError reports a decoding error from encoding/xml.
func questionSyntaxError(err error) *Error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return Errorf(ErrXMLParse, "Question is not well-formed XML: line %d: %s", se.Line, se.Msg)
	}
	return Errorf(ErrXMLParse, "Question is not well-formed XML: %s", strings.TrimPrefix(err.Error(), "xml: "))
}

// questionKindOf checks the root element's name and namespace.
func questionKindOf(root *questionNode) (QuestionKind, error) {
	var kind QuestionKind
	var want []string
	switch root.name.Local {
	case string(QuestionExternal):
		kind, want = QuestionExternal, []string{ExternalQuestionNamespace}
	case string(QuestionHTML):
		kind, want = QuestionHTML, []string{HTMLQuestionNamespace}
	case string(QuestionForm):
		kind, want = QuestionForm, []string{QuestionFormNamespace, QuestionFormNamespace2005}
	default:
		return "", Errorf(ErrXMLParse, "Question: root element <%s> is not a known question type; expected <ExternalQuestion>, <HTMLQuestion> or <QuestionForm>", root.name.Local)
	}
	for _, ns := range want {
		if root.name.Space == ns {
			return kind, nil
		}
	}
	got := "no namespace"
	if root.name.Space != "" {
		got = "namespace " + strconv.Quote(root.name.Space)
	}
	quoted := make([]string, len(want))
	for i, ns := range want {
		quoted[i] = strconv.Quote(ns)
	}
	return "", Errorf(ErrXMLParse, "Question: <%s> must be in namespace %s (e.g. xmlns=%s), but it is in %s", kind, strings.Join(quoted, " or "), quoted[0], got)
}

// onlyElements checks that n holds elements and whitespace but no text.
func (n *questionNode) onlyElements() error {
	if s := n.text.String(); !isXMLSpace(s) {
		return Errorf(ErrXMLParse, "Question: <%s> (line %d) contains text %s; it may only contain elements", n.name.Local, n.line, quoteShort(s))
	}
	return nil
}

// textOnly returns n's text, checking that n holds no elements.
func (n *questionNode) textOnly(hint string) (string, error) {
	if len(n.children) > 0 {
		return "", Errorf(ErrXMLParse, "Question: <%s> (line %d) must contain only text, but it contains element <%s>%s", n.name.Local, n.line, n.children[0].name.Local, hint)
	}
	return n.text.String(), nil
}

// childrenOf sorts root's direct children by local name. Every child must be
// in root's namespace and have one of the allowed names; names in once may
// appear at most once.
func childrenOf(root *questionNode, allowed []string, once map[string]bool) (map[string][]*questionNode, error) {
	byName := make(map[string][]*questionNode)
	for _, c := range root.children {
		if c.name.Space != root.name.Space {
			ns := "no namespace"
			if c.name.Space != "" {
				ns = "namespace " + strconv.Quote(c.name.Space)
			}
			return nil, Errorf(ErrXMLParse, "Question: element <%s> (line %d) is in %s; the children of <%s> must be in its namespace %q", c.name.Local, c.line, ns, root.name.Local, root.name.Space)
		}
		ok := false
		for _, a := range allowed {
			ok = ok || c.name.Local == a
		}
		if !ok {
			return nil, Errorf(ErrXMLParse, "Question: unexpected element <%s> (line %d) in <%s>; expected %s", c.name.Local, c.line, root.name.Local, listElements(allowed))
		}
		if once[c.name.Local] && len(byName[c.name.Local]) == 1 {
			return nil, Errorf(ErrXMLParse, "Question: <%s> has more than one <%s> element (line %d)", root.name.Local, c.name.Local, c.line)
		}
		byName[c.name.Local] = append(byName[c.name.Local], c)
	}
	return byName, nil
}

func listElements(names []string) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = "<" + n + ">"
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func missingElement(parent *questionNode, name string) *Error {
	return Errorf(ErrXMLParse, "Question: <%s> (line %d) is missing its required <%s> element", parent.name.Local, parent.line, name)
}

func parseExternalQuestion(root *questionNode, p QuestionPolicy) (*ParsedQuestion, error) {
	byName, err := childrenOf(root, []string{"ExternalURL", "FrameHeight"}, map[string]bool{"ExternalURL": true, "FrameHeight": true})
	if err != nil {
		return nil, err
	}
	if byName["ExternalURL"] == nil {
		return nil, missingElement(root, "ExternalURL")
	}
	if byName["FrameHeight"] == nil {
		return nil, missingElement(root, "FrameHeight")
	}
	raw, err := byName["ExternalURL"][0].textOnly("")
	if err != nil {
		return nil, err
	}
	u, err := checkExternalURL(raw, p)
	if err != nil {
		return nil, err
	}
	h, err := parseFrameHeight(byName["FrameHeight"][0])
	if err != nil {
		return nil, err
	}
	return &ParsedQuestion{Kind: QuestionExternal, ExternalURL: u, FrameHeight: h}, nil
}

func parseHTMLQuestion(root *questionNode) (*ParsedQuestion, error) {
	byName, err := childrenOf(root, []string{"HTMLContent", "FrameHeight"}, map[string]bool{"HTMLContent": true, "FrameHeight": true})
	if err != nil {
		return nil, err
	}
	if byName["HTMLContent"] == nil {
		return nil, missingElement(root, "HTMLContent")
	}
	if byName["FrameHeight"] == nil {
		return nil, missingElement(root, "FrameHeight")
	}
	html, err := byName["HTMLContent"][0].textOnly("; wrap the HTML in <![CDATA[ ... ]]>")
	if err != nil {
		return nil, err
	}
	if isXMLSpace(html) {
		return nil, Errorf(ErrInvalidParameter, "Question: HTMLContent is empty")
	}
	h, err := parseFrameHeight(byName["FrameHeight"][0])
	if err != nil {
		return nil, err
	}
	return &ParsedQuestion{Kind: QuestionHTML, HTMLContent: html, FrameHeight: h}, nil
}

func parseQuestionForm(root *questionNode) (*ParsedQuestion, error) {
	byName, err := childrenOf(root, []string{"Overview", "Question"}, nil)
	if err != nil {
		return nil, err
	}
	if byName["Question"] == nil {
		return nil, missingElement(root, "Question")
	}
	ids := make([]string, 0, len(byName["Question"]))
	seen := make(map[string]int) // identifier → line of its Question
	for _, qn := range byName["Question"] {
		var idNode, answer *questionNode
		for _, c := range qn.children {
			if c.name.Space != root.name.Space {
				continue
			}
			switch c.name.Local {
			case "QuestionIdentifier":
				if idNode != nil {
					return nil, Errorf(ErrXMLParse, "Question: <Question> (line %d) has more than one <QuestionIdentifier> element", qn.line)
				}
				idNode = c
			case "AnswerSpecification":
				if answer != nil {
					return nil, Errorf(ErrXMLParse, "Question: <Question> (line %d) has more than one <AnswerSpecification> element", qn.line)
				}
				answer = c
			}
		}
		if idNode == nil {
			return nil, missingElement(qn, "QuestionIdentifier")
		}
		raw, err := idNode.textOnly("")
		if err != nil {
			return nil, err
		}
		id := strings.TrimSpace(raw)
		if id == "" {
			return nil, Errorf(ErrInvalidParameter, "Question: QuestionIdentifier (line %d) is empty", idNode.line)
		}
		if first, dup := seen[id]; dup {
			return nil, Errorf(ErrInvalidParameter, "Question: QuestionIdentifier %s (line %d) is already used by the question on line %d; identifiers must be unique within a QuestionForm", quoteShort(id), idNode.line, first)
		}
		seen[id] = qn.line
		if answer == nil {
			return nil, missingElement(qn, "AnswerSpecification")
		}
		ids = append(ids, id)
	}
	return &ParsedQuestion{Kind: QuestionForm, QuestionIdentifiers: ids}, nil
}

// parseFrameHeight reads a FrameHeight element: an integer from 0 (the full
// window) to MaxFrameHeight.
func parseFrameHeight(n *questionNode) (int, error) {
	raw, err := n.textOnly("")
	if err != nil {
		return 0, err
	}
	s := strings.Trim(raw, " \t\r\n")
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if s != "" && errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, Errorf(ErrOutOfRange, "Question: FrameHeight %s is out of range; it must be from 0 to %d", quoteShort(s), MaxFrameHeight)
		}
		return 0, Errorf(ErrInvalidParameter, "Question: FrameHeight %s is not an integer; it must be a number of pixels from 0 to %d (0 means the full window)", quoteShort(s), MaxFrameHeight)
	}
	if v < 0 || v > MaxFrameHeight {
		return 0, Errorf(ErrOutOfRange, "Question: FrameHeight %d is out of range; it must be from 0 to %d", v, MaxFrameHeight)
	}
	return int(v), nil
}

// checkExternalURL checks an ExternalURL and returns it trimmed.
func checkExternalURL(raw string, p QuestionPolicy) (string, error) {
	s := strings.Trim(raw, " \t\r\n")
	if s == "" {
		return "", Errorf(ErrInvalidParameter, "Question: ExternalURL is empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", Errorf(ErrInvalidParameter, "Question: ExternalURL %s is not a valid URL: %v", quoteShort(s), err)
	}
	if u.Scheme == "" || u.Opaque != "" || u.Hostname() == "" {
		return "", Errorf(ErrInvalidParameter, "Question: ExternalURL %s must be an absolute URL with a host, such as https://example.com/task", quoteShort(s))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.AllowHTTPExternalURLs && !isLoopbackHost(u.Hostname()) {
			return "", Errorf(ErrInvalidParameter, "Question: ExternalURL %s must use https (http is accepted only for localhost, or when the server runs with --allow-http-external-urls)", quoteShort(s))
		}
	default:
		return "", Errorf(ErrInvalidParameter, "Question: ExternalURL %s must use https, not %s", quoteShort(s), u.Scheme)
	}
	return s, nil
}

// isLoopbackHost reports whether host names this machine: localhost,
// *.localhost, 127.0.0.0/8 or ::1.
func isLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// isXMLSpace reports whether s is only XML whitespace.
func isXMLSpace(s string) bool {
	return strings.Trim(s, " \t\r\n") == ""
}

// quoteShort quotes s for an error message, shortening it if it is long.
func quoteShort(s string) string {
	const max = 100
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
