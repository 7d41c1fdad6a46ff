package api

import (
	"context"
	"net/http"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/sigv4"
)

// SigningService is the service name in MTurk's SigV4 credential scope.
const SigningService = "mturk-requester"

// SignatureWindow is how far a SigV4 request's X-Amz-Date may be from the
// server's clock, either way: AWS's "a request must reach AWS within five
// minutes of the time stamp in the request" ("Signature expired: … (… - 5
// min.)"). A captured request can be replayed within it, as on AWS; the
// UniqueRequestToken of the create operations is what makes a replayed
// create harmless.
const SignatureWindow = 5 * time.Minute

// AuthError is an authentication failure as the wire shows it. Its Type is
// an AWS error type (UnrecognizedClientException, InvalidSignatureException,
// …) that the SDKs recognise.
type AuthError struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
	Status  int    `json:"-"`
}

func (e *AuthError) Error() string { return e.Type + ": " + e.Message }

// Authenticator finds the requester behind a request.
type Authenticator struct {
	svc     *hitd.Service
	clock   hitd.Clock
	regions []string // empty: any region
}

// NewAuthenticator returns an Authenticator over svc's requesters that
// checks signature times against clock. regions limits the accepted SigV4
// regions; none means any.
func NewAuthenticator(svc *hitd.Service, clock hitd.Clock, regions ...string) *Authenticator {
	return &Authenticator{svc: svc, clock: clock, regions: regions}
}

// SigV4 verifies r's AWS Signature Version 4 over body.
func (a *Authenticator) SigV4(r *http.Request, body []byte) (hitd.Caller, error) {
	var requesterID string
	v := sigv4.Verifier{
		Service: SigningService,
		Regions: a.regions,
		MaxSkew: SignatureWindow,
		Now:     a.clock.Now,
		Lookup: func(ctx context.Context, key string) (string, bool, error) {
			secret, id, ok, err := a.svc.LookupSecret(ctx, key)
			requesterID = id
			return secret, ok, err
		},
	}
	if _, err := v.Verify(r, body); err != nil {
		if se, ok := err.(*sigv4.Error); ok {
			return hitd.Caller{}, &AuthError{Type: se.Code, Message: se.Message, Status: se.Status}
		}
		return hitd.Caller{}, err
	}
	return hitd.Caller{RequesterID: requesterID}, nil
}

// Basic checks HTTP Basic credentials: the access key id as user name and
// the secret access key as password, compared in constant time.
func (a *Authenticator) Basic(r *http.Request) (hitd.Caller, error) {
	key, secret, ok := r.BasicAuth()
	if !ok {
		return hitd.Caller{}, &AuthError{Type: "MissingAuthenticationTokenException", Message: "Missing Authentication Token: sign the request with AWS Signature Version 4 or use HTTP Basic with your access key id and secret.", Status: http.StatusUnauthorized}
	}
	id, ok, err := a.svc.AuthenticateSecret(r.Context(), key, secret)
	if err != nil {
		return hitd.Caller{}, err
	}
	if !ok {
		return hitd.Caller{}, &AuthError{Type: "UnrecognizedClientException", Message: "The access key id or secret access key is not valid.", Status: http.StatusForbidden}
	}
	return hitd.Caller{RequesterID: id}, nil
}
