package app

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/tracking"
)

// tracking.sync refreshes the progress snapshots of one domain's sessions
// (payload course_ids, or every session when empty), checkpointed per
// chunk of TrackingSyncChunk courses. Schedule it in `schedules`, e.g.
// cron "*/30 * * * *", kind tracking.sync, a domain; `bridge tracking
// sync` runs it in the CLI process. tracking.certificates renders a
// session's certificates as the job's files (tracking.RunCertificatesJob).
// tracking.attendance_mirror sets Moodle's course completion to an
// attendance mark (queued with the mark: tracking.Service.SetAttendance).
func init() {
	handlerSets = append(handlerSets, func(a *App) {
		svc := a.Tracking
		a.Registry.Register(tracking.KindSync, func(ctx context.Context, run *jobs.Run) (any, error) {
			return trackingSync(ctx, svc, run)
		})
		a.Registry.Register(tracking.KindCertificates, func(ctx context.Context, run *jobs.Run) (any, error) {
			return tracking.RunCertificatesJob(ctx, svc, a.Store, run)
		})
		a.Registry.Register(tracking.KindAttendanceMirror, func(ctx context.Context, run *jobs.Run) (any, error) {
			var p tracking.AttendanceMirrorPayload
			if err := run.Decode(&p); err != nil {
				return nil, err
			}
			n, err := svc.MirrorAttendance(ctx, run.Domain(), p, func(done, total int) {
				run.Progress(done, total, "setting Moodle's course completion")
			})
			return map[string]int{"mirrored": n}, err
		})
	})
}

// TrackingSyncChunk is how many courses one checkpointed step of a
// tracking.sync job reads: a resumed job (crash, takeover, retry after a
// Moodle failure) starts again after its last finished chunk.
const TrackingSyncChunk = 20

// TrackingSyncResult is a tracking.sync job's result.
type TrackingSyncResult struct {
	Sessions int                  `json:"sessions"`
	Courses  []TrackingSyncCourse `json:"courses"`
}

// TrackingSyncCourse is one course's snapshot in TrackingSyncResult.
type TrackingSyncCourse struct {
	CourseID  int64  `json:"course_id"`
	Enrolled  int    `json:"enrolled"`
	Connected int    `json:"connected"`
	Completed int    `json:"completed"`
	Source    string `json:"source"`
}

func trackingSync(ctx context.Context, svc *tracking.Service, run *jobs.Run) (any, error) {
	var p tracking.SyncPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	if run.Domain() == "" {
		return nil, failure.Permanent(fmt.Errorf("tracking.sync: the job has no domain"))
	}
	// The list of courses is a checkpoint too: every attempt covers the
	// same sessions, whatever the workflow did meanwhile.
	var ids []int64
	if err := run.Step("sessions", func(ctx context.Context) (any, error) {
		if len(p.CourseIDs) > 0 {
			return p.CourseIDs, nil
		}
		return svc.Sessions(ctx, run.Domain())
	}, &ids); err != nil {
		return nil, err
	}
	res := TrackingSyncResult{Courses: []TrackingSyncCourse{}}
	for start := 0; start < len(ids); start += TrackingSyncChunk {
		chunk := ids[start:min(start+TrackingSyncChunk, len(ids))]
		run.Progress(start, len(ids), fmt.Sprintf("reading progress of courses %d-%d of %d", start+1, start+len(chunk), len(ids)))
		var done []TrackingSyncCourse
		if err := run.Step(fmt.Sprintf("courses-%d", start), func(ctx context.Context) (any, error) {
			snaps, err := svc.Sync(ctx, run.Domain(), chunk)
			if err != nil {
				return nil, err
			}
			out := make([]TrackingSyncCourse, len(snaps))
			for i, s := range snaps {
				out[i] = TrackingSyncCourse{CourseID: s.CourseID, Enrolled: s.Enrolled, Connected: s.Connected,
					Completed: s.Completed, Source: s.Source}
			}
			return out, nil
		}, &done); err != nil {
			return nil, err
		}
		res.Courses = append(res.Courses, done...)
	}
	res.Sessions = len(res.Courses)
	run.Progress(len(ids), len(ids), "snapshots stored")
	return res, nil
}
