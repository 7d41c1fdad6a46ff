package hitd

import (
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// layoutPlaceholderRE is an independent statement of the placeholder syntax
// documented in layout.go: "${", an ASCII letter, letters, digits and
// underscores, "}". Scanning left to right for non-overlapping matches is
// what parseLayout does by hand.
var layoutPlaceholderRE = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_]*)\}`)

// xmlLineEnds is what an XML parser makes of raw text: "\r\n" and a lone
// "\r" both become "\n" (XML 1.0, section 2.11).
func xmlLineEnds(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// xmlText reports whether XML can carry s: valid UTF-8 of XML 1.0 Chars.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !IsXMLChar(r) {
			return false
		}
	}
	return true
}

// FuzzLayout checks HIT layout substitution and the HTMLQuestion wrapper a
// layout's HIT stores:
//
//   - LayoutPlaceholders finds exactly the placeholders the documented
//     syntax describes (checked against a regular expression), each once, in
//     order of first appearance, and each is a valid placeholder name;
//   - Render with exactly one parameter per placeholder succeeds if and only
//     if every value is text XML can carry; with a missing, an unknown or a
//     duplicate parameter it fails with InvalidParameterValue naming it;
//   - the output is the template with each placeholder replaced by its
//     value HTML-escaped, so it contains each escaped value and exactly as
//     many '<', '>', '"' and '\” as the template's own text: a value never
//     adds markup;
//   - LayoutQuestion(output) parses (ParseQuestion) as an HTMLQuestion with
//     FrameHeight 0 whose HTMLContent is the output (after XML's line-end
//     normalisation) whenever the output is XML text, not blank and small
//     enough; otherwise ParseQuestion refuses it with a *Error;
//   - checkLayoutHTML accepts exactly the templates that are XML text, not
//     blank, and small enough with every value empty; so a HIT made from an
//     accepted layout with values Render accepts always parses unless its
//     content is blank or too large (what Service.layoutQuestion relies on).
func FuzzLayout(f *testing.F) {
	for _, s := range []struct {
		src, v1, v2 string
		mode        uint8
	}{
		// A crowd-html-elements template as requesters used them on MTurk.
		{`<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form answer-format="flatten-objects">
  <crowd-image-classifier src="${image_url}" categories="['Cat', 'Dog', 'Neither']"
      header="What is in ${image_url}?" name="category">
    <full-instructions header="Instructions"><p>Pick the animal in the picture.</p></full-instructions>
    <short-instructions><p>Choose the correct category.</p></short-instructions>
  </crowd-image-classifier>
