package web

import (
	"fmt"
	"net/http"
	"strings"
)

// maxFormBytes bounds the body of every request but the few routes that
// take more (bodyLimit): logins, sign-ups, the console's forms (a project
// form with a 64 KB layout is under 200 KB encoded; a review of the 1000
// rows a page lists, under 50 KB).
const maxFormBytes = 1 << 20

// bodyLimit is the most a request to the route with mux pattern pattern
// may send as its body.
func bodyLimit(pattern string) int64 {
	switch pattern {
	case "POST /requester/projects/{id}/batches", "POST /requester/batches/{id}/review-upload":
		return maxBatchUploadBytes // CSV files, streamed
	case "POST /assignments/{id}/submit", "POST /qualifications/tests/{id}", externalSubmitPath:
		return maxSubmitBytes // a HIT's or a test's answers
	}
	return maxFormBytes
}

// limitBodies bounds every request body to its route's bodyLimit, in one
// place for the whole site (Go's ParseForm alone would read 10 MB of a
// urlencoded form, and keep 32 MB of a multipart one in memory and more on
// disk). A body that declares more (Content-Length, which browsers always
// send with a form) gets the 413 page at once, unread, and the connection
// is closed. A body that turns out larger, sent without a Content-Length,
// fails to read: the handler sees no form at all (never a truncated one),
// or its own limit's message, and the server closes the connection.
func (s *Site) limitBodies(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		limit := bodyLimit(pattern)
		if r.ContentLength > limit {
			s.tooLarge(w, r, limit)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		mux.ServeHTTP(w, r)
	})
}

// tooLarge writes the 413 page for a body over limit.
func (s *Site) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	msg := fmt.Sprintf("The form sent more than %d MiB, the most this page takes. Go back and shorten what you entered.", limit>>20)
	switch limit {
	case maxBatchUploadBytes:
		msg = uploadTooLarge
	case maxSubmitBytes:
		msg = fmt.Sprintf("The answers sent are larger than %d MiB, the most a HIT's answers may be.", limit>>20)
	}
	w.Header().Set("Connection", "close") // the body is not read
	console := r.URL.Path == consolePath || strings.HasPrefix(r.URL.Path, consolePath+"/")
	s.render(w, r, http.StatusRequestEntityTooLarge, "error", &page{Title: "Too large", Console: console, Data: errorData{Message: msg}})
}
