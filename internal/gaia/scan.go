package gaia

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/store"
)

// KindScan is the job kind reading the newest drop directory.
const KindScan = "gaia.scan"

// ScanPayload is a gaia.scan job's payload (Domain may be empty: the
// job's own domain).
type ScanPayload struct {
	Domain   string `json:"domain,omitempty"`
	DryRun   bool   `json:"dry_run,omitempty"`
	Override bool   `json:"override,omitempty"`
}

// Scan statuses.
const (
	ScanImported    = "imported"     // the drop's files went into the store
	ScanWouldImport = "would_import" // dry run
	ScanUnchanged   = "unchanged"    // every file already imported
	ScanHeld        = "held"         // partial drop, within the grace period
	ScanNoDrop      = "no_drop"      // no dated directory yet
	ScanMissing     = "missing"      // none of the académie's files
)

// ScanFile is one file of the drop the domain used.
type ScanFile struct {
	Name     string    `json:"name"`
	Academy  string    `json:"academy"`
	Kind     string    `json:"kind"`
	Layout   string    `json:"layout,omitempty"`
	Encoding string    `json:"encoding,omitempty"`
	SHA256   string    `json:"sha256,omitempty"`
	Rows     int       `json:"rows"`
	National bool      `json:"national_only,omitempty"` // another académie's file: its national rows only
	Known    bool      `json:"already_imported,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// ScanResult is one domain's scan.
type ScanResult struct {
	Domain       string      `json:"domain"`
	Code         string      `json:"gaia_code"`
	Drop         string      `json:"drop,omitempty"` // the dated directory
	DryRun       bool        `json:"dry_run,omitempty"`
	Status       string      `json:"status"`
	Files        []ScanFile  `json:"files"`
	Missing      []string    `json:"missing,omitempty"` // expected file names absent from the drop
	Held         string      `json:"held,omitempty"`
	Sessions     int         `json:"sessions"`
	National     int         `json:"national_sessions"`
	Participants int         `json:"participants"`
	Formateurs   int         `json:"formateurs"`
	Sync         *SyncResult `json:"sync,omitempty"`
	// Errors are what went wrong after what could be done was (a missing
	// or unreadable file): the command exits 1.
	Errors []string `json:"errors,omitempty"`
}

// MissingError is a drop without one of the académie's files: the scan
// imports what it can, then fails naming what is missing.
type MissingError struct {
	Domain, Drop string
	Files        []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("gaia scan %s: drop %s lacks %s / fichier(s) absent(s) du dépôt", e.Domain, e.Drop, strings.Join(e.Files, ", "))
}

// Retryable: the file may arrive later; the next night's scan sees it.
func (e *MissingError) Retryable() bool { return false }

var _ failure.Classified = (*MissingError)(nil)

// Scanner reads a domain's share of the newest drop directory.
type Scanner struct {
	St       *store.Store
	Domain   string
	Code     string // the académie's GAIA code
	DropDir  string
	Grace    time.Duration
	Now      func() time.Time
	Progress func(done, total int, msg string)
}

var dropFile = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^([A-Za-z0-9-]+)_(formations|intervenants|stagiaires)_(\d{8})\.(csv|txt)$`)
})

// NewestDrop returns the newest dated (YYYYMMDD) subdirectory of dir, ""
// when there is none.
func NewestDrop(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("gaia: drop directory %s: %w", dir, err)
	}
	newest := ""
	for _, e := range ents {
		if !e.IsDir() || len(e.Name()) != 8 {
			continue
		}
		if _, err := time.Parse("20060102", e.Name()); err != nil {
			continue
		}
		if e.Name() > newest {
			newest = e.Name()
		}
	}
	return newest, nil
}

type dropEntry struct {
	academy, kind, name, path string
	file                      *File
	err                       error
}

