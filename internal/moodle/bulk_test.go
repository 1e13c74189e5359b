package moodle

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// bulkFake answers local_bridge_create_enrol_users as the plugin does,
// with its rows in reverse order (the client must place them by index),
// refusing the usernames in refuse, and records each call's rows.
type bulkFake struct {
	mu         sync.Mutex
	calls      [][]string // usernames per call
	refuse     map[string]string
	courseRole []string
}

func (f *bulkFake) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	if fn := r.Form.Get("wsfunction"); fn != FnCreateEnrolUsers {
		http.Error(w, "unexpected "+fn, 400)
		return
	}
	var names []string
	for k := 0; r.Form.Has(fmt.Sprintf("users[%d][username]", k)); k++ {
		names = append(names, r.Form.Get(fmt.Sprintf("users[%d][username]", k)))
	}
	f.mu.Lock()
	f.calls = append(f.calls, names)
	f.courseRole = append(f.courseRole, r.Form.Get("courseid")+"/"+r.Form.Get("roleid"))
	f.mu.Unlock()
	rows := []map[string]any{}
	for k := len(names) - 1; k >= 0; k-- {
		row := map[string]any{"index": k, "userid": 1000 + k, "created": true, "enrolled": true, "refusal": "", "message": ""}
		if code := f.refuse[names[k]]; code != "" {
			row = map[string]any{"index": k, "userid": 0, "created": false, "enrolled": false, "refusal": code,
				"message": "Email address already exists: " + names[k] + "@x.invalid"}
		}
		rows = append(rows, row)
	}
	_ = json.NewEncoder(w).Encode(rows)
}

func TestCreateEnrolUsersPlacesRowsByIndexAcrossChunks(t *testing.T) {
	f := &bulkFake{refuse: map[string]string{"p007": "emailexists"}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	defer srv.Close()
	// 5 variables a person: 200 variables make chunks of about 35.
	c := newTestClient(t, srv.URL, nil, Options{MaxInputVars: 200})
	people := make([]BulkPerson, 100)
	for i := range people {
		name := fmt.Sprintf("p%03d", i)
		people[i] = BulkPerson{Username: name, FirstName: "F", LastName: "L", Email: name + "@x.invalid", Auth: "shibboleth"}
	}
	rows, err := c.CreateEnrolUsers(context.Background(), 12, 5, people)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) < 3 {
		t.Fatalf("%d calls, want the rows cut under max_input_vars (3 or more)", len(f.calls))
	}
	for _, cr := range f.courseRole {
		if cr != "12/5" {
			t.Fatalf("course/role sent %q, want 12/5", cr)
		}
	}
	offset := 0
	for _, names := range f.calls {
		for k, n := range names {
			if want := fmt.Sprintf("p%03d", offset+k); n != want {
				t.Fatalf("call sent %s at %d, want %s", n, offset+k, want)
			}
		}
		offset += len(names)
	}
	for i, r := range rows {
		if int(r.Index) != i {
			t.Fatalf("row %d has index %d", i, r.Index)
		}
		if i == 7 {
			if !r.Refused() || r.Refusal != "emailexists" || r.UserID != 0 {
				t.Fatalf("row 7: %+v, want refused emailexists", r)
			}
			err := r.RefusalError("academie")
			if !IsErrorCode(err, "emailexists") || !strings.Contains(err.Error(), "p007@x.invalid") {
				t.Fatalf("refusal error %v", err)
			}
			continue
		}
		if r.Refused() || !bool(r.Created) || !bool(r.Enrolled) || r.UserID == 0 {
			t.Fatalf("row %d: %+v", i, r)
		}
	}
}

func TestCreateEnrolUsersRefusesAShortAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"index":0,"userid":5,"created":true,"enrolled":true,"refusal":"","message":""}]`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil, Options{})
	people := []BulkPerson{{Username: "a", Email: "a@x.invalid"}, {Username: "b", Email: "b@x.invalid"}}
	if _, err := c.CreateEnrolUsers(context.Background(), 2, 5, people); err == nil || !strings.Contains(err.Error(), "1 rows in the answer for 2 people") {
		t.Fatalf("want the short answer refused, got %v", err)
	}
}

func TestHasBulkEnrolFollowsTheProbe(t *testing.T) {
	for _, offered := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fns := []map[string]string{{"name": "core_user_create_users", "version": "1"}}
			if offered {
				fns = append(fns, map[string]string{"name": FnCreateEnrolUsers, "version": "1"})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"sitename": "s", "release": "4.5.5+ (Build: 20250613)", "functions": fns})
		}))
		c := newTestClient(t, srv.URL, nil, Options{})
		if c.HasBulkEnrol() {
			t.Fatal("known before any probe")
		}
		if got := c.BulkEnrol(context.Background()); got != offered {
			t.Fatalf("offered %v: BulkEnrol says %v", offered, got)
		}
		srv.Close()
	}
}
