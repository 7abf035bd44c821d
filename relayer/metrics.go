package relayer

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the relayer's Prometheus metrics.
type Metrics struct {
	BitcoinTip       prometheus.Gauge
	LightClientTip   prometheus.Gauge
	HeadersSubmitted prometheus.Counter
	Reorgs           prometheus.Counter
	Errors           prometheus.Counter
	// PublicationsProven counts PoP publications this relayer proved to x/pop.
	PublicationsProven prometheus.Counter
	// DepositsProven counts deposit transactions this relayer proved to x/tunnel.
	DepositsProven prometheus.Counter
}

// NewMetrics creates the metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		BitcoinTip: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "relayer", Name: "bitcoin_tip_height", Help: "Height of the Bitcoin node's best block.",
		}),
		LightClientTip: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "relayer", Name: "btclc_tip_height", Help: "Height of x/btclc's canonical tip.",
		}),
		HeadersSubmitted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "relayer", Name: "headers_submitted_total", Help: "Headers accepted by x/btclc from this relayer.",
		}),
		Reorgs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "relayer", Name: "reorgs_total", Help: "Bitcoin reorgs this relayer submitted to x/btclc.",
		}),
		Errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "relayer", Name: "errors_total", Help: "Relay steps that failed and were retried.",
		}),
		PublicationsProven: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "relayer", Name: "publications_proven_total", Help: "PoP publications this relayer proved to x/pop.",
		}),
		DepositsProven: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "relayer", Name: "deposits_proven_total", Help: "Deposit transactions this relayer proved to x/tunnel.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.BitcoinTip, m.LightClientTip, m.HeadersSubmitted, m.Reorgs, m.Errors, m.PublicationsProven, m.DepositsProven)
	}
	return m
}
