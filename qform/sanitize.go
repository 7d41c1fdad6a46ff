package qform

import (
	"encoding/xml"
	"html"
	"html/template"
	"io"
	"net/url"
	"strings"
)

// Allowed elements: the presentational subset of XHTML that MTurk's
// "Formatted Content: XHTML" allowed. div is unwrapped rather than kept, so
// that requester content can never close one of the page's own <div>s.
var allowedElements = setOf(
	"a", "abbr", "acronym", "address", "b", "big", "blockquote", "br", "caption",
	"center", "cite", "code", "col", "colgroup", "dd", "del", "dfn", "dl", "dt",
	"em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
	"kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike",
	"strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
	"tt", "u", "ul", "var",
)

// Elements emitted without an end tag.
var voidElements = setOf("br", "hr", "img", "col")

// Elements dropped together with everything inside them. Any other element
// that is not allowed is unwrapped: its tags go, its text stays.
var droppedElements = setOf(
	"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
	"noscript", "noembed", "noframes", "template", "svg", "math", "textarea",
	"select", "option", "optgroup", "datalist", "button", "title", "head", "xmp",
	"plaintext", "listing", "audio", "video", "canvas", "map", "portal", "dialog",
	"input", "link", "meta", "base", "param", "source", "track", "area", "keygen",
)

// Attributes kept on any allowed element (values are re-escaped). id, name,
// class and style are never kept: id and name could clobber the page's DOM,
// class could dress requester content as the site's own controls, and
// style is CSS.
var allowedAttrs = setOf(
	"align", "alt", "bgcolor", "border", "cellpadding", "cellspacing", "color",
	"cols", "colspan", "dir", "face", "height", "lang", "rows", "rowspan", "size",
	"span", "start", "summary", "title", "type", "valign", "width", "nowrap",
)

// Start tags that close an open <p>, as an HTML parser would.
var closesP = setOf("p", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6",
	"pre", "blockquote", "hr", "center", "address")

const maxSanitizeDepth = 64

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// SanitizeFormattedContent turns requester XHTML (a FormattedContent) into
// HTML that is safe on the worker site's own origin. The input is tokenized
// (leniently: HTML entities, unquoted attributes and unclosed tags are
// accepted) and a new document is written from the tokens: only elements
// and attributes of an allow-list are written, every text and attribute
// value is escaped, href may only hold an absolute http, https or mailto URL
// and src an absolute http or https URL, links open in a new window without
// an opener, and tags are always balanced. Scripts, styles, frames,
// plug-ins, SVG, MathML and form controls are dropped with their content;
// comments, processing instructions and declarations are dropped; other
// unknown elements keep their text. If the input stops being tokenizable,
// the rest of it is written as escaped text.
func SanitizeFormattedContent(xhtml string) template.HTML {
	var s sanitizer
	s.run(xhtml)
	return template.HTML(s.out.String())
}

type sanitizer struct {
	out      strings.Builder
	stack    []string // open elements written to out
	skip     string   // element whose content is being dropped, or ""
	skipOpen int      // nesting of skip inside itself
}

func newLenientDecoder(s string) *xml.Decoder {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

func (s *sanitizer) run(in string) {
	d := newLenientDecoder(in)
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			if s.skip == "" && off < int64(len(in)) {
				s.text(in[off:])
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s.start(t)
		case xml.EndElement:
			s.end(strings.ToLower(t.Name.Local))
		case xml.CharData:
			if s.skip == "" {
				s.text(string(t))
			}
		}
	}
	for len(s.stack) > 0 {
		s.pop()
	}
}

func (s *sanitizer) text(t string) {
	s.out.WriteString(html.EscapeString(strings.ReplaceAll(t, "\x00", "")))
}

