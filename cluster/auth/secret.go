package auth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
)

// Keepalive: each side pings an idle connection every keepaliveTime and
// closes it when no answer comes within keepaliveTimeout, so a frozen or
// cut-off peer fails the calls waiting on it instead of hanging them.
const (
	keepaliveTime    = 10 * time.Second
	keepaliveTimeout = 5 * time.Second
)

// Flow control of every cluster connection, sized for the output fetch
// (package cluster sends segments in pieces of at most 1 MiB).
const (
	// fetchWindow is the gRPC flow-control window per stream: a fetch has at
	// most this many bytes in flight beyond the segment being decoded.
	fetchWindow = 2 << 20
	// maxMessage bounds a received message.
	maxMessage = 16 << 20
)

// Security is a node's cluster credentials: the shared secret (nil: an
// open cluster, which a serving node accepts only with Insecure) and
// optional TLS.
type Security struct {
	Secret []byte
	// TLS, when set, is used by the gRPC server and clients.
	TLS *TLSFiles
	// Insecure lets a driver or executor serve without a secret: every
	// call is accepted and gossip travels in plain text.
	Insecure bool
}

// ErrNoSecret is why a driver or executor without a secret refuses to
// start (unless Security.Insecure).
var ErrNoSecret = errors.New("no cluster secret: give --secret-file FILE (at least 16 bytes, the same on every node), " +
	"or --insecure to run an open cluster that anyone who reaches its ports can use")

// CheckServe refuses an open node unless it was asked for.
func (s Security) CheckServe() error {
	if len(s.Secret) == 0 && !s.Insecure {
		return ErrNoSecret
	}
	return nil
}

// InsecureWarning is logged at every start of an open node and shown by
// `driver status` when the driver is one.
const InsecureWarning = "WARNING: --insecure: this cluster has no secret; gRPC calls are not authenticated " +
	"and gossip is not encrypted, so anyone who reaches its ports can run jobs that read and write files as this user"

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
	g := &guard{secret: s.Secret, seen: newNonceCache(maxNonces), log: log.New(logw, "", log.LstdFlags)}
	opts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(g.unary), grpc.ChainStreamInterceptor(g.stream),
		grpc.InitialWindowSize(fetchWindow), grpc.InitialConnWindowSize(4 * fetchWindow),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepaliveTime, Timeout: keepaliveTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveTime / 2, PermitWithoutStream: true})}
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
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: keepaliveTime, Timeout: keepaliveTimeout, PermitWithoutStream: true})}
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
		opts = append(opts, grpc.WithPerRPCCredentials(tokenCreds{secret: s.Secret, secure: s.TLS != nil}))
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
