package qform

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// QuestionForm schema namespaces. All elements of a QuestionForm are in one
// of them (the root element's).
const (
	Namespace     = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
	Namespace2005 = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
)

// OtherSuffix is appended to a QuestionIdentifier to name the text field of
// the question's OtherSelection.
const OtherSuffix = ".other"

// maxDepth bounds element nesting; no valid QuestionForm comes near it.
const maxDepth = 64

// Form is a parsed QuestionForm.
type Form struct {
	Namespace string // the namespace of the document (Namespace or Namespace2005)
	Items     []Item // Overview or Question, in document order
}

// Item is one child of the QuestionForm: exactly one of Overview and
// Question is set.
type Item struct {
	Overview *Overview
	Question *Question
}

// Overview is instructions or information shown between questions.
type Overview struct {
	Content []Content
}

// ContentKind names an element of a QuestionContent or Overview.
type ContentKind string

// The content kinds of the QuestionForm schema.
const (
	ContentTitle          ContentKind = "Title"
	ContentText           ContentKind = "Text"
	ContentList           ContentKind = "List"
	ContentFormatted      ContentKind = "FormattedContent"
	ContentBinary         ContentKind = "Binary"
	ContentApplication    ContentKind = "Application"    // JavaApplet or Flash: parsed, never run
	ContentEmbeddedBinary ContentKind = "EmbeddedBinary" // plug-in content: parsed, shown as a link
)

// Content is one element of a QuestionContent, an Overview or a Selection.
type Content struct {
	Kind        ContentKind
	Text        string   // Title, Text; FormattedContent: the requester's XHTML, unsanitized
	ListItems   []string // List
	Binary      *Binary  // Binary, EmbeddedBinary
	Application string   // Application: "JavaApplet" or "Flash"
}

// Binary is a Binary (or EmbeddedBinary) content element.
type Binary struct {
	MimeType    string // image, audio, video (EmbeddedBinary: any)
	MimeSubType string // optional, e.g. "png"
	DataURL     string // as written; Render only links http(s) URLs
	AltText     string
}

// Question is one question of the form.
type Question struct {
	Identifier  string // QuestionIdentifier, surrounding whitespace trimmed
	DisplayName string
	IsRequired  bool
	Content     []Content // QuestionContent

	// Exactly one of the answer specifications is set.
	FreeText   *FreeTextAnswer
	Selection  *SelectionAnswer
	FileUpload *FileUploadAnswer
}

// FreeTextAnswer is a FreeTextAnswer specification (also used for an
// OtherSelection).
type FreeTextAnswer struct {
	IsNumeric               bool
	MinValue, MaxValue      *int64 // IsNumeric bounds, inclusive; nil when absent
	MinLength, MaxLength    *int   // Length bounds in characters (runes), inclusive; nil when absent
	Regexes                 []AnswerFormatRegex
	DefaultText             *string
	NumberOfLinesSuggestion int // 0 when absent
}

// AnswerFormatRegex is one AnswerFormatRegex constraint. The answer must
// contain a match of the expression somewhere (MTurk's own example of the
// constraint is regex="\S" with errorText "The content cannot be blank.",
// which only works as a search); use ^ and $ to require a whole match.
type AnswerFormatRegex struct {
	Regex     string // as written by the requester
	ErrorText string
	Flags     string
	re        *regexp.Regexp
}

// SelectionAnswer is a SelectionAnswer specification.
type SelectionAnswer struct {
	// MinSelectionCount and MaxSelectionCount default to 1, as on MTurk. A
	// question that is not required may be left unanswered (no selection at
	// all) unless its MinSelectionCount was given explicitly and is above 0.
	MinSelectionCount int
	MaxSelectionCount int
	// StyleSuggestion as written (radiobutton, checkbox, list, dropdown,
	// combobox, multichooser), or "" when absent.
	StyleSuggestion string
	Selections      []Selection
	// Other is the OtherSelection, or nil.
	Other *FreeTextAnswer
	// OtherValue is the form value that chooses the OtherSelection:
	// "__other__", with underscores appended if a SelectionIdentifier of the
	// question already uses that value.
	OtherValue string

	minGiven bool
}

