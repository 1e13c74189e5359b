package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
)

// refKind is what a reference flag names on a domain.
type refKind int

const (
	refCourse   refKind = iota // id, shortname or idnumber
	refUser                    // id, username or e-mail
	refCategory                // id, idnumber or path of names
)

var refKindNames = map[refKind]string{refCourse: "COURSE", refUser: "USER", refCategory: "CATEGORY"}

// courseRef is a flag that takes what an operator knows (a course's
// shortname, a user's e-mail, a category's path) or a Moodle id.
// parseFlags resolves names to the id the command works with, on the
// domain given by the command's --domain.
type courseRef struct {
	env    *cliEnv
	kind   refKind
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
			return fmt.Errorf("%q is not an id nor a name", s)
		}
		*c.dst = id
	}
	return nil
}

// courseVar binds a course flag (id, shortname or idnumber) to dst.
func courseVar(fs *flag.FlagSet, env *cliEnv, dst *int64, domain *string, name, usage string) {
	fs.Var(&courseRef{env: env, kind: refCourse, domain: domain, dst: dst, name: name}, name, usage+": id, shortname or idnumber")
}

// userVar binds a user flag (id, username or e-mail) to dst.
func userVar(fs *flag.FlagSet, env *cliEnv, dst *int64, domain *string, name, usage string) {
	fs.Var(&courseRef{env: env, kind: refUser, domain: domain, dst: dst, name: name}, name, usage+": id, username or e-mail")
}

// categoryVar binds a category flag (id, idnumber or path) to dst.
func categoryVar(fs *flag.FlagSet, env *cliEnv, dst *int64, domain *string, name, usage string) {
	fs.Var(&courseRef{env: env, kind: refCategory, domain: domain, dst: dst, name: name}, name, usage+`: id, idnumber or path "Parent / Child"`)
}

// resolveCourseRefs turns every reference flag given by name into its id.
func resolveCourseRefs(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		cr, ok := unalias(f.Value).(*courseRef)
		if !ok || *cr.dst != 0 || cr.raw == "" || err != nil {
			return
		}
		var ids []int64
		if ids, err = resolveRefs(cr.env, cr.kind, *cr.domain, []string{cr.raw}); err == nil {
			*cr.dst = ids[0]
		} else {
			err = fmt.Errorf("--%s: %w", cr.name, err)
		}
	})
	return err
}

// resolveCourseNames turns course references (ids, shortnames or
// idnumbers) into Moodle ids on one domain, in order.
func resolveCourseNames(env *cliEnv, domain string, refs []string) ([]int64, error) {
	ids, err := resolveRefs(env, refCourse, domain, refs)
	if err != nil {
		return nil, fmt.Errorf("--course: %w", err)
	}
	return ids, nil
}

// resolveUserList reads a comma-separated list of users (ids, usernames or
// e-mail addresses) into Moodle ids on domain; flag names it in errors.
func resolveUserList(env *cliEnv, domain, flagName, list string) ([]int64, error) {
	var refs []string
	for _, part := range strings.Split(list, ",") {
		if part = strings.TrimSpace(part); part != "" {
			refs = append(refs, part)
		}
	}
	ids, err := resolveRefs(env, refUser, domain, refs)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	return ids, nil
}

// resolveRefs turns references of one kind into Moodle ids on one domain,
// in order; ids need no look-up.
func resolveRefs(env *cliEnv, kind refKind, domain string, refs []string) ([]int64, error) {
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
			var err error
			if d, err = env.lookupDomain(domain, ref); err != nil {
				return nil, err
			}
		}
		var id int64
		var err error
		switch kind {
		case refUser:
			id, err = d.ResolveUser(ctx, ref)
		case refCategory:
			id, err = d.ResolveCategory(ctx, ref)
		default:
			id, err = d.ResolveCourse(ctx, ref)
		}
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// lookupDomain is the domain names are looked up on.
func (env *cliEnv) lookupDomain(domain, ref string) (*domains.Domain, error) {
	if domain == "" {
		return nil, usagef("--domain is required to find %q", ref)
	}
	fleet, err := env.lookupFleet()
	if err != nil {
		return nil, err
	}
	d, err := fleet.Get(domain)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return d, nil
}

// lookupFleet is the fleet names are looked up on, built once per command
// and handed over to the app the command opens (openApp): a command that
// resolves a shortname then works connects to the site's database once.
func (env *cliEnv) lookupFleet() (*domains.Fleet, error) {
	if env.fleet != nil {
		return env.fleet, nil
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return nil, err
	}
	fleet, err := domains.NewFleet(cfg, nil, newLogger(env, cfg))
	if err != nil {
		return nil, err
	}
	env.fleet = fleet
	return fleet, nil
}

// takeFleet hands the lookup fleet over to its new owner (nil if none was built).
func (env *cliEnv) takeFleet() *domains.Fleet {
	f := env.fleet
	env.fleet = nil
	return f
}

// closeFleet closes a lookup fleet no app took over.
func (env *cliEnv) closeFleet() {
	if f := env.takeFleet(); f != nil {
		f.Close()
	}
}
