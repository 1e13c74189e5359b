package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestEnrolReportRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		job, _, err := s.EnqueueJob(ctx, store.NewJob{Kind: "enrol.apply", Domain: "ac-a", Payload: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		const n = 20000
		rows := make([]store.EnrolReportRow, n)
		for i := range rows {
			rows[i] = store.EnrolReportRow{Line: i + 2, Status: "enrolled", Data: json.RawMessage(fmt.Sprintf(`{"line":%d,"email":"u%d@x.fr"}`, i+2, i))}
		}
		hdr := store.EnrolReport{JobID: job.ID, Domain: "ac-a", CourseID: 42, FileSHA256: "ab", Counts: json.RawMessage(`{"total":20000}`)}
		id, err := s.SaveEnrolReport(ctx, hdr, rows)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.EnrolReportByJob(ctx, job.ID)
		if err != nil || got.ID != id || got.CourseID != 42 || string(got.Counts) != `{"total":20000}` {
			t.Fatalf("header %+v %v", got, err)
		}
		all, err := s.EnrolReportRows(ctx, id, 0, 0)
		if err != nil || len(all) != n || all[n-1].Line != n+1 {
			t.Fatalf("rows: %d %v", len(all), err)
		}
		page, err := s.EnrolReportRows(ctx, id, 100, 10)
		if err != nil || len(page) != 10 || page[0].Line != 102 {
			t.Fatalf("page %+v %v", page, err)
		}
		// a retried job replaces its report
		id2, err := s.SaveEnrolReport(ctx, hdr, rows[:3])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetEnrolReport(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old report still there: %v", err)
		}
		if rest, _ := s.EnrolReportRows(ctx, id2, 0, 0); len(rest) != 3 {
			t.Fatalf("replaced report has %d rows", len(rest))
		}
		dry, err := s.SaveEnrolReport(ctx, store.EnrolReport{Domain: "ac-a", CourseID: 42, DryRun: true, Counts: json.RawMessage(`{}`)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.ListEnrolReports(ctx, "ac-a", 42, 10)
		if err != nil || len(list) != 2 || list[0].ID != dry || !list[0].DryRun {
			t.Fatalf("list %+v %v", list, err)
		}
	})
}
