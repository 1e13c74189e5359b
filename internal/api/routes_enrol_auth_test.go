package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/config"
)

// TestEnrolCreateAuth: a domain that creates unknown people lets the CSV
// upload choose the login method of the accounts among its create_auth and
// create_auths (the options route lists them, create_auth first), the
// preview says which one the file's accounts get, the job creates them with
// it, and an auth the domain does not list is refused in one sentence.
func TestEnrolCreateAuth(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Domains[0].Unknown = "create"
		c.Domains[0].CreateAuth = "shibboleth"
		c.Domains[0].CreateAuths = []string{"manual", "shibboleth"}
	})
	course := e.course("SESSION-AUTH", 1)
	e.seedUsers(formateurUsername, "eleve1")
	e.enrol(course, roleEditingTeach, formateurUsername)
	e.enrol(course, roleStudent, "eleve1")

	opts := e.as(formateurUsername, "GET", fmt.Sprintf("/api/v1/courses/%d/enrol/options", course), nil)
	if opts.status != 200 || strings.TrimSpace(string(opts.body)) != `{"can_create":true,"auths":["shibboleth","manual"]}` {
		t.Fatalf("options: %d %s", opts.status, opts.body)
	}
	if a := e.as("eleve1", "GET", fmt.Sprintf("/api/v1/courses/%d/enrol/options", course), nil); a.status != 403 {
		t.Fatalf("options for a participant: %d", a.status)
	}

	csv := []byte("email;nom;prenom\nnouvelle@ac-a.fr;NOUVELLE;Nina\n")
	preview := func(query string) (int, map[string]any) {
		a := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/preview?lang=fr&unknown=create%s", course, query), "ac-a",
			secretA, e.users[formateurUsername], "text/csv", csv)
		var m map[string]any
		json.Unmarshal(a.body, &m)
		return a.status, m
	}
	if st, m := preview(""); st != 200 || m["create_auth"] != "shibboleth" {
		t.Fatalf("preview without auth: %d create_auth %v", st, m["create_auth"])
	}
	if st, m := preview("&auth=manual"); st != 200 || m["create_auth"] != "manual" {
		t.Fatalf("preview with auth=manual: %d create_auth %v", st, m["create_auth"])
	}
	st, m := preview("&auth=cas")
	if msg, _ := m["message"].(string); st != 400 || !strings.Contains(msg, `auth "cas" is not a login method this domain`) ||
		!strings.Contains(msg, "shibboleth, manual") {
		t.Fatalf("auth=cas: %d %v", st, m)
	}

	apply := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/apply?unknown=create&auth=manual", course), "ac-a", secretA,
		e.users[formateurUsername], "text/csv", csv)
	if res := e.waitJob(formateurUsername, jobID(t, apply)); res["state"] != "succeeded" {
		t.Fatalf("apply: %v", res)
	}
	users, err := e.client.GetUsersByField(e.ctx, "email", []string{"nouvelle@ac-a.fr"})
	if err != nil || len(users) != 1 || users[0].Auth != "manual" {
		t.Fatalf("created account: %+v %v", users, err)
	}
}
