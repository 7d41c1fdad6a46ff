package legacy

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd"
)

// xb builds a response document. Elements are written in the order the
// legacy WSDL lists them; text is escaped.
type xb struct{ strings.Builder }

func (b *xb) open(name string)  { b.WriteString("<" + name + ">") }
func (b *xb) close(name string) { b.WriteString("</" + name + ">") }

// text writes <name>v</name>, always.
func (b *xb) text(name, v string) {
	b.open(name)
	xml.EscapeText(b, []byte(v))
	b.close(name)
}

// opt writes <name>v</name> when v is not empty.
func (b *xb) opt(name, v string) {
	if v != "" {
		b.text(name, v)
	}
}

func (b *xb) int(name string, v int64) { b.text(name, strconv.FormatInt(v, 10)) }

func (b *xb) int64p(name string, v *int64) {
	if v != nil {
		b.int(name, *v)
	}
}

func (b *xb) int32p(name string, v *int32) {
	if v != nil {
		b.int(name, int64(*v))
	}
}

func (b *xb) bool(name string, v bool) {
	if v {
		b.text(name, "true")
	} else {
		b.text(name, "false")
	}
}

// Date layout: ISO-8601 UTC to the second, the only form boto 2 parses
// (mturk/connection.py's HIT.expired uses '%Y-%m-%dT%H:%M:%SZ').
const dateLayout = "2006-01-02T15:04:05Z"

func (b *xb) time(name string, t time.Time) {
	if !t.IsZero() {
		b.text(name, t.UTC().Format(dateLayout))
	}
}

func (b *xb) timep(name string, t *time.Time) {
	if t != nil {
		b.time(name, *t)
	}
}

// price writes a Price structure for a USD amount such as "0.05".
func (b *xb) price(name, amount string) {
	b.open(name)
	b.text("Amount", amount)
	b.text("CurrencyCode", "USD")
	b.text("FormattedPrice", formatPrice(amount))
	b.close(name)
}

// formatPrice renders "10000.00" as "$10,000.00".
func formatPrice(amount string) string {
	whole, frac, hasFrac := strings.Cut(amount, ".")
	var g strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(c)
	}
	switch {
	case !hasFrac:
		frac = "00"
	case len(frac) == 1:
		frac += "0"
	}
	return "$" + g.String() + "." + frac
}

func (b *xb) hit(name string, h *hitd.HITData) {
	b.open(name)
	b.hitFields(h)
	b.close(name)
}

// hitFields writes a HIT's elements without the enclosing element.
func (b *xb) hitFields(h *hitd.HITData) {
	b.text("HITId", h.HITId)
	b.text("HITTypeId", h.HITTypeId)
	b.text("HITGroupId", h.HITGroupId)
	b.opt("HITLayoutId", h.HITLayoutId)
	b.time("CreationTime", h.CreationTime)
	b.text("Title", h.Title)
	b.text("Description", h.Description)
	b.opt("Question", h.Question)
	b.opt("Keywords", h.Keywords)
	b.text("HITStatus", string(h.HITStatus))
	b.int("MaxAssignments", int64(h.MaxAssignments))
	b.price("Reward", h.Reward)
	b.int("AutoApprovalDelayInSeconds", h.AutoApprovalDelayInSeconds)
	b.time("Expiration", h.Expiration)
	b.int("AssignmentDurationInSeconds", h.AssignmentDurationInSeconds)
	b.opt("RequesterAnnotation", h.RequesterAnnotation)
	for _, q := range h.QualificationRequirements {
		b.qualificationRequirement(q)
	}
	b.text("HITReviewStatus", string(h.HITReviewStatus))
	b.int("NumberOfAssignmentsPending", int64(h.NumberOfAssignmentsPending))
	b.int("NumberOfAssignmentsAvailable", int64(h.NumberOfAssignmentsAvailable))
	b.int("NumberOfAssignmentsCompleted", int64(h.NumberOfAssignmentsCompleted))
}

