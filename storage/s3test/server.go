package s3test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-ml/sluice/storage"
)

// Version is the SeaweedFS module version scripts/build-seaweedfs.sh builds.
const Version = "v0.0.0-20261109003541-7506e5f91cd6"

// Keys of the server's one identity.
const (
	AccessKey = "sluicetestaccess"
	SecretKey = "sluicetestsecret0123456789"
)

// Server is a running SeaweedFS with its S3 gateway.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	Dir      string
	Client   *s3.Client
	cmd      *exec.Cmd
	log      string
	exited   chan struct{} // closed when the server process has ended
}

// Binary is the path of the SeaweedFS binary: $SLUICE_WEED or the cache
// scripts/build-seaweedfs.sh fills.
func Binary() string {
	if p := os.Getenv("SLUICE_WEED"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "sluice", "weed", "weed-"+Version)
}

// Start starts a server for the test (stopped at its end), sets
// the test process's AWS environment to it (see Env) and waits until it
// answers.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartOn(t, "127.0.0.1")
}

// StartOn is Start with the server listening on ip (an address of this
// host, such as a bridge other network namespaces reach it through).
func StartOn(t testing.TB, ip string) *Server {
	t.Helper()
	s, err := LaunchOn(t.TempDir(), ip)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	storage.ResetForTest()
	t.Cleanup(storage.ResetForTest)
	return s
}

// Launch starts a server keeping its data under dir and waits until it
// answers with the configured identity. The caller stops it with Stop.
// It leaves the process environment alone: Env gives what a client needs.
func Launch(dir string) (*Server, error) { return LaunchOn(dir, "127.0.0.1") }

// LaunchOn is Launch with the server listening on ip.
func LaunchOn(dir, ip string) (*Server, error) {
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("SeaweedFS binary %s is missing: run scripts/build-seaweedfs.sh (it builds the S3-compatible server these tests start): %v", bin, err)
	}
	cfg := map[string]any{"identities": []any{map[string]any{
		"name":        "sluice",
		"credentials": []any{map[string]string{"accessKey": AccessKey, "secretKey": SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	data, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(cfgPath, data, 0o600); err != nil {
		return nil, err
	}
	ports, err := freePorts(ip, 8)
	if err != nil {
		return nil, err
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	data2 := filepath.Join(dir, "data")
	if err := os.MkdirAll(data2, 0o755); err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://" + net.JoinHostPort(ip, p(0)), Dir: dir, log: filepath.Join(dir, "weed.log")}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "server", "-ip="+ip, "-ip.bind="+ip, "-dir="+data2,
		"-master.port="+p(1), "-master.port.grpc="+p(2), "-volume.port="+p(3), "-volume.port.grpc="+p(4),
		"-filer", "-filer.port="+p(5), "-filer.port.grpc="+p(6), "-filer.localSocket="+filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port="+p(0), "-s3.port.grpc="+p(7), "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config="+cfgPath,
		"-master.volumeSizeLimitMB=64", "-volume.max=0", "-master.telemetry=false")
	// The S3 gateway signs its STS tokens with the filer key; without one
	// it loads no identities.
	s.cmd.Env = append(os.Environ(), "WEED_JWT_FILER_SIGNING_KEY=sluice-test-signing-key-0123456789")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.Dir = dir
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %v", bin, err)
	}
	logf.Close()
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }()
	s.Client = s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Env is the AWS environment (KEY=VALUE) that points a client at the
// server with its identity, and away from any user's AWS config files.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		"AWS_CONFIG_FILE=" + filepath.Join(s.Dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(s.Dir, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// waitReady waits until the gateway answers with the configured identity
// (the server takes some seconds to form its master, volume and filer).
func (s *Server) waitReady() error {
	deadline := time.Now().Add(2 * time.Minute)
	probe := "sluice-ready-probe"
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			err = fmt.Errorf("the server exited")
			deadline = time.Now()
			continue
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(probe)})
		if err != nil && strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
			err = nil // an earlier probe created it
		}
		if err == nil {
			_, err = s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(probe), Key: aws.String("x"), Body: nil})
		}
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	logText, _ := os.ReadFile(s.log)
	if len(logText) > 4000 {
		logText = logText[len(logText)-4000:]
	}
	return fmt.Errorf("SeaweedFS at %s did not become ready: %v\nlog tail:\n%s", s.Endpoint, err, logText)
}

// Bucket creates a bucket and returns its name.
func (s *Server) Bucket(t testing.TB, name string) string {
	t.Helper()
	if _, err := s.Client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// Put uploads an object.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	w, err := storage.Create(context.Background(), fmt.Sprintf("s3://%s/%s", bucket, key))
	if err == nil {
		_, err = w.Write(data)
		if err == nil {
			err = w.Close()
		} else {
			w.Abort()
		}
	}
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// Keys lists every key in a bucket (an oracle independent of the storage
// package's listing).
func (s *Server) Keys(t testing.TB, bucket string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// Stop stops the server (interrupt, then kill after 10 s).
func (s *Server) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// freePorts returns n distinct ports free on ip now.
func freePorts(ip string, n int) ([]int, error) {
	var ls []net.Listener
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports, nil
}
