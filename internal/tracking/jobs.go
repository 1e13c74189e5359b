package tracking

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
)

// Register binds the tracking job kinds to this service, so that the
// daemon, the CLI's inline runs and the demo run the same handlers:
// tracking.sync refreshes the progress snapshots of one domain's sessions
// (payload course_ids, or every session when empty), checkpointed per
// chunk of SyncChunk courses (schedule it in `schedules`, e.g. cron
// "*/30 * * * *", kind tracking.sync, a domain; `bridge tracking sync`
// runs it in the CLI process); tracking.certificates renders a session's
// certificates as the job's files (RunCertificatesJob);
// tracking.attendance_mirror sets Moodle's course completion to an
// attendance mark (queued with the mark by SetAttendance).
func (s *Service) Register(reg *jobs.Registry) {
	reg.Register(KindSync, s.syncJob)
	reg.Register(KindCertificates, func(ctx context.Context, run *jobs.Run) (any, error) {
		return RunCertificatesJob(ctx, s, s.st, run)
	})
	reg.Register(KindAttendanceMirror, s.attendanceMirrorJob)
}

func (s *Service) attendanceMirrorJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p AttendanceMirrorPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	n, err := s.MirrorAttendance(ctx, run.Domain(), p, func(done, total int) {
		run.Progress(done, total, "setting Moodle's course completion")
	})
	return map[string]int{"mirrored": n}, err
}

// SyncChunk is how many courses one checkpointed step of a
// tracking.sync job reads: a resumed job (crash, takeover, retry after a
// Moodle failure) starts again after its last finished chunk.
const SyncChunk = 20

// SyncResult is a tracking.sync job's result.
type SyncResult struct {
	Sessions int          `json:"sessions"`
	Courses  []SyncCourse `json:"courses"`
}

// SyncCourse is one course's snapshot in SyncResult.
type SyncCourse struct {
	CourseID  int64  `json:"course_id"`
	Enrolled  int    `json:"enrolled"`
	Connected int    `json:"connected"`
	Completed int    `json:"completed"`
	Source    string `json:"source"`
}

func (s *Service) syncJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p SyncPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	if run.Domain() == "" {
		return nil, failure.Permanent(fmt.Errorf("tracking.sync: the job has no domain"))
	}
	// The list of courses is the payload's, or a checkpoint: every attempt
	// covers the same sessions, whatever the workflow did meanwhile.
	ids := p.CourseIDs
	if len(ids) == 0 {
		if err := run.Step("sessions", func(ctx context.Context) (any, error) {
			return s.Sessions(ctx, run.Domain())
		}, &ids); err != nil {
			return nil, err
		}
	}
	res := SyncResult{Courses: []SyncCourse{}}
	for start := 0; start < len(ids); start += SyncChunk {
		chunk := ids[start:min(start+SyncChunk, len(ids))]
		run.Progress(start, len(ids), fmt.Sprintf("reading progress of courses %d-%d of %d", start+1, start+len(chunk), len(ids)))
		var done []SyncCourse
		if err := run.Step(fmt.Sprintf("courses-%d", start), func(ctx context.Context) (any, error) {
			snaps, err := s.Sync(ctx, run.Domain(), chunk)
			if err != nil {
				return nil, err
			}
			out := make([]SyncCourse, len(snaps))
			for i, sn := range snaps {
				out[i] = SyncCourse{CourseID: sn.CourseID, Enrolled: sn.Enrolled, Connected: sn.Connected,
					Completed: sn.Completed, Source: sn.Source}
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
