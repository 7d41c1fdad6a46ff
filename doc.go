// Package hitd is the domain of hitd, a self-hosted marketplace that speaks
// the Amazon Mechanical Turk Requester API.
//
// It owns the types (HITType, HIT, Requester, QualificationRequirement, …),
// their rules and errors, and the Service that implements every operation.
// It must not import net/http or database/sql: protocol edges (package api and
// its children) translate wire requests into the input types declared here,
// and stores (package sqlite, later postgres) implement the Store interface
// declared here.
//
// The operation input and output types carry JSON tags with the member names
// of the 2017-01-17 service model, because those names are the domain's own
// vocabulary (a HIT has a HITTypeId and a LifetimeInSeconds). How timestamps
// are written (epoch seconds or ISO-8601) is left to the edges.
//
// Money is integer cents (type Cents). Time comes from an injected Clock.
// Every operation that changes more than one row runs in one Store
// transaction.
package hitd
