package tracking

import "context"

// What the tracking block reads (package api writes these as they are).
// The fields of each view are in the order of their JSON names where they
// replace a map, so that the bytes on the wire do not move (pinned by the
// api's wire-shape test).

// StatsView is a course's aggregates, its buckets labelled, and the chart.
type StatsView struct {
	Buckets []BucketCount `json:"buckets"`
	Stats   Stats         `json:"stats"`
	SVG     string        `json:"svg"`
}

// BucketCount is one bucket of progress and how many people are in it.
type BucketCount struct {
	Count int    `json:"count"`
	Label string `json:"label"`
}

// StatsView reads the course's aggregates (no personal data: tuteurs see them).
func (s *Service) StatsView(ctx context.Context, domain string, courseID int64) (StatsView, error) {
	st, err := Statistics(ctx, s.st, domain, courseID)
	if err != nil {
		return StatsView{}, err
	}
	buckets := make([]BucketCount, len(st.Buckets))
	for i, n := range st.Buckets {
		buckets[i] = BucketCount{Label: BucketLabels[i], Count: n}
	}
	return StatsView{Stats: st, Buckets: buckets, SVG: st.SVG("Progression")}, nil
}

// ProgressRow has no time spent, by design.
type ProgressRow struct {
	UserID     int64  `json:"user_id"`
	FullName   string `json:"fullname"`
	Percent    int    `json:"percent"`
	Completed  bool   `json:"completed"`
	LastAccess int64  `json:"last_access"`
	// Attended is "Formation terminée": the formateur's decision, apart
	// from the progress bar.
	Attended bool `json:"attended"`
}

// ProgressTable is the per-participant table of a course.
type ProgressTable struct {
	CourseID     int64         `json:"course_id"`
	Monitored    int           `json:"monitored"`
	Participants []ProgressRow `json:"participants"`
}

// ProgressTable reads the nominative table as who (authorised and
// audited under action by Nominative), with "Formation terminée".
func (s *Service) ProgressTable(ctx context.Context, domain string, courseID int64, who Who, action string) (ProgressTable, error) {
	sess, err := s.Nominative(ctx, domain, courseID, who, action)
	if err != nil {
		return ProgressTable{}, err
	}
	attended, err := s.st.Attendance(ctx, domain, courseID)
	if err != nil {
		return ProgressTable{}, err
	}
	rows := make([]ProgressRow, 0, len(sess.Participants))
	for _, p := range sess.Participants {
		rows = append(rows, ProgressRow{UserID: p.UserID, FullName: p.FirstName + " " + p.LastName, Percent: p.Percent(),
			Completed: p.Completed, LastAccess: p.LastAccess, Attended: attended[p.UserID]})
	}
	return ProgressTable{CourseID: courseID, Monitored: sess.Monitored, Participants: rows}, nil
}

// AttendanceResults are the outcomes of marking ("results" on the wire).
type AttendanceResults struct {
	Results []AttendanceResult `json:"results"`
}
