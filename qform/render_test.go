package qform

import (
	"net/url"
	"strings"
	"testing"
)

func TestRenderSurvey(t *testing.T) {
	f := mustParse(t, surveyForm)
	prior := url.Values{"age": {"17"}, "colors": {"red", "black"}, "country": {"__other__"}, "country.other": {"Peru"}}
	errs := FieldErrors{"age": "Enter a whole number from 18 to 120."}
	out := string(f.Render(prior, errs))
	wants := []string{
		`<div class="qf-overview">`,
		`<h3 class="qf-title">Product survey</h3>`,
		// FormattedContent sanitized: the link kept, the script gone.
		`<div class="qf-formatted"><p>Please answer <b>every</b> question. <a href="https://example.com/help" target="_blank" rel="noopener noreferrer nofollow">Help</a></p></div>`,
		`<img class="qf-image" src="https://example.com/product.png" alt="The product">`,
		// The numeric question, with its error and prior value.
		`<fieldset class="qf-question qf-invalid" id="qf-1">`,
		`<legend class="qf-label" id="qf-1-label">Your age <span class="qf-required">(required)</span></legend>`,
		`<p class="qf-error" id="qf-1-error" role="alert">Enter a whole number from 18 to 120.</p>`,
		`<input type="text" class="qf-input" id="qf-1-input" name="age" value="17" aria-labelledby="qf-1-label" aria-describedby="qf-1-error qf-1-help" aria-invalid="true" inputmode="numeric" required>`,
		`<p class="qf-help" id="qf-1-help">Enter a whole number from 18 to 120.</p>`,
		// Title used as the label when there is no DisplayName; a textarea
		// with the DefaultText.
		`<legend class="qf-label" id="qf-2-label">Short review</legend>`,
		"<textarea class=\"qf-input\" id=\"qf-2-input\" name=\"review\" rows=\"4\" aria-labelledby=\"qf-2-label\" aria-describedby=\"qf-2-help\">\ngreat</textarea>",
		`<p class="qf-help" id="qf-2-help">Use 5 to 20 characters.</p>`,
		// Required radio buttons.
		`<input type="radio" id="qf-3-o1" name="rating" value="good" required> <label for="qf-3-o1">Good</label>`,
		// Checkboxes pre-filled from prior, with formatted and image labels.
		`<input type="checkbox" id="qf-4-o1" name="colors" value="red" checked> <label for="qf-4-o1">Red</label>`,
		`<label for="qf-4-o2"><span class="qf-formatted"><i>Green</i></span></label>`,
		`<input type="checkbox" id="qf-4-o4" name="colors" value="black" checked> <label for="qf-4-o4"><img class="qf-image" src="http://example.com/black.gif" alt="Black"></label>`,
		`<p class="qf-help" id="qf-4-help">Choose 2 to 3 options.</p>`,
		// A list with an OtherSelection.
		`<select class="qf-input" id="qf-5-input" name="country" aria-labelledby="qf-5-label">`,
		`<option value="">Choose…</option>`,
		`<option value="jp">Japan</option>`,
		`<option value="__other__" selected>Other (type it below)</option>`,
		`<input type="text" class="qf-input" id="qf-5-other-text" name="country.other" value="Peru">`,
		// File upload.
		`File upload is not supported by this server`,
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks\n%s\n--- output:\n%s", w, out)
		}
	}
	for _, bad := range []string{"<script", "alert(1)", "<form", "type=\"submit\""} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	// With no prior values, nothing is checked and DefaultText shows.
	out = string(f.Render(nil, nil))
	if strings.Contains(out, " checked") || strings.Contains(out, " selected") || strings.Contains(out, "qf-error") {
		t.Errorf("fresh form has checked/selected/errors:\n%s", out)
	}
}

func TestRenderEscapesRequesterText(t *testing.T) {
	x := `<script>alert(1)</script>`
	doc := form(`<Overview><Title>` + esc(x) + `</Title><Text>` + esc(x) + `</Text><List><ListItem>` + esc(x) + `</ListItem></List></Overview>
<Question><QuestionIdentifier>q" onmouseover="alert(2)</QuestionIdentifier><DisplayName>` + esc(x) + `</DisplayName><QuestionContent><Title>` + esc(x) + `</Title></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>dropdown</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>` + esc(`"><script>alert(3)</script>`) + `</SelectionIdentifier><Text>` + esc(x) + `</Text></Selection>
<Selection><SelectionIdentifier>b</SelectionIdentifier><FormattedContent><![CDATA[<b>bold</b><script>alert(4)</script>]]></FormattedContent></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>t</QuestionIdentifier><QuestionContent><Binary><MimeType><Type>image</Type></MimeType><DataURL>javascript:alert(5)</DataURL><AltText>` + esc(x) + `</AltText></Binary>
<Binary><MimeType><Type>audio</Type></MimeType><DataURL>https://example.com/a.mp3</DataURL><AltText>Listen</AltText></Binary></QuestionContent>
<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>`)
	f := mustParse(t, doc)
	out := string(f.Render(url.Values{"t": {`"></textarea><script>alert(6)</script>`}}, FieldErrors{"t": x}))
	if strings.Contains(out, "<script") {
		t.Errorf("unescaped <script> in\n%s", out)
	}
	for _, n := range []string{"alert(2)", "alert(3)", "alert(5)", "alert(6)"} {
		if strings.Contains(out, n) && !strings.Contains(out, "&#34;") {
			t.Errorf("%s not escaped in\n%s", n, out)
		}
	}
	for _, w := range []string{
		`<h3 class="qf-title">&lt;script&gt;alert(1)&lt;/script&gt;</h3>`,
		`<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>`,
		`<legend class="qf-label" id="qf-1-label">&lt;script&gt;alert(1)&lt;/script&gt;</legend>`,
		`name="q&#34; onmouseover=&#34;alert(2)"`,
		`<option value="&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</option>`,
		`<option value="b">bold</option>`,                              // FormattedContent as plain text in an <option>
		`<p class="qf-help">&lt;script&gt;alert(1)&lt;/script&gt;</p>`, // a non-http image shows its AltText only
		`<a class="qf-media" href="https://example.com/a.mp3" target="_blank" rel="noopener noreferrer nofollow">Listen</a>`,
		`<p class="qf-error" id="qf-2-error" role="alert">&lt;script&gt;alert(1)&lt;/script&gt;</p>`,
		`value="&#34;&gt;&lt;/textarea&gt;&lt;script&gt;alert(6)&lt;/script&gt;"`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks\n%s\n--- output:\n%s", w, out)
		}
	}
	if strings.Contains(out, "alert(4)") {
		t.Errorf("script from FormattedContent survived:\n%s", out)
	}
}

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

