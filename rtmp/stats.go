package rtmp

import "sync/atomic"

// Stats are a server's counters since it started, for the metrics.
type Stats struct {
	// HandshakesIncomplete counts connections that ended before completing
	// the RTMP handshake: TCP health checks and port scanners (closed by
	// the peer), stalled clients (timed out) and garbage (invalid).
	HandshakesIncomplete HandshakeEnds
	// TimestampRebases counts timestamp jumps that rebased a publish's
	// timeline (timeline.go).
	TimestampRebases uint64
	// Shed counts connections closed to protect the server, by cause.
	Shed ShedCounts
}

// HandshakeEnds splits the connections that ended during the handshake
// by how they ended.
type HandshakeEnds struct {
	Closed  uint64 // the peer closed or reset the connection
	Timeout uint64 // not completed within the handshake timeout
	Invalid uint64 // the peer sent something that is not an RTMP handshake
}

// ShedCounts are the connections closed to protect the server.
type ShedCounts struct {
	IdleAtLimit     uint64 // idle connections closed to make room at max_connections
	RefusedAtLimit  uint64 // new connections closed at max_connections: none idle to close
	PartialMessages uint64 // holding the most bytes of unfinished messages when all held too much
	TimestampJumps  uint64 // publishers whose timestamps kept jumping
}

// counters are the atomics behind Stats.
type counters struct {
	hsClosed, hsTimeout, hsInvalid atomic.Uint64
	rebases                        atomic.Uint64
	idleAtLimit, refusedAtLimit    atomic.Uint64
	partialDrops, jumpDrops        atomic.Uint64
}

// Stats returns the server's counters.
func (r *Registry) Stats() Stats {
	c := &r.stats
	return Stats{
		HandshakesIncomplete: HandshakeEnds{Closed: c.hsClosed.Load(), Timeout: c.hsTimeout.Load(), Invalid: c.hsInvalid.Load()},
		TimestampRebases:     c.rebases.Load(),
		Shed: ShedCounts{
			IdleAtLimit: c.idleAtLimit.Load(), RefusedAtLimit: c.refusedAtLimit.Load(),
			PartialMessages: c.partialDrops.Load(), TimestampJumps: c.jumpDrops.Load(),
		},
	}
}
