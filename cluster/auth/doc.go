// Package auth is a cluster node's credentials: the shared secret (loaded
// from --secret-file), the one-time HMAC call tokens every gRPC call
// carries and every server checks (no replay, bounded clock skew), and
// optional mutual TLS. Security turns them into the gRPC server and dial
// options every node uses, with the keepalive and flow-control settings
// of cluster connections.
package auth
