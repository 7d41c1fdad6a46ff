package qform

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// key wraps a body in an AnswerKey root.
func key(body string) string {
	return `<AnswerKey xmlns="` + AnswerKeyNamespace + `">` + body + `</AnswerKey>`
}

// keyQuestion is a Question element; opts are AnswerOption bodies.
func keyQuestion(id string, extra string, opts ...string) string {
	s := `<Question><QuestionIdentifier>` + id + `</QuestionIdentifier>`
	for _, o := range opts {
		s += `<AnswerOption>` + o + `</AnswerOption>`
	}
	return s + extra + `</Question>`
}

// opt is an AnswerOption body.
func opt(score int, sels ...string) string {
	s := ""
	for _, sel := range sels {
		s += `<SelectionIdentifier>` + sel + `</SelectionIdentifier>`
	}
	return s + `<AnswerScore>` + strconv.Itoa(score) + `</AnswerScore>`
}

// amazonExample is the complete example of Amazon's AnswerKey article.
const amazonExample = `<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd">
  <Question>
    <QuestionIdentifier>nextmove</QuestionIdentifier>
    <AnswerOption>
      <SelectionIdentifier>D</SelectionIdentifier>
      <AnswerScore>5</AnswerScore>
    </AnswerOption>
  </Question>
  <Question>
    <QuestionIdentifier>favoritefruit</QuestionIdentifier>
    <AnswerOption>
      <SelectionIdentifier>apples</SelectionIdentifier>
      <AnswerScore>10</AnswerScore>
    </AnswerOption>
  </Question>
  <QualificationValueMapping>
    <PercentageMapping>
      <MaximumSummedScore>15</MaximumSummedScore>
    </PercentageMapping>
  </QualificationValueMapping>
</AnswerKey>`

const rangeMapping = `<QualificationValueMapping><RangeMapping>
  <SummedScoreRange><InclusiveLowerBound>5</InclusiveLowerBound><InclusiveUpperBound>7</InclusiveUpperBound><QualificationValue>5</QualificationValue></SummedScoreRange>
  <SummedScoreRange><InclusiveLowerBound>8</InclusiveLowerBound><InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>10</QualificationValue></SummedScoreRange>
  <OutOfRangeQualificationValue>0</OutOfRangeQualificationValue>
</RangeMapping></QualificationValueMapping>`

func scaleMapping(m string) string {
	return `<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>` + m + `</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>`
}

func percentageMapping(m string) string {
	return `<QualificationValueMapping><PercentageMapping><MaximumSummedScore>` + m + `</MaximumSummedScore></PercentageMapping></QualificationValueMapping>`
}

