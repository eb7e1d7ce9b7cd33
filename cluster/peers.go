package cluster

import (
	"fmt"
	"sync"

	"google.golang.org/grpc"

	"github.com/sluice-ml/sluice/cluster/auth"
	"github.com/sluice-ml/sluice/cluster/ring"
	pb "github.com/sluice-ml/sluice/proto"
)

// Peers resolves executor IDs to gRPC clients through the membership, with
// one connection per address.
type Peers struct {
	m    *ring.Membership
	opts []grpc.DialOption
	mu   sync.Mutex
	conn map[string]*grpc.ClientConn
	book map[string]string // executor ID -> gRPC address, from the driver
}

// NewPeers makes the table for a node of ring m (nil: no ring, only Dial
// works) that dials with sec.
func NewPeers(m *ring.Membership, sec auth.Security) (*Peers, error) {
	opts, err := sec.DialOptions()
	if err != nil {
		return nil, err
	}
	return &Peers{m: m, opts: opts, conn: map[string]*grpc.ClientConn{}, book: map[string]string{}}, nil
}

// Executor returns a client for a live executor.
func (p *Peers) Executor(id string) (pb.ExecutorClient, error) {
	if p.m == nil {
		return nil, fmt.Errorf("executor %s is not in the cluster", id)
	}
	meta, ok := p.m.Lookup(id)
	if !ok || meta.Role != ring.RoleExecutor {
		return nil, fmt.Errorf("executor %s is not in the cluster", id)
	}
	c, err := p.Dial(meta.Addr)
	if err != nil {
		return nil, err
	}
	return pb.NewExecutorClient(c), nil
}

// Learn records the driver's executor addresses.
func (p *Peers) Learn(book map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, a := range book {
		p.book[id] = a
	}
}

// AddressBook lists the live executors' addresses.
func (p *Peers) AddressBook() map[string]string {
	out := map[string]string{}
	for _, mb := range p.m.Members() {
		if mb.Meta.Role == ring.RoleExecutor {
			out[mb.ID] = mb.Meta.Addr
		}
	}
	return out
}

// fetchClient returns a client for the executor holding an output: from
// this node's ring view, else from the driver's address book (a dead
// executor then fails at the connection).
func (p *Peers) fetchClient(id string) (pb.ExecutorClient, error) {
	if cl, err := p.Executor(id); err == nil {
		return cl, nil
	}
	p.mu.Lock()
	addr, ok := p.book[id]
	p.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("executor %s is not in the cluster", id)
	}
	c, err := p.Dial(addr)
	if err != nil {
		return nil, err
	}
	return pb.NewExecutorClient(c), nil
}

// Dial returns the shared connection to addr.
func (p *Peers) Dial(addr string) (*grpc.ClientConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conn[addr]; ok {
		return c, nil
	}
	c, err := grpc.NewClient(addr, p.opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	p.conn[addr] = c
	return c, nil
}

// Drop closes the connection to addr (its node left or failed).
func (p *Peers) Drop(addr string) {
	p.mu.Lock()
	c, ok := p.conn[addr]
	delete(p.conn, addr)
	p.mu.Unlock()
	if ok {
		c.Close()
	}
}

// Forget closes the connections to a failed member (its ring address and
// the one the driver's address book gave).
func (p *Peers) Forget(id, addr string) {
	p.mu.Lock()
	book := p.book[id]
	p.mu.Unlock()
	for _, a := range []string{addr, book} {
		if a != "" {
			p.Drop(a)
		}
	}
}

// Close closes every connection.
func (p *Peers) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, c := range p.conn {
		c.Close()
		delete(p.conn, a)
	}
}