// Selection is one choice of a SelectionAnswer.
type Selection struct {
	Identifier string  // SelectionIdentifier, surrounding whitespace trimmed
	Content    Content // Text, FormattedContent or Binary
}

// FileUploadAnswer is a FileUploadAnswer specification. hitd does not accept
// uploads: Render shows a note and Validate only complains if the question
// is required.
type FileUploadAnswer struct {
	MinFileSizeInBytes int64
	MaxFileSizeInBytes int64
}

// ParseError is what Parse returns for a document it does not accept.
type ParseError struct {
	Line    int    // 1-based line of the element at fault; 0 when unknown
	Element string // local name of the element at fault; "" when none
	Msg     string
}

func (e *ParseError) Error() string {
	switch {
	case e.Element != "" && e.Line > 0:
		return fmt.Sprintf("QuestionForm: <%s> (line %d): %s", e.Element, e.Line, e.Msg)
	case e.Element != "":
		return fmt.Sprintf("QuestionForm: <%s>: %s", e.Element, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("QuestionForm: line %d: %s", e.Line, e.Msg)
	}
	return "QuestionForm: " + e.Msg
}

// Questions returns the form's questions in document order.
func (f *Form) Questions() []*Question {
	var qs []*Question
	for _, it := range f.Items {
		if it.Question != nil {
			qs = append(qs, it.Question)
		}
	}
	return qs
}

// OtherFieldName is the name of the form field holding the text of the
// question's OtherSelection.
func (q *Question) OtherFieldName() string { return q.Identifier + OtherSuffix }

// node is one element of the parsed document.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	line     int
	text     strings.Builder
	children []*node
}

func (n *node) errorf(format string, args ...any) *ParseError {
	return &ParseError{Line: n.line, Element: n.name.Local, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses and checks a QuestionForm document. It accepts what MTurk's
// schema accepts, except that the children of an element may come in any
// order; errors name the element at fault and its line.
func Parse(questionXML string) (*Form, error) {
	if !utf8.ValidString(questionXML) {
		return nil, &ParseError{Msg: "the document is not valid UTF-8"}
	}
	s := strings.TrimPrefix(questionXML, "\uFEFF")
	s = strings.TrimLeft(s, " \t\r\n")
	root, err := parseTree(s)
	if err != nil {
		return nil, err
	}
	if root.name.Local != "QuestionForm" {
		return nil, root.errorf("the root element must be <QuestionForm>")
	}
	if root.name.Space != Namespace && root.name.Space != Namespace2005 {
		return nil, root.errorf("must be in namespace %q (or the older %q), not %s", Namespace, Namespace2005, describeNS(root.name.Space))
	}
	if err := checkNamespaces(root, root.name.Space); err != nil {
		return nil, err
	}
	f := &Form{Namespace: root.name.Space}
	if err := onlyElements(root); err != nil {
		return nil, err
	}
	seen := map[string]int{} // field name → line of the question using it
	for _, c := range root.children {
		switch c.name.Local {
		case "Overview":
			content, err := parseContent(c)
			if err != nil {
				return nil, err
			}
			f.Items = append(f.Items, Item{Overview: &Overview{Content: content}})
		case "Question":
			q, err := parseQuestion(c)
			if err != nil {
				return nil, err
			}
			names := []string{q.Identifier}
			if q.Selection != nil && q.Selection.Other != nil {
				names = append(names, q.OtherFieldName())
			}
			for _, name := range names {
				if line, dup := seen[name]; dup {
					return nil, c.errorf("QuestionIdentifier %s is already used (as a question or an OtherSelection field) by the question on line %d; identifiers must be unique", quote(name), line)
				}
				seen[name] = c.line
			}
			f.Items = append(f.Items, Item{Question: q})
		default:
			return nil, unexpected(c, root, "<Overview> or <Question>")
		}
	}
	if len(seen) == 0 {
		return nil, root.errorf("has no <Question>; a QuestionForm needs at least one")
	}
	return f, nil
}

func parseTree(s string) (*node, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	// The input is a Go string, so already decoded; an ASCII declaration
	// (MTurk's answers carry one) changes nothing.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "ascii", "us-ascii", "utf8":
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported; use UTF-8", label)
	}
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &ParseError{Line: se.Line, Msg: "not well-formed XML: " + se.Msg}
			}
			return nil, &ParseError{Msg: "not well-formed XML: " + strings.TrimPrefix(err.Error(), "xml: ")}
		}
		line, _ := d.InputPos()
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, &ParseError{Line: line, Element: t.Name.Local, Msg: "follows the root element; a document has one root element"}
			}
			if len(stack) >= maxDepth {
				return nil, &ParseError{Line: line, Element: t.Name.Local, Msg: fmt.Sprintf("elements are nested more than %d deep", maxDepth)}
			}
			n := &node{name: t.Name, attrs: t.Attr, line: line}
			if len(stack) == 0 {
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if !isSpace(string(t)) {
				return nil, &ParseError{Line: line, Msg: "text outside the root element"}
			}
		case xml.Directive:
			if len(stack) > 0 {
				return nil, &ParseError{Line: line, Msg: "a <!...> declaration is not allowed inside an element"}
			}
		}
	}
	if root == nil {
		return nil, &ParseError{Msg: "the document has no root element; expected <QuestionForm>"}
	}
	return root, nil
}

