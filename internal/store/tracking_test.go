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
