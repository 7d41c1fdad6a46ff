package batchcsv

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/hitd/hitd"
)

// checkError fails unless err is an *Error at row, col and column whose
// message contains want.
func checkError(t *testing.T, err error, row, col int, column, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T); want an *Error", err, err)
	}
	if e.Row != row || e.Col != col || e.Column != column || !strings.Contains(e.Message, want) {
		t.Fatalf("err = %#v\nwant Row %d, Col %d, Column %q, a message containing %q", e, row, col, column, want)
	}
}

func TestParseInput(t *testing.T) {
	src := "\uFEFF image_url , caption,notes\r\n" +
		"http://a/1.jpg,\"A cat, sitting\",\r\n" +
		"\r\n" + // an empty row in the middle: skipped, but counted
		"http://a/2.jpg,\"two\nlines\",  \r\n" +
		",,\r\n" + // a spreadsheet's empty row
		"http://a/3.jpg,\"say \"\"hi\"\"\", x \r\n" +
		"\r\n\r\n"
	in, err := ParseInput(strings.NewReader(src), InputOptions{Required: []string{"image_url", "caption", "image_url"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Input{
		Columns: []string{"image_url", "caption", "notes"},
		Rows: [][]string{
			{"http://a/1.jpg", "A cat, sitting", ""},
			{"http://a/2.jpg", "two\nlines", "  "},
			{"http://a/3.jpg", `say "hi"`, " x "},
		},
		RowNumbers:   []int{2, 4, 6},
		Placeholders: []string{"image_url", "caption"},
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("ParseInput =\n%#v\nwant\n%#v", in, want)
	}
	if got, want := in.Params(1), []hitd.HITLayoutParameter{{Name: "image_url", Value: "http://a/2.jpg"}, {Name: "caption", Value: "two\nlines"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Params(1) = %v, want %v", got, want)
	}
	if got, want := in.Values(2), map[string]string{"image_url": "http://a/3.jpg", "caption": `say "hi"`, "notes": " x "}; !reflect.DeepEqual(got, want) {
		t.Errorf("Values(2) = %v, want %v", got, want)
	}

	// Without Required, every column is a placeholder.
	in, err = ParseInput(strings.NewReader("a,b\n1,2"), InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := in.Params(0), []hitd.HITLayoutParameter{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Params(0) = %v, want %v", got, want)
	}
	// A layout with no placeholders passes none, whatever the columns.
	in, err = ParseInput(strings.NewReader("a\n1"), InputOptions{Required: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Params(0); len(got) != 0 {
		t.Errorf("Params(0) = %v, want none", got)
	}
}

func TestParseInputErrors(t *testing.T) {
	big := strings.Repeat("x", 100)
	tests := []struct {
		name   string
		src    string
		opts   InputOptions
		row    int
		col    int
		column string
		want   string
	}{
		{"empty file", "", InputOptions{}, 0, 0, "", "the file is empty"},
		{"only a BOM and blank lines", "\uFEFF\n\n,\n", InputOptions{}, 0, 0, "", "the file is empty"},
		{"header only", "a,b\n\n", InputOptions{}, 0, 0, "", "no rows below the header"},
		{"UTF-16 LE", "\xFF\xFEa\x00", InputOptions{}, 0, 0, "", "UTF-16"},
		{"UTF-16 BE", "\xFE\xFF\x00a", InputOptions{}, 0, 0, "", "UTF-16"},
		{"bad UTF-8 in a value", "a,b\n1,2\n3,caf\xE9\n", InputOptions{}, 3, 2, "b", "not valid UTF-8"},
		{"bad UTF-8 in a name", "a,caf\xE9\n1,2\n", InputOptions{}, 1, 2, "", "not valid UTF-8"},
		{"XML-forbidden character", "a\nx\x01y\n", InputOptions{}, 2, 1, "a", "U+0001"},
		{"ragged row, short", "a,b,c\n1,2,3\n1,2\n", InputOptions{}, 3, 0, "", "has 2 cells, but the header names 3"},
		{"ragged row, long", "a,b\n1,2,3\n", InputOptions{}, 2, 0, "", "has 3 cells, but the header names 2"},
		{"ragged row after a multi-line cell", "a,b\n\"1\n2\n3\",x\n\n1\n", InputOptions{}, 4, 0, "", "has 1 cells"},
		{"bare quote", "a,b\n1,5\" screen\n", InputOptions{}, 2, 0, "", "does not start with one"},
		{"unclosed quote", "a,b\n1,2\n\n\"3,4\n", InputOptions{}, 4, 0, "", "not closed"},
		{"empty name", "a,,c\n1,2,3\n", InputOptions{}, 1, 2, "", "no name"},
		{"blank name", "a,  \n1,2\n", InputOptions{}, 1, 2, "", "no name"},
		{"trailing empty column", "a,b,\n1,2,\n", InputOptions{}, 1, 3, "", "no name"},
		{"duplicate name", "a,b,a\n1,2,3\n", InputOptions{}, 1, 3, "a", "column A is also named"},
		{"duplicate after trimming", "a,b, b \n1,2,3\n", InputOptions{}, 1, 3, "b", "column B is also named"},
		{"name with a space", "image url\nx\n", InputOptions{}, 1, 1, "", `"image url" is not a placeholder name`},
		{"name starting with a digit", "a,1b\n1,2\n", InputOptions{}, 1, 2, "", `"1b" is not a placeholder name`},
		{"name with a dot", "a.b\n1\n", InputOptions{}, 1, 1, "", "not a placeholder name"},
		{"name written as a placeholder", "${a}\n1\n", InputOptions{}, 1, 1, "", "not a placeholder name"},
		{"non-ASCII name", "café\n1\n", InputOptions{}, 1, 1, "", "not a placeholder name"},
		{"old Mac line ends", "a,b\r1,2\r", InputOptions{}, 1, 2, "", "carriage return"},
		{"header after blank lines", "\n\na,a\n1,2\n", InputOptions{}, 3, 2, "a", "also named"},
		{"one required placeholder missing", "a,b\n1,2\n", InputOptions{Required: []string{"a", "c"}}, 1, 0, "", `placeholder "c" has no column`},
		{"required placeholders missing", "a,b\n1,2\n", InputOptions{Required: []string{"z", "a", "c"}}, 1, 0, "", `placeholders "z", "c" have no column`},
		{"required is case-sensitive", "Image\n1\n", InputOptions{Required: []string{"image"}}, 1, 0, "", `"image" has no column`},
		{"too many rows", "a\n1\n2\n\n3\n4\n", InputOptions{MaxRows: 2}, 5, 0, "", "more than 2 rows"},
		{"cell too large", "a,b\n1,2\n3," + big + "\n", InputOptions{MaxCellBytes: 99}, 3, 2, "b", "the value is 100 bytes; a value may be at most 99"},
		{"row too large", "a,b\n" + big[:50] + "," + big[:50] + "\n", InputOptions{MaxRowBytes: 100}, 2, 0, "", "the row is 101 bytes; a row may hold at most 100"},
		{"header too large", "a,b\n1,2\n", InputOptions{MaxRowBytes: 2}, 1, 0, "", "the header is 3 bytes"},
		{"row far too large", "a\n1\n" + strings.Repeat("y", 1<<20) + "\n", InputOptions{MaxRowBytes: 10}, 3, 0, "", "more than"},
		{"endless commas", "a\n" + strings.Repeat(",", 1<<20), InputOptions{MaxRowBytes: 10}, 2, 0, "", "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ParseInput(strings.NewReader(tt.src), tt.opts)
			if err == nil {
				t.Fatalf("ParseInput = %#v, want an error", in)
			}
			checkError(t, err, tt.row, tt.col, tt.column, tt.want)
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += k
	return k, err
}

// A huge row is refused without reading it all.
func TestParseInputStopsEarly(t *testing.T) {
	src := &countingReader{r: io.MultiReader(strings.NewReader("a\n\""), strings.NewReader(strings.Repeat("z", 64<<20)))}
	_, err := ParseInput(src, InputOptions{MaxRowBytes: 1000})
	checkError(t, err, 2, 0, "", "too large")
	if src.n > 1<<20 {
		t.Errorf("read %d bytes before refusing the row", src.n)
	}
}

func TestParseInputReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := ParseInput(io.MultiReader(strings.NewReader("a\n1\n"), iotestErr{boom}), InputOptions{})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

func TestParseInputLimitsAtTheEdge(t *testing.T) {
	// Exactly at each limit is fine.
	src := "a,b\n" + strings.Repeat("x", 4) + "," + strings.Repeat("y", 5) + "\n1,2\n"
	in, err := ParseInput(strings.NewReader(src), InputOptions{MaxRows: 2, MaxRowBytes: 10, MaxCellBytes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Rows) != 2 {
		t.Fatalf("rows = %d", len(in.Rows))
	}
	// The defaults accept a value of a Question's full size.
	huge := strings.Repeat("v", hitd.MaxQuestionBytes)
	if _, err := ParseInput(strings.NewReader("a\n"+huge+"\n"), InputOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = ParseInput(strings.NewReader("a\n"+huge+"v\n"), InputOptions{})
	checkError(t, err, 2, 1, "a", "at most 65535 bytes")
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Row: 17, Col: 3, Column: "image_url", Message: "bad"}, `row 17, column "image_url" (C): bad`},
		{Error{Row: 17, Column: "image_url", Message: "bad"}, `row 17, column "image_url": bad`},
		{Error{Row: 1, Col: 28, Message: "bad"}, `row 1, column AB: bad`},
		{Error{Row: 2, Message: "bad"}, `row 2: bad`},
		{Error{Message: "bad"}, `bad`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestColumnLetter(t *testing.T) {
	for col, want := range map[int]string{0: "", 1: "A", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 16384: "XFD"} {
		if got := ColumnLetter(col); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", col, got, want)
		}
	}
}
