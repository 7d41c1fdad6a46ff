package server

import (
	"net/http"
	"time"

	"github.com/hitd/hitd/api"
)

// RequestObserver is told of every request once it is answered (package
// metrics implements it). Its labels are bounded: protocol is one of
// api's Protocol names or ProtocolWeb, operation a name the edge
// implements or a route pattern, never a raw path or a name the client
// made up, and outcome one of the Outcome constants.
type RequestObserver interface {
	ObserveRequest(protocol, operation, outcome string, d time.Duration)
}

// ProtocolWeb is the protocol of requests no API edge took: the worker
// site, the requester console, health checks. Their operation is the
// route pattern that served them, e.g. "GET /groups/{id}".
const ProtocolWeb = "web"

// UnknownOperation is the operation of a request to an API edge that
// named no operation it implements.
const UnknownOperation = "unknown"

// How a request ended.
const (
	OutcomeOK          = "ok"           // answered without error
	OutcomeClientError = "client_error" // the caller's error: a 4xx, or an error document (legacy API)
	OutcomeThrottled   = "throttled"    // refused by the rate limiter
	OutcomeServerError = "server_error" // hitd's fault: a 5xx
)

// observe tells obs how the request r (as the handler saw it) ended.
func observe(obs RequestObserver, r *http.Request, info *api.RequestInfo, status int, d time.Duration) {
	if obs == nil {
		return
	}
	protocol, op := info.Protocol, info.Operation
	switch {
	case protocol == "":
		// ServeMux sets Pattern on the request it routes, and the worker
		// site's own mux on the same request again, so this is the most
		// specific pattern that served it.
		protocol, op = ProtocolWeb, r.Pattern
	case !info.KnownOperation:
		op = UnknownOperation
	}
	obs.ObserveRequest(protocol, op, outcome(info, status), d)
}

func outcome(info *api.RequestInfo, status int) string {
	switch {
	case info.Throttled:
		return OutcomeThrottled
	case status >= 500:
		return OutcomeServerError
	case status >= 400 || info.Failed:
		return OutcomeClientError
	}
	return OutcomeOK // including 0: nothing written is an empty 200
}
