// Package api is what the protocol edges share: the one explicit table of
// operations (name → input type → Service method), the JSON codec with its
// timestamp handling, the single mapping from domain error codes to wire
// errors, requester authentication, and the bounds every edge applies: a
// request body of at most MaxBodyBytes (ReadBody) and a per-requester
// rate (RateLimiter, answered with Throttled).
//
// The edges live in subpackages: awsjson (POST / with X-Amz-Target), rest
// (/v1/<kebab-op>, /api/v1/<kebab-op>), sigv4 (signature verification
// only), legacy (the 2014-08-15 query/XML API, with its own table of
// legacy operations, since they do not map one to one onto the 2017
// ones), workerapi (the worker JSON API), testmode (hitd serve --test-mode's
// /_test/ endpoints: the clock moved forward, scripted workers' sessions), and server (routing, health,
// request logging, and the HTTP server's timeouts and connection cap). Nothing here writes SQL or applies a business rule:
// that is the Service's job.
package api
