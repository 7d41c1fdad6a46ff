package legacy

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd"
)

// maxParams bounds the number of parameters of one request. The largest
// legitimate request (a CreateHIT with ten requirements of thirty locales
// and many layout parameters) has a few hundred.
const maxParams = 2000

// params are a request's parameters: the query string and, for a form
// POST, the body, merged. Every name appears once; order is kept for
// nothing (signatures sort), so a map suffices.
type params map[string]string

// parseParams parses a query string and a form body into params. A name
// given twice (in one or across both) is refused: the signature covers one
// value per name, so a second one could only be ambiguous or smuggled.
func parseParams(query, body string) (params, error) {
	p := params{}
	for _, src := range []string{query, body} {
		if src == "" {
			continue
		}
		vals, err := url.ParseQuery(src)
		if err != nil {
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The request's parameters could not be parsed: use application/x-www-form-urlencoded name=value pairs joined by '&'.")
		}
		for name, vs := range vals {
			if name == "" {
				return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The request has a parameter with an empty name.")
			}
			if _, dup := p[name]; dup || len(vs) > 1 {
				return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The parameter %s is given more than once.", printable(name))
			}
			p[name] = vs[0]
			if len(p) > maxParams {
				return nil, hitd.Errorf(hitd.ErrOutOfRange, "The request has more than %d parameters.", maxParams)
			}
		}
	}
	return p, nil
}

// printable shortens and cleans a caller-supplied name for an error message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// decoder reads typed values out of params, remembering the first error so
// that an operation's row can read everything and check once.
type decoder struct {
	p   params
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) has(name string) bool { _, ok := d.p[name]; return ok }

// str returns a parameter's value, "" when absent.
func (d *decoder) str(name string) string { return d.p[name] }

// strp returns a pointer to a parameter's value, nil when absent.
func (d *decoder) strp(name string) *string {
	if v, ok := d.p[name]; ok {
		return &v
	}
	return nil
}

