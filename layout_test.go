package hitd

import (
	"reflect"
	"strings"
	"testing"
)

func TestLayoutPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"", nil},
		{"no placeholders", nil},
		{"${a}", []string{"a"}},
		{"<img src='${image_url}' alt='${Label2}'> ${image_url}", []string{"image_url", "Label2"}},
		{"${a}${b}${a}", []string{"a", "b"}},
		{"$${a}", []string{"a"}},            // "$$" is not an escape
		{"${${a}}", []string{"a"}},          // the outer "${" is text
		{"${ a }", nil},                     // spaces: text (keeps JS template literals)
		{"${a.b} ${1a} ${_a} ${} ${a", nil}, // not names, or unclosed
		{"${a-b}", nil},
		{"${é}", nil},                 // ASCII names only
		{"${Ab_9}", []string{"Ab_9"}}, // case-sensitive, digits and underscore after the first letter
		{"${A}${a}", []string{"A", "a"}},
		{"$ {a} {a} $a", nil},
	} {
		if got := LayoutPlaceholders(tc.src); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LayoutPlaceholders(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
	for name, want := range map[string]bool{"a": true, "a_1": true, "Z9": true, "": false, "1a": false, "_a": false, "a}b": false, "a b": false} {
		if got := IsLayoutPlaceholderName(name); got != want {
			t.Errorf("IsLayoutPlaceholderName(%q) = %v", name, got)
		}
	}
}

func params(kv ...string) []HITLayoutParameter {
	var ps []HITLayoutParameter
	for i := 0; i < len(kv); i += 2 {
		ps = append(ps, HITLayoutParameter{Name: kv[i], Value: kv[i+1]})
	}
	return ps
}

func TestLayoutRender(t *testing.T) {
	l := &HITLayout{ID: "L1", HTML: `<img src="${url}" alt='${label}'><p>${label}</p> ${ not } $${cost} ${a.b}`}
	got, err := l.Render(params("url", "https://x.example/a.png?a=1&b=2", "label", `<script>alert("x")</script> '${url}' ]]>`, "cost", "5"))
	if err != nil {
		t.Fatal(err)
	}
	esc := `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#39;${url}&#39; ]]&gt;`
	want := `<img src="https://x.example/a.png?a=1&amp;b=2" alt='` + esc + `'><p>` + esc + `</p> ${ not } $5 ${a.b}`
	if got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}

	// A layout without placeholders takes no parameters.
	plain := &HITLayout{ID: "L2", HTML: "<p>hello</p>"}
	if got, err := plain.Render(nil); err != nil || got != "<p>hello</p>" {
		t.Errorf("Render without placeholders = %q, %v", got, err)
	}

	for _, tc := range []struct {
		name   string
		params []HITLayoutParameter
		want   []string // in the message
	}{
		{"missing", params("url", "u"), []string{`no value for "label", "cost"`}},
		{"unknown", params("url", "u", "label", "l", "cost", "c", "colour", "red", "", "x"), []string{`unknown "colour", ""`}},
		{"duplicate", params("url", "u", "label", "l", "cost", "c", "label", "again", "label", "third"), []string{`more than one value for "label"`}},
		{"all at once", params("url", "u", "url", "v", "x", "y"), []string{`no value for "label", "cost"`, `unknown "x"`, `more than one value for "url"`, "L1", "(url, label, cost)"}},
		{"case matters", params("URL", "u", "label", "l", "cost", "c"), []string{`no value for "url"`, `unknown "URL"`}},
		{"control character", params("url", "u", "label", "a\x00b", "cost", "c"), []string{`HITLayoutParameter "label"`, "U+0000"}},
		{"bad UTF-8", params("url", "u", "label", "l", "cost", "\xff"), []string{`HITLayoutParameter "cost"`, "UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Render(tc.params)
			if ErrorCode(err) != ErrInvalidParameter {
				t.Fatalf("error %v, want %s", err, ErrInvalidParameter)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLayoutQuestion(t *testing.T) {
	for _, body := range []string{
		"<p>plain</p>",
		"<script>//<![CDATA[\nx = a[b[0]]>1;\n//]]></script>",
		"]]>",
		"]]>]]>",
		"]]]]>>",
	} {
		q := LayoutQuestion(body)
		pq, err := ParseQuestion(q, QuestionPolicy{})
		if err != nil {
			t.Errorf("LayoutQuestion(%q) = %s: %v", body, q, err)
			continue
		}
		if pq.Kind != QuestionHTML || pq.HTMLContent != body || pq.FrameHeight != 0 {
			t.Errorf("LayoutQuestion(%q) parses as %+v", body, pq)
		}
	}
}

func TestCheckLayoutHTML(t *testing.T) {
	ok := []string{"<p>${a}</p>", "${a}", strings.Repeat("x", MaxQuestionBytes-len(LayoutQuestion(""))) + "${big}"}
	for _, src := range ok {
		if err := checkLayoutHTML(src); err != nil {
			t.Errorf("checkLayoutHTML(%.40q…): %v", src, err)
		}
	}
	for _, tc := range []struct {
		src  string
		code Code
	}{
		{"", ErrMissingParameter},
		{" \n", ErrMissingParameter},
		{"<p>\x01</p>", ErrInvalidParameter},
		{"\xfe", ErrInvalidParameter},
		{strings.Repeat("x", MaxQuestionBytes-len(LayoutQuestion(""))+1), ErrOutOfRange},
		{strings.Repeat("]]>", MaxQuestionBytes/3-50), ErrOutOfRange}, // the CDATA splits count
	} {
		if err := checkLayoutHTML(tc.src); ErrorCode(err) != tc.code {
			t.Errorf("checkLayoutHTML(%.40q…) = %v, want %s", tc.src, err, tc.code)
		}
	}
}
