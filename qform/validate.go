package qform

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldErrors names the questions a submission got wrong:
// QuestionIdentifier → a message for the worker.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.Quote(k) + ": " + e[k]
	}
	return "invalid answer: " + strings.Join(parts, "; ")
}

// Validate checks submitted values (field name → values, as from an HTML
// form or url.Values; see the package documentation for the names) against
// the form. It returns one answer per question, in the form's order, or nil
// and a FieldErrors naming every question that is wrong.
//
// The rules:
//   - A free-text question is unanswered when its value is empty or only
//     whitespace; that is an error if IsRequired, and otherwise the answer is
//     the value as submitted (possibly empty), unchecked. An answered
//     question must meet every constraint: IsNumeric (an integer, optionally
//     signed, surrounding whitespace allowed, within minValue and maxValue),
//     Length (minLength to maxLength characters, counted as Unicode code
//     points of the value as submitted) and each AnswerFormatRegex (the
//     value must contain a match; the message is the regex's errorText).
//   - A selection question's values must be SelectionIdentifiers of the
//     question (or its OtherValue); empty values are ignored and duplicates
//     count once. Text typed into the OtherSelection field chooses "other"
//     even if its radio button or checkbox was not ticked. No selection at
//     all is an error if IsRequired or if MinSelectionCount was given and is
//     above 0; otherwise the count of selections ("other" included) must be
//     from MinSelectionCount to MaxSelectionCount. A chosen "other" needs
//     text, which must meet the OtherSelection's constraints.
//   - A FileUploadAnswer question gets no answer: hitd cannot take files, so
//     a required one is always an error.
//
// Submitted text is kept as submitted (invalid UTF-8 aside, which becomes
// U+FFFD); selection answers list their SelectionIdentifiers in the form's
// order. Values for unknown field names are ignored.
func (f *Form) Validate(values map[string][]string) ([]Answer, FieldErrors) {
	errs := FieldErrors{}
	var answers []Answer
	for _, q := range f.Questions() {
		var a *Answer
		var msg string
		switch {
		case q.FreeText != nil:
			a, msg = validateFreeText(q, values)
		case q.Selection != nil:
			a, msg = validateSelection(q, values)
		default:
			if q.IsRequired {
				msg = "File upload is not supported by this server, so this required question cannot be answered."
			}
		}
		if msg != "" {
			errs[q.Identifier] = msg
		} else if a != nil {
			answers = append(answers, *a)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return answers, nil
}

// first returns the first value of name, made valid UTF-8.
func first(values map[string][]string, name string) string {
	if vs := values[name]; len(vs) > 0 {
		return strings.ToValidUTF8(vs[0], "\uFFFD")
	}
	return ""
}

func blank(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) == "" }

func validateFreeText(q *Question, values map[string][]string) (*Answer, string) {
	v := first(values, q.Identifier)
	if blank(v) {
		if q.IsRequired {
			return nil, "This question is required."
		}
		return &Answer{QuestionIdentifier: q.Identifier, FreeText: &v}, ""
	}
	if msg := checkFreeText(q.FreeText, v); msg != "" {
		return nil, msg
	}
	return &Answer{QuestionIdentifier: q.Identifier, FreeText: &v}, ""
}

var integerRe = regexp.MustCompile(`^[+-]?[0-9]+$`)

// checkFreeText checks a non-blank value against ft's constraints and
// returns a message for the worker, or "".
func checkFreeText(ft *FreeTextAnswer, v string) string {
	if ft.IsNumeric {
		t := strings.TrimSpace(v)
		if !integerRe.MatchString(t) {
			return "Enter a whole number" + rangeText(ft) + "."
		}
		n, err := strconv.ParseInt(t, 10, 64)
		var ne *strconv.NumError
		tooBig := err != nil && errors.As(err, &ne) && ne.Err == strconv.ErrRange
		negative := strings.HasPrefix(t, "-")
		if (ft.MinValue != nil && ((tooBig && negative) || (!tooBig && n < *ft.MinValue))) ||
			(ft.MaxValue != nil && ((tooBig && !negative) || (!tooBig && n > *ft.MaxValue))) {
			return "Enter a whole number" + rangeText(ft) + "."
		}
	}
	if n := utf8.RuneCountInString(v); ft.MinLength != nil && n < *ft.MinLength {
		return fmt.Sprintf("Enter at least %s (you entered %d).", plural(*ft.MinLength, "character"), n)
	} else if ft.MaxLength != nil && n > *ft.MaxLength {
		return fmt.Sprintf("Enter at most %s (you entered %d).", plural(*ft.MaxLength, "character"), n)
	}
	for _, r := range ft.Regexes {
		re := r.re
		if re == nil { // a FreeTextAnswer built by hand rather than by Parse
			var err error
			if re, err = compileRegex(r.Regex, r.Flags); err != nil {
				continue
			}
		}
		if !re.MatchString(v) {
			if strings.TrimSpace(r.ErrorText) != "" {
				return r.ErrorText
			}
			return "Your answer is not in the expected format."
		}
	}
	return ""
}

func rangeText(ft *FreeTextAnswer) string {
	switch {
	case ft.MinValue != nil && ft.MaxValue != nil:
		return fmt.Sprintf(" from %d to %d", *ft.MinValue, *ft.MaxValue)
	case ft.MinValue != nil:
		return fmt.Sprintf(" of at least %d", *ft.MinValue)
	case ft.MaxValue != nil:
		return fmt.Sprintf(" of at most %d", *ft.MaxValue)
	}
	return ""
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func validateSelection(q *Question, values map[string][]string) (*Answer, string) {
	sa := q.Selection
	chosen := map[string]bool{}
	other := false
	for _, v := range values[q.Identifier] {
		switch {
		case v == "":
		case sa.Other != nil && v == sa.OtherValue:
			other = true
		default:
			if !sa.has(v) {
				return nil, fmt.Sprintf("%s is not one of the choices.", quote(strings.ToValidUTF8(v, "\uFFFD")))
			}
			chosen[v] = true
		}
	}
	var otherText string
	if sa.Other != nil {
		otherText = first(values, q.OtherFieldName())
		if !blank(otherText) {
			other = true
		}
	}
	n := len(chosen)
	if other {
		n++
	}
	if n == 0 {
		switch {
		case sa.minGiven && sa.MinSelectionCount > 0:
			return nil, "Choose at least " + plural(sa.MinSelectionCount, "option") + "."
		case q.IsRequired:
			return nil, "This question is required; choose an option."
		}
		return &Answer{QuestionIdentifier: q.Identifier}, ""
	}
	if n < sa.MinSelectionCount {
		return nil, fmt.Sprintf("Choose at least %s (you chose %d).", plural(sa.MinSelectionCount, "option"), n)
	}
	if n > sa.MaxSelectionCount {
		msg := fmt.Sprintf("Choose at most %s (you chose %d", plural(sa.MaxSelectionCount, "option"), n)
		if other {
			msg += ", counting your “Other” answer"
		}
		return nil, msg + ")."
	}
	a := &Answer{QuestionIdentifier: q.Identifier}
	for _, s := range sa.Selections {
		if chosen[s.Identifier] {
			a.SelectionIdentifiers = append(a.SelectionIdentifiers, s.Identifier)
		}
	}
	if other {
		if blank(otherText) {
			return nil, "You chose “Other”; type your answer in its box."
		}
		if msg := checkFreeText(sa.Other, otherText); msg != "" {
			return nil, "“Other”: " + msg
		}
		a.OtherSelectionText = &otherText
	}
	return a, ""
}

func (sa *SelectionAnswer) has(id string) bool {
	for _, s := range sa.Selections {
		if s.Identifier == id {
			return true
		}
	}
	return false
}
