package workerapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

// decodeAnswers reads a submission body,
//
//	{"answers": {"name": "value", "other": ["v1", "v2"], …}}
//
// into form fields in the order the client wrote them. A Go map would lose
// that order, and the order is what the stored QuestionFormAnswers of an
// HTMLQuestion or ExternalQuestion HIT follows (as a browser's form
// submission does), so the object is read token by token. A value is a
// string, a number (used as written) or an array of those; a name may
// repeat, and its values then add up, as repeated form fields do. A field
// named assignmentId is dropped, as the web form's hidden field is.
func decodeAnswers(body []byte) ([]qform.Field, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := expectDelim(dec, '{', "The request body must be a JSON object such as {\"answers\": {\"q1\": \"yes\"}}."); err != nil {
		return nil, err
	}
	var fields []qform.Field
	seen := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		if key != "answers" {
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "Unknown member %q in the request; send only \"answers\".", key)
		}
		if seen {
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The member \"answers\" appears twice.")
		}
		seen = true
		if fields, err = decodeAnswerObject(dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The request body must be a single JSON object; found data after it.")
	}
	if !seen {
		return nil, hitd.Errorf(hitd.ErrMissingParameter, "The request is missing \"answers\": an object of field names and values.")
	}
	return fields, nil
}

// CheckSubmission checks that body is a submission the submit endpoints
// take ({"answers": {…}} as decodeAnswers reads it), for clients that
// prepare one ahead: hitd worker simulate checks its answers file with it.
func CheckSubmission(body []byte) error {
	_, err := decodeAnswers(body)
	return err
}

func decodeAnswerObject(dec *json.Decoder) ([]qform.Field, error) {
	if err := expectDelim(dec, '{', "The value of \"answers\" must be a JSON object of field names and values."); err != nil {
		return nil, err
	}
	fields := []qform.Field{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		name, ok := tok.(string) // object keys are strings; checked all the same
		if !ok {
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The request body is not valid JSON.")
		}
		values, err := decodeAnswerValue(dec, name)
		if err != nil {
			return nil, err
		}
		if name == "assignmentId" {
			continue
		}
		fields = append(fields, qform.Field{Name: name, Values: values})
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(err)
	}
	return fields, nil
}

func decodeAnswerValue(dec *json.Decoder, name string) ([]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	if s, ok := scalar(tok); ok {
		return []string{s}, nil
	}
	if tok != json.Delim('[') {
		return nil, badValue(name)
	}
	values := []string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		s, ok := scalar(tok)
		if !ok {
			return nil, badValue(name)
		}
		values = append(values, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(err)
	}
	return values, nil
}

// scalar returns a string or number token as text.
func scalar(tok json.Token) (string, bool) {
	switch v := tok.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

func badValue(name string) error {
	return hitd.Errorf(hitd.ErrInvalidParameter, "The answer %q must be a string or an array of strings.", name)
}

func expectDelim(dec *json.Decoder, want json.Delim, msg string) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return hitd.Errorf(hitd.ErrInvalidParameter, "%s", msg)
		}
		return syntaxError(err)
	}
	if tok != want {
		return hitd.Errorf(hitd.ErrInvalidParameter, "%s", msg)
	}
	return nil
}

func syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return hitd.Errorf(hitd.ErrInvalidParameter, "The request body is not valid JSON: %s (at byte %d).", se.Error(), se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return hitd.Errorf(hitd.ErrInvalidParameter, "The request body is not valid JSON: it ends early.")
	}
	return hitd.Errorf(hitd.ErrInvalidParameter, "The request body is not valid JSON.")
}
