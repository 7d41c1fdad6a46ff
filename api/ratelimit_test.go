package api

import (
	"fmt"
	"testing"
	"time"
)

// fakeNow is a time source tests move by hand.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time          { return f.t }
func (f *fakeNow) advance(d time.Duration) { f.t = f.t.Add(d) }

func TestRateLimiterTokenBucket(t *testing.T) {
	clock := &fakeNow{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewRateLimiter(2, 4, clock.now) // 2 a second, bursts of 4
	allow := func(key string, n int) (got int) {
		for range n {
			if l.Allow(key) {
				got++
			}
		}
		return got
	}
	if got := allow("A", 10); got != 4 {
		t.Fatalf("a burst of 10 at once: %d allowed, want the burst, 4", got)
	}
	if got := allow("B", 4); got != 4 {
		t.Fatalf("another requester: %d of 4 allowed; buckets are per requester", got)
	}
	clock.advance(500 * time.Millisecond) // one token back
	if got := allow("A", 3); got != 1 {
		t.Fatalf("after 0.5s at 2/s: %d allowed, want 1", got)
	}
	clock.advance(time.Hour) // full, never more than the burst
	if got := allow("A", 10); got != 4 {
		t.Fatalf("after an hour: %d allowed, want the burst, 4", got)
	}
	clock.advance(-time.Minute) // a clock stepping back refills nothing
	if got := allow("A", 1); got != 0 {
		t.Fatalf("after the clock stepped back: %d allowed, want 0", got)
	}
	// A steady 2 a second is always allowed.
	for i := range 100 {
		clock.advance(500 * time.Millisecond)
		if !l.Allow("C") {
			t.Fatalf("request %d at exactly the rate was throttled", i)
		}
	}
}

func TestRateLimiterOff(t *testing.T) {
	if l := NewRateLimiter(0, 10, time.Now); l != nil {
		t.Fatal("rate 0 made a limiter; want nil, no limit")
	}
	var l *RateLimiter
	for range 1000 {
		if !l.Allow("A") {
			t.Fatal("a nil limiter throttled")
		}
	}
	if NewRateLimiter(0.5, 0, time.Now).burst != 1 {
		t.Fatal("a burst below 1 is not 1")
	}
}

// TestRateLimiterMemoryBounded: buckets idle for a full refill are
// dropped, so the limiter holds only the requesters active lately however
// many have come and gone.
func TestRateLimiterMemoryBounded(t *testing.T) {
	clock := &fakeNow{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewRateLimiter(10, 20, clock.now) // full from empty in 2s
	for i := range 100000 {
		l.Allow(fmt.Sprintf("R%d", i))
		clock.advance(10 * time.Millisecond) // 100 new requesters a second
	}
	// At most the keys of the last two refill times (one before the last
	// sweep, one since) can be held: 2 × 2s × 100/s.
	if n := l.Len(); n > 400 {
		t.Fatalf("%d buckets held after 100000 requesters; want at most 400", n)
	}
	clock.advance(time.Minute)
	l.Allow("last")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d buckets a minute later; want only the new one", n)
	}
}
