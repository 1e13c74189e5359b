package enrol

// emailIndex holds the accounts the e-mail look-up found, by the file's
// e-mails. A 100,000-row plan keeps one per person through matching, so it
// is built for size: its keys are the entries' own strings (the answers'
// copies are dropped), each e-mail is an int32 slot in a slab of first
// accounts, and only an e-mail with several accounts (ambiguous, rare) has
// a list of its own. A map of []account keyed by the answers held about
// twice as much.
type emailIndex struct {
	slot  map[string]int32    // e-mail of the file -> its slot
	first []account           // the slot's first account; ID 0: none found
	more  map[int32][]account // every account of a slot with several
}

func newEmailIndex(n int) *emailIndex {
	return &emailIndex{slot: make(map[string]int32, n), first: make([]account, 0, n)}
}

// want adds an e-mail to look up; false when it was there already.
func (x *emailIndex) want(email string) bool {
	if _, ok := x.slot[email]; ok {
		return false
	}
	x.slot[email] = int32(len(x.first))
	x.first = append(x.first, account{})
	return true
}

// add keeps an account found for email; an e-mail not wanted is ignored
// (no entry could ask for it).
func (x *emailIndex) add(email string, a account) {
	s, ok := x.slot[email]
	if !ok {
		return
	}
	switch {
	case x.first[s].ID == 0:
		x.first[s] = a
	case x.more[s] == nil:
		if x.more == nil {
			x.more = map[int32][]account{}
		}
		x.more[s] = []account{x.first[s], a}
	default:
		x.more[s] = append(x.more[s], a)
	}
}

// get returns the accounts found for email, nil when none; the caller
// must not change them.
func (x *emailIndex) get(email string) []account {
	if x == nil {
		return nil
	}
	s, ok := x.slot[email]
	switch {
	case !ok || x.first[s].ID == 0:
		return nil
	case x.more[s] != nil:
		return x.more[s]
	}
	return x.first[s : s+1 : s+1]
}
