// Package postgres is the index.Store that several rtmprecd nodes share:
// one PostgreSQL database through github.com/jackc/pgx/v5 and its pool,
// with index/sqlite's migrations in PostgreSQL's dialect, run under an
// advisory lock at Open. Every row carries the node that wrote it; the
// writer's changes and Live act on this node's rows, the queries (list,
// catalog, events, get) on every node's.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtmprecd/rtmprecd/index"
)

// ConnectTimeout bounds a connection attempt, so that the API answers
// 503 soon when the server is unreachable rather than hanging.
const ConnectTimeout = 3 * time.Second

// Options names the node opening the store.
type Options struct {
	Node string // required: the node_name
	URL  string // node_url: where the other nodes forward this node's files; "" for none
}

// Store is an index.Store in a PostgreSQL database.
type Store struct {
	pool  *pgxpool.Pool
	node  string
	dsn   string // for messages, without the password
	opts  Options
	ready atomic.Bool // Setup succeeded: the pool serves every query
}

var _ index.NodeStore = (*Store)(nil)

// IsURL reports whether a record_index value names a PostgreSQL database.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url, migrates it to SchemaVersion
// and registers the node.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	s, err := Dial(url, o)
	if err != nil {
		return nil, err
	}
	if err := s.Setup(ctx, nil); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dial makes the store of the database at url without reaching the
// server: only a bad URL or node fails. Until Setup succeeds every
// query fails with index.ErrUnavailable, so that a daemon started while
// PostgreSQL is down records on, its writer spooling, and its API
// answers 503.
func Dial(url string, o Options) (*Store, error) {
	s, err := newStore(url, o.Node, true)
	if err != nil {
		return nil, err
	}
	s.opts = o
	return s, nil
}

// setupKey marks the context of Setup's own queries, which pass the gate
// that holds everyone else back until the schema is migrated.
type setupKey struct{}

// errNotSetUp is what queries get before Setup succeeded.
var errNotSetUp = errors.New("not reached since start")

// Setup reaches the server, migrates the schema to SchemaVersion under
// the advisory lock, registers the node and runs before (the
// reconciliation, may be nil) before any other query may run. A server
// that cannot be reached fails with index.ErrUnavailable: try again.
func (s *Store) Setup(ctx context.Context, before func(context.Context) error) error {
	ctx = context.WithValue(ctx, setupKey{}, true)
	if err := s.pool.Ping(ctx); err != nil {
		return s.setupErr("", err)
	}
	if err := migrate(ctx, s.pool, SchemaVersion); err != nil {
		return s.setupErr("", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO nodes (name, url, seen_ms) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET url = excluded.url, seen_ms = excluded.seen_ms`,
		s.opts.Node, s.opts.URL, time.Now().UnixMilli()); err != nil {
		return s.setupErr("register node "+s.opts.Node+": ", err)
	}
	if before != nil {
		if err := before(ctx); err != nil {
			return err
		}
	}
	s.ready.Store(true)
	return nil
}

// setupErr is err of Setup in context, ErrUnavailable when the server
// could not be reached.
func (s *Store) setupErr(what string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("record_index %s: %s%w: %w", s.dsn, what, index.ErrUnavailable, err)
	}
	return fmt.Errorf("record_index %s: %s%w", s.dsn, what, err)
}

// connect opens the pool and checks that the server answers.
func connect(ctx context.Context, url, node string) (*Store, error) {
	s, err := newStore(url, node, false)
	if err != nil {
		return nil, err
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("record_index %s: %w", s.dsn, err)
	}
	return s, nil
}

// newStore makes the pool, which connects lazily; gated, it hands out
// connections only to Setup until Setup succeeded.
func newStore(url, node string, gated bool) (*Store, error) {
	if node == "" {
		return nil, errors.New("record_index: a shared index needs a node name")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("record_index: %w", err) // pgx's message hides the password
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > ConnectTimeout {
		cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	}
	s := &Store{node: node, dsn: redact(cfg)}
	s.ready.Store(!gated)
	cfg.PrepareConn = func(ctx context.Context, _ *pgx.Conn) (bool, error) {
		if s.ready.Load() || ctx.Value(setupKey{}) != nil {
			return true, nil
		}
		return true, errNotSetUp // the connection stays pooled for later
	}
	if s.pool, err = pgxpool.NewWithConfig(context.Background(), cfg); err != nil {
		return nil, fmt.Errorf("record_index %s: %w", s.dsn, err)
	}
	return s, nil
}

// redact is the database as logs may show it: no password.
func redact(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Check is -t's check: the server answers and its schema is not newer
// than this build's. It changes nothing.
func Check(ctx context.Context, url string) error {
	s, err := connect(ctx, url, "check")
	if err != nil {
		return err
	}
	defer s.Close()
	var v int
	err = s.pool.QueryRow(ctx, "SELECT coalesce((SELECT version FROM rtmprecd_schema), 0)").Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // no schema table yet: Open creates it
		return nil
	}
	if err != nil {
		return fmt.Errorf("record_index %s: %w", s.dsn, err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("record_index %s: schema version %d is newer than this build's %d", s.dsn, v, SchemaVersion)
	}
	return nil
}

// Node is this node's name.
func (s *Store) Node() string { return s.node }

// NodeURL is the record_api URL node registered.
func (s *Store) NodeURL(ctx context.Context, node string) (string, error) {
	var u string
	err := s.pool.QueryRow(ctx, "SELECT url FROM nodes WHERE name = $1", node).Scan(&u)
	if err != nil && !errors.Is(err, errNoRows) {
		return "", s.wrap("node "+node, err)
	}
	return u, nil
}

// String names the database (no password).
func (s *Store) String() string { return s.dsn }

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// wrap adds context to err, and index.ErrUnavailable when it says the
// server could not be reached or went away (connection refused or
// reset, shutdown, connection class errors), rather than a statement
// failing.
func (s *Store) wrap(what string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("index %s: %s: %w: %w", s.dsn, what, index.ErrUnavailable, err)
	}
	return fmt.Errorf("index: %s: %w", what, err)
}

func unreachable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01-57P03: shutdown, crash, cannot connect now
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
	}
	if errors.Is(err, errNotSetUp) {
		return true
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) && !errors.Is(err, context.Canceled) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "connection refused")
}
