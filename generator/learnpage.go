package generator

// learnData is what layouts/learn.html receives as .Data (the onboarding reading path).
func (s *Site) learnData() any { return nil }
