package moodlesim

import (
	"os"
	"path/filepath"
	"testing"
)

// recordedOrder is the order the transcripts were recorded in, against one
// fresh site; ids in later files depend on earlier ones.
var recordedOrder = []string{
	"site_info", "categories", "create_course", "course_contents", "update_course", "users",
	"enrol_mail_failure", "enrol", "groups", "completion", "duplicate_course", "misc", "errors",
	"errors_debug_developer", "delete_course",
}

// TestContract replays every transcript against one fresh server through
// real HTTP and compares each answer with the recorded one.
func TestContract(t *testing.T) {
	dir, shared := transcriptDir(t)
	if !shared {
		t.Logf("shared transcripts not found, replaying the copies in %s", dir)
	}
	r := newReplayer(t, Options{})
	site := r.srv.Site("")
	replayed := 0
	for _, name := range recordedOrder {
		path := filepath.Join(dir, name+".json")
		if _, err := os.Stat(path); err != nil {
			if shared {
				t.Errorf("transcript %s missing", path)
			}
			continue
		}
		entries := loadTranscript(t, path)
		r.replay(name+".json", entries, contractHooks(t, r, site, name))
		afterFile(r, site, name)
		replayed += len(entries)
	}
	if replayed == 0 {
		t.Fatal("no transcript entry replayed")
	}
}

// contractHooks seeds what the recording did outside web services, right
// before the call that depends on it.
func contractHooks(t *testing.T, r *replayer, site *Site, file string) func(int) {
	return func(i int) {
		switch {
		case file == "course_contents" && i == 0:
			// "after adding (via PHP CLI, not WS) a Page with manual
			// completion and a Page without completion", plus criteria.
			cm1, err := site.AddActivity(2, "Lecture : séance 1", "page", 1)
			if err != nil {
				t.Fatalf("seed activity: %v", err)
			}
			if _, err := site.AddActivity(2, "Page sans suivi", "page", 0); err != nil {
				t.Fatalf("seed activity: %v", err)
			}
			if err := site.SetCompletionCriteria(2, Criteria{Activities: []int{cm1}, Self: true, Aggregation: 1}); err != nil {
				t.Fatalf("seed criteria: %v", err)
			}
		case file == "enrol_mail_failure" && i == 0:
			site.SetMailFailure(MailFailOnReenrol) // noemailever=0, no transport
		case file == "errors_debug_developer" && i == 0:
			r.srv.SetDebug(true) // debug=32767 for this file only
		case (file == "errors" || file == "errors_debug_developer") && i == 28:
			site.SetRESTEnabled(false)
		case (file == "errors" || file == "errors_debug_developer") && i == 29:
			site.SetRESTEnabled(true)
			site.SetWebServicesEnabled(false)
		}
	}
}

func afterFile(r *replayer, site *Site, file string) {
	switch file {
	case "enrol_mail_failure":
		site.SetMailFailure(MailOK)
	case "errors", "errors_debug_developer":
		site.SetWebServicesEnabled(true)
		site.SetRESTEnabled(true)
		r.srv.SetDebug(false)
	}
}

// TestContractFiles replays files.json on its own fresh server, as it was
// recorded.
func TestContractFiles(t *testing.T) {
	dir, _ := transcriptDir(t)
	path := filepath.Join(dir, "files.json")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("files transcript missing: %v", err)
	}
	r := newReplayer(t, Options{})
	r.replay("files.json", loadTranscript(t, path), nil)
}

// TestContractTestdataCopies replays the package's own small copies, so
// the fallback used without /work/shared is exercised everywhere.
func TestContractTestdataCopies(t *testing.T) {
	dir := filepath.Join("testdata", "transcripts")
	r := newReplayer(t, Options{})
	for _, name := range recordedOrder {
		path := filepath.Join(dir, name+".json")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		r.replay("testdata/"+name+".json", loadTranscript(t, path), nil)
	}
	files := newReplayer(t, Options{})
	files.replay("testdata/files.json", loadTranscript(t, filepath.Join(dir, "files.json")), nil)
}
