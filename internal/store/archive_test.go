package store_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestArchiveRecordLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if _, err := s.ActiveArchiveRecord(ctx, "ac-a", 5); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no record: err = %v, want ErrNotFound", err)
		}
		in := store.ArchiveRecord{Domain: "ac-a", CourseID: 5, JobID: 9, Access: "readonly", CategoryID: 30,
			PrevState: "session_en_cours", PrevVariant: "self_local", PrevCategoryID: 12, PrevVisible: true, Froze: true,
			OfferSnapshot: json.RawMessage(`{"kind":"formation","course_id":5}`), BackupPath: "/d/a.mbz", BackupSHA256: "ab",
			BackupSize: 42, Notified: 3, Warnings: []string{"no attendance", "second"}, ArchivedBy: "alice"}
		got, err := s.SaveArchiveRecord(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// Re-running the same job's step replaces, never duplicates.
		in.Notified = 4
		again, err := s.SaveArchiveRecord(ctx, in)
		if err != nil || again.ID != got.ID || again.Notified != 4 {
			t.Fatalf("re-save = %+v, %v; want same id %d with notified 4", again, err, got.ID)
		}
		active, err := s.ActiveArchiveRecord(ctx, "ac-a", 5)
		if err != nil {
			t.Fatal(err)
		}
		if !active.Active() || active.PrevCategoryID != 12 || !active.PrevVisible || !active.Froze || active.PrevVariant != "self_local" ||
			len(active.Warnings) != 2 || active.BackupSize != 42 || string(active.OfferSnapshot) != `{"kind":"formation","course_id":5}` {
			t.Fatalf("active = %+v", active)
		}
		if err := s.MarkUnarchived(ctx, active.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ActiveArchiveRecord(ctx, "ac-a", 5); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after unarchive: err = %v, want ErrNotFound", err)
		}
		// A second archive, without offer, is a new active record.
		if _, err := s.SaveArchiveRecord(ctx, store.ArchiveRecord{Domain: "ac-a", CourseID: 5, JobID: 11, Access: "none",
			PrevState: "session_preparation", PrevCategoryID: 12, ArchivedBy: "alice"}); err != nil {
			t.Fatal(err)
		}
		all, err := s.ListArchiveRecords(ctx, "ac-a", 5)
		if err != nil || len(all) != 2 || all[0].Active() || all[0].UnarchivedBy != "bob" || !all[1].Active() || all[1].OfferSnapshot != nil {
			t.Fatalf("history = %+v, %v", all, err)
		}
		if _, err := s.SaveArchiveRecord(ctx, store.ArchiveRecord{Domain: "ac-a"}); err == nil {
			t.Fatal("record without course accepted")
		}
	})
}

func TestRecordPurgeForgetsState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if err := s.PutCourseState(ctx, store.CourseState{Domain: "ac-a", CourseID: 8, State: "corbeille"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPurge(ctx, store.CoursePurge{Domain: "ac-a", CourseID: 8}); err == nil {
			t.Fatal("purge without backup accepted")
		}
		trashed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		p := store.CoursePurge{Domain: "ac-a", CourseID: 8, ShortName: "S8", BackupPath: "/d/8.mbz", BackupSHA256: "cafe",
			BackupSize: 10, TrashedAt: trashed, JobID: 3}
		if err := s.RecordPurge(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPurge(ctx, p); err != nil {
			t.Fatalf("second purge record: %v", err)
		}
		if _, err := s.GetCourseState(ctx, "ac-a", 8); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("state after purge: err = %v, want ErrNotFound", err)
		}
		list, err := s.ListPurges(ctx, "ac-a")
		if err != nil || len(list) != 1 || list[0].BackupSHA256 != "cafe" || !list[0].TrashedAt.Equal(trashed) || list[0].DeletedAt.IsZero() {
			t.Fatalf("purges = %+v, %v", list, err)
		}
	})
}

// The archive record and the unarchive mark are written in the
// transaction of the course's state change (archive's state step): a
// change refused or failing inside it leaves neither.
func TestArchiveRecordAndStateChangeAreOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		rec := store.ArchiveRecord{Domain: "ac-a", CourseID: 7, JobID: 3, Access: "hidden", CategoryID: 30,
			PrevState: "session_en_cours", PrevCategoryID: 12, ArchivedBy: "alice"}
		change := func(state, transition string) store.CourseChange {
			return store.CourseChange{State: store.CourseState{Domain: "ac-a", CourseID: 7, State: state},
				Trail: store.CourseTransition{Actor: "alice", Transition: transition, JobID: 3},
				Audit: &store.AuditEntry{Actor: "alice", Domain: "ac-a", Action: "archive." + transition, Target: "course:7", Outcome: state}}
		}
		boom := errors.New("boom")
		err := s.InTx(ctx, "archive", func(tx *store.Tx) error {
			if _, err := tx.SaveArchiveRecord(ctx, rec); err != nil {
				return err
			}
			if err := tx.ChangeCourse(ctx, change("session_archivee", "archive")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if _, err := s.ActiveArchiveRecord(ctx, "ac-a", 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a rolled back archive kept its record: %v", err)
		}
		if _, err := s.GetCourseState(ctx, "ac-a", 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a rolled back archive kept its state: %v", err)
		}
		var saved store.ArchiveRecord
		if err := s.InTx(ctx, "archive", func(tx *store.Tx) error {
			var err error
			if saved, err = tx.SaveArchiveRecord(ctx, rec); err != nil {
				return err
			}
			return tx.ChangeCourse(ctx, change("session_archivee", "archive"))
		}); err != nil {
			t.Fatal(err)
		}
		// Unarchive: the mark rolls back with its state change.
		err = s.InTx(ctx, "unarchive", func(tx *store.Tx) error {
			if err := tx.MarkUnarchived(ctx, saved.ID, "bob"); err != nil {
				return err
			}
			if err := tx.ChangeCourse(ctx, change("session_en_cours", "unarchive")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if r, err := s.ActiveArchiveRecord(ctx, "ac-a", 7); err != nil || r.ID != saved.ID {
			t.Fatalf("a rolled back unarchive closed the record: %+v, %v", r, err)
		}
		if err := s.InTx(ctx, "unarchive", func(tx *store.Tx) error {
			if err := tx.MarkUnarchived(ctx, saved.ID, "bob"); err != nil {
				return err
			}
			return tx.ChangeCourse(ctx, change("session_en_cours", "unarchive"))
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ActiveArchiveRecord(ctx, "ac-a", 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unarchived course still has an active record: %v", err)
		}
		if cs, err := s.GetCourseState(ctx, "ac-a", 7); err != nil || cs.State != "session_en_cours" {
			t.Fatalf("state after unarchive: %+v, %v", cs, err)
		}
	})
}
