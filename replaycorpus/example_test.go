package replaycorpus

import (
	"fmt"

	"go.temporal.io/sdk/converter"
)

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

// A corpus recorded elsewhere, through two payload codecs: the manifest
// of testdata/foreign/a names its directory's converter (and another for
// one file), the options name the converter of testdata/foreign/b by
// path, and notify.json is expected to fail in any way.
func ExampleOptions_converters() {
	r, err := NewReplayer(Options{
		NamedWorkflows: map[string]any{"OrderWorkflow": orderWorkflow},
		Converters: map[string]Converter{
			"alpha": {Codecs: []converter.PayloadCodec{alphaCodec}},
			"beta":  {Codecs: []converter.PayloadCodec{betaCodec}},
		},
		PathConverters: map[string]string{"testdata/foreign/b": "beta"},
	})
	if err != nil {
		panic(err)
	}
	results, err := r.ReplayDir("testdata/foreign")
	if err != nil {
		panic(err)
	}
	for _, res := range results {
		outcome := "pass"
		if res.Err != nil {
			outcome = fmt.Sprintf("%s at event %d", res.Err.Kind, res.Err.EventID)
		}
		fmt.Printf("%-31s %-28s expected %s\n", res.File, outcome, res.Expected)
	}
	fmt.Println(Summarize(results))
	// Output:
	// testdata/foreign/a/legacy.json  pass                         expected pass
	// testdata/foreign/a/notify.json  command-mismatch at event 22 expected fail
	// testdata/foreign/a/order.json   pass                         expected pass
	// testdata/foreign/b/order.json   pass                         expected pass
	// 4 files: 3 passed, 1 failed, 0 unexpected
}
