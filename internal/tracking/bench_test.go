package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store/storetest"
)

// synthesize writes n sessions of size participants straight into the
// Moodle schema with multi-row INSERTs (ids from base), 4 monitored
// activities each, varied completion and last access.
func synthesize(tb testing.TB, db *sql.DB, base int64, n, size int) []int64 {
	tb.Helper()
	ins := func(table, cols string) *inserter { return &inserter{db: db, table: table, cols: cols} }
	course, enrol, ctx := ins("mdl_course", "id, fullname, shortname, enablecompletion"), ins("mdl_enrol", "id, courseid"), ins("mdl_context", "id, contextlevel, instanceid")
	cm, user, ue := ins("mdl_course_modules", "id, course, completion"), ins("mdl_user", "id, firstname, lastname, department"), ins("mdl_user_enrolments", "enrolid, userid")
	ra, cmc := ins("mdl_role_assignments", "roleid, contextid, userid"), ins("mdl_course_modules_completion", "coursemoduleid, userid, completionstate")
	cc, la := ins("mdl_course_completions", "userid, course, timecompleted"), ins("mdl_user_lastaccess", "userid, courseid, timeaccess")
	var ids []int64
	for i := int64(0); i < int64(n); i++ {
		id := base + i
		ids = append(ids, id)
		course.add(tb, id, fmt.Sprintf("Session %d", id), fmt.Sprintf("S%d", id), 1)
		enrol.add(tb, id, id)
		ctx.add(tb, 100000+id, 50, id)
		for a := int64(0); a < 4; a++ {
			cm.add(tb, id*10+a, id, 1)
		}
		for p := int64(0); p <= int64(size); p++ {
			uid := id*1000 + p
			user.add(tb, uid, "Prénom", fmt.Sprintf("Nom%d", uid), "École")
			ue.add(tb, id, uid)
			if p == 0 {
				ra.add(tb, roleTeacher, 100000+id, uid)
				continue
			}
			ra.add(tb, roleStudent, 100000+id, uid)
			for a := int64(0); a < p%5; a++ {
				cmc.add(tb, id*10+a, uid, 1)
			}
			if p%5 == 4 {
				cc.add(tb, uid, id, 1700000000)
			}
			if p%3 != 0 {
				la.add(tb, uid, id, 1700000000+p)
			}
		}
	}
	for _, in := range []*inserter{course, enrol, ctx, cm, user, ue, ra, cmc, cc, la} {
		in.flush(tb)
	}
	return ids
}

// BenchmarkSync syncs 500 sessions × 30 participants from MariaDB, and a
// sample of sessions of the same size through web services on the
// simulator (the whole fleet would take minutes that way), and reports
// the per-session cost ratio ws/db.
func BenchmarkSync(b *testing.B) {
	const sessions, size, wsSample = 500, 30, 10
	w := newWorld(b)
	db, dsn := moodleDB(b)
	var wsIDs []int64
	for i := 0; i < wsSample; i++ {
		id, _, _ := w.session(b, size, 4, fmt.Sprint("bench", i))
		wsIDs = append(wsIDs, id)
	}
	w.mirror(b, db, wsIDs)
	dbIDs := append(append([]int64{}, wsIDs...), synthesize(b, db, 100000, sessions-wsSample, size)...)
	st := storetest.SQLite(b)
	ctx := context.Background()
	dbSrc, wsSrc := dbSource(b, dsn), WSSource{Client: w.c, Roles: testRoles}
	var dbTime, wsTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		snaps, err := SyncWith(ctx, st, "ac-a", dbSrc, "db", dbIDs)
		if err != nil || len(snaps) != sessions {
			b.Fatalf("db sync: %d sessions, %v", len(snaps), err)
		}
		dbTime += time.Since(start)
		start = time.Now()
		if _, err := SyncWith(ctx, st, "ac-a", wsSrc, "ws", wsIDs); err != nil {
			b.Fatal(err)
		}
		wsTime += time.Since(start)
	}
	perDB := float64(dbTime.Microseconds()) / float64(b.N*sessions)
	perWS := float64(wsTime.Microseconds()) / float64(b.N*wsSample)
	b.ReportMetric(float64(dbTime.Milliseconds())/float64(b.N), "db-ms/500-sessions")
	b.ReportMetric(perDB, "db-µs/session")
	b.ReportMetric(perWS, "ws-µs/session")
	b.ReportMetric(perWS/perDB, "ws/db-ratio")
}
