package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// Participant follow-up. Aggregate outputs (sync, show) carry counts
// only; nominative ones (list, certificates) and attendance changes are
// audited under who really acted: the operator (cli:<OS user>), or with
// --as on behalf of that Moodle user, whose roles in the course are then
// checked (only active enrolments count).
func init() {
	register(&command{name: "tracking sync", summary: "refresh progress snapshots of a session (--course) or of every session of a domain", run: runTrackingSync})
	register(&command{name: "tracking show", summary: "aggregate statistics of a session or a domain (no names)", run: runTrackingShow})
	register(&command{name: "tracking list", summary: "the enrolment list with progress (nominative, audited: the operator, or --as a formateur or manager)", run: runTrackingList})
	register(&command{name: "attendance mark", summary: "mark \"Formation terminée\" for participants (--as a formateur or manager)", run: runAttendance(true)})
	register(&command{name: "attendance unmark", summary: "undo \"Formation terminée\" for participants (audited)", run: runAttendance(false)})
	register(&command{name: "certificates", summary: "collective attendance report and individual certificates as PDF (--as a formateur or manager)", run: runCertificates})
}

type trackingFlags struct {
	domain *string
	course *int64
	as     *int64
}

func addTrackingFlags(env *cliEnv, fs *flag.FlagSet, withAs bool) trackingFlags {
	f := trackingFlags{domain: fs.String("domain", "", "domain (required)"), course: new(int64)}
	courseVar(fs, env, f.course, f.domain, "course", "the course")
	if withAs {
		f.as = new(int64)
		userVar(fs, env, f.as, f.domain, "as", "on behalf of this Moodle user, who must be a formateur or manager of the course (optional: without it the operator acts, audited as cli:<OS user>)")
	}
	return f
}

func (f trackingFlags) check(needCourse bool) error {
	if *f.domain == "" || (needCourse && *f.course <= 0) {
		return usagef("--domain and --course are required")
	}
	if f.as != nil && *f.as < 0 {
		return usagef("--as takes a Moodle user id")
	}
	return nil
}

// who is for whom the command reads or changes, as the audit records it:
// the operator (cli:<OS user>), or, with --as, the Moodle user whose roles
// are checked, on whose behalf the operator acts.
func (f trackingFlags) who() tracking.Who {
	if f.as == nil || *f.as == 0 {
		return tracking.Who{Operator: true, Actor: cliActor()}
	}
	return tracking.Who{UserID: *f.as, Actor: cliActor() + " on behalf of " + tracking.MoodleActor(*f.domain, *f.as)}
}

func withTracking(ctx context.Context, env *cliEnv, fn func(a *app.App, svc *tracking.Service) error) error {
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a, a.Tracking)
}

func runTrackingSync(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "tracking sync", "--domain D [--course C]")
	f := addTrackingFlags(env, fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(false); err != nil {
		return err
	}
	return withTracking(ctx, env, func(a *app.App, _ *tracking.Service) error {
		if _, err := a.Fleet.Get(*f.domain); err != nil {
			return usagef("%v", err)
		}
		var ids []int64
		if *f.course > 0 {
			ids = []int64{*f.course}
		}
		// A job (checkpointed per chunk of courses, retried, resumable),
		// run here with its progress on stderr.
		job, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: tracking.KindSync, Domain: *f.domain,
			Payload: tracking.SyncPayload{CourseIDs: ids}, RequestedBy: cliActor()})
		if err != nil {
			return err
		}
		if job, err = runJobLocally(ctx, env, a, job); err != nil {
			return err
		}
		var res app.TrackingSyncResult
		if err := json.Unmarshal(job.Result, &res); err != nil {
			return fmt.Errorf("tracking sync: job %d: unreadable result: %w", job.ID, err)
		}
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(map[string]int{"sessions": res.Sessions})
		}
		for _, s := range res.Courses {
			fmt.Fprintf(env.stdout, "course %d: %d enrolled, %d connected, %d completed (source %s)\n",
				s.CourseID, s.Enrolled, s.Connected, s.Completed, s.Source)
		}
		fmt.Fprintf(env.stdout, "%d session(s) synced on %s\n", res.Sessions, *f.domain)
		return nil
	})
}

func runTrackingShow(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "tracking show", "--domain D [--course C] [--svg FILE]")
	f := addTrackingFlags(env, fs, false)
	svg := fs.String("svg", "", "also write the progress distribution as an SVG chart")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(false); err != nil {
		return err
	}
	return withTracking(ctx, env, func(a *app.App, _ *tracking.Service) error {
		st, err := tracking.Statistics(ctx, a.Store, *f.domain, *f.course)
		if err != nil {
			return err
		}
		if *svg != "" {
			title := "Progression — " + *f.domain
			if *f.course > 0 {
				title += fmt.Sprintf(" — cours %d", *f.course)
			}
			if err := os.WriteFile(*svg, []byte(st.SVG(title)), 0o644); err != nil {
				return fmt.Errorf("write chart: %w", err)
			}
		}
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(st)
		}
		printStats(env, st)
		return nil
	})
}

