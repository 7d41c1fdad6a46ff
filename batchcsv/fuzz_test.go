package batchcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseInput checks that ParseInput never panics, that it fails only
// with an *Error, and that whatever it accepts is well formed and comes
// back the same when written with encoding/csv and parsed again.
func FuzzParseInput(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n",
		"\uFEFF image_url , caption\r\nhttp://x,\"a, \"\"b\"\"\nc\"\r\n\r\n,\r\n",
		"a\n\"\r\n\"\n",
		"a,b\n1,2,3\n",
		"a,a\n1,2\n",
		"a\n5\" screen\n",
		"a\ncaf\xE9\n",
		"a,b\r1,2\r",
		"\xFF\xFEa\x00",
		"x\n\n\n1\n \n2",
	} {
		f.Add([]byte(seed), 0, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, limit int, require bool) {
		opts := InputOptions{MaxRows: limit % 50, MaxRowBytes: limit % 300, MaxCellBytes: limit % 100}
		if require {
			opts.Required = []string{"a", "b"}
		}
		in, err := ParseInput(bytes.NewReader(data), opts)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if e.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(in.Rows) == 0 || len(in.Rows) != len(in.RowNumbers) {
			t.Fatalf("%d rows, %d row numbers", len(in.Rows), len(in.RowNumbers))
		}
		for i, row := range in.Rows {
			if len(row) != len(in.Columns) {
				t.Fatalf("row %d has %d cells, %d columns", i, len(row), len(in.Columns))
			}
			if i > 0 && in.RowNumbers[i] <= in.RowNumbers[i-1] || in.RowNumbers[i] < 2 {
				t.Fatalf("row numbers %v", in.RowNumbers)
			}
			if len(in.Params(i)) != len(in.Placeholders) {
				t.Fatalf("row %d: %d params for %d placeholders", i, len(in.Params(i)), len(in.Placeholders))
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(in.Columns)
		w.WriteAll(in.Rows)
		again, err := ParseInput(&buf, opts)
		if err != nil {
			t.Fatalf("accepted input does not parse again after encoding/csv wrote it: %v\n%q", err, buf.String())
		}
		if !reflect.DeepEqual(again.Columns, in.Columns) || !reflect.DeepEqual(again.Rows, in.Rows) || !reflect.DeepEqual(again.Placeholders, in.Placeholders) {
			t.Fatalf("round trip changed the input:\n%q\n%q", in.Rows, again.Rows)
		}
		if strings.Join(in.Columns, "") == "" {
			t.Fatal("no columns")
		}
	})
}
