package moodle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// pluginServer answers local_bridge functions with the documented shapes,
// using the loose types a PHP plugin may produce, and records the forms.
func pluginServer(t *testing.T) (*httptest.Server, func(string) map[string]string) {
	var mu sync.Mutex
	forms := map[string]map[string]string{}
	answers := map[string]string{
		fnBackupCourse:        `{"backupid":"b-42","status":"pending"}`,
		fnBackupStatus:        `{"status":"done","progress":"1","filename":"backup.mbz","filesize":"2048","contenthash":"abc","fileurl":"http:\/\/m\/pluginfile.php\/1\/backup\/course\/backup.mbz","error":""}`,
		fnRestoreCourse:       `{"restoreid":"r-7","status":"running"}`,
		fnRestoreStatus:       `{"status":"failed","progress":0.5,"courseid":null,"error":"restore failed"}`,
		fnEnableSelfEnrolment: `{"instanceid":12,"enabled":1}`,
		fnFreezeContext:       `{"frozen":true}`,
		fnMarkCourseComplete:  `{"completed":"1"}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		fn := r.PostForm.Get("wsfunction")
		flat := map[string]string{}
		for k, v := range r.PostForm {
			flat[k] = v[0]
		}
		mu.Lock()
		forms[fn] = flat
		mu.Unlock()
		w.Write([]byte(answers[fn]))
	}))
	t.Cleanup(srv.Close)
	return srv, func(fn string) map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return forms[fn]
	}
}

func TestPluginFunctions(t *testing.T) {
	srv, form := pluginServer(t)
	c := newTestClient(t, srv.URL, nil, Options{})
	ctx := context.Background()
	started, err := c.BackupCourse(ctx, 5)
	if err != nil || started.BackupID != "b-42" || form(fnBackupCourse)["courseid"] != "5" {
		t.Fatalf("backup: %+v %v", started, err)
	}
	st, err := c.GetBackupStatus(ctx, "b-42")
	if err != nil || st.Status != StatusDone || st.Progress != 1 || st.FileSize != 2048 || st.FileURL == "" {
		t.Fatalf("backup status: %+v %v", st, err)
	}
	rs, err := c.RestoreCourse(ctx, RestoreInput{DraftItemID: 9, CategoryID: 4, FullName: "F", ShortName: "S"})
	if err != nil || rs.RestoreID != "r-7" {
		t.Fatalf("restore: %+v %v", rs, err)
	}
	if f := form(fnRestoreCourse); f["draftitemid"] != "9" || f["categoryid"] != "4" || f["fullname"] != "F" || f["shortname"] != "S" {
		t.Errorf("restore form %v", f)
	}
	rst, err := c.GetRestoreStatus(ctx, "r-7")
	if err != nil || rst.Status != StatusFailed || rst.CourseID != 0 || rst.Error != "restore failed" {
		t.Fatalf("restore status: %+v %v", rst, err)
	}
	se, err := c.EnableSelfEnrolment(ctx, 5, true, "", 0)
	if err != nil || se.InstanceID != 12 || !se.Enabled {
		t.Fatalf("self enrolment: %+v %v", se, err)
	}
	if f := form(fnEnableSelfEnrolment); f["enable"] != "1" || f["password"] != "" || f["roleid"] != "" {
		t.Errorf("self enrolment form %v", f)
	}
	if _, err := c.EnableSelfEnrolment(ctx, 5, true, "", 5); err != nil || form(fnEnableSelfEnrolment)["roleid"] != "5" {
		t.Errorf("self enrolment with the participant role: form %v, %v", form(fnEnableSelfEnrolment), err)
	}
	if frozen, err := c.FreezeContext(ctx, 5, false); err != nil || !frozen || form(fnFreezeContext)["freeze"] != "0" {
		t.Fatalf("freeze: %v %v", frozen, err)
	}
	if done, err := c.MarkCourseComplete(ctx, 5, 3, true); err != nil || !done || form(fnMarkCourseComplete)["complete"] != "1" {
		t.Fatalf("mark complete: %v %v", done, err)
	}
}

// A plugin answer with an "error" field is an answer, not the files error shape.
func TestPluginErrorFieldIsNotAnException(t *testing.T) {
	var st BackupStatus
	c := &Client{site: Site{Name: "x"}}
	body := []byte(`{"status":"failed","progress":0,"error":"disk full","errorcode":"x"}`)
	if err := c.decodeAnswer(fnBackupStatus, 200, "application/json", body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Error != "disk full" {
		t.Fatalf("decoded %+v", st)
	}
}
