// Package workerapi is the worker JSON API of hitd: the HTTP edge through
// which a scripted worker (or a test harness, or a load tool) does what a
// person does on the worker web site — log in, browse and search HIT
// groups, preview a HIT, accept, return and submit assignments, request
// qualifications and take qualification tests, and read their own
// profile, assignments, qualifications and inbox.
//
// It serves plain JSON under /api/worker/v1/ (the handler matches the full
// path itself, so it is mounted with mux.Handle("/api/worker/v1/", h)).
// Callers authenticate with a bearer token from POST /api/worker/v1/login;
// the token is a worker session, the same kind the web site keeps in a
// cookie, and is checked by hitd.Service.WorkerForSession on every request.
// docs/worker-api.md documents every endpoint for users.
//
// What it owns: routing, bearer authentication, decoding requests (bodies
// limited to api.MaxBodyBytes, unknown members rejected, the answers of a
// submission — of an assignment or a qualification test — read as a token
// stream so their order survives), encoding
// responses (lowerCamelCase members, RFC 3339 UTC times, money as decimal
// strings) and the mapping from domain error codes to HTTP statuses and the
// {"error":{"code","message","fields"}} shape. An internal error is logged
// and answered with a generic message.
//
// What it must not touch: business rules (who may accept what, answer
// validation, QuestionFormAnswers encoding) belong to the hitd.Service,
// which this package calls and never second-guesses; it writes no SQL and
// keeps no state of its own. It does not speak the Requester API and shares
// no wire format with it, only api.ReadBody, api.DecodeInput and the
// request-info record that the server's access log reads.
package workerapi