func TestRenderStyles(t *testing.T) {
	sel := func(style, max string, other bool) string {
		o := ""
		if other {
			o = "<OtherSelection/>"
		}
		m := ""
		if max != "" {
			m = "<MaxSelectionCount>" + max + "</MaxSelectionCount>"
		}
		s := ""
		if style != "" {
			s = "<StyleSuggestion>" + style + "</StyleSuggestion>"
		}
		return form(`<Question><QuestionIdentifier>s</QuestionIdentifier><IsRequired>true</IsRequired><QuestionContent><Text>t</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer>` + m + s + `<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection>
<Selection><SelectionIdentifier>b</SelectionIdentifier><Text>B</Text></Selection>` + o + `</Selections></SelectionAnswer></AnswerSpecification></Question>`)
	}
	tests := []struct {
		name, doc string
		want      []string
		not       []string
	}{
		{"default single", sel("", "", false), []string{`type="radio"`, `value="a" required>`}, []string{"<select"}},
		{"default multi", sel("", "2", false), []string{`type="checkbox"`}, []string{" required>"}},
		{"radiobutton multi", sel("radiobutton", "2", false), []string{`type="checkbox"`}, []string{`type="radio"`}},
		{"checkbox", sel("checkbox", "", false), []string{`type="checkbox"`}, []string{`type="radio"`, " required>"}},
		{"multichooser", sel("multichooser", "2", false), []string{`type="checkbox"`}, nil},
		{"dropdown", sel("dropdown", "", false), []string{`<select class="qf-input" id="qf-1-input" name="s" aria-labelledby="qf-1-label" required>`, `<option value="">Choose…</option>`}, []string{"multiple"}},
		{"list multi", sel("list", "2", false), []string{`name="s" multiple size="2"`, "Hold Ctrl"}, []string{`<option value="">`, " required>"}},
		{"combobox with other", sel("combobox", "", true), []string{`<select`, `<option value="__other__">Other (type it below)</option>`, `name="s.other"`}, []string{" required>"}},
		{"radio with other", sel("radiobutton", "", true), []string{`id="qf-1-other" name="s" value="__other__">`, `id="qf-1-other-text" name="s.other" value="" aria-label="Other answer"`}, []string{" required>"}},
		{"text input", form(freeTextQuestion("x", `<NumberOfLinesSuggestion>1</NumberOfLinesSuggestion>`)), []string{`<input type="text" class="qf-input" id="qf-1-input" name="x" value=""`}, []string{"<textarea"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(mustParse(t, tt.doc).Render(nil, nil))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %s\n--- output:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("contains %s\n--- output:\n%s", n, out)
				}
			}
		})
	}
}

func TestRenderTextareaKeepsLeadingNewline(t *testing.T) {
	f := mustParse(t, form(freeTextQuestion("x", `<NumberOfLinesSuggestion>3</NumberOfLinesSuggestion>`)))
	out := string(f.Render(url.Values{"x": {"\nsecond line"}}, nil))
	// HTML drops one newline right after <textarea>; Render adds one.
	if !strings.Contains(out, "aria-labelledby=\"qf-1-label\">\n\nsecond line</textarea>") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRenderLegacyContent(t *testing.T) {
	doc := form(`<Overview>
<Application><JavaApplet><AppletPath>http://example.com/</AppletPath><AppletFilename>a.class</AppletFilename><Width>10</Width><Height>10</Height></JavaApplet></Application>
<EmbeddedBinary><EmbeddedMimeType><Type>video</Type><SubType>mp4</SubType></EmbeddedMimeType><DataURL>https://example.com/v.mp4</DataURL><AltText>The video</AltText><Width>10</Width><Height>10</Height></EmbeddedBinary>
</Overview>` + freeTextQuestion("a", ""))
	f := mustParse(t, doc)
	if c := f.Items[0].Overview.Content; c[0].Kind != ContentApplication || c[0].Application != "JavaApplet" || c[1].Kind != ContentEmbeddedBinary || c[1].Binary.MimeType != "video" {
		t.Fatalf("content = %+v", c)
	}
	out := string(f.Render(nil, nil))
	for _, w := range []string{
		`<p class="qf-help">This part of the task (a JavaApplet application) cannot be shown.</p>`,
		`<a class="qf-media" href="https://example.com/v.mp4" target="_blank" rel="noopener noreferrer nofollow">The video</a>`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %s\n--- output:\n%s", w, out)
		}
	}
}