// Scan reads the newest drop: the domain's académie's three files (all
// their rows) and the other académies' (their national dispositifs only),
// and imports them unless every one was already imported or dryRun. The
// drop is what GAIA says tonight: each of its sessions gets the people it
// lists. It returns the people per session it read (for a dry run's sync).
func (sc *Scanner) Scan(ctx context.Context, dryRun bool) (*ScanResult, map[string][]store.GaiaPerson, error) {
	res := &ScanResult{Domain: sc.Domain, Code: sc.Code, DryRun: dryRun, Files: []ScanFile{}}
	drop, err := NewestDrop(sc.DropDir)
	if err != nil {
		return res, nil, failure.Permanent(err)
	}
	if drop == "" {
		res.Status = ScanNoDrop
		return res, nil, nil
	}
	res.Drop = drop
	dir := filepath.Join(sc.DropDir, drop)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return res, nil, fmt.Errorf("gaia: drop %s: %w", dir, err)
	}
	var all []*dropEntry
	own := map[string]*dropEntry{}
	for _, e := range ents {
		m := dropFile().FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			continue
		}
		de := &dropEntry{academy: strings.ToUpper(m[1]), kind: strings.ToLower(m[2]), name: e.Name(), path: filepath.Join(dir, e.Name())}
		all = append(all, de)
		if de.academy == strings.ToUpper(sc.Code) {
			own[de.kind] = de
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].name < all[b].name })
	for _, kind := range []string{KindFormations, KindIntervenants, KindStagiaires} {
		if own[kind] == nil {
			res.Missing = append(res.Missing, fmt.Sprintf("%s_%s_%s.csv", sc.Code, strings.ToUpper(kind[:1])+kind[1:], drop))
		}
	}
	var missingErr error
	switch {
	case len(own) == 0:
		res.Status = ScanMissing
		return res, nil, &MissingError{Domain: sc.Domain, Drop: dir, Files: res.Missing}
	case len(res.Missing) > 0:
		first, err := sc.St.NoteGaiaDrop(ctx, sc.Domain, dir)
		if err != nil {
			return res, nil, err
		}
		until := first.Add(sc.Grace)
		if sc.now().Before(until) {
			res.Status = ScanHeld
			res.Held = fmt.Sprintf("partial drop held back until %s or until %s arrive(s) / dépôt incomplet en attente",
				until.UTC().Format(time.RFC3339), strings.Join(res.Missing, ", "))
			return res, nil, nil
		}
		missingErr = &MissingError{Domain: sc.Domain, Drop: dir, Files: res.Missing}
	}
	for i, de := range all {
		if sc.Progress != nil {
			sc.Progress(i, len(all), "reading "+de.name)
		}
		data, err := os.ReadFile(de.path)
		if err != nil {
			de.err = err
			continue
		}
		de.file, de.err = Parse(de.name, data, de.kind)
	}
	// GAIA's session ids: this drop's Formations (every académie's), then
	// what the domain imported before.
	known, err := sc.St.GaiaSessionIDs(ctx, sc.Domain)
	if err != nil {
		return res, nil, err
	}
	ix := NewIndex(known)
	for _, de := range all {
		if de.file != nil && de.kind == KindFormations {
			for _, id := range de.file.IDs {
				ix.Add(id)
			}
		}
	}
	ownAcademy := strings.ToUpper(sc.Code)
	sessions := map[string]store.GaiaSession{}
	var order []string
	var ids []store.GaiaSessionID
	national := map[string]bool{}
	var used []store.GaiaFile
	addFile := func(de *dropEntry, onlyNational bool, rows int) {
		sf := ScanFile{Name: de.name, Academy: de.academy, Kind: de.kind, National: onlyNational, Rows: rows}
		if de.err != nil {
			sf.Error = de.err.Error()
		} else {
			f := de.file
			sf.Layout, sf.Encoding, sf.SHA256 = f.Layout, f.Encoding, f.SHA256
			if !onlyNational {
				sf.Problems = f.Problems
			}
			if _, err := sc.St.GaiaFileByHash(ctx, sc.Domain, f.SHA256); err == nil {
				sf.Known = true
			}
			used = append(used, store.GaiaFile{Domain: sc.Domain, SHA256: f.SHA256, Kind: f.Kind, Name: de.name, Rows: rows})
		}
		res.Files = append(res.Files, sf)
	}
	for _, pass := range []bool{false, true} { // own académie first, then the others' national rows
		for _, de := range all {
			if de.kind != KindFormations || (de.academy != ownAcademy) == !pass {
				continue
			}
			if de.file == nil {
				if !pass {
					addFile(de, false, 0)
				}
				continue
			}
			n := 0
			for _, s := range de.file.Sessions {
				nat := National(s.Dispositif)
				if pass && !nat {
					continue
				}
				n++ // a national session of another académie counts even when seen before
				if _, dup := sessions[s.Key]; dup {
					continue
				}
				s.FileSHA256 = de.file.SHA256
				sessions[s.Key] = s
				order = append(order, s.Key)
				national[s.Key] = nat
			}
			for _, id := range de.file.IDs {
				if _, ok := sessions[id.SessionKey]; ok && (!pass || national[id.SessionKey]) {
					ids = append(ids, id)
				}
			}
			if !pass || n > 0 {
				addFile(de, pass, n)
			}
		}
	}
	// People: the own académie's, then the others' for national sessions.
	people := map[string][]store.GaiaPerson{}
	seen := map[string]bool{}
	roles := map[string]bool{}
	for _, pass := range []bool{false, true} {
		for _, de := range all {
			if de.kind == KindFormations || (de.academy != ownAcademy) == !pass {
				continue
			}
			if de.file == nil {
				if !pass {
					addFile(de, false, 0)
				}
				continue
			}
			f := de.file
			if f.Layout == LayoutMinistry {
				f.Resolve(ix)
			}
			if !pass {
				roles[RoleOf(f.Kind)] = true
			}
			n := 0
			for _, p := range f.People {
				if pass && !national[p.SessionKey] {
					continue
				}
				if pass {
					if _, ok := sessions[p.SessionKey]; !ok {
						continue
					}
				}
				k := p.SessionKey + " " + p.Role + " " + p.Email
				if seen[k] {
					continue
				}
				seen[k] = true
				p.Domain, p.FileSHA256 = sc.Domain, f.SHA256
				people[p.SessionKey] = append(people[p.SessionKey], p)
				n++
			}
			if !pass || n > 0 {
				addFile(de, pass, n)
			}
		}
	}
	for k := range sessions {
		if people[k] == nil {
			people[k] = []store.GaiaPerson{}
		}
	}
	res.Sessions = len(sessions)
	for _, nat := range national {
		if nat {
			res.National++
		}
	}
	var flat []store.GaiaPerson
	keys := make([]string, 0, len(people))
	for k := range people {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, p := range people[k] {
			if p.Role == RoleFormateur {
				res.Formateurs++
			} else {
				res.Participants++
			}
			flat = append(flat, p)
		}
	}
	allKnown := true
	for _, f := range res.Files {
		allKnown = allKnown && (f.Known || f.Error != "")
	}
	var fileErrs []string
	for _, f := range res.Files {
		if f.Error != "" {
			fileErrs = append(fileErrs, f.Name+": "+f.Error)
		}
	}
	switch {
	case allKnown:
		res.Status = ScanUnchanged
	case dryRun:
		res.Status = ScanWouldImport
	default:
		var roleList []string
		for _, r := range []string{RoleFormateur, RoleParticipant} {
			if roles[r] {
				roleList = append(roleList, r)
			}
		}
		list := make([]store.GaiaSession, 0, len(order))
		for _, k := range order {
			list = append(list, sessions[k])
		}
		if err := sc.St.ImportGaiaDrop(ctx, sc.Domain, used, list, ids, flat, roleList); err != nil {
			return res, nil, fmt.Errorf("gaia scan %s: %w", sc.Domain, err)
		}
		res.Status = ScanImported
	}
	if sc.Progress != nil {
		sc.Progress(len(all), len(all), res.Status)
	}
	if len(fileErrs) > 0 {
		return res, people, errors.Join(missingErr, failure.Permanent(fmt.Errorf("gaia scan %s: %s", sc.Domain, strings.Join(fileErrs, "; "))))
	}
	return res, people, missingErr
}

func (sc *Scanner) now() time.Time {
	if sc.Now != nil {
		return sc.Now()
	}
	return time.Now()
}
