package qform

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

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
