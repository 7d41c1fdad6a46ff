package legacy

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hitd/hitd"
)

// operation is one row of the legacy table: run reads the operation's
// parameters, calls the Service and returns what writes the result's
// elements (after <Request><IsValid>True</IsValid></Request>).
type operation struct {
	name string
	// result is the element holding the result. MTurk named it
	// <Operation>Result, except where the result is one HIT, qualification
	// type or qualification, which it wrote as that element itself.
	result string
	run    func(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error)
}

func (o *operation) resultElement() string {
	if o.result != "" {
		return o.result
	}
	return o.name + "Result"
}

type runFunc = func(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error)

func row(name string, run runFunc) *operation { return &operation{name: name, run: run} }

func rowAs(name, result string, run runFunc) *operation {
	return &operation{name: name, result: result, run: run}
}

// operations is the table: every legacy operation hitd implements. Adding
// one is one row and one function.
func operations() []*operation {
	return []*operation{
		// HITs
		row("RegisterHITType", registerHITType),
		rowAs("CreateHIT", "HIT", createHIT),
		rowAs("GetHIT", "HIT", getHIT),
		row("SearchHITs", searchHITs),
		row("GetReviewableHITs", getReviewableHITs),
		row("ExtendHIT", extendHIT),
		row("ForceExpireHIT", expireHIT),
		row("ExpireHIT", expireHIT), // an alias: boto 2's expire_hit sends ForceExpireHIT
		row("DisableHIT", disableHIT),
		row("DisposeHIT", disposeHIT),
		row("SetHITAsReviewing", setHITAsReviewing),
		row("ChangeHITTypeOfHIT", changeHITTypeOfHIT),
		// Assignments and money
		row("GetAssignmentsForHIT", getAssignmentsForHIT),
		row("GetAssignment", getAssignment),
		row("ApproveAssignment", approveAssignment),
		row("RejectAssignment", rejectAssignment),
		row("ApproveRejectedAssignment", approveRejectedAssignment),
		row("GrantBonus", grantBonus),
		row("GetBonusPayments", getBonusPayments),
		row("GetAccountBalance", getAccountBalance),
		row("GetFileUploadURL", getFileUploadURL),
		// Workers
		row("BlockWorker", blockWorker),
		row("UnblockWorker", unblockWorker),
		row("NotifyWorkers", notifyWorkers),
		// Qualifications
		rowAs("CreateQualificationType", "QualificationType", createQualificationType),
		rowAs("GetQualificationType", "QualificationType", getQualificationType),
		row("SearchQualificationTypes", searchQualificationTypes),
		rowAs("UpdateQualificationType", "QualificationType", updateQualificationType),
		row("DisposeQualificationType", disposeQualificationType),
		row("AssignQualification", assignQualification),
		row("RevokeQualification", revokeQualification),
		row("GetQualificationsForQualificationType", getQualificationsForQualificationType),
		row("GetQualificationRequests", getQualificationRequests),
		row("GrantQualification", grantQualification),
		row("RejectQualificationRequest", rejectQualificationRequest),
		rowAs("GetQualificationScore", "Qualification", getQualificationScore),
		row("UpdateQualificationScore", updateQualificationScore),
		// Notifications
		row("SetHITTypeNotification", setHITTypeNotification),
		row("SendTestEventNotification", sendTestEventNotification),
	}
}

// call runs a Service method once the decoder has read its input cleanly.
func call[In, Out any](ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder, in *In,
	method func(*hitd.Service, context.Context, hitd.Caller, *In) (*Out, error)) (*Out, error) {
	if d.err != nil {
		return nil, d.err
	}
	return method(svc, ctx, c, in)
}

// empty runs a Service method whose result is only <Request>.
func empty[In, Out any](ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder, in *In,
	method func(*hitd.Service, context.Context, hitd.Caller, *In) (*Out, error)) (func(*xb), error) {
	_, err := call(ctx, svc, c, d, in, method)
	return nil, err
}

// ---- HIT types and HITs ----

