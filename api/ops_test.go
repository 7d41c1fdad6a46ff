package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// TestNotYetRow: a row for an operation of the model that hitd does not
// implement (every operation is implemented today, but the mechanism stays
// for the next model version) answers a clear RequestError, never a panic,
// and on both edges' status rules a 400.
func TestNotYetRow(t *testing.T) {
	o := notYet("LaunchRockets")
	if o.Implemented() || o.Path != "launch-rockets" {
		t.Fatalf("notYet row: implemented %v, path %q", o.Implemented(), o.Path)
	}
	_, err := o.Invoke(context.Background(), nil, hitd.Caller{}, []byte(`{}`))
	w := ToWire(err, time.UnixMilli(1619128282649))
	if w.Type != "RequestError" || w.TurkErrorCode != "AWS.MechanicalTurk.OperationNotImplemented" ||
		!strings.Contains(w.Message, "LaunchRockets is not implemented") || w.JSONStatus() != 400 || w.RESTStatus() != 400 {
		t.Errorf("not implemented: %+v", w)
	}
}