</crowd-form>`, "https://example.com/images/cat 1.jpg?size=l&fmt=jpg", "unused", 0},
		{`<p>${a}${b}${a}</p> ${ not } $${cost} ${a.b} ${1} ${_x} ${`, `<script>alert("x")</script> '${b}'`, "]]>", 0},
		{"<![CDATA[${x}]]>]]]]>\r\n${y}\r", "\r\n", "]]", 0},
		{"${a}", "", "", 0},
		{"${a}", "\x00", "", 0},
		{"${a}${b}", "ok", "\xff", 0},
		{"${a}${b}", "1", "2", 1},
		{"${a}", "1", "${a}", 2},
		{"${a}", "1", "2", 3},
		{"", "", "", 2},
		{"${${a}}${A}${a_1}${Z9}", "é😀", "\uFFFE", 0},
	} {
		f.Add(s.src, s.v1, s.v2, s.mode)
	}
	f.Fuzz(func(t *testing.T, src, v1, v2 string, mode uint8) {
		names := LayoutPlaceholders(src)
		var want []string
		seen := map[string]bool{}
		for _, m := range layoutPlaceholderRE.FindAllStringSubmatch(src, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				want = append(want, m[1])
			}
		}
		if strings.Join(names, "\x00") != strings.Join(want, "\x00") || len(names) != len(want) {
			t.Fatalf("LayoutPlaceholders(%q) = %q, want %q", src, names, want)
		}
		for _, n := range names {
			if !IsLayoutPlaceholderName(n) {
				t.Fatalf("placeholder %q is not a valid name", n)
			}
		}

		// checkLayoutHTML (hitd layout create) accepts exactly the templates
		// that are XML text, not blank, and make a small enough Question
		// with every value empty.
		accept := xmlText(src) && strings.TrimSpace(src) != "" &&
			len(LayoutQuestion(layoutPlaceholderRE.ReplaceAllString(src, ""))) <= MaxQuestionBytes
		if err := checkLayoutHTML(src); (err == nil) != accept {
			t.Fatalf("checkLayoutHTML(%q) = %v, want acceptance %v", src, err, accept)
		}

		vals := []string{v1, v2}
		values := map[string]string{}
		params := make([]HITLayoutParameter, len(names))
		for i, n := range names {
			params[i] = HITLayoutParameter{Name: n, Value: vals[i%2]}
			values[n] = vals[i%2]
		}
		// mode 1-3: break the parameter list; the error must say how.
		var problem, culprit string
		switch mode % 4 {
		case 1:
			if len(params) > 0 {
				problem, culprit = "no value for ", params[0].Name
				params = params[1:]
			}
		case 2:
			name := v2
			if seen[name] {
				name = "not_a_placeholder"
			}
			if !seen[name] {
				problem, culprit = "unknown ", name
				params = append(params, HITLayoutParameter{Name: name, Value: "x"})
			}
		case 3:
			if len(params) > 0 {
				problem, culprit = "more than one value for ", params[0].Name
				params = append(params, HITLayoutParameter{Name: params[0].Name, Value: v2})
			}
		}
		l := &HITLayout{ID: "LAYOUT", HTML: src}
		out, err := l.Render(params)
		if problem != "" {
			var e *Error
			if err == nil || !errors.As(err, &e) || e.Code != ErrInvalidParameter {
				t.Fatalf("Render with %s%q = %q, %v; want InvalidParameterValue", problem, culprit, out, err)
			}
			if !strings.Contains(e.Message, problem+quoteShort(culprit)) || !strings.Contains(e.Message, "LAYOUT") {
				t.Fatalf("message %q does not say %s%s", e.Message, problem, quoteShort(culprit))
			}
			return
		}
		safe := true
		for _, p := range params {
			safe = safe && xmlText(p.Value)
		}
		if !safe {
			var e *Error
			if err == nil || !errors.As(err, &e) || e.Code != ErrInvalidParameter || !strings.Contains(e.Message, "HITLayoutParameter") || out != "" {
				t.Fatalf("Render with a value XML cannot carry = %q, %v", out, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Render with XML-safe values: %v", err)
		}
		wantOut := layoutPlaceholderRE.ReplaceAllStringFunc(src, func(m string) string {
			return html.EscapeString(values[m[2:len(m)-1]])
		})
		if out != wantOut {
			t.Fatalf("Render(%q) =\n%q\nwant\n%q", src, out, wantOut)
		}
		for _, n := range names {
			if !strings.Contains(out, html.EscapeString(values[n])) {
				t.Fatalf("output %q lacks the escaped value of %s", out, n)
			}
		}
		literal := layoutPlaceholderRE.ReplaceAllString(src, "")
		for _, c := range []string{"<", ">", `"`, "'"} {
			if got, want := strings.Count(out, c), strings.Count(literal, c); got != want {
				t.Fatalf("output has %d %s, the template's text %d: a value added markup\n%q", got, c, want, out)
			}
		}

		q := LayoutQuestion(out)
		if !strings.HasPrefix(q, LayoutQuestionPrefix) || !strings.HasSuffix(q, LayoutQuestionSuffix) {
			t.Fatalf("LayoutQuestion(%q) = %q", out, q)
		}
		pq, err := ParseQuestion(q, QuestionPolicy{})
		parses := xmlText(out) && !isXMLSpace(out) && len(q) <= MaxQuestionBytes
		if !parses {
			var e *Error
			if err == nil || !errors.As(err, &e) {
				t.Fatalf("ParseQuestion(LayoutQuestion(%q)) = %+v, %v; want a *Error", out, pq, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseQuestion(LayoutQuestion(%q)): %v", out, err)
		}
		if pq.Kind != QuestionHTML || pq.FrameHeight != 0 || pq.HTMLContent != xmlLineEnds(out) {
			t.Fatalf("LayoutQuestion(%q) parses as %+v", out, pq)
		}
	})
}
