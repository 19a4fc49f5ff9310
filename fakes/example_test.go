package fakes_test

import (
	"context"
	"fmt"

	"github.com/benbjohnson/clock"

	"github.com/temporalsim/temporalsim/fakes"
)

// ExamplePaymentService shows why activities pass an idempotency key: a
// retry with the same key charges once, a retry without one charges twice,
// and DuplicateApplies is how a property check catches the second case.
func ExamplePaymentService() {
	ctx := context.Background()
	payments := fakes.NewPaymentService(clock.NewMock(), nil, nil)

	first, _ := payments.Charge(ctx, "order-42", "alice", 1999)
	retry, _ := payments.Charge(ctx, "order-42", "alice", 1999)
	fmt.Println("alice: same charge:", first == retry, "applied:", payments.AppliedCount("order-42"),
		"balance:", payments.Balance("alice"))

	_, _ = payments.Charge(ctx, "", "bob", 500)
	_, _ = payments.Charge(ctx, "", "bob", 500)
	fmt.Println("bob: applied:", payments.AppliedCount(""), "balance:", payments.Balance("bob"))

	for _, d := range payments.DuplicateApplies() {
		fmt.Printf("duplicate %s applied %d times\n", d.Identity, len(d.Applies))
	}
	// Output:
	// alice: same charge: true applied: 1 balance: 1999
	// bob: applied: 2 balance: 1000
	// duplicate charge/bob/500 applied 2 times
}