func (b *xb) qualificationRequirement(q hitd.QualificationRequirement) {
	b.open("QualificationRequirement")
	b.text("QualificationTypeId", q.QualificationTypeId)
	b.text("Comparator", q.Comparator)
	for _, v := range q.IntegerValues {
		b.int("IntegerValue", int64(v))
	}
	for _, l := range q.LocaleValues {
		b.locale(l)
	}
	if q.RequiredToPreview != nil {
		b.bool("RequiredToPreview", *q.RequiredToPreview)
	}
	b.opt("ActionsGuarded", q.ActionsGuarded)
	b.close("QualificationRequirement")
}

func (b *xb) locale(l hitd.Locale) {
	b.open("LocaleValue")
	b.text("Country", l.Country)
	b.opt("Subdivision", l.Subdivision)
	b.close("LocaleValue")
}

func (b *xb) assignment(a *hitd.AssignmentData) {
	b.open("Assignment")
	b.text("AssignmentId", a.AssignmentId)
	b.text("WorkerId", a.WorkerId)
	b.text("HITId", a.HITId)
	b.text("AssignmentStatus", string(a.AssignmentStatus))
	b.timep("AutoApprovalTime", a.AutoApprovalTime)
	b.timep("AcceptTime", a.AcceptTime)
	b.timep("SubmitTime", a.SubmitTime)
	b.timep("ApprovalTime", a.ApprovalTime)
	b.timep("RejectionTime", a.RejectionTime)
	b.timep("Deadline", a.Deadline)
	b.opt("Answer", a.Answer)
	b.opt("RequesterFeedback", a.RequesterFeedback)
	b.close("Assignment")
}

func (b *xb) bonusPayment(p *hitd.BonusPaymentData) {
	b.open("BonusPayment")
	b.text("WorkerId", p.WorkerId)
	b.price("BonusAmount", p.BonusAmount)
	b.text("AssignmentId", p.AssignmentId)
	b.text("Reason", p.Reason)
	b.time("GrantTime", p.GrantTime)
	b.close("BonusPayment")
}

func (b *xb) qualificationType(name string, q *hitd.QualificationTypeData) {
	b.open(name)
	b.qualificationTypeFields(q)
	b.close(name)
}

func (b *xb) qualificationTypeFields(q *hitd.QualificationTypeData) {
	b.text("QualificationTypeId", q.QualificationTypeId)
	b.time("CreationTime", q.CreationTime)
	b.text("Name", q.Name)
	b.text("Description", q.Description)
	b.opt("Keywords", q.Keywords)
	b.text("QualificationTypeStatus", string(q.QualificationTypeStatus))
	b.opt("Test", q.Test)
	b.int64p("TestDurationInSeconds", q.TestDurationInSeconds)
	b.opt("AnswerKey", q.AnswerKey)
	b.int64p("RetryDelayInSeconds", q.RetryDelayInSeconds)
	b.bool("IsRequestable", q.IsRequestable)
	b.bool("AutoGranted", q.AutoGranted)
	b.int32p("AutoGrantedValue", q.AutoGrantedValue)
}

// qualification writes a Qualification; the legacy API calls the worker
// SubjectId.
func (b *xb) qualification(name string, q *hitd.QualificationData) {
	b.open(name)
	b.qualificationFields(q)
	b.close(name)
}

func (b *xb) qualificationFields(q *hitd.QualificationData) {
	b.text("QualificationTypeId", q.QualificationTypeId)
	b.text("SubjectId", q.WorkerId)
	b.time("GrantTime", q.GrantTime)
	b.int32p("IntegerValue", q.IntegerValue)
	if q.LocaleValue != nil {
		b.locale(*q.LocaleValue)
	}
	b.text("Status", string(q.Status))
}

func (b *xb) qualificationRequest(q *hitd.QualificationRequestData) {
	b.open("QualificationRequest")
	b.text("QualificationRequestId", q.QualificationRequestId)
	b.text("QualificationTypeId", q.QualificationTypeId)
	b.text("SubjectId", q.WorkerId)
	b.opt("Test", q.Test)
	b.opt("Answer", q.Answer)
	b.time("SubmitTime", q.SubmitTime)
	b.close("QualificationRequest")
}