func printStats(env *cliEnv, st tracking.Stats) {
	scope := "domain " + st.Domain
	if st.CourseID > 0 {
		scope = fmt.Sprintf("course %d on %s", st.CourseID, st.Domain)
	}
	fmt.Fprintf(env.stdout, "%s: %d session(s)\n", scope, st.Sessions)
	fmt.Fprintf(env.stdout, "  enrolled %d, ever connected %d, course completed %d, attended (Formation terminée) %d\n",
		st.Enrolled, st.Connected, st.Completed, st.Attended)
	var parts []string
	for i, n := range st.Buckets {
		parts = append(parts, fmt.Sprintf("%s%%: %d", tracking.BucketLabels[i], n))
	}
	fmt.Fprintf(env.stdout, "  progress: %s\n", strings.Join(parts, ", "))
}

func runTrackingList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "tracking list", "--domain D --course C [--as USERID] [--gaia DISPOSITIF/MODULE/GROUPE|others]")
	f := addTrackingFlags(env, fs, true)
	gaiaFilter := fs.String("gaia", "", "only the people of the course's GAIA session (its key), or \"others\" for everyone else")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(true); err != nil {
		return err
	}
	return withTracking(ctx, env, func(a *app.App, svc *tracking.Service) error {
		sess, err := svc.Nominative(ctx, *f.domain, *f.course, f.who(), "tracking.enrolment_list")
		if err != nil {
			return err
		}
		present, err := a.Store.Attendance(ctx, *f.domain, *f.course)
		if err != nil {
			return err
		}
		if *gaiaFilter != "" {
			if err := filterGaia(ctx, svc, *f.domain, *f.course, *gaiaFilter, sess); err != nil {
				return err
			}
		}
		if env.format == "json" {
			rows := make([]map[string]any, 0, len(sess.Participants))
			for _, p := range sess.Participants {
				rows = append(rows, map[string]any{"user_id": p.UserID, "lastname": p.LastName, "firstname": p.FirstName,
					"etablissement": p.Etablissement, "done": p.Done, "monitored": p.Monitored, "percent": p.Percent(),
					"last_access": parisTime(p.LastAccess), "attended": present[p.UserID]})
			}
			return json.NewEncoder(env.stdout).Encode(rows)
		}
		// Cells are escaped against formula injection (the file is opened
		// in a spreadsheet); the user id, last in the row, is what
		// `attendance --users` takes.
		w := csv.NewWriter(env.stdout)
		w.Write([]string{"nom", "prenom", "etablissement", "activites_terminees", "activites_suivies", "progression", "derniere_connexion", "formation_terminee", "id_moodle"})
		for _, p := range sess.Participants {
			w.Write([]string{enrol.EscapeCell(p.LastName), enrol.EscapeCell(p.FirstName), enrol.EscapeCell(p.Etablissement),
				strconv.Itoa(p.Done), strconv.Itoa(p.Monitored), strconv.Itoa(p.Percent()), parisTime(p.LastAccess),
				strconv.FormatBool(present[p.UserID]), strconv.FormatInt(p.UserID, 10)})
		}
		w.Flush()
		return w.Error()
	})
}

// filterGaia keeps the people of the course's GAIA session (filter = its
// key, normalised: group "01" is "1"), or everyone else ("others").
func filterGaia(ctx context.Context, svc *tracking.Service, domain string, course int64, filter string, sess *tracking.Session) error {
	key, members, err := svc.GaiaMembers(ctx, domain, course)
	if err != nil {
		return err
	}
	others := strings.EqualFold(filter, "others")
	if !others {
		parts := strings.Split(filter, "/")
		if len(parts) != 3 {
			return usagef("--gaia wants dispositif/module/groupe or others, got %q", filter)
		}
		if key == "" || gaia.SessionKey(parts[0], parts[1], parts[2]) != key {
			linked := key
			if linked == "" {
				linked = "none (or the site lacks local_bridge)"
			}
			return usagef("course %d is not linked to GAIA session %s: its GAIA session is %s", course, filter, linked)
		}
	}
	kept := sess.Participants[:0]
	for _, p := range sess.Participants {
		if members[p.UserID] != others {
			kept = append(kept, p)
		}
	}
	sess.Participants = kept
	return nil
}

// parisTime prints a Moodle timestamp as a French date and time, Europe/Paris;
// "" for never.
func parisTime(ts int64) string {
	if ts <= 0 {
		return ""
	}
	return time.Unix(ts, 0).In(fr.Paris()).Format("02/01/2006 15:04")
}

