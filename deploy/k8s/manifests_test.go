package k8s

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/sluice-ml/sluice/cli"
)

// objects are the decoded manifests.
type objects struct {
	deployments  []*appsv1.Deployment
	statefulSets []*appsv1.StatefulSet
	services     []*corev1.Service
	secrets      []*corev1.Secret
	pdbs         []*policyv1.PodDisruptionBudget
}

// load decodes every document of every manifest strictly: an unknown or
// misspelt field fails.
func load(t *testing.T) *objects {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests (%v)", err)
	}
	o := &objects{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var tm v1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			var obj any
			switch tm.APIVersion + "/" + tm.Kind {
			case "apps/v1/Deployment":
				d := &appsv1.Deployment{}
				o.deployments, obj = append(o.deployments, d), d
			case "apps/v1/StatefulSet":
				s := &appsv1.StatefulSet{}
				o.statefulSets, obj = append(o.statefulSets, s), s
			case "v1/Service":
				s := &corev1.Service{}
				o.services, obj = append(o.services, s), s
			case "v1/Secret":
				s := &corev1.Secret{}
				o.secrets, obj = append(o.secrets, s), s
			case "policy/v1/PodDisruptionBudget":
				p := &policyv1.PodDisruptionBudget{}
				o.pdbs, obj = append(o.pdbs, p), p
			default:
				t.Fatalf("%s document %d: unexpected kind %s/%s", f, i+1, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s document %d (%s): %v", f, i+1, tm.Kind, err)
			}
		}
	}
	return o
}

// pod is one workload's pod template, by name.
type pod struct {
	name string
	tmpl corev1.PodTemplateSpec
}

func (o *objects) pods() []pod {
	var out []pod
	for _, d := range o.deployments {
		out = append(out, pod{d.Name, d.Spec.Template})
	}
	for _, s := range o.statefulSets {
		out = append(out, pod{s.Name, s.Spec.Template})
	}
	return out
}

// expand replaces $(VAR) with the container's env values (field
// references get a sample value), as the kubelet does.
func expand(t *testing.T, c corev1.Container, arg string) string {
	return regexp.MustCompile(`\$\(([A-Z_]+)\)`).ReplaceAllStringFunc(arg, func(m string) string {
		name := m[2 : len(m)-1]
		for _, e := range c.Env {
			if e.Name != name {
				continue
			}
			if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
				switch e.ValueFrom.FieldRef.FieldPath {
				case "status.podIP":
					return "10.1.2.3"
				case "metadata.name":
					return "sluice-executor-0"
				}
				t.Errorf("%s: env %s from unexpected field %s", c.Name, name, e.ValueFrom.FieldRef.FieldPath)
			}
			return e.Value
		}
		t.Errorf("%s: %s names no env variable of the container", c.Name, m)
		return m
	})
}

// parsed is a container's command line as the command's flag set reads it.
type parsed struct {
	command string // serve | executor
	flags   map[string]string
}

func parseCommand(t *testing.T, c corev1.Container) parsed {
	t.Helper()
	cmd := append(append([]string{}, c.Command...), c.Args...)
	if len(cmd) < 2 {
		t.Fatalf("%s: command %q", c.Name, cmd)
	}
	var p parsed
	args := cmd[1:]
	switch cmd[0] {
	case "driver":
		p.command, args = args[0], args[1:]
	case "executor":
		p.command = "executor"
	default:
		t.Fatalf("%s: the image has driver and executor, not %q", c.Name, cmd[0])
	}
	fs, err := cli.FlagSet(p.command)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	for i := range args {
		args[i] = expand(t, c, args[i])
	}
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%s: %q does not parse: %v", c.Name, cmd, err)
	}
	if fs.NArg() > 0 {
		t.Fatalf("%s: unexpected arguments %q", c.Name, fs.Args())
	}
	p.flags = map[string]string{}
	fs.Visit(func(f *flag.Flag) { p.flags[f.Name] = f.Value.String() })
	return p
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return p
}

