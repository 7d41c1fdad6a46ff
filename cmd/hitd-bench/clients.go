package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"golang.org/x/crypto/bcrypt"
)

// benchQuestion is the Question of every HIT the tool creates: an
// HTMLQuestion of about 600 bytes, a small real task.
const benchQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="https://assets.crowd.aws/crowd-html-elements.js"></script></head>
<body><crowd-form answer-format="flatten-objects">
<p>Look at the picture and say what it shows, in a few words.</p>
<img src="https://example.org/images/0001.jpg" alt="picture" width="480">
<crowd-input name="label" placeholder="a cat on a sofa" required></crowd-input>
<crowd-checkbox name="unsure">I am not sure</crowd-checkbox>
</crowd-form></body></html>]]></HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>`

// Properties of the HITs the tool creates.
const (
	benchTitle       = "Label a picture (hitd-bench)"
	benchDescription = "Say in a few words what the picture shows."
	benchKeywords    = "image, label, bench"
	benchReward      = "0.01"
	benchLifetime    = 3600
	benchAsgDuration = 600
	benchAutoApprove = 3600
)

// newHTTPClient is a client for many concurrent requests to a few hosts.
func newHTTPClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * conns
	tr.MaxIdleConnsPerHost = conns
	return &http.Client{Transport: plainBodies{tr}, Timeout: 2 * time.Minute}
}

// plainBodies hands the transport request bodies that are plain
// io.ReadClosers. It works around a client-side race in aws-sdk-go-v2
// (aws/aws-sdk-go-v2#1825, #2737): the SDK closes its request body (a
// smithy-go safe reader with a WriteTo method) as soon as the response
// headers arrive, while net/http may still be checking the body for extra
// bytes through WriteTo; WriteTo then returns io.EOF, net/http takes that
// for a write error and closes the connection under the response being
// read, and a response longer than the first read (a ListHITs page) fails
// with "use of closed network connection". Without WriteTo, net/http reads
// the body and takes the EOF as its end. The SDK's own answer is to retry
// such errors; this tool disables retries so that no failure is hidden.
// The server sees the same requests either way.
type plainBodies struct{ rt http.RoundTripper }

type plainBody struct{ io.ReadCloser }

func (p plainBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		r := *req
		r.Body = plainBody{req.Body}
		req = &r
	}
	return p.rt.RoundTrip(req)
}

// sdkClient is an MTurk client of the AWS SDK for Go v2 for the server at
// base: static credentials, region us-east-1, and no retries (a failed
// call is counted, not hidden).
func sdkClient(base, key, secret string, hc *http.Client) *mturk.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: aws.NewCredentialsCache(staticCreds{key, secret}),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:  hc,
	}
	return mturk.NewFromConfig(cfg, func(o *mturk.Options) { o.BaseEndpoint = aws.String(base) })
}

type staticCreds struct{ key, secret string }

func (c staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: c.key, SecretAccessKey: c.secret, Source: "hitd-bench"}, nil
}

// sdkClients are one client per base URL, sharing hc.
func sdkClients(bases []string, key, secret string, hc *http.Client) []*mturk.Client {
	out := make([]*mturk.Client, len(bases))
	for i, b := range bases {
		out[i] = sdkClient(b, key, secret, hc)
	}
	return out
}

// createHITTypeInput is the HIT type every scenario uses.
func createHITTypeInput() *mturk.CreateHITTypeInput {
	return &mturk.CreateHITTypeInput{
		Title: aws.String(benchTitle), Description: aws.String(benchDescription), Keywords: aws.String(benchKeywords),
		Reward: aws.String(benchReward), AssignmentDurationInSeconds: aws.Int64(benchAsgDuration),
		AutoApprovalDelayInSeconds: aws.Int64(benchAutoApprove),
	}
}

func createHITInput(typeID string) *mturk.CreateHITWithHITTypeInput {
	return &mturk.CreateHITWithHITTypeInput{HITTypeId: aws.String(typeID), LifetimeInSeconds: aws.Int64(benchLifetime),
		MaxAssignments: aws.Int32(1), Question: aws.String(benchQuestion)}
}

// apiResult is one worker API answer.
type apiResult struct {
	status int
	code   string         // error.code of an error answer
	body   map[string]any // the decoded JSON answer
}

func (r apiResult) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// workerAPI calls the worker API at base (method, path under
// /api/worker/v1) with a bearer token and a JSON body (nil for none).
func workerAPI(ctx context.Context, hc *http.Client, base, method, path, token string, body any) (apiResult, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return apiResult{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/api/worker/v1"+path, rd)
	if err != nil {
		return apiResult{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return apiResult{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return apiResult{}, err
	}
	res := apiResult{status: resp.StatusCode}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &res.body); err != nil {
			return res, fmt.Errorf("%d answer is not JSON: %.200s", resp.StatusCode, data)
		}
	}
	if e, ok := res.body["error"].(map[string]any); ok {
		res.code, _ = e["code"].(string)
	}
	return res, nil
}

// benchWorker is a worker account with an open session.
type benchWorker struct {
	ID, Token string
}

// makeWorkers creates count workers directly in the store, each with a
// session when sessions is set: one bcrypt hash at the minimum cost for
// all (login is not what is measured), rows in transactions of 1,000.
// Session rows keep the token's SHA-256, as the Service does.
func makeWorkers(ctx context.Context, store hitd.Store, prefix string, count int, sessions bool) ([]benchWorker, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte("hitd-bench-password"), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	ws := make([]benchWorker, count)
	for i := range ws {
		ws[i] = benchWorker{ID: hitd.IDSource{}.WorkerID()}
		if sessions {
			ws[i].Token = rand.Text() + rand.Text()
		}
	}
	for lo := 0; lo < count; lo += 1000 {
		hi := min(count, lo+1000)
		err := store.Write(ctx, func(tx hitd.Tx) error {
			for i := lo; i < hi; i++ {
				w := &hitd.Worker{ID: ws[i].ID, Username: fmt.Sprintf("%s-%s", prefix, ws[i].ID), PasswordHash: hash, CreationTime: now}
				if err := tx.InsertWorker(ctx, w); err != nil {
					return err
				}
				if sessions {
					h := sha256.Sum256([]byte(ws[i].Token))
					if err := tx.InsertSession(ctx, &hitd.Session{TokenHash: h[:], WorkerID: ws[i].ID, CreationTime: now,
						Expiration: now.Add(hitd.SessionLifetime)}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("create %d workers: %w", count, err)
		}
	}
	return ws, nil
}

// benchHITType is the HIT type rows inserted directly use.
func benchHITType(requesterID string, autoApproval int64) *hitd.HITType {
	reward, _ := hitd.ParseCents(benchReward)
	return &hitd.HITType{ID: hitd.IDSource{}.HITID(), RequesterID: requesterID, Title: benchTitle, Description: benchDescription,
		Keywords: benchKeywords, Reward: reward, AssignmentDurationInSeconds: benchAsgDuration, AutoApprovalDelayInSeconds: autoApproval,
		CreationTime: time.Now().UTC()}
}

// benchHIT is a HIT row like the one CreateHITWithHITType stores: its
// slots funded, created now, expiring at expires.
func benchHIT(t *hitd.HITType, maxAssignments int, now, expires time.Time) *hitd.HIT {
	return &hitd.HIT{
		ID: hitd.IDSource{}.HITID(), HITTypeID: t.ID, RequesterID: t.RequesterID, Question: benchQuestion,
		MaxAssignments: maxAssignments, LifetimeInSeconds: int64(expires.Sub(now) / time.Second), CreationTime: now, Expiration: expires,
		ReviewStatus: hitd.ReviewNotReviewed, Funded: maxAssignments,
		Reserved: hitd.Cents(maxAssignments) * hitd.SlotCost(t, maxAssignments),
	}
}

// rootRequester reads the store's root requester.
func rootRequester(ctx context.Context, store hitd.Store) (*hitd.Requester, error) {
	var r *hitd.Requester
	err := store.Read(ctx, func(tx hitd.Tx) error {
		var err error
		r, err = tx.RootRequester(ctx)
		return err
	})
	return r, err
}

// openAsRequester opens the deployment's store from this process and reads
// the requester the tool signs as; on failure it records it in s and
// returns ok=false. The caller closes the store.
func openAsRequester(ctx context.Context, s *Scenario, d *deployment) (st hitd.Store, r *hitd.Requester, ok bool) {
	st, err := d.db.open(ctx)
	if err != nil {
		s.fail(1, "open the server's store: "+err.Error())
		return nil, nil, false
	}
	err = st.Read(ctx, func(tx hitd.Tx) error {
		var err error
		r, err = tx.RequesterByAccessKey(ctx, d.key)
		return err
	})
	if err != nil {
		st.Close()
		s.fail(1, "find the requester: "+err.Error())
		return nil, nil, false
	}
	return st, r, true
}
