package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A call token is "v2.<unix milliseconds>.<nonce>.<mac>": the MAC is an
// HMAC-SHA256 under the cluster secret of the call's method, the time and
// a random nonce. A server accepts a token once, within TokenWindow of its
// clock, so a call seen on the wire cannot be replayed.
const (
	tokenVersion = "v2"
	// TokenWindow is how far a token's time may be from the server's
	// clock (either way); it bounds clock skew between nodes and how long
	// a nonce is remembered.
	TokenWindow = time.Minute
	// maxNonces bounds the nonces a server remembers (one per call within
	// 2*TokenWindow); past it, calls are refused until old ones expire.
	maxNonces  = 1 << 20
	nonceBytes = 16
)

var (
	errTokenMissing   = errors.New("no cluster secret")
	errTokenBad       = errors.New("wrong cluster secret")
	errTokenStale     = errors.New("call token outside the accepted time window (clocks out of step, or a replayed call)")
	errTokenReplayed  = errors.New("call token already used (a replayed call)")
	errNonceCacheFull = errors.New("too many calls in the token window")
)

// tokenMAC is the MAC of a call token's fields.
func tokenMAC(secret []byte, method, ts, nonce string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("sluice-grpc-v2\x00" + method + "\x00" + ts + "\x00" + nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// NewToken makes a one-time token for a call of method at now.
func NewToken(secret []byte, method string, now time.Time) (string, error) {
	var n [nonceBytes]byte
	if _, err := rand.Read(n[:]); err != nil {
		return "", fmt.Errorf("cluster token: %w", err)
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	nonce := hex.EncodeToString(n[:])
	return strings.Join([]string{tokenVersion, ts, nonce, tokenMAC(secret, method, ts, nonce)}, "."), nil
}

// checkToken verifies a call token for method at now and records its
// nonce in seen.
func checkToken(secret []byte, tok, method string, now time.Time, seen *nonceCache) error {
	if tok == "" {
		return errTokenMissing
	}
	f := strings.Split(tok, ".")
	if len(f) != 4 || f[0] != tokenVersion || len(f[2]) != 2*nonceBytes {
		return errTokenBad
	}
	if !hmac.Equal([]byte(f[3]), []byte(tokenMAC(secret, method, f[1], f[2]))) {
		return errTokenBad
	}
	ms, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return errTokenBad
	}
	at := time.UnixMilli(ms)
	if d := now.Sub(at); d > TokenWindow || d < -TokenWindow {
		return errTokenStale
	}
	return seen.add(f[2], at.Add(TokenWindow), now)
}

// nonceCache remembers the nonces of accepted tokens until their tokens
// expire; it holds at most max of them.
type nonceCache struct {
	mu    sync.Mutex
	max   int
	until map[string]time.Time
	sweep time.Time // when expired nonces are next dropped
}

func newNonceCache(max int) *nonceCache {
	return &nonceCache{max: max, until: map[string]time.Time{}}
}

// add records nonce (valid until expiry); it fails for a nonce seen
// before, and when the cache is full of unexpired nonces.
func (c *nonceCache) add(nonce string, expiry, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.until[nonce]; ok {
		return errTokenReplayed
	}
	if len(c.until) >= c.max || now.After(c.sweep) {
		for n, t := range c.until {
			if now.After(t) {
				delete(c.until, n)
			}
		}
		c.sweep = now.Add(TokenWindow)
		if len(c.until) >= c.max {
			return errNonceCacheFull
		}
	}
	c.until[nonce] = expiry
	return nil
}
