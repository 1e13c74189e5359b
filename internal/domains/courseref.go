package domains

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/moodle"
)

// ResolveCourse finds a course the way an operator names it: its Moodle
// id, its shortname or its idnumber. A reference matching nothing is an
// error naming the domain and what was tried.
func (d *Domain) ResolveCourse(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return 0, fmt.Errorf("no course given")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	for _, field := range []string{"shortname", "idnumber"} {
		var c *moodle.Course
		var err error
		if field == "shortname" {
			c, err = d.Client.FindCourse(ctx, ref, "")
		} else {
			c, err = d.Client.FindCourse(ctx, "", ref)
		}
		if err != nil {
			return 0, fmt.Errorf("looking up course %q on %s: %w", ref, d.Name(), err)
		}
		if c != nil {
			return int64(c.ID), nil
		}
	}
	return 0, fmt.Errorf("no course %q on %s (looked for that id, shortname and idnumber); check the spelling, or `bridge workflow show` lists what the bridge knows", ref, d.Name())
}
