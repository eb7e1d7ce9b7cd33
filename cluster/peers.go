package cluster

import (
	"fmt"
	"sync"

	"google.golang.org/grpc"

	pb "github.com/sluice-ml/sluice/proto"
)

// peers resolves executor IDs to gRPC clients through the membership, with
// one connection per address.
type peers struct {
	m    *Membership
	opts []grpc.DialOption
	mu   sync.Mutex
	conn map[string]*grpc.ClientConn
	book map[string]string // executor ID -> gRPC address, from the driver
}

func newPeers(m *Membership, sec Security) (*peers, error) {
	opts, err := sec.DialOptions()
	if err != nil {
		return nil, err
	}
	return &peers{m: m, opts: opts, conn: map[string]*grpc.ClientConn{}, book: map[string]string{}}, nil
}

// executor returns a client for a live executor.
func (p *peers) executor(id string) (pb.ExecutorClient, error) {
	if p.m == nil {
		return nil, fmt.Errorf("executor %s is not in the cluster", id)
	}
	meta, ok := p.m.Lookup(id)
	if !ok || meta.Role != RoleExecutor {
		return nil, fmt.Errorf("executor %s is not in the cluster", id)
	}
	c, err := p.dial(meta.Addr)
	if err != nil {
		return nil, err
	}
	return pb.NewExecutorClient(c), nil
}

// learn records the driver's executor addresses.
func (p *peers) learn(book map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, a := range book {
		p.book[id] = a
	}
}

// addressBook lists the live executors' addresses.
func (p *peers) addressBook() map[string]string {
	out := map[string]string{}
	for _, mb := range p.m.Members() {
		if mb.Meta.Role == RoleExecutor {
			out[mb.ID] = mb.Meta.Addr
		}
	}
	return out
}

// fetchClient returns a client for the executor holding an output: from
// this node's ring view, else from the driver's address book (a dead
// executor then fails at the connection).
func (p *peers) fetchClient(id string) (pb.ExecutorClient, error) {
	if cl, err := p.executor(id); err == nil {
		return cl, nil
	}
	p.mu.Lock()
	addr, ok := p.book[id]
	p.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("executor %s is not in the cluster", id)
	}
	c, err := p.dial(addr)
	if err != nil {
		return nil, err
	}
	return pb.NewExecutorClient(c), nil
}

// dial returns the shared connection to addr.
func (p *peers) dial(addr string) (*grpc.ClientConn, error) {
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

// drop closes the connection to addr (its node left or failed).
func (p *peers) drop(addr string) {
	p.mu.Lock()
	c, ok := p.conn[addr]
	delete(p.conn, addr)
	p.mu.Unlock()
	if ok {
		c.Close()
	}
}

// forget closes the connections to a failed member (its ring address and
// the one the driver's address book gave).
func (p *peers) forget(id, addr string) {
	p.mu.Lock()
	book := p.book[id]
	p.mu.Unlock()
	for _, a := range []string{addr, book} {
		if a != "" {
			p.drop(a)
		}
	}
}

// close closes every connection.
func (p *peers) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, c := range p.conn {
		c.Close()
		delete(p.conn, a)
	}
}
