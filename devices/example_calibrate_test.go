package devices_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/workloads"
)

// Predict measurements of your own with the shipped cost model: a table
// with the columns of the shipped points.csv, one row per measurement.
func ExampleCalibrate() {
	table := `id,source,device,processor,engine,model,quant,phase,context_or_prompt_tokens,batch,metric,value,notes
LAB-1,our lab,Samsung Galaxy S24 (Snapdragon 8 Gen 3),npu,qnn,Llama-3.2-1B-Instruct,w4a16,decode,1024,1,tokens_per_s,45,
LAB-2,our lab,Samsung Galaxy S24 (Snapdragon 8 Gen 3),npu,qnn,Llama-3.2-1B-Instruct,w4a16,prefill,1024,1,ms_total,400,
LAB-3,our lab,a prototype phone,npu,qnn,Llama-3.2-1B-Instruct,w4a16,decode,1024,1,tokens_per_s,50,
`
	pts, err := devices.ReadPoints(strings.NewReader(table))
	if err != nil {
		log.Fatal(err)
	}
	c, err := devices.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	w, err := workloads.DefaultCatalogue()
	if err != nil {
		log.Fatal(err)
	}
	rep := devices.Calibrate(c, w, pts)
	for _, r := range rep.Rows {
		if !r.Supported() {
			fmt.Printf("%s: unsupported (%s)\n", r.ID, r.Cause)
			continue
		}
		fmt.Printf("%s on %s: %s measured %.0f, predicted %.0f (%+.0f%%)\n",
			r.ID, r.Place, r.Metric, r.Value, r.Predicted, 100*r.Error)
	}
	fmt.Printf("coverage %.2f\n", rep.Coverage)
	// Output:
	// LAB-1 on galaxy-s24/npu@qnn: tokens_per_s measured 45, predicted 55 (+22%)
	// LAB-2 on galaxy-s24/npu@qnn: ms_total measured 400, predicted 435 (+9%)
	// LAB-3: unsupported (device)
	// coverage 0.67
}
