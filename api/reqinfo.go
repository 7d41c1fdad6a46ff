package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// RequestInfo is what an edge learns about a request that the access log
// wants: the operation and the requester. The server's logging middleware
// puts an empty one in the context; edges fill it in.
type RequestInfo struct {
	ID          string
	Operation   string
	RequesterID string
	Err         error // an internal error, for the log only
}

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
