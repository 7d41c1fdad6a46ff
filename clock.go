package hitd

import (
	"sync"
	"time"
)

// Clock tells the time. Everything time-dependent (expiry, token lifetimes,
// signature skew, auto-approval) reads it, so tests move time instead of
// sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FakeClock is a Clock for tests: it stands still until Set or Advance.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock set to t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t.UTC()} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// MaxClockOffset is how far an OffsetClock may run ahead of the clock under
// it: ten years, far beyond any lifetime, assignment duration or
// auto-approval delay MTurk allows.
const MaxClockOffset = 10 * 365 * 24 * time.Hour

// OffsetClock is test mode's clock (hitd serve --test-mode): the time of
// another clock (the system clock) plus an offset that only grows, so that a
// requester's test suite can make days pass in a moment. It keeps running
// at the base clock's pace between moves.
//
// It never goes backwards: Advance takes a positive duration and Set
// refuses a time before Now. hitd's rules assume time moves forward (an
// assignment submitted before it was accepted, a HIT that expired and then
// did not, a refund before its charge), and stored times already reflect
// the clock as it was. Safe for concurrent use.
type OffsetClock struct {
	base   Clock
	mu     sync.Mutex
	offset time.Duration
}

// NewOffsetClock returns an OffsetClock that reads base, with no offset.
func NewOffsetClock(base Clock) *OffsetClock { return &OffsetClock{base: base} }

// Now returns the base clock's time plus the offset, in UTC.
func (c *OffsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Now().Add(c.offset).UTC()
}

// Offset returns how far the clock runs ahead of its base.
func (c *OffsetClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Advance moves the clock forward by d and returns the new time. d must be
// positive, and the offset stays within MaxClockOffset.
func (c *OffsetClock) Advance(d time.Duration) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		return time.Time{}, Errorf(ErrInvalidParameter, "The clock only moves forward: advance it by a positive amount, not %s.", d)
	}
	if d > MaxClockOffset-c.offset {
		return time.Time{}, c.tooFar()
	}
	c.offset += d
	return c.base.Now().Add(c.offset).UTC(), nil
}

// Set moves the clock forward to t and returns it. t must not be before
// Now, and the offset stays within MaxClockOffset.
func (c *OffsetClock) Set(t time.Time) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	base := c.base.Now()
	now := base.Add(c.offset)
	if t.Before(now) {
		return time.Time{}, Errorf(ErrInvalidParameter, "The clock only moves forward: %s is before its current time %s.",
			t.UTC().Format(time.RFC3339Nano), now.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano))
	}
	if t.Sub(base) > MaxClockOffset {
		return time.Time{}, c.tooFar()
	}
	c.offset = t.Sub(base)
	return t.UTC(), nil
}

func (c *OffsetClock) tooFar() error {
	return Errorf(ErrOutOfRange, "The clock may run at most %d days ahead of real time; it is %s ahead now.",
		int(MaxClockOffset/(24*time.Hour)), c.offset)
}
