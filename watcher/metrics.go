package watcher

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the watcher's Prometheus metrics.
type Metrics struct {
	Up                prometheus.Gauge
	BitcoinTip        prometheus.Gauge
	LightClientTip    prometheus.Gauge
	Lag               prometheus.Gauge
	PublicationsReady prometheus.Gauge
	DepositsReady     prometheus.Gauge
	InboxReady        prometheus.Gauge
	Errors            prometheus.Counter
	HeadersRefused    prometheus.Counter
	ForksOffered      prometheus.Counter
}

// NewMetrics creates the metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "hemid", Subsystem: "bitcoin_watcher", Name: name, Help: help})
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "hemid", Subsystem: "bitcoin_watcher", Name: name, Help: help})
	}
	m := &Metrics{
		Up:                gauge("up", "1 when the last step read the Bitcoin node, 0 when it failed."),
		BitcoinTip:        gauge("bitcoin_tip_height", "Height of the Bitcoin node's best block."),
		LightClientTip:    gauge("btclc_tip_height", "Height of x/btclc's tip at the last proposal."),
		Lag:               gauge("lag_blocks", "Bitcoin blocks x/btclc is behind the Bitcoin node."),
		PublicationsReady: gauge("publications_ready", "PoP publications with proofs ready for injection."),
		DepositsReady:     gauge("deposits_ready", "Vault deposit transactions with proofs ready for injection."),
		InboxReady:        gauge("inbox_ready", "Inbox operation transactions with proofs ready for injection."),
		Errors:            counter("errors_total", "Watcher steps that failed and were retried."),
		HeadersRefused: counter("headers_refused_total", "Proposals that left out the watcher's headers because x/btclc refused them "+
			"(the Bitcoin node serves headers that are invalid: bad proof of work or difficulty, no link to x/btclc's chain)."),
		ForksOffered: counter("forks_offered_total", "Proposals offered a fork of x/btclc's chain: the Bitcoin node's best chain "+
			"leaves it below its tip (a Bitcoin reorg), headers from the common ancestor."),
	}
	if reg != nil {
		reg.MustRegister(m.Up, m.BitcoinTip, m.LightClientTip, m.Lag, m.PublicationsReady, m.DepositsReady, m.InboxReady, m.Errors, m.HeadersRefused, m.ForksOffered)
	}
	return m
}
