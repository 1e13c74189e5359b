package store

import (
	"context"
	"database/sql"
)

// rowScanner is a *sql.Row or *sql.Rows: the scan functions take either.
type rowScanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans every row with scan; op names the
// operation in errors.
func queryAll[T any](ctx context.Context, db *sql.DB, op string, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	return out, wrap(op, rows.Err())
}
