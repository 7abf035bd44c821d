package popminer

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the PoP miner's Prometheus metrics.
type Metrics struct {
	Published   prometheus.Counter
	Proven      prometheus.Counter
	Bumps       prometheus.Counter
	FeesSats    prometheus.Counter
	Errors      prometheus.Counter
	Pending     prometheus.Gauge
	BalanceSats prometheus.Gauge
}

// NewMetrics creates the metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "popminer", Name: name, Help: help})
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "popminer", Name: name, Help: help})
	}
	m := &Metrics{
		Published:   counter("keystones_published_total", "Keystones this miner signed a Bitcoin transaction for."),
		Proven:      counter("publications_proven_total", "Publications hemi recorded from this miner's proofs (or another submitter's)."),
		Bumps:       counter("fee_bumps_total", "RBF replacements of a publication not mined in time."),
		FeesSats:    counter("fees_sats_total", "Bitcoin fees committed to publications, in satoshis."),
		Errors:      counter("errors_total", "Steps that failed and were retried."),
		Pending:     gauge("pending", "1 while a publication is not yet proven on hemi."),
		BalanceSats: gauge("balance_sats", "Confirmed balance of the miner's Bitcoin address, in satoshis."),
	}
	if reg != nil {
		reg.MustRegister(m.Published, m.Proven, m.Bumps, m.FeesSats, m.Errors, m.Pending, m.BalanceSats)
	}
	return m
}
