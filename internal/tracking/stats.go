package tracking

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/magistere/bridge/internal/store"
)

// Stats are aggregate only: counts, never a name, an e-mail or a user id.
type Stats struct {
	Domain    string                 `json:"domain"`
	CourseID  int64                  `json:"course_id,omitempty"` // 0 for a whole domain
	Sessions  int                    `json:"sessions"`
	Enrolled  int                    `json:"enrolled"`
	Connected int                    `json:"connected"` // ever accessed the course
	Completed int                    `json:"completed"`
	Attended  int                    `json:"attended"` // marked "Formation terminée"
	Buckets   [store.BucketCount]int `json:"buckets"`  // see BucketLabels
}

func (st *Stats) add(snap store.TrackingSnapshot, attended int) {
	st.Sessions++
	st.Enrolled += snap.Enrolled
	st.Connected += snap.Connected
	st.Completed += snap.Completed
	st.Attended += attended
	for i, n := range snap.Buckets {
		st.Buckets[i] += n
	}
}

// Statistics aggregates the stored snapshots of one session (courseID) or
// of a whole domain (courseID 0), with the attendance marked so far.
func Statistics(ctx context.Context, st *store.Store, domain string, courseID int64) (Stats, error) {
	snaps, err := st.TrackingSnapshots(ctx, domain, courseID)
	if err != nil {
		return Stats{}, fmt.Errorf("tracking: statistics: %w", err)
	}
	attended, err := st.AttendanceCounts(ctx, domain)
	if err != nil {
		return Stats{}, fmt.Errorf("tracking: statistics: %w", err)
	}
	out := Stats{Domain: domain, CourseID: courseID}
	for _, s := range snaps {
		out.add(s, attended[s.CourseID])
	}
	return out, nil
}

// SVG draws the progress distribution as a small bar chart. Hand-written
// SVG: every text is escaped; it carries counts only.
func (st Stats) SVG(title string) string {
	const w, h, top, bottom, bar = 320, 180, 30, 30, 40
	maxN := 1
	for _, n := range st.Buckets {
		maxN = max(maxN, n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, w, h, w, h)
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="13" text-anchor="middle">%s</text>`, w/2, html.EscapeString(title))
	plot := h - top - bottom
	for i, n := range st.Buckets {
		x := 10 + i*(bar+10)
		bh := n * plot / maxN
		y := top + plot - bh
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2a6ebb"><title>%s %%: %d</title></rect>`,
			x, y, bar, bh, html.EscapeString(BucketLabels[i]), n)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle">%d</text>`, x+bar/2, y-3, n)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle">%s</text>`, x+bar/2, h-12, html.EscapeString(BucketLabels[i]+" %"))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
