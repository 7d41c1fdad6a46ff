package api

import (
	"context"
	"strings"
	"unicode"

	"github.com/hitd/hitd"
)

// Operation is one row of the operation table.
type Operation struct {
	Name string // as in X-Amz-Target, e.g. "CreateHITWithHITType"
	Path string // kebab-case for /v1/<Path>, e.g. "create-hit-with-hit-type"
	// newInput returns a pointer to a zero input; call runs the Service
	// method on it. Both are nil for operations of the 2017-01-17 model that
	// hitd does not implement yet.
	newInput func() any
	call     func(ctx context.Context, svc *hitd.Service, c hitd.Caller, in any) (any, error)
}

// Implemented reports whether hitd implements the operation.
func (o *Operation) Implemented() bool { return o.call != nil }

// Decode decodes a JSON body (timestamps as epoch seconds or ISO-8601) into
// a new input of the operation's type.
func (o *Operation) Decode(body []byte) (any, error) {
	if o.newInput == nil {
		return nil, hitd.Errorf(hitd.ErrNotImplemented, "The operation %s is not implemented by this hitd server yet.", o.Name)
	}
	in := o.newInput()
	if err := DecodeInput(body, in); err != nil {
		return nil, err
	}
	return in, nil
}

// Invoke decodes body and runs the operation as caller c.
func (o *Operation) Invoke(ctx context.Context, svc *hitd.Service, c hitd.Caller, body []byte) (any, error) {
	in, err := o.Decode(body)
	if err != nil {
		return nil, err
	}
	return o.call(ctx, svc, c, in)
}

// op makes a table row from a Service method.
func op[In, Out any](name string, method func(*hitd.Service, context.Context, hitd.Caller, *In) (*Out, error)) Operation {
	return Operation{
		Name:     name,
		Path:     Kebab(name),
		newInput: func() any { return new(In) },
		call: func(ctx context.Context, svc *hitd.Service, c hitd.Caller, in any) (any, error) {
			return method(svc, ctx, c, in.(*In))
		},
	}
}

// notYet makes a row for an operation of the model that hitd does not
// implement yet: it answers with a clear RequestError.
func notYet(name string) Operation { return Operation{Name: name, Path: Kebab(name)} }

// Table is the operation table: every operation of the MTurk Requester API
// 2017-01-17, looked up by name or by REST path.
type Table struct {
	ops    []Operation
	byName map[string]*Operation
	byPath map[string]*Operation
}

// NewTable returns the table. Adding an operation is one row here.
func NewTable() *Table {
	rows := []Operation{
		op("AcceptQualificationRequest", (*hitd.Service).AcceptQualificationRequest),
		op("ApproveAssignment", (*hitd.Service).ApproveAssignment),
		op("AssociateQualificationWithWorker", (*hitd.Service).AssociateQualificationWithWorker),
		op("CreateAdditionalAssignmentsForHIT", (*hitd.Service).CreateAdditionalAssignmentsForHIT),
		op("CreateHIT", (*hitd.Service).CreateHIT),
		op("CreateHITType", (*hitd.Service).CreateHITType),
		op("CreateHITWithHITType", (*hitd.Service).CreateHITWithHITType),
		op("CreateQualificationType", (*hitd.Service).CreateQualificationType),
		op("CreateWorkerBlock", (*hitd.Service).CreateWorkerBlock),
		op("DeleteHIT", (*hitd.Service).DeleteHIT),
		op("DeleteQualificationType", (*hitd.Service).DeleteQualificationType),
		op("DeleteWorkerBlock", (*hitd.Service).DeleteWorkerBlock),
		op("DisassociateQualificationFromWorker", (*hitd.Service).DisassociateQualificationFromWorker),
		op("GetAccountBalance", (*hitd.Service).GetAccountBalance),
		op("GetAssignment", (*hitd.Service).GetAssignment),
		op("GetFileUploadURL", (*hitd.Service).GetFileUploadURL),
		op("GetHIT", (*hitd.Service).GetHIT),
		op("GetQualificationScore", (*hitd.Service).GetQualificationScore),
		op("GetQualificationType", (*hitd.Service).GetQualificationType),
		op("ListAssignmentsForHIT", (*hitd.Service).ListAssignmentsForHIT),
		op("ListBonusPayments", (*hitd.Service).ListBonusPayments),
		op("ListHITs", (*hitd.Service).ListHITs),
		op("ListHITsForQualificationType", (*hitd.Service).ListHITsForQualificationType),
		op("ListQualificationRequests", (*hitd.Service).ListQualificationRequests),
		op("ListQualificationTypes", (*hitd.Service).ListQualificationTypes),
		op("ListReviewPolicyResultsForHIT", (*hitd.Service).ListReviewPolicyResultsForHIT),
		op("ListReviewableHITs", (*hitd.Service).ListReviewableHITs),
		op("ListWorkerBlocks", (*hitd.Service).ListWorkerBlocks),
		op("ListWorkersWithQualificationType", (*hitd.Service).ListWorkersWithQualificationType),
		op("NotifyWorkers", (*hitd.Service).NotifyWorkers),
		op("RejectAssignment", (*hitd.Service).RejectAssignment),
		op("RejectQualificationRequest", (*hitd.Service).RejectQualificationRequest),
		op("SendBonus", (*hitd.Service).SendBonus),
		op("SendTestEventNotification", (*hitd.Service).SendTestEventNotification),
		op("UpdateExpirationForHIT", (*hitd.Service).UpdateExpirationForHIT),
		op("UpdateHITReviewStatus", (*hitd.Service).UpdateHITReviewStatus),
		op("UpdateHITTypeOfHIT", (*hitd.Service).UpdateHITTypeOfHIT),
		op("UpdateNotificationSettings", (*hitd.Service).UpdateNotificationSettings),
		op("UpdateQualificationType", (*hitd.Service).UpdateQualificationType),
	}
	t := &Table{ops: rows, byName: map[string]*Operation{}, byPath: map[string]*Operation{}}
	for i := range t.ops {
		o := &t.ops[i]
		t.byName[o.Name] = o
		t.byPath[o.Path] = o
	}
	return t
}

// ByName returns the operation with the given X-Amz-Target name.
func (t *Table) ByName(name string) (*Operation, bool) { o, ok := t.byName[name]; return o, ok }

// ByPath returns the operation with the given kebab-case REST path.
func (t *Table) ByPath(path string) (*Operation, bool) { o, ok := t.byPath[path]; return o, ok }

// All returns every operation, in the model's alphabetical order.
func (t *Table) All() []Operation { return append([]Operation(nil), t.ops...) }

// Kebab turns an operation name into its REST path segment:
// CreateHITWithHITType → create-hit-with-hit-type, ListHITs → list-hits,
// GetFileUploadURL → get-file-upload-url.
func Kebab(name string) string {
	r := strings.NewReplacer("HITs", "Hits", "HIT", "Hit", "URL", "Url")
	var b strings.Builder
	for i, c := range r.Replace(name) {
		if unicode.IsUpper(c) {
			if i > 0 {
				b.WriteByte('-')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}
