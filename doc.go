// Package hitd is the domain of hitd, a self-hosted marketplace that speaks
// the Amazon Mechanical Turk Requester API.
//
// It owns the types (HITType, HIT, Requester, QualificationRequirement, …),
// their rules and errors, and the Service that implements every operation.
// It must not import net/http or database/sql: protocol edges (package api and
// its children) translate wire requests into the input types declared here,
// and stores (packages sqlite and postgres) implement the Store interface
// declared here.
//
// The operation input and output types carry JSON tags with the member names
// of the 2017-01-17 service model, because those names are the domain's own
// vocabulary (a HIT has a HITTypeId and a LifetimeInSeconds). How timestamps
// are written (epoch seconds or ISO-8601) is left to the edges.
//
// Money is integer cents (type Cents). Time comes from an injected Clock.
// Every operation that changes more than one row runs in one Store
// transaction, and that transaction's function may run more than once (a
// PostgreSQL store retries serialization failures), so it sets its results
// and never accumulates them.
//
// Realms: one Service serves one marketplace over one Store. MTurk's
// production and sandbox are two Services on two Stores; the sandbox's is
// given the production Service as Config.Accounts, so it authenticates
// production's requesters and mirrors each into its own store at first use
// (same ID and keys, its own balance). Nothing else is shared.
//
// Files by concern:
//
//   - requester.go, service_requester.go: requesters, credentials, the
//     root requester, realm mirroring (Config.Accounts); keycache.go: the
//     second-long memory of access-key lookups behind signature checks;
//     keys.go: key rotation with a grace period and LookupAccessKey, the
//     lookup every authentication path shares.
//   - hit.go, service_hit.go: HIT types and HITs (the requester's side).
//   - layout.go, service_layout.go: HIT layouts, HTML templates with ${name}
//     placeholders that CreateHIT renders into an HTMLQuestion.
//   - worker.go, service_worker.go: worker accounts, sessions, invites;
//     service_admin_worker.go: disabled workers (`hitd worker disable`).
//   - assignment.go, service_work.go: what workers do (browse, accept,
//     return, submit); service_assignment.go: what requesters do with the
//     results (list, approve, reject, bonus, notify, add assignments).
//   - service_money.go: the purse, the only code that moves money. A HIT's
//     funded slots each hold reward + fee in its reserve; every movement is
//     a LedgerEntry written in the same transaction as the balances.
//     Deposits and operators' adjustments (with a reason) share one path.
//     store_admin.go: the part of Tx the admin commands added.
//   - qualtype.go, service_qual.go: qualification types, grants, blocks;
//     service_qualwork.go: workers' requests and tests; eligibility.go:
//     what a worker may discover, preview and accept, checked everywhere
//     and again inside the accept transaction.
//   - reviewpolicy.go (parameters and pure evaluation), service_review.go
//     (running the two review policies and reporting them).
//   - notification.go, service_notify.go: notification settings, events
//     written to the outbox in the changing transaction, delivery through
//     the Deliverer interface (package notify implements it).
//   - project.go, service_project.go: the requester console's projects (a
//     HIT type's properties, per-HIT settings and a layout) and batches (an
//     input file whose rows become HITs when published, all in one
//     transaction), bulk review (ReviewAssignments), the per-requester
//     ledger and worker statistics; service_console.go: console accounts.
//   - service_due.go: time-driven work (abandonment, auto-approval, expiry,
//     release of expired HITs' money, HIT-level review policies) that
//     package scheduler applies in a loop, with outbox delivery.
//
// Workers' answers become MTurk's QuestionFormAnswers XML through package
// qform, which this package imports; qform knows nothing of the domain.
package hitd
