// Package web is hitd's worker web site: the pages through which a person
// signs up, browses and searches HIT groups, previews, accepts, works on,
// returns and submits HITs, requests qualifications and takes
// qualification tests, and reads their own assignments, earnings,
// qualifications and inbox. HITs whose qualification requirements the
// worker does not meet say so (hitd.Access) instead of offering Accept. It also serves requester-written HTML (HTMLQuestion content) on
// an isolated "content" handler, and MTurk's externalSubmit endpoint that
// HTMLQuestion and ExternalQuestion pages post their answers to.
//
// Pages are rendered on the server from html/template files embedded with
// embed.FS, with one small stylesheet; the site works with JavaScript
// disabled and sends no script of its own (its Content-Security-Policy says
// script-src 'none').
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
// imports only the domain (hitd) and qform, writes no SQL, and keeps no
// state of its own beyond the session cookie, whose value is the token the
// Service issued.
package web
