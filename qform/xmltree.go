package qform

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

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

// maxDepth bounds element nesting; no valid document comes near it.
const maxDepth = 64

// parseTree reads one well-formed XML document (QuestionForm or
// QuestionFormAnswers) into a tree of elements, with their text and lines.
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
