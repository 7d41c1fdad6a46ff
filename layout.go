package hitd

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// HIT layouts are MTurk's "project" templates: HTML with ${name}
// placeholders, kept by a requester and filled in per HIT with
// HITLayoutParameters. MTurk's API never had operations to make them (the
// requester web site did); hitd's operators make them with
// "hitd layout create".
//
// Placeholder syntax: "${" NAME "}", where NAME is a letter followed by
// letters, digits and underscores (ASCII), matched case-sensitively. There
// is no escape: "$${x}" is a "$" followed by the placeholder ${x}. Any "${"
// that does not start a valid placeholder ("${ x }", "${a.b}", "${1}", a
// "${" with no "}") is literal text and stays in the HTML unchanged — so a
// JavaScript template literal can keep its ${ … } by writing a space after
// the brace, while `${count}` in a script is a placeholder like any other.

// HITLayout is a requester's HTML template for HITs.
type HITLayout struct {
	ID           string // 30 upper-case alphanumerics, like MTurk's
	RequesterID  string
	Name         string
	HTML         string
	CreationTime time.Time
	Deleted      bool // deleted layouts cannot be used for new HITs
}

// Limits on layouts.
const (
	MaxLayoutNameRunes = 255
)

// LayoutQuestionPrefix and LayoutQuestionSuffix wrap a rendered layout as
// the HTMLQuestion a HIT stores (FrameHeight 0: the full window).
const (
	LayoutQuestionPrefix = `<HTMLQuestion xmlns="` + HTMLQuestionNamespace + `"><HTMLContent><![CDATA[`
	LayoutQuestionSuffix = `]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>`
)

// LayoutID returns a new random HIT layout ID: 30 upper-case alphanumerics.
func (g IDSource) LayoutID() string { return g.random(IDLength, idAlphabet) }

// layoutSegment is a piece of a template: literal text, or (name != "") a
// placeholder.
type layoutSegment struct {
	text string
	name string
}

// parseLayout splits a template into literal text and placeholders.
func parseLayout(src string) []layoutSegment {
	var segs []layoutSegment
	lit := 0 // start of the pending literal text
	for i := 0; i < len(src); {
		j := strings.Index(src[i:], "${")
		if j < 0 {
			break
		}
		start := i + j
		name, ok := placeholderAt(src, start+2)
		if !ok {
			i = start + 2 // "${" that starts no placeholder is text
			continue
		}
		if start > lit {
			segs = append(segs, layoutSegment{text: src[lit:start]})
		}
		segs = append(segs, layoutSegment{name: name})
		i = start + 2 + len(name) + 1
		lit = i
	}
	if lit < len(src) {
		segs = append(segs, layoutSegment{text: src[lit:]})
	}
	return segs
}

// placeholderAt returns the name of the placeholder whose name starts at
// src[i] (just after "${"), if a valid name followed by "}" is there.
func placeholderAt(src string, i int) (string, bool) {
	j := i
	for j < len(src) && isNameByte(src[j], j == i) {
		j++
	}
	if j == i || j >= len(src) || src[j] != '}' {
		return "", false
	}
	return src[i:j], true
}

func isNameByte(b byte, first bool) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		return true
	case '0' <= b && b <= '9', b == '_':
		return !first
	}
	return false
}

// IsLayoutPlaceholderName reports whether name is a valid placeholder name.
func IsLayoutPlaceholderName(name string) bool {
	got, ok := placeholderAt(name+"}", 0)
	return ok && got == name
}

// LayoutPlaceholders returns the names of a template's placeholders, each
// once, in order of first appearance.
func LayoutPlaceholders(src string) []string {
	var names []string
	seen := make(map[string]bool)
	for _, s := range parseLayout(src) {
		if s.name != "" && !seen[s.name] {
			seen[s.name] = true
			names = append(names, s.name)
		}
	}
	return names
}

// Placeholders returns the layout's placeholder names in order of first
// appearance.
func (l *HITLayout) Placeholders() []string { return LayoutPlaceholders(l.HTML) }

