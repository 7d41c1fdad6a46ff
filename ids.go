package hitd

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"io"
)

// IDLength is the length of HIT and HIT type IDs, as on MTurk.
const IDLength = 30

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// IDSource makes identifiers. Its randomness is injectable so tests can make
// IDs reproducible; production uses crypto/rand.
type IDSource struct {
	Rand io.Reader // nil means crypto/rand
}

// random returns n characters drawn uniformly from alphabet.
func (g IDSource) random(n int, alphabet string) string {
	r := g.Rand
	if r == nil {
		r = rand.Reader
	}
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	limit := 256 - 256%len(alphabet) // reject bytes that would bias the draw
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			panic("hitd: random source failed: " + err.Error()) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// HITID returns a new random HIT ID: 30 upper-case alphanumerics.
func (g IDSource) HITID() string { return g.random(IDLength, idAlphabet) }

// RequesterID returns a new requester (customer) ID shaped like MTurk's:
// "A" followed by 13 upper-case alphanumerics.
func (g IDSource) RequesterID() string { return "A" + g.random(13, idAlphabet) }

// AccessKeyID returns a new access key id: 20 upper-case alphanumerics
// starting with "HITD", so nobody mistakes it for an AWS key.
func (g IDSource) AccessKeyID() string { return "HITD" + g.random(16, idAlphabet) }

// SecretAccessKey returns a new 40-character secret.
func (g IDSource) SecretAccessKey() string {
	return g.random(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}

// derivedID returns a 30-character ID that is a pure function of its input:
// the same input gives the same ID on every node and across restarts.
func derivedID(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		l := len(p)
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:]) // length-prefix each part so concatenations cannot collide
		h.Write(p)
	}
	sum := h.Sum(nil)
	return base32.StdEncoding.EncodeToString(sum)[:IDLength] // A-Z2-7, a subset of MTurk's alphabet
}