// TestManifests checks that the manifests decode strictly, that every
// command line parses with the real flags, and that the pieces fit: the
// secret file is a mounted Secret, probes hit /healthz on the port the
// command serves it on, Services and PodDisruptionBudgets select pods that
// exist, executors join the driver's Service on its gossip port, and GPU
// executors ask for a GPU on GPU nodes.
func TestManifests(t *testing.T) {
	o := load(t)
	if len(o.deployments) != 1 || len(o.statefulSets) != 2 || len(o.pdbs) < 2 {
		t.Fatalf("want the driver Deployment, CPU and GPU executor StatefulSets and their PodDisruptionBudgets; got %d, %d, %d",
			len(o.deployments), len(o.statefulSets), len(o.pdbs))
	}
	secrets := map[string]*corev1.Secret{}
	for _, s := range o.secrets {
		secrets[s.Name] = s
	}
	services := map[string]*corev1.Service{}
	for _, s := range o.services {
		services[s.Name] = s
	}
	var driverSvc *corev1.Service
	gpuSets := 0
	for _, pd := range o.pods() {
		spec := pd.tmpl.Spec
		if len(spec.Containers) != 1 {
			t.Fatalf("%s: want one container", pd.name)
		}
		c := spec.Containers[0]
		p := parseCommand(t, c)
		ports := map[string]corev1.ContainerPort{}
		for _, cp := range c.Ports {
			ports[cp.Name] = cp
		}
		// The secret file is a mounted key of the cluster Secret.
		sf := p.flags["secret-file"]
		mounted := false
		for _, vm := range c.VolumeMounts {
			if filepath.Dir(sf) != vm.MountPath {
				continue
			}
			for _, v := range spec.Volumes {
				if v.Name == vm.Name && v.Secret != nil {
					s := secrets[v.Secret.SecretName]
					if s == nil {
						t.Errorf("%s: volume %s names Secret %s, which no manifest defines", pd.name, v.Name, v.Secret.SecretName)
					} else if len(strings.TrimSpace(s.StringData[filepath.Base(sf)])) < 16 {
						t.Errorf("%s: Secret %s has no key %s of at least 16 bytes", pd.name, s.Name, filepath.Base(sf))
					} else {
						mounted = true
					}
				}
			}
		}
		if !mounted {
			t.Errorf("%s: --secret-file %q is not a mounted Secret key", pd.name, sf)
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef == nil || secrets[ef.SecretRef.Name] == nil {
				t.Errorf("%s: envFrom names a Secret no manifest defines: %+v", pd.name, ef)
			}
		}
		// Probes reach /healthz on the port the command serves it on.
		var healthz string
		switch p.command {
		case "serve":
			healthz = port(t, p.flags["ui"])
			if got, want := ports["grpc"].ContainerPort, port(t, p.flags["listen"]); fmt.Sprint(got) != want {
				t.Errorf("%s: grpc port %d, --listen %s", pd.name, got, want)
			}
			for _, s := range o.services {
				if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pd.tmpl.Labels)) {
					driverSvc = s
				}
			}
		case "executor":
			healthz = port(t, p.flags["metrics"])
			if _, ok := p.flags["id"]; !ok {
				t.Errorf("%s: executors need a stable --id", pd.name)
			}
		default:
			t.Fatalf("%s: runs %q, want serve or executor", pd.name, p.command)
		}
		if fmt.Sprint(ports["gossip-tcp"].ContainerPort) != port(t, p.flags["gossip"]) || ports["gossip-udp"].Protocol != corev1.ProtocolUDP {
			t.Errorf("%s: gossip ports %+v do not match --gossip %s (TCP and UDP)", pd.name, ports, p.flags["gossip"])
		}
		for what, pr := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
			if pr == nil || pr.HTTPGet == nil || pr.HTTPGet.Path != "/healthz" {
				t.Errorf("%s: %s probe is not GET /healthz", pd.name, what)
				continue
			}
			if fmt.Sprint(ports[pr.HTTPGet.Port.String()].ContainerPort) != healthz {
				t.Errorf("%s: %s probe on port %s, but /healthz is served on %s", pd.name, what, pr.HTTPGet.Port.String(), healthz)
			}
		}
		gpus := c.Resources.Limits["nvidia.com/gpu"]
		if p.command == "executor" && p.flags["engine"] == "gpu" {
			gpuSets++
			if gpus.Value() < 1 || len(spec.NodeSelector) == 0 {
				t.Errorf("%s: a GPU executor needs an nvidia.com/gpu limit and a node selector", pd.name)
			}
		} else if !gpus.IsZero() {
			t.Errorf("%s: asks for a GPU but runs --engine %q", pd.name, p.flags["engine"])
		}
	}
	if gpuSets != 1 {
		t.Errorf("%d GPU executor StatefulSets, want 1", gpuSets)
	}
	if driverSvc == nil {
		t.Fatal("no Service selects the driver")
	}
	for _, s := range o.statefulSets {
		c := s.Spec.Template.Spec.Containers[0]
		p := parseCommand(t, c)
		host, jport, _ := net.SplitHostPort(p.flags["join"])
		found := false
		for _, sp := range driverSvc.Spec.Ports {
			if host == driverSvc.Name && fmt.Sprint(sp.Port) == jport && sp.Protocol != corev1.ProtocolUDP {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: --join %s is not the driver Service's gossip port", s.Name, p.flags["join"])
		}
		hs := services[s.Spec.ServiceName]
		if hs == nil || hs.Spec.ClusterIP != corev1.ClusterIPNone || !labels.SelectorFromSet(hs.Spec.Selector).Matches(labels.Set(s.Spec.Template.Labels)) {
			t.Errorf("%s: serviceName %s is not a headless Service selecting its pods", s.Name, s.Spec.ServiceName)
		}
		covered := false
		for _, pdb := range o.pdbs {
			sel, err := v1.LabelSelectorAsSelector(pdb.Spec.Selector)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Matches(labels.Set(s.Spec.Template.Labels)) {
				covered = true
			}
		}
		if !covered {
			t.Errorf("%s: no PodDisruptionBudget covers its pods", s.Name)
		}
		if !labels.SelectorFromSet(s.Spec.Selector.MatchLabels).Matches(labels.Set(s.Spec.Template.Labels)) {
			t.Errorf("%s: its selector does not match its pods", s.Name)
		}
	}
}

// TestDockerfileBuildsBothBinaries checks that the image builds and ships
// the two commands the manifests run.
func TestDockerfileBuildsBothBinaries(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{"./cmd/driver", "./cmd/executor", "FROM debian:bookworm-slim", "/usr/local/bin/"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Count(df, "\nFROM ") < 1 || !strings.HasPrefix(strings.TrimSpace(df[strings.Index(df, "FROM"):]), "FROM golang:") {
		t.Errorf("Dockerfile is not a multi-stage build from a Go image to Debian slim")
	}
}
