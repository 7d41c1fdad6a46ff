package qform

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Render returns the form's fields as HTML to place inside the page's own
// <form> (it writes no <form>, no submit button and no script). Each
// Overview becomes a <div class="qf-overview">, each question a <fieldset
// class="qf-question"> whose <legend> is its DisplayName (or else its first
// Title, or "Question N"), followed by its content, the message errs holds
// for it (<p class="qf-error">), its input and a hint about its constraints
// (<p class="qf-help">). Fields are pre-filled from prior (a previous
// submission; a free-text question without one shows its DefaultText).
//
// Inputs: a FreeTextAnswer is an <input type="text">, or a <textarea> when
// NumberOfLinesSuggestion is above 1. A SelectionAnswer is radio buttons
// (radiobutton, or no StyleSuggestion and MaxSelectionCount 1), checkboxes
// (checkbox, multichooser, or radiobutton/no style with MaxSelectionCount
// above 1), or a <select> (list, dropdown, combobox; multiple when
// MaxSelectionCount is above 1); an OtherSelection adds an "Other" choice
// and a text box. A FileUploadAnswer shows a note that this server does not
// take uploads.
//
// Everything the requester wrote is escaped, except FormattedContent, which
// goes through SanitizeFormattedContent; Binary images become <img> only
// for http(s) URLs, other binaries a link. Element ids are generated
// ("qf-1", "qf-1-input", …), never taken from the requester.
func (f *Form) Render(prior map[string][]string, errs FieldErrors) template.HTML {
	v := formView{}
	n := 0
	for _, it := range f.Items {
		if it.Overview != nil {
			v.Items = append(v.Items, itemView{Overview: contentViews(it.Overview.Content)})
			continue
		}
		n++
		v.Items = append(v.Items, itemView{Q: questionViewOf(it.Question, n, prior, errs)})
	}
	var b strings.Builder
	if err := formTemplate.Execute(&b, v); err != nil {
		// The template and its data are ours, so this is a bug; say so
		// rather than take the worker's page down.
		return template.HTML(`<p class="qf-error">This form cannot be shown (` + template.HTMLEscapeString(err.Error()) + `).</p>` + "\n")
	}
	return template.HTML(strings.TrimSpace(b.String()) + "\n")
}

type formView struct{ Items []itemView }

type itemView struct {
	Overview []contentView
	Q        *questionView
}

type questionView struct {
	ID, Name, Label string
	Required        bool
	Content         []contentView
	Error           string
	Help            string
	Described       string // ids for aria-describedby
	Kind            string // text, textarea, radio, checkbox, select, upload
	Value           string
	Rows            int
	Numeric         bool
	Multiple        bool
	Size            int
	HTMLRequired    bool // the required attribute (a hint; Validate decides)
	Options         []optionView
	Other           *otherView
}

type optionView struct {
	ID, Value string
	Label     []contentView // radio and checkbox labels
	Text      string        // <option> text
	Checked   bool
}

type otherView struct {
	OptionID, ID, Name, Value, Text string
	Checked                         bool
}

type contentView struct {
	Kind  string // title, text, list, html, image, link, note
	Text  string
	Lines []string
	List  []string
	HTML  template.HTML
	URL   string
}

func questionViewOf(q *Question, n int, prior map[string][]string, errs FieldErrors) *questionView {
	id := "qf-" + strconv.Itoa(n)
	qv := &questionView{ID: id, Name: q.Identifier, Required: q.IsRequired, Error: errs[q.Identifier]}
	content := q.Content
	qv.Label = q.DisplayName
	if qv.Label == "" {
		for i, c := range content {
			if c.Kind == ContentTitle && strings.TrimSpace(c.Text) != "" {
				qv.Label = strings.TrimSpace(c.Text)
				content = append(append([]Content(nil), content[:i]...), content[i+1:]...)
				break
			}
		}
	}
	if qv.Label == "" {
		qv.Label = "Question " + strconv.Itoa(n)
	}
	qv.Content = contentViews(content)
	switch {
	case q.FreeText != nil:
		ft := q.FreeText
		qv.Kind = "text"
		if ft.NumberOfLinesSuggestion > 1 {
			qv.Kind, qv.Rows = "textarea", min(ft.NumberOfLinesSuggestion, 40)
		}
		if vs, ok := prior[q.Identifier]; ok && len(vs) > 0 {
			qv.Value = vs[0]
		} else if ft.DefaultText != nil {
			qv.Value = *ft.DefaultText
		}
		qv.Numeric = ft.IsNumeric
		qv.HTMLRequired = q.IsRequired
		qv.Help = freeTextHelp(ft)
	case q.Selection != nil:
		selectionView(qv, q, prior)
	default:
		qv.Kind = "upload"
	}
	var described []string
	if qv.Error != "" {
		described = append(described, id+"-error")
	}
	if qv.Help != "" {
		described = append(described, id+"-help")
	}
	qv.Described = strings.Join(described, " ")
	return qv
}

