package enrol

import (
	"testing"
)

// 20,000 unknown people with --unknown create: everyone is created and
// enrolled in a few hundred calls (lookups ~40, creates 200, enrols 200).
func TestTwentyThousandRowsCreateWithFewCalls(t *testing.T) {
	env := newSimEnv(t)
	const n = 20000
	file := usersCSV(n)
	start := env.client.Stats().TotalCalls
	p := env.plan(t, file, PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	if got := p.Counts().ByStatus[StatusWillCreate]; got != n {
		t.Fatalf("will create %d, want %d (%v)", got, n, p.Counts().ByStatus)
	}
	env.apply(t, p)
	calls := env.client.Stats().TotalCalls - start
	if got := p.Counts().ByStatus[StatusCreated]; got != n {
		t.Fatalf("created %d, want %d (%v)", got, n, p.Counts().ByStatus)
	}
	if got := len(env.site.EnrolledUserIDs(int(env.course))); got != n {
		t.Fatalf("enrolled %d, want %d", got, n)
	}
	if calls >= 700 {
		t.Fatalf("%d web-service calls, want < 700 (%v)", calls, env.client.Stats().Calls)
	}
	t.Logf("%d calls: %v", calls, env.client.Stats().Calls)
}
