package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// TestPurgePersonalData: what holds names and is older than the cut-off
// goes (uploads, reports, finished jobs' checkpoints and files, inline
// files in payloads); a dry run only counts; the jobs themselves, their
// results, and anything running or recent stay.
func TestPurgePersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.PutUpload(ctx, []byte("Nom;Courriel\nDUPONT;jean.dupont@ac-a.fr\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveEnrolReport(ctx, store.EnrolReport{Domain: "ac-a", CourseID: 2, FileSHA256: strings.Repeat("a", 64), Counts: []byte(`{}`)},
			[]store.EnrolReportRow{{Line: 2, Status: "enrolled", Data: []byte(`{"email":"jean.dupont@ac-a.fr"}`)}}); err != nil {
			t.Fatal(err)
		}
		finished, _, err := s.EnqueueJob(ctx, store.NewJob{Kind: "enrol.apply", Domain: "ac-a",
			Payload: json.RawMessage(`{"file":"Tm9tO0NvdXJyaWVs","options":{"course_ids":[2]}}`)})
		if err != nil {
			t.Fatal(err)
		}
		running, _, _ := s.EnqueueJob(ctx, store.NewJob{Kind: "tracking.certificates", Domain: "ac-a", Payload: json.RawMessage(`{}`)})
		leased, err := s.LeaseJobs(ctx, "test", 10, time.Minute, nil)
		if err != nil || len(leased) != 2 {
			t.Fatalf("lease: %d %v", len(leased), err)
		}
		for _, j := range leased {
			if err := s.SaveStep(ctx, j.Lease(), "plan", json.RawMessage(`{"entries":[{"email":"jean.dupont@ac-a.fr"}]}`)); err != nil {
				t.Fatal(err)
			}
			if err := s.PutJobFile(ctx, j.Lease(), "attestation-1.pdf", "application/pdf", []byte("%PDF DUPONT")); err != nil {
				t.Fatal(err)
			}
			if j.ID == finished.ID {
				if err := s.CompleteJob(ctx, j.Lease(), json.RawMessage(`{"counts":{"total":1}}`)); err != nil {
					t.Fatal(err)
				}
			}
		}
		future := time.Now().Add(time.Hour)
		if c, err := s.PurgePersonalData(ctx, time.Now().Add(-time.Hour), false); err != nil || c != (store.PurgeCounts{}) {
			t.Fatalf("nothing is older than an hour ago: %+v %v", c, err)
		}
		dry, err := s.PurgePersonalData(ctx, future, true)
		want := store.PurgeCounts{Uploads: 1, Reports: 1, Checkpoints: 1, JobFiles: 1, JobPayloads: 1, JobsAffected: 1}
		if err != nil || dry != want {
			t.Fatalf("dry run: %+v %v, want %+v", dry, err, want)
		}
		if steps, _ := s.Steps(ctx, finished.ID); len(steps) != 1 {
			t.Fatal("the dry run deleted checkpoints")
		}
		if got, err := s.PurgePersonalData(ctx, future, false); err != nil || got != want {
			t.Fatalf("purge: %+v %v, want %+v", got, err, want)
		}
		if again, _ := s.PurgePersonalData(ctx, future, true); again != (store.PurgeCounts{}) {
			t.Fatalf("left after the purge: %+v", again)
		}
		j, err := s.GetJob(ctx, finished.ID)
		if err != nil || strings.Contains(string(j.Payload), "file") || !strings.Contains(string(j.Payload), "course_ids") ||
			string(j.Result) != `{"counts":{"total":1}}` {
			t.Fatalf("finished job after the purge: %s / %s %v", j.Payload, j.Result, err)
		}
		if steps, _ := s.Steps(ctx, running.ID); len(steps) != 1 {
			t.Fatal("a running job lost its checkpoint")
		}
		if files, _ := s.JobFiles(ctx, running.ID); len(files) != 1 {
			t.Fatal("a running job lost its file")
		}
	})
}
