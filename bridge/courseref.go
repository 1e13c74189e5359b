package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
)

// courseRef is a course flag that takes what an operator knows: a Moodle
// id, a shortname or an idnumber. parseFlags resolves names to the id the
// command works with, on the domain given by the command's --domain.
type courseRef struct {
	env    *cliEnv
	domain *string
	dst    *int64
	raw    string
	name   string
}

func (c *courseRef) String() string {
	if c == nil {
		return ""
	}
	return c.raw
}

func (c *courseRef) Set(s string) error {
	c.raw = strings.TrimSpace(s)
	*c.dst = 0
	if id, err := strconv.ParseInt(c.raw, 10, 64); err == nil {
		if id <= 0 {
			return fmt.Errorf("%q is not a course id, shortname or idnumber", s)
		}
		*c.dst = id
	}
	return nil
}

// courseVar binds a course flag (id, shortname or idnumber) to dst.
func courseVar(fs *flag.FlagSet, env *cliEnv, dst *int64, domain *string, name, usage string) {
	fs.Var(&courseRef{env: env, domain: domain, dst: dst, name: name}, name, usage+": id, shortname or idnumber")
}

// resolveCourseRefs turns every course flag given by name into its id.
func resolveCourseRefs(fs *flag.FlagSet) error {
	var refs []*courseRef
	fs.Visit(func(f *flag.Flag) {
		if cr, ok := unalias(f.Value).(*courseRef); ok && *cr.dst == 0 && cr.raw != "" {
			refs = append(refs, cr)
		}
	})
	if len(refs) == 0 {
		return nil
	}
	names := make([]string, len(refs))
	for i, cr := range refs {
		names[i] = cr.raw
	}
	ids, err := resolveCourseNames(refs[0].env, *refs[0].domain, names)
	if err != nil {
		return err
	}
	for i, cr := range refs {
		*cr.dst = ids[i]
	}
	return nil
}

// resolveCourseNames turns course references (ids, shortnames or
// idnumbers) into Moodle ids on one domain, in order.
func resolveCourseNames(env *cliEnv, domain string, refs []string) ([]int64, error) {
	ids := make([]int64, len(refs))
	var d *domains.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctx = moodle.WithReadRetry(ctx, moodle.ReadRetry{}) // a lookup: a transient failure is retried
	for i, ref := range refs {
		ref = strings.TrimSpace(ref)
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
			ids[i] = id
			continue
		}
		if d == nil {
			if domain == "" {
				return nil, usagef("--domain is required to find course %q", ref)
			}
			cfg, err := env.loadConfig()
			if err != nil {
				return nil, err
			}
			fleet, err := domains.NewFleet(cfg, nil, zerolog.Nop())
			if err != nil {
				return nil, err
			}
			if d, err = fleet.Get(domain); err != nil {
				return nil, usagef("%v", err)
			}
		}
		id, err := d.ResolveCourse(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("--course: %w", err)
		}
		ids[i] = id
	}
	return ids, nil
}
