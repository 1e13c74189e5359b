package tracking

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/magistere/bridge/internal/certificate"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// KindCertificates is the job rendering a session's certificates. Its
// files (PDFs, a ZIP) are kept as the job's result files in the store
// (store.PutJobFile) and deleted with the job; the API answers with the
// job's id, and `bridge certificates` runs it in the CLI process.
const KindCertificates = "tracking.certificates"

// CertificatesPayload is a tracking.certificates job's payload.
type CertificatesPayload struct {
	CourseID int64 `json:"course_id"`
	// Acting is the Moodle user the certificates are issued for: a
	// formateur or manager of the course, checked again when the job runs.
	Acting int64 `json:"acting_user_id"`
	// Actor is who asked, as the audit records it ("" in older jobs: the
	// Moodle user Acting); Operator: a CLI operator without --as (Acting 0).
	Actor    string `json:"actor,omitempty"`
	Operator bool   `json:"operator,omitempty"`
	Vouched  bool   `json:"vouched,omitempty"` // see Who.Vouched
	// UserIDs, when set, asks only for these participants' certificates:
	// one PDF, or a ZIP of several (the tracking block). Without it, every
	// file: the collective report, each certificate and their ZIP (the CLI).
	UserIDs       []int64 `json:"user_ids,omitempty"`
	RemoteMinutes int     `json:"remote_minutes,omitempty"`
	Comment       string  `json:"comment,omitempty"`
}

// CertificatesResult is a tracking.certificates job's result: its files,
// in the order to write them, and the one to hand to a user ("" when none
// of the asked participants is marked "Formation terminée").
type CertificatesResult struct {
	Files    []CertificateFile `json:"files"`
	Download string            `json:"download,omitempty"`
}

// CertificateFile names one of the job's files (store.GetJobFile).
type CertificateFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// RunCertificatesJob renders the certificates and keeps them as the job's
// files, in one checkpointed step: a resumed job hands back the files of
// the attempt that finished the step instead of issuing them again.
func RunCertificatesJob(ctx context.Context, svc *Service, st *store.Store, run *jobs.Run) (any, error) {
	var p CertificatesPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	if run.Domain() == "" || p.CourseID <= 0 || (p.Acting <= 0 && !p.Operator) {
		return nil, failure.Permanent(fmt.Errorf("%s: the job needs a domain, a course_id and an acting_user_id", KindCertificates))
	}
	var res CertificatesResult
	err := run.Step("render", func(ctx context.Context) (any, error) {
		run.Progress(0, 1, "rendering certificates")
		set, err := svc.Certificates(ctx, run.Domain(), p.CourseID, Who{UserID: p.Acting, Operator: p.Operator, Vouched: p.Vouched, Actor: p.Actor},
			CertificateOptions{RemoteMinutes: p.RemoteMinutes, Comment: p.Comment})
		if err != nil {
			return nil, err
		}
		files, download, err := certificateFiles(set, p)
		if err != nil {
			return nil, err
		}
		out := CertificatesResult{Files: []CertificateFile{}, Download: download}
		for _, f := range files {
			if err := st.PutJobFile(ctx, run.Lease(), f.Name, f.ContentType, f.data); err != nil {
				return nil, err
			}
			out.Files = append(out.Files, CertificateFile{Name: f.Name, ContentType: f.ContentType, Size: len(f.data)})
		}
		return out, nil
	}, &res)
	if err != nil {
		return nil, err
	}
	run.Progress(1, 1, fmt.Sprintf("%d file(s)", len(res.Files)))
	return res, nil
}

type certFile struct {
	CertificateFile
	data []byte
}

func pdfFile(d certificate.Document) certFile {
	return certFile{CertificateFile{Name: d.FileName, ContentType: "application/pdf"}, d.PDF}
}

// certificateFiles picks the job's files: every file, or the asked
// participants' certificates (one PDF, or a ZIP of several).
func certificateFiles(set *CertificateSet, p CertificatesPayload) ([]certFile, string, error) {
	if len(p.UserIDs) == 0 {
		files := []certFile{pdfFile(set.Collective)}
		for _, d := range set.Individuals {
			files = append(files, pdfFile(d))
		}
		zipName := strings.TrimSuffix(strings.Replace(set.Collective.FileName, "releve-presence", "attestations", 1), ".pdf") + ".zip"
		files = append(files, certFile{CertificateFile{Name: zipName, ContentType: "application/zip"}, set.Zip})
		return files, zipName, nil
	}
	var picked []certificate.Document
	for _, d := range set.Individuals {
		if slices.Contains(p.UserIDs, d.UserID) {
			picked = append(picked, d)
		}
	}
	switch len(picked) {
	case 0:
		return nil, "", nil
	case 1:
		return []certFile{pdfFile(picked[0])}, picked[0].FileName, nil
	}
	zip, err := certificate.Zip(picked)
	if err != nil {
		return nil, "", err
	}
	name := fmt.Sprintf("attestations-%d.zip", p.CourseID)
	return []certFile{{CertificateFile{Name: name, ContentType: "application/zip"}, zip}}, name, nil
}
