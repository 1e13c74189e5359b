package enrol

// emailAccounts holds the accounts the e-mail look-up found, by entry
// index. A 100,000-row plan keeps it through matching, so it is built for
// size: one account per entry in a slab, and only an entry whose e-mail has
// several accounts (ambiguous, rare) has a list of its own. A map of the
// file's e-mails to []account, keyed by the answers' strings, held about
// five times as much.
type emailAccounts struct {
	first []account           // by entry; ID 0: none found
	more  map[int32][]account // every account of an entry with several
}

func newEmailAccounts(entries int) *emailAccounts {
	return &emailAccounts{first: make([]account, entries)}
}

// add keeps an account found for entry i.
func (x *emailAccounts) add(i int32, a account) {
	switch {
	case x.first[i].ID == 0:
		x.first[i] = a
	case x.more[i] == nil:
		if x.more == nil {
			x.more = map[int32][]account{}
		}
		x.more[i] = []account{x.first[i], a}
	default:
		x.more[i] = append(x.more[i], a)
	}
}

// copyTo gives entry to the accounts of entry from (the same e-mail).
func (x *emailAccounts) copyTo(to, from int32) {
	for _, a := range x.get(int(from)) {
		x.add(to, a)
	}
}

// get returns the accounts found for entry i, nil when none; the caller
// must not change them.
func (x *emailAccounts) get(i int) []account {
	switch {
	case x == nil || i >= len(x.first) || x.first[i].ID == 0:
		return nil
	case x.more[int32(i)] != nil:
		return x.more[int32(i)]
	}
	return x.first[i : i+1 : i+1]
}
