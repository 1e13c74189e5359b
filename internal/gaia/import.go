package gaia

import (
	"context"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/store"
)

// Outcome is the result of importing one file.
type Outcome struct {
	File     *File
	Skipped  bool           // the domain already imported these bytes
	Previous store.GaiaFile // the earlier import, when Skipped
}

// Import stores a parsed file for a domain in one transaction, or skips it
// when the domain already imported a file with the same SHA-256 (the
// check is repeated inside the transaction, so concurrent imports of one
// file store it once).
func Import(ctx context.Context, st *store.Store, domain string, f *File) (Outcome, error) {
	out := Outcome{File: f}
	prev, err := st.GaiaFileByHash(ctx, domain, f.SHA256)
	switch {
	case err == nil:
		out.Skipped, out.Previous = true, prev
		return out, nil
	case !errors.Is(err, store.ErrNotFound):
		return out, fmt.Errorf("gaia: import %s: %w", f.Name, err)
	}
	if f.Layout == LayoutMinistry {
		err = importMinistry(ctx, st, domain, f)
	} else {
		rec := store.GaiaFile{Domain: domain, SHA256: f.SHA256, Kind: f.Kind, Name: f.Name, Rows: f.Rows()}
		people := make([]store.GaiaPerson, len(f.People))
		for i, p := range f.People {
			p.Domain = domain
			people[i] = p
		}
		err = st.ImportGaiaFile(ctx, rec, f.Sessions, people)
	}
	if errors.Is(err, store.ErrDuplicate) {
		prev, perr := st.GaiaFileByHash(ctx, domain, f.SHA256)
		if perr != nil {
			return out, fmt.Errorf("gaia: import %s: %w", f.Name, perr)
		}
		out.Skipped, out.Previous = true, prev
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("gaia: import %s: %w", f.Name, err)
	}
	return out, nil
}

// importMinistry stores one ministry-layout file given on its own: a
// Formations file's sessions and GAIA session ids; a people file's people,
// found through the sessions the domain imported before (Formations
// first). People replace, per session and role, those of earlier files.
func importMinistry(ctx context.Context, st *store.Store, domain string, f *File) error {
	if len(f.Refs) > 0 {
		ids, err := st.GaiaSessionIDs(ctx, domain)
		if err != nil {
			return err
		}
		f.Resolve(NewIndex(ids))
	}
	rec := store.GaiaFile{Domain: domain, SHA256: f.SHA256, Kind: f.Kind, Name: f.Name, Rows: f.Rows()}
	var roles []string
	if r := RoleOf(f.Kind); r != "" {
		roles = []string{r}
	}
	sessions := make([]store.GaiaSession, len(f.Sessions))
	for i, s := range f.Sessions {
		s.FileSHA256 = f.SHA256
		sessions[i] = s
	}
	if f.Kind == KindFormations {
		roles = nil // a Formations file alone leaves the sessions' people as they are
	}
	if _, err := st.GaiaFileByHash(ctx, domain, f.SHA256); err == nil {
		return fmt.Errorf("store: import gaia file: %w", store.ErrDuplicate)
	}
	return st.ImportGaiaDrop(ctx, domain, []store.GaiaFile{rec}, sessions, f.IDs, f.People, roles)
}
