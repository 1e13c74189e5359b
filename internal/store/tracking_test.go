package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestTrackingSnapshotAttendanceCertificates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		snap := store.TrackingSnapshot{Domain: "ac-a", CourseID: 7, Source: "db", Monitored: 4, Enrolled: 2, Connected: 1,
			Buckets: [store.BucketCount]int{1, 0, 0, 0, 0, 1}}
		rows := []store.ProgressRow{{UserID: 3, Done: 4, Monitored: 4, Completed: true, LastAccess: 99}, {UserID: 2, Monitored: 4}}
		if err := s.PutTrackingSnapshot(ctx, snap, rows); err != nil {
			t.Fatal(err)
		}
		snap.Enrolled = 1 // a second sync replaces, never duplicates
		if err := s.PutTrackingSnapshot(ctx, snap, rows[:1]); err != nil {
			t.Fatal(err)
		}
		got, err := s.TrackingSnapshots(ctx, "ac-a", 0)
		if err != nil || len(got) != 1 || got[0].Enrolled != 1 || got[0].Buckets[5] != 1 {
			t.Fatalf("snapshots = %+v, %v", got, err)
		}
		pr, err := s.ProgressRows(ctx, "ac-a", 7)
		if err != nil || len(pr) != 1 || pr[0] != rows[0] {
			t.Fatalf("rows = %+v, %v", pr, err)
		}

		old, changed, err := s.SetAttendance(ctx, "ac-a", 7, 3, true, "moodle:5")
		if err != nil || old || !changed {
			t.Fatalf("mark: %v %v %v", old, changed, err)
		}
		if _, changed, _ := s.SetAttendance(ctx, "ac-a", 7, 3, true, "moodle:5"); changed {
			t.Fatal("marking twice must not change anything")
		}
		if old, changed, err := s.SetAttendance(ctx, "ac-a", 7, 3, false, "moodle:6"); err != nil || !old || !changed {
			t.Fatalf("unmark: %v %v %v", old, changed, err)
		}
		present, _ := s.Attendance(ctx, "ac-a", 7)
		if present[3] {
			t.Fatal("unmarked participant still present")
		}
		trail, err := s.AttendanceChanges(ctx, "ac-a", 7)
		if err != nil || len(trail) != 2 || trail[0].Old || !trail[0].New || trail[1].Actor != "moodle:6" || trail[1].New {
			t.Fatalf("trail = %+v, %v", trail, err)
		}

		sum := strings.Repeat("ab", 32)
		if _, err := s.RecordCertificate(ctx, store.Certificate{Domain: "ac-a", CourseID: 7, UserID: 3, Kind: "individual",
			FileName: "a.pdf", SHA256: sum, IssuedBy: "moodle:5"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordCertificate(ctx, store.Certificate{Domain: "ac-a", CourseID: 7, Kind: "individual"}); err == nil {
			t.Fatal("a certificate without its SHA-256 was recorded")
		}
		certs, err := s.Certificates(ctx, "ac-a", 7)
		if err != nil || len(certs) != 1 || certs[0].SHA256 != sum {
			t.Fatalf("certificates = %+v, %v", certs, err)
		}
	})
}

// TestTrackingSnapshotRowsRewrittenOnlyWhenChanged: a sync that finds the
// same rows keeps them (only the snapshot line is rewritten), and any
// change of any field, a row more or a row less is stored: the fast path
// must never keep stale progress.
func TestTrackingSnapshotRowsRewrittenOnlyWhenChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		snap := store.TrackingSnapshot{Domain: "ac-a", CourseID: 9, Source: "db", Monitored: 4, Enrolled: 2}
		base := []store.ProgressRow{{UserID: 3, Done: 4, Monitored: 4, Completed: true, LastAccess: 99}, {UserID: 2, Monitored: 4}}
		put := func(snap store.TrackingSnapshot, rows []store.ProgressRow) {
			t.Helper()
			if err := s.PutTrackingSnapshot(ctx, snap, rows); err != nil {
				t.Fatal(err)
			}
			got, err := s.ProgressRows(ctx, "ac-a", 9)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int64]store.ProgressRow{}
			for _, r := range rows {
				want[r.UserID] = r
			}
			if len(got) != len(want) {
				t.Fatalf("%d rows stored, want %d: %+v", len(got), len(want), got)
			}
			for _, r := range got {
				if want[r.UserID] != r {
					t.Fatalf("row of user %d = %+v, want %+v", r.UserID, r, want[r.UserID])
				}
			}
		}
		put(snap, base)
		// The same rows in another order, with another snapshot line.
		snap.Connected = 1
		put(snap, []store.ProgressRow{base[1], base[0]})
		if got, _ := s.TrackingSnapshots(ctx, "ac-a", 9); len(got) != 1 || got[0].Connected != 1 {
			t.Fatalf("snapshot line not rewritten: %+v", got)
		}
		for _, change := range []func(r *store.ProgressRow){
			func(r *store.ProgressRow) { r.Done = 3 },
			func(r *store.ProgressRow) { r.Monitored = 5 },
			func(r *store.ProgressRow) { r.Completed = false },
			func(r *store.ProgressRow) { r.LastAccess = 100 },
		} {
			rows := append([]store.ProgressRow(nil), base...)
			change(&rows[0])
			put(snap, rows)
			put(snap, base)
		}
		put(snap, base[:1])                                                                        // one participant fewer
		put(snap, append(append([]store.ProgressRow(nil), base...), store.ProgressRow{UserID: 7})) // one more
		put(snap, nil)                                                                             // nobody left
	})
}
