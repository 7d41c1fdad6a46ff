package hitd

import (
	"testing"
	"time"
)

func t0() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }

func TestParseAndFormatCents(t *testing.T) {
	for in, want := range map[string]Cents{"0.05": 5, "5": 500, "5.": 500, "0.5": 50, "12.34": 1234, "10000.00": 1000000, "007.10": 710} {
		got, ok := ParseCents(in)
		if !ok || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", ".5", "0.001", "-1", "1e3", "1,00", " 1", "abc", "1.2.3", "9999999999999.00"} {
		if got, ok := ParseCents(in); ok {
			t.Errorf("ParseCents(%q) = %d, want rejection", in, got)
		}
	}
	for c, want := range map[Cents]string{0: "0.00", 5: "0.05", 50: "0.50", 1234: "12.34", 1000000: "10000.00", -5: "-0.05"} {
		if got := c.String(); got != want {
			t.Errorf("Cents(%d) = %q, want %q", int64(c), got, want)
		}
	}
}

func TestHITStatusAt(t *testing.T) {
	now := NewFakeClock(t0()).Now()
	h := &HIT{MaxAssignments: 2, Expiration: now.Add(1)}
	cases := []struct {
		name string
		edit func(*HIT)
		want HITStatus
	}{
		{"open", func(*HIT) {}, HITStatusAssignable},
		{"one taken", func(h *HIT) { h.Pending = 1 }, HITStatusAssignable},
		{"all taken", func(h *HIT) { h.Pending = 2 }, HITStatusUnassignable},
		{"expired, one working", func(h *HIT) { h.Pending = 1; h.Expiration = now }, HITStatusUnassignable},
		{"all submitted", func(h *HIT) { h.Submitted = 2 }, HITStatusReviewable},
		{"expired, empty", func(h *HIT) { h.Expiration = now }, HITStatusReviewable},
		{"reviewing", func(h *HIT) { h.Expiration = now; h.Reviewing = true }, HITStatusReviewing},
		{"disposed", func(h *HIT) { h.Disposed = true }, HITStatusDisposed},
	}
	for _, c := range cases {
		x := *h
		c.edit(&x)
		if got := x.StatusAt(now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
