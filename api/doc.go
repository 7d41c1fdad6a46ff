// Package api is what the protocol edges share: the one explicit table of
// operations (name → input type → Service method), the JSON codec with its
// timestamp handling, the single mapping from domain error codes to wire
// errors, and requester authentication.
//
// The edges live in subpackages: awsjson (POST / with X-Amz-Target), rest
// (/v1/<kebab-op>, /api/v1/<kebab-op>), sigv4 (signature verification
// only), and server (routing, health, request logging). Later the legacy
// query/XML edge plugs into the same table. Nothing here writes SQL or
// applies a business rule: that is the Service's job.
package api
