package legacy

import (
	"cmp"
	"slices"

	"github.com/hitd/hitd"
)

// Paging: the legacy API pages by number (PageSize, PageNumber) and sorts
// (SortProperty, SortDirection) and reports TotalNumResults; the Service
// pages by opaque token in one fixed order. The edge walks the Service's
// pages to the end, sorts what it got and cuts out the page asked for. The
// cost is one walk over the caller's matching items per request, which is
// what TotalNumResults needs anyway.

const (
	defaultPageSize = 10
	maxPageSize     = 100
	// serviceBatch is the MaxResults of each Service call during a walk.
	serviceBatch = 100
	// maxWalk bounds the Service calls of one walk (a guard against a
	// token that never ends; 10,000 × 100 items).
	maxWalk = 10000
)

// page is one page of a sorted list.
type page[T any] struct {
	Items  []T
	Number int64 // PageNumber
	Total  int   // TotalNumResults
}

// sortOrder maps SortProperty values to comparisons. The entry under ""
// is the default; "Enumeration" (the Service's own order) needs none.
type sortOrder[T any] map[string]func(a, b T) int

// paged reads PageSize, PageNumber, SortProperty and SortDirection, walks
// fetch to the end and returns the requested page.
func paged[T any](d *decoder, sorts sortOrder[T], fetch func(token string, max int64) ([]T, string, error)) (*page[T], error) {
	size, number := d.int64p("PageSize"), d.int64p("PageNumber")
	prop, dir := d.str("SortProperty"), d.str("SortDirection")
	if d.err != nil {
		return nil, d.err
	}
	ps, pn := int64(defaultPageSize), int64(1)
	if size != nil {
		ps = *size
	}
	if number != nil {
		pn = *number
	}
	if ps < 1 || ps > maxPageSize {
		return nil, hitd.Errorf(hitd.ErrOutOfRange, "The value %d is invalid for PageSize. It must be between 1 and %d.", ps, maxPageSize)
	}
	if pn < 1 {
		return nil, hitd.Errorf(hitd.ErrOutOfRange, "The value %d is invalid for PageNumber. It must be at least 1.", pn)
	}
	less, ok := sorts[prop]
	if !ok && prop != "Enumeration" {
		return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for SortProperty.%s", printable(prop), validSorts(sorts))
	}
	switch dir {
	case "", "Ascending", "Descending":
	default:
		return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for SortDirection. Valid values: Ascending, Descending.", printable(dir))
	}

	var all []T
	token := ""
	for range maxWalk {
		items, next, err := fetch(token, serviceBatch)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" || next == token {
			break
		}
		token = next
	}
	if less != nil {
		slices.SortStableFunc(all, less)
	}
	if dir == "Descending" {
		slices.Reverse(all)
	}
	pg := &page[T]{Number: pn, Total: len(all)}
	if start := (pn - 1) * ps; start < int64(len(all)) {
		pg.Items = all[start:min(start+ps, int64(len(all)))]
	}
	return pg, nil
}

func validSorts[T any](sorts sortOrder[T]) string {
	var names []string
	for name := range sorts {
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	s := " Valid values:"
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += " " + n
	}
	return s + ", Enumeration."
}

// writePage writes NumResults, TotalNumResults, PageNumber and each item.
func writePage[T any](b *xb, pg *page[T], item func(*xb, T)) {
	b.int("NumResults", int64(len(pg.Items)))
	b.int("TotalNumResults", int64(pg.Total))
	b.int("PageNumber", pg.Number)
	for _, it := range pg.Items {
		item(b, it)
	}
}

// Comparisons shared by several lists.

func byHITTitle(a, b *hitd.HITData) int { return cmp.Compare(a.Title, b.Title) }
func byHITReward(a, b *hitd.HITData) int {
	x, _ := hitd.ParseCents(a.Reward)
	y, _ := hitd.ParseCents(b.Reward)
	return cmp.Compare(x, y)
}
func byHITExpiration(a, b *hitd.HITData) int   { return a.Expiration.Compare(b.Expiration) }
func byHITCreationTime(a, b *hitd.HITData) int { return a.CreationTime.Compare(b.CreationTime) }
