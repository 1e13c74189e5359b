package moodle

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeMoodle is a tiny in-memory Moodle for behaviour tests: users,
// enrolments, courses and categories, with hooks to poison rows, fail with a
// chosen exception, or commit a write and then drop the connection.
type fakeMoodle struct {
	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	calls       map[string]int
	maxVars     int
	users       map[string]int // username -> id
	enrolled    map[string]bool
	courses     map[string]int // shortname -> id
	categories  map[string]int // idnumber -> id
	nextID      int
	poisoned    map[string]bool   // usernames or user ids ("u:7") that fail a batch
	failWith    map[string]string // function -> errorcode, once
	dropOnce    map[string]bool   // function -> commit then drop the connection, once
	functions   []string
	tokenChecks bool
	// okDelay holds back every answer that is not an injected failure, so
	// that a test can be sure the client saw the failure first.
	okDelay time.Duration
}

func newFakeMoodle(t testing.TB) *fakeMoodle {
	f := &fakeMoodle{
		t: t, calls: map[string]int{}, users: map[string]int{}, enrolled: map[string]bool{},
		courses: map[string]int{}, categories: map[string]int{}, nextID: 100,
		poisoned: map[string]bool{}, failWith: map[string]string{}, dropOnce: map[string]bool{},
		tokenChecks: true,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMoodle) callCount(fn string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[fn]
}

func exception(code string) map[string]any {
	return map[string]any{"exception": `core\exception\moodle_exception`, "errorcode": code, "message": code}
}

func (f *fakeMoodle) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	fn := r.PostForm.Get("wsfunction")
	f.mu.Lock()
	f.calls[fn]++
	f.maxVars = max(f.maxVars, len(r.PostForm))
	var answer any
	failed := false
	if f.tokenChecks && r.PostForm.Get("wstoken") != testToken {
		answer = exception("invalidtoken")
	} else if code, ok := f.failWith[fn]; ok {
		delete(f.failWith, fn)
		failed = true
		answer = map[string]any{"exception": "dml_write_exception", "errorcode": code, "message": "Error writing to database"}
	} else {
		answer = f.handle(fn, rows(r.PostForm))
	}
	drop := f.dropOnce[fn]
	delete(f.dropOnce, fn)
	delay := f.okDelay
	f.mu.Unlock()
	if !failed && delay > 0 {
		time.Sleep(delay)
	}
	if drop {
		hijackAndClose(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(answer)
}

func hijackAndClose(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// rows groups name[i][field] form keys into rows, in index order.
func rows(form map[string][]string) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for key, vals := range form {
		path, err := splitKey(key)
		if err != nil || len(path) < 2 {
			continue
		}
		i, err := strconv.Atoi(path[1])
		if err != nil {
			continue
		}
		list := out[path[0]]
		for len(list) <= i {
			list = append(list, map[string]string{})
		}
		field := ""
		if len(path) > 2 {
			field = path[2]
		}
		list[i][field] = vals[0]
		out[path[0]] = list
	}
	return out
}

func (f *fakeMoodle) handle(fn string, in map[string][]map[string]string) any {
	switch fn {
	case fnCreateUsers:
		return f.createUsers(in["users"])
	case fnGetUsersByField:
		var found []map[string]any
		for _, v := range in["values"] {
			if id, ok := f.users[v[""]]; ok {
				found = append(found, map[string]any{"id": id, "username": v[""], "suspended": false})
			}
		}
		return found
	case fnEnrolUsers:
		for _, row := range in["enrolments"] {
			if f.poisoned["u:"+row["userid"]] {
				return map[string]any{"exception": "dml_missing_record_exception", "errorcode": "invaliduser", "message": "Invalid user"}
			}
		}
		for _, row := range in["enrolments"] {
			f.enrolled[row["userid"]+"@"+row["courseid"]] = true
		}
		return nil
	case fnCreateCourses:
		var out []map[string]any
		for _, row := range in["courses"] {
			if _, taken := f.courses[row["shortname"]]; taken {
				return exception("shortnametaken")
			}
			f.nextID++
			f.courses[row["shortname"]] = f.nextID
			out = append(out, map[string]any{"id": f.nextID, "shortname": row["shortname"]})
		}
		return out
	case fnGetCoursesByField:
		return f.coursesByField()
	case fnCreateCategories:
		var out []map[string]any
		for _, row := range in["categories"] {
			if _, taken := f.categories[row["idnumber"]]; taken {
				return exception("categoryidnumbertaken")
			}
			f.nextID++
			f.categories[row["idnumber"]] = f.nextID
			out = append(out, map[string]any{"id": f.nextID, "name": row["name"]})
		}
		return out
	case fnGetCategories:
		var out []map[string]any
		for _, crit := range in["criteria"] {
			if id, ok := f.categories[crit["value"]]; ok && crit["key"] == "idnumber" {
				out = append(out, map[string]any{"id": id, "name": "cat", "idnumber": crit["value"], "visible": 1})
			}
		}
		return out
	case fnGetSiteInfo:
		var fns []map[string]string
		for _, name := range f.functions {
			fns = append(fns, map[string]string{"name": name, "version": "2024100705.01"})
		}
		return map[string]any{"sitename": "Fake", "userid": 2, "release": "3.1.2+ (Build: 20160901)", "version": "2016052302", "functions": fns}
	case fnGetCourses:
		var out []map[string]any
		for name, id := range f.courses {
			out = append(out, map[string]any{"id": id, "shortname": name, "visible": 1})
		}
		return out
	}
	return exception("accessexception")
}

func (f *fakeMoodle) createUsers(in []map[string]string) any {
	for _, row := range in {
		if f.poisoned[row["username"]] {
			return map[string]any{"exception": `core\exception\invalid_parameter_exception`, "errorcode": "invalidparameter", "message": "Invalid parameter value detected"}
		}
		if _, taken := f.users[row["username"]]; taken {
			return map[string]any{"exception": `core\exception\invalid_parameter_exception`, "errorcode": "invalidparameter", "message": "Invalid parameter value detected"}
		}
		if row["username"] == "" || row["lastname"] == "" {
			return map[string]any{"exception": `core\exception\invalid_parameter_exception`, "errorcode": "invalidparameter", "message": "Missing required key"}
		}
	}
	var out []map[string]any
	for _, row := range in {
		f.nextID++
		f.users[row["username"]] = f.nextID
		out = append(out, map[string]any{"id": f.nextID, "username": row["username"]})
	}
	return out
}

func (f *fakeMoodle) coursesByField() any {
	var out []map[string]any
	for name, id := range f.courses {
		out = append(out, map[string]any{"id": id, "shortname": name, "visible": 1, "idnumber": nil})
	}
	return map[string]any{"courses": out, "warnings": []any{}}
}

func makeUsers(n int) []UserInput {
	users := make([]UserInput, n)
	for i := range users {
		name := fmt.Sprintf("user%04d", i)
		users[i] = UserInput{Username: name, Password: "Passw0rd!", FirstName: "Prénom", LastName: "Nom", Email: name + "@example.com"}
	}
	return users
}

func makeEnrolments(n int) []Enrolment {
	rows := make([]Enrolment, n)
	for i := range rows {
		rows[i] = Enrolment{RoleID: 5, UserID: Int(1000 + i), CourseID: 2}
	}
	return rows
}

func (f *fakeMoodle) enrolledCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.enrolled)
}

func (f *fakeMoodle) userCount(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for name := range f.users {
		if strings.HasPrefix(name, prefix) {
			n++
		}
	}
	return n
}
