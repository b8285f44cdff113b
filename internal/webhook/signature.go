package webhook // import "github.com/authtrail/authtrail/internal/webhook"

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // some vendors still sign with HMAC-SHA1
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"strings"
	"sync"
)

var hashes = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

// encodings decode a signature into dst and return the decoded bytes.
var encodings = map[string]func(dst []byte, src string) ([]byte, error){
	"hex": func(dst []byte, src string) ([]byte, error) {
		if hex.DecodedLen(len(src)) > len(dst) {
			return nil, errSignatureFormat
		}
		var in [4 * sha512.Size]byte
		n, err := hex.Decode(dst, in[:copy(in[:], src)])
		return dst[:n], err
	},
	"base64": func(dst []byte, src string) ([]byte, error) {
		if base64.StdEncoding.DecodedLen(len(src)) > len(dst) {
			return nil, errSignatureFormat
		}
		var in [4 * sha512.Size]byte
		n, err := base64.StdEncoding.Decode(dst, in[:copy(in[:], src)])
		return dst[:n], err
	},
}

var (
	errSignatureMissing = errors.New("missing signature header")
	errSignatureFormat  = errors.New("signature header is not in the configured format")
	errSignatureInvalid = errors.New("signature does not match the request body")
	errTokenInvalid     = errors.New("required header missing or wrong")
)

// verifier checks a request's HMAC signature and static token header.
type verifier struct {
	sig     SignatureConfig
	decode  func([]byte, string) ([]byte, error)
	macs    sync.Pool
	token   RequiredHeaderConfig
	enabled bool
}

func newVerifier(sig SignatureConfig, token RequiredHeaderConfig) *verifier {
	v := &verifier{sig: sig, token: token, decode: encodings[sig.Encoding]}
	if sig.Enabled() {
		newHash, key := hashes[sig.Algorithm], []byte(string(sig.Secret))
		v.macs.New = func() any { return hmac.New(newHash, key) }
	}
	return v
}

// verify returns nil when the request may proceed, else the reason it may not.
func (v *verifier) verify(h http.Header, body []byte) error {
	if err := v.precheck(h); err != nil {
		return err
	}
	return v.verifyBody(h, body)
}

// precheck runs what needs no body: the token, and the signature header's
// presence and prefix.
func (v *verifier) precheck(h http.Header) error {
	if v.token.Enabled() {
		got := h.Get(v.token.Name)
		if subtle.ConstantTimeCompare([]byte(got), []byte(string(v.token.Value))) != 1 {
			return errTokenInvalid
		}
	}
	if !v.sig.Enabled() {
		return nil
	}
	_, err := v.digest(h)
	return err
}

// verifyBody compares the signature header with the HMAC of body; precheck
// has passed.
func (v *verifier) verifyBody(h http.Header, body []byte) error {
	if !v.sig.Enabled() {
		return nil
	}
	var sentBuf [2 * sha512.Size]byte // room for base64 DecodedLen rounding
	var sumBuf [sha512.Size]byte
	sent, err := v.sent(h, sentBuf[:])
	if err != nil {
		return err
	}
	mac := v.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(body)
	ok := hmac.Equal(mac.Sum(sumBuf[:0]), sent)
	v.macs.Put(mac)
	if !ok {
		return errSignatureInvalid
	}
	return nil
}

// digest returns the signature header without its prefix.
func (v *verifier) digest(h http.Header) (string, error) {
	got := h.Get(v.sig.Header)
	if got == "" {
		return "", errSignatureMissing
	}
	if v.sig.Prefix != "" {
		if len(got) < len(v.sig.Prefix) || !strings.EqualFold(got[:len(v.sig.Prefix)], v.sig.Prefix) {
			return "", errSignatureFormat
		}
		got = got[len(v.sig.Prefix):]
	}
	return strings.TrimSpace(got), nil
}

// sent decodes the signature header into dst.
func (v *verifier) sent(h http.Header, dst []byte) ([]byte, error) {
	got, err := v.digest(h)
	if err != nil {
		return nil, err
	}
	sent, err := v.decode(dst, got)
	if err != nil {
		return nil, errSignatureFormat
	}
	return sent, nil
}
