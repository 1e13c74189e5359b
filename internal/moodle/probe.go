package moodle

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// SiteInfo is core_webservice_get_site_info: who the token is and what it may call.
type SiteInfo struct {
	SiteName        string     `json:"sitename"`
	Username        string     `json:"username"`
	FullName        string     `json:"fullname"`
	Lang            string     `json:"lang"`
	UserID          Int        `json:"userid"`
	SiteURL         string     `json:"siteurl"`
	Functions       []Function `json:"functions"`
	DownloadFiles   Bool       `json:"downloadfiles"`
	UploadFiles     Bool       `json:"uploadfiles"`
	Release         string     `json:"release"`
	Version         string     `json:"version"`
	UserIsSiteAdmin Bool       `json:"userissiteadmin"`
	SiteID          Int        `json:"siteid"`
	Theme           string     `json:"theme"`
}

// Function is one function of the token's service.
type Function struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Release is a parsed Moodle release string such as "4.5.5+ (Build: 20250613)".
type Release struct {
	Raw   string
	Major int
	Minor int
	Patch int
	Plus  bool
	Build string
}

var releasePattern = regexp.MustCompile(`^\s*(\d+)\.(\d+)(?:\.(\d+))?(\+)?(?:[^(]*\(Build:\s*([^)]*)\))?`)

// ParseRelease reads major, minor and patch out of a release string.
func ParseRelease(s string) (Release, error) {
	m := releasePattern.FindStringSubmatch(s)
	if m == nil {
		return Release{Raw: s}, fmt.Errorf("parse moodle release %q: no version number", s)
	}
	r := Release{Raw: s, Plus: m[4] == "+", Build: m[5]}
	r.Major, _ = strconv.Atoi(m[1])
	r.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		r.Patch, _ = strconv.Atoi(m[3])
	}
	return r, nil
}

// AtLeast reports whether the release is major.minor or later.
func (r Release) AtLeast(major, minor int) bool {
	return r.Major > major || (r.Major == major && r.Minor >= minor)
}

// Strategy is what the bridge may do on one site, derived from its probe.
type Strategy struct {
	Site    string
	Info    SiteInfo
	Release Release
	funcs   map[string]string
}

// NewStrategy derives a strategy from site info; an unparsable release
// leaves Release zero and the decisions rely on the function list alone.
func NewStrategy(site string, info SiteInfo) *Strategy {
	s := &Strategy{Site: site, Info: info, funcs: make(map[string]string, len(info.Functions))}
	s.Release, _ = ParseRelease(info.Release)
	for _, f := range info.Functions {
		s.funcs[f.Name] = f.Version
	}
	return s
}

// HasFunction reports whether the token's service offers the function.
func (s *Strategy) HasFunction(name string) bool {
	_, ok := s.funcs[name]
	return ok
}

// CourseLookupFunction is the function used to find courses by a field:
// core_course_get_courses_by_field from 3.2, core_course_get_courses before.
func (s *Strategy) CourseLookupFunction() string {
	if s.HasFunction(fnGetCoursesByField) {
		return fnGetCoursesByField
	}
	return fnGetCourses
}

// RequireFunctions fails with every missing function named at once.
func (s *Strategy) RequireFunctions(names ...string) error {
	var missing []string
	for _, name := range names {
		if !s.HasFunction(name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return &MissingFunctionsError{Site: s.Site, Missing: missing}
}

// GetSiteInfo calls core_webservice_get_site_info.
func (c *Client) GetSiteInfo(ctx context.Context) (*SiteInfo, error) {
	var info SiteInfo
	if err := c.Call(ctx, fnGetSiteInfo, nil, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Probe reads the site info and keeps the derived Strategy for later calls.
func (c *Client) Probe(ctx context.Context) (*SiteInfo, error) {
	info, err := c.GetSiteInfo(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.strategy = NewStrategy(c.site.Name, *info)
	c.mu.Unlock()
	return info, nil
}

// Strategy returns the strategy of the last Probe, nil before any.
func (c *Client) Strategy() *Strategy {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.strategy
}

// RequireFunctions checks the probed function list; it probes first if needed.
func (c *Client) RequireFunctions(ctx context.Context, names ...string) error {
	s := c.Strategy()
	if s == nil {
		if _, err := c.Probe(ctx); err != nil {
			return err
		}
		s = c.Strategy()
	}
	return s.RequireFunctions(names...)
}
