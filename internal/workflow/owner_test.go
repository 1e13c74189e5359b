package workflow_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Only package workflow changes a course's recorded state: no other
// package's code (tests and the store itself aside) writes it directly.
func TestOnlyWorkflowWritesCourseStates(t *testing.T) {
	writes := regexp.MustCompile(`\.(PutCourseState|ChangeCourse|RecordPurge)\(`)
	root := filepath.Join("..", "..")
	var offenders []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.ToSlash(filepath.Dir(rel))
		if dir == "internal/workflow" || dir == "internal/store" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if writes.Match(src) {
			offenders = append(offenders, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(offenders) > 0 {
		t.Errorf("course states written outside package workflow (ask workflow.Service.Record/RecordStep instead): %v", offenders)
	}
}