// hitTypeInput reads a HIT type's properties (RegisterHITType, CreateHIT
// without HITTypeId) with RegisterHITType's stated limits: Description
// "less than 2,000" and Keywords "fewer than 1,000" characters. The other
// limits are the Service's, shared with CreateHITType, so equal values give
// equal HITTypeIds on both APIs.
func hitTypeInput(d *decoder) *hitd.CreateHITTypeInput {
	in := &hitd.CreateHITTypeInput{
		Title:                       d.str("Title"),
		Description:                 d.str("Description"),
		Reward:                      d.price("Reward"),
		AssignmentDurationInSeconds: d.int64p("AssignmentDurationInSeconds"),
		Keywords:                    d.str("Keywords"),
		AutoApprovalDelayInSeconds:  d.int64p("AutoApprovalDelayInSeconds"),
		QualificationRequirements:   d.qualificationRequirements(),
	}
	if n := utf8.RuneCountInString(in.Description); n >= hitd.MaxDescriptionRunes {
		d.fail(hitd.Errorf(hitd.ErrOutOfRange, "Description must be less than %d characters long; it has %d.", hitd.MaxDescriptionRunes, n))
	}
	if n := utf8.RuneCountInString(in.Keywords); n >= hitd.MaxKeywordsRunes {
		d.fail(hitd.Errorf(hitd.ErrOutOfRange, "Keywords must be fewer than %d characters long; they have %d.", hitd.MaxKeywordsRunes, n))
	}
	return in
}

func registerHITType(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	out, err := call(ctx, svc, c, d, hitTypeInput(d), (*hitd.Service).CreateHITType)
	if err != nil {
		return nil, err
	}
	return func(b *xb) { b.text("HITTypeId", out.HITTypeId) }, nil
}

// typeProperties are the parameters that CreateHIT takes only without a
// HITTypeId.
var typeProperties = []string{"Title", "Description", "Reward.1.Amount", "AssignmentDurationInSeconds", "Keywords", "AutoApprovalDelayInSeconds"}

func createHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	var (
		out *hitd.HITOutput
		err error
	)
	if typeID := d.str("HITTypeId"); typeID != "" {
		for _, name := range typeProperties {
			if d.has(name) {
				return nil, hitd.Errorf(hitd.ErrInvalidParameter, "CreateHIT takes either a HITTypeId or the HIT type's properties, not both; %s was given with HITTypeId.", name)
			}
		}
		if len(d.indices("QualificationRequirement")) > 0 {
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "CreateHIT takes either a HITTypeId or the HIT type's properties, not both; QualificationRequirement was given with HITTypeId.")
		}
		in := &hitd.CreateHITWithHITTypeInput{
			HITTypeId:              typeID,
			MaxAssignments:         d.int64p("MaxAssignments"),
			LifetimeInSeconds:      d.int64p("LifetimeInSeconds"),
			Question:               d.str("Question"),
			RequesterAnnotation:    d.str("RequesterAnnotation"),
			UniqueRequestToken:     d.str("UniqueRequestToken"),
			AssignmentReviewPolicy: d.reviewPolicy("AssignmentReviewPolicy"),
			HITReviewPolicy:        d.reviewPolicy("HITReviewPolicy"),
			HITLayoutId:            d.str("HITLayoutId"),
			HITLayoutParameters:    d.layoutParameters(),
		}
		out, err = call(ctx, svc, c, d, in, (*hitd.Service).CreateHITWithHITType)
	} else {
		t := hitTypeInput(d)
		in := &hitd.CreateHITInput{
			Title: t.Title, Description: t.Description, Reward: t.Reward, Keywords: t.Keywords,
			AssignmentDurationInSeconds: t.AssignmentDurationInSeconds, AutoApprovalDelayInSeconds: t.AutoApprovalDelayInSeconds,
			QualificationRequirements: t.QualificationRequirements,
			MaxAssignments:            d.int64p("MaxAssignments"),
			LifetimeInSeconds:         d.int64p("LifetimeInSeconds"),
			Question:                  d.str("Question"),
			RequesterAnnotation:       d.str("RequesterAnnotation"),
			UniqueRequestToken:        d.str("UniqueRequestToken"),
			AssignmentReviewPolicy:    d.reviewPolicy("AssignmentReviewPolicy"),
			HITReviewPolicy:           d.reviewPolicy("HITReviewPolicy"),
			HITLayoutId:               d.str("HITLayoutId"),
			HITLayoutParameters:       d.layoutParameters(),
		}
		out, err = call(ctx, svc, c, d, in, (*hitd.Service).CreateHIT)
	}
	if err != nil {
		return nil, err
	}
	return hitFields(out.HIT), nil
}

