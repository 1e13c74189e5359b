package enrol

import "github.com/magistere/bridge/internal/domains"

// DirectoryFor reads from the domain's database when it has db_dsn
// (three queries for a whole course, where web services return full
// records), from its web services otherwise (local_bridge's lean look-ups
// when the site has them), and names which: "db", "plugin" or "ws".
func DirectoryFor(d *domains.Domain) (Directory, string, error) {
	db, err := d.Database()
	if err != nil {
		return nil, "", err
	}
	if db == nil {
		ws := WebServices{Client: d.Client}
		return ws, ws.Path(), nil
	}
	return db, "db", nil
}
