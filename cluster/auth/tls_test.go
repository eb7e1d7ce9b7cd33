package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"

	pb "github.com/sluice-ml/sluice/proto"
)

type healthOnly struct {
	pb.UnimplementedExecutorServer
}

func (healthOnly) Health(context.Context, *pb.HealthRequest) (*pb.HealthReply, error) {
	return &pb.HealthReply{Id: "tls-test", Slots: 3}, nil
}

// writeCA makes a CA and a leaf certificate for 127.0.0.1 signed by it, as
// PEM files in dir; returns the CA, cert and key paths.
func writeCA(t *testing.T, dir, name string) (ca, cert, key string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caTmpl, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(leafKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(file, typ string, der []byte) string {
		p := filepath.Join(dir, name+"-"+file)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", leafDER), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// Mutual TLS: a client with a certificate from the cluster's CA and the
// secret gets through; one from another CA, or without TLS, does not.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("a shared cluster secret of some length"), 0o600); err != nil {
		t.Fatal(err)
	}
	ca, cert, key := writeCA(t, dir, "cluster")
	sec, err := NewSecurity(secret, cert, key, ca)
	if err != nil {
		t.Fatal(err)
	}
	sopts, err := sec.ServerOptions(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(sopts...)
	pb.RegisterExecutorServer(srv, healthOnly{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()

	call := func(s Security) error {
		opts, err := s.DialOptions()
		if err != nil {
			return err
		}
		conn, err := grpc.NewClient(lis.Addr().String(), opts...)
		if err != nil {
			return err
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := pb.NewExecutorClient(conn).Health(ctx, &pb.HealthRequest{})
		if err == nil && (r.GetId() != "tls-test" || r.GetSlots() != 3) {
			t.Fatalf("health reply %v", r)
		}
		return err
	}
	if err := call(sec); err != nil {
		t.Fatalf("client with the cluster's certificate and secret: %v", err)
	}
	oca, ocert, okey := writeCA(t, dir, "other")
	other, err := NewSecurity(secret, ocert, okey, oca)
	if err != nil {
		t.Fatal(err)
	}
	if err := call(other); err == nil {
		t.Fatal("a certificate from another CA was accepted")
	}
	// Trusting the cluster's CA but presenting another CA's certificate:
	// the server refuses the client.
	if err := call(Security{Secret: sec.Secret, TLS: &TLSFiles{Cert: ocert, Key: okey, CA: ca}}); err == nil {
		t.Fatal("a client certificate from another CA was accepted by the server")
	}
	plain, err := NewSecurity(secret, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := call(plain); err == nil {
		t.Fatal("a client without TLS was accepted")
	}
	if _, err := NewSecurity(secret, cert, "", ca); err == nil {
		t.Fatal("TLS with a missing key file was accepted")
	}
}
