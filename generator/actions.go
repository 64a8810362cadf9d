package generator

// actionsData is what layouts/actions.html receives as .Data (the action-item dashboard).
func (s *Site) actionsData() any { return nil }
