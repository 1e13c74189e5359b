package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// serve starts `bridge serve` on the scenario's configuration and returns
// its address; it is killed when the scenario ends.
func (e *env) serve() string {
	e.t.Helper()
	addrFile := filepath.Join(e.dir, "serve.addr")
	cmd := exec.Command(binPath, "--config", e.config, "serve", "--listen", "127.0.0.1:0")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BRIDGE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "BRIDGE_ADDR_FILE="+addrFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 1500; i++ {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("[%s] bridge serve did not start:\n%s", e.tg.kind, out.String())
	return ""
}

// user finds or creates an account by e-mail (SSO auth, no password).
func (e *env) user(domain, username, email, first, last string) int64 {
	e.t.Helper()
	if found := e.users(domain, "email", email); len(found) > 0 {
		return found[0].ID
	}
	created, err := e.tg.site(domain).client.CreateUsers(e.ctx, []moodle.UserInput{{Username: username, Email: email,
		FirstName: first, LastName: last, Auth: "shibboleth"}})
	if err != nil {
		e.t.Fatalf("[%s] creating %s: %v", e.tg.kind, email, err)
	}
	return int64(created[0].ID)
}

// TestBlocksDataSources runs the four blocks' data sources (PHP, through
// local_bridge's signing client) against `bridge serve` driving the site:
// signing, the workflow block's refusal, a CSV preview, apply and report,
// the tracking block with "Formation terminée", the offer block and the
// digest subscription.
func TestBlocksDataSources(t *testing.T) {
	php, err := exec.LookPath("php")
	if err != nil {
		t.Fatal("php is not on PATH (scripts/real-moodle.sh installs it)")
	}
	run(t, "blocks-data-sources", func(e *env) *state {
		gab := nm("E2E-BLOCKS")
		_, course := e.sessionCourse("academie", gab)
		form := e.user("academie", nm("e2e.formateur"), nm("e2e.formateur")+"@ac-test.fr", "Fanny", "FORMATRICE")
		part := e.user("academie", nm("e2e.eleve"), nm("e2e.eleve")+"@ac-test.fr", "Élise", "ÉLÈVE")
		e.user("academie", "e2e.alice", "alice@ac-a.fr", "Alice", "ALICE")
		if err := e.tg.site("academie").client.EnrolUsers(e.ctx, []moodle.Enrolment{
			{RoleID: 3, UserID: moodle.Int(form), CourseID: moodle.Int(course)},
			{RoleID: 5, UserID: moodle.Int(part), CourseID: moodle.Int(course)},
		}); err != nil {
			e.t.Fatal(err)
		}
		addr := e.serve()
		plugins, _ := filepath.Abs("../moodle-plugins")
		secret := "e2e-secret-academie-0123456789abcdef0123456789"
		cmd := exec.Command(php, "../bridge/testdata/api_blocks.php", plugins, "http://"+addr, "academie", secret,
			strconv.FormatInt(course, 10), strconv.FormatInt(form, 10), strconv.FormatInt(part, 10))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			e.t.Fatalf("[%s] php driver: %v\n%s%s", e.tg.kind, err, out, stderr.String())
		}
		var got map[string]map[string]any
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(out, &raw); err != nil {
			e.t.Fatalf("driver output: %v\n%s", err, out)
		}
		got = map[string]map[string]any{}
		for k, v := range raw {
			var m map[string]any
			if json.Unmarshal(v, &m) == nil {
				got[k] = m
			}
		}
		st := newState()
		for _, name := range []string{"ok", "replay_first", "tampered_body", "stale", "replay", "wrong_secret", "workflow_refused", "csv_apply", "csv_report", "csv_preview_participant"} {
			st.set("status "+name, "%v", got[name]["status"])
		}
		if got["ok"]["status"] != float64(200) || got["tampered_body"]["status"] != float64(401) || got["replay"]["status"] != float64(401) {
			e.t.Errorf("[%s] signing: ok %v tampered %v replay %v", e.tg.kind, got["ok"]["status"], got["tampered_body"]["status"], got["replay"]["status"])
		}
		wf := got["workflow_formateur"]
		st.set("workflow block", "ok=%v state=%v canact=%v", wf["ok"], wf["state"], wf["canact"])
		if wf["ok"] != true || wf["state"] != "session_preparation" {
			e.t.Errorf("[%s] workflow block: %v", e.tg.kind, wf)
		}
		// The planning preview the block shows before « Créer les sessions ».
		pv := got["workflow_preview"]
		st.set("workflow preview", "status=%v sessions=%v warnings=%v", pv["status"], pv["sessions"], pv["warnings"])
		if ws, _ := pv["warnings"].([]any); pv["status"] != float64(200) || pv["sessions"] != float64(2) || len(ws) != 2 ||
			ws[0] != "calendrier scolaire inconnu pour le 04/09/2028 (zone B) : mettre à jour les données" ||
			!strings.Contains(fmt.Sprint(ws[1]), "05/09/2028 19:00 hors des heures ouvrées") {
			e.t.Errorf("[%s] workflow preview: %v", e.tg.kind, pv)
		}
		if p := got["workflow_participant"]; p["forbidden"] != true {
			e.t.Errorf("[%s] a participant sees the workflow block: %v", e.tg.kind, p)
		}
		rows, _ := got["csv_preview"]["rows"].([]any)
		for i, r := range rows {
			row := r.(map[string]any)
			st.set("csv preview row "+strconv.Itoa(i), "%v %v", row["status"], row["problem"])
		}
		if len(rows) != 2 {
			e.t.Errorf("[%s] csv preview: %v", e.tg.kind, got["csv_preview"])
		}
		if rep := got["csv_report"]; !strings.Contains(rep["body"].(string), "alice@ac-a.fr") {
			e.t.Errorf("[%s] csv report: %v", e.tg.kind, rep)
		}
		parts, _ := got["tracking"]["participants"].([]any)
		done := 0
		for _, p := range parts {
			if p.(map[string]any)["done"] == true {
				done++
			}
		}
		st.set("tracking participants", "%d done=%d", len(parts), done)
		if len(parts) != 2 || done != 1 {
			e.t.Errorf("[%s] tracking block: %d participants, %d marked: %v", e.tg.kind, len(parts), done, got["tracking"])
		}
		if p := got["tracking_participant"]; p["forbidden"] != true {
			e.t.Errorf("[%s] a participant gets the nominative table: %v", e.tg.kind, p)
		}
		st.set("offer block", "ok=%v", got["offer"]["ok"])
		// The CSV apply enrolled alice: check it in Moodle.
		enrolled := e.enrolledUsernames("academie", course)
		if _, ok := enrolled["e2e.alice"]; !ok {
			e.t.Errorf("[%s] alice is not enrolled after the CSV apply: %v", e.tg.kind, enrolled)
		}
		e.snapCourse(st, "academie", gab)
		return st
	})
}

// sessionCourse bootstraps the domain and makes a course in the Session
// category by hand (state session_preparation).
func (e *env) sessionCourse(domain, shortname string) (string, int64) {
	e.t.Helper()
	out := e.bootstrap(domain)
	if c := e.course(domain, shortname); c != nil {
		return out, c.ID
	}
	created, err := e.tg.site(domain).client.CreateCourses(e.ctx, []moodle.CourseInput{{
		FullName: "Session " + shortname, ShortName: shortname, CategoryID: moodle.Int(e.categoryID(out, "session")),
		StartDate: 1788220800,
	}})
	if err != nil {
		e.t.Fatalf("[%s] creating session %s: %v", e.tg.kind, shortname, err)
	}
	return out, int64(created[0].ID)
}
