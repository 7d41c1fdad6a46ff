// Package web is hitd's worker web site and requester console. The worker
// site is the pages through which a person
// signs up, browses and searches HIT groups, previews, accepts, works on,
// returns and submits HITs, requests qualifications and takes
// qualification tests, and reads their own assignments, earnings,
// qualifications and inbox. HITs whose qualification requirements the
// worker does not meet say so (hitd.Access) instead of offering Accept. It also serves requester-written HTML (HTMLQuestion content) on
// an isolated "content" handler, and MTurk's externalSubmit endpoint that
// HTMLQuestion and ExternalQuestion pages post their answers to.
//
// The requester console (/requester; console*.go) is MTurk's requester
// web site: sign-in, projects, CSV batches (draft, cost, publish with a
// progress bar, cancel, extend), review, results CSV download and upload,
// workers, the ledger, and an admin page.
//
// Pages are rendered on the server from html/template files embedded with
// embed.FS, with small stylesheets; everything works with JavaScript
// disabled. The worker site sends no script of its own (its
// Content-Security-Policy says default-src 'none'); console pages load the
// console's own small scripts (script-src 'self': progress bar, live layout
// preview, select-all) and show requester layouts only in srcdoc frames
// with an empty sandbox (no script, an opaque origin).
//
// # Isolation of requester HTML
//
// Requester HTML never runs with the site's origin. HTMLQuestion content is
// served by ContentHandler — under /content/ on the site itself, or on a
// separate origin (Options.ContentOrigin) — with the response header
// "Content-Security-Policy: sandbox allow-scripts allow-forms allow-popups",
// which gives the document an opaque origin even if it is opened directly,
// and it is shown in an <iframe sandbox> without allow-same-origin. It can
// therefore neither read the session cookie nor make same-origin requests
// to the site. ExternalQuestion pages live on the requester's own origin
// and are framed with the same sandbox flags plus allow-same-origin (which
// keeps them on their own origin, never ours; see questionFor).
//
// # Cross-origin requests
//
// The site is wrapped in net/http's CrossOriginProtection: state-changing
// requests from another origin are refused. The one exception is
// /mturk/externalSubmit, which requester pages post to from their own (or
// an opaque) origin; as on MTurk it is authenticated by the secret
// assignmentId alone, and it changes nothing but that assignment.
//
// # What it must not touch
//
// Business rules (who may accept what, answer validation, money) belong to
// hitd.Service, which this package calls and never second-guesses. It
// imports only the domain (hitd), qform and batchcsv, writes no SQL, and
// keeps no state of its own beyond the session cookies, whose values are
// tokens the Service issued, and the progress of batches being published
// on this node (publishJobs in console_projects.go, in memory: a page
// polling another node's publish sees it as not running, and sees the
// batch published once it is).
package web
