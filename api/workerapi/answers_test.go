package workerapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

func TestDecodeAnswers(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []qform.Field
	}{
		{`{"answers":{}}`, []qform.Field{}},
		{` { "answers" : { "b" : "1" , "a" : [ "x" , 2.50 ] , "b" : [] } } `, []qform.Field{
			{Name: "b", Values: []string{"1"}}, {Name: "a", Values: []string{"x", "2.50"}}, {Name: "b", Values: []string{}},
		}},
		{`{"answers":{"assignmentId":"A1","":"empty name","\u00e9":"\ud83d\ude00"}}`, []qform.Field{
			{Name: "", Values: []string{"empty name"}}, {Name: "é", Values: []string{"😀"}},
		}},
	} {
		got, err := decodeAnswers([]byte(tc.body))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.body, got, err, tc.want)
		}
	}
}

// FuzzDecodeAnswers checks that no input panics, that every failure is a
// caller error, that only valid JSON is ever accepted, and that what is
// accepted round-trips.
func FuzzDecodeAnswers(f *testing.F) {
	for _, s := range []string{`{"answers":{"a":"1","b":["2","3"]}}`, `{"answers":{"a":[1,2]}}`, `{}`, `[]`, `{"answers":{"a":{}}}`,
		`{"answers":{"a":"1"}}x`, `{"answers":`, `{"answers":{"a":["1"`, `"x"`, `{"answers":{"a":1e999}}`,
		`{"answers":{"assignmentId":"3ASG1","q1":true,"q1":null,"":"\u00e9\ud83d\ude00","n":[1.50,-0,"x\"y"]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, err := decodeAnswers(body)
		if err != nil {
			if c := hitd.ErrorCode(err); c != hitd.ErrInvalidParameter && c != hitd.ErrMissingParameter {
				t.Fatalf("%q: error %v", body, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("%q is not valid JSON but was accepted as %v", body, fields)
		}
		// The fields, written back as one JSON array of strings per name (in
		// order, repeated names and all), decode the same.
		var b strings.Builder
		b.WriteString(`{"answers":{`)
		for i, fl := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(fl.Name)
			values, _ := json.Marshal(fl.Values)
			b.Write(name)
			b.WriteByte(':')
			b.Write(values)
		}
		b.WriteString(`}}`)
		again, err := decodeAnswers([]byte(b.String()))
		if err != nil || !reflect.DeepEqual(again, fields) {
			t.Fatalf("%q decodes to %q; written back as %s it decodes to %q, %v", body, fields, b.String(), again, err)
		}
	})
}
