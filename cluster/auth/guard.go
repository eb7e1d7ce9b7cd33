package auth

import (
	"context"
	"errors"
	"log"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// TokenHeader is the gRPC metadata key carrying the call token.
const TokenHeader = "sluice-auth"

// InsecureHeader is the response header an open node sets on every call.
const InsecureHeader = "sluice-insecure"

// errBadSecret is how a call with a missing or wrong token fails.
var errBadSecret = status.Error(codes.Unauthenticated, "cluster secret missing or wrong (check --secret-file)")

// guard checks the token of every incoming call and logs refusals.
type guard struct {
	secret []byte // nil: an open node
	seen   *nonceCache
	log    *log.Logger
}

func (g *guard) check(ctx context.Context, method string) error {
	if len(g.secret) == 0 {
		return nil
	}
	got := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(TokenHeader); len(v) == 1 {
			got = v[0]
		}
	}
	err := checkToken(g.secret, got, method, time.Now(), g.seen)
	if err == nil {
		return nil
	}
	from := "unknown peer"
	if p, ok := peer.FromContext(ctx); ok {
		from = p.Addr.String()
	}
	g.log.Printf("refused %s from %s: %v", method, from, err)
	if errors.Is(err, errTokenMissing) || errors.Is(err, errTokenBad) {
		return errBadSecret
	}
	return status.Error(codes.Unauthenticated, err.Error())
}

func (g *guard) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := g.check(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	if len(g.secret) == 0 {
		grpc.SetHeader(ctx, metadata.Pairs(InsecureHeader, "1"))
	}
	return h(ctx, req)
}

func (g *guard) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := g.check(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	if len(g.secret) == 0 {
		ss.SetHeader(metadata.Pairs(InsecureHeader, "1"))
	}
	return h(srv, ss)
}

// tokenCreds attaches a fresh one-time token for the call's method to
// every outgoing call.
type tokenCreds struct {
	secret []byte
	secure bool
}

func (t tokenCreds) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	ri, ok := credentials.RequestInfoFromContext(ctx)
	if !ok {
		return nil, errors.New("cluster token: the call's method is unknown")
	}
	tok, err := NewToken(t.secret, ri.Method, time.Now())
	if err != nil {
		return nil, err
	}
	return map[string]string{TokenHeader: tok}, nil
}

func (t tokenCreds) RequireTransportSecurity() bool { return t.secure }
