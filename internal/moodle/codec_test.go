package moodle

import (
	"encoding/json"
	"reflect"
	"testing"
)

func pairsMap(t *testing.T, p Params) map[string]string {
	t.Helper()
	pairs, err := EncodeParams(p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, kv := range pairs {
		if _, dup := out[kv.Key]; dup {
			t.Fatalf("duplicate key %s", kv.Key)
		}
		out[kv.Key] = kv.Value
	}
	return out
}

func TestEncodeNestedAndDeterministic(t *testing.T) {
	p := Params{
		"courses": []CourseInput{{
			FullName: "CP Kourou", ShortName: "K1", CategoryID: 3, Visible: Ptr(0),
			CourseFormatOptions: []NameValue{{Name: "numsections", Value: "3"}},
		}},
		"options": map[string]any{"ids": []Int{2, 1}},
		"values":  []string{"a", "b"},
		"flag":    true,
		"off":     Bool(false),
		"ratio":   0.5,
		"nilptr":  (*int)(nil),
	}
	pairs, err := EncodeParams(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{
		{"courses[0][categoryid]", "3"},
		{"courses[0][courseformatoptions][0][name]", "numsections"},
		{"courses[0][courseformatoptions][0][value]", "3"},
		{"courses[0][fullname]", "CP Kourou"},
		{"courses[0][shortname]", "K1"},
		{"courses[0][visible]", "0"},
		{"flag", "1"},
		{"off", "0"},
		{"options[ids][0]", "2"},
		{"options[ids][1]", "1"},
		{"ratio", "0.5"},
		{"values[0]", "a"},
		{"values[1]", "b"},
	}
	if !reflect.DeepEqual(pairs, want) {
		t.Fatalf("pairs:\n got %v\nwant %v", pairs, want)
	}
	for i := 0; i < 20; i++ {
		again, _ := EncodeParams(p)
		if !reflect.DeepEqual(again, pairs) {
			t.Fatal("encoding is not deterministic")
		}
	}
	if got := FormBody(pairs[:2]); got != "courses%5B0%5D%5Bcategoryid%5D=3&courses%5B0%5D%5Bcourseformatoptions%5D%5B0%5D%5Bname%5D=numsections" {
		t.Fatalf("form body %q", got)
	}
}

func TestEncodeSliceKeepsOrderBeyondTen(t *testing.T) {
	ids := make([]Int, 12)
	for i := range ids {
		ids[i] = Int(100 + i)
	}
	pairs, err := EncodeParams(Params{"courseids": ids})
	if err != nil {
		t.Fatal(err)
	}
	if pairs[10].Key != "courseids[10]" || pairs[10].Value != "110" || pairs[2].Key != "courseids[2]" {
		t.Fatalf("slice order lost: %v", pairs)
	}
}

func TestEncodeRejectsUnsupported(t *testing.T) {
	if _, err := EncodeParams(Params{"f": func() {}}); err == nil {
		t.Fatal("a func value must be refused")
	}
	if _, err := EncodeParams(Params{"m": map[int]string{1: "x"}}); err == nil {
		t.Fatal("non-string map keys must be refused")
	}
}

// TestEncodeRoundTripTranscripts: for every recorded request, the structure
// rebuilt from its flat form encodes back to exactly the same keys and values.
func TestEncodeRoundTripTranscripts(t *testing.T) {
	n := 0
	for _, e := range loadEntries(t) {
		if e.Params == nil {
			continue
		}
		flat := map[string]string{}
		for k, v := range e.Params {
			if k != "wstoken" && k != "wsfunction" && k != "moodlewsrestformat" {
				flat[k] = v
			}
		}
		p, err := DecodeForm(flat)
		if err != nil {
			t.Fatalf("%s: %v", e.name(), err)
		}
		if got := pairsMap(t, p); !equalMaps(got, flat) {
			t.Errorf("%s:\n got %v\nwant %v", e.name(), got, flat)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d entries with params", n)
	}
}

// TestTypedRequestsMatchTranscripts builds requests with the typed inputs and
// compares them with the recorded forms.
func TestTypedRequestsMatchTranscripts(t *testing.T) {
	cases := []struct {
		file, function, note string
		params               Params
	}{
		{"users.json", fnCreateUsers, "", Params{"users": []UserInput{
			{Username: "laetitia.emerencienne", Password: "Passw0rd!", FirstName: "Lætitia", LastName: "Émerencienne",
				Email: "laetitia.emerencienne@example.com", Auth: "manual", IDNumber: "ELV-0001", Lang: "en", City: "Kourou", Country: "GF"},
			{Username: "jean.dupont", Password: "Passw0rd!", FirstName: "Jean", LastName: "Dupont",
				Email: "jean.dupont@example.com", Auth: "manual", IDNumber: "ENS-0001"},
			{Username: "kevin.lapierre", Password: "Passw0rd!", FirstName: "Kévin", LastName: "Lapierre",
				Email: "kevin.lapierre@example.com", Auth: "manual", IDNumber: "ELV-0002",
				Preferences: []TypeValue{{Type: "auth_forcepasswordchange", Value: "0"}}},
		}}},
		{"users.json", fnGetUsersByField, "", Params{"field": "email", "values": []string{
			"laetitia.emerencienne@example.com", "jean.dupont@example.com", "nobody@example.com"}}},
		{"misc.json", fnCreateCalendarEvents, "", Params{"events": []EventInput{{
			Name: "Réunion parents", CourseID: 2, EventType: "course", TimeStart: 1768089600, TimeDuration: 3600,
			Description: "Réunion au collège", Format: 1}}}},
		{"misc.json", fnSendInstantMessages, "", Params{"messages": []MessageInput{{
			ToUserID: 3, Text: "Bonjour Lætitia !", TextFormat: 1, ClientMsgID: "bridge-1"}}}},
		{"delete_course.json", fnDeleteCourses, "", Params{"courseids": []Int{6}}},
		{"errors.json", fnEnrolUsers, "batch with one good and one bad row", Params{"enrolments": []Enrolment{
			{RoleID: 5, UserID: 3, CourseID: 2}, {RoleID: 5, UserID: 999999, CourseID: 2}}}},
	}
	if _, shared := transcriptDir(t); shared {
		cases = append(cases,
			struct {
				file, function, note string
				params               Params
			}{"create_course.json", fnCreateCourses, "", Params{"courses": []CourseInput{{
				FullName: "CP Kourou — Lecture 2026", ShortName: "KOUROU-CP-2026", CategoryID: 3, IDNumber: "KOUROU-CP-2026-ID",
				Summary: "<p>Cours de lecture, niveau CP. Élèves de Kourou.</p>", SummaryFormat: 1, Format: "topics",
				ShowGrades: Ptr(1), NewsItems: Ptr(0), StartDate: 1767225600, EndDate: 1782864000, Visible: Ptr(1),
				EnableCompletion: Ptr(1), CourseFormatOptions: []NameValue{{Name: "numsections", Value: "3"}}}}}},
			struct {
				file, function, note string
				params               Params
			}{"create_course.json", fnGetCourses, "", Params{"options": map[string]any{"ids": []Int{2}}}},
			struct {
				file, function, note string
				params               Params
			}{"enrol.json", fnAssignRoles, "assign role via contextlevel+instanceid", Params{"assignments": []RoleAssignment{
				{RoleID: 5, UserID: 3, InstanceID: 2, ContextLevel: "course"}}}},
			struct {
				file, function, note string
				params               Params
			}{"enrol.json", fnGetEnrolledUsers, "options userfields", Params{"courseid": Int(2),
				"options": EnrolledUsersOptions{UserFields: []string{"id", "fullname", "email", "roles", "idnumber", "groups"}}.params()}},
			struct {
				file, function, note string
				params               Params
			}{"duplicate_course.json", fnDuplicateCourse, "", paramsOf(DuplicateInput{CourseID: 2,
				FullName: "CP Kourou — Lecture 2026 (copie)", ShortName: "KOUROU-CP-2026-COPY", CategoryID: 4, Visible: Ptr(0),
				Options: []NameValue{{"activities", "1"}, {"blocks", "1"}, {"filters", "1"}, {"users", "0"},
					{"role_assignments", "0"}, {"comments", "0"}, {"userscompletion", "0"}, {"logs", "0"}, {"grade_histories", "0"}}})},
		)
	}
	entries := loadEntries(t)
	for _, tc := range cases {
		want := findParams(entries, tc.file, tc.function, tc.note)
		if want == nil {
			t.Errorf("%s %s: no recorded entry", tc.file, tc.function)
			continue
		}
		if got := pairsMap(t, tc.params); !equalMaps(got, want) {
			t.Errorf("%s %s:\n got %v\nwant %v", tc.file, tc.function, got, want)
		}
	}
}

func findParams(entries []entry, file, function, note string) map[string]string {
	for _, e := range entries {
		if e.File != file || e.function() != function || (note != "" && e.Note != note) || e.Params == nil {
			continue
		}
		out := map[string]string{}
		for k, v := range e.Params {
			if k != "wstoken" && k != "wsfunction" && k != "moodlewsrestformat" {
				out[k] = v
			}
		}
		return out
	}
	return nil
}

func TestTolerantTypes(t *testing.T) {
	var v struct {
		A, B, C, D, E, F Bool
		I, J, K          Int
		X, Y             Float
		S, T             String
	}
	in := `{"A":1,"B":false,"C":"1","D":"0","E":true,"F":null,"I":"42","J":null,"K":7,"X":"0.25","Y":1,"S":2,"T":"w"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A || v.B || !v.C || v.D || !v.E || v.F {
		t.Errorf("bools: %+v", v)
	}
	if v.I != 42 || v.J != 0 || v.K != 7 || v.X != 0.25 || v.Y != 1 || v.S != "2" || v.T != "w" {
		t.Errorf("numbers/strings: %+v", v)
	}
	var bad Bool
	if err := json.Unmarshal([]byte(`"maybe"`), &bad); err == nil {
		t.Error(`"maybe" must not decode as a Bool`)
	}
	var badInt Int
	if err := json.Unmarshal([]byte(`"abc"`), &badInt); err == nil {
		t.Error(`"abc" must not decode as an Int`)
	}
}

func BenchmarkEncodeCreateUsers100(b *testing.B) {
	users := make([]UserInput, 100)
	for i := range users {
		users[i] = UserInput{Username: "u" + itoa(int64(i)), FirstName: "F", LastName: "L", Email: "u@example.com", Auth: "shibboleth"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeParams(Params{"users": users}); err != nil {
			b.Fatal(err)
		}
	}
}