// Render fills the layout's placeholders. Every placeholder needs exactly
// one parameter, and every parameter must name a placeholder; otherwise the
// error (ErrInvalidParameter) names the missing, unknown and duplicate
// names. Each value is HTML-escaped (html.EscapeString) and inserted once:
// values are never scanned for placeholders themselves.
func (l *HITLayout) Render(params []HITLayoutParameter) (string, error) {
	segs := parseLayout(l.HTML)
	want := make(map[string]bool)
	var names []string
	for _, s := range segs {
		if s.name != "" && !want[s.name] {
			want[s.name] = true
			names = append(names, s.name)
		}
	}
	values := make(map[string]string, len(params))
	var unknown, dup []string
	for _, p := range params {
		if _, ok := values[p.Name]; ok {
			if !slices.Contains(dup, p.Name) {
				dup = append(dup, p.Name)
			}
			continue
		}
		values[p.Name] = p.Value
		if !want[p.Name] {
			unknown = append(unknown, p.Name)
		}
	}
	var missing []string
	for _, n := range names {
		if _, ok := values[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing)+len(unknown)+len(dup) > 0 {
		var problems []string
		if len(missing) > 0 {
			problems = append(problems, "no value for "+quoteNames(missing))
		}
		if len(unknown) > 0 {
			problems = append(problems, "unknown "+quoteNames(unknown))
		}
		if len(dup) > 0 {
			problems = append(problems, "more than one value for "+quoteNames(dup))
		}
		have := "none"
		if len(names) > 0 {
			have = strings.Join(names, ", ")
		}
		return "", Errorf(ErrInvalidParameter, "The HITLayoutParameters do not match HITLayout %s: %s. Give exactly one value for each of its placeholders (%s).",
			l.ID, strings.Join(problems, "; "), have)
	}
	for _, p := range params {
		if err := checkXMLText(p.Value); err != nil {
			return "", Errorf(ErrInvalidParameter, "The value of HITLayoutParameter %q %s.", p.Name, err)
		}
	}
	var b strings.Builder
	for _, s := range segs {
		if s.name == "" {
			b.WriteString(s.text)
		} else {
			b.WriteString(html.EscapeString(values[s.name]))
		}
	}
	return b.String(), nil
}

// LayoutQuestion wraps rendered layout HTML as an HTMLQuestion. A "]]>" in
// the HTML would end the CDATA section early, so the section is split there:
// "]]>" becomes "]]]]><![CDATA[>" (one section ends with "]]", the next
// starts with ">"), and the parsed HTMLContent is the HTML exactly as given.
func LayoutQuestion(renderedHTML string) string {
	body := strings.ReplaceAll(renderedHTML, "]]>", "]]]]><![CDATA[>")
	return LayoutQuestionPrefix + body + LayoutQuestionSuffix
}

// checkLayoutHTML checks a new layout's template: text XML can carry, and
// small enough that a HIT made from it (with empty values) fits in a
// Question.
func checkLayoutHTML(src string) error {
	if strings.TrimSpace(src) == "" {
		return Errorf(ErrMissingParameter, "The layout's HTML is empty.")
	}
	if err := checkXMLText(src); err != nil {
		return Errorf(ErrInvalidParameter, "The layout's HTML %s.", err)
	}
	empty := &HITLayout{HTML: src}
	var params []HITLayoutParameter
	for _, n := range empty.Placeholders() {
		params = append(params, HITLayoutParameter{Name: n})
	}
	body, err := empty.Render(params)
	if err != nil {
		return err
	}
	if n := len(LayoutQuestion(body)); n > MaxQuestionBytes {
		return Errorf(ErrOutOfRange, "The layout's HTML is too large: without its placeholders it makes a %d-byte HTMLQuestion, and a HIT's Question may be at most %d bytes.", n, MaxQuestionBytes)
	}
	return nil
}

// checkXMLText reports (as the end of a sentence) why s cannot be carried
// in an XML document: invalid UTF-8 or a character XML 1.0 forbids.
func checkXMLText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	for _, r := range s {
		if !IsXMLChar(r) {
			return fmt.Errorf("contains the character %U, which XML does not allow", r)
		}
	}
	return nil
}

// IsXMLChar reports whether XML 1.0 allows r (its Char production): text
// that ends up in a Question, such as layout parameter values, may hold
// only these.
func IsXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteShort(n)
	}
	return strings.Join(q, ", ")
}