func runAttendance(present bool) func(context.Context, *cliEnv, []string) error {
	name := map[bool]string{true: "attendance mark", false: "attendance unmark"}[present]
	return func(ctx context.Context, env *cliEnv, args []string) error {
		fs := newFlags(env, name, "--domain D --course C --users ID,ID… [--as USERID] [--mirror]")
		f := addTrackingFlags(env, fs, true)
		users := fs.String("users", "", "participants, comma-separated: ids, usernames or e-mail addresses (required)")
		mirror := fs.Bool("mirror", false, "also set Moodle's course completion (local_bridge_mark_course_complete)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if err := f.check(true); err != nil {
			return err
		}
		ids, err := resolveUserList(env, *f.domain, "users", *users)
		if err != nil {
			return err
		}
		return withTracking(ctx, env, func(a *app.App, svc *tracking.Service) error {
			res, err := svc.SetAttendance(ctx, *f.domain, *f.course, f.who(), ids, present, *mirror)
			if env.format == "json" {
				json.NewEncoder(env.stdout).Encode(res)
			} else {
				for _, r := range res {
					fmt.Fprintf(env.stdout, "user %d: %s -> %s%s\n", r.UserID, presence(r.Old), presence(r.New),
						map[bool]string{true: "", false: " (unchanged)"}[r.Changed])
				}
			}
			if err != nil || len(res) == 0 || res[0].MirrorJob == 0 {
				return err
			}
			return mirrorAttendance(ctx, env, a, res[0].MirrorJob)
		})
	}
}

// mirrorAttendance runs the mark's mirror job here. The mark stands
// whatever happens to it: a failure says so and names the job to retry.
func mirrorAttendance(ctx context.Context, env *cliEnv, a *app.App, id int64) error {
	j, err := a.Store.GetJob(ctx, id)
	if err == nil {
		_, err = runJobLocally(ctx, env, a, j)
	}
	if err != nil {
		return fmt.Errorf("%s (job %d): %w", env.pick("la marque est enregistrée mais pas encore reportée dans Moodle ; `bridge jobs retry` la relance",
			"the mark is recorded but not yet mirrored to Moodle; `bridge jobs retry` runs it again"), id, err)
	}
	if env.format != "json" {
		fmt.Fprintf(env.stdout, "%s (job %d)\n", env.pick("achèvement de cours reporté dans Moodle", "Moodle's course completion set"), id)
	}
	return nil
}

func presence(b bool) string {
	if b {
		return "Formation terminée"
	}
	return "non terminée"
}

func runCertificates(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "certificates", "--domain D --course C --out DIR [--as USERID] [--remote-minutes N] [--comment TEXT]")
	f := addTrackingFlags(env, fs, true)
	out := fs.String("out", "", "output directory (required)")
	minutes := fs.Int("remote-minutes", 0, "announced remote duration in minutes (default: the course's metadata)")
	comment := fs.String("comment", "", "comment printed on the collective report")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(true); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	return withTracking(ctx, env, func(a *app.App, _ *tracking.Service) error {
		if _, err := a.Fleet.Get(*f.domain); err != nil {
			return usagef("%v", err)
		}
		// A job (retried, resumable; its files kept with it in the store),
		// run here with its progress on stderr; then its files are written.
		who := f.who()
		job, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: tracking.KindCertificates, Domain: *f.domain, RequestedBy: who.Actor,
			Payload: tracking.CertificatesPayload{CourseID: *f.course, Acting: who.UserID, Actor: who.Actor, Operator: who.Operator,
				RemoteMinutes: *minutes, Comment: *comment}})
		if err != nil {
			return err
		}
		if job, err = runJobLocally(ctx, env, a, job); err != nil {
			return err
		}
		files, err := writeJobFiles(ctx, a, job, *out)
		if err != nil {
			return err
		}
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(files)
		}
		for _, p := range files {
			fmt.Fprintln(env.stdout, p)
		}
		return nil
	})
}

// writeJobFiles writes a tracking.certificates job's files into dir, in
// the job's order, and returns their paths.
func writeJobFiles(ctx context.Context, a *app.App, job store.Job, dir string) ([]string, error) {
	var res tracking.CertificatesResult
	if err := json.Unmarshal(job.Result, &res); err != nil {
		return nil, fmt.Errorf("certificates: job %d: unreadable result: %w", job.ID, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	var paths []string
	for _, f := range res.Files {
		file, err := a.Store.GetJobFile(ctx, job.ID, f.Name)
		if err != nil {
			return nil, fmt.Errorf("certificates: job %d: %w", job.ID, err)
		}
		p := filepath.Join(dir, filepath.Base(f.Name))
		if err := os.WriteFile(p, file.Data, 0o600); err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