func TestParseAnswerKey(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want *AnswerKey
	}{
		{"amazon example", amazonExample, &AnswerKey{
			Questions: []KeyQuestion{
				{QuestionIdentifier: "nextmove", Options: []AnswerOption{{SelectionIdentifiers: []string{"D"}, Score: 5}}},
				{QuestionIdentifier: "favoritefruit", Options: []AnswerOption{{SelectionIdentifiers: []string{"apples"}, Score: 10}}},
			},
			Percentage: &PercentageMapping{MaximumSummedScore: 15},
		}},
		{"no mapping, default score, multi-selection, negative score",
			key(keyQuestion(" colors ", `<DefaultScore> -1 </DefaultScore>`, opt(5, " red ", "blue"), opt(-2, "green"))),
			&AnswerKey{Questions: []KeyQuestion{{
				QuestionIdentifier: "colors",
				Options: []AnswerOption{
					{SelectionIdentifiers: []string{"red", "blue"}, Score: 5},
					{SelectionIdentifiers: []string{"green"}, Score: -2},
				},
				DefaultScore: -1,
			}}}},
		{"children in any order, DefaultScore first",
			key(`<Question><DefaultScore>2</DefaultScore><AnswerOption><AnswerScore>+3</AnswerScore><SelectionIdentifier>a</SelectionIdentifier></AnswerOption><QuestionIdentifier>q</QuestionIdentifier></Question>`),
			&AnswerKey{Questions: []KeyQuestion{{QuestionIdentifier: "q", Options: []AnswerOption{{SelectionIdentifiers: []string{"a"}, Score: 3}}, DefaultScore: 2}}}},
		{"scale", key(keyQuestion("q", "", opt(1, "a")) + scaleMapping(" 1.5 ")),
			&AnswerKey{Questions: []KeyQuestion{{QuestionIdentifier: "q", Options: []AnswerOption{{SelectionIdentifiers: []string{"a"}, Score: 1}}}},
				Scale: &ScaleMapping{SummedScoreMultiplier: 1.5}}},
		{"range", key(keyQuestion("q", "", opt(1, "a")) + rangeMapping),
			&AnswerKey{Questions: []KeyQuestion{{QuestionIdentifier: "q", Options: []AnswerOption{{SelectionIdentifiers: []string{"a"}, Score: 1}}}},
				Range: &RangeMapping{Ranges: []SummedScoreRange{{5, 7, 5}, {8, 10, 10}}, OutOfRangeValue: 0}}},
		{"declaration, BOM, comments, xsi attribute",
			"\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- key -->\n" +
				`<AnswerKey xmlns="` + AnswerKeyNamespace + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y">` +
				keyQuestion("q", "", opt(1, "a")) + `</AnswerKey>`,
			&AnswerKey{Questions: []KeyQuestion{{QuestionIdentifier: "q", Options: []AnswerOption{{SelectionIdentifiers: []string{"a"}, Score: 1}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAnswerKey(tt.doc)
			if err != nil {
				t.Fatalf("ParseAnswerKey: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseAnswerKeyErrors(t *testing.T) {
	q := keyQuestion("q", "", opt(1, "a"))
	tests := []struct {
		name, doc, want string
	}{
		{"not xml", `<AnswerKey`, "AnswerKey: line 1: not well-formed XML"},
		{"empty", ``, "AnswerKey: the document has no root element; expected <AnswerKey>"},
		{"invalid utf-8", key(keyQuestion("q\xff", "", opt(1, "a"))), "AnswerKey: the document is not valid UTF-8"},
		{"wrong root", `<QuestionForm xmlns="` + Namespace + `"/>`, "<QuestionForm> (line 1): the root element must be <AnswerKey>"},
		{"no namespace", `<AnswerKey>` + q + `</AnswerKey>`, `<AnswerKey> (line 1): is in no namespace; every element of an AnswerKey must be in namespace`},
		{"child in other namespace", key(`<Question xmlns="urn:x"/>`), `<Question> (line 1): is in namespace "urn:x"`},
		{"attribute", key(`<Question id="1"/>`), `<Question> (line 1): has attribute "id"; it takes none`},
		{"no question", key(``), "<AnswerKey> (line 1): has no <Question>"},
		{"unknown child", key(q + `<Mapping/>`), "<Mapping> (line 1): is not allowed in <AnswerKey>; expected <Question> or <QualificationValueMapping>"},
		{"text in question", key(`<Question>x` + opt(1, "a") + `</Question>`), `<Question> (line 1): contains text "x"`},
		{"missing QuestionIdentifier", key(`<Question><AnswerOption>` + opt(1, "a") + `</AnswerOption></Question>`), "<Question> (line 1): is missing its required <QuestionIdentifier> element"},
		{"empty QuestionIdentifier", key(keyQuestion(" ", "", opt(1, "a"))), "<QuestionIdentifier> (line 1): is empty"},
		{"two QuestionIdentifiers", key(`<Question><QuestionIdentifier>a</QuestionIdentifier><QuestionIdentifier>b</QuestionIdentifier></Question>`), "<QuestionIdentifier> (line 1): appears more than once in <Question>"},
		{"no AnswerOption", key(keyQuestion("q", `<DefaultScore>1</DefaultScore>`)), "<Question> (line 1): has no <AnswerOption>"},
		{"no SelectionIdentifier", key(keyQuestion("q", "", opt(1))), "<AnswerOption> (line 1): has no <SelectionIdentifier>"},
		{"empty SelectionIdentifier", key(keyQuestion("q", "", opt(1, ""))), "<SelectionIdentifier> (line 1): is empty"},
		{"missing AnswerScore", key(keyQuestion("q", "", `<SelectionIdentifier>a</SelectionIdentifier>`)), "<AnswerOption> (line 1): is missing its required <AnswerScore> element"},
		{"non-integer AnswerScore", key(keyQuestion("q", "", `<SelectionIdentifier>a</SelectionIdentifier><AnswerScore>ten</AnswerScore>`)), `<AnswerScore> (line 1): is "ten"; it must be an integer`},
		{"decimal AnswerScore", key(keyQuestion("q", "", `<SelectionIdentifier>a</SelectionIdentifier><AnswerScore>1.5</AnswerScore>`)), `<AnswerScore> (line 1): is "1.5"; it must be an integer`},
		{"AnswerScore beyond xsd:int", key(keyQuestion("q", "", `<SelectionIdentifier>a</SelectionIdentifier><AnswerScore>2147483648</AnswerScore>`)), `<AnswerScore> (line 1): is "2147483648"; it must be from -2147483648 to 2147483647`},
		{"element in AnswerScore", key(keyQuestion("q", "", `<SelectionIdentifier>a</SelectionIdentifier><AnswerScore><b/></AnswerScore>`)), "<AnswerScore> (line 1): must contain only text, but contains element <b>"},
		{"non-integer DefaultScore", key(keyQuestion("q", `<DefaultScore></DefaultScore>`, opt(1, "a"))), `<DefaultScore> (line 1): is ""; it must be an integer`},
		{"question graded twice", key(q + "\n" + q), `<Question> (line 2): QuestionIdentifier "q" is already graded by the <Question> on line 1`},
		{"same selections twice", key(keyQuestion("q", "", opt(1, "a", "b"), opt(2, "b", "a", "b"))), "<AnswerOption> (line 1): has the same selections as the <AnswerOption> on line 1"},
		{"two mappings", key(q + `<QualificationValueMapping><PercentageMapping><MaximumSummedScore>1</MaximumSummedScore></PercentageMapping><ScaleMapping><SummedScoreMultiplier>2</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>`),
			"<QualificationValueMapping> (line 1): must contain exactly one of <PercentageMapping>, <ScaleMapping> or <RangeMapping>, but contains 2"},
		{"empty mapping", key(q + `<QualificationValueMapping/>`), "<QualificationValueMapping> (line 1): must contain exactly one of"},
		{"two mapping elements", key(q + percentageMapping("1") + percentageMapping("2")), "<QualificationValueMapping> (line 1): appears more than once in <AnswerKey>"},
		{"MaximumSummedScore 0", key(q + percentageMapping("0")), "<MaximumSummedScore> (line 1): is 0; it must be at least 1"},
		{"missing MaximumSummedScore", key(q + `<QualificationValueMapping><PercentageMapping/></QualificationValueMapping>`), "<PercentageMapping> (line 1): is missing its required <MaximumSummedScore> element"},
		{"multiplier not a number", key(q + scaleMapping("x2")), `<SummedScoreMultiplier> (line 1): is "x2"; it must be a decimal number`},
		{"multiplier NaN", key(q + scaleMapping("NaN")), `<SummedScoreMultiplier> (line 1): is "NaN"; it must be a decimal number`},
		{"multiplier INF", key(q + scaleMapping("INF")), `<SummedScoreMultiplier> (line 1): is "INF"; it must be a decimal number`},
		{"multiplier hex", key(q + scaleMapping("0x1p3")), `<SummedScoreMultiplier> (line 1): is "0x1p3"; it must be a decimal number`},
		{"multiplier too big", key(q + scaleMapping("1e999")), `<SummedScoreMultiplier> (line 1): is "1e999"; it is out of range`},
		{"range bounds reversed", key(q + `<QualificationValueMapping><RangeMapping>
<SummedScoreRange><InclusiveLowerBound>8</InclusiveLowerBound><InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>
<OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>`),
			"<SummedScoreRange> (line 2): InclusiveLowerBound 8 is greater than InclusiveUpperBound 5"},
		{"range bound not an integer", key(q + `<QualificationValueMapping><RangeMapping><SummedScoreRange><InclusiveLowerBound>low</InclusiveLowerBound><InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange><OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>`),
			`<InclusiveLowerBound> (line 1): is "low"; it must be an integer`},
		{"range bound missing", key(q + `<QualificationValueMapping><RangeMapping><SummedScoreRange><InclusiveLowerBound>1</InclusiveLowerBound><QualificationValue>1</QualificationValue></SummedScoreRange><OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>`),
			"<SummedScoreRange> (line 1): is missing its required <InclusiveUpperBound> element"},
		{"ranges overlap", key(q + strings.Replace(rangeMapping, "<InclusiveLowerBound>8<", "<InclusiveLowerBound>7<", 1)),
			"<SummedScoreRange> (line 3): range 7..10 overlaps the range 5..7 on line 2; ranges must not overlap"},
		{"no ranges", key(q + `<QualificationValueMapping><RangeMapping><OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>`), "<RangeMapping> (line 1): has no <SummedScoreRange>"},
		{"missing OutOfRangeQualificationValue", key(q + strings.Replace(rangeMapping, "<OutOfRangeQualificationValue>0</OutOfRangeQualificationValue>", "", 1)), "<RangeMapping> (line 1): is missing its required <OutOfRangeQualificationValue> element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseAnswerKey(tt.doc)
			if err == nil {
				t.Fatalf("no error; key %+v", k)
			}
			var ke *AnswerKeyError
			if !errors.As(err, &ke) {
				t.Errorf("error %T is not an *AnswerKeyError", err)
			}
			if k != nil {
				t.Errorf("returned a key with the error")
			}
			if !strings.HasPrefix(err.Error(), "AnswerKey: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tt.want)
			}
		})
	}
}

func TestCheckAgainst(t *testing.T) {
	test := mustParse(t, surveyForm)
	tests := []struct {
		name, doc, want string // want "" for no error
	}{
		{"good", key(keyQuestion("rating", "", opt(1, "good"), opt(0, "bad")) + keyQuestion("colors", "", opt(5, "red", "blue")) + keyQuestion("country", "", opt(1, "fr"))), ""},
		{"unknown question", key(keyQuestion("nope", "", opt(1, "a"))), `AnswerKey: <Question>: grades QuestionIdentifier "nope", which the test has no question for`},
		{"free-text question", key(keyQuestion("age", "", opt(1, "42"))), `AnswerKey: <Question>: grades "age", which is a free-text question; only selection questions can be graded`},
		{"file-upload question", key(keyQuestion("photo", "", opt(1, "a"))), `grades "photo", which is a file-upload question`},
		{"unknown selection", key(keyQuestion("colors", "", opt(5, "red", "purple"))), `AnswerKey: <SelectionIdentifier>: "purple" is not a selection of question "colors"`},
		{"another question's selection", key(keyQuestion("rating", "", opt(1, "fr"))), `"fr" is not a selection of question "rating"`},
		{"the other field is not a selection", key(keyQuestion("country", "", opt(1, "__other__"))), `"__other__" is not a selection of question "country"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseAnswerKey(tt.doc)
			if err != nil {
				t.Fatalf("ParseAnswerKey: %v", err)
			}
			err = k.CheckAgainst(test)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want %q", err, tt.want)
			}
			var ke *AnswerKeyError
			if err != nil && !errors.As(err, &ke) {
				t.Errorf("error %T is not an *AnswerKeyError", err)
			}
		})
	}
	k, _ := ParseAnswerKey(amazonExample)
	if err := k.CheckAgainst(nil); err == nil {
		t.Errorf("CheckAgainst(nil) = nil")
	}
}

func sel(id string, ids ...string) Answer {
	return Answer{QuestionIdentifier: id, SelectionIdentifiers: ids}
}

func TestScore(t *testing.T) {
	k, err := ParseAnswerKey(key(
		keyQuestion("rating", "", opt(10, "good"), opt(-3, "bad")) +
			keyQuestion("colors", `<DefaultScore>-1</DefaultScore>`, opt(5, "red", "blue"), opt(2, "red")) +
			keyQuestion("country", `<DefaultScore>1</DefaultScore>`, opt(4, "jp"))))
	if err != nil {
		t.Fatal(err)
	}
	// Unanswered: rating 0, colors -1, country 1.
	tests := []struct {
		name    string
		answers []Answer
		want    int
	}{
		{"all correct", []Answer{sel("rating", "good"), sel("colors", "red", "blue"), sel("country", "jp")}, 19},
		{"some", []Answer{sel("rating", "good"), sel("colors", "red"), sel("country", "fr")}, 13},
		{"none: negative option, defaults", []Answer{sel("rating", "bad"), sel("colors", "green", "black"), sel("country", "fr")}, -3},
		{"exact set: order and repetition do not matter", []Answer{sel("colors", "blue", "red", "blue")}, 5 + 1},
		{"exact set: a superset does not match", []Answer{sel("colors", "red", "blue", "green")}, -1 + 1},
		{"exact set: a subset matches only its own option", []Answer{sel("colors", "blue")}, -1 + 1},
		{"no selection gets the default", []Answer{sel("rating"), sel("colors"), sel("country")}, 0},
		{"missing answers: DefaultScore or 0", nil, 0},
		{"missing answers among others", []Answer{sel("country", "jp")}, 0 - 1 + 4},
		{"OtherSelection chosen with the right selection", []Answer{{QuestionIdentifier: "country", SelectionIdentifiers: []string{"jp"}, OtherSelectionText: ptr("Japan")}}, 0},
		{"free text never matches", []Answer{{QuestionIdentifier: "rating", FreeText: ptr("good")}, {QuestionIdentifier: "country", FreeText: ptr("jp")}}, 0},
		{"ungraded answers are ignored", []Answer{sel("age", "good"), sel("rating", "good")}, 10 - 1 + 1},
		{"first of duplicate answers counts", []Answer{sel("rating", "bad"), sel("rating", "good")}, -3 - 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			summed, value := k.Score(tt.answers)
			if summed != tt.want || value != tt.want {
				t.Errorf("Score = %d, %d; want %d, %d (no mapping: the value is the sum)", summed, value, tt.want, tt.want)
			}
		})
	}
}

func TestScoreValidatedAnswers(t *testing.T) {
	f := mustParse(t, surveyForm)
	k, err := ParseAnswerKey(key(
		keyQuestion("rating", "", opt(10, "good")) +
			keyQuestion("colors", "", opt(5, "blue", "red")) +
			keyQuestion("country", `<DefaultScore>2</DefaultScore>`, opt(4, "jp")) +
			percentageMapping("20")))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CheckAgainst(f); err != nil {
		t.Fatal(err)
	}
	answers, errs := f.Validate(goodSurvey())
	if errs != nil {
		t.Fatal(errs)
	}
	if summed, value := k.Score(answers); summed != 19 || value != 95 {
		t.Errorf("Score = %d, %d; want 19, 95", summed, value)
	}
	v := goodSurvey()
	v["country"] = []string{"__other__"}
	v["country.other"] = []string{"Canada"}
	answers, errs = f.Validate(v)
	if errs != nil {
		t.Fatal(errs)
	}
	if summed, value := k.Score(answers); summed != 17 || value != 85 {
		t.Errorf("with OtherSelection: Score = %d, %d; want 17, 85", summed, value)
	}
}

func TestScoreMappings(t *testing.T) {
	tests := []struct {
		mapping string
		summed  int
		want    int
	}{
		// PercentageMapping: round(100 × summed / max), halves up, 0..100.
		{percentageMapping("8"), 1, 13}, // 12.5
		{percentageMapping("8"), 3, 38}, // 37.5
		{percentageMapping("8"), 8, 100},
		{percentageMapping("8"), 0, 0},
		{percentageMapping("8"), 12, 100}, // above the maximum
		{percentageMapping("8"), -3, 0},   // negative sum
		{percentageMapping("3"), 1, 33},
		{percentageMapping("3"), 2, 67},
		{percentageMapping("2147483647"), 2147483646, 100},
		{percentageMapping("2147483647"), 1, 0},
		// ScaleMapping: round(summed × multiplier), halves away from zero.
		{scaleMapping("3"), 4, 12},
		{scaleMapping("1.5"), 3, 5}, // 4.5
		{scaleMapping("1.5"), -3, -5},
		{scaleMapping("0.1"), 7, 1},
		{scaleMapping("-2"), 4, -8},
		{scaleMapping(".5e1"), 2, 10},
		{scaleMapping("1e10"), 1000, math.MaxInt32},
		{scaleMapping("-1e300"), 1000, math.MinInt32},
		{scaleMapping("0"), 1000, 0},
		// RangeMapping: 5..7 → 5, 8..10 → 10, otherwise 0.
		{rangeMapping, 4, 0},
		{rangeMapping, 5, 5},
		{rangeMapping, 7, 5},
		{rangeMapping, 8, 10},
		{rangeMapping, 10, 10},
		{rangeMapping, 11, 0},
		{rangeMapping, -5, 0},
		// No mapping: the summed score.
		{"", -4, -4},
		{"", 2147483647, 2147483647},
	}
	for _, tt := range tests {
		doc := key(keyQuestion("q", "", opt(tt.summed, "a")) + tt.mapping)
		k, err := ParseAnswerKey(doc)
		if err != nil {
			t.Fatalf("ParseAnswerKey(%s): %v", doc, err)
		}
		summed, value := k.Score([]Answer{sel("q", "a")})
		if summed != tt.summed || value != tt.want {
			t.Errorf("%s with sum %d: Score = %d, %d; want %d, %d", tt.mapping, tt.summed, summed, value, tt.summed, tt.want)
		}
	}
}

func TestScoreClampsValue(t *testing.T) {
	big := opt(math.MaxInt32, "a")
	k, err := ParseAnswerKey(key(keyQuestion("q1", "", big) + keyQuestion("q2", "", big)))
	if err != nil {
		t.Fatal(err)
	}
	summed, value := k.Score([]Answer{sel("q1", "a"), sel("q2", "a")})
	if int64(summed) != 2*math.MaxInt32 || value != math.MaxInt32 {
		t.Errorf("Score = %d, %d; want %d, %d", summed, value, 2*math.MaxInt32, math.MaxInt32)
	}
	// A hand-built key with a broken percentage mapping does not divide by zero.
	k = &AnswerKey{Questions: k.Questions, Percentage: &PercentageMapping{}}
	if _, value := k.Score([]Answer{sel("q1", "a")}); value != 0 {
		t.Errorf("MaximumSummedScore 0: value = %d, want 0", value)
	}
}

func FuzzParseAnswerKey(f *testing.F) {
	f.Add(amazonExample)
	f.Add(key(keyQuestion("colors", `<DefaultScore>-1</DefaultScore>`, opt(5, "red", "blue"), opt(2, "red")) + rangeMapping))
	f.Add(key(keyQuestion("rating", "", opt(3, "good")) + scaleMapping("-1.5e2")))
	f.Add(key(keyQuestion("country", "", opt(-2147483648, "fr"))))
	f.Add(`<AnswerKey`)
	test := mustParse(f, surveyForm)
	f.Fuzz(func(t *testing.T, doc string) {
		k, err := ParseAnswerKey(doc)
		if err != nil {
			var ke *AnswerKeyError
			if k != nil || !errors.As(err, &ke) || !strings.HasPrefix(err.Error(), "AnswerKey: ") {
				t.Fatalf("ParseAnswerKey = %v, %v", k, err)
			}
			return
		}
		_ = k.CheckAgainst(test)
		// Choosing each question's first option scores exactly that option,
		// since a question's options have distinct selection sets.
		var answers []Answer
		var want int
		for _, q := range k.Questions {
			answers = append(answers, sel(q.QuestionIdentifier, q.Options[0].SelectionIdentifiers...))
			want += q.Options[0].Score
		}
		summed, value := k.Score(answers)
		if summed != want {
			t.Fatalf("summed = %d, want %d", summed, want)
		}
		if value < math.MinInt32 || value > math.MaxInt32 || (k.Percentage != nil && (value < 0 || value > 100)) {
			t.Fatalf("value %d out of range", value)
		}
		_, _ = k.Score(nil)
	})
}
