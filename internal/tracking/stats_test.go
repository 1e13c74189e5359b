package tracking

import (
	"context"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestBucketBoundaries(t *testing.T) {
	for pct, want := range map[int]int{0: 0, 1: 1, 25: 1, 26: 2, 50: 2, 51: 3, 75: 3, 76: 4, 99: 4, 100: 5} {
		if got := Bucket(pct); got != want {
			t.Errorf("Bucket(%d) = %d, want %d", pct, got, want)
		}
	}
	if got := (Participant{Done: 2, Monitored: 3}).Percent(); got != 66 {
		t.Errorf("2 of 3 = %d%%", got)
	}
	if got := (Participant{}).Percent(); got != 0 {
		t.Errorf("nothing monitored = %d%%", got)
	}
}

func TestStatisticsAndChart(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	for course, parts := range map[int64][]Participant{
		10: {{UserID: 1, Done: 3, Monitored: 3, LastAccess: 5, Completed: true}, {UserID: 2, Monitored: 3}},
		11: {{UserID: 3, Done: 1, Monitored: 3, LastAccess: 9}},
	} {
		snap, rows := Summarize("ac-a", &Session{CourseID: course, Monitored: 3, Participants: parts})
		snap.Source = "db"
		if err := st.PutTrackingSnapshot(ctx, snap, rows); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.SetAttendance(ctx, "ac-a", 10, 1, true, "moodle:9"); err != nil {
		t.Fatal(err)
	}
	dom, err := Statistics(ctx, st, "ac-a", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Domain: "ac-a", Sessions: 2, Enrolled: 3, Connected: 2, Completed: 1, Attended: 1, Buckets: [store.BucketCount]int{1, 0, 1, 0, 0, 1}}
	if dom != want {
		t.Fatalf("domain stats = %+v, want %+v", dom, want)
	}
	one, _ := Statistics(ctx, st, "ac-a", 11)
	if one.Enrolled != 1 || one.Attended != 0 || one.Buckets[2] != 1 {
		t.Fatalf("session stats = %+v", one)
	}
	svg := dom.SVG(`Progression <script>&"`)
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;&amp;&#34;") || strings.Count(svg, "<rect") != 6 {
		t.Fatalf("svg = %s", svg)
	}
}
