package enrol

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// KindApply is the job kind applying an enrolment file.
const KindApply = "enrol.apply"

// JobPayload is an enrol.apply job's payload. The file is kept in the
// store (store.PutUpload) and named by its SHA-256, so any replica can run
// the job and a large file does not bloat the jobs table; File may carry
// a small file inline instead (tests, tools).
type JobPayload struct {
	FileSHA256 string      `json:"file_sha256,omitempty"`
	File       []byte      `json:"file,omitempty"`
	Options    PlanOptions `json:"options"`
}

// StoredPayload keeps the file in the store and returns the payload that
// names it.
func StoredPayload(ctx context.Context, st *store.Store, file []byte, opts PlanOptions) (JobPayload, error) {
	key, err := st.PutUpload(ctx, file)
	if err != nil {
		return JobPayload{}, fmt.Errorf("enrol: keep the file for the job: %w", err)
	}
	return JobPayload{FileSHA256: key, Options: opts}, nil
}

// file returns the job's file, from the payload or the store.
func (p JobPayload) file(ctx context.Context, st *store.Store) ([]byte, error) {
	if p.FileSHA256 == "" {
		return p.File, nil
	}
	data, err := st.GetUpload(ctx, p.FileSHA256)
	if err != nil {
		return nil, fmt.Errorf("enrol: the job's file: %w", err)
	}
	return data, nil
}

// JobRun is what the job handler needs of *jobs.Run.
type JobRun interface {
	Checkpointer
	ID() int64
	Domain() string
}

// JobResult is the job's stored result.
type JobResult struct {
	ReportID int64  `json:"report_id"`
	Counts   Counts `json:"counts"`
	// EnrolPath is the path the writes took: bulk
	// (local_bridge_create_enrol_users), core, bulk+core; "" when nothing
	// was written.
	EnrolPath string `json:"enrol_path,omitempty"`
}

// WithDomainDefaults fills what the run left unset from the domain's
// configuration: role map, unknown-user policy and account auth.
func (o PlanOptions) WithDomainDefaults(d config.Domain) PlanOptions {
	if o.Roles == nil && len(d.Roles) > 0 {
		o.Roles = d.Roles
	}
	if o.Unknown == "" {
		o.Unknown = d.Unknown
	}
	if o.CreateAuth == "" {
		o.CreateAuth = d.CreateAuth
	}
	if o.EnrolPath == "" && d.EnrolPath != PathAuto {
		o.EnrolPath = d.EnrolPath
	}
	return o
}

// JobKey is the idempotency key of applying a file: the same file with
// the same options on the same course(s) is one job.
func JobKey(domain, fileSHA256 string, opts PlanOptions) string {
	raw, _ := json.Marshal(opts) // plain data: cannot fail
	sum := sha256.Sum256(raw)
	courses := make([]string, len(opts.CourseIDs))
	for i, c := range opts.CourseIDs {
		courses[i] = strconv.FormatInt(c, 10)
	}
	return fmt.Sprintf("%s:%s:%s:%s:%s", KindApply, domain, strings.Join(courses, ","), fileSHA256,
		hex.EncodeToString(sum[:8]))
}

// Submitter is the part of *jobs.Queue that SubmitApply uses.
type Submitter interface {
	Submit(ctx context.Context, spec jobs.Spec) (store.Job, bool, error)
}

// SubmitApply submits an apply job under spec.Key (JobKey). The key only
// dedupes a submission still queued or running: a finished job with the
// same key is not returned, since the caller planned the file afresh and
// found work pending (Moodle changed since that job, e.g. someone
// unenrolled a participant by hand); returning the old job reported its
// counts and changed nothing. Such a run is a new application of the
// file, keyed "KEY#after-ID" after the last finished one. created is false
// when a queued or running job was returned.
func SubmitApply(ctx context.Context, q Submitter, spec jobs.Spec) (store.Job, bool, error) {
	base := spec.Key
	for {
		job, created, err := q.Submit(ctx, spec)
		if err != nil || created || job.State == store.JobQueued || job.State == store.JobRunning {
			return job, created, err
		}
		spec.Key = fmt.Sprintf("%s#after-%d", base, job.ID)
	}
}

