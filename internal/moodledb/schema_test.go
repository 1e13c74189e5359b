package moodledb

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	createTable = regexp.MustCompile("(?s)CREATE TABLE `([a-z_]+)` \\((.*?)\\n\\)")
	columnLine  = regexp.MustCompile("^\\s*`([a-z_]+)` ([a-z]+)")
)

// parseSchema maps table → column → base type from mysqldump DDL.
func parseSchema(t *testing.T, ddl string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, m := range createTable.FindAllStringSubmatch(ddl, -1) {
		cols := map[string]string{}
		for _, line := range strings.Split(m[2], "\n") {
			if c := columnLine.FindStringSubmatch(line); c != nil {
				cols[c[1]] = c[2]
			}
		}
		out[m[1]] = cols
	}
	return out
}

// sharedSchema finds /work/shared/moodle/schema.sql: <repo root>/../shared.
func sharedSchema(t *testing.T) string {
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), "shared", "moodle", "schema.sql")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
	}
	return ""
}

// TestSchemaMatchesMoodle checks every column the project's DDL declares
// (and so every column moodledb reads) exists in Moodle 4.5's schema with
// the same base type.
func TestSchemaMatchesMoodle(t *testing.T) {
	ours, err := os.ReadFile("testdata/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	mine := parseSchema(t, string(ours))
	if len(mine) < 11 {
		t.Fatalf("parsed %d tables from testdata/schema.sql", len(mine))
	}
	path := sharedSchema(t)
	if path == "" {
		t.Log("shared/moodle/schema.sql absent: checked the project's DDL parses only")
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	moodle := parseSchema(t, string(raw))
	for table, cols := range mine {
		theirs, ok := moodle[table]
		if !ok {
			t.Errorf("table %s does not exist in Moodle", table)
			continue
		}
		for col, typ := range cols {
			if got, ok := theirs[col]; !ok {
				t.Errorf("%s.%s does not exist in Moodle", table, col)
			} else if got != typ {
				t.Errorf("%s.%s is %s in Moodle, %s here", table, col, got, typ)
			}
		}
	}
}

func TestPrefixIsValidated(t *testing.T) {
	if _, err := New(nil, "mdl_; DROP TABLE x"); err == nil {
		t.Fatal("a prefix with SQL in it was accepted")
	}
	d, err := New(nil, "")
	if err != nil || d.t("user") != "`mdl_user`" {
		t.Fatalf("default prefix: %v", err)
	}
}
