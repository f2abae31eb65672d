// Package workloads describes the work that mecsim simulates: a catalogue
// of inference models with what one inference costs in operations and bytes,
// the tasks that instances of those models become, and the arrival
// processes that generate the tasks.
//
// The catalogue holds vision models (Model: multiply-adds, parameters and
// feature-map bytes per inference), decoder-only language models (LLM: an
// architecture from which prefill and decode operations, weight bytes and
// KV-cache bytes follow), quantisation schemes (Quant: bits per weight,
// arithmetic type, KV-cache element size), and aliases that map the names
// of the literature ("Llama-2-7B-Chat", "W4A16 (FP16 compute)") onto its
// entries, or say why a name cannot be modelled. Single matrix
// multiplications, the unit of kernel micro-benchmarks, are GEMM values
// parsed from their written form. Catalogue.Resolve maps any model name of
// the calibration data to one of the three kinds.
//
// The catalogue is data, not code: it is parsed from embedded CSV files in
// which every row carries its source, and a user may parse files of their
// own with ParseCatalogue or ParseFiles. Nothing here draws from a global
// random source: an arrival process is configuration, and the caller passes
// the generator, one named stream per phone and purpose, on every draw.
package workloads
