package ring

import (
	"time"

	"github.com/hashicorp/memberlist"
)

// NotifyPingComplete implements memberlist.PingDelegate: a member answered
// this node's failure-detector probe, its heartbeat.
func (m *Membership) NotifyPingComplete(other *memberlist.Node, _ time.Duration, _ []byte) {
	m.acks.Store(other.Name, time.Now())
}

// AckPayload implements memberlist.PingDelegate (no payload).
func (m *Membership) AckPayload() []byte { return nil }

// LastHeartbeat is when the member last answered a probe of this node
// (zero: never).
func (m *Membership) LastHeartbeat(id string) time.Time {
	if v, ok := m.acks.Load(id); ok {
		return v.(time.Time)
	}
	return time.Time{}
}