// checkNamespaces checks that n and every element below it is in ns.
func checkNamespaces(n *node, ns string) error {
	if n.name.Space != ns {
		return n.errorf("is in %s; every element of the QuestionForm must be in its namespace %q", describeNS(n.name.Space), ns)
	}
	for _, c := range n.children {
		if err := checkNamespaces(c, ns); err != nil {
			return err
		}
	}
	return nil
}

func describeNS(ns string) string {
	if ns == "" {
		return "no namespace"
	}
	return "namespace " + strconv.Quote(ns)
}

func isSpace(s string) bool { return strings.Trim(s, " \t\r\n") == "" }

// onlyElements checks that n holds no text other than whitespace.
func onlyElements(n *node) error {
	if s := n.text.String(); !isSpace(s) {
		return n.errorf("contains text %s; it may only contain elements", quote(strings.TrimSpace(s)))
	}
	return nil
}

// textOf returns n's text, checking that n contains no elements.
func textOf(n *node) (string, error) {
	if len(n.children) > 0 {
		hint := ""
		if n.name.Local == "FormattedContent" {
			hint = "; wrap the XHTML in <![CDATA[ ... ]]>"
		}
		return "", n.errorf("must contain only text, but contains element <%s>%s", n.children[0].name.Local, hint)
	}
	return n.text.String(), nil
}

func unexpected(c, parent *node, want string) *ParseError {
	return c.errorf("is not allowed in <%s>; expected %s", parent.name.Local, want)
}

// children sorts n's children by name, checking that each is allowed and
// that names in once appear at most once.
func children(n *node, allowed []string, once map[string]bool) (map[string][]*node, error) {
	if err := onlyElements(n); err != nil {
		return nil, err
	}
	by := map[string][]*node{}
	for _, c := range n.children {
		ok := false
		for _, a := range allowed {
			ok = ok || a == c.name.Local
		}
		if !ok {
			return nil, unexpected(c, n, listNames(allowed))
		}
		if once[c.name.Local] && len(by[c.name.Local]) > 0 {
			return nil, c.errorf("appears more than once in <%s> (line %d)", n.name.Local, n.line)
		}
		by[c.name.Local] = append(by[c.name.Local], c)
	}
	return by, nil
}

func listNames(names []string) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = "<" + n + ">"
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func required(n *node, by map[string][]*node, name string) (*node, error) {
	if len(by[name]) == 0 {
		return nil, n.errorf("is missing its required <%s> element", name)
	}
	return by[name][0], nil
}

