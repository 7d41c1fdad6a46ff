package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// RequestInfo is what an edge learns about a request that the access log
// and the metrics want: the protocol, the operation, the requester and how
// it ended. The server's logging middleware puts an empty one in the
// context; edges fill it in.
type RequestInfo struct {
	ID string
	// Protocol is the edge that took the request (ProtocolAWSJSON, …);
	// "" when none did (the web site, health checks).
	Protocol  string
	Operation string
	// KnownOperation: Operation names an operation the edge implements,
	// not an unknown name the client sent (metrics count by known names
	// only, so a client cannot make a label of its own).
	KnownOperation bool
	RequesterID    string
	// Failed: the edge answered an error, whatever the HTTP status (the
	// legacy API answers most errors with 200). Throttled: the error was
	// the rate limiter's.
	Failed    bool
	Throttled bool
	Err       error // an internal error, for the log only
}

// The edges' names for RequestInfo.Protocol (and the metrics' protocol
// label).
const (
	ProtocolAWSJSON   = "awsjson"    // AWS JSON 1.1 (package awsjson)
	ProtocolREST      = "rest"       // /v1/ and /api/v1/ (package rest)
	ProtocolLegacy    = "legacy"     // the 2014-08-15 query/XML API (package legacy)
	ProtocolWorkerAPI = "worker-api" // /api/worker/v1/ (package workerapi)
)

type reqInfoKey struct{}

// WithRequestInfo returns ctx carrying info.
func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, reqInfoKey{}, info)
}

// Info returns the request's RequestInfo, or a throwaway one.
func Info(ctx context.Context) *RequestInfo {
	if info, ok := ctx.Value(reqInfoKey{}).(*RequestInfo); ok {
		return info
	}
	return &RequestInfo{}
}

// NewRequestID returns a random UUID (version 4) for x-amzn-RequestId.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