func (s *sanitizer) start(t xml.StartElement) {
	name := strings.ToLower(t.Name.Local)
	if s.skip != "" {
		if name == s.skip {
			s.skipOpen++
		}
		return
	}
	if droppedElements[name] {
		if !selfClosingVoid(name) {
			s.skip, s.skipOpen = name, 1
		}
		return
	}
	if !allowedElements[name] || len(s.stack) >= maxSanitizeDepth {
		return // unwrapped: its text is kept
	}
	s.impliedEnds(name)
	var attrs strings.Builder
	hasURL := false
	seen := map[string]bool{}
	for _, a := range t.Attr {
		an := strings.ToLower(a.Name.Local)
		if a.Name.Space != "" || seen[an] {
			continue // xlink:href, xml:*, foo:onload…; or a repeated attribute
		}
		seen[an] = true
		switch {
		case an == "href" && name == "a":
			if u, ok := safeURL(a.Value, true); ok && !hasURL {
				writeAttr(&attrs, "href", u)
				hasURL = true
			}
		case an == "src" && name == "img":
			if u, ok := safeURL(a.Value, false); ok && !hasURL {
				writeAttr(&attrs, "src", u)
				hasURL = true
			}
		case allowedAttrs[an] && len(a.Value) <= 1000:
			writeAttr(&attrs, an, a.Value)
		}
	}
	if name == "img" && !hasURL {
		return // an image with no usable source is dropped
	}
	if name == "a" && hasURL {
		attrs.WriteString(` target="_blank" rel="noopener noreferrer nofollow"`)
	}
	s.out.WriteString("<" + name + attrs.String() + ">")
	if !voidElements[name] {
		s.stack = append(s.stack, name)
	}
}

// selfClosingVoid reports whether a dropped element has no content to skip.
func selfClosingVoid(name string) bool {
	switch name {
	case "input", "link", "meta", "base", "param", "source", "track", "area", "keygen", "embed", "frame":
		return true
	}
	return false
}

// impliedEnds closes what an HTML parser would close before name starts,
// so that the written tree is the one browsers build.
func (s *sanitizer) impliedEnds(name string) {
	top := func() string {
		if len(s.stack) == 0 {
			return ""
		}
		return s.stack[len(s.stack)-1]
	}
	switch {
	case closesP[name]:
		if top() == "p" {
			s.pop()
		}
	case name == "li":
		if top() == "li" {
			s.pop()
		}
	case name == "dt" || name == "dd":
		if top() == "dt" || top() == "dd" {
			s.pop()
		}
	case name == "td" || name == "th":
		if top() == "td" || top() == "th" {
			s.pop()
		}
	case name == "tr":
		if top() == "td" || top() == "th" {
			s.pop()
		}
		if top() == "tr" {
			s.pop()
		}
	case name == "a":
		for i := len(s.stack) - 1; i >= 0; i-- {
			if s.stack[i] == "a" { // no links inside links
				s.end("a")
				break
			}
		}
	}
}

func (s *sanitizer) end(name string) {
	if s.skip != "" {
		if name == s.skip {
			s.skipOpen--
			if s.skipOpen == 0 {
				s.skip = ""
			}
		}
		return
	}
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i] == name {
			for len(s.stack) > i {
				s.pop()
			}
			return
		}
	}
	// An end tag with no open element of its name is ignored.
}

func (s *sanitizer) pop() {
	name := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.out.WriteString("</" + name + ">")
}

func writeAttr(b *strings.Builder, name, value string) {
	b.WriteString(" " + name + `="` + html.EscapeString(strings.ReplaceAll(value, "\x00", "")) + `"`)
}

// safeURL returns raw as an absolute http or https URL (or, if mailto is
// set, a mailto URL), normalized; ok is false for anything else, including
// relative and protocol-relative URLs (which would point at the worker
// site itself) and URLs with a user name (https://mturk.com@evil.example).
func safeURL(raw string, mailto bool) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" || u.User != nil || u.Opaque != "" {
			return "", false
		}
	case "mailto":
		if !mailto || u.Opaque == "" {
			return "", false
		}
	default:
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u.String(), true
}

// formattedText returns the text of requester XHTML, for places that take
// plain text only (the options of a <select>). Whitespace is collapsed.
func formattedText(xhtml string) string {
	d := newLenientDecoder(xhtml)
	var b strings.Builder
	skip, skipOpen := "", 0
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			if skip == "" && off < int64(len(xhtml)) {
				b.WriteString(xhtml[off:])
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			switch {
			case skip != "":
				if name == skip {
					skipOpen++
				}
			case droppedElements[name] && !selfClosingVoid(name):
				skip, skipOpen = name, 1
			default:
				b.WriteByte(' ')
			}
		case xml.EndElement:
			if skip != "" && strings.ToLower(t.Name.Local) == skip {
				if skipOpen--; skipOpen == 0 {
					skip = ""
				}
			}
		case xml.CharData:
			if skip == "" {
				b.Write(t)
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