// hitFields writes a HIT's fields directly into the result element (which
// is itself <HIT>).
func hitFields(h *hitd.HITData) func(*xb) { return func(b *xb) { b.hitFields(h) } }

func getHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	out, err := call(ctx, svc, c, d, &hitd.HITIdInput{HITId: d.str("HITId")}, (*hitd.Service).GetHIT)
	if err != nil {
		return nil, err
	}
	return hitFields(out.HIT), nil
}

// hitSorts are the SortProperty values of SearchHITs and GetReviewableHITs.
func hitSorts(def func(a, b *hitd.HITData) int) sortOrder[*hitd.HITData] {
	return sortOrder[*hitd.HITData]{"": def, "Title": byHITTitle, "Reward": byHITReward, "Expiration": byHITExpiration, "CreationTime": byHITCreationTime}
}

func writeHITPage(pg *page[*hitd.HITData]) func(*xb) {
	return func(b *xb) { writePage(b, pg, func(b *xb, h *hitd.HITData) { b.hit("HIT", h) }) }
}

func searchHITs(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	pg, err := paged(d, hitSorts(byHITCreationTime), func(tok string, max int64) ([]*hitd.HITData, string, error) {
		out, err := svc.ListHITs(ctx, c, &hitd.ListHITsInput{NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.HITs, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return writeHITPage(pg), nil
}

func getReviewableHITs(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	typeID, status := d.str("HITTypeId"), hitd.HITStatus(d.str("Status"))
	pg, err := paged(d, hitSorts(byHITExpiration), func(tok string, max int64) ([]*hitd.HITData, string, error) {
		out, err := svc.ListReviewableHITs(ctx, c, &hitd.ListReviewableHITsInput{HITTypeId: typeID, Status: status, NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.HITs, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return writeHITPage(pg), nil
}

// ExtendHIT's bounds, from the legacy reference.
const (
	minExpirationIncrement  = 60
	maxExpirationIncrement  = 31536000
	maxAssignmentsIncrement = 1000000000
)

// extendHIT is the legacy ExtendHIT (one Service transaction).
func extendHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.ExtendHITInput{HITId: d.str("HITId"), MaxAssignmentsIncrement: d.int64p("MaxAssignmentsIncrement"),
		ExpirationIncrementInSeconds: d.int64p("ExpirationIncrementInSeconds"), UniqueRequestToken: d.str("UniqueRequestToken")}
	if d.err != nil {
		return nil, d.err
	}
	return nil, svc.ExtendHIT(ctx, c, in)
}

// expireNow asks UpdateExpirationForHIT for a time in the past, which
// expires the HIT now.
var expireNow = time.Unix(0, 0).UTC()

func expireHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.UpdateExpirationForHITInput{HITId: d.str("HITId"), ExpireAt: &expireNow}, (*hitd.Service).UpdateExpirationForHIT)
}

// disableHIT is MTurk's DisableHIT (one Service transaction): the HIT is
// disposed at once, its submitted work approved, and work in progress
// approved when submitted.
func disableHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	hitID := d.str("HITId")
	if d.err != nil {
		return nil, d.err
	}
	return nil, svc.DisableHIT(ctx, c, hitID)
}

func disposeHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.HITIdInput{HITId: d.str("HITId")}, (*hitd.Service).DeleteHIT)
}

func setHITAsReviewing(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.UpdateHITReviewStatusInput{HITId: d.str("HITId"), Revert: d.boolp("Revert")}, (*hitd.Service).UpdateHITReviewStatus)
}

func changeHITTypeOfHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.UpdateHITTypeOfHITInput{HITId: d.str("HITId"), HITTypeId: d.str("HITTypeId")}, (*hitd.Service).UpdateHITTypeOfHIT)
}