// checkAttrs rejects attributes other than the allowed ones (namespace
// declarations and xsi: attributes aside).
func checkAttrs(n *node, allowed ...string) error {
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" {
			continue
		}
		ok := false
		for _, name := range allowed {
			ok = ok || (a.Name.Space == "" && a.Name.Local == name)
		}
		if !ok {
			if len(allowed) == 0 {
				return n.errorf("has attribute %q; it takes none", a.Name.Local)
			}
			return n.errorf("has unknown attribute %q; allowed: %s", a.Name.Local, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func attr(n *node, name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

var contentNames = []string{"Title", "Text", "List", "FormattedContent", "Binary", "Application", "EmbeddedBinary"}

// parseContent reads a ContentType element (Overview, QuestionContent).
func parseContent(n *node) ([]Content, error) {
	if _, err := children(n, contentNames, nil); err != nil {
		return nil, err
	}
	if len(n.children) == 0 {
		return nil, n.errorf("is empty; it needs at least one of %s", listNames(contentNames))
	}
	var out []Content
	for _, c := range n.children {
		ct, err := parseContentItem(c)
		if err != nil {
			return nil, err
		}
		out = append(out, ct)
	}
	return out, nil
}

func parseContentItem(c *node) (Content, error) {
	switch c.name.Local {
	case "Title", "Text", "FormattedContent":
		s, err := textOf(c)
		if err != nil {
			return Content{}, err
		}
		return Content{Kind: ContentKind(c.name.Local), Text: s}, nil
	case "List":
		by, err := children(c, []string{"ListItem"}, nil)
		if err != nil {
			return Content{}, err
		}
		if len(by["ListItem"]) == 0 {
			return Content{}, c.errorf("needs at least one <ListItem>")
		}
		ct := Content{Kind: ContentList}
		for _, li := range by["ListItem"] {
			s, err := textOf(li)
			if err != nil {
				return Content{}, err
			}
			ct.ListItems = append(ct.ListItems, s)
		}
		return ct, nil
	case "Binary":
		b, err := parseBinary(c, false)
		if err != nil {
			return Content{}, err
		}
		return Content{Kind: ContentBinary, Binary: b}, nil
	case "EmbeddedBinary":
		b, err := parseBinary(c, true)
		if err != nil {
			return Content{}, err
		}
		return Content{Kind: ContentEmbeddedBinary, Binary: b}, nil
	default: // Application
		if _, err := children(c, []string{"JavaApplet", "Flash"}, nil); err != nil {
			return Content{}, err
		}
		if len(c.children) != 1 {
			return Content{}, c.errorf("must contain exactly one of <JavaApplet> or <Flash>")
		}
		return Content{Kind: ContentApplication, Application: c.children[0].name.Local}, nil
	}
}

// parseBinary reads a Binary or EmbeddedBinary element. Width, Height and
// ApplicationParameter of an EmbeddedBinary are accepted and ignored.
func parseBinary(c *node, embedded bool) (*Binary, error) {
	mime := "MimeType"
	allowed := []string{"MimeType", "DataURL", "AltText"}
	if embedded {
		mime = "EmbeddedMimeType"
		allowed = []string{"EmbeddedMimeType", "DataURL", "AltText", "Width", "Height", "ApplicationParameter"}
	}
	by, err := children(c, allowed, map[string]bool{mime: true, "DataURL": true, "AltText": true, "Width": true, "Height": true})
	if err != nil {
		return nil, err
	}
	b := &Binary{}
	mn, err := required(c, by, mime)
	if err != nil {
		return nil, err
	}
	mby, err := children(mn, []string{"Type", "SubType"}, map[string]bool{"Type": true, "SubType": true})
	if err != nil {
		return nil, err
	}
	tn, err := required(mn, mby, "Type")
	if err != nil {
		return nil, err
	}
	if b.MimeType, err = trimmedText(tn); err != nil {
		return nil, err
	}
	if !embedded && b.MimeType != "image" && b.MimeType != "audio" && b.MimeType != "video" {
		return nil, tn.errorf("is %s; it must be image, audio or video", quote(b.MimeType))
	}
	if st := mby["SubType"]; len(st) > 0 {
		if b.MimeSubType, err = trimmedText(st[0]); err != nil {
			return nil, err
		}
	}
	un, err := required(c, by, "DataURL")
	if err != nil {
		return nil, err
	}
	if b.DataURL, err = trimmedText(un); err != nil {
		return nil, err
	}
	an, err := required(c, by, "AltText")
	if err != nil {
		return nil, err
	}
	if b.AltText, err = trimmedText(an); err != nil {
		return nil, err
	}
	return b, nil
}

func trimmedText(n *node) (string, error) {
	s, err := textOf(n)
	return strings.TrimSpace(s), err
}

func parseQuestion(n *node) (*Question, error) {
	by, err := children(n, []string{"QuestionIdentifier", "DisplayName", "IsRequired", "QuestionContent", "AnswerSpecification"},
		map[string]bool{"QuestionIdentifier": true, "DisplayName": true, "IsRequired": true, "QuestionContent": true, "AnswerSpecification": true})
	if err != nil {
		return nil, err
	}
	q := &Question{}
	idn, err := required(n, by, "QuestionIdentifier")
	if err != nil {
		return nil, err
	}
	if q.Identifier, err = trimmedText(idn); err != nil {
		return nil, err
	}
	if q.Identifier == "" {
		return nil, idn.errorf("is empty")
	}
	if dn := by["DisplayName"]; len(dn) > 0 {
		if q.DisplayName, err = trimmedText(dn[0]); err != nil {
			return nil, err
		}
	}
	if rn := by["IsRequired"]; len(rn) > 0 {
		s, err := trimmedText(rn[0])
		if err != nil {
			return nil, err
		}
		switch s {
		case "true", "1":
			q.IsRequired = true
		case "false", "0":
		default:
			return nil, rn[0].errorf("is %s; it must be true or false", quote(s))
		}
	}
	cn, err := required(n, by, "QuestionContent")
	if err != nil {
		return nil, err
	}
	if q.Content, err = parseContent(cn); err != nil {
		return nil, err
	}
	an, err := required(n, by, "AnswerSpecification")
	if err != nil {
		return nil, err
	}
	aby, err := children(an, []string{"FreeTextAnswer", "SelectionAnswer", "FileUploadAnswer"}, nil)
	if err != nil {
		return nil, err
	}
	if len(an.children) != 1 {
		return nil, an.errorf("must contain exactly one of <FreeTextAnswer>, <SelectionAnswer> or <FileUploadAnswer>")
	}
	switch {
	case len(aby["FreeTextAnswer"]) == 1:
		q.FreeText, err = parseFreeText(aby["FreeTextAnswer"][0])
	case len(aby["SelectionAnswer"]) == 1:
		q.Selection, err = parseSelection(aby["SelectionAnswer"][0])
	default:
		q.FileUpload, err = parseFileUpload(aby["FileUploadAnswer"][0])
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

func parseFreeText(n *node) (*FreeTextAnswer, error) {
	by, err := children(n, []string{"Constraints", "DefaultText", "NumberOfLinesSuggestion"},
		map[string]bool{"Constraints": true, "DefaultText": true, "NumberOfLinesSuggestion": true})
	if err != nil {
		return nil, err
	}
	ft := &FreeTextAnswer{}
	if cs := by["Constraints"]; len(cs) > 0 {
		if err := parseConstraints(cs[0], ft); err != nil {
			return nil, err
		}
	}
	if dt := by["DefaultText"]; len(dt) > 0 {
		s, err := textOf(dt[0])
		if err != nil {
			return nil, err
		}
		ft.DefaultText = &s
	}
	if nl := by["NumberOfLinesSuggestion"]; len(nl) > 0 {
		v, err := intText(nl[0], 1)
		if err != nil {
			return nil, err
		}
		ft.NumberOfLinesSuggestion = int(min(v, 1000))
	}
	return ft, nil
}

func parseConstraints(n *node, ft *FreeTextAnswer) error {
	by, err := children(n, []string{"IsNumeric", "Length", "AnswerFormatRegex"}, map[string]bool{"IsNumeric": true, "Length": true})
	if err != nil {
		return err
	}
	if in := by["IsNumeric"]; len(in) > 0 {
		e := in[0]
		if err := noContent(e); err != nil {
			return err
		}
		if err := checkAttrs(e, "minValue", "maxValue"); err != nil {
			return err
		}
		ft.IsNumeric = true
		if ft.MinValue, err = intAttr(e, "minValue", -1<<63); err != nil {
			return err
		}
		if ft.MaxValue, err = intAttr(e, "maxValue", -1<<63); err != nil {
			return err
		}
		if ft.MinValue != nil && ft.MaxValue != nil && *ft.MinValue > *ft.MaxValue {
			return e.errorf("minValue %d is greater than maxValue %d", *ft.MinValue, *ft.MaxValue)
		}
	}
	if ln := by["Length"]; len(ln) > 0 {
		e := ln[0]
		if err := noContent(e); err != nil {
			return err
		}
		if err := checkAttrs(e, "minLength", "maxLength"); err != nil {
			return err
		}
		lo, err := intAttr(e, "minLength", 0)
		if err != nil {
			return err
		}
		hi, err := intAttr(e, "maxLength", 1)
		if err != nil {
			return err
		}
		if lo != nil {
			v := int(min(*lo, 1<<31))
			ft.MinLength = &v
		}
		if hi != nil {
			v := int(min(*hi, 1<<31))
			ft.MaxLength = &v
		}
		if lo != nil && hi != nil && *lo > *hi {
			return e.errorf("minLength %d is greater than maxLength %d", *lo, *hi)
		}
	}
	for _, e := range by["AnswerFormatRegex"] {
		if err := noContent(e); err != nil {
			return err
		}
		if err := checkAttrs(e, "regex", "errorText", "flags"); err != nil {
			return err
		}
		r := AnswerFormatRegex{}
		var ok bool
		if r.Regex, ok = attr(e, "regex"); !ok {
			return e.errorf("is missing its required regex attribute")
		}
		r.ErrorText, _ = attr(e, "errorText")
		r.Flags, _ = attr(e, "flags")
		re, err := compileRegex(r.Regex, r.Flags)
		if err != nil {
			return e.errorf("%v", err)
		}
		r.re = re
		ft.Regexes = append(ft.Regexes, r)
	}
	return nil
}

// noContent checks that n is empty (whitespace aside).
func noContent(n *node) error {
	if len(n.children) > 0 {
		return n.errorf("must be empty, but contains <%s>", n.children[0].name.Local)
	}
	return onlyElements(n)
}

// intAttr reads an optional integer attribute that must be at least lo.
func intAttr(n *node, name string, lo int64) (*int64, error) {
	s, ok := attr(n, name)
	if !ok {
		return nil, nil
	}
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, n.errorf("%s %s is not an integer", name, quote(s))
	}
	if v < lo {
		return nil, n.errorf("%s is %d; it must be at least %d", name, v, lo)
	}
	return &v, nil
}

// intText reads an integer element that must be at least lo.
func intText(n *node, lo int64) (int64, error) {
	s, err := trimmedText(n)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, n.errorf("is %s; it must be an integer", quote(s))
	}
	if v < lo {
		return 0, n.errorf("is %d; it must be at least %d", v, lo)
	}
	return v, nil
}

var styles = map[string]bool{"radiobutton": true, "checkbox": true, "list": true, "dropdown": true, "combobox": true, "multichooser": true}

func parseSelection(n *node) (*SelectionAnswer, error) {
	by, err := children(n, []string{"MinSelectionCount", "MaxSelectionCount", "StyleSuggestion", "Selections"},
		map[string]bool{"MinSelectionCount": true, "MaxSelectionCount": true, "StyleSuggestion": true, "Selections": true})
	if err != nil {
		return nil, err
	}
	sa := &SelectionAnswer{MinSelectionCount: 1, MaxSelectionCount: 1}
	if mn := by["MinSelectionCount"]; len(mn) > 0 {
		v, err := intText(mn[0], 0)
		if err != nil {
			return nil, err
		}
		sa.MinSelectionCount = int(min(v, 1<<31))
		sa.minGiven = true
	}
	if mx := by["MaxSelectionCount"]; len(mx) > 0 {
		v, err := intText(mx[0], 1)
		if err != nil {
			return nil, err
		}
		sa.MaxSelectionCount = int(min(v, 1<<31))
	}
	if sa.MinSelectionCount > sa.MaxSelectionCount {
		if !sa.minGiven {
			sa.MinSelectionCount = sa.MaxSelectionCount // cannot happen: max ≥ 1
		} else {
			return nil, n.errorf("MinSelectionCount %d is greater than MaxSelectionCount %d", sa.MinSelectionCount, sa.MaxSelectionCount)
		}
	}
	if st := by["StyleSuggestion"]; len(st) > 0 {
		s, err := trimmedText(st[0])
		if err != nil {
			return nil, err
		}
		if !styles[s] {
			return nil, st[0].errorf("is %s; it must be one of radiobutton, checkbox, list, dropdown, combobox or multichooser", quote(s))
		}
		sa.StyleSuggestion = s
	}
	sn, err := required(n, by, "Selections")
	if err != nil {
		return nil, err
	}
	sby, err := children(sn, []string{"Selection", "OtherSelection"}, map[string]bool{"OtherSelection": true})
	if err != nil {
		return nil, err
	}
	if len(sby["Selection"]) == 0 {
		return nil, sn.errorf("needs at least one <Selection>")
	}
	seen := map[string]int{}
	for _, c := range sby["Selection"] {
		s, err := parseOneSelection(c)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[s.Identifier]; dup {
			return nil, c.errorf("SelectionIdentifier %s is already used by the selection on line %d", quote(s.Identifier), line)
		}
		seen[s.Identifier] = c.line
		sa.Selections = append(sa.Selections, s)
	}
	if os := sby["OtherSelection"]; len(os) > 0 {
		if sa.Other, err = parseFreeText(os[0]); err != nil {
			return nil, err
		}
		sa.OtherValue = "__other__"
		for {
			if _, clash := seen[sa.OtherValue]; !clash {
				break
			}
			sa.OtherValue += "_"
		}
	}
	return sa, nil
}

func parseOneSelection(n *node) (Selection, error) {
	by, err := children(n, []string{"SelectionIdentifier", "Text", "FormattedContent", "Binary"},
		map[string]bool{"SelectionIdentifier": true})
	if err != nil {
		return Selection{}, err
	}
	idn, err := required(n, by, "SelectionIdentifier")
	if err != nil {
		return Selection{}, err
	}
	s := Selection{}
	if s.Identifier, err = trimmedText(idn); err != nil {
		return Selection{}, err
	}
	if s.Identifier == "" {
		return Selection{}, idn.errorf("is empty")
	}
	if len(n.children) != 2 {
		return Selection{}, n.errorf("must contain a <SelectionIdentifier> and exactly one of <Text>, <FormattedContent> or <Binary>")
	}
	for _, c := range n.children {
		if c.name.Local != "SelectionIdentifier" {
			if s.Content, err = parseContentItem(c); err != nil {
				return Selection{}, err
			}
		}
	}
	return s, nil
}

func parseFileUpload(n *node) (*FileUploadAnswer, error) {
	by, err := children(n, []string{"MaxFileSizeInBytes", "MinFileSizeInBytes"},
		map[string]bool{"MaxFileSizeInBytes": true, "MinFileSizeInBytes": true})
	if err != nil {
		return nil, err
	}
	fu := &FileUploadAnswer{}
	mx, err := required(n, by, "MaxFileSizeInBytes")
	if err != nil {
		return nil, err
	}
	mn, err := required(n, by, "MinFileSizeInBytes")
	if err != nil {
		return nil, err
	}
	if fu.MaxFileSizeInBytes, err = intText(mx, 1); err != nil {
		return nil, err
	}
	if fu.MinFileSizeInBytes, err = intText(mn, 1); err != nil {
		return nil, err
	}
	return fu, nil
}

// quote quotes s for an error message, shortening it if it is long.
func quote(s string) string {
	const max = 80
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