func selectionView(qv *questionView, q *Question, prior map[string][]string) {
	sa := q.Selection
	switch sa.StyleSuggestion {
	case "list", "dropdown", "combobox":
		qv.Kind = "select"
		qv.Multiple = sa.MaxSelectionCount > 1
	case "checkbox", "multichooser":
		qv.Kind = "checkbox"
	default: // radiobutton or none
		qv.Kind = "radio"
		if sa.MaxSelectionCount > 1 {
			qv.Kind = "checkbox"
		}
	}
	picked := map[string]bool{}
	for _, v := range prior[q.Identifier] {
		picked[v] = true
	}
	for i, s := range sa.Selections {
		ov := optionView{ID: fmt.Sprintf("%s-o%d", qv.ID, i+1), Value: s.Identifier, Checked: picked[s.Identifier]}
		if qv.Kind == "select" {
			ov.Text = contentText(s.Content)
		} else {
			ov.Label = contentViews([]Content{s.Content})
		}
		qv.Options = append(qv.Options, ov)
	}
	if sa.Other != nil {
		text := ""
		if vs := prior[q.OtherFieldName()]; len(vs) > 0 {
			text = vs[0]
		}
		qv.Other = &otherView{
			OptionID: qv.ID + "-other", ID: qv.ID + "-other-text", Name: q.OtherFieldName(),
			Value: sa.OtherValue, Text: text, Checked: picked[sa.OtherValue] || !blank(text),
		}
	}
	if qv.Multiple {
		qv.Size = min(len(qv.Options)+btoi(qv.Other != nil), 10)
	}
	mustChoose := q.IsRequired || (sa.minGiven && sa.MinSelectionCount > 0)
	// A required radio group or single <select> can say so to the browser;
	// not with an Other box, whose typed text alone is a valid choice.
	qv.HTMLRequired = mustChoose && sa.Other == nil && (qv.Kind == "radio" || (qv.Kind == "select" && !qv.Multiple))
	qv.Help = selectionHelp(sa, qv.Kind)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func freeTextHelp(ft *FreeTextAnswer) string {
	var parts []string
	if ft.IsNumeric {
		parts = append(parts, "Enter a whole number"+rangeText(ft)+".")
	}
	switch {
	case ft.MinLength != nil && ft.MaxLength != nil && *ft.MinLength > 0:
		parts = append(parts, fmt.Sprintf("Use %d to %d characters.", *ft.MinLength, *ft.MaxLength))
	case ft.MinLength != nil && *ft.MinLength > 0:
		parts = append(parts, "Use at least "+plural(*ft.MinLength, "character")+".")
	case ft.MaxLength != nil:
		parts = append(parts, "Use at most "+plural(*ft.MaxLength, "character")+".")
	}
	return strings.Join(parts, " ")
}

func selectionHelp(sa *SelectionAnswer, kind string) string {
	lo, hi := sa.MinSelectionCount, sa.MaxSelectionCount
	if hi <= 1 {
		return ""
	}
	var s string
	switch {
	case lo == hi:
		s = "Choose " + plural(hi, "option") + "."
	case lo <= 1:
		s = "Choose up to " + plural(hi, "option") + "."
	default:
		s = fmt.Sprintf("Choose %d to %d options.", lo, hi)
	}
	if kind == "select" {
		s += " Hold Ctrl (or ⌘ on a Mac) to choose more than one."
	}
	return s
}

// contentViews prepares content for the template. Only FormattedContent
// carries markup, and only after sanitizing.
func contentViews(cs []Content) []contentView {
	var out []contentView
	for _, c := range cs {
		switch c.Kind {
		case ContentTitle:
			out = append(out, contentView{Kind: "title", Text: strings.TrimSpace(c.Text)})
		case ContentText:
			out = append(out, contentView{Kind: "text", Lines: strings.Split(strings.TrimSpace(c.Text), "\n")})
		case ContentList:
			out = append(out, contentView{Kind: "list", List: c.ListItems})
		case ContentFormatted:
			out = append(out, contentView{Kind: "html", HTML: SanitizeFormattedContent(c.Text)})
		case ContentBinary, ContentEmbeddedBinary:
			out = append(out, binaryView(c))
		case ContentApplication:
			out = append(out, contentView{Kind: "note", Text: "This part of the task (a " + c.Application + " application) cannot be shown."})
		}
	}
	return out
}

func binaryView(c Content) contentView {
	b := c.Binary
	u, ok := safeURL(b.DataURL, false)
	alt := b.AltText
	switch {
	case !ok:
		if alt == "" {
			alt = "(content not shown)"
		}
		return contentView{Kind: "note", Text: alt}
	case c.Kind == ContentBinary && b.MimeType == "image":
		return contentView{Kind: "image", URL: u, Text: alt}
	}
	if alt == "" {
		alt = "Open the " + b.MimeType
	}
	return contentView{Kind: "link", URL: u, Text: alt}
}

// contentText is the plain-text form of a selection's content, for an
// <option>.
func contentText(c Content) string {
	switch c.Kind {
	case ContentFormatted:
		return formattedText(c.Text)
	case ContentBinary, ContentEmbeddedBinary:
		return c.Binary.AltText
	}
	return strings.Join(strings.Fields(c.Text), " ")
}

var formTemplate = template.Must(template.New("form").Parse(`
{{- define "content"}}{{range .}}
{{- if eq .Kind "title"}}<h3 class="qf-title">{{.Text}}</h3>
{{else if eq .Kind "text"}}<p class="qf-text">{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>
{{else if eq .Kind "list"}}<ul class="qf-list">{{range .List}}<li>{{.}}</li>{{end}}</ul>
{{else if eq .Kind "html"}}<div class="qf-formatted">{{.HTML}}</div>
{{else if eq .Kind "image"}}<img class="qf-image" src="{{.URL}}" alt="{{.Text}}">
{{else if eq .Kind "link"}}<a class="qf-media" href="{{.URL}}" target="_blank" rel="noopener noreferrer nofollow">{{.Text}}</a>
{{else if eq .Kind "note"}}<p class="qf-help">{{.Text}}</p>
{{end}}{{end}}{{end}}

{{- define "label"}}{{range .}}
{{- if eq .Kind "title"}}<strong>{{.Text}}</strong>
{{- else if eq .Kind "text"}}{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{$l}}{{end}}
{{- else if eq .Kind "html"}}<span class="qf-formatted">{{.HTML}}</span>
{{- else if eq .Kind "image"}}<img class="qf-image" src="{{.URL}}" alt="{{.Text}}">
{{- else if eq .Kind "link"}}<a class="qf-media" href="{{.URL}}" target="_blank" rel="noopener noreferrer nofollow">{{.Text}}</a>
{{- else}}{{.Text}}{{end}}{{end}}{{end}}

{{- define "aria"}} aria-labelledby="{{.ID}}-label"{{if .Described}} aria-describedby="{{.Described}}"{{end}}{{if .Error}} aria-invalid="true"{{end}}{{end}}

{{- range .Items}}{{if .Q}}{{with .Q}}{{$q := .}}
<fieldset class="qf-question{{if .Error}} qf-invalid{{end}}" id="{{.ID}}">
<legend class="qf-label" id="{{.ID}}-label">{{.Label}}{{if .Required}} <span class="qf-required">(required)</span>{{end}}</legend>
{{template "content" .Content}}
{{- if .Error}}<p class="qf-error" id="{{.ID}}-error" role="alert">{{.Error}}</p>
{{end}}
{{- if eq .Kind "text"}}<input type="text" class="qf-input" id="{{.ID}}-input" name="{{.Name}}" value="{{.Value}}"{{template "aria" .}}{{if .Numeric}} inputmode="numeric"{{end}}{{if .HTMLRequired}} required{{end}}>
{{else if eq .Kind "textarea"}}<textarea class="qf-input" id="{{.ID}}-input" name="{{.Name}}" rows="{{.Rows}}"{{template "aria" .}}{{if .HTMLRequired}} required{{end}}>
{{.Value}}</textarea>
{{else if eq .Kind "select"}}<select class="qf-input" id="{{.ID}}-input" name="{{.Name}}"{{if .Multiple}} multiple size="{{.Size}}"{{end}}{{template "aria" .}}{{if .HTMLRequired}} required{{end}}>
{{- if not .Multiple}}
<option value="">Choose…</option>{{end}}
{{- range .Options}}
<option value="{{.Value}}"{{if .Checked}} selected{{end}}>{{.Text}}</option>{{end}}
{{- with .Other}}
<option value="{{.Value}}"{{if .Checked}} selected{{end}}>Other (type it below)</option>{{end}}
</select>
{{with .Other}}<p class="qf-other"><label for="{{.ID}}">Other:</label> <input type="text" class="qf-input" id="{{.ID}}" name="{{.Name}}" value="{{.Text}}"></p>
{{end}}
{{- else if eq .Kind "upload"}}<p class="qf-help qf-unsupported">File upload is not supported by this server, so this question cannot be answered here.</p>
{{else}}<div class="qf-options" role="group"{{template "aria" .}}>
{{- range .Options}}
<div class="qf-option"><input type="{{$q.Kind}}" id="{{.ID}}" name="{{$q.Name}}" value="{{.Value}}"{{if .Checked}} checked{{end}}{{if $q.HTMLRequired}} required{{end}}> <label for="{{.ID}}">{{template "label" .Label}}</label></div>{{end}}
{{- with .Other}}
<div class="qf-option qf-other"><input type="{{$q.Kind}}" id="{{.OptionID}}" name="{{$q.Name}}" value="{{.Value}}"{{if .Checked}} checked{{end}}> <label for="{{.OptionID}}">Other:</label> <input type="text" class="qf-input" id="{{.ID}}" name="{{.Name}}" value="{{.Text}}" aria-label="Other answer"></div>{{end}}
</div>
{{end}}
{{- if .Help}}<p class="qf-help" id="{{.ID}}-help">{{.Help}}</p>
{{end -}}
</fieldset>
{{- end}}{{else}}
<div class="qf-overview">
{{template "content" .Overview}}</div>
{{- end}}{{end}}
`))
