package web

import "net/http"

// consoleProjectRoutes registers the console's project and batch pages.
func (s *Site) consoleProjectRoutes(mux *http.ServeMux) {}
