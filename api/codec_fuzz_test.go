package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/hitd/hitd"
)

// FuzzCodec checks the JSON codec on every implemented operation's input
// (the fuzzer picks the operation):
//
//   - Decode fails only with an InvalidParameterValue *hitd.Error;
//   - what it decodes encodes (EncodeOutput, ISO 8601) to JSON that decodes
//     again and re-encodes to the same bytes: the codec is a fixed point;
//   - the byte-level epoch rewrite (epochTimestamps) of that JSON, whose
//     strings the fuzzer controls, agrees with decoding the document,
//     converting timestamps by member name and encoding it again
//     (rewriteTimestamps), and is what EncodeOutput(…, EpochSeconds) gives.
func FuzzCodec(f *testing.F) {
	ops := NewTable().All()
	index := map[string]uint8{}
	var impl []Operation
	for _, o := range ops {
		if o.Implemented() {
			index[o.Name] = uint8(len(impl))
			impl = append(impl, o)
		}
	}
	for _, s := range []struct{ op, body string }{
		// The request of the 2017-01-17 API reference's CreateHITWithHITType
		// example, with its question filled in.
		{"CreateHITWithHITType", `{ "HITTypeId":"T100CN9P324W00EXAMPLE", "Question":"<ExternalQuestion xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd\"><ExternalURL>https://tictactoe.amazon.com/gamesurvey.cgi?gameid=01523</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>", "LifetimeInSeconds":604800 }`},
		{"CreateHIT", `{"Title":"t","Description":"d","Reward":"0.05","AssignmentDurationInSeconds":600,"LifetimeInSeconds":3600,"MaxAssignments":3,"Keywords":"a, b","QualificationRequirements":[{"QualificationTypeId":"00000000000000000071","Comparator":"In","LocaleValues":[{"Country":"US"},{"Country":"DE","Subdivision":"BE"}],"ActionsGuarded":"Accept"},{"QualificationTypeId":"000000000000000000L0","Comparator":"GreaterThan","IntegerValues":[90],"RequiredToPreview":true}],"HITLayoutParameters":[{"Name":"x","Value":"\"CreationTime\":\"2026-01-01T00:00:00Z\""}],"AssignmentReviewPolicy":{"PolicyName":"ScoreMyKnownAnswers/2011-09-01","Parameters":[{"Key":"AnswerKey","MapEntries":[{"Key":"q1","Values":["a"]}]}]}}`},
		{"UpdateExpirationForHIT", `{"HITId":"3AQF3RZ558H03P7ZPD2X6DZSK6P6N1","ExpireAt":1795435200.25}`},
		{"UpdateExpirationForHIT", `{"HITId":"X","ExpireAt":"2026-11-23T12:00:00.123456789+02:00"}`},
		{"UpdateExpirationForHIT", `{"ExpireAt":"1960-01-01T00:00:00Z"}`},
		{"ListAssignmentsForHIT", `{"HITId":"X","AssignmentStatuses":["Submitted","Approved"],"MaxResults":10,"NextToken":"\u2028"}`},
		{"SendBonus", `{"WorkerId":"W","BonusAmount":"1.00","AssignmentId":"A","Reason":"<b>thanks</b> & \\ \"","UniqueRequestToken":"t"}`},
		{"UpdateNotificationSettings", `{"HITTypeId":"T","Notification":{"Destination":"arn:aws:sqs:us-east-1:1:q","Transport":"SQS","Version":"2006-05-05","EventTypes":["AssignmentSubmitted"]},"Active":true}`},
		{"ListHITs", `null`},
		{"ListHITs", `{"MaxResults":1e99}`},
		{"GetAccountBalance", ``},
	} {
		i, ok := index[s.op]
		if !ok {
			f.Fatalf("no implemented operation %s", s.op)
		}
		f.Add([]byte(s.body), i)
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		o := impl[int(which)%len(impl)]
		in, err := o.Decode(body)
		if err != nil {
			var de *hitd.Error
			if !errors.As(err, &de) || de.Code != hitd.ErrInvalidParameter || de.Message == "" || in != nil {
				t.Fatalf("%s: %q → %v, %v", o.Name, body, in, err)
			}
			return
		}
		iso, err := EncodeOutput(in, ISO8601)
		if err != nil {
			t.Fatalf("%s: %q decodes to %+v, which does not encode: %v", o.Name, body, in, err)
		}
		again, err := o.Decode(iso)
		if err != nil {
			t.Fatalf("%s: %q decodes, encodes as %s, which does not decode: %v", o.Name, body, iso, err)
		}
		iso2, err := EncodeOutput(again, ISO8601)
		if err != nil || !bytes.Equal(iso2, iso) {
			t.Fatalf("%s: not a fixed point:\n%s\n%s (%v)", o.Name, iso, iso2, err)
		}

		fast, ferr := epochTimestamps(iso)
		tree, terr := rewriteTimestamps(iso, toEpoch)
		if (ferr == nil) != (terr == nil) {
			t.Fatalf("%s: byte rewrite error %v, tree rewrite error %v\n%s", o.Name, ferr, terr, iso)
		}
		if ferr != nil {
			return
		}
		var x, y any
		for _, doc := range []struct {
			b []byte
			v *any
		}{{fast, &x}, {tree, &y}} {
			d := json.NewDecoder(bytes.NewReader(doc.b))
			d.UseNumber()
			if err := d.Decode(doc.v); err != nil {
				t.Fatalf("%s: rewritten output is not JSON: %v\n%s", o.Name, err, doc.b)
			}
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("%s: byte rewrite\n%s\ntree rewrite\n%s", o.Name, fast, tree)
		}
		if epoch, err := EncodeOutput(in, EpochSeconds); err != nil || !bytes.Equal(epoch, fast) {
			t.Fatalf("%s: EncodeOutput(EpochSeconds) = %s, %v; want %s", o.Name, epoch, err, fast)
		}
	})
}
