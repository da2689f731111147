package config

import "fmt"

// Retention configures the retention purge: how long the raw originals and
// personal data of closed cases are kept, per domain, and when the daily
// purge runs.
type Retention struct {
	// GemeenteYears and SociaalhuisYears: the personal data of cases of
	// the domain closed longer ago (and of messages without a case stored
	// longer ago) are purged (default 5).
	GemeenteYears    int `toml:"gemeente_years"`
	SociaalhuisYears int `toml:"sociaalhuis_years"`
	// Hour of the day (0-23, in cases.time_zone) the daily purge runs
	// (default 3).
	Hour int `toml:"hour"`
}

// Years returns the retention period in years per domain.
func (r Retention) Years() map[string]int {
	return map[string]int{"gemeente": r.GemeenteYears, "sociaalhuis": r.SociaalhuisYears}
}

func retentionDefaults() Retention {
	return Retention{GemeenteYears: 5, SociaalhuisYears: 5, Hour: 3}
}

// validate returns every problem of the [retention] settings.
func (r Retention) validate() []error {
	var errs []error
	for _, y := range []struct {
		name  string
		years int
	}{{"gemeente_years", r.GemeenteYears}, {"sociaalhuis_years", r.SociaalhuisYears}} {
		if y.years < 1 || y.years > 100 {
			errs = append(errs, fmt.Errorf("retention.%s = %d: want a number of years from 1 to 100", y.name, y.years))
		}
	}
	if r.Hour < 0 || r.Hour > 23 {
		errs = append(errs, fmt.Errorf("retention.hour = %d: want an hour from 0 to 23", r.Hour))
	}
	return errs
}
