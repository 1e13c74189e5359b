package tracking

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// TestDatabaseAndWebServicesAgree builds sessions through web services on
// the simulator, mirrors them into a MariaDB Moodle schema, and checks
// both sources give identical progress.
func TestDatabaseAndWebServicesAgree(t *testing.T) {
	w := newWorld(t)
	db, dsn := moodleDB(t)
	var ids []int64
	for _, tag := range []string{"a", "b", "c"} {
		id, _, _ := w.session(t, 7, 3, tag)
		ids = append(ids, id)
	}
	w.mirror(t, db, ids)
	ctx := context.Background()
	// A participant of the first course enrolled by a second method, and
	// given the student role twice (two components): counted once, with
	// the role once, as web services show them.
	var userID, roleID int64
	if err := db.QueryRowContext(ctx, "SELECT ra.userid, ra.roleid FROM mdl_role_assignments ra WHERE ra.contextid = ? ORDER BY ra.userid DESC LIMIT 1",
		100000+ids[0]).Scan(&userID, &roleID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		fmt.Sprintf("INSERT INTO mdl_enrol (id, courseid) VALUES (%d, %d)", 900000+ids[0], ids[0]),
		fmt.Sprintf("INSERT INTO mdl_user_enrolments (enrolid, userid) VALUES (%d, %d)", 900000+ids[0], userID),
		fmt.Sprintf("INSERT INTO mdl_role_assignments (roleid, contextid, userid) VALUES (%d, %d, %d)", roleID, 100000+ids[0], userID),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	viaWS, err := WSSource{Client: w.c, Roles: testRoles}.Progress(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	viaDB, err := dbSource(t, dsn).Progress(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := dbSource(t, dsn).DB.Progress(ctx, ids[:1])
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range raw[ids[0]].Users {
		if u.UserID == userID && len(u.Roles) != 1 {
			t.Errorf("user %d read with roles %v, want the role once", userID, u.Roles)
		}
	}
	if !reflect.DeepEqual(viaWS, viaDB) {
		for _, id := range ids {
			t.Errorf("course %d:\n ws %+v\n db %+v", id, *viaWS[id], *viaDB[id])
		}
	}
	s := viaDB[ids[0]]
	if len(s.Participants) != 7 || s.Monitored != 3 || len(s.Staff) != 1 {
		t.Fatalf("session = %+v", s)
	}
	// Participant i has done i%4 of 3 activities; every 4th from 1 is marked complete.
	for i, p := range s.Participants {
		if p.Done != i%4 || p.Completed != (i%4 == 1) || p.Etablissement == "" {
			t.Errorf("participant %d = %+v", i, p)
		}
	}
	if got := s.Participants[3].Percent(); got != 100 {
		t.Errorf("3 of 3 done = %d%%", got)
	}
}
