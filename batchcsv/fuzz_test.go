package batchcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hitd/hitd"
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
		// encoding/csv writes a cell's CR LF as is and reads it back as LF
		// ("0\r\r\n" in quotes reads as "0\r\n", which comes back as "0\n").
		want := make([][]string, len(in.Rows))
		for i, row := range in.Rows {
			want[i] = make([]string, len(row))
			for j, cell := range row {
				want[i][j] = strings.ReplaceAll(cell, "\r\n", "\n")
			}
		}
		if !reflect.DeepEqual(again.Columns, in.Columns) || !reflect.DeepEqual(again.Rows, want) || !reflect.DeepEqual(again.Placeholders, in.Placeholders) {
			t.Fatalf("round trip changed the input:\n%q\n%q", want, again.Rows)
		}
		if strings.Join(in.Columns, "") == "" {
			t.Fatal("no columns")
		}
	})
}

// FuzzParseReview checks the reader of reviewed results files: it fails
// only with an *Error and no decisions; what it accepts names each
// assignment once, in increasing spreadsheet rows, with trimmed
// identifiers and feedback (never a bare "x" mark, never on an approval,
// valid UTF-8 within hitd.MaxFeedbackRunes); and the decisions, written back
// as a minimal file (AssignmentId, Approve, Reject) with encoding/csv, read
// back the same.
func FuzzParseReview(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "results.csv")); err == nil {
		f.Add(b)
		// The golden results file as a requester marks it: approve the first
		// assignment, reject the second with a reason.
		marked := strings.Replace(string(b), "\r\n", "\n", -1)
		lines := strings.SplitAfter(marked, "\n")
		for i, l := range lines {
			if strings.HasSuffix(l, ",,\n") && strings.Contains(l, "3ASG2") {
				lines[i] = strings.TrimSuffix(l, "\n") + `"Did not ""read"" it"` + "\n"
			}
		}
		f.Add([]byte(strings.Join(lines, "")))
	}
	for _, s := range []string{
		"\uFEFFReject,Other,AssignmentId , Approve\n,note,A1,x\nx,,A2,\n\n\"Did not follow\nthe instructions\",,A3,\n,,A4,\nX,,,\n  ,,A5,  \n\" x \",,A6\nyes,,A7,\n",
		"AssignmentId,Approve\r\nA1,x\r\nA2,\r\n",
		"Reject,AssignmentId\nbad,A1\n",
		"AssignmentId,Approve,Reject\nA1,x,x\n",
		"AssignmentId,Approve,AssignmentId\nA1,x,A2\n",
		"AssignmentId,Reject\nA1,x\nA1,\n",
		"AssignmentId,Reject\nA1,caf\xe9\n",
		"\xFF\xFEA\x00",
		"Approve\nx\n",
		"",
		"a\"b,c\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ParseReview(bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Error() == "" || ds != nil {
				t.Fatalf("ParseReview = %v, %v (%T)", ds, err, err)
			}
			return
		}
		seen := map[string]bool{}
		for i, d := range ds {
			if d.AssignmentID == "" || d.AssignmentID != strings.TrimSpace(d.AssignmentID) || seen[d.AssignmentID] {
				t.Fatalf("decision %d: assignment %q (empty, untrimmed or repeated)", i, d.AssignmentID)
			}
			seen[d.AssignmentID] = true
			if d.Row < 2 || (i > 0 && d.Row <= ds[i-1].Row) {
				t.Fatalf("rows out of order: %+v", ds)
			}
			if d.Approve && d.Feedback != "" {
				t.Fatalf("an approval with feedback: %+v", d)
			}
			if d.Feedback != strings.TrimSpace(d.Feedback) || d.Feedback == "x" || d.Feedback == "X" ||
				!utf8.ValidString(d.Feedback) || utf8.RuneCountInString(d.Feedback) > hitd.MaxFeedbackRunes {
				t.Fatalf("feedback %q", d.Feedback)
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{ColumnAssignmentID, ColumnApprove, ColumnReject})
		for _, d := range ds {
			switch {
			case d.Approve:
				w.Write([]string{d.AssignmentID, "x", ""})
			case d.Feedback == "":
				w.Write([]string{d.AssignmentID, "", "x"})
			default:
				w.Write([]string{d.AssignmentID, "", d.Feedback})
			}
		}
		w.Flush()
		again, err := ParseReview(&buf)
		if err != nil {
			t.Fatalf("decisions %+v written back do not read: %v\n%q", ds, err, buf.String())
		}
		want := make([]Decision, len(ds))
		for i, d := range ds {
			d.Row = i + 2
			d.Feedback = strings.ReplaceAll(d.Feedback, "\r\n", "\n") // encoding/csv reads CRLF in a cell as LF
			want[i] = d
		}
		if len(ds) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(again, want) {
			t.Fatalf("decisions\n%+v\nwritten back read as\n%+v", want, again)
		}
	})
}