// ---- Assignments and money ----

// assignmentStatuses reads AssignmentStatus: one value, a comma-separated
// list, or AssignmentStatus.N.
func (d *decoder) assignmentStatuses() []hitd.AssignmentStatus {
	var out []hitd.AssignmentStatus
	for _, v := range d.list("AssignmentStatus") {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, hitd.AssignmentStatus(s))
			}
		}
	}
	return out
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

var assignmentSorts = sortOrder[*hitd.AssignmentData]{
	"":                 func(a, b *hitd.AssignmentData) int { return timeOrZero(a.SubmitTime).Compare(timeOrZero(b.SubmitTime)) },
	"SubmitTime":       func(a, b *hitd.AssignmentData) int { return timeOrZero(a.SubmitTime).Compare(timeOrZero(b.SubmitTime)) },
	"AcceptTime":       func(a, b *hitd.AssignmentData) int { return timeOrZero(a.AcceptTime).Compare(timeOrZero(b.AcceptTime)) },
	"AssignmentStatus": func(a, b *hitd.AssignmentData) int { return cmp.Compare(a.AssignmentStatus, b.AssignmentStatus) },
}

func getAssignmentsForHIT(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	hitID, statuses := d.str("HITId"), d.assignmentStatuses()
	pg, err := paged(d, assignmentSorts, func(tok string, max int64) ([]*hitd.AssignmentData, string, error) {
		out, err := svc.ListAssignmentsForHIT(ctx, c, &hitd.ListAssignmentsForHITInput{HITId: hitID, AssignmentStatuses: statuses, NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.Assignments, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return func(b *xb) { writePage(b, pg, (*xb).assignment) }, nil
}

func getAssignment(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	out, err := call(ctx, svc, c, d, &hitd.AssignmentIdInput{AssignmentId: d.str("AssignmentId")}, (*hitd.Service).GetAssignment)
	if err != nil {
		return nil, err
	}
	return func(b *xb) {
		b.assignment(out.Assignment)
		b.hit("HIT", out.HIT)
	}, nil
}

func approveAssignment(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.ApproveAssignmentInput{AssignmentId: d.str("AssignmentId"), RequesterFeedback: d.str("RequesterFeedback")}, (*hitd.Service).ApproveAssignment)
}

func rejectAssignment(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	feedback := d.str("RequesterFeedback") // optional in the legacy API
	return empty(ctx, svc, c, d, &hitd.RejectAssignmentInput{AssignmentId: d.str("AssignmentId"), RequesterFeedback: &feedback}, (*hitd.Service).RejectAssignment)
}

func approveRejectedAssignment(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	override := true
	in := &hitd.ApproveAssignmentInput{AssignmentId: d.str("AssignmentId"), RequesterFeedback: d.str("RequesterFeedback"), OverrideRejection: &override}
	return empty(ctx, svc, c, d, in, (*hitd.Service).ApproveAssignment)
}

func grantBonus(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.SendBonusInput{
		WorkerId:           d.str("WorkerId"),
		AssignmentId:       d.str("AssignmentId"),
		BonusAmount:        d.price("BonusAmount"),
		Reason:             d.str("Reason"),
		UniqueRequestToken: d.str("UniqueRequestToken"),
	}
	return empty(ctx, svc, c, d, in, (*hitd.Service).SendBonus)
}

func getBonusPayments(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	hitID, asgID := d.str("HITId"), d.str("AssignmentId")
	pg, err := paged(d, sortOrder[*hitd.BonusPaymentData]{"": nil}, func(tok string, max int64) ([]*hitd.BonusPaymentData, string, error) {
		out, err := svc.ListBonusPayments(ctx, c, &hitd.ListBonusPaymentsInput{HITId: hitID, AssignmentId: asgID, NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.BonusPayments, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return func(b *xb) { writePage(b, pg, (*xb).bonusPayment) }, nil
}

func getAccountBalance(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	out, err := call(ctx, svc, c, d, &hitd.GetAccountBalanceInput{}, (*hitd.Service).GetAccountBalance)
	if err != nil {
		return nil, err
	}
	return func(b *xb) {
		b.price("AvailableBalance", out.AvailableBalance)
		if out.OnHoldBalance != "" {
			b.price("OnHoldBalance", out.OnHoldBalance)
		}
	}, nil
}

func getFileUploadURL(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.GetFileUploadURLInput{AssignmentId: d.str("AssignmentId"), QuestionIdentifier: d.str("QuestionIdentifier")}
	out, err := call(ctx, svc, c, d, in, (*hitd.Service).GetFileUploadURL)
	if err != nil {
		return nil, err
	}
	return func(b *xb) { b.text("FileUploadURL", out.FileUploadURL) }, nil
}

// ---- Workers ----

func blockWorker(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.CreateWorkerBlockInput{WorkerId: d.str("WorkerId"), Reason: d.str("Reason")}, (*hitd.Service).CreateWorkerBlock)
}

func unblockWorker(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.DeleteWorkerBlockInput{WorkerId: d.str("WorkerId"), Reason: d.str("Reason")}, (*hitd.Service).DeleteWorkerBlock)
}

func notifyWorkers(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.NotifyWorkersInput{Subject: d.str("Subject"), MessageText: d.str("MessageText"), WorkerIds: d.list("WorkerId")}
	out, err := call(ctx, svc, c, d, in, (*hitd.Service).NotifyWorkers)
	if err != nil {
		return nil, err
	}
	return func(b *xb) {
		for _, f := range out.NotifyWorkersFailureStatuses {
			b.open("NotifyWorkersFailureStatus")
			b.text("NotifyWorkersFailureCode", f.NotifyWorkersFailureCode)
			b.text("NotifyWorkersFailureMessage", f.NotifyWorkersFailureMessage)
			b.text("WorkerId", f.WorkerId)
			b.close("NotifyWorkersFailureStatus")
		}
	}, nil
}

// ---- Qualifications ----

func qualTypeFields(q *hitd.QualificationTypeData) func(*xb) {
	return func(b *xb) { b.qualificationTypeFields(q) }
}

func createQualificationType(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.CreateQualificationTypeInput{
		Name:                    d.str("Name"),
		Keywords:                d.str("Keywords"),
		Description:             d.str("Description"),
		QualificationTypeStatus: hitd.QualificationTypeStatus(d.str("QualificationTypeStatus")),
		RetryDelayInSeconds:     d.int64p("RetryDelayInSeconds"),
		Test:                    d.str("Test"),
		AnswerKey:               d.str("AnswerKey"),
		TestDurationInSeconds:   d.int64p("TestDurationInSeconds"),
		AutoGranted:             d.boolp("AutoGranted"),
		AutoGrantedValue:        d.int32p("AutoGrantedValue"),
	}
	out, err := call(ctx, svc, c, d, in, (*hitd.Service).CreateQualificationType)
	if err != nil {
		return nil, err
	}
	return qualTypeFields(out.QualificationType), nil
}

func getQualificationType(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	out, err := call(ctx, svc, c, d, &hitd.QualificationTypeIdInput{QualificationTypeId: d.str("QualificationTypeId")}, (*hitd.Service).GetQualificationType)
	if err != nil {
		return nil, err
	}
	return qualTypeFields(out.QualificationType), nil
}

func searchQualificationTypes(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	query, requestable, owned := d.str("Query"), d.boolp("MustBeRequestable"), d.boolp("MustBeOwnedByCaller")
	if requestable == nil && d.err == nil {
		f := false // required by the legacy API; absent means no filter here
		requestable = &f
	}
	byName := func(a, b *hitd.QualificationTypeData) int { return cmp.Compare(a.Name, b.Name) }
	pg, err := paged(d, sortOrder[*hitd.QualificationTypeData]{"": byName, "Name": byName}, func(tok string, max int64) ([]*hitd.QualificationTypeData, string, error) {
		out, err := svc.ListQualificationTypes(ctx, c, &hitd.ListQualificationTypesInput{Query: query, MustBeRequestable: requestable, MustBeOwnedByCaller: owned, NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.QualificationTypes, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return func(b *xb) {
		writePage(b, pg, func(b *xb, q *hitd.QualificationTypeData) { b.qualificationType("QualificationType", q) })
	}, nil
}

func updateQualificationType(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.UpdateQualificationTypeInput{
		QualificationTypeId:     d.str("QualificationTypeId"),
		Description:             d.strp("Description"),
		QualificationTypeStatus: hitd.QualificationTypeStatus(d.str("QualificationTypeStatus")),
		Test:                    d.strp("Test"),
		AnswerKey:               d.strp("AnswerKey"),
		TestDurationInSeconds:   d.int64p("TestDurationInSeconds"),
		RetryDelayInSeconds:     d.int64p("RetryDelayInSeconds"),
		AutoGranted:             d.boolp("AutoGranted"),
		AutoGrantedValue:        d.int32p("AutoGrantedValue"),
	}
	out, err := call(ctx, svc, c, d, in, (*hitd.Service).UpdateQualificationType)
	if err != nil {
		return nil, err
	}
	return qualTypeFields(out.QualificationType), nil
}

func disposeQualificationType(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	return empty(ctx, svc, c, d, &hitd.QualificationTypeIdInput{QualificationTypeId: d.str("QualificationTypeId")}, (*hitd.Service).DeleteQualificationType)
}

func assignQualification(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.AssociateQualificationWithWorkerInput{
		QualificationTypeId: d.str("QualificationTypeId"),
		WorkerId:            d.str("WorkerId"),
		IntegerValue:        d.int32p("IntegerValue"),
		SendNotification:    d.boolp("SendNotification"),
	}
	if in.IntegerValue == nil {
		one := int32(1) // the legacy default
		in.IntegerValue = &one
	}
	return empty(ctx, svc, c, d, in, (*hitd.Service).AssociateQualificationWithWorker)
}

func revokeQualification(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.DisassociateQualificationFromWorkerInput{WorkerId: d.str("SubjectId"), QualificationTypeId: d.str("QualificationTypeId"), Reason: d.str("Reason")}
	return empty(ctx, svc, c, d, in, (*hitd.Service).DisassociateQualificationFromWorker)
}

func getQualificationsForQualificationType(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	typeID, status := d.str("QualificationTypeId"), hitd.QualificationStatus(d.str("Status"))
	if status == "" {
		status = hitd.QualGranted // the legacy default
	}
	pg, err := paged(d, sortOrder[*hitd.QualificationData]{"": nil}, func(tok string, max int64) ([]*hitd.QualificationData, string, error) {
		out, err := svc.ListWorkersWithQualificationType(ctx, c, &hitd.ListWorkersWithQualificationTypeInput{QualificationTypeId: typeID, Status: status, NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.Qualifications, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return func(b *xb) {
		writePage(b, pg, func(b *xb, q *hitd.QualificationData) { b.qualification("Qualification", q) })
	}, nil
}

func byQualRequestSubmitTime(a, b *hitd.QualificationRequestData) int {
	return a.SubmitTime.Compare(b.SubmitTime)
}

var qualRequestSorts = sortOrder[*hitd.QualificationRequestData]{
	"":           byQualRequestSubmitTime,
	"SubmitTime": byQualRequestSubmitTime,
	// boto 2's get_qualification_requests sends SortProperty=Expiration
	// unless told otherwise; a request has no expiration, so it sorts by
	// SubmitTime, the default.
	"Expiration": byQualRequestSubmitTime,
	"QualificationTypeId": func(a, b *hitd.QualificationRequestData) int {
		return cmp.Compare(a.QualificationTypeId, b.QualificationTypeId)
	},
}

func getQualificationRequests(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	typeID := d.str("QualificationTypeId")
	pg, err := paged(d, qualRequestSorts, func(tok string, max int64) ([]*hitd.QualificationRequestData, string, error) {
		out, err := svc.ListQualificationRequests(ctx, c, &hitd.ListQualificationRequestsInput{QualificationTypeId: typeID, NextToken: tok, MaxResults: &max})
		if err != nil {
			return nil, "", err
		}
		return out.QualificationRequests, out.NextToken, nil
	})
	if err != nil {
		return nil, err
	}
	return func(b *xb) { writePage(b, pg, (*xb).qualificationRequest) }, nil
}

func grantQualification(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.AcceptQualificationRequestInput{QualificationRequestId: d.str("QualificationRequestId"), IntegerValue: d.int32p("IntegerValue")}
	return empty(ctx, svc, c, d, in, (*hitd.Service).AcceptQualificationRequest)
}

func rejectQualificationRequest(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.RejectQualificationRequestInput{QualificationRequestId: d.str("QualificationRequestId"), Reason: d.str("Reason")}
	return empty(ctx, svc, c, d, in, (*hitd.Service).RejectQualificationRequest)
}

func getQualificationScore(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.GetQualificationScoreInput{QualificationTypeId: d.str("QualificationTypeId"), WorkerId: d.str("SubjectId")}
	out, err := call(ctx, svc, c, d, in, (*hitd.Service).GetQualificationScore)
	if err != nil {
		return nil, err
	}
	return func(b *xb) { b.qualificationFields(out.Qualification) }, nil
}

// updateQualificationScore changes the value of a qualification the worker
// holds (granted, not revoked): GetQualificationScore
// (QualificationDoesNotExist otherwise), then
// AssociateQualificationWithWorker without notifying the worker.
func updateQualificationScore(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	typeID, worker, value := d.str("QualificationTypeId"), d.str("SubjectId"), d.int32p("IntegerValue")
	if d.err != nil {
		return nil, d.err
	}
	if value == nil {
		return nil, hitd.Errorf(hitd.ErrMissingParameter, "Your request is missing required parameters. Required parameters include IntegerValue.")
	}
	return nil, svc.UpdateQualificationScore(ctx, c, typeID, worker, *value)
}

// ---- Notifications ----

func setHITTypeNotification(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	active := d.boolp("Active")
	if active == nil {
		// boto 2's set_*_notification sends Active inside the structure,
		// as Notification.1.Active (True).
		active = d.boolp("Notification.1.Active")
		if active == nil {
			active = d.boolp("Notification.Active")
		}
	}
	in := &hitd.UpdateNotificationSettingsInput{HITTypeId: d.str("HITTypeId"), Notification: d.notification(), Active: active}
	return empty(ctx, svc, c, d, in, (*hitd.Service).UpdateNotificationSettings)
}

func sendTestEventNotification(ctx context.Context, svc *hitd.Service, c hitd.Caller, d *decoder) (func(*xb), error) {
	in := &hitd.SendTestEventNotificationInput{Notification: d.notification(), TestEventType: d.str("TestEventType")}
	return empty(ctx, svc, c, d, in, (*hitd.Service).SendTestEventNotification)
}

// reviewPolicy reads a ReviewPolicy given as label.PolicyName,
// label.Parameter.N.Key, label.Parameter.N.Value.M and
// label.Parameter.N.MapEntry.M.Key / .Value.K; nil when absent.
func (d *decoder) reviewPolicy(label string) *hitd.ReviewPolicy {
	name, ok := d.p[label+".PolicyName"]
	if !ok {
		return nil
	}
	rp := &hitd.ReviewPolicy{PolicyName: name}
	for _, n := range d.indices(label + ".Parameter") {
		pre := label + ".Parameter." + strconv.Itoa(n) + "."
		pp := hitd.PolicyParameter{Key: d.str(pre + "Key"), Values: d.list(pre + "Value")}
		for _, m := range d.indices(pre + "MapEntry") {
			mp := pre + "MapEntry." + strconv.Itoa(m) + "."
			pp.MapEntries = append(pp.MapEntries, hitd.ParameterMapEntry{Key: d.str(mp + "Key"), Values: d.list(mp + "Value")})
		}
		rp.Parameters = append(rp.Parameters, pp)
	}
	return rp
}
