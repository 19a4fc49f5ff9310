package replaycorpus

import "fmt"

// ExampleReplayer_ReplayDir replays a corpus directory against the current
// workflow code; the manifest says which histories are expected to fail.
func ExampleReplayer_ReplayDir() {
	r, err := NewReplayer(Options{NamedWorkflows: map[string]any{"OrderWorkflow": orderWorkflow}})
	if err != nil {
		panic(err)
	}
	results, err := r.ReplayDir("testdata/order")
	if err != nil {
		panic(err)
	}
	for _, res := range results {
		outcome := "replayed cleanly"
		if res.Err != nil {
			outcome = fmt.Sprintf("%s at event %d", res.Err.Kind, res.Err.EventID)
		}
		fmt.Printf("%-36s %-22s expected %s\n", res.File, outcome, res.Expected)
	}
	fmt.Println(Summarize(results))
	// Output:
	// testdata/order/order.json            replayed cleanly       expected pass
	// testdata/order/order_legacy.json     replayed cleanly       expected pass
	// testdata/order/order_partial.json    replayed cleanly       expected pass
	// testdata/order/order_v0.json         extra-command at event 11 expected fail:extra-command
	// testdata/order/order_v2_notify.json  command-mismatch at event 22 expected fail:command-mismatch
	// 5 files: 3 passed, 2 failed, 0 unexpected
}
