package moodlesim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// courseDoc is what a backup carries: the course settings, sections,
// modules and completion settings, never users. It is also how duplicate
// and import copy a course, so all three copy the same things.
type courseDoc struct {
	Version          int          `json:"version"`
	Fullname         string       `json:"fullname"`
	Shortname        string       `json:"shortname"`
	Summary          string       `json:"summary"`
	Format           string       `json:"format"`
	ShowGrades       int          `json:"showgrades"`
	NewsItems        int          `json:"newsitems"`
	StartDate        int64        `json:"startdate"`
	EndDate          int64        `json:"enddate"`
	EnableCompletion int          `json:"enablecompletion"`
	HiddenSections   int          `json:"hiddensections"`
	CourseDisplay    int          `json:"coursedisplay"`
	Sections         []docSection `json:"sections"`
	// Criteria refer to modules by their position in document order,
	// since cmids change on restore.
	CriteriaActivities []int `json:"criteria_activities,omitempty"`
	CriteriaSelf       bool  `json:"criteria_self,omitempty"`
	CriteriaAggregate  int   `json:"criteria_aggregation,omitempty"`
	HasCriteria        bool  `json:"has_criteria"`
}

type docSection struct {
	Num     int         `json:"num"`
	Name    string      `json:"name"`
	Summary string      `json:"summary"`
	Visible int         `json:"visible"`
	Modules []docModule `json:"modules"`
}

type docModule struct {
	ModName    string `json:"modname"`
	Name       string `json:"name"`
	Completion int    `json:"completion"`
	Visible    int    `json:"visible"`
	Indent     int    `json:"indent"`
	Content    string `json:"content,omitempty"`
}

func (s *Site) exportCourse(co *course) *courseDoc {
	doc := &courseDoc{Version: 1, Fullname: co.fullname, Shortname: co.shortname, Summary: co.summary, Format: co.format,
		ShowGrades: co.showgrades, NewsItems: co.newsitems, StartDate: co.startdate, EndDate: co.enddate,
		EnableCompletion: co.enablecompletion, HiddenSections: co.hiddensections, CourseDisplay: co.coursedisplay}
	position := map[int]int{}
	n := 0
	for _, sec := range co.sections {
		ds := docSection{Num: sec.num, Name: sec.name, Summary: sec.summary, Visible: sec.visible, Modules: []docModule{}}
		for _, cmid := range sec.cms {
			m := s.modules[cmid]
			ds.Modules = append(ds.Modules, docModule{ModName: m.modname, Name: m.name, Completion: m.completion, Visible: m.visible, Indent: m.indent, Content: m.content})
			position[cmid] = n
			n++
		}
		doc.Sections = append(doc.Sections, ds)
	}
	if cr := co.criteria; cr != nil {
		doc.HasCriteria, doc.CriteriaSelf, doc.CriteriaAggregate = true, cr.Self, cr.Aggregation
		for _, cmid := range cr.Activities {
			if pos, ok := position[cmid]; ok {
				doc.CriteriaActivities = append(doc.CriteriaActivities, pos)
			}
		}
	}
	return doc
}

func (d *courseDoc) stripActivities() {
	for i := range d.Sections {
		d.Sections[i].Modules = []docModule{}
	}
	d.CriteriaActivities = nil
}

// importCourseDoc creates a new course from a document, as a restore into
// a new course does (idnumber not kept, sortorder 0 until the category is
// re-sorted, as recorded for duplicate_course).
func (s *Site) importCourseDoc(doc *courseDoc, categoryID int, fullname, shortname string) *course {
	now := s.now()
	co := &course{category: categoryID, fullname: fullname, shortname: shortname, summary: doc.Summary, summaryFormat: 1,
		format: doc.Format, showgrades: doc.ShowGrades, newsitems: doc.NewsItems, visible: 1, startdate: doc.StartDate,
		enddate: doc.EndDate, enablecompletion: doc.EnableCompletion, hiddensections: doc.HiddenSections,
		coursedisplay: doc.CourseDisplay, timecreated: now, timemodified: now, cacherev: now}
	co.id = s.nextID("course")
	co.contextID = s.newContext(ctxCourse, co.id)
	s.courses[co.id] = co
	s.wrote("course:%s", co.shortname)
	s.addEnrolInstances(co)
	var cmids []int
	for _, ds := range doc.Sections {
		sec := s.addSection(co, ds.Name)
		sec.summary, sec.visible = ds.Summary, ds.Visible
		for _, m := range ds.Modules {
			cmids = append(cmids, s.addModule(co, sec.num, m.ModName, m.Name, m.Completion, m.Visible, m.Indent, m.Content))
		}
	}
	if len(co.sections) == 0 {
		s.addSection(co, "")
	}
	if doc.HasCriteria {
		cr := &Criteria{Self: doc.CriteriaSelf, Aggregation: doc.CriteriaAggregate}
		for _, pos := range doc.CriteriaActivities {
			if pos >= 0 && pos < len(cmids) {
				cr.Activities = append(cr.Activities, cmids[pos])
			}
		}
		co.criteria = cr
	}
	return co
}

const mbzCourseFile = "course/course.json"

// writeMBZ packs a course document as a gzip'd tar, like Moodle's .mbz
// (which is a tgz of XML files): moodle_backup.xml plus the JSON document.
func writeMBZ(doc *courseDoc, when time.Time) ([]byte, error) {
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode course document: %w", err)
	}
	manifest := fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<moodle_backup>\n  <information>\n    <name>%s</name>\n    <original_course_fullname>%s</original_course_fullname>\n    <backup_date>%d</backup_date>\n    <type>course</type>\n    <format>moodle2</format>\n  </information>\n</moodle_backup>\n",
		htmlEscape(doc.Shortname), htmlEscape(doc.Fullname), when.Unix())
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		data []byte
	}{{"moodle_backup.xml", []byte(manifest)}, {mbzCourseFile, body}} {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: when}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("write backup entry %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("write backup entry %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close backup archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("close backup archive: %w", err)
	}
	return buf.Bytes(), nil
}

// readMBZ unpacks what writeMBZ wrote.
func readMBZ(data []byte) (*courseDoc, error) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("backup file is not gzip: %w", err))
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, failure.Permanent(fmt.Errorf("backup file has no %s", mbzCourseFile))
		}
		if err != nil {
			return nil, failure.Permanent(fmt.Errorf("read backup archive: %w", err))
		}
		if hdr.Name != mbzCourseFile {
			continue
		}
		var doc courseDoc
		if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(&doc); err != nil {
			return nil, failure.Permanent(fmt.Errorf("decode course document: %w", err))
		}
		return &doc, nil
	}
}
