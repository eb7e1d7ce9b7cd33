// Package ring is a node's membership in the cluster's gossip ring
// (hashicorp/memberlist, encrypted with a key derived from the cluster
// secret): Join, the live members and their Meta (role, gRPC address,
// engines, slots, memory), join/update/leave/failed events in order, a
// graceful Leave the drivers hear of directly, and heartbeat times.
package ring
