package ring

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Roles of ring members.
const (
	RoleDriver   = "driver"
	RoleExecutor = "executor"
)

// Meta is what a node tells the ring about itself (memberlist node meta,
// JSON, at most 512 bytes).
type Meta struct {
	Role    string `json:"role"`
	Addr    string `json:"addr"`              // gRPC address, host:port
	Engines string `json:"engines,omitempty"` // e.g. "cpu" or "gpu,cpu"
	Devices string `json:"devices,omitempty"` // device summary
	Slots   int    `json:"slots,omitempty"`
	Memory  int64  `json:"memory,omitempty"` // bytes
	// Leaving is set by a node that is about to leave gracefully (memberlist
	// reports leaves and failures alike, so the node says so first).
	Leaving bool `json:"leaving,omitempty"`
}

// EventKind says what happened to a member.
type EventKind string

// Membership events.
const (
	EventJoin   EventKind = "join"
	EventUpdate EventKind = "update"
	EventLeave  EventKind = "leave"  // graceful: the node called Leave
	EventFailed EventKind = "failed" // the ring declared the node dead
)

// Event is a membership change seen by this node.
type Event struct {
	Kind EventKind
	ID   string
	Meta Meta
	At   time.Time
}

// Member is a live ring member.
type Member struct {
	ID   string
	Meta Meta
}

// MemberConfig configures a node's membership.
type MemberConfig struct {
	ID     string
	Bind   string   // gossip host:port (port 0: any free port)
	Join   []string // seeds, host:port; none for the first node
	Meta   Meta
	Secret []byte // encrypts gossip when set
	Log    io.Writer
	// OnEvent, when set, receives every event (called without locks held,
	// in order).
	OnEvent func(Event)
}

// Membership is this node's view of the gossip ring.
type Membership struct {
	ml   *memberlist.Memberlist
	meta []byte
	mu   sync.Mutex
	live map[string]Meta
	// leaving holds the members that told this node directly that they are
	// leaving: their departure is a leave even if the gossip of it is lost.
	leaving map[string]bool
	evs     chan Event
	done    chan struct{}
	log     *log.Logger
	acks    sync.Map // member ID -> time.Time of its last probe ack (heartbeat)

	gossipInterval time.Duration
}

