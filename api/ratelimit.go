package api

import (
	"net/http"
	"sync"
	"time"
)

// Throttled is what the JSON edges answer a request beyond its requester's
// rate with: HTTP 400 and {"__type":"ThrottlingException","Message":"Rate
// exceeded"}, the shape of AWS's own throttling errors. The SDKs retry it
// with backoff: aws-sdk-go-v2 lists ThrottlingException in
// retry.DefaultThrottleErrorCodes; botocore's legacy retry mode retries
// code ThrottlingException with status 400 (data/_retry.json), and its
// standard and adaptive modes retry the code at any status. (The legacy
// edge answers HTTP 503 AWS.ServiceUnavailable instead, as MTurk's legacy
// API did.) It is an *AuthError because, like one, it is decided before
// the operation runs and carries no TurkErrorCode.
var Throttled = &AuthError{Type: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest}

// RateLimiter limits each requester to a steady rate of requests with
// bursts: a token bucket per key (a requester ID, known only after
// authentication), holding up to burst tokens and refilled at rate tokens
// a second; each request takes one. A nil *RateLimiter allows everything.
//
// Its memory is bounded by the requesters active within one refill time:
// a bucket untouched for burst/rate seconds is full again, the same as no
// bucket, so a sweep (at most once per that interval, on a call to Allow)
// drops it. Keys come only from valid credentials, so a stranger cannot
// make buckets.
type RateLimiter struct {
	rate  float64 // tokens a second
	burst float64
	full  time.Duration // burst/rate: from empty to full
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time // when tokens was computed
}

// NewRateLimiter returns a limiter of perSecond requests a second with
// bursts of up to burst (at least 1), reading the time from now. A
// perSecond of 0 or less means no limit: it returns nil.
func NewRateLimiter(perSecond float64, burst int, now func() time.Time) *RateLimiter {
	if perSecond <= 0 {
		return nil
	}
	burst = max(burst, 1)
	return &RateLimiter{
		rate: perSecond, burst: float64(burst), now: now,
		full:    time.Duration(float64(burst) / perSecond * float64(time.Second)),
		buckets: map[string]*bucket{},
	}
}

// Allow takes a token from key's bucket, reporting whether there was one.
func (l *RateLimiter) Allow(key string) bool {
	if l == nil {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.full {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	switch {
	case !ok:
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	case now.After(b.last): // a clock that steps back refills nothing
		b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops the buckets that are full again.
func (l *RateLimiter) sweep(now time.Time) {
	for key, b := range l.buckets {
		if now.Sub(b.last) >= l.full {
			delete(l.buckets, key)
		}
	}
	l.lastSweep = now
}

// Len is the number of buckets held.
func (l *RateLimiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
