// Package apitoken is the domain of API tokens: the key format and its
// keyed hash, token types and durations, what a token allows, and the
// rules a token's name, description and permissions must follow. It knows
// nothing of HTTP, SQL or HTML.
package apitoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"math/big"
	"sync"
)

// Key format: "tka_" + 43 base62 characters (32 random bytes) + 6 base62
// characters of the CRC32 of everything before them. The prefix makes a
// leaked key recognisable to secret scanners; the checksum lets us refuse
// a mistyped or made-up key without touching the database.
const (
	Prefix      = "tka_"
	bodyLen     = 43
	checksumLen = 6
	KeyLen      = len(Prefix) + bodyLen + checksumLen
	randomBytes = 32
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ErrMalformedKey means a string cannot be a key of ours: wrong length,
// prefix, alphabet or checksum.
var ErrMalformedKey = errors.New("apitoken: malformed key")

// Generate returns a new key from crypto/rand.
func Generate() (string, error) {
	b := make([]byte, randomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("apitoken: random: %w", err)
	}
	body := encodeBase62(new(big.Int).SetBytes(b), bodyLen)
	head := Prefix + body
	return head + checksum(head), nil
}

// encodeBase62 writes n in base62, left-padded with '0' to width.
func encodeBase62(n *big.Int, width int) string {
	out := make([]byte, width)
	for i := range out {
		out[i] = '0'
	}
	base := big.NewInt(62)
	mod := new(big.Int)
	for i := width - 1; i >= 0 && n.Sign() > 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = base62[mod.Int64()]
	}
	return string(out)
}

func checksum(head string) string {
	out := checksumOf(head)
	return string(out[:])
}

// checksumOf is checksum without the allocation, for Parse.
func checksumOf(head string) (out [checksumLen]byte) {
	// CRC-32 (IEEE) byte by byte over the string itself: crc32's own
	// functions take a []byte that would be allocated for 47 bytes.
	crc := ^uint32(0)
	for i := 0; i < len(head); i++ {
		crc = crc32.IEEETable[byte(crc)^head[i]] ^ (crc >> 8)
	}
	c := uint64(^crc)
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = base62[c%62]
		c /= 62
	}
	return out
}

var isBase62 = func() (t [256]bool) {
	for i := 0; i < len(base62); i++ {
		t[base62[i]] = true
	}
	return t
}()

// Parse checks that key has our shape and a valid checksum. It is cheap
// and runs before any lookup.
func Parse(key string) error {
	if len(key) != KeyLen || key[:len(Prefix)] != Prefix {
		return ErrMalformedKey
	}
	for i := len(Prefix); i < KeyLen; i++ {
		if !isBase62[key[i]] {
			return ErrMalformedKey
		}
	}
	head := key[:KeyLen-checksumLen]
	// Not secret (a CRC of the key's public shape), so a plain compare;
	// string(sum[:]) in a comparison does not allocate.
	if sum := checksumOf(head); string(sum[:]) != key[KeyLen-checksumLen:] {
		return ErrMalformedKey
	}
	return nil
}

// Hint is what may be shown of a key after its one reveal: the prefix and
// the last four characters, enough to tell keys apart.
func Hint(key string) string {
	if len(key) < 8 {
		return Prefix + "…"
	}
	return Prefix + "…" + key[len(key)-4:]
}

// Hasher computes the keyed hash stored in place of a key. Keyed, so that
// a stolen database alone cannot be used to test guessed keys.
type Hasher struct {
	pool sync.Pool // of *keyMAC
}

// keyMAC is a pooled HMAC with room for a key and its sum, so that hashing
// a key on every request allocates only the hex string it returns.
type keyMAC struct {
	mac hash.Hash
	in  [KeyLen]byte
	sum [sha256.Size]byte
}

// NewHasher returns a Hasher keyed with key (derive it from the
// deployment secret; it must be the same on every instance).
func NewHasher(key []byte) *Hasher {
	k := append([]byte(nil), key...)
	h := &Hasher{}
	h.pool.New = func() any { return &keyMAC{mac: hmac.New(sha256.New, k)} }
	return h
}

// Hash returns the hex HMAC-SHA256 of key.
func (h *Hasher) Hash(key string) string {
	m := h.pool.Get().(*keyMAC)
	m.mac.Reset()
	if len(key) <= len(m.in) {
		n := copy(m.in[:], key)
		m.mac.Write(m.in[:n])
	} else {
		m.mac.Write([]byte(key))
	}
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], m.mac.Sum(m.sum[:0]))
	h.pool.Put(m)
	return string(out[:])
}
