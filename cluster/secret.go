package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// authHeader is the gRPC metadata key carrying the cluster token.
const authHeader = "sluice-auth"

// Security is a node's cluster credentials: the shared secret (nil: an
// open cluster) and optional TLS.
type Security struct {
	Secret []byte
	// TLS, when set, is used by the gRPC server and clients.
	TLS *TLSFiles
}

// TLSFiles names PEM files: this node's certificate and key, and the CA
// that signed every node's certificate.
type TLSFiles struct {
	Cert, Key, CA string
}

// LoadSecret reads a secret file; surrounding white space is ignored and
// the secret must have at least 16 bytes.
func LoadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secret-file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) < 16 {
		return nil, fmt.Errorf("--secret-file %s: the secret has %d bytes, at least 16 are required", path, len(s))
	}
	return []byte(s), nil
}

// gossipKey is the memberlist encryption key (AES-256) derived from the
// secret.
func gossipKey(secret []byte) []byte {
	k := sha256.Sum256(append([]byte("sluice-gossip-v1\x00"), secret...))
	return k[:]
}

// token is the value every gRPC call carries: an HMAC of a fixed label
// under the secret, so the secret itself never travels.
func token(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("sluice-grpc-v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// errBadSecret is how a refused call fails.
var errBadSecret = status.Error(codes.Unauthenticated, "cluster secret missing or wrong (check --secret-file)")

// guard checks the token of an incoming call; logf logs refusals.
type guard struct {
	want string
	log  *log.Logger
}

func (g *guard) check(ctx context.Context, method string) error {
	if g.want == "" {
		return nil
	}
	got := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(authHeader); len(v) == 1 {
			got = v[0]
		}
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(g.want)) == 1 {
		return nil
	}
	from := "unknown peer"
	if p, ok := peer.FromContext(ctx); ok {
		from = p.Addr.String()
	}
	what := "wrong cluster secret"
	if got == "" {
		what = "no cluster secret"
	}
	g.log.Printf("refused %s from %s: %s", method, from, what)
	return errBadSecret
}

func (g *guard) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := g.check(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (g *guard) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := g.check(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return h(srv, ss)
}

// tokenCreds attaches the token to every outgoing call.
type tokenCreds struct {
	tok    string
	secure bool
}

func (t tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{authHeader: t.tok}, nil
}

func (t tokenCreds) RequireTransportSecurity() bool { return t.secure }

// tlsConfig loads the TLS files for a server (server=true) or a client.
func (t *TLSFiles) tlsConfig(server bool) (*tls.Config, error) {
	if t.Cert == "" || t.Key == "" || t.CA == "" {
		return nil, errors.New("TLS needs all of --tls-cert, --tls-key and --tls-ca")
	}
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	ca, err := os.ReadFile(t.CA)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("--tls-ca %s: no PEM certificate found", t.CA)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if server {
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	} else {
		c.RootCAs = pool
	}
	return c, nil
}

// ServerOptions are the gRPC server options for these credentials; refusals
// are logged to logw.
func (s Security) ServerOptions(logw io.Writer) ([]grpc.ServerOption, error) {
	g := &guard{log: log.New(logw, "", log.LstdFlags)}
	if len(s.Secret) > 0 {
		g.want = token(s.Secret)
	}
	opts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(g.unary), grpc.ChainStreamInterceptor(g.stream),
		grpc.InitialWindowSize(fetchWindow), grpc.InitialConnWindowSize(4 * fetchWindow)}
	if s.TLS != nil {
		c, err := s.TLS.tlsConfig(true)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.Creds(credentials.NewTLS(c)))
	}
	return opts, nil
}

// DialOptions are the gRPC client options for these credentials.
func (s Security) DialOptions() ([]grpc.DialOption, error) {
	opts := []grpc.DialOption{grpc.WithInitialWindowSize(fetchWindow), grpc.WithInitialConnWindowSize(4 * fetchWindow),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage))}
	if s.TLS != nil {
		c, err := s.TLS.tlsConfig(false)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(c)))
	} else {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if len(s.Secret) > 0 {
		opts = append(opts, grpc.WithPerRPCCredentials(tokenCreds{tok: token(s.Secret), secure: s.TLS != nil}))
	}
	return opts, nil
}

// NewSecurity builds credentials from the --secret-file and --tls-* flags
// (all optional; TLS needs all three files).
func NewSecurity(secretFile, cert, key, ca string) (Security, error) {
	var s Security
	if secretFile != "" {
		b, err := LoadSecret(secretFile)
		if err != nil {
			return s, err
		}
		s.Secret = b
	}
	if cert != "" || key != "" || ca != "" {
		s.TLS = &TLSFiles{Cert: cert, Key: key, CA: ca}
		if _, err := s.TLS.tlsConfig(true); err != nil {
			return s, err
		}
	}
	return s, nil
}