// Join starts gossip and joins the seeds (when given). With a secret, a
// node whose secret differs cannot join: Join fails with an error saying so.
func Join(cfg MemberConfig) (*Membership, error) {
	host, portS, err := net.SplitHostPort(cfg.Bind)
	if err != nil {
		return nil, fmt.Errorf("gossip address %q: %w", cfg.Bind, err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return nil, fmt.Errorf("gossip address %q: bad port", cfg.Bind)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	meta, err := json.Marshal(cfg.Meta)
	if err != nil {
		return nil, err
	}
	if len(meta) > memberlist.MetaMaxSize {
		return nil, fmt.Errorf("node metadata is %d bytes (at most %d)", len(meta), memberlist.MetaMaxSize)
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	m := &Membership{meta: meta, live: map[string]Meta{}, leaving: map[string]bool{}, evs: make(chan Event, 1024), done: make(chan struct{}),
		log: log.New(logw, "", log.LstdFlags)}
	mc := memberlist.DefaultLANConfig()
	if host == "127.0.0.1" || host == "localhost" || host == "::1" {
		mc = memberlist.DefaultLocalConfig()
	}
	mc.Name, mc.BindAddr, mc.BindPort, mc.AdvertisePort = cfg.ID, host, port, port
	m.gossipInterval = mc.GossipInterval
	mc.Delegate, mc.Events, mc.Ping = m, m, m
	mc.Logger = log.New(quietDebug{logw}, "gossip: ", log.LstdFlags)
	if len(cfg.Secret) > 0 {
		mc.SecretKey = gossipKey(cfg.Secret)
	}
	go m.deliver(cfg.OnEvent)
	ml, err := memberlist.Create(mc)
	if err != nil {
		close(m.evs)
		return nil, fmt.Errorf("gossip on %s: %w", cfg.Bind, err)
	}
	m.ml = ml
	if h, p, err := net.SplitHostPort(cfg.Meta.Addr); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
		cfg.Meta.Addr = net.JoinHostPort(ml.LocalNode().Addr.String(), p)
		if b, err := json.Marshal(cfg.Meta); err == nil {
			m.mu.Lock()
			m.meta = b
			m.mu.Unlock()
			ml.UpdateNode(time.Second)
		}
	}
	if len(cfg.Join) > 0 {
		if _, err := ml.Join(cfg.Join); err != nil {
			ml.Shutdown()
			close(m.evs)
			hint := ""
			if strings.Contains(err.Error(), "decrypt") || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "encrypt") {
				hint = " (is --secret-file the cluster's secret?)"
			}
			return nil, fmt.Errorf("joining %s refused: %v%s", strings.Join(cfg.Join, ","), err, hint)
		}
	}
	return m, nil
}

// deliver calls fn with events in order, outside memberlist's locks.
func (m *Membership) deliver(fn func(Event)) {
	defer close(m.done)
	for e := range m.evs {
		if fn != nil {
			fn(e)
		}
	}
}

// Addr is this node's gossip address as the ring sees it.
func (m *Membership) Addr() string {
	n := m.ml.LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// Members lists live members, sorted by ID.
func (m *Membership) Members() []Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Member, 0, len(m.live))
	for id, meta := range m.live {
		out = append(out, Member{ID: id, Meta: meta})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup returns a live member's metadata.
func (m *Membership) Lookup(id string) (Meta, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	meta, ok := m.live[id]
	return meta, ok
}

// HasRole reports whether a live member other than this node has the role.
func (m *Membership) HasRole(role string) bool {
	self := m.ml.LocalNode().Name
	for _, mb := range m.Members() {
		if mb.ID != self && mb.Meta.Role == role {
			return true
		}
	}
	return false
}

// Rejoin contacts the seeds again (a restarted driver knows no one).
func (m *Membership) Rejoin(seeds []string) error {
	_, err := m.ml.Join(seeds)
	return err
}

// Leave tells the ring this node is going (others see EventLeave), then
// stops gossip. Call it once, before the process exits.
func (m *Membership) Leave(timeout time.Duration) error {
	m.mu.Lock()
	var meta Meta
	if json.Unmarshal(m.meta, &meta) == nil {
		meta.Leaving = true
		if b, err := json.Marshal(meta); err == nil {
			m.meta = b
		}
	}
	m.mu.Unlock()
	if err := m.ml.UpdateNode(timeout); err != nil {
		m.log.Printf("announcing the leave: %v", err)
	}
	// Tell the drivers directly (a reliable TCP message): gossip may pick
	// peers that are themselves gone and lose both the announcement and the
	// leave, which the drivers would then see as a failure.
	for _, n := range m.ml.Members() {
		var nm Meta
		if n.Name == m.ml.LocalNode().Name || json.Unmarshal(n.Meta, &nm) != nil || nm.Role != RoleDriver {
			continue
		}
		if err := m.ml.SendReliable(n, []byte(leavingMsg+m.ml.LocalNode().Name)); err != nil {
			m.log.Printf("telling %s about the leave: %v", n.Name, err)
		}
	}
	// Give gossip a few rounds to spread the announcement and then the leave
	// itself to the other members.
	settle := 3 * m.gossipInterval
	time.Sleep(settle)
	err := m.ml.Leave(timeout)
	time.Sleep(settle)
	if e := m.ml.Shutdown(); err == nil {
		err = e
	}
	m.mu.Lock()
	if m.evs != nil {
		close(m.evs)
		m.evs = nil
	}
	m.mu.Unlock()
	<-m.done
	return err
}

// emit records a change and queues its event.
func (m *Membership) emit(kind EventKind, n *memberlist.Node) {
	var meta Meta
	if err := json.Unmarshal(n.Meta, &meta); err != nil {
		m.log.Printf("member %s: unreadable metadata: %v", n.Name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if kind == EventJoin || kind == EventUpdate {
		m.live[n.Name] = meta
	} else {
		delete(m.live, n.Name)
	}
	if m.evs != nil {
		select {
		case m.evs <- Event{Kind: kind, ID: n.Name, Meta: meta, At: time.Now()}:
		default:
			m.log.Printf("membership event queue full; dropped %s %s", kind, n.Name)
		}
	}
}

// NotifyJoin implements memberlist.EventDelegate.
func (m *Membership) NotifyJoin(n *memberlist.Node) { m.emit(EventJoin, n) }

// NotifyLeave implements memberlist.EventDelegate: a graceful leave (the
// node announced it in its metadata) or a failure.
func (m *Membership) NotifyLeave(n *memberlist.Node) {
	var meta Meta
	m.mu.Lock()
	told := m.leaving[n.Name]
	delete(m.leaving, n.Name)
	m.mu.Unlock()
	if told || n.State == memberlist.StateLeft || (json.Unmarshal(n.Meta, &meta) == nil && meta.Leaving) {
		m.emit(EventLeave, n)
		return
	}
	m.emit(EventFailed, n)
}

// NotifyUpdate implements memberlist.EventDelegate.
func (m *Membership) NotifyUpdate(n *memberlist.Node) { m.emit(EventUpdate, n) }

// NodeMeta implements memberlist.Delegate.
func (m *Membership) NodeMeta(limit int) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.meta
}

// leavingMsg prefixes the message a leaving member sends to the drivers.
const leavingMsg = "sluice-leaving:"

// NotifyMsg implements memberlist.Delegate: a member's direct "leaving"
// notice.
func (m *Membership) NotifyMsg(b []byte) {
	if id, ok := strings.CutPrefix(string(b), leavingMsg); ok {
		m.mu.Lock()
		m.leaving[id] = true
		m.mu.Unlock()
	}
}

// GetBroadcasts implements memberlist.Delegate (no user broadcasts).
func (m *Membership) GetBroadcasts(overhead, limit int) [][]byte { return nil }

// LocalState implements memberlist.Delegate (no user state).
func (m *Membership) LocalState(join bool) []byte { return nil }

// MergeRemoteState implements memberlist.Delegate (no user state).
func (m *Membership) MergeRemoteState(buf []byte, join bool) {}

// quietDebug drops memberlist's [DEBUG] lines.
type quietDebug struct{ w io.Writer }

func (q quietDebug) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "[DEBUG]") {
		return len(p), nil
	}
	return q.w.Write(p)
}

// LeaveTimeout bounds how long a stopping process waits for its leave
// message to go out: gossip sends it within a probe interval when a peer
// is alive, and when none is there is no one to tell, so waiting longer
// only delays the exit.
const LeaveTimeout = 500 * time.Millisecond

// gossipKey is the memberlist encryption key (AES-256) derived from the
// secret.
func gossipKey(secret []byte) []byte {
	k := sha256.Sum256(append([]byte("sluice-gossip-v1\x00"), secret...))
	return k[:]
}
