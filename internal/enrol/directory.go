package enrol

import "github.com/magistere/bridge/internal/domains"

// DirectoryFor reads from the domain's database when it has db_dsn
// (three queries for a whole course, where web services return full
// records), from its web services otherwise, and names which.
func DirectoryFor(d *domains.Domain) (Directory, string, error) {
	db, err := d.Database()
	if err != nil {
		return nil, "", err
	}
	if db == nil {
		return WebServices{Client: d.Client}, "ws", nil
	}
	return db, "db", nil
}
