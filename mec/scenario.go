package mec

import (
	"github.com/mecsim/mecsim/devices"
	"github.com/mecsim/mecsim/sim"
	"github.com/mecsim/mecsim/topology"
	"github.com/mecsim/mecsim/workloads"
)

// Scenario is a resolved, validated description of the world: plain data
// with units in its field names' comments, built by package experiments
// from an experiment file or by hand in Go.
type Scenario struct {
	Duration sim.Time // arrivals are generated in [0, Duration); the run then drains

	Width, Height float64 // area in which phones are placed uniformly, metres
	Phones        int
	PhoneCPU      devices.Processor
	TxPowerDBm    float64 // radiated uplink power
	TxPowerW      float64 // electrical power while transmitting
	RxPowerW      float64 // electrical power while receiving
	IdlePowerW    float64 // power while waiting for an offloaded result

	UplinkHz   float64 // bandwidth of each cell's uplink, shared by its uploads
	DownlinkHz float64 // bandwidth of each cell's downlink, shared by its downloads
	Channel    topology.Channel
	BSPowerDBm float64 // radiated downlink power of each base station

	Sites     []Site
	Cloud     CloudSite
	Workloads []Workload
}

// Site is an edge site: a base station and, beside it, a server that takes
// offloaded tasks from phones within Coverage metres.
type Site struct {
	Pos       topology.Point
	Coverage  float64 // metres
	Processor devices.Processor
	Servers   int // processors sharing one FIFO queue
}

// CloudSite is the data centre, reached from a phone's nearest cell over a
// WAN link.
type CloudSite struct {
	WAN       topology.WANLink
	Processor devices.Processor
	Servers   int
}

// Workload is a stream of vision inference tasks that every phone
// generates as a Poisson process.
type Workload struct {
	Model    workloads.Model
	Rate     float64 // arrivals per second per phone
	Deadline float64 // relative deadline, seconds
}
