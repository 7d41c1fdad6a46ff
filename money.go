package hitd

import (
	"strconv"
	"strings"
)

// Cents is an amount of US dollars in integer cents. Money is never a float.
type Cents int64

// MaxReward is the largest reward hitd accepts for one assignment. MTurk set
// no documented ceiling; this bound keeps every sum far from overflow.
const MaxReward Cents = 100_000_00

// String formats c the way MTurk writes a CurrencyAmount: "0.05", "10000.00".
func (c Cents) String() string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := strconv.FormatInt(int64(c/100), 10) + "." + twoDigits(int64(c%100))
	if neg {
		return "-" + s
	}
	return s
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// ParseCents parses a CurrencyAmount string as MTurk's model defines it
// (^[0-9]+(\.)?[0-9]{0,2}$): "5", "5.", "0.5", "0.05", "12.34".
func ParseCents(s string) (Cents, bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(frac) > 2 || (!hasDot && frac != "") {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	var f int64
	switch len(frac) {
	case 1:
		f = int64(frac[0]-'0') * 10
	case 2:
		f = int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	return Cents(w*100 + f), true
}
