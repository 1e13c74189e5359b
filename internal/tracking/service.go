package tracking

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/store"
)

// KindSync is the job kind refreshing progress snapshots; payload
// SyncPayload (no course: every session of the domain).
const KindSync = "tracking.sync"

// SyncPayload is tracking.sync's payload.
type SyncPayload struct {
	CourseIDs []int64 `json:"course_ids,omitempty"`
}

// Service ties a domain's Moodle (web services and optional database) to
// the store.
type Service struct {
	st    *store.Store
	fleet *domains.Fleet
}

// New builds a Service.
func New(st *store.Store, fleet *domains.Fleet) *Service {
	return &Service{st: st, fleet: fleet}
}

// Close releases nothing: the database pools belong to the domains
// (domains.Domain.Database), which Fleet.Close closes.
func (s *Service) Close() error { return nil }

func (s *Service) domain(name string) (*domains.Domain, error) {
	d, err := s.fleet.Get(name)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("tracking: %w", err))
	}
	return d, nil
}

// Source picks the domain's progress source: its database when db_dsn is
// configured ("db"), web services otherwise ("ws").
func (s *Service) Source(domain string) (Source, string, error) {
	d, err := s.domain(domain)
	if err != nil {
		return nil, "", err
	}
	roles := RolesFor(d.Config)
	db, err := d.Database()
	if err != nil {
		return nil, "", fmt.Errorf("tracking: %w", err)
	}
	if db == nil {
		return WSSource{Client: d.Client, Roles: roles}, "ws", nil
	}
	return DBSource{DB: db, Roles: roles}, "db", nil
}

// Sessions lists the courses a domain-wide sync covers: every course the
// workflow knows as a session (in preparation, running or archived).
func (s *Service) Sessions(ctx context.Context, domain string) ([]int64, error) {
	states, err := s.st.ListCourseStates(ctx, domain, "session_preparation", "session_en_cours", "session_archivee")
	if err != nil {
		return nil, fmt.Errorf("tracking: sessions of %s: %w", domain, err)
	}
	ids := make([]int64, len(states))
	for i, c := range states {
		ids[i] = c.CourseID
	}
	return ids, nil
}

// Sync reads progress for the given courses (every session when none) and
// stores a snapshot of each.
func (s *Service) Sync(ctx context.Context, domain string, courseIDs []int64) ([]store.TrackingSnapshot, error) {
	if len(courseIDs) == 0 {
		ids, err := s.Sessions(ctx, domain)
		if err != nil {
			return nil, err
		}
		courseIDs = ids
	}
	src, name, err := s.Source(domain)
	if err != nil {
		return nil, err
	}
	return SyncWith(ctx, s.st, domain, src, name, courseIDs)
}

// SyncWith syncs courseIDs from src into the store; sourceName is recorded.
func SyncWith(ctx context.Context, st *store.Store, domain string, src Source, sourceName string, courseIDs []int64) ([]store.TrackingSnapshot, error) {
	sessions, err := src.Progress(ctx, courseIDs)
	if err != nil {
		return nil, fmt.Errorf("tracking: sync %s: %w", domain, err)
	}
	var out []store.TrackingSnapshot
	for _, id := range courseIDs {
		sess := sessions[id]
		if sess == nil {
			continue // unknown course: nothing to snapshot
		}
		snap, rows := Summarize(domain, sess)
		snap.Source = sourceName
		if err := st.PutTrackingSnapshot(ctx, snap, rows); err != nil {
			return nil, fmt.Errorf("tracking: sync %s course %d: %w", domain, id, err)
		}
		out = append(out, snap)
	}
	return out, nil
}

// Bucket is the index of a percentage's bucket: 0, 1-25, 26-50, 51-75, 76-99, 100.
func Bucket(percent int) int {
	switch {
	case percent <= 0:
		return 0
	case percent <= 25:
		return 1
	case percent <= 50:
		return 2
	case percent <= 75:
		return 3
	case percent < 100:
		return 4
	}
	return 5
}

// BucketLabels name the buckets, in order.
var BucketLabels = [store.BucketCount]string{"0", "1-25", "26-50", "51-75", "76-99", "100"}

// Summarize turns a session into its aggregate snapshot and its
// pseudonymous rows (user ids, no names).
func Summarize(domain string, sess *Session) (store.TrackingSnapshot, []store.ProgressRow) {
	snap := store.TrackingSnapshot{Domain: domain, CourseID: sess.CourseID, Monitored: sess.Monitored, Enrolled: len(sess.Participants)}
	rows := make([]store.ProgressRow, 0, len(sess.Participants))
	for _, p := range sess.Participants {
		if p.LastAccess > 0 {
			snap.Connected++
		}
		if p.Completed {
			snap.Completed++
		}
		snap.Buckets[Bucket(p.Percent())]++
		rows = append(rows, store.ProgressRow{UserID: p.UserID, Done: p.Done, Monitored: p.Monitored, Completed: p.Completed, LastAccess: p.LastAccess})
	}
	return snap, rows
}
