package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestPreviewIsPaged: a large file's preview answers the counts of every
// row but one page of rows, so its size does not grow with the file (a
// 600,000-row file once made 85 MiB of JSON and 1 GB of RSS).
func TestPreviewIsPaged(t *testing.T) {
	e := newEnv(t, nil)
	course := e.course("SESSION-BIG", 1)
	e.seedUsers(formateurUsername)
	e.enrol(course, roleEditingTeach, formateurUsername)
	const rows = 20_000
	var b strings.Builder
	b.WriteString("email;nom;prenom\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "personne%d@ac-a.fr;NOM%d;Prenom\n", i, i)
	}
	file := []byte(b.String())
	type page struct {
		Counts struct {
			Total    int            `json:"total"`
			ByStatus map[string]int `json:"by_status"`
		} `json:"counts"`
		Rows      []map[string]any `json:"rows"`
		Page      int              `json:"page"`
		PerPage   int              `json:"per_page"`
		Pages     int              `json:"pages"`
		TotalRows int              `json:"total_rows"`
	}
	get := func(query string) (page, int) {
		t.Helper()
		a := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/preview?lang=fr%s", course, query), "ac-a", secretA,
			e.users[formateurUsername], "text/csv", file)
		if a.status != 200 {
			t.Fatalf("preview%s: %d %s", query, a.status, a.body)
		}
		var p page
		if err := json.Unmarshal(a.body, &p); err != nil {
			t.Fatal(err)
		}
		return p, len(a.body)
	}
	first, size := get("")
	if first.TotalRows != rows || len(first.Rows) != 500 || first.Page != 1 || first.Pages != rows/500 {
		t.Fatalf("first page: total %d, %d rows, page %d of %d", first.TotalRows, len(first.Rows), first.Page, first.Pages)
	}
	if first.Counts.Total != rows || first.Counts.ByStatus["unknown"] != rows {
		t.Fatalf("counts cover every row: %v", first.Counts)
	}
	if size > 256<<10 {
		t.Fatalf("a page of the preview is %d bytes, want under 256 KiB (the file is %d)", size, len(file))
	}
	t.Logf("preview of %d rows (%d bytes of CSV): %d bytes per page of 500", rows, len(file), size)
	last, _ := get("&page=40&per_page=500")
	if len(last.Rows) != 500 || last.Rows[499]["email"] != fmt.Sprintf("personne%d@ac-a.fr", rows-1) {
		t.Fatalf("last page: %d rows, last %v", len(last.Rows), last.Rows[len(last.Rows)-1])
	}
	if beyond, _ := get("&page=41"); len(beyond.Rows) != 0 || beyond.TotalRows != rows {
		t.Fatalf("beyond the last page: %d rows", len(beyond.Rows))
	}
	for _, q := range []string{"&per_page=5000", "&page=0", "&page=x"} {
		a := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/preview?lang=fr%s", course, q), "ac-a", secretA,
			e.users[formateurUsername], "text/csv", file)
		if a.status != 400 {
			t.Fatalf("preview%s: %d, want 400", q, a.status)
		}
	}
}

// TestPreviewGroupsAndProblemsCoverTheWholeFile: the people a group will
// receive are counted over every row, not the page shown, and the
// "problems only" filter pages through the problem rows of the whole file.
func TestPreviewGroupsAndProblemsCoverTheWholeFile(t *testing.T) {
	e := newEnv(t, nil)
	course := e.course("SESSION-GRP", 1)
	e.seedUsers(formateurUsername)
	e.enrol(course, roleEditingTeach, formateurUsername)
	const known, unknown = 700, 300
	var names []string
	for i := 0; i < known; i++ {
		names = append(names, fmt.Sprintf("p%d", i))
	}
	e.seedUsers(names...)
	var b strings.Builder
	b.WriteString("email;nom;prenom\n")
	for i := 0; i < known+unknown; i++ {
		if i%10 < 7 {
			fmt.Fprintf(&b, "p%d@ac-a.fr;NOM;Prenom\n", i/10*7+i%10)
		} else {
			fmt.Fprintf(&b, "inconnu%d@ac-a.fr;NOM;Prenom\n", i)
		}
	}
	type answer struct {
		Rows         []map[string]any `json:"rows"`
		TotalRows    int              `json:"total_rows"`
		Pages        int              `json:"pages"`
		Groups       map[string]int   `json:"groups"`
		ProblemsOnly bool             `json:"problems_only"`
	}
	get := func(query string) answer {
		t.Helper()
		a := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/preview?lang=fr&group=G1%s", course, query), "ac-a", secretA,
			e.users[formateurUsername], "text/csv", []byte(b.String()))
		if a.status != 200 {
			t.Fatalf("preview%s: %d %s", query, a.status, a.body)
		}
		var out answer
		if err := json.Unmarshal(a.body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := get("&per_page=100")
	if len(all.Rows) != 100 || all.TotalRows != known+unknown || all.Groups["G1"] != known || all.ProblemsOnly {
		t.Fatalf("whole preview: %d rows of %d, groups %v (want G1: %d over the whole file)", len(all.Rows), all.TotalRows, all.Groups, known)
	}
	problems := get("&per_page=100&problems=1&page=3")
	if !problems.ProblemsOnly || problems.TotalRows != unknown || problems.Pages != 3 || len(problems.Rows) != 100 {
		t.Fatalf("problems only, page 3: %d rows of %d in %d pages", len(problems.Rows), problems.TotalRows, problems.Pages)
	}
	for _, r := range problems.Rows {
		if r["status"] != "unknown" {
			t.Fatalf("a row that goes as asked in the problems filter: %v", r)
		}
	}
	if problems.Groups["G1"] != known {
		t.Fatalf("the group count does not depend on the filter: %v", problems.Groups)
	}
}
