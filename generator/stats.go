package generator

// statsData is what layouts/stats.html receives as .Data (charts rendered at build time).
func (s *Site) statsData() any { return nil }