// int64p parses an optional integer.
func (d *decoder) int64p(name string) *int64 {
	v, ok := d.p[name]
	if !ok || v == "" {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		d.fail(hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for %s. It must be an integer.", printable(v), name))
		return nil
	}
	return &n
}

// int32p parses an optional 32-bit integer.
func (d *decoder) int32p(name string) *int32 {
	n := d.int64p(name)
	if n == nil {
		return nil
	}
	if *n < -1<<31 || *n > 1<<31-1 {
		d.fail(hitd.Errorf(hitd.ErrOutOfRange, "The value %d is out of range for %s.", *n, name))
		return nil
	}
	v := int32(*n)
	return &v
}

// boolp parses an optional boolean: true or false in any case (Python's
// str(True) is "True").
func (d *decoder) boolp(name string) *bool {
	v, ok := d.p[name]
	if !ok || v == "" {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		t := true
		return &t
	case "false":
		f := false
		return &f
	}
	d.fail(hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for %s. Valid values: true, false.", printable(v), name))
	return nil
}

// price reads a Price structure, label.1.Amount and label.1.CurrencyCode,
// and returns its amount ("" when absent) for the Service to validate.
func (d *decoder) price(label string) string {
	amount, cur := label+".1.Amount", label+".1.CurrencyCode"
	if !d.has(amount) && d.has(label+".Amount") { // the unnumbered form
		amount, cur = label+".Amount", label+".CurrencyCode"
	}
	if c := d.str(cur); c != "" && c != "USD" {
		d.fail(hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for %s. The only currency is USD.", printable(c), cur))
	}
	return strings.TrimSpace(d.str(amount))
}

// maxIndex bounds N in a Name.N parameter.
const maxIndex = 1000

// indices returns the distinct N of parameters named prefix.N or
// prefix.N.rest, ascending. A non-numeric or out-of-range N is an error,
// except for the names prefix.member of the structure's unnumbered form.
func (d *decoder) indices(prefix string, unnumbered ...string) []int {
	seen := map[int]bool{}
	for name := range d.p {
		rest, ok := strings.CutPrefix(name, prefix+".")
		if !ok || slices.Contains(unnumbered, rest) {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > maxIndex || num[0] == '+' {
			d.fail(hitd.Errorf(hitd.ErrInvalidParameter, "The parameter %s is invalid: %s.N needs N between 1 and %d.", printable(name), prefix, maxIndex))
			continue
		}
		seen[n] = true
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// list reads a list given as prefix.1, prefix.2, … (or, for one value,
// plain prefix).
func (d *decoder) list(prefix string) []string {
	var out []string
	if v, ok := d.p[prefix]; ok {
		out = append(out, v)
	}
	for _, n := range d.indices(prefix) {
		if v, ok := d.p[prefix+"."+strconv.Itoa(n)]; ok {
			out = append(out, v)
		}
	}
	return out
}

// qualificationRequirements reads QualificationRequirement.N.*.
func (d *decoder) qualificationRequirements() []hitd.QualificationRequirement {
	var out []hitd.QualificationRequirement
	for _, n := range d.indices("QualificationRequirement") {
		pre := "QualificationRequirement." + strconv.Itoa(n) + "."
		q := hitd.QualificationRequirement{
			QualificationTypeId: d.str(pre + "QualificationTypeId"),
			Comparator:          d.str(pre + "Comparator"),
			RequiredToPreview:   d.boolp(pre + "RequiredToPreview"),
			ActionsGuarded:      d.str(pre + "ActionsGuarded"),
		}
		for _, v := range d.list(pre + "IntegerValue") {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil {
				d.fail(hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for %sIntegerValue. It must be a 32-bit integer.", printable(v), pre))
				continue
			}
			q.IntegerValues = append(q.IntegerValues, int32(n))
		}
		if c, ok := d.p[pre+"LocaleValue.Country"]; ok {
			q.LocaleValues = append(q.LocaleValues, hitd.Locale{Country: c, Subdivision: d.str(pre + "LocaleValue.Subdivision")})
		}
		// boto 2 writes a single locale (comparator not In or NotIn)
		// unnumbered, as LocaleValue.Country and LocaleValue.Subdivision.
		for _, m := range d.indices(pre+"LocaleValue", "Country", "Subdivision") {
			lp := pre + "LocaleValue." + strconv.Itoa(m) + "."
			q.LocaleValues = append(q.LocaleValues, hitd.Locale{Country: d.str(lp + "Country"), Subdivision: d.str(lp + "Subdivision")})
		}
		out = append(out, q)
	}
	return out
}

// layoutParameters reads HITLayoutParameter.N.Name and .Value.
func (d *decoder) layoutParameters() []hitd.HITLayoutParameter {
	var out []hitd.HITLayoutParameter
	for _, n := range d.indices("HITLayoutParameter") {
		pre := "HITLayoutParameter." + strconv.Itoa(n) + "."
		out = append(out, hitd.HITLayoutParameter{Name: d.str(pre + "Name"), Value: d.str(pre + "Value")})
	}
	return out
}

// notification reads a NotificationSpecification given as
// Notification.1.* (or unnumbered Notification.*); nil when absent.
func (d *decoder) notification() *hitd.NotificationSpecification {
	pre := "Notification.1."
	if !d.has(pre+"Transport") && !d.has(pre+"Destination") {
		pre = "Notification."
		if !d.has(pre+"Transport") && !d.has(pre+"Destination") {
			return nil
		}
	}
	return &hitd.NotificationSpecification{
		Destination: d.str(pre + "Destination"),
		Transport:   d.str(pre + "Transport"),
		Version:     d.str(pre + "Version"),
		EventTypes:  d.list(pre + "EventType"),
	}
}

// timestamp parses an ISO-8601 time (fractional seconds and a zone
// optional; no zone means UTC).
func parseTimestamp(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
