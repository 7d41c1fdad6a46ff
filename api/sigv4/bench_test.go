package sigv4

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkVerify is the server's cost of checking one request signed by
// the AWS SDK's own signer: a CreateHITWithHITType-sized body, the headers
// the SDK signs.
func BenchmarkVerify(b *testing.B) {
	body := bytes.Repeat([]byte(`{"HITTypeId":"3AQF3RZ558H03P7ZPD2X6DZSK6P6N1","LifetimeInSeconds":3600},`), 10)
	body = append(append([]byte("["), body[:len(body)-1]...), ']')
	r, err := http.NewRequest("POST", "https://mturk-requester.us-east-1.amazonaws.com/", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "MTurkRequesterServiceV20170117.CreateHITWithHITType")
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: sdkKey, SecretAccessKey: sdkSecret},
		r, hexSHA256(body), "mturk-requester", "us-east-1", sdkTime)
	if err != nil {
		b.Fatal(err)
	}
	v := sdkVerifier(sdkTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
