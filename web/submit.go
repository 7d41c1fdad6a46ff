package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/qform"
)

// Limits on a submission.
const (
	maxSubmitBytes  = 8 << 20 // the whole body
	maxSubmitFields = 10000
)

// errBadForm is a submission the server cannot read.
var errBadForm = hitd.Errorf(hitd.ErrInvalidParameter, "The submitted form could not be read.")

// pair is one submitted name and value.
type pair struct{ name, value string }

// parsePairs reads name=value pairs of an application/x-www-form-urlencoded
// string, in order.
func parsePairs(s string, out []pair) ([]pair, error) {
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errBadForm
		}
		if len(out) >= maxSubmitFields {
			return nil, hitd.Errorf(hitd.ErrOutOfRange, "The form has more than %d fields.", maxSubmitFields)
		}
		out = append(out, pair{k, v})
	}
	return out, nil
}

// orderedPairs returns a request's form fields in the order they were
// sent: the query string's (when withQuery), then the body's (urlencoded or multipart; file
// parts are skipped, this server takes no uploads). Unlike
// http.Request.ParseForm it keeps the order, which becomes the order of
// the answers.
func orderedPairs(w http.ResponseWriter, r *http.Request, withQuery bool) ([]pair, error) {
	var out []pair
	if withQuery {
		var err error
		if out, err = parsePairs(r.URL.RawQuery, nil); err != nil {
			return nil, err
		}
	}
	if r.Method != http.MethodPost {
		return out, nil
	}
	body := http.MaxBytesReader(w, r.Body, maxSubmitBytes)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded", "":
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, tooLarge(err)
		}
		return parsePairs(string(b), out)
	case "multipart/form-data":
		r.Body = body
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, errBadForm
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, tooLarge(err)
			}
			if p.FileName() != "" || p.FormName() == "" {
				continue
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return nil, tooLarge(err)
			}
			if len(out) >= maxSubmitFields {
				return nil, hitd.Errorf(hitd.ErrOutOfRange, "The form has more than %d fields.", maxSubmitFields)
			}
			out = append(out, pair{p.FormName(), string(b)})
		}
	}
	return nil, hitd.Errorf(hitd.ErrInvalidParameter, "Submit the form as application/x-www-form-urlencoded or multipart/form-data, not %s.", ct)
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return hitd.Errorf(hitd.ErrOutOfRange, "The submission is larger than %d MB.", maxSubmitBytes>>20)
	}
	return errBadForm
}

// fieldsOf groups pairs by name in order of each name's first appearance;
// the values of a repeated name stay in the order they were sent.
func fieldsOf(pairs []pair) []qform.Field {
	index := map[string]int{}
	var out []qform.Field
	for _, p := range pairs {
		i, ok := index[p.name]
		if !ok {
			i = len(out)
			index[p.name] = i
			out = append(out, qform.Field{Name: p.name})
		}
		out[i].Values = append(out[i].Values, p.value)
	}
	return out
}

// valuesOf is fields as a map, for refilling a form.
func valuesOf(fields []qform.Field) map[string][]string {
	m := make(map[string][]string, len(fields))
	for _, f := range fields {
		m[f.Name] = append(m[f.Name], f.Values...)
	}
	return m
}

// submittedData is the page shown after externalSubmit.
type submittedData struct {
	Base      string // the site's base URL for links out of the frame ("" = relative)
	HITTypeID string
	Message   string
	Error     bool
}

// externalSubmit is MTurk's /mturk/externalSubmit: HTMLQuestion and
// ExternalQuestion pages post (or, in old code, GET) their form here. The
// assignmentId field names the assignment and is its only credential, as
// on MTurk; every other field is an answer, in the order sent.
func (s *Site) externalSubmit(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Del("X-Frame-Options") // the answer is shown inside the question frame
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	default: // HEAD too: a HEAD request must not submit anything
		h.Set("Allow", "GET, POST")
		s.renderSubmitted(w, r, http.StatusMethodNotAllowed, submittedData{Error: true, Message: "Submit the form with POST (or GET)."})
		return
	}
	pairs, err := orderedPairs(w, r, true)
	if err != nil {
		s.submitFailed(w, r, err)
		return
	}
	assignmentID, found := "", false
	rest := pairs[:0:0]
	for _, p := range pairs {
		if p.name == "assignmentId" {
			if !found {
				assignmentID, found = strings.TrimSpace(p.value), true
			}
			continue
		}
		rest = append(rest, p)
	}
	a, err := s.svc.SubmitAssignment(r.Context(), "", assignmentID, fieldsOf(rest))
	if err != nil {
		s.submitFailed(w, r, err)
		return
	}
	s.renderSubmitted(w, r, http.StatusOK, submittedData{HITTypeID: a.HITTypeID})
}

func (s *Site) submitFailed(w http.ResponseWriter, r *http.Request, err error) {
	code := hitd.ErrorCode(err)
	if code == hitd.ErrInternal {
		s.logger.Error("web: externalSubmit", "error", err)
	}
	s.renderSubmitted(w, r, api.WorkerStatus(code), submittedData{Error: true, Message: hitd.ErrorMessage(err)})
}

func (s *Site) renderSubmitted(w http.ResponseWriter, r *http.Request, status int, d submittedData) {
	d.Base = s.publicURL
	title := "Submitted"
	if d.Error {
		title = "Not submitted"
	}
	s.render(w, r, status, "submitted", &page{Title: title, Data: d})
}