// FileSHA256 is the hex SHA-256 of a file, as plans and keys use it.
func FileSHA256(file []byte) string {
	sum := sha256.Sum256(file)
	return hex.EncodeToString(sum[:])
}

// RunApplyJob is the enrol.apply handler's body: plan (checkpointed, so a
// resumed job applies the plan it started with), apply phase by phase,
// then keep the report in the store.
func RunApplyJob(ctx context.Context, c *moodle.Client, st *store.Store, run JobRun, p JobPayload) (*JobResult, error) {
	var plan Plan
	run.Progress(0, 6, "plan")
	err := run.Step("plan", func(ctx context.Context) (any, error) {
		file, err := p.file(ctx, st)
		if err != nil {
			return nil, err
		}
		return PlanFile(ctx, c, bytes.NewReader(file), p.Options)
	}, &plan)
	if err != nil {
		return nil, err
	}
	if err := Apply(c, &plan, run); err != nil {
		return nil, err
	}
	rep := NewReport(run.Domain(), &plan, false)
	rep.JobID = run.ID()
	id, err := SaveReport(ctx, st, rep)
	if err != nil {
		return nil, err
	}
	return &JobResult{ReportID: id, Counts: rep.Counts, EnrolPath: rep.EnrolPath}, nil
}

// SaveReport keeps a report in the store, one row per line.
func SaveReport(ctx context.Context, st *store.Store, r *Report) (int64, error) {
	counts, err := json.Marshal(r.Counts)
	if err != nil {
		return 0, failure.Permanent(fmt.Errorf("enrol: save report: %w", err))
	}
	rows := make([]store.EnrolReportRow, len(r.Rows))
	for i, e := range r.Rows {
		data, err := json.Marshal(e)
		if err != nil {
			return 0, failure.Permanent(fmt.Errorf("enrol: save report: %w", err))
		}
		rows[i] = store.EnrolReportRow{Line: e.Line, Status: string(e.Status), Data: data}
	}
	var course int64
	if len(r.CourseIDs) > 0 {
		course = r.CourseIDs[0]
	}
	id, err := st.SaveEnrolReport(ctx, store.EnrolReport{JobID: r.JobID, Domain: r.Domain, CourseID: course,
		FileSHA256: r.FileSHA256, DryRun: r.DryRun, Counts: counts}, rows)
	if err != nil {
		return 0, fmt.Errorf("enrol: save report: %w", err)
	}
	return id, nil
}

// LoadReport reads back the report an enrol.apply job kept.
func LoadReport(ctx context.Context, st *store.Store, jobID int64) (*Report, error) {
	hdr, err := st.EnrolReportByJob(ctx, jobID)
	if err != nil {
		return nil, fmt.Errorf("enrol: load report of job %d: %w", jobID, err)
	}
	rows, err := st.EnrolReportRows(ctx, hdr.ID, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("enrol: load report of job %d: %w", jobID, err)
	}
	r := &Report{JobID: jobID, Domain: hdr.Domain, FileSHA256: hdr.FileSHA256, DryRun: hdr.DryRun,
		Rows: make([]Entry, len(rows))}
	if hdr.CourseID != 0 {
		r.CourseIDs = []int64{hdr.CourseID}
	}
	for i, row := range rows {
		if err := json.Unmarshal(row.Data, &r.Rows[i]); err != nil {
			return nil, failure.Permanent(fmt.Errorf("enrol: load report of job %d: row %d: %w", jobID, i, err))
		}
	}
	r.Counts = CountEntries(r.Rows)
	// The path is in the job's result (the report's table predates it).
	if job, err := st.GetJob(ctx, jobID); err == nil && len(job.Result) > 0 {
		var res JobResult
		if json.Unmarshal(job.Result, &res) == nil {
			r.EnrolPath = res.EnrolPath
		}
	}
	return r.withAdvice(), nil
}
