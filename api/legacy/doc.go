// Package legacy is the edge for the legacy (2014-08-15) MTurk Requester
// API: the query protocol with XML responses that boto 2's MTurkConnection,
// the MTurk command line tools and the old SDKs speak.
//
// It owns: telling a legacy request apart (IsRequest), parsing its
// parameters (query string and form body, structured names such as
// Reward.1.Amount and QualificationRequirement.N.Comparator), checking its
// signature (MTurk's REST signature and query signature versions 1 and 2),
// the table of legacy operations (ops.go: one row and one function each,
// no reflection), translating page numbers onto the Service's token paging
// (paging.go), and writing the XML responses and errors.
//
// It must not touch: SQL, business rules (the Service applies them, exactly
// as for the 2017 API, so a legacy RegisterHITType returns the same
// HITTypeId as CreateHITType), or the mapping from domain errors to
// TurkErrorCodes, which is api.ToWire's.
//
// Where the Service has no single operation for a legacy one (ExtendHIT,
// DisableHIT, UpdateQualificationScore), the row makes several Service
// calls; they are not one transaction. docs/legacy-api.md lists every
// operation and difference.
package legacy
