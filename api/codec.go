package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd"
)

// TimestampMembers are the members of the 2017-01-17 model whose shape is
// Timestamp. In the model no member name is a timestamp in one shape and
// something else in another (TestTimestampMembersMatchModel checks this
// against botocore's copy of the model), so the codec can convert by name.
var timestampMembers = map[string]bool{
	"AcceptTime": true, "ApprovalTime": true, "AutoApprovalTime": true, "CompleteTime": true,
	"CreationTime": true, "Deadline": true, "Expiration": true, "ExpireAt": true, "GrantTime": true,
	"RejectionTime": true, "SubmitTime": true,
}

// TimestampMembers returns the names the codec treats as timestamps.
func TimestampMembers() []string {
	out := make([]string, 0, len(timestampMembers))
	for k := range timestampMembers {
		out = append(out, k)
	}
	return out
}

// TimeFormat is how an edge writes timestamps.
type TimeFormat int

const (
	// EpochSeconds is AWS JSON 1.1's format: a JSON number of seconds,
	// with a fraction for milliseconds.
	EpochSeconds TimeFormat = iota
	// ISO8601 is the REST edge's format: an RFC 3339 date-time string.
	ISO8601
)

// MaxBodyBytes bounds a request body. The largest legitimate request is a
// CreateHIT with a 64 KB Question, which JSON escaping can at most
// sextuple.
const MaxBodyBytes = 1 << 20

// DecodeInput decodes a JSON request body into in (a pointer to an input
// struct). Timestamp members may be epoch seconds (numbers) or ISO-8601
// strings on every edge. Unknown members, wrong types, trailing data and
// malformed JSON are RequestErrors that name the problem.
func DecodeInput(body []byte, in any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if hasTimestampMember(body) {
		var err error
		if body, err = rewriteTimestamps(body, toISO); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return hitd.Errorf(hitd.ErrInvalidParameter, "The request body must be a single JSON object; found data after it.")
	}
	return nil
}

// EncodeOutput encodes an operation's output with timestamps in format f.
// HTML characters are not escaped (a Question's markup stays readable), as
// AWS writes them.
func EncodeOutput(out any, f TimeFormat) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if f == EpochSeconds {
		return epochTimestamps(b)
	}
	return b, nil
}

// epochTimestamps rewrites, in JSON that encoding/json wrote, every
// timestamp member's RFC 3339 string into epoch seconds, in place of
// decoding and re-encoding the whole document. It finds string members by
// the bytes `":"`, which only occur between a member's name and its string
// value: inside a JSON string every quote is escaped. The values, written
// by time.Time's MarshalJSON, hold no quotes or escapes.
func epochTimestamps(b []byte) ([]byte, error) {
	var out []byte
	done := 0 // b[:done] is in out
	for i := 0; ; {
		k := bytes.Index(b[i:], []byte(`":"`))
		if k < 0 {
			break
		}
		k += i
		i = k + 3
		start := bytes.LastIndexByte(b[:k], '"')
		name := string(b[start+1 : k])
		if !timestampMembers[name] {
			continue
		}
		end := bytes.IndexByte(b[i:], '"')
		if end < 0 {
			return nil, fmt.Errorf("encode %s: unterminated value", name)
		}
		end += i
		v, err := toEpoch(name, string(b[i:end]))
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(out, b[done:k+2]...) // through `":`
		out = append(out, v.(json.Number)...)
		done, i = end+1, end+1
	}
	if out == nil {
		return b, nil
	}
	return append(out, b[done:]...), nil
}

// timestampSuffixes end every timestamp member's name: four scans rule
// most documents out before the eleven exact ones.
var timestampSuffixes = [][]byte{[]byte(`Time"`), []byte(`Deadline"`), []byte(`Expiration"`), []byte(`ExpireAt"`)}

func hasTimestampMember(b []byte) bool {
	if !slices.ContainsFunc(timestampSuffixes, func(suffix []byte) bool { return bytes.Contains(b, suffix) }) {
		return false
	}
	for name := range timestampMembers {
		if bytes.Contains(b, []byte(`"`+name+`"`)) {
			return true
		}
	}
	return false
}

// rewriteTimestamps decodes b, applies conv to every value whose member
// name is a timestamp, and encodes the result.
func rewriteTimestamps(b []byte, conv func(name string, v any) (any, error)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, decodeError(err)
	}
	if err := walk(tree, conv); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func walk(v any, conv func(string, any) (any, error)) error {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if timestampMembers[k] {
				nv, err := conv(k, child)
				if err != nil {
					return err
				}
				v[k] = nv
				continue
			}
			if err := walk(child, conv); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range v {
			if err := walk(child, conv); err != nil {
				return err
			}
		}
	}
	return nil
}

// toISO turns an input timestamp (epoch seconds or ISO-8601) into RFC 3339.
func toISO(name string, v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.Number:
		t, ok := parseEpoch(string(v))
		if !ok {
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value %s is invalid for %s. Use epoch seconds or an ISO-8601 date-time.", v, name)
		}
		return t.Format(time.RFC3339Nano), nil
	case string:
		if t, ok := parseEpoch(v); ok {
			return t.Format(time.RFC3339Nano), nil
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
		return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for %s. Use epoch seconds or an ISO-8601 date-time such as 2026-01-31T23:59:59Z.", v, name)
	}
	return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value for %s must be a timestamp.", name)
}

// parseEpoch parses decimal epoch seconds ("1763899200", "1763899200.5").
func parseEpoch(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 253402300799 { // year 9999
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), true
}

// toEpoch turns an output timestamp (RFC 3339 from encoding/json) into
// epoch seconds with millisecond precision.
func toEpoch(name string, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	if frac == 0 {
		return json.Number(strconv.FormatInt(sec, 10)), nil
	}
	return json.Number(strconv.FormatInt(sec, 10) + "." + strings.TrimRight(fmt.Sprintf("%03d", frac), "0")), nil
}

// decodeError turns an encoding/json error into a RequestError.
func decodeError(err error) error {
	var de *hitd.Error
	if errors.As(err, &de) {
		return de
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return hitd.Errorf(hitd.ErrInvalidParameter, "The request body must be a JSON object, not a JSON %s.", typeErr.Value)
		}
		return hitd.Errorf(hitd.ErrInvalidParameter, "The value for %s must be %s, not a JSON %s.", field, describeType(typeErr.Type.String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return hitd.Errorf(hitd.ErrInvalidParameter, "The request body is not valid JSON: %s (at byte %d).", syntaxErr.Error(), syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return hitd.Errorf(hitd.ErrInvalidParameter, "The request body is not valid JSON: it ends early.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return hitd.Errorf(hitd.ErrInvalidParameter, "Unknown parameter %s in the request.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	// Time parse errors and the like: still the caller's input.
	return hitd.Errorf(hitd.ErrInvalidParameter, "The request could not be decoded: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

func describeType(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case t == "string":
		return "a string"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "time.Time":
		return "a timestamp"
	}
	return "an object"
}
