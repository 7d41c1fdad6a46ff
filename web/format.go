package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/hitd/hitd"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"money":   money,
	"seconds": secondsText,
	"when":    when,
	"lower":   strings.ToLower,
	"join":    strings.Join,
	"access":  accessOf,
}

// accessView is what the "access" template gets: whether someone is
// logged in, and what they may do with a HIT.
type accessView struct {
	Worker *hitd.Worker
	Access hitd.Access
}

func accessOf(w *hitd.Worker, a hitd.Access) accessView { return accessView{Worker: w, Access: a} }

// money formats an amount as "$0.05". It takes hitd.Cents, or the decimal
// string the domain reports a HIT's reward as.
func money(v any) string {
	switch m := v.(type) {
	case hitd.Cents:
		if m < 0 {
			return "-$" + (-m).String()
		}
		return "$" + m.String()
	case string:
		return "$" + m
	}
	return fmt.Sprint(v)
}

// when formats a time for the pages (UTC, minutes); the zero time is "—".
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}
