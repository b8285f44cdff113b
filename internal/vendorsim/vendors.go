package vendorsim // import "github.com/authtrail/authtrail/internal/vendorsim"

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// Payload is one request body ready to send, with the headers its vendor sets.
type Payload struct {
	Label  string // event type, for printing
	Body   []byte
	Header http.Header
}

// Vendor writes one vendor's wire format. It is written from the vendor's docs,
// independently of authtrail's decoders, so that the end-to-end tests catch
// mapping bugs instead of repeating them.
type Vendor interface {
	Name() string
	// Generate writes one event of a random type with random users, IPs and ids.
	Generate(r *rand.Rand, now time.Time) (label string, body []byte)
	// Sign sets the headers the vendor sends, signature included.
	Sign(p *Payload, creds Credentials)
}

// Credentials are what the sender knows about the receiver's auth settings.
type Credentials struct {
	Secret      string // HMAC secret
	TokenHeader string // static token header (VGS setups that use one)
	Token       string
}

// Vendors are the webhook vendors the simulator speaks.
var Vendors = map[string]Vendor{
	"vgs":      vgsVendor{},
	"asgardeo": asgardeoVendor{},
}

// hexHMACSHA256 is how Asgardeo (X-Hub-Signature: sha256=<hex>) signs.
// HexHMACSHA256 is how Asgardeo and Authgear sign a body.
func HexHMACSHA256(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}
	lastNames  = []string{"smith", "jones", "garcia", "chen", "okafor", "silva", "novak", "tanaka"}
	domains    = []string{"example.com", "example.org", "corp.example"}
	userAgents = []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"",
	}
)

type person struct{ first, last, email string }

func randomPerson(r *rand.Rand) person {
	f, l := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	return person{first: f, last: l, email: fmt.Sprintf("%s.%s@%s", f, l, domains[r.IntN(len(domains))])}
}

// randomIP returns an address from the documentation ranges (RFC 5737).
func randomIP(r *rand.Rand) string {
	nets := []string{"192.0.2", "198.51.100", "203.0.113"}
	return fmt.Sprintf("%s.%d", nets[r.IntN(len(nets))], 1+r.IntN(254))
}

// UUID returns a random version-4 UUID.
func UUID(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
