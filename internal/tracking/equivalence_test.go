package tracking

import (
	"context"
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
	viaWS, err := WSSource{Client: w.c, Roles: testRoles}.Progress(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	viaDB, err := dbSource(t, dsn).Progress(ctx, ids)
	if err != nil {
		t.Fatal(err)
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
