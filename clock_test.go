package hitd

import (
	"sync"
	"testing"
	"time"
)

func TestOffsetClock(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	base := NewFakeClock(start)
	c := NewOffsetClock(base)
	if got := c.Now(); !got.Equal(start) || c.Offset() != 0 {
		t.Fatalf("new clock: Now %s offset %s; want the base's time, no offset", got, c.Offset())
	}

	// It keeps running with its base.
	base.Advance(time.Minute)
	if got := c.Now(); !got.Equal(start.Add(time.Minute)) {
		t.Fatalf("after the base moved: %s", got)
	}

	now, err := c.Advance(36 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := start.Add(time.Minute + 36*time.Hour)
	if !now.Equal(want) || !c.Now().Equal(want) || c.Offset() != 36*time.Hour {
		t.Fatalf("Advance(36h) = %s, Now %s, offset %s; want %s, 36h", now, c.Now(), c.Offset(), want)
	}

	target := want.Add(72 * time.Hour)
	if now, err = c.Set(target); err != nil || !now.Equal(target) || !c.Now().Equal(target) {
		t.Fatalf("Set(%s) = %s, %v; Now %s", target, now, err, c.Now())
	}
	if c.Offset() != 108*time.Hour {
		t.Fatalf("offset after Set: %s, want 108h", c.Offset())
	}
	if _, err := c.Set(target); err != nil {
		t.Fatalf("Set to the current time: %v (want a no-op)", err)
	}
	base.Advance(time.Second)
	if got := c.Now(); !got.Equal(target.Add(time.Second)) {
		t.Fatalf("after Set, the base moved a second: %s", got)
	}
}

func TestOffsetClockRefusesToGoBackOrTooFar(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c := NewOffsetClock(NewFakeClock(start))
	if _, err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		move func() (time.Time, error)
		code Code
	}{
		{"advance 0", func() (time.Time, error) { return c.Advance(0) }, ErrInvalidParameter},
		{"advance -1s", func() (time.Time, error) { return c.Advance(-time.Second) }, ErrInvalidParameter},
		{"advance past the limit", func() (time.Time, error) { return c.Advance(MaxClockOffset) }, ErrOutOfRange},
		{"advance by the largest duration", func() (time.Time, error) { return c.Advance(time.Duration(1<<63 - 1)) }, ErrOutOfRange},
		{"set to the real time (the past)", func() (time.Time, error) { return c.Set(start) }, ErrInvalidParameter},
		{"set a millisecond back", func() (time.Time, error) { return c.Set(start.Add(time.Hour - time.Millisecond)) }, ErrInvalidParameter},
		{"set past the limit", func() (time.Time, error) { return c.Set(start.Add(MaxClockOffset + time.Second)) }, ErrOutOfRange},
		{"set to year 9999", func() (time.Time, error) { return c.Set(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) }, ErrOutOfRange},
	} {
		if _, err := tc.move(); ErrorCode(err) != tc.code {
			t.Errorf("%s: err %v, want code %s", tc.name, err, tc.code)
		}
		if c.Offset() != time.Hour {
			t.Fatalf("%s: offset became %s; a refused move must change nothing", tc.name, c.Offset())
		}
	}
	// Up to the limit exactly is allowed.
	if _, err := c.Advance(MaxClockOffset - time.Hour); err != nil {
		t.Fatalf("advance to the limit: %v", err)
	}
}

// TestOffsetClockConcurrent moves and reads the clock from many goroutines
// (run with -race); every Advance counts, and no reader sees time go back.
func TestOffsetClockConcurrent(t *testing.T) {
	c := NewOffsetClock(NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			last := c.Now()
			for range 100 {
				if _, err := c.Advance(time.Second); err != nil {
					t.Error(err)
					return
				}
				now := c.Now()
				if now.Before(last) {
					t.Errorf("time went back: %s after %s", now, last)
				}
				last = now
			}
		})
	}
	wg.Wait()
	if c.Offset() != 800*time.Second {
		t.Fatalf("offset %s, want 800s", c.Offset())
	}
}
